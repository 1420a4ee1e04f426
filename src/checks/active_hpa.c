/* active_hpa.c: the active test of pod_autoscaling (HPA on custom metrics): a Deployment
 * of one `kaic probe metrics` pod (it serves the gauge vllm:num_requests_running, 1 to
 * 5), made discoverable to Prometheus as OBS-6.1's pod is (a PodMonitor where the
 * Prometheus Operator is served, and the prometheus.io annotations), and an
 * autoscaling/v2 HorizontalPodAutoscaler on that Pods metric with a target average of
 * 500m, which any served value exceeds. Full when the HPA controller reads the metric
 * from the custom metrics API (status.currentMetrics, ScalingActive=True) and scales the
 * Deployment above one replica; Partial when the HPA reports it cannot get the metric
 * (the adapter serves no such metric), or reads it without scaling; Error when nothing
 * reports on the HPA in time. */
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/util.h"
#include "util/xmalloc.h"

#define NAME "hpa"
#define METRIC "vllm:num_requests_running"
#define TARGET "500m"
#define MAX_REPLICAS 3
#define METRICS_PORT 8000
#define MON_GROUP "monitoring.coreos.com"
#define CUSTOM_API "v1beta1.custom.metrics.k8s.io"

/* The metrics pod's template: active_build_pod's labels and spec, with the scrape
 * annotations and the metrics port. */
static json_t *pod_template(const struct active_params *p)
{
	char *model = xasprintf("kaic-%s", p->run_id);
	json_t *pod = active_build_pod(
	    p, NAME, "metrics", json_pack("[s,s,s,s]", "--port", "8000", "--model", model), false);
	free(model);
	json_t *c = json_array_get(cutil_get(pod, "spec.containers"), 0);
	json_object_set_new(c, "ports",
			    json_pack("[{s:s, s:i, s:s}]", "name", "metrics", "containerPort",
				      METRICS_PORT, "protocol", "TCP"));
	json_t *t =
	    json_pack("{s:{s:O, s:{s:s, s:s, s:s}}, s:O}", "metadata", "labels",
		      cutil_get(pod, "metadata.labels"), "annotations", "prometheus.io/scrape",
		      "true", "prometheus.io/port", "8000", "prometheus.io/path", "/metrics",
		      "spec", json_object_get(pod, "spec"));
	json_decref(pod);
	return t;
}

static json_t *deployment(const struct active_params *p)
{
	json_t *d = active_build_object(p, "apps/v1", "Deployment", NAME, true);
	json_object_set_new(d, "spec",
			    json_pack("{s:i, s:{s:{s:s, s:s}}, s:o}", "replicas", 1, "selector",
				      "matchLabels", "kaic.io/app", NAME, "kaic.io/run-id",
				      p->run_id, "template", pod_template(p)));
	return d;
}

static json_t *pod_monitor(const struct active_params *p)
{
	json_t *pm = active_build_object(p, MON_GROUP "/v1", "PodMonitor", NAME, true);
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)p->monitor_labels, k, v)
		if (json_is_string(v))
			active_build_label(pm, k, json_string_value(v));
	json_object_set_new(pm, "spec",
			    json_pack("{s:{s:{s:s, s:s}}, s:[{s:s, s:s, s:s}]}", "selector",
				      "matchLabels", "kaic.io/app", NAME, "kaic.io/run-id",
				      p->run_id, "podMetricsEndpoints", "port", "metrics", "path",
				      "/metrics", "interval", "10s"));
	return pm;
}

static json_t *hpa(const struct active_params *p)
{
	json_t *h = active_build_object(p, "autoscaling/v2", "HorizontalPodAutoscaler", NAME, true);
	json_object_set_new(
	    h, "spec",
	    json_pack("{s:{s:s, s:s, s:s}, s:i, s:i, s:[{s:s, s:{s:{s:s}, s:{s:s, s:s}}}]}",
		      "scaleTargetRef", "apiVersion", "apps/v1", "kind", "Deployment", "name", NAME,
		      "minReplicas", 1, "maxReplicas", MAX_REPLICAS, "metrics", "type", "Pods",
		      "pods", "metric", "name", METRIC, "target", "type", "AverageValue",
		      "averageValue", TARGET));
	return h;
}

json_t *active_hpa_objects(const struct active_params *p)
{
	return json_pack("[o,o,o]", deployment(p), pod_monitor(p), hpa(p));
}

