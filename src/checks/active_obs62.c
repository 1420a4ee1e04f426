/* active_obs62.c: the active test of OBS-6.2 (OpenTelemetry tracing): a `kaic probe
 * trace` pod sends one OTLP/HTTP trace of an agent turn, four spans chained by parent
 * links (plan -> act -> tool_call -> inference) under the service name kaic-RUN_ID, to
 * the cluster's collector (a Service on port 4318); kaic then reads the trace back from
 * the trace backend's query API (--trace-query-url, or a Jaeger or Tempo query Service
 * through the API server's proxy), GET /api/traces/TRACE_ID, and checks that every
 * span arrived with its parent link and service name. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/util.h"
#include "util/buf.h"
#include "util/xmalloc.h"
#include "util/clock.h"

#define TAG "trace"
#define OTLP_HTTP_PORT 4318
#define TRACE_SPANS 4
#define READ_WAIT_MS 60000 /* a collector's batch processor flushes every few seconds */
#define QUERY_MIN_MS 500
#define QUERY_MAX_MS 4000

static const char *const span_names[TRACE_SPANS] = {"plan", "act", "tool_call", "inference"};

json_t *active_obs62_objects(const struct active_params *p)
{
	char *service = xasprintf("kaic-%s", p->run_id);
	json_t *pod = active_build_pod(p, TAG, "trace",
				       json_pack("[s,s,s,s,s,s]", "--endpoint", p->otlp_endpoint,
						 "--service", service, "--timeout", "10s"),
				       true);
	free(service);
	return json_pack("[o]", pod);
}

/* ---- finding the collector and the query API ---- */

static bool has_port(const json_t *svc, long port)
{
	size_t i;
	const json_t *p;
	json_array_foreach(cutil_get(svc, "spec.ports"), i, p) {
		if (json_integer_value(json_object_get(p, "port")) == port)
			return true;
	}
	return false;
}

/* The OTLP/HTTP endpoint of the collector: a Service on port 4318, one whose name says
 * collector first. New string, or NULL. */
static char *find_collector(const json_t *svcs, char **label)
{
	const json_t *best = NULL;
	size_t i;
	const json_t *s;
	json_array_foreach(svcs, i, s) {
		if (!has_port(s, OTLP_HTTP_PORT))
			continue;
		if (best == NULL || (strstr(cutil_name(s), "collector") != NULL &&
				     strstr(cutil_name(best), "collector") == NULL))
			best = s;
	}
	if (best == NULL)
		return NULL;
	*label = xasprintf("Service %s/%s:%d", cutil_ns(best), cutil_name(best), OTLP_HTTP_PORT);
	return xasprintf("http://%s.%s.svc:%d", cutil_name(best), cutil_ns(best), OTLP_HTTP_PORT);
}

struct trace_api {
	char *proxy; /* API server proxy prefix, or NULL */
	char *url;   /* absolute URL, or NULL */
	char *label; /* for evidence */
};

static void trace_api_release(struct trace_api *q)
{
	free(q->proxy);
	free(q->url);
	free(q->label);
}

static char *trim_slash(const char *s)
{
	size_t n = strlen(s);
	while (n > 0 && s[n - 1] == '/')
		n--;
	return xstrndup(s, n);
}

/* The query API: --trace-query-url, else a Jaeger query (16686) or Tempo (3200)
 * Service. 1 found, 0 none. */
static int find_query_api(const struct check_ctx *ctx, const json_t *svcs, struct trace_api *q)
{
	memset(q, 0, sizeof(*q));
	const char *u = ctx->opts ? ctx->opts->trace_query_url : NULL;
	if (u != NULL && *u != '\0') {
		if (u[0] == '/')
			q->proxy = trim_slash(u);
		else
			q->url = trim_slash(u);
		q->label = xasprintf("--trace-query-url %s", u);
		return 1;
	}
	static const struct {
		long port;
		const char *what;
	} backends[] = {{16686, "Jaeger query"}, {3200, "Tempo"}};
	for (size_t k = 0; k < sizeof(backends) / sizeof(backends[0]); k++) {
		size_t i;
		const json_t *s;
		json_array_foreach(svcs, i, s) {
			if (!has_port(s, backends[k].port))
				continue;
			q->proxy = xasprintf("/api/v1/namespaces/%s/services/%s:%ld/proxy",
					     cutil_ns(s), cutil_name(s), backends[k].port);
			q->label =
			    xasprintf("%s Service %s/%s:%ld (API server proxy)", backends[k].what,
				      cutil_ns(s), cutil_name(s), backends[k].port);
			return 1;
		}
	}
	return 0;
}

/* ---- reading a trace back ---- */

