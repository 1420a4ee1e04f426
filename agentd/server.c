/* server.c: the registry and the health/metrics endpoints (server.h). */
#include "server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"
#include "util/buf.h"
#include "util/xmalloc.h"

/* ---- label selectors: k=v, k==v, k!=v, k, !k joined by ',' ---- */

static bool key_ok(const char *k, size_t n)
{
	if (n == 0 || n > 316)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = k[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.' || c == '/'))
			return false;
	}
	return true;
}

static int term_match(const char *t, size_t n, const json_t *labels, char *err, size_t errlen)
{
	while (n > 0 && *t == ' ')
		t++, n--;
	while (n > 0 && t[n - 1] == ' ')
		n--;
	bool neg = n > 0 && t[0] == '!';
	const char *op = NULL;
	size_t klen = n, oplen = 0;
	for (size_t i = 0; i < n; i++) {
		if (t[i] == '!' && i + 1 < n && t[i + 1] == '=') {
			op = t + i, oplen = 2, klen = i;
			break;
		}
		if (t[i] == '=') {
			op = t + i, oplen = (i + 1 < n && t[i + 1] == '=') ? 2 : 1, klen = i;
			break;
		}
	}
	if (neg && op) {
		snprintf(err, errlen, "invalid label selector term \"%.*s\"", (int)n, t);
		return -1;
	}
	const char *k = neg ? t + 1 : t;
	if (neg)
		klen--;
	while (klen > 0 && k[klen - 1] == ' ')
		klen--;
	if (!key_ok(k, klen)) {
		snprintf(err, errlen, "invalid label selector term \"%.*s\"", (int)n, t);
		return -1;
	}
	char *key = xstrndup(k, klen);
	const char *have = json_string_value(json_object_get(labels, key));
	free(key);
	if (!op)
		return neg ? have == NULL : have != NULL;
	const char *v = op + oplen;
	size_t vlen = (size_t)(t + n - v);
	while (vlen > 0 && *v == ' ')
		v++, vlen--;
	if (vlen > 63 || (vlen > 0 && !key_ok(v, vlen)) || memchr(v, '/', vlen)) {
		snprintf(err, errlen, "invalid label value in \"%.*s\"", (int)n, t);
		return -1;
	}
	bool eq = have && strlen(have) == vlen && !memcmp(have, v, vlen);
	return op[0] == '!' ? !eq : eq;
}

int server_selector_match(const char *sel, const json_t *labels, char *err, size_t errlen)
{
	int match = 1;
	const char *p = sel ? sel : "";
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		int m = term_match(p, n, labels, err, errlen);
		if (m < 0)
			return -1;
		match = match && m;
		if (!e)
			break;
		p = e + 1;
		if (!*p) {
			snprintf(err, errlen, "invalid label selector: empty term");
			return -1;
		}
	}
	return match;
}

static int by_key(const void *a, const void *b)
{
	const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
	int c = strcmp(json_string_value(json_object_get(x, "namespace")),
		       json_string_value(json_object_get(y, "namespace")));
	return c ? c
		 : strcmp(json_string_value(json_object_get(x, "name")),
			  json_string_value(json_object_get(y, "name")));
}

static json_t *entry(const json_t *t)
{
	const json_t *md = json_object_get(t, "metadata");
	const json_t *spec = json_object_get(t, "spec");
	const json_t *st = json_object_get(t, "status");
	const json_t *names = json_object_get(st, "tools");
	const json_t *schema = json_object_get(spec, "inputSchema");
	const json_t *labels = json_object_get(md, "labels");
	json_t *e =
	    json_pack("{s:O, s:O, s:O, s:O}", "namespace", json_object_get(md, "namespace"), "name",
		      json_object_get(md, "name"), "protocol", json_object_get(spec, "protocol"),
		      "endpoint", json_object_get(st, "endpoint"));
	json_object_set_new(e, "toolNames",
			    json_is_array(names) ? json_deep_copy(names) : json_array());
	json_object_set_new(e, "inputSchema",
			    json_is_object(schema) ? json_deep_copy(schema) : json_null());
	json_object_set_new(e, "labels",
			    json_is_object(labels) ? json_deep_copy(labels) : json_object());
	return e;
}

/* Listed: Registered and Ready True, for the spec's current generation. */
static bool listed(const json_t *t)
{
	const json_t *md = json_object_get(t, "metadata");
	const json_t *st = json_object_get(t, "status");
	const json_t *gen = json_object_get(md, "generation");
	const json_t *og = json_object_get(st, "observedGeneration");
	if (json_is_integer(gen) &&
	    (!json_is_integer(og) || json_integer_value(gen) != json_integer_value(og)))
		return false;
	return tool_condition_true(t, "Registered") && tool_condition_true(t, "Ready") &&
	       json_is_string(json_object_get(md, "namespace")) &&
	       json_is_string(json_object_get(md, "name")) &&
	       json_is_string(json_object_get(json_object_get(t, "spec"), "protocol")) &&
	       json_is_string(json_object_get(st, "endpoint"));
}

json_t *server_registry(const json_t *tools, const char *ns, const char *sel, char *err,
			size_t errlen)
{
	if (server_selector_match(sel, NULL, err, errlen) < 0)
		return NULL;
	size_t n = 0, i;
	const json_t *t;
	json_t **v = xcalloc(json_array_size(tools) + 1, sizeof(json_t *));
	json_array_foreach(tools, i, t) {
		const char *tns =
		    json_string_value(json_object_get(json_object_get(t, "metadata"), "namespace"));
		if (!listed(t) || (ns && *ns && strcmp(ns, tns) != 0))
			continue;
		const json_t *labels = json_object_get(json_object_get(t, "metadata"), "labels");
		if (server_selector_match(sel, labels, err, errlen) != 1)
			continue;
		v[n++] = entry(t);
	}
	qsort(v, n, sizeof(json_t *), by_key);
	json_t *arr = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(arr, v[i]);
	free(v);
	return json_pack("{s:o}", "tools", arr);
}

