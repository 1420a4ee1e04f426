/* active_obs61.c: the active test of OBS-6.1 (AI service metrics collected
 * automatically): a `kaic probe metrics` pod serves vLLM-style metrics and is made
 * discoverable (a PodMonitor where the Prometheus Operator is served, and the
 * prometheus.io annotations); the monitoring query API (--prometheus-url, or a
 * Prometheus found in the cluster, through the API-server proxy) must return its series
 * (found by the run's model name) within the timeout, with a label naming the pod: one of
 * the usual target labels (pod, exported_pod, kubernetes_pod_name, ...) or --pod-label. */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/util.h"
#include "util/buf.h"
#include "util/xmalloc.h"
#include "util/clock.h"

#define MON_GROUP "monitoring.coreos.com"
#define MON_API MON_GROUP "/v1"
#define METRIC "vllm:num_requests_running"
#define METRICS_PORT 8000
#define POD "metrics"					       /* the metrics pod's name */
#define METRICS_SERVING "kaic probe metrics: serving /metrics" /* its log line */
#define QUERY_MIN_MS 1000
#define QUERY_MAX_MS 5000
#define BODY_LIMIT (4 << 20)

static json_t *metrics_pod(const struct active_params *p)
{
	char *model = xasprintf("kaic-%s", p->run_id);
	json_t *pod =
	    active_build_pod(p, "metrics", "metrics",
			     json_pack("[s,s,s,s]", "--port", "8000", "--model", model), false);
	free(model);
	json_object_set_new(json_object_get(pod, "metadata"), "annotations",
			    json_pack("{s:s, s:s, s:s}", "prometheus.io/scrape", "true",
				      "prometheus.io/port", "8000", "prometheus.io/path",
				      "/metrics"));
	json_t *c = json_array_get(cutil_get(pod, "spec.containers"), 0);
	json_object_set_new(c, "ports",
			    json_pack("[{s:s, s:i, s:s}]", "name", "metrics", "containerPort",
				      METRICS_PORT, "protocol", "TCP"));
	return pod;
}

static json_t *pod_monitor(const struct active_params *p)
{
	json_t *pm = active_build_object(p, MON_API, "PodMonitor", "metrics", true);
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)p->monitor_labels, k, v)
		if (json_is_string(v))
			active_build_label(pm, k, json_string_value(v));
	json_object_set_new(pm, "spec",
			    json_pack("{s:{s:{s:s, s:s}}, s:[{s:s, s:s, s:s}]}", "selector",
				      "matchLabels", "kaic.io/app", "metrics", "kaic.io/run-id",
				      p->run_id, "podMetricsEndpoints", "port", "metrics", "path",
				      "/metrics", "interval", "10s"));
	return pm;
}

json_t *active_obs61_objects(const struct active_params *p)
{
	return json_pack("[o,o]", metrics_pod(p), pod_monitor(p));
}

/* Where the query API is: an API-server proxy path prefix or an absolute URL. */
struct query_api {
	char *proxy;	    /* "/api/v1/namespaces/NS/services/NAME:PORT/proxy", or NULL */
	char *url;	    /* "https://prom.example.com", or NULL */
	char *label;	    /* for evidence */
	const json_t *prom; /* the Prometheus object, borrowed, or NULL */
};

static void query_api_release(struct query_api *q)
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

/* A Service's first port number, or 0. */
static long first_port(const json_t *svc)
{
	return (long)json_integer_value(
	    json_object_get(json_array_get(cutil_get(svc, "spec.ports"), 0), "port"));
}

/* Finds the query API: 1 found, 0 none, -1 when a read it needs failed (evidence,
 * *errors): a Prometheus object that could not be listed may be the one to ask. */
static int find_api(struct check_ctx *ctx, struct check_result *res, int *errors,
		    struct query_api *q)
{
	memset(q, 0, sizeof(*q));
	const char *u = ctx->opts ? ctx->opts->prometheus_url : NULL;
	if (u != NULL && *u != '\0') {
		if (u[0] == '/')
			q->proxy = trim_slash(u);
		else
			q->url = trim_slash(u);
		q->label = xasprintf("--prometheus-url %s", u);
		return 1;
	}
	const json_t *proms = NULL, *svcs = NULL;
	if (inventory_served(ctx->inv, MON_GROUP, "v1", "prometheuses") &&
	    !cutil_list_read(ctx->inv, MON_GROUP, "v1", "prometheuses", res, errors, &proms))
		return -1;
	size_t i;
	const json_t *o;
	json_array_foreach(proms, i, o) {
		q->prom = o;
		q->proxy = xasprintf(
		    "/api/v1/namespaces/%s/services/prometheus-operated:9090/proxy", cutil_ns(o));
		q->label = xasprintf("Prometheus %s/%s (service prometheus-operated:9090, API "
				     "proxy)",
				     cutil_ns(o), cutil_name(o));
		return 1;
	}
	if (!cutil_list_read(ctx->inv, "", "v1", "services", res, errors, &svcs))
		return -1;
	json_array_foreach(svcs, i, o) {
		if (!cutil_has_label(o, "app.kubernetes.io/name=prometheus") || first_port(o) == 0)
			continue;
		q->proxy = xasprintf("/api/v1/namespaces/%s/services/%s:%ld/proxy", cutil_ns(o),
				     cutil_name(o), first_port(o));
		q->label = xasprintf("service %s/%s:%ld (API proxy)", cutil_ns(o), cutil_name(o),
				     first_port(o));
		return 1;
	}
	return 0;
}