/* A span as the backend returned it: ids in lower-case hex. */
struct got_span {
	char id[40], parent[40];
	char name[64], service[128];
};

struct got_trace {
	struct got_span v[32];
	size_t n;
};

/* An id as lower-case hex: hex as it is (Jaeger, OTLP JSON), else base64 (Tempo's
 * protobuf JSON) decoded. */
static void id_hex(const char *in, char *out, size_t size)
{
	out[0] = '\0';
	if (in == NULL)
		return;
	size_t n = strlen(in);
	bool hex = n > 0;
	for (size_t i = 0; i < n; i++)
		hex = hex && isxdigit((unsigned char)in[i]);
	if (hex) {
		size_t k = 0;
		for (; k < n && k + 1 < size; k++)
			out[k] = (char)tolower((unsigned char)in[k]);
		out[k] = '\0';
		return;
	}
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char digits[] = "0123456789abcdef";
	unsigned long acc = 0;
	int bits = 0;
	size_t k = 0;
	for (size_t i = 0; i < n && in[i] != '='; i++) {
		const char *p = strchr(b64, in[i]);
		if (p == NULL || in[i] == '\0') {
			out[0] = '\0';
			return;
		}
		acc = (acc << 6) | (unsigned long)(p - b64);
		bits += 6;
		if (bits >= 8 && k + 2 < size) {
			bits -= 8;
			unsigned byte = (unsigned)(acc >> bits) & 0xff;
			out[k++] = digits[byte >> 4];
			out[k++] = digits[byte & 15];
		}
	}
	out[k] = '\0';
}

static void add_span(struct got_trace *t, const char *id, const char *parent, const char *name,
		     const char *service)
{
	if (t->n >= sizeof(t->v) / sizeof(t->v[0]))
		return;
	struct got_span *s = &t->v[t->n++];
	id_hex(id, s->id, sizeof s->id);
	id_hex(parent, s->parent, sizeof s->parent);
	snprintf(s->name, sizeof s->name, "%s", name ? name : "");
	snprintf(s->service, sizeof s->service, "%s", service ? service : "");
}

/* Jaeger's answer: {"data": [{"spans": [{spanID, operationName, references: [{refType,
 * spanID}], processID}], "processes": {ID: {serviceName}}}]}. */
static void parse_jaeger(const json_t *doc, struct got_trace *t)
{
	size_t i, j, k;
	const json_t *tr, *s, *r;
	json_array_foreach(json_object_get(doc, "data"), i, tr) {
		const json_t *procs = json_object_get(tr, "processes");
		json_array_foreach(json_object_get(tr, "spans"), j, s) {
			const char *parent = NULL;
			json_array_foreach(json_object_get(s, "references"), k, r) {
				if (cutil_str(r, "refType") &&
				    strcmp(cutil_str(r, "refType"), "CHILD_OF") == 0)
					parent = cutil_str(r, "spanID");
			}
			const char *pid = cutil_str(s, "processID");
			const json_t *proc = pid ? json_object_get(procs, pid) : NULL;
			add_span(t, cutil_str(s, "spanID"), parent, cutil_str(s, "operationName"),
				 cutil_str(proc, "serviceName"));
		}
	}
}

static const char *resource_service(const json_t *rs)
{
	size_t i;
	const json_t *a;
	json_array_foreach(cutil_get(rs, "resource.attributes"), i, a) {
		const char *k = cutil_str(a, "key");
		if (k != NULL && strcmp(k, "service.name") == 0)
			return cutil_str(a, "value.stringValue");
	}
	return NULL;
}

/* OTLP JSON (Tempo): {"batches"|"resourceSpans": [{resource, scopeSpans |
 * instrumentationLibrarySpans: [{spans: [{spanId, parentSpanId, name}]}]}]}, also
 * under "trace" (Tempo's v2 API). */
static void parse_otlp(const json_t *doc, struct got_trace *t)
{
	const json_t *inner = json_object_get(doc, "trace");
	if (inner != NULL)
		doc = inner;
	const json_t *batches = json_object_get(doc, "batches");
	if (batches == NULL)
		batches = json_object_get(doc, "resourceSpans");
	size_t i, j, k;
	const json_t *rs, *ss, *s;
	json_array_foreach(batches, i, rs) {
		const char *service = resource_service(rs);
		const json_t *scopes = json_object_get(rs, "scopeSpans");
		if (scopes == NULL)
			scopes = json_object_get(rs, "instrumentationLibrarySpans");
		json_array_foreach(scopes, j, ss) {
			json_array_foreach(json_object_get(ss, "spans"), k, s) {
				add_span(t, cutil_str(s, "spanId"), cutil_str(s, "parentSpanId"),
					 cutil_str(s, "name"), service);
			}
		}
	}
}

