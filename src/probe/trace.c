/* trace.c: `kaic probe trace`: sends one OTLP/HTTP JSON trace of an agent turn, four
 * spans chained by parent links (plan -> act -> tool_call -> inference), to
 * ENDPOINT/v1/traces. Result: {"endpoint", "trace_id", "spans": [{name, span_id,
 * parent_span_id}], "http_status", "error"}. Exit 1 unless the receiver answers 2xx. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe/common.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#define TRACE_NAME "trace"
#define TRACE_SPANS 4
#define TRACE_MAX_HEADERS 16

struct trace_span {
	const char *name;
	int kind;	       /* OTLP SpanKind: 1 internal, 3 client */
	long start_ms, end_ms; /* offsets from the trace start */
	char id[17];
	const char *attr_key, *attr_value;
};

static void trace_hex(char *out, size_t nbytes)
{
	unsigned char b[16];
	static const char digits[] = "0123456789abcdef";
	do {
		probe_random(b, nbytes);
		bool zero = true;
		for (size_t i = 0; i < nbytes; i++)
			zero &= b[i] == 0;
		if (!zero)
			break;
	} while (1); /* an all-zero id is invalid in OTLP */
	for (size_t i = 0; i < nbytes; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * nbytes] = '\0';
}

static json_t *trace_attr(const char *key, const char *value)
{
	return json_pack("{s:s, s:{s:s}}", "key", key, "value", "stringValue", value);
}

static json_t *trace_nanos(unsigned long long base_ns, long offset_ms)
{
	char s[32];
	snprintf(s, sizeof s, "%llu", base_ns + (unsigned long long)offset_ms * 1000000ULL);
	return json_string(s);
}

/* The OTLP ExportTraceServiceRequest for spans (a chain: each the parent of the next). */
static json_t *trace_request(const char *trace_id, struct trace_span *sp, const char *service)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	unsigned long long base = (unsigned long long)ts.tv_sec * 1000000000ULL +
				  (unsigned long long)ts.tv_nsec - 500000000ULL;
	json_t *spans = json_array();
	for (int i = 0; i < TRACE_SPANS; i++) {
		json_t *attrs = json_array();
		json_array_append_new(attrs, trace_attr("kaic.probe", "trace"));
		json_array_append_new(attrs, trace_attr(sp[i].attr_key, sp[i].attr_value));
		json_t *s = json_object();
		json_object_set_new(s, "traceId", json_string(trace_id));
		json_object_set_new(s, "spanId", json_string(sp[i].id));
		if (i > 0)
			json_object_set_new(s, "parentSpanId", json_string(sp[i - 1].id));
		json_object_set_new(s, "name", json_string(sp[i].name));
		json_object_set_new(s, "kind", json_integer(sp[i].kind));
		json_object_set_new(s, "startTimeUnixNano", trace_nanos(base, sp[i].start_ms));
		json_object_set_new(s, "endTimeUnixNano", trace_nanos(base, sp[i].end_ms));
		json_object_set_new(s, "attributes", attrs);
		json_object_set_new(s, "status", json_pack("{s:i}", "code", 1));
		json_array_append_new(spans, s);
	}
	json_t *resource =
	    json_pack("{s:[o, o]}", "attributes", trace_attr("service.name", service),
		      trace_attr("service.version", KAIC_VERSION));
	json_t *scope = json_pack("{s:s, s:s}", "name", "kaic-probe", "version", KAIC_VERSION);
	return json_pack("{s:[{s:o, s:[{s:o, s:o}]}]}", "resourceSpans", "resource", resource,
			 "scopeSpans", "scope", scope, "spans", spans);
}

static size_t trace_discard(char *p, size_t size, size_t nmemb, void *arg)
{
	(void)p;
	(void)arg;
	return size * nmemb;
}

/* Posts body to url. Returns the HTTP status, or 0 with *err (caller frees). */
static long trace_post(const char *url, const char *body, struct curl_slist *extra, double timeout,
		       char **err)
{
	CURL *h = curl_easy_init();
	if (h == NULL) {
		*err = xstrdup("cannot create a curl handle");
		return 0;
	}
	struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	hdrs = curl_slist_append(hdrs, "Expect:"); /* send the body at once */
	for (struct curl_slist *e = extra; e != NULL; e = e->next)
		hdrs = curl_slist_append(hdrs, e->data);
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(timeout * 1000));
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, trace_discard);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "kaic-probe/" KAIC_VERSION);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	long status = 0;
	CURLcode rc = curl_easy_perform(h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	else
		*err = xstrdup(errbuf[0] ? errbuf : curl_easy_strerror(rc));
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return status;
}