/* The Available custom metrics APIService (borrowed name), or NULL with *why. */
static const char *custom_api(struct check_ctx *ctx, struct check_result *res, int *errors,
			      const char **why)
{
	const json_t *items;
	*why = "no custom.metrics.k8s.io APIService registered: kaic's HPA scales on a Pods "
	       "metric";
	if (!cutil_list_read(ctx->inv, "apiregistration.k8s.io", "v1", "apiservices", res, errors,
			     &items))
		return NULL;
	size_t i;
	const json_t *s;
	json_array_foreach(items, i, s) {
		if (strcmp(cutil_name(s), CUSTOM_API) != 0)
			continue;
		const char *av = cutil_condition(s, "Available");
		if (av != NULL && strcmp(av, "True") == 0)
			return cutil_name(s);
		*why = "the custom metrics APIService v1beta1.custom.metrics.k8s.io is not "
		       "Available";
	}
	return NULL;
}

/* The labels a Prometheus object selects PodMonitors by (borrowed), or NULL. */
static const json_t *monitor_labels(struct check_ctx *ctx, struct check_result *res, int *errors)
{
	const json_t *proms = NULL;
	if (!inventory_served(ctx->inv, MON_GROUP, "v1", "prometheuses") ||
	    !cutil_list_read(ctx->inv, MON_GROUP, "v1", "prometheuses", res, errors, &proms))
		return NULL;
	return cutil_get(json_array_get(proms, 0), "spec.podMonitorSelector.matchLabels");
}

/* The HPA has read the metric and asks for more than one replica. */
static enum active_wait_answer scaled(const json_t *h, void *arg)
{
	(void)arg;
	const char *active = cutil_condition(h, "ScalingActive");
	const json_t *want = cutil_get(h, "status.desiredReplicas");
	return active != NULL && strcmp(active, "True") == 0 &&
		       json_array_size(cutil_get(h, "status.currentMetrics")) > 0 &&
		       json_integer_value(want) > 1
		   ? ACTIVE_WAIT_DONE
		   : ACTIVE_WAIT_MORE;
}

/* The Deployment asks for more than one replica. */
static enum active_wait_answer raised(const json_t *d, void *arg)
{
	(void)arg;
	return json_integer_value(cutil_get(d, "spec.replicas")) > 1 ? ACTIVE_WAIT_DONE
								     : ACTIVE_WAIT_MORE;
}

/* The condition TYPE of the HPA as evidence "TYPE=STATUS (REASON): MESSAGE". */
static void condition_evidence(struct check_result *res, const json_t *h, const char *type)
{
	size_t i;
	const json_t *c;
	json_array_foreach(cutil_get(h, "status.conditions"), i, c) {
		const char *t = cutil_str(c, "type");
		if (t == NULL || strcmp(t, type) != 0)
			continue;
		const char *r = cutil_str(c, "reason"), *m = cutil_str(c, "message");
		check_evidence(res, "HorizontalPodAutoscaler %s: %s=%s (%s): %s", NAME, type,
			       cutil_str(c, "status") ? cutil_str(c, "status") : "?", r ? r : "-",
			       m ? m : "");
	}
}

/* The metric's current average the HPA reports, or "?". */
static const char *current_value(const json_t *h)
{
	const json_t *m = json_array_get(cutil_get(h, "status.currentMetrics"), 0);
	const char *v = cutil_str(m, "pods.current.averageValue");
	return v ? v : "?";
}

/* The HPA did not scale in time: decided from its last state (may be NULL). */
static void not_scaled(struct check_ctx *ctx, struct check_result *res, const json_t *h,
		       const struct kube_error *err)
{
	const char *active = cutil_condition(h, "ScalingActive");
	condition_evidence(res, h, "AbleToScale");
	condition_evidence(res, h, "ScalingActive");
	if (strcmp(err->reason, "Timeout") != 0 || active == NULL) {
		if (active == NULL && strcmp(err->reason, "Timeout") == 0)
			check_evidence(res,
				       "no HPA controller reported on HorizontalPodAutoscaler "
				       "%s (no ScalingActive condition)",
				       NAME);
		active_run_error(ctx, res, "waiting for the HorizontalPodAutoscaler to scale", err);
		return;
	}
	active_run_events(ctx, res);
	if (strcmp(active, "False") == 0) {
		check_evidence(res,
			       "the HPA controller could not get the pods metric %s from the "
			       "custom metrics API",
			       METRIC);
		active_run_decide(res, VERDICT_PARTIAL,
				  "the custom metrics API does not serve the pods metric "
				  "vllm:num_requests_running of pods Prometheus scrapes: give the "
				  "adapter a rule for it (prometheus-adapter's default rules serve "
				  "series with namespace and pod labels)");
		return;
	}
	check_evidence(res,
		       "the HPA read %s (average %s, target %s) but desired %lld replicas by "
		       "the end",
		       METRIC, current_value(h), TARGET,
		       (long long)json_integer_value(cutil_get(h, "status.desiredReplicas")));
	active_run_decide(res, VERDICT_PARTIAL,
			  "the HPA read the custom metric but did not scale as it demands: see "
			  "its conditions and events");
}

