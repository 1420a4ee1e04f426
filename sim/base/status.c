/* status.c: Status error answers (the real API's error bodies) and response release. */

#include "base/status.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "util/xmalloc.h"

void sim_response_release(struct sim_response *r)
{
	if (!r)
		return;
	free(r->content_type);
	free(r->body);
	if (r->watch && r->watch_free)
		r->watch_free(r->watch);
	memset(r, 0, sizeof(*r));
}

void sim_respond_json(struct sim_response *resp, int status, json_t *v)
{
	free(resp->body);
	free(resp->content_type);
	resp->content_type = NULL;
	resp->status = status;
	resp->body = json_dumps(v, JSON_COMPACT);
	if (!resp->body)
		resp->body = xstrdup("{}");
	resp->len = strlen(resp->body);
	json_decref(v);
}

void sim_status_error(struct sim_response *r, int code, const char *reason, const char *group,
		      const char *kind, const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	json_t *st = json_pack("{s:s, s:s, s:{}, s:s, s:s, s:s}", "kind", "Status", "apiVersion",
			       "v1", "metadata", "status", "Failure", "message", msg, "reason",
			       reason ? reason : "");
	free(msg);
	json_t *details = json_object();
	if (name && *name)
		json_object_set_new(details, "name", json_string(name));
	if (group && *group)
		json_object_set_new(details, "group", json_string(group));
	if (kind && *kind)
		json_object_set_new(details, "kind", json_string(kind));
	json_object_set_new(st, "details", details);
	json_object_set_new(st, "code", json_integer(code));
	sim_respond_json(r, code, st);
}
