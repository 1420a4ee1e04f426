/* error.c: struct kube_error helpers. */
#include "kube/kube.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void kube_error_set(struct kube_error *err, long code, const char *reason, const char *fmt, ...)
{
	if (err == NULL)
		return;
	err->http_code = code;
	snprintf(err->reason, sizeof(err->reason), "%s", reason ? reason : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}
