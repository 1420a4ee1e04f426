/* tracing.c: the collector's traces pipeline and the trace backend's query API, as the
 * API server's service proxy reaches them. What the collector received is what the probe
 * models accepted: a one-shot `kaic probe trace` pod that Succeeded with http_status 200
 * (its endpoint a Service on port 4318 with a Ready pod, probe_models.c) exported its
 * four spans. GET /api/traces/TRACE_ID of a Service on port 3200 (Tempo: OTLP JSON,
 * {"batches": [...]}, ids in base64 as Tempo's protobuf JSON has them) or 16686 (Jaeger
 * query: {"data": [{spans, processes}]}) answers that trace, or 404 "trace not found".
 * Switches (controllers.tracing): store (true; false: the pipeline exports nowhere, every
 * trace is not found), parentLinks (true; false: spans come back without their parent
 * links, as from a processor that rewrites span ids), serviceName (true; false: the
 * resource's service.name is replaced by "unknown_service"). The backend answers 503
 * unless a Ready pod listens behind the Service's port. */

#include "controllers/tracing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controllers/ctl_util.h"
#include "controllers/resolve.h"
#include "sim.h"
#include "util/xmalloc.h"

#define TEMPO_PORT 3200
#define JAEGER_PORT 16686

static void answer(struct sim_response *resp, int status, json_t *v)
{
	resp->status = status;
	resp->content_type = xstrdup("application/json");
	resp->body = json_dumps(v, JSON_COMPACT);
	resp->len = strlen(resp->body);
	json_decref(v);
}

/* The probe's JSON (termination message) of a finished trace pod, new reference. */
static json_t *trace_output(const json_t *pod)
{
	json_t *cs = json_array_get(ctl_at(pod, "status.containerStatuses"), 0);
	const char *msg = json_string_value(ctl_at(cs, "state.terminated.message"));
	return msg ? json_loads(msg, 0, NULL) : NULL;
}

static bool exported(const json_t *pod, void *arg)
{
	json_t *args = NULL;
	const char *probe = ctl_pod_probe(pod, &args);
	bool ok = probe && !strcmp(probe, "trace") && !strcmp(ctl_pod_phase(pod), "Succeeded");
	json_decref(args);
	if (!ok)
		return false;
	json_t *out = trace_output(pod);
	const char *tid = json_string_value(json_object_get(out, "trace_id"));
	ok = tid && !strcmp(tid, (const char *)arg) &&
	     json_integer_value(json_object_get(out, "http_status")) == 200;
	json_decref(out);
	return ok;
}

static char *base64_of_hex(const char *hex)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(hex) / 2;
	unsigned char bytes[64];
	if (n > sizeof bytes)
		n = sizeof bytes;
	for (size_t i = 0; i < n; i++) {
		char pair[3] = {hex[2 * i], hex[2 * i + 1], '\0'};
		bytes[i] = (unsigned char)strtoul(pair, NULL, 16);
	}
	char *out = xmalloc(4 * ((n + 2) / 3) + 1);
	size_t k = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)bytes[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)bytes[i + 1] << 8;
		if (i + 2 < n)
			v |= bytes[i + 2];
		out[k++] = b64[(v >> 18) & 63];
		out[k++] = b64[(v >> 12) & 63];
		out[k++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		out[k++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[k] = '\0';
	return out;
}

/* The spans of the probe's output as the backend stores them. */
struct stored {
	const char *tid, *service;
	const json_t *spans; /* [{name, span_id, parent_span_id}] */
	bool links;
};

static json_t *tempo_trace(const struct stored *s)
{
	json_t *spans = json_array();
	size_t i;
	const json_t *sp;
	json_array_foreach(s->spans, i, sp) {
		char *tid = base64_of_hex(s->tid);
		char *id = base64_of_hex(ctl_s(sp, "span_id"));
		json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "traceId", tid, "spanId", id, "name",
				      ctl_s(sp, "name"), "kind", "SPAN_KIND_INTERNAL");
		const char *parent = ctl_str(sp, "parent_span_id");
		if (parent && s->links) {
			char *p = base64_of_hex(parent);
			json_object_set_new(o, "parentSpanId", json_string(p));
			free(p);
		}
		json_array_append_new(spans, o);
		free(tid);
		free(id);
	}
	json_t *res = json_pack("{s:[{s:s, s:{s:s}}]}", "attributes", "key", "service.name",
				"value", "stringValue", s->service);
	return json_pack("{s:[{s:o, s:[{s:{s:s}, s:o}]}]}", "batches", "resource", res,
			 "scopeSpans", "scope", "name", "kaic-probe", "spans", spans);
}