/* GET /api/traces/ID once. 1 with *t filled (spans found), 0 not there yet (404 or no
 * span), -1 with *err when the API did not answer or answered something else. */
static int read_trace(struct check_ctx *ctx, const struct trace_api *q, const char *tid,
		      struct got_trace *t, struct kube_error *err)
{
	char *body = NULL;
	size_t len = 0;
	int rc;
	long code = 200;
	memset(t, 0, sizeof(*t));
	if (q->proxy != NULL) {
		char *path = xasprintf("%s/api/traces/%s", q->proxy, tid);
		rc = kube_proxy_get(ctx->client, path, &body, &len, err);
		free(path);
		if (rc != 0 && err->http_code == 404)
			return 0;
	} else {
		char *url = xasprintf("%s/api/traces/%s", q->url, tid);
		rc = active_http_get(url, &body, &len, &code, err);
		free(url);
		if (rc == 0 && code == 404) {
			free(body);
			return 0;
		}
		if (rc == 0 && (code < 200 || code > 299)) {
			kube_error_set(err, code, "", "GET %s/api/traces/%s: HTTP %ld", q->url, tid,
				       code);
			free(body);
			return -1;
		}
	}
	if (rc != 0)
		return -1;
	json_t *doc = json_loadb(body, len, 0, NULL);
	free(body);
	if (!json_is_object(doc)) {
		kube_error_set(err, 0, "BadResponse",
			       "the trace query API answered something that is not JSON");
		json_decref(doc);
		return -1;
	}
	parse_jaeger(doc, t);
	parse_otlp(doc, t);
	json_decref(doc);
	return t->n > 0 ? 1 : 0;
}

/* ---- the verdict ---- */

static const struct got_span *by_id(const struct got_trace *t, const char *id)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].id, id) == 0)
			return &t->v[i];
	return NULL;
}

/* Compares what came back with what the probe sent (out's spans); evidence for every
 * difference. Returns how many. */
static int compare(struct check_result *res, const json_t *sent, const struct got_trace *t,
		   const char *service)
{
	int wrong = 0;
	char want_parent[40] = "";
	for (size_t i = 0; i < TRACE_SPANS; i++) {
		const json_t *s = json_array_get(sent, i);
		char id[40];
		id_hex(cutil_str(s, "span_id"), id, sizeof id);
		const struct got_span *g = by_id(t, id);
		if (g == NULL) {
			check_evidence(res, "wrong: span %s (%s) is not in the trace read back",
				       span_names[i], id);
			wrong++;
		} else {
			if (strcmp(g->name, span_names[i]) != 0) {
				check_evidence(res, "wrong: span %s came back named \"%s\"", id,
					       g->name);
				wrong++;
			}
			if (strcmp(g->parent, want_parent) != 0) {
				check_evidence(res,
					       "wrong: span %s has parent \"%s\", sent with "
					       "parent \"%s\"",
					       span_names[i], g->parent, want_parent);
				wrong++;
			}
			if (strcmp(g->service, service) != 0) {
				check_evidence(res,
					       "wrong: span %s has service name \"%s\", sent as "
					       "\"%s\"",
					       span_names[i], g->service, service);
				wrong++;
			}
		}
		snprintf(want_parent, sizeof want_parent, "%s", id);
	}
	return wrong;
}

/* Whether the probe's output is the four-span chain it promises. */
static bool sent_ok(const json_t *out)
{
	const json_t *spans = json_object_get(out, "spans");
	const char *tid = cutil_str(out, "trace_id");
	if (json_array_size(spans) != TRACE_SPANS || tid == NULL || strlen(tid) != 32)
		return false;
	for (size_t i = 0; i < TRACE_SPANS; i++) {
		const char *id = cutil_str(json_array_get(spans, i), "span_id");
		if (id == NULL || strlen(id) != 16)
			return false;
	}
	return true;
}

/* Polls the query API for the trace until its four spans are there (or some are and
 * the wait ends); decides. */
