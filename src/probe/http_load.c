/* http_load.c: `kaic probe http-load`: sends N GET requests to a URL from a few threads
 * and reports which backend answered each (the "pod" field of an echo answer).
 * Result: {"url", "requests", "answered", "errors", "backends": {POD: n},
 * "status_codes": {"200": n}, "latency_ms": {p50, p90, p99, max, mean}, "error_samples",
 * "elapsed_ms"}. Exit 0 when every request got a 2xx answer, 1 otherwise.
 *
 * --settle DURATION with --expect-backend NAME (repeatable): before the measured requests,
 * one request at a time (100 ms apart after an error) until every named backend has
 * answered once, for at most DURATION: a gateway applies a new route and its endpoints
 * a few seconds after it reports the Gateway programmed (Traefik answered 503 for a
 * backend for about 4 s), and those answers say nothing about its routing. Not counted;
 * reported as "settle": {"requests", "elapsed_ms", "complete", "missing": [NAME...]}. */
#include <curl/curl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe/common.h"
#include "util/buf.h"
#include "util/xmalloc.h"
#include "util/clock.h"

#define LOAD_NAME "http-load"
#define LOAD_MAX_BODY 65536
#define LOAD_MAX_HEADERS 32
#define LOAD_MAX_ERROR_SAMPLES 5
#define LOAD_MAX_EXPECT 8

struct load_result {
	double ms;
	long status; /* 0: no HTTP answer */
	char *pod;
	char *error;
};

struct load_ctx {
	const char *url;
	struct curl_slist *headers;
	long timeout_ms;
	long n;
	atomic_long next;
	struct load_result *results;
};

struct load_opts {
	const char *url;
	long requests, concurrency;
	double timeout;
	struct curl_slist *headers;
	int nheaders;
	double settle;
	const char *expect[LOAD_MAX_EXPECT];
	int nexpect;
};

static size_t load_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t n = size * nmemb;
	if (b->len + n <= LOAD_MAX_BODY)
		buf_add(b, p, n);
	return n;
}

/* The "pod" of a JSON answer, or NULL. */
static char *load_pod(const struct buf *body)
{
	json_t *j = json_loadb(body->data, body->len, 0, NULL);
	const char *pod = json_string_value(json_object_get(j, "pod"));
	char *r = pod ? xstrdup(pod) : NULL;
	json_decref(j);
	return r;
}

static void load_one(CURL *h, struct buf *body, struct load_result *r)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	buf_reset(body);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	double t0 = now_s();
	CURLcode rc = curl_easy_perform(h);
	r->ms = (now_s() - t0) * 1000.0;
	if (rc != CURLE_OK) {
		r->error = xstrdup(errbuf[0] ? errbuf : curl_easy_strerror(rc));
		return;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->status >= 200 && r->status < 300)
		r->pod = load_pod(body);
	else
		r->error = xasprintf("HTTP status %ld", r->status);
}

static CURL *load_handle(const struct load_ctx *ctx, struct buf *body)
{
	CURL *h = curl_easy_init();
	if (h != NULL) {
		curl_easy_setopt(h, CURLOPT_URL, ctx->url);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, ctx->headers);
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ctx->timeout_ms);
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h, CURLOPT_USERAGENT, "kaic-probe/" KAIC_VERSION);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, load_write);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
		curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	}
	return h;
}

/* The warm-up of --settle: requests until every expected backend answered or the time
 * is up; its report. */