static char *url_encode(const char *s)
{
	struct buf b = BUF_INIT;
	buf_init(&b);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~')
			buf_addc(&b, (char)c);
		else
			buf_addf(&b, "%%%02X", c);
	}
	return buf_detach(&b, NULL);
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	if (b->len + size * n > BODY_LIMIT)
		return 0;
	buf_add(b, p, size * n);
	return size * n;
}

/* GET of an absolute URL. Returns 0 with *body, or -1 with *err. */
static int http_get(const char *url, char **body, struct kube_error *err)
{
	CURL *h = curl_easy_init();
	if (h == NULL) {
		kube_error_set(err, 0, "Internal", "cannot start an HTTP request");
		return -1;
	}
	struct buf b = BUF_INIT;
	buf_init(&b);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 15000L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	CURLcode rc = curl_easy_perform(h);
	long code = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(h);
	if (rc != CURLE_OK || code < 200 || code > 299) {
		if (rc != CURLE_OK)
			kube_error_set(err, 0, "Unavailable", "GET \"%s\": %s", url,
				       curl_easy_strerror(rc));
		else
			kube_error_set(err, code, "", "GET \"%s\": HTTP %ld", url, code);
		buf_release(&b);
		return -1;
	}
	*body = buf_detach(&b, NULL);
	return 0;
}

/* Runs the instant query; 0 with *result (the data.result array, new reference). */
static int query(struct check_ctx *ctx, const struct query_api *q, const char *promql,
		 json_t **result, struct kube_error *err)
{
	char *enc = url_encode(promql);
	char *body = NULL;
	size_t len = 0;
	int rc;
	if (q->proxy != NULL) {
		char *path = xasprintf("%s/api/v1/query?query=%s", q->proxy, enc);
		rc = kube_proxy_get(ctx->client, path, &body, &len, err);
		free(path);
	} else {
		char *url = xasprintf("%s/api/v1/query?query=%s", q->url, enc);
		rc = http_get(url, &body, err);
		free(url);
		len = body ? strlen(body) : 0;
	}
	free(enc);
	if (rc != 0)
		return -1;
	json_t *doc = json_loadb(body, len, 0, NULL);
	free(body);
	const char *status = json_string_value(json_object_get(doc, "status"));
	json_t *r = json_object_get(json_object_get(doc, "data"), "result");
	if (status == NULL || strcmp(status, "success") != 0 || !json_is_array(r)) {
		const char *e = json_string_value(json_object_get(doc, "error"));
		kube_error_set(err, 0, "BadResponse", "the query API answered %s",
			       e ? e : "something that is not a Prometheus query result");
		json_decref(doc);
		return -1;
	}
	*result = json_incref(r);
	json_decref(doc);
	return 0;
}

static char *series_text(const json_t *s)
{
	struct buf b = BUF_INIT;
	buf_init(&b);
	const json_t *m = json_object_get(s, "metric");
	const char *name = json_string_value(json_object_get(m, "__name__"));
	buf_addf(&b, "%s{", name ? name : METRIC);
	const char *k;
	json_t *v;
	bool first = true;
	json_object_foreach((json_t *)m, k, v) {
		if (strcmp(k, "__name__") == 0 || !json_is_string(v))
			continue;
		buf_addf(&b, "%s%s=\"%s\"", first ? "" : ",", k, json_string_value(v));
		first = false;
	}
	const char *val = json_string_value(json_array_get(json_object_get(s, "value"), 1));
	buf_addf(&b, "} = %s", val ? val : "?");
	return buf_detach(&b, NULL);
}

/* The label of series s that names the pod POD ("pod", "exported_pod", ...; the user's
 * --pod-label first), borrowed, or NULL. */
static const char *pod_label_of(const json_t *s, const char *user_label)
{
	static const char *const usual[] = {
	    "pod",	    "exported_pod",	 "kubernetes_pod_name", "pod_name",
	    "k8s_pod_name", "exported_pod_name", "kubernetes_pod",	NULL};
	const json_t *m = json_object_get(s, "metric");
	if (user_label != NULL) {
		const char *v = json_string_value(json_object_get(m, user_label));
		if (v != NULL && strcmp(v, POD) == 0)
			return user_label;
	}
	for (const char *const *l = usual; *l != NULL; l++) {
		const char *v = json_string_value(json_object_get(m, *l));
		if (v != NULL && strcmp(v, POD) == 0)
			return *l;
	}
	return NULL;
}