static void read_back(struct check_ctx *ctx, struct check_result *res, const struct trace_api *q,
		      const json_t *out, const char *service)
{
	const char *tid = cutil_str(out, "trace_id");
	long long t0 = now_ms(), deadline = active_run_deadline(ctx, READ_WAIT_MS);
	long delay = QUERY_MIN_MS;
	struct got_trace t;
	struct kube_error last = {0};
	bool answered = false;
	int found = 0;
	for (;;) {
		struct kube_error err = {0};
		found = read_trace(ctx, q, tid, &t, &err);
		if (found >= 0)
			answered = true;
		else
			last = err;
		if (found > 0 && t.n >= TRACE_SPANS)
			break;
		if (!active_nap(delay, deadline, ctx->cancel))
			break;
		delay = delay * 2 > QUERY_MAX_MS ? QUERY_MAX_MS : delay * 2;
	}
	double secs = (double)(now_ms() - t0) / 1000.0;
	if (ctx->cancel && *ctx->cancel && found <= 0) {
		kube_error_set(&last, 0, "Cancelled", "cancelled");
		active_run_error(ctx, res, "reading the trace back", &last);
		return;
	}
	if (found <= 0 && !answered) {
		char *what = xasprintf("reading trace %s from %s", tid, q->label);
		active_run_error(ctx, res, what, &last);
		free(what);
		return;
	}
	if (found <= 0) {
		check_evidence(res,
			       "trace %s not stored: the query API (%s) answers, but has no such "
			       "trace after %.0f s",
			       tid, q->label, secs);
		active_run_decide(res, VERDICT_NO,
				  "make the collector's traces pipeline export to the trace "
				  "backend that --trace-query-url (or the discovered query API) "
				  "reads");
		return;
	}
	check_evidence(res, "trace %s read back from %s after %.1f s: %zu span%s", tid, q->label,
		       secs, t.n, t.n == 1 ? "" : "s");
	int wrong = compare(res, json_object_get(out, "spans"), &t, service);
	if (wrong == 0) {
		check_evidence(res,
			       "span chain plan -> act -> tool_call -> inference intact: every "
			       "parent link and the service name %s as sent",
			       service);
		active_run_decide(res, VERDICT_FULL, NULL);
		return;
	}
	active_run_decide(res, VERDICT_PARTIAL,
			  "keep span ids, parent span ids and the resource's service.name "
			  "unchanged between the OTLP receiver and the trace backend (check the "
			  "collector's processors)");
}

void active_obs62_run(struct check_ctx *ctx, struct check_result *res)
{
	int errors = 0;
	const json_t *svcs = NULL;
	if (!cutil_list_read(ctx->inv, "", "v1", "services", res, &errors, &svcs)) {
		active_run_read_failed(res, errors);
		return;
	}
	char *clabel = NULL;
	char *endpoint = find_collector(svcs, &clabel);
	struct trace_api q;
	int have_api = find_query_api(ctx, svcs, &q);
	if (endpoint == NULL || !have_api) {
		active_run_not_run(
		    res,
		    endpoint == NULL ? "no OTLP/HTTP collector Service (port 4318) to send to"
				     : "no trace query API (no --trace-query-url, no Jaeger "
				       "query or Tempo Service)",
		    endpoint == NULL ? "deploy an OpenTelemetry collector with an OTLP "
				       "receiver and its Service"
				     : "pass the trace backend's query API with "
				       "--trace-query-url");
		free(endpoint);
		free(clabel);
		trace_api_release(&q);
		return;
	}
	struct active_params p;
	active_run_params(ctx, &p);
	p.otlp_endpoint = endpoint;
	json_t *objs = active_obs62_objects(&p);
	char *service = xasprintf("kaic-%s", ctx->run_id);
	struct active_probe_result r = {0};
	if (active_run_probe(ctx, res, active_build_find(objs, "Pod", TAG), &r) != 0)
		goto out;
	res->mode = MODE_ACTIVE;
	const char *perr = cutil_str(r.out, "error");
	json_int_t status = json_integer_value(json_object_get(r.out, "http_status"));
	if (r.out == NULL || !sent_ok(r.out)) {
		check_evidence(res, "pod " TAG " wrote no trace result (exit %d)", r.exit_code);
		active_run_decide(res, VERDICT_ERROR, "see the pod's log: the probe did not run");
		goto out;
	}
	if (status < 200 || status > 299) {
		check_evidence(res, "the collector (%s) did not take the spans: %s", clabel,
			       perr ? perr : "no answer");
		if (status > 0)
			active_run_decide(res, VERDICT_NO,
					  "make the collector accept OTLP/HTTP traces on "
					  "/v1/traces");
		else
			active_run_decide(res, VERDICT_ERROR,
					  "let pods of the run namespace reach the collector's "
					  "OTLP/HTTP port, then run again");
		goto out;
	}
	check_evidence(res, "pod " TAG " sent trace %s (4 spans, service %s) to %s: HTTP %lld",
		       cutil_str(r.out, "trace_id"), service, clabel, (long long)status);
	read_back(ctx, res, &q, r.out, service);
out:
	active_probe_result_release(&r);
	free(service);
	json_decref(objs);
	free(endpoint);
	free(clabel);
	trace_api_release(&q);
}
