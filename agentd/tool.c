/* tool.c: AgentTool spec validation and status conditions (tool.h). */
#include "tool.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/xmalloc.h"

static const char *str_at(const json_t *o, const char *a, const char *b)
{
	const json_t *v = json_object_get(o, a);
	if (b)
		v = json_object_get(v, b);
	return json_string_value(v);
}

static bool one_of(const char *s, const char *const *set)
{
	for (size_t i = 0; s && set[i]; i++)
		if (!strcmp(s, set[i]))
			return true;
	return false;
}

/* scheme://host... with a non-empty host and no blanks or control characters. */
static bool url_ok(const char *url, const char *const *schemes)
{
	const char *sep = strstr(url, "://");
	if (!sep || !sep[3] || sep[3] == '/' || sep[3] == ':' || sep[3] == '?')
		return false;
	char scheme[8];
	size_t n = (size_t)(sep - url);
	if (n == 0 || n >= sizeof(scheme))
		return false;
	memcpy(scheme, url, n);
	scheme[n] = '\0';
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	return one_of(scheme, schemes);
}

static bool dns_label(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

static int fail(char *msg, size_t len, const char *why)
{
	snprintf(msg, len, "%s", why);
	return -1;
}

static int parse_target(const json_t *spec, struct tool_spec *s, char *msg, size_t len)
{
	static const char *const web[] = {"http", "https", NULL};
	static const char *const grpc[] = {"grpc", "grpcs", "http", "https", NULL};
	const json_t *ep = json_object_get(spec, "endpoint");
	const json_t *ref = json_object_get(spec, "serviceRef");
	if (!ep == !ref)
		return fail(msg, len,
			    "exactly one of spec.endpoint and spec.serviceRef must be set");
	if (ep) {
		s->url = str_at(ep, "url", NULL);
		if (!s->url)
			return fail(msg, len, "spec.endpoint.url is not set");
		if (strlen(s->url) > 2048 ||
		    !url_ok(s->url, strcmp(s->protocol, "GRPC") ? web : grpc)) {
			snprintf(msg, len, "spec.endpoint.url \"%.200s\" is not a valid %s URL",
				 s->url, strcmp(s->protocol, "GRPC") ? "http(s)" : "grpc(s)");
			return -1;
		}
		return 0;
	}
	s->svc_name = str_at(ref, "name", NULL);
	s->svc_ns = str_at(ref, "namespace", NULL);
	if (!s->svc_ns)
		s->svc_ns = s->ns;
	s->path = str_at(ref, "path", NULL);
	if (!s->path)
		s->path = "/";
	const json_t *port = json_object_get(ref, "port");
	s->port = json_is_integer(port) ? (long)json_integer_value(port) : 0;
	if (!dns_label(s->svc_name) || !dns_label(s->svc_ns))
		return fail(msg, len, "spec.serviceRef name and namespace must be DNS labels");
	if (s->port < 1 || s->port > 65535)
		return fail(msg, len, "spec.serviceRef.port must be a number from 1 to 65535");
	if (s->path[0] != '/' || strlen(s->path) > 1024 || strpbrk(s->path, " \t\r\n#"))
		return fail(msg, len, "spec.serviceRef.path must be a URL path starting with /");
	return 0;
}

static int parse_auth(const json_t *spec, struct tool_spec *s, char *msg, size_t len)
{
	static const char *const types[] = {"None", "ServiceAccountToken", "Bearer", NULL};
	const json_t *auth = json_object_get(spec, "auth");
	s->auth = str_at(auth, "type", NULL);
	if (!s->auth)
		s->auth = "None";
	if (!one_of(s->auth, types))
		return fail(msg, len, "spec.auth.type must be None, ServiceAccountToken or Bearer");
	s->audience = str_at(auth, "audience", NULL);
	s->secret = str_at(auth, "secretRef", "name");
	if (!strcmp(s->auth, "ServiceAccountToken") && (!s->audience || !*s->audience))
		return fail(msg, len,
			    "spec.auth.audience is required for ServiceAccountToken (a token for "
			    "the API server's own audience is never sent to a tool)");
	if (!strcmp(s->auth, "Bearer") && (!s->secret || !*s->secret || strlen(s->secret) > 253))
		return fail(msg, len, "spec.auth.secretRef.name is required for Bearer");
	return 0;
}

int tool_spec_parse(const json_t *obj, struct tool_spec *s, char *msg, size_t len)
{
	static const char *const protocols[] = {"MCP", "HTTP", "GRPC", NULL};
	static const char *const transports[] = {"streamable-http", "sse", NULL};
	memset(s, 0, sizeof(*s));
	s->ns = str_at(obj, "metadata", "namespace");
	s->name = str_at(obj, "metadata", "name");
	const json_t *gen = json_object_get(json_object_get(obj, "metadata"), "generation");
	s->generation = json_is_integer(gen) ? json_integer_value(gen) : 0;
	if (!s->ns || !s->name)
		return fail(msg, len, "the object has no namespace or name");
	const json_t *spec = json_object_get(obj, "spec");
	if (!json_is_object(spec))
		return fail(msg, len, "the object has no spec");
	s->protocol = str_at(spec, "protocol", NULL);
	if (!one_of(s->protocol, protocols))
		return fail(msg, len, "spec.protocol must be MCP, HTTP or GRPC");
	s->transport = str_at(spec, "transport", NULL);
	if (s->transport && strcmp(s->protocol, "MCP") != 0)
		return fail(msg, len, "spec.transport is for MCP tools only");
	if (s->transport && !one_of(s->transport, transports))
		return fail(msg, len, "spec.transport must be streamable-http or sse");
	const json_t *to = json_object_get(spec, "timeoutSeconds");
	s->timeout_s = TOOL_TIMEOUT_DEFAULT_S;
	if (to) {
		if (!json_is_integer(to) || json_integer_value(to) < 1 ||
		    json_integer_value(to) > 3600)
			return fail(msg, len, "spec.timeoutSeconds must be from 1 to 3600");
		s->timeout_s = (long)json_integer_value(to);
	}
	if (json_object_get(spec, "inputSchema") &&
	    !json_is_object(json_object_get(spec, "inputSchema")))
		return fail(msg, len, "spec.inputSchema must be an object");
	if (parse_target(spec, s, msg, len) != 0)
		return -1;
	return parse_auth(spec, s, msg, len);
}

int tool_service_check(const struct tool_spec *s, const json_t *svc, char *msg, size_t len)
{
	if (!svc) {
		snprintf(msg, len, "Service %s/%s does not exist", s->svc_ns, s->svc_name);
		return -1;
	}
	const json_t *ports = json_object_get(json_object_get(svc, "spec"), "ports");
	size_t i;
	const json_t *p;
	json_array_foreach(ports, i, p) {
		const json_t *n = json_object_get(p, "port");
		if (json_is_integer(n) && json_integer_value(n) == s->port)
			return 0;
	}
	snprintf(msg, len, "Service %s/%s has no port %ld", s->svc_ns, s->svc_name, s->port);
	return -1;
}

char *tool_endpoint(const struct tool_spec *s)
{
	if (s->url)
		return xstrdup(s->url);
	return xasprintf("%s://%s.%s.svc:%ld%s", strcmp(s->protocol, "GRPC") ? "http" : "grpc",
			 s->svc_name, s->svc_ns, s->port, s->path);
}

const json_t *tool_get_condition(const json_t *obj, const char *type)
{
	const json_t *conds = json_object_get(json_object_get(obj, "status"), "conditions");
	size_t i;
	const json_t *c;
	json_array_foreach(conds, i, c) {
		const char *t = json_string_value(json_object_get(c, "type"));
		if (t && !strcmp(t, type))
			return c;
	}
	return NULL;
}

bool tool_condition_true(const json_t *obj, const char *type)
{
	const char *st =
	    json_string_value(json_object_get(tool_get_condition(obj, type), "status"));
	return st && !strcmp(st, "True");
}

void tool_condition(json_t *conds, const json_t *old, const char *type, bool status,
		    const char *reason, const char *message, long long gen, const char *now)
{
	const char *st = status ? "True" : "False";
	const json_t *prev = tool_get_condition(old, type);
	const char *pst = json_string_value(json_object_get(prev, "status"));
	const char *ltt = json_string_value(json_object_get(prev, "lastTransitionTime"));
	if (!pst || strcmp(pst, st) != 0 || !ltt)
		ltt = now;
	json_array_append_new(conds, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "type", type,
					       "status", st, "reason", reason, "message", message,
					       "lastTransitionTime", ltt, "observedGeneration",
					       (json_int_t)gen));
}

void tool_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
