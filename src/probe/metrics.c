/* metrics.c: `kaic probe metrics`: serves inference-server metrics in the vLLM style
 * (vllm:num_requests_running, vllm:request_success_total, latency histograms, ...) on
 * /metrics in the Prometheus text format 0.0.4. Values move with time and with every
 * scrape, as a live server's would. Stops on SIGTERM; result {"port", "model",
 * "scrapes"}. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/common.h"
#include "probe/server.h"
#include "util/buf.h"
#include "util/xmalloc.h"
#include "util/clock.h"

#define METRICS_NAME "metrics"
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics_state {
	pthread_mutex_t lock;
	char *model_label; /* escaped for a label value */
	double start;
	unsigned long scrapes;
};

/* Cumulative share of requests at or under each bucket bound. */
struct metrics_hist {
	const char *name;
	const char *help;
	const char *const *le;
	const double *share;
	size_t n;
	double mean; /* seconds per request, for _sum */
};

static const char *const e2e_le[] = {"0.3", "0.5", "0.8",  "1.0",  "1.5", "2.0",
				     "2.5", "5.0", "10.0", "20.0", "60.0"};
static const double e2e_share[] = {0.04, 0.12, 0.3, 0.45, 0.66, 0.8, 0.88, 0.97, 0.995, 1, 1};
static const char *const ttft_le[] = {"0.01", "0.02", "0.04", "0.06", "0.08",
				      "0.1",  "0.25", "0.5",  "1.0",  "2.5"};
static const double ttft_share[] = {0.02, 0.1, 0.3, 0.5, 0.68, 0.8, 0.95, 0.99, 1, 1};

static const struct metrics_hist metrics_hists[] = {
    {"vllm:e2e_request_latency_seconds", "Histogram of end to end request latency in seconds.",
     e2e_le, e2e_share, sizeof e2e_le / sizeof *e2e_le, 1.21},
    {"vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", ttft_le,
     ttft_share, sizeof ttft_le / sizeof *ttft_le, 0.071},
};

static char *metrics_escape(const char *s)
{
	struct buf b = BUF_INIT;
	buf_init(&b);
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			buf_addc(&b, '\\');
		if (*s == '\n')
			buf_adds(&b, "\\n");
		else
			buf_addc(&b, *s);
	}
	return buf_detach(&b, NULL);
}