static json_t *load_settle(const struct load_ctx *ctx, const struct load_opts *o)
{
	struct buf body = BUF_INIT;
	buf_init(&body);
	CURL *h = load_handle(ctx, &body);
	bool seen[LOAD_MAX_EXPECT] = {false};
	int missing = o->nexpect;
	long n = 0;
	double t0 = now_s();
	while (h != NULL && missing > 0 && now_s() - t0 < o->settle) {
		struct load_result r = {0};
		load_one(h, &body, &r);
		n++;
		for (int i = 0; i < o->nexpect; i++)
			if (!seen[i] && r.pod != NULL && strcmp(r.pod, o->expect[i]) == 0) {
				seen[i] = true;
				missing--;
			}
		if (r.error != NULL) {
			struct timespec ts = {0, 100 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
		free(r.pod);
		free(r.error);
	}
	json_t *miss = json_array();
	for (int i = 0; i < o->nexpect; i++)
		if (!seen[i])
			json_array_append_new(miss, probe_json_string(o->expect[i]));
	json_t *res = json_pack("{s:I, s:I, s:b, s:o}", "requests", (json_int_t)n, "elapsed_ms",
				(json_int_t)((now_s() - t0) * 1000), "complete", missing == 0,
				"missing", miss);
	buf_release(&body);
	if (h != NULL)
		curl_easy_cleanup(h);
	return res;
}

static void *load_worker(void *arg)
{
	struct load_ctx *ctx = arg;
	struct buf body = BUF_INIT;
	buf_init(&body);
	CURL *h = load_handle(ctx, &body);
	for (;;) {
		long i = atomic_fetch_add(&ctx->next, 1);
		if (i >= ctx->n)
			break;
		if (h == NULL)
			ctx->results[i].error = xstrdup("cannot create a curl handle");
		else
			load_one(h, &body, &ctx->results[i]);
	}
	buf_release(&body);
	if (h != NULL)
		curl_easy_cleanup(h);
	return NULL;
}

static int load_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[0..n). */
static double load_pct(const double *v, size_t n, double p)
{
	size_t rank = (size_t)ceil(p / 100.0 * (double)n);
	return v[rank == 0 ? 0 : rank - 1];
}

static json_t *load_latency(const struct load_result *r, long n)
{
	double *v = xcalloc((size_t)n, sizeof *v);
	size_t k = 0;
	double sum = 0;
	for (long i = 0; i < n; i++) {
		if (r[i].status == 0)
			continue;
		v[k++] = r[i].ms;
		sum += r[i].ms;
	}
	json_t *j = json_object();
	if (k > 0) {
		qsort(v, k, sizeof *v, load_cmp);
		json_object_set_new(j, "p50", json_real(round(load_pct(v, k, 50) * 1000) / 1000));
		json_object_set_new(j, "p90", json_real(round(load_pct(v, k, 90) * 1000) / 1000));
		json_object_set_new(j, "p99", json_real(round(load_pct(v, k, 99) * 1000) / 1000));
		json_object_set_new(j, "max", json_real(round(v[k - 1] * 1000) / 1000));
		json_object_set_new(j, "mean", json_real(round(sum / (double)k * 1000) / 1000));
	}
	free(v);
	return j;
}

static void load_count(json_t *obj, const char *key)
{
	json_t *c = json_object_get(obj, key);
	json_object_set_new(obj, key, json_integer(c ? json_integer_value(c) + 1 : 1));
}

/* Builds the result object; *errors gets the requests without a 2xx answer. */
static json_t *load_report(const struct load_opts *o, const struct load_result *r, double elapsed,
			   long *errors)
{
	json_t *backends = json_object(), *codes = json_object(), *samples = json_array();
	long answered = 0;
	for (long i = 0; i < o->requests; i++) {
		if (r[i].status > 0) {
			char code[24];
			snprintf(code, sizeof code, "%ld", r[i].status);
			load_count(codes, code);
		}
		if (r[i].error == NULL) {
			answered++;
			json_t *pod = probe_json_string(r[i].pod ? r[i].pod : "(unknown)");
			load_count(backends, json_string_value(pod));
			json_decref(pod);
			continue;
		}
		bool seen = false;
		for (size_t k = 0; k < json_array_size(samples); k++)
			seen |=
			    strcmp(json_string_value(json_array_get(samples, k)), r[i].error) == 0;
		if (!seen && json_array_size(samples) < LOAD_MAX_ERROR_SAMPLES)
			json_array_append_new(samples, probe_json_string(r[i].error));
	}
	*errors = o->requests - answered;
	json_t *res = json_object();
	json_object_set_new(res, "url", probe_json_string(o->url));
	json_object_set_new(res, "requests", json_integer(o->requests));
	json_object_set_new(res, "concurrency", json_integer(o->concurrency));
	json_object_set_new(res, "answered", json_integer(answered));
	json_object_set_new(res, "errors", json_integer(*errors));
	json_object_set_new(res, "backends", backends);
	json_object_set_new(res, "status_codes", codes);
	json_object_set_new(res, "latency_ms", load_latency(r, o->requests));
	json_object_set_new(res, "error_samples", samples);
	json_object_set_new(res, "elapsed_ms", json_integer((json_int_t)(elapsed * 1000)));
	return res;
}

static int load_parse(int argc, char **argv, struct load_opts *o)
{
	const char *req = "100", *conc = "4", *timeout = "5s";
	for (int i = 1; i < argc; i++) {
		const char *v;
		int m;
		if ((m = probe_opt(argc, argv, &i, "url", &v)) > 0) {
			o->url = v;
		} else if (m == 0 && (m = probe_opt(argc, argv, &i, "requests", &v)) > 0) {
			req = v;
		} else if (m == 0 && (m = probe_opt(argc, argv, &i, "concurrency", &v)) > 0) {
			conc = v;
		} else if (m == 0 && (m = probe_opt(argc, argv, &i, "timeout", &v)) > 0) {
			timeout = v;
		} else if (m == 0 && (m = probe_opt(argc, argv, &i, "settle", &v)) > 0) {
			if (probe_parse_duration(v, &o->settle) < 0)
				return probe_usage_error(LOAD_NAME, "invalid duration \"%s\"", v);
		} else if (m == 0 && (m = probe_opt(argc, argv, &i, "expect-backend", &v)) > 0) {
			if (o->nexpect == LOAD_MAX_EXPECT)
				return probe_usage_error(LOAD_NAME, "more than %d --expect-backend",
							 LOAD_MAX_EXPECT);
			o->expect[o->nexpect++] = v;
		} else if (m == 0 && (m = probe_opt(argc, argv, &i, "header", &v)) > 0) {
			char *line = probe_header_line(v);
			if (line == NULL)
				return probe_usage_error(LOAD_NAME,
							 "invalid header \"%s\" (want "
							 "NAME:VALUE)",
							 v);
			if (++o->nheaders > LOAD_MAX_HEADERS) {
				free(line);
				return probe_usage_error(LOAD_NAME, "more than %d headers",
							 LOAD_MAX_HEADERS);
			}
			o->headers = curl_slist_append(o->headers, line);
			free(line);
		} else if (m == 0) {
			return probe_usage_error(LOAD_NAME, "unknown argument \"%s\"", argv[i]);
		}
		if (m < 0)
			return probe_usage_error(LOAD_NAME, "%s needs a value", argv[i]);
	}
	if (o->url == NULL)
		return probe_usage_error(LOAD_NAME, "--url is required");
	if (strncmp(o->url, "http://", 7) != 0 && strncmp(o->url, "https://", 8) != 0)
		return probe_usage_error(LOAD_NAME, "invalid URL \"%s\" (want http:// or https://)",
					 o->url);
	if (probe_parse_long(req, 1, 1000000, &o->requests) < 0)
		return probe_usage_error(LOAD_NAME, "invalid request count \"%s\" (1 to 1000000)",
					 req);
	if (probe_parse_long(conc, 1, 256, &o->concurrency) < 0)
		return probe_usage_error(LOAD_NAME, "invalid concurrency \"%s\" (1 to 256)", conc);
	if (probe_parse_duration(timeout, &o->timeout) < 0)
		return probe_usage_error(LOAD_NAME, "invalid duration \"%s\"", timeout);
	if ((o->settle > 0) != (o->nexpect > 0))
		return probe_usage_error(LOAD_NAME,
					 "--settle and --expect-backend go together "
					 "(a positive --settle and at least one backend)");
	return 0;
}

int probe_http_load_run(int argc, char **argv)
{
	struct load_opts o = {0};
	int rc = load_parse(argc, argv, &o);
	if (rc != 0) {
		curl_slist_free_all(o.headers);
		return rc;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct load_ctx ctx = {.url = o.url,
			       .headers = o.headers,
			       .n = o.requests,
			       .timeout_ms = (long)(o.timeout * 1000)};
	atomic_init(&ctx.next, 0);
	ctx.results = xcalloc((size_t)o.requests, sizeof *ctx.results);
	json_t *settle = o.settle > 0 && o.nexpect > 0 ? load_settle(&ctx, &o) : NULL;
	long nthreads = o.concurrency < o.requests ? o.concurrency : o.requests;
	pthread_t *threads = xcalloc((size_t)nthreads, sizeof *threads);
	double t0 = now_s();
	long started = 0;
	for (; started < nthreads; started++)
		if (pthread_create(&threads[started], NULL, load_worker, &ctx) != 0)
			break;
	if (started == 0)
		load_worker(&ctx);
	for (long i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	long errors;
	json_t *res = load_report(&o, ctx.results, now_s() - t0, &errors);
	if (settle != NULL)
		json_object_set_new(res, "settle", settle);
	for (long i = 0; i < o.requests; i++) {
		free(ctx.results[i].pod);
		free(ctx.results[i].error);
	}
	free(ctx.results);
	free(threads);
	curl_slist_free_all(o.headers);
	curl_global_cleanup();
	return probe_emit(LOAD_NAME, res, errors == 0 ? PROBE_EXIT_OK : PROBE_EXIT_FAILED);
}