/* ENDPOINT/v1/traces, unless endpoint already names that path. */
static char *trace_url(const char *endpoint)
{
	size_t n = strlen(endpoint);
	if (n >= 10 && strcmp(endpoint + n - 10, "/v1/traces") == 0)
		return xstrdup(endpoint);
	while (n > 0 && endpoint[n - 1] == '/')
		n--;
	return xasprintf("%.*s/v1/traces", (int)n, endpoint);
}

static int trace_parse(int argc, char **argv, const char **endpoint, const char **service,
		       double *timeout, struct curl_slist **headers)
{
	const char *timeout_s = "5s";
	int nheaders = 0;
	for (int i = 1; i < argc; i++) {
		const char *v;
		int m;
		if ((m = probe_opt(argc, argv, &i, "endpoint", &v)) > 0) {
			*endpoint = v;
		} else if (m == 0 && (m = probe_opt(argc, argv, &i, "service", &v)) > 0) {
			*service = v;
		} else if (m == 0 && (m = probe_opt(argc, argv, &i, "timeout", &v)) > 0) {
			timeout_s = v;
		} else if (m == 0 && (m = probe_opt(argc, argv, &i, "header", &v)) > 0) {
			char *line = probe_header_line(v);
			if (line == NULL || ++nheaders > TRACE_MAX_HEADERS) {
				free(line);
				return probe_usage_error(TRACE_NAME,
							 "invalid or too many headers "
							 "(\"%s\")",
							 v);
			}
			*headers = curl_slist_append(*headers, line);
			free(line);
		} else if (m == 0) {
			return probe_usage_error(TRACE_NAME, "unknown argument \"%s\"", argv[i]);
		}
		if (m < 0)
			return probe_usage_error(TRACE_NAME, "%s needs a value", argv[i]);
	}
	if (*endpoint == NULL)
		return probe_usage_error(TRACE_NAME, "--endpoint is required");
	if (strncmp(*endpoint, "http://", 7) != 0 && strncmp(*endpoint, "https://", 8) != 0)
		return probe_usage_error(TRACE_NAME,
					 "invalid endpoint \"%s\" (want http:// or "
					 "https://)",
					 *endpoint);
	json_t *svc = json_string(*service);
	bool svc_ok = svc != NULL && **service != '\0';
	json_decref(svc);
	if (!svc_ok)
		return probe_usage_error(TRACE_NAME, "invalid --service");
	if (probe_parse_duration(timeout_s, timeout) < 0)
		return probe_usage_error(TRACE_NAME, "invalid duration \"%s\"", timeout_s);
	return 0;
}

int probe_trace_run(int argc, char **argv)
{
	const char *endpoint = NULL, *service = "kaic-probe";
	double timeout = 0;
	struct curl_slist *headers = NULL;
	int rc = trace_parse(argc, argv, &endpoint, &service, &timeout, &headers);
	if (rc != 0) {
		curl_slist_free_all(headers);
		return rc;
	}
	struct trace_span sp[TRACE_SPANS] = {
	    {"plan", 1, 0, 480, "", "gen_ai.operation.name", "plan"},
	    {"act", 1, 20, 470, "", "gen_ai.operation.name", "act"},
	    {"tool_call", 3, 40, 450, "", "gen_ai.tool.name", "kaic-echo"},
	    {"inference", 3, 60, 430, "", "gen_ai.operation.name", "chat"},
	};
	char trace_id[33];
	trace_hex(trace_id, 16);
	for (int i = 0; i < TRACE_SPANS; i++)
		trace_hex(sp[i].id, 8);
	json_t *req = trace_request(trace_id, sp, service);
	char *body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	char *url = trace_url(endpoint);
	char *err = NULL;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	long status = trace_post(url, body, headers, timeout, &err);
	curl_global_cleanup();
	if (err == NULL && (status < 200 || status > 299))
		err = xasprintf("the receiver answered HTTP status %ld", status);
	json_t *spans = json_array();
	for (int i = 0; i < TRACE_SPANS; i++)
		json_array_append_new(spans, json_pack("{s:s, s:s, s:s?}", "name", sp[i].name,
						       "span_id", sp[i].id, "parent_span_id",
						       i > 0 ? sp[i - 1].id : NULL));
	json_t *res = json_object();
	json_object_set_new(res, "endpoint", probe_json_string(url));
	json_object_set_new(res, "trace_id", json_string(trace_id));
	json_object_set_new(res, "spans", spans);
	json_object_set_new(res, "http_status", status ? json_integer(status) : json_null());
	json_object_set_new(res, "error", probe_json_string(err));
	free(err);
	free(url);
	free(body);
	curl_slist_free_all(headers);
	return probe_emit(TRACE_NAME, res,
			  status >= 200 && status <= 299 ? PROBE_EXIT_OK : PROBE_EXIT_FAILED);
}