static void metrics_head(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void metrics_hist(struct buf *b, const struct metrics_hist *h, const char *model,
			 unsigned long count)
{
	metrics_head(b, h->name, "histogram", h->help);
	for (size_t i = 0; i < h->n; i++)
		buf_addf(b, "%s_bucket{le=\"%s\",model_name=\"%s\"} %lu\n", h->name, h->le[i],
			 model, (unsigned long)floor(h->share[i] * (double)count));
	buf_addf(b, "%s_bucket{le=\"+Inf\",model_name=\"%s\"} %lu\n", h->name, model, count);
	buf_addf(b, "%s_sum{model_name=\"%s\"} %.6f\n", h->name, model, h->mean * (double)count);
	buf_addf(b, "%s_count{model_name=\"%s\"} %lu\n", h->name, model, count);
}

/* Renders the exposition for the k-th scrape, t seconds after the start. */
static void metrics_render(struct buf *b, const char *m, unsigned long k, double t)
{
	unsigned long done = 7 * k + (unsigned long)t;
	metrics_head(b, "vllm:num_requests_running", "gauge",
		     "Number of requests currently running on GPU.");
	buf_addf(b, "vllm:num_requests_running{model_name=\"%s\"} %lu\n", m, k % 5 + 1);
	metrics_head(b, "vllm:num_requests_waiting", "gauge",
		     "Number of requests waiting to be processed.");
	buf_addf(b, "vllm:num_requests_waiting{model_name=\"%s\"} %lu\n", m, (k * 3) % 4);
	metrics_head(b, "vllm:gpu_cache_usage_perc", "gauge",
		     "GPU KV-cache usage. 1 means 100 percent usage.");
	buf_addf(b, "vllm:gpu_cache_usage_perc{model_name=\"%s\"} %.4f\n", m,
		 0.2 + 0.3 * (1 + sin(t / 7.0 + (double)k)));
	metrics_head(b, "vllm:request_success_total", "counter",
		     "Count of successfully processed requests.");
	buf_addf(b, "vllm:request_success_total{finished_reason=\"stop\",model_name=\"%s\"} %lu\n",
		 m, done);
	buf_addf(b,
		 "vllm:request_success_total{finished_reason=\"length\",model_name=\"%s\"} %lu\n",
		 m, done / 10);
	metrics_head(b, "vllm:prompt_tokens_total", "counter",
		     "Number of prefill tokens processed.");
	buf_addf(b, "vllm:prompt_tokens_total{model_name=\"%s\"} %lu\n", m, done * 118);
	metrics_head(b, "vllm:generation_tokens_total", "counter",
		     "Number of generation tokens processed.");
	buf_addf(b, "vllm:generation_tokens_total{model_name=\"%s\"} %lu\n", m, done * 47);
	for (size_t i = 0; i < sizeof metrics_hists / sizeof *metrics_hists; i++)
		metrics_hist(b, &metrics_hists[i], m, done + done / 10);
}

static void metrics_handle(const struct probe_http_request *req, struct probe_http_response *resp,
			   void *arg)
{
	struct metrics_state *st = arg;
	if (strcmp(req->path, "/healthz") == 0) {
		buf_adds(&resp->body, "ok\n");
		return;
	}
	if (strcmp(req->path, "/metrics") != 0) {
		resp->status = 404;
		buf_adds(&resp->body, "not found; metrics are on /metrics\n");
		return;
	}
	pthread_mutex_lock(&st->lock);
	unsigned long k = ++st->scrapes;
	pthread_mutex_unlock(&st->lock);
	resp->content_type = METRICS_CONTENT_TYPE;
	metrics_render(&resp->body, st->model_label, k, now_s() - st->start);
}

int probe_metrics_run(int argc, char **argv)
{
	const char *port_s = "9090", *model = "kaic-probe-model", *bind = NULL;
	for (int i = 1; i < argc; i++) {
		const char *v;
		int m;
		if ((m = probe_opt(argc, argv, &i, "port", &v)) != 0)
			port_s = v;
		else if ((m = probe_opt(argc, argv, &i, "model", &v)) != 0)
			model = v;
		else if ((m = probe_opt(argc, argv, &i, "bind", &v)) != 0)
			bind = v;
		else
			return probe_usage_error(METRICS_NAME, "unknown argument \"%s\"", argv[i]);
		if (m < 0)
			return probe_usage_error(METRICS_NAME, "%s needs a value", argv[i]);
	}
	long port;
	if (probe_parse_long(port_s, 0, 65535, &port) < 0)
		return probe_usage_error(METRICS_NAME, "invalid port \"%s\"", port_s);
	if (*model == '\0')
		return probe_usage_error(METRICS_NAME, "--model is empty");
	struct metrics_state st = {.model_label = metrics_escape(model), .start = now_s()};
	pthread_mutex_init(&st.lock, NULL);
	struct probe_server srv;
	char *cause = NULL;
	int status = PROBE_EXIT_OK;
	json_t *res = json_object();
	json_object_set_new(res, "model", probe_json_string(model));
	if (probe_server_open(&srv, bind, (int)port, metrics_handle, &st, &cause) < 0) {
		status = PROBE_EXIT_FAILED;
	} else {
		fprintf(stderr, "kaic probe metrics: serving /metrics on port %d\n", srv.port);
		if (probe_server_run(&srv, true, &cause) < 0)
			status = PROBE_EXIT_FAILED;
		json_object_set_new(res, "port", json_integer(srv.port));
		probe_server_close(&srv);
	}
	json_object_set_new(res, "scrapes", json_integer((json_int_t)st.scrapes));
	if (cause != NULL) {
		fprintf(stderr, "kaic probe metrics: %s\n", cause);
		json_object_set_new(res, "error", probe_json_string(cause));
	}
	free(cause);
	free(st.model_label);
	pthread_mutex_destroy(&st.lock);
	return probe_emit(METRICS_NAME, res, status);
}