/* ---- HTTP ---- */

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned code, const char *type,
			      char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	enum MHD_Result rc = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result json_answer(struct MHD_Connection *conn, unsigned code, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return answer(conn, code, "application/json", s, strlen(s));
}

static enum MHD_Result text(struct MHD_Connection *conn, unsigned code, const char *msg)
{
	char *s = xstrdup(msg);
	return answer(conn, code, "text/plain; charset=utf-8", s, strlen(s));
}

static enum MHD_Result on_registry(void *cls, struct MHD_Connection *conn, const char *url,
				   const char *method, const char *version, const char *upload,
				   size_t *upload_len, void **state)
{
	(void)version, (void)upload, (void)upload_len, (void)state;
	struct server *s = cls;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n");
	if (strcmp(url, "/v1/tools") != 0)
		return text(conn, MHD_HTTP_NOT_FOUND, "not found: the registry is GET /v1/tools\n");
	const char *ns = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "namespace");
	const char *sel = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "labelSelector");
	json_t *all = cache_all(&s->c->cache, CACHE_TOOLS);
	char err[256];
	json_t *out = server_registry(all, ns, sel, err, sizeof(err));
	json_decref(all);
	if (!out)
		return json_answer(conn, MHD_HTTP_BAD_REQUEST, json_pack("{s:s}", "error", err));
	return json_answer(conn, MHD_HTTP_OK, out);
}

static void count_conditions(struct ctl *c, struct buf *o)
{
	json_t *all = cache_all(&c->cache, CACHE_TOOLS);
	static const char *const types[] = {"Registered", "Ready"};
	buf_adds(o, "# HELP agentd_tools AgentTools by condition and status.\n"
		    "# TYPE agentd_tools gauge\n");
	for (int k = 0; k < 2; k++) {
		long t = 0, f = 0, u = 0;
		size_t i;
		json_t *v;
		json_array_foreach(all, i, v) {
			const char *st = json_string_value(
			    json_object_get(tool_get_condition(v, types[k]), "status"));
			if (st && !strcmp(st, "True"))
				t++;
			else if (st && !strcmp(st, "False"))
				f++;
			else
				u++;
		}
		buf_addf(o, "agentd_tools{condition=\"%s\",status=\"True\"} %ld\n", types[k], t);
		buf_addf(o, "agentd_tools{condition=\"%s\",status=\"False\"} %ld\n", types[k], f);
		buf_addf(o, "agentd_tools{condition=\"%s\",status=\"Unknown\"} %ld\n", types[k], u);
	}
	json_decref(all);
}

static enum MHD_Result on_metrics(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_len, void **state)
{
	(void)version, (void)upload, (void)upload_len, (void)state;
	struct server *s = cls;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n");
	if (!strcmp(url, "/healthz"))
		return text(conn, MHD_HTTP_OK, "ok\n");
	if (!strcmp(url, "/readyz")) {
		bool ready = atomic_load(&s->c->synced) >= s->c->informers;
		return text(conn, ready ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
			    ready ? "ok\n" : "informers have not listed yet\n");
	}
	if (strcmp(url, "/metrics") != 0)
		return text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
	struct buf o = BUF_INIT;
	buf_init(&o);
	metrics_render(&s->c->metrics, &o);
	count_conditions(s->c, &o);
	buf_adds(&o, "# HELP agentd_leader Whether this replica leads.\n"
		     "# TYPE agentd_leader gauge\n");
	buf_addf(&o, "agentd_leader %d\n", atomic_load(&s->c->leading) ? 1 : 0);
	buf_adds(&o, "# HELP agentd_queue_depth Keys waiting in the work queue.\n"
		     "# TYPE agentd_queue_depth gauge\n");
	buf_addf(&o, "agentd_queue_depth %zu\n", queue_len(&s->c->queue));
	size_t len;
	char *body = buf_detach(&o, &len);
	return answer(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body, len);
}

static void *listen_on(const char *addr, int port, MHD_AccessHandlerCallback fn, void *cls)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (!addr || !*addr || inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		sin.sin_addr.s_addr = htonl(INADDR_ANY);
	return MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL, 0, NULL,
	    NULL, fn, cls, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned int)256, MHD_OPTION_END);
}

int server_start(struct server *s, struct ctl *c, const char *addr, int registry_port,
		 int metrics_port, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->c = c;
	s->registry = listen_on(addr, registry_port, on_registry, s);
	s->metrics = listen_on(addr, metrics_port, on_metrics, s);
	if (!s->registry || !s->metrics) {
		snprintf(err, errlen, "cannot listen on %s port %d", addr ? addr : "0.0.0.0",
			 s->registry ? metrics_port : registry_port);
		server_stop(s);
		return -1;
	}
	return 0;
}

void server_stop(struct server *s)
{
	if (s->registry)
		MHD_stop_daemon(s->registry);
	if (s->metrics)
		MHD_stop_daemon(s->metrics);
	s->registry = s->metrics = NULL;
}

static int bound_port(void *d)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	return i ? (int)i->port : 0;
}

void server_ports(const struct server *s, int *registry_port, int *metrics_port)
{
	*registry_port = bound_port(s->registry);
	*metrics_port = bound_port(s->metrics);
}