/* The HPA asked for more replicas: the Deployment must follow. */
static void check_scaled(struct check_ctx *ctx, struct check_result *res, const json_t *h)
{
	char *path = xasprintf("/apis/apps/v1/namespaces/%s/deployments", ctx->ns);
	json_t *d = NULL;
	struct kube_error err = {0};
	int rc = active_wait(ctx->act, path, NAME, raised, NULL, ctx->deadline_ms, ctx->cancel, &d,
			     &err);
	free(path);
	check_evidence(res,
		       "HorizontalPodAutoscaler %s read pods metric %s from the custom metrics "
		       "API: average %s (target %s), desired %lld replicas",
		       NAME, METRIC, current_value(h), TARGET,
		       (long long)json_integer_value(cutil_get(h, "status.desiredReplicas")));
	condition_evidence(res, h, "ScalingActive");
	if (rc != 0) {
		active_run_error(ctx, res, "Deployment hpa was not scaled up", &err);
	} else {
		check_evidence(res, "Deployment %s scaled from 1 to %lld replicas", NAME,
			       (long long)json_integer_value(cutil_get(d, "spec.replicas")));
		active_run_decide(res, VERDICT_FULL, NULL);
	}
	json_decref(d);
}

static void run_hpa(struct check_ctx *ctx, struct check_result *res, const json_t *objs,
		    bool monitors)
{
	if (active_run_create(ctx, res, active_build_find(objs, "Deployment", NAME), NULL) != 0)
		return;
	res->mode = MODE_ACTIVE;
	if ((monitors &&
	     active_run_create(ctx, res, active_build_find(objs, "PodMonitor", NAME), NULL) != 0) ||
	    active_run_create(ctx, res, active_build_find(objs, "HorizontalPodAutoscaler", NAME),
			      NULL) != 0)
		return;
	check_evidence(res,
		       "Deployment %s (1 replica of kaic probe metrics, serving %s, discoverable "
		       "by %s), HorizontalPodAutoscaler %s on it: Pods metric %s, target "
		       "average %s, 1 to %d replicas",
		       NAME, METRIC,
		       monitors ? "a PodMonitor and prometheus.io annotations"
				: "prometheus.io annotations",
		       NAME, METRIC, TARGET, MAX_REPLICAS);
	char *path =
	    xasprintf("/apis/autoscaling/v2/namespaces/%s/horizontalpodautoscalers", ctx->ns);
	json_t *h = NULL;
	struct kube_error err = {0};
	int rc = active_wait(ctx->act, path, NAME, scaled, NULL, ctx->deadline_ms, ctx->cancel, &h,
			     &err);
	free(path);
	if (rc == 0)
		check_scaled(ctx, res, h);
	else
		not_scaled(ctx, res, h, &err);
	json_decref(h);
}

void active_hpa_run(struct check_ctx *ctx, struct check_result *res)
{
	int errors = 0;
	const char *why = NULL;
	const char *api = custom_api(ctx, res, &errors, &why);
	const json_t *labels = monitor_labels(ctx, res, &errors);
	if (errors > 0) {
		active_run_read_failed(res, errors);
		return;
	}
	if (api == NULL) {
		active_run_not_run(res, why, NULL);
		return;
	}
	struct active_params p;
	active_run_params(ctx, &p);
	p.monitor_labels = labels;
	json_t *objs = active_hpa_objects(&p);
	run_hpa(ctx, res, objs, inventory_served(ctx->inv, MON_GROUP, "v1", "podmonitors"));
	json_decref(objs);
}