void active_obs61_decide(struct check_ctx *ctx, struct check_result *res, const char *api,
			 const json_t *result, double secs)
{
	const char *user = ctx->opts ? ctx->opts->pod_label : NULL;
	size_t i;
	const json_t *s;
	json_array_foreach(result, i, s) {
		const char *label = pod_label_of(s, user);
		if (label == NULL)
			continue;
		char *text = series_text(s);
		check_evidence(res,
			       "collected series %s via %s after %.1f s (pod %s/" POD
			       " named by label %s)",
			       text, api, secs, ctx->ns, label);
		free(text);
		active_run_decide(res, VERDICT_FULL, NULL);
		return;
	}
	char *text = series_text(json_array_get(result, 0));
	check_evidence(res,
		       "collected series %s via %s after %.1f s, but no label names pod %s/" POD
		       " (looked for %s%spod, exported_pod, kubernetes_pod_name, pod_name, "
		       "k8s_pod_name)",
		       text, api, secs, ctx->ns, user ? user : "", user ? ", " : "");
	free(text);
	active_run_decide(res, VERDICT_PARTIAL,
			  "keep the scraped pod's name on its series (the collector's target "
			  "labels), or name the label that carries it with --pod-label");
}

/* Polls the query until the series shows up; decides the verdict. */
static void poll_series(struct check_ctx *ctx, struct check_result *res, const struct query_api *q)
{
	char *promql = xasprintf(METRIC "{model_name=\"kaic-%s\"}", ctx->run_id);
	long long t0 = now_ms();
	long delay = QUERY_MIN_MS;
	struct kube_error last = {0};
	bool answered = false;
	for (;;) {
		json_t *result = NULL;
		struct kube_error err = {0};
		if (query(ctx, q, promql, &result, &err) == 0) {
			answered = true;
			if (json_array_size(result) > 0) {
				active_obs61_decide(ctx, res, q->label, result,
						    (double)(now_ms() - t0) / 1000.0);
				json_decref(result);
				break;
			}
			json_decref(result);
		} else {
			last = err;
			answered = false;
		}
		if (!active_nap(delay, ctx->deadline_ms, ctx->cancel)) {
			if (ctx->cancel && *ctx->cancel) {
				kube_error_set(&last, 0, "Cancelled", "cancelled");
				active_run_error(ctx, res, "query", &last);
			} else if (!answered) {
				char *what = xasprintf("query %s via %s", promql, q->label);
				active_run_error(ctx, res, what, &last);
				free(what);
			} else if (!active_run_container_started(ctx, res, POD, METRICS_SERVING)) {
				check_evidence(res,
					       "the query API (%s) answers, but has no %s after "
					       "%.0f s: kaic cannot tell whether the collector "
					       "would have collected it",
					       q->label, promql, (double)(now_ms() - t0) / 1000.0);
				active_run_decide(res, VERDICT_ERROR,
						  "the metrics pod's container did not run: check "
						  "that the node runs containers");
			} else {
				check_evidence(res,
					       "metrics not collected: the query API (%s) answers, "
					       "but has no %s after %.0f s",
					       q->label, promql, (double)(now_ms() - t0) / 1000.0);
				active_run_decide(
				    res, VERDICT_NO,
				    "the collector does not discover workload metrics: "
				    "make it select PodMonitors (or prometheus.io "
				    "annotations) in every namespace");
			}
			break;
		}
		delay = delay * 2 > QUERY_MAX_MS ? QUERY_MAX_MS : delay * 2;
	}
	free(promql);
}

void active_obs61_run(struct check_ctx *ctx, struct check_result *res)
{
	struct query_api q;
	int errors = 0;
	int found = find_api(ctx, res, &errors, &q);
	if (found < 0) {
		active_run_read_failed(res, errors);
		query_api_release(&q);
		return;
	}
	if (found == 0) {
		active_run_not_run(
		    res,
		    "no monitoring query API found (no Prometheus object, no "
		    "Service labelled app.kubernetes.io/name=prometheus)",
		    "pass the monitoring query API with --prometheus-url (or deploy Prometheus)");
		return;
	}
	struct active_params p;
	active_run_params(ctx, &p);
	p.monitor_labels = cutil_get(q.prom, "spec.podMonitorSelector.matchLabels");
	json_t *objs = active_obs61_objects(&p);
	bool monitors = inventory_served(ctx->inv, MON_GROUP, "v1", "podmonitors");
	json_t *po = NULL;
	struct kube_error err = {0};
	if (active_run_create(ctx, res, active_build_find(objs, "Pod", "metrics"), NULL) != 0)
		goto out;
	res->mode = MODE_ACTIVE;
	if (monitors && active_run_create(
			    ctx, res, active_build_find(objs, "PodMonitor", "metrics"), NULL) != 0)
		goto out;
	check_evidence(res, "pod metrics serves %s, discoverable by %s", METRIC,
		       monitors ? "a PodMonitor and prometheus.io annotations"
				: "prometheus.io annotations");
	if (active_run_wait_pod(ctx, "metrics", ACTIVE_POD_READY, ctx->deadline_ms, &po, &err) !=
	    0) {
		active_run_error(ctx, res, "pod metrics", &err);
		goto out;
	}
	poll_series(ctx, res, &q);
out:
	json_decref(po);
	json_decref(objs);
	query_api_release(&q);
}