static json_t *jaeger_trace(const struct stored *s)
{
	json_t *spans = json_array();
	size_t i;
	const json_t *sp;
	json_array_foreach(s->spans, i, sp) {
		json_t *refs = json_array();
		const char *parent = ctl_str(sp, "parent_span_id");
		if (parent && s->links)
			json_array_append_new(refs,
					      json_pack("{s:s, s:s, s:s}", "refType", "CHILD_OF",
							"traceID", s->tid, "spanID", parent));
		json_array_append_new(
		    spans, json_pack("{s:s, s:s, s:s, s:o, s:s, s:[]}", "traceID", s->tid, "spanID",
				     ctl_s(sp, "span_id"), "operationName", ctl_s(sp, "name"),
				     "references", refs, "processID", "p1", "tags"));
	}
	return json_pack("{s:[{s:s, s:o, s:{s:{s:s, s:[]}}, s:n}], s:i, s:i, s:i, s:n}", "data",
			 "traceID", s->tid, "spans", spans, "processes", "p1", "serviceName",
			 s->service, "tags", "warnings", "total", 0, "limit", 0, "offset", 0,
			 "errors");
}

static void not_found(struct sim_response *resp, bool tempo)
{
	if (tempo) {
		resp->status = 404;
		resp->content_type = xstrdup("text/plain; charset=utf-8");
		resp->body = xstrdup("trace not found\n");
		resp->len = strlen(resp->body);
	} else {
		answer(resp, 404,
		       json_pack("{s:n, s:i, s:i, s:i, s:[{s:i, s:s}]}", "data", "total", 0,
				 "limit", 0, "offset", 0, "errors", "code", 404, "msg",
				 "trace not found"));
	}
}

static void traces_answer(struct sim_api *api, const char *tid, bool tempo,
			  struct sim_response *resp)
{
	json_t *pods = ctl_setting_bool(api, "tracing", "store", true)
			   ? ctl_list_filter(api, "", "pods", exported, (void *)tid)
			   : json_array();
	json_t *pod = json_array_get(pods, 0);
	if (!pod) {
		not_found(resp, tempo);
		json_decref(pods);
		return;
	}
	json_t *out = trace_output(pod);
	json_t *args = NULL;
	ctl_pod_probe(pod, &args);
	const char *svc = ctl_arg(args, "service");
	struct stored s = {
	    .tid = tid,
	    .service = !ctl_setting_bool(api, "tracing", "serviceName", true) ? "unknown_service"
		       : svc						      ? svc
									      : "kaic-probe",
	    .spans = json_object_get(out, "spans"),
	    .links = ctl_setting_bool(api, "tracing", "parentLinks", true),
	};
	answer(resp, 200, tempo ? tempo_trace(&s) : jaeger_trace(&s));
	json_decref(args);
	json_decref(out);
	json_decref(pods);
}

bool ctl_tracing_proxy(struct sim_api *api, const char *method, const char *path,
		       const json_t *query, struct sim_response *resp)
{
	(void)query;
	static const char prefix[] = "/api/v1/namespaces/";
	if (strncmp(path, prefix, sizeof(prefix) - 1) != 0 || strcmp(method, "GET") != 0)
		return false;
	/* NS/services/NAME:PORT/proxy/api/traces/ID */
	const char *p = path + sizeof(prefix) - 1, *slash = strchr(p, '/');
	if (!slash || slash - p > 253 || strncmp(slash, "/services/", 10) != 0)
		return false;
	char ns[254], name[254];
	snprintf(ns, sizeof ns, "%.*s", (int)(slash - p), p);
	const char *n = slash + 10, *colon = strchr(n, ':');
	if (!colon || colon - n > 253)
		return false;
	snprintf(name, sizeof name, "%.*s", (int)(colon - n), n);
	char *end = NULL;
	long port = strtol(colon + 1, &end, 10);
	static const char tail[] = "/proxy/api/traces/";
	if ((port != TEMPO_PORT && port != JAEGER_PORT) || strncmp(end, tail, sizeof tail - 1) != 0)
		return false;
	const char *rest = end + sizeof tail - 1;
	json_t *svc = ctl_get(api, "", "services", ns, name);
	if (!svc)
		return false;
	bool has_port = false;
	json_t *eps = ctl_endpoints(api, svc, port, &has_port);
	bool ready = json_array_size(eps) > 0;
	json_decref(eps);
	json_decref(svc);
	if (!has_port)
		return false;
	if (!ready) {
		resp->status = 503;
		resp->content_type = xstrdup("text/plain; charset=utf-8");
		resp->body = xstrdup("no endpoints available for service\n");
		resp->len = strlen(resp->body);
		return true;
	}
	traces_answer(api, rest, port == TEMPO_PORT, resp);
	return true;
}
