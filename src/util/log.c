/* log.c: leveled diagnostics to stderr with secret redaction. */
#include "util/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/esc.h"
#include "util/xmalloc.h"

static enum log_level level = LOG_WARN;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char **secrets;
static size_t nsecrets;

void log_set_level(enum log_level l)
{
	level = l;
}

enum log_level log_get_level(void)
{
	return level;
}

void log_add_secret(const char *secret)
{
	if (secret == NULL || strlen(secret) < 4)
		return;
	pthread_mutex_lock(&lock);
	secrets = xreallocarray(secrets, nsecrets + 1, sizeof(*secrets));
	secrets[nsecrets++] = xstrdup(secret);
	pthread_mutex_unlock(&lock);
}

/* Masks the value after a marker (up to end of line or quote). */
static void mask_after(char *s, const char *marker)
{
	size_t mlen = strlen(marker);
	for (char *p = strcasestr(s, marker); p != NULL; p = strcasestr(p + mlen, marker)) {
		char *v = p + mlen;
		while (*v == ' ')
			v++;
		char *e = v;
		while (*e != '\0' && *e != '\n' && *e != '\r' && *e != '"')
			e++;
		if (e > v)
			memset(v, '*', (size_t)(e - v));
	}
}

char *log_redact(const char *s)
{
	struct buf out = BUF_INIT;
	buf_adds(&out, s);
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < nsecrets; i++) {
		size_t slen = strlen(secrets[i]);
		char *p;
		while ((p = strstr(out.data, secrets[i])) != NULL) {
			struct buf tmp = BUF_INIT;
			buf_add(&tmp, out.data, (size_t)(p - out.data));
			buf_adds(&tmp, "[redacted]");
			buf_adds(&tmp, p + slen);
			buf_release(&out);
			out = tmp;
		}
	}
	pthread_mutex_unlock(&lock);
	mask_after(out.data, "authorization:");
	mask_after(out.data, "bearer ");
	return buf_detach(&out, NULL);
}

char *log_line(const char *s)
{
	char *redacted = log_redact(s);
	char *line = esc_text_dup(redacted);
	free(redacted);
	return line;
}

void log_msg(enum log_level l, const char *fmt, ...)
{
	if (l > level)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *raw = xvasprintf(fmt, ap);
	va_end(ap);
	char *clean = log_line(raw);
	static const char *names[] = {"error", "warning", "info", "debug"};
	fprintf(stderr, "kaic: %s: %s\n", names[l], clean);
	free(raw);
	free(clean);
}
