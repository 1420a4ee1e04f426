/* hpa.c: kube-controller-manager's HorizontalPodAutoscaler controller (autoscaling/v2)
 * for HPAs written through the API whose scaleTargetRef is a Deployment, scaling on Pods
 * metrics read from the custom metrics API. The adapter behind the APIService
 * v1beta1.custom.metrics.k8s.io is modelled as prometheus-adapter with its default
 * rules: it serves the pods metric NAME of a pod when the simulated Prometheus scrapes a
 * series NAME from it (prometheus.c). On every change of an HPA and every tick, each HPA
 * gets AbleToScale, ScalingActive and ScalingLimited with upstream's reasons and
 * messages, status.currentMetrics, currentReplicas and desiredReplicas; the Deployment's
 * spec.replicas is set to the desired count (ceil(sum / target averageValue), 10%
 * tolerance, minReplicas..maxReplicas, at most max(2x, +4) a step; no scale-down
 * stabilization window) with a SuccessfulRescale event. Without an Available APIService,
 * or with controllers.hpa.serve false (an adapter with no rule for the metric), or when
 * no pod's metric is scraped, ScalingActive=False reason FailedGetPodsMetric and a
 * Warning event. Only Pods metrics are modelled. Switches (controllers.hpa): enabled
 * (true), serve (true). */

#include "controllers/hpa.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controllers/ctl_util.h"
#include "controllers/prometheus.h"
#include "controllers/replicaset.h"
#include "sim.h"
#include "util/xmalloc.h"

#define GROUP "autoscaling"
#define RES "horizontalpodautoscalers"
#define CUSTOM_APISERVICE "v1beta1.custom.metrics.k8s.io"
#define TOLERANCE 0.1

/* What one sync computed. */
struct hpa_calc {
	const char *metric;
	double target, avg; /* averageValue target; the pods' average */
	long long current, desired;
	bool have; /* a metric value was read */
	char *why; /* why not (new string), or NULL */
};

/* A Kubernetes quantity ("500m", "2", "1.5", "3k") as a number; -1 when unparsable. */
static double quantity(const json_t *q)
{
	if (json_is_number(q))
		return json_number_value(q);
	const char *s = json_string_value(q);
	if (s == NULL)
		return -1;
	char *end = NULL;
	double v = strtod(s, &end);
	if (end == s)
		return -1;
	if (*end == 'm')
		v /= 1000;
	else if (*end == 'k')
		v *= 1000;
	else if (*end == 'M')
		v *= 1e6;
	return v;
}

/* v as a quantity string ("2", "1500m") into out. */
static void format_quantity(double v, char out[32])
{
	long long milli = llround(v * 1000);
	if (milli % 1000 == 0)
		snprintf(out, 32, "%lld", milli / 1000);
	else
		snprintf(out, 32, "%lldm", milli);
}

/* Whether the custom metrics API's APIService is registered and Available. */
static bool custom_api_available(struct sim_api *api)
{
	json_t *s = ctl_get(api, "apiregistration.k8s.io", "apiservices", NULL, CUSTOM_APISERVICE);
	const char *av = ctl_condition_status(s, "Available");
	bool ok = av != NULL && !strcmp(av, "True");
	json_decref(s);
	return ok;
}

/* The average of the pods metric over the target's pods that serve it; sets c->have or
 * c->why. */
static void read_pods_metric(struct sim_api *api, const json_t *dep, struct hpa_calc *c)
{
	if (!custom_api_available(api)) {
		c->why = xasprintf("unable to get metric %s: unable to fetch metrics from custom "
				   "metrics API: the server could not find the requested resource "
				   "(get pods.custom.metrics.k8s.io *)",
				   c->metric);
		return;
	}
	if (!ctl_setting_bool(api, "hpa", "serve", true)) {
		c->why = xasprintf("unable to get metric %s: unable to fetch metrics from custom "
				   "metrics API: the server could not find the metric %s for pods",
				   c->metric, c->metric);
		return;
	}
	const char *ns = ctl_s(dep, "metadata.namespace");
	json_t *pods = ctl_list(api, "", "pods", ns);
	double sum = 0;
	size_t n = 0, i;
	json_t *p;
	json_array_foreach(pods, i, p) {
		double v;
		if (!ctl_at(p, "metadata.deletionTimestamp") &&
		    ctl_selector_match(ctl_at(dep, "spec.selector"),
				       ctl_at(p, "metadata.labels")) &&
		    ctl_prometheus_pod_value(api, ns, ctl_s(p, "metadata.name"), c->metric, &v)) {
			sum += v;
			n++;
		}
	}
	json_decref(pods);
	if (n == 0) {
		c->why = xasprintf("unable to get metric %s: no metrics returned from custom "
				   "metrics API",
				   c->metric);
		return;
	}
	c->have = true;
	c->avg = sum / (double)n;
}

/* The replica count the metric asks for, clamped to the HPA's bounds; *limit the
 * ScalingLimited reason, or NULL. */
static long long desired_count(const json_t *h, const struct hpa_calc *c, const char **limit)
{
	long long want = c->current;
	double ratio = c->avg / c->target;
	if (fabs(ratio - 1) > TOLERANCE)
		want = (long long)ceil(ratio * (double)(c->current > 0 ? c->current : 1));
	long long lo = json_integer_value(ctl_at(h, "spec.minReplicas"));
	long long hi = json_integer_value(ctl_at(h, "spec.maxReplicas"));
	long long step = c->current * 2 > c->current + 4 ? c->current * 2 : c->current + 4;
	lo = lo > 0 ? lo : 1;
	*limit = NULL;
	if (want > step)
		want = step, *limit = "ScaleUpLimit";
	if (want > hi)
		want = hi, *limit = "TooManyReplicas";
	if (want < lo)
		want = lo, *limit = "TooFewReplicas";
	return want;
}

static void limited_condition(json_t *st, const char *limit)
{
	if (limit == NULL)
		ctl_condition(st, "ScalingLimited", "False", "DesiredWithinRange",
			      "the desired count is within the acceptable range", -1);
	else if (!strcmp(limit, "TooManyReplicas"))
		ctl_condition(st, "ScalingLimited", "True", limit,
			      "the desired replica count is more than the maximum replica count",
			      -1);
	else if (!strcmp(limit, "TooFewReplicas"))
		ctl_condition(st, "ScalingLimited", "True", limit,
			      "the desired replica count is less than the minimum replica count",
			      -1);
	else
		ctl_condition(st, "ScalingLimited", "True", limit,
			      "the desired replica count is increasing faster than the maximum "
			      "scale rate",
			      -1);
}

/* Sets the Deployment's spec.replicas to n; 0 or -1. */
static int rescale(struct sim_api *api, const json_t *h, const json_t *dep,
		   const struct hpa_calc *c)
{
	json_t *next = json_deep_copy(dep);
	json_object_set_new(json_object_get(next, "spec"), "replicas", json_integer(c->desired));
	if (ctl_replace(api, "apps", "deployments", next) != 0)
		return -1;
	char *msg = xasprintf("New size: %lld; reason: pods metric %s %s target", c->desired,
			      c->metric, c->desired > c->current ? "above" : "below");
	ctl_event(api, h, "HorizontalPodAutoscaler", "Normal", "SuccessfulRescale", msg);
	free(msg);
	return 0;
}

/* The first metric's source: its name and averageValue target; false (with *why) when
 * it is not a Pods metric with an AverageValue target. */
static bool pods_metric(const json_t *h, struct hpa_calc *c, const char **reason)
{
	const json_t *m = json_array_get(ctl_at(h, "spec.metrics"), 0);
	const char *type = ctl_s(m, "type");
	*reason = "FailedGetPodsMetric";
	if (strcmp(type, "Pods") != 0) {
		*reason = "InvalidMetricSourceType";
		c->why = xasprintf("kaic-sim models Pods metrics only, not \"%s\"", type);
		return false;
	}
	c->metric = ctl_s(m, "pods.metric.name");
	c->target = quantity(ctl_at(m, "pods.target.averageValue"));
	if (c->target <= 0) {
		c->why = xasprintf("invalid metric target: averageValue of %s", c->metric);
		return false;
	}
	return true;
}

/* Sets ScalingActive=False for c->why, with a Warning event on the transition. */
static void not_active(struct sim_api *api, const json_t *h, json_t *st, const char *reason,
		       const struct hpa_calc *c)
{
	char *msg = xasprintf("the HPA was unable to compute the replica count: %s", c->why);
	const char *was = ctl_condition_status(h, "ScalingActive");
	if (was == NULL || strcmp(was, "False") != 0)
		ctl_event(api, h, "HorizontalPodAutoscaler", "Warning", reason, c->why);
	ctl_condition(st, "ScalingActive", "False", reason, msg, -1);
	free(msg);
}

static void metrics_status(json_t *st, const struct hpa_calc *c)
{
	char q[32];
	format_quantity(c->avg, q);
	json_object_set_new(st, "currentMetrics",
			    json_pack("[{s:s, s:{s:{s:s}, s:{s:s}}}]", "type", "Pods", "pods",
				      "metric", "name", c->metric, "current", "averageValue", q));
	ctl_condition(st, "ScalingActive", "True", "ValidMetricFound",
		      "the HPA was able to successfully calculate a replica count from pods "
		      "metric",
		      -1);
}

/* The status of HPA h against Deployment dep (new object), rescaling dep when asked. */
static json_t *compute(struct sim_api *api, const json_t *h, const json_t *dep)
{
	json_t *st = json_deep_copy(json_object_get(h, "status"));
	if (!json_is_object(st))
		st = json_object();
	struct hpa_calc c = {.current = json_integer_value(ctl_at(dep, "spec.replicas"))};
	const char *reason = NULL, *limit = NULL;
	c.desired = c.current;
	if (pods_metric(h, &c, &reason))
		read_pods_metric(api, dep, &c);
	ctl_condition(st, "AbleToScale", "True", "SucceededGetScale",
		      "the HPA controller was able to get the target's current scale", -1);
	if (!c.have) {
		not_active(api, h, st, reason, &c);
		json_object_del(st, "currentMetrics");
	} else {
		metrics_status(st, &c);
		c.desired = desired_count(h, &c, &limit);
		limited_condition(st, limit);
		if (c.desired != c.current && rescale(api, h, dep, &c) == 0) {
			char now[32], *m = xasprintf("the HPA controller was able to update the "
						     "target scale to %lld",
						     c.desired);
			ctl_now(now);
			json_object_set_new(st, "lastScaleTime", json_string(now));
			ctl_condition(st, "AbleToScale", "True", "SucceededRescale", m, -1);
			free(m);
		}
	}
	json_object_set_new(st, "currentReplicas", json_integer(c.current));
	json_object_set_new(st, "desiredReplicas", json_integer(c.desired));
	json_object_set(st, "observedGeneration", ctl_at(h, "metadata.generation"));
	free(c.why);
	return st;
}

/* AbleToScale=False when the scale target cannot be read. */
static json_t *no_target(struct sim_api *api, const json_t *h)
{
	json_t *st = json_deep_copy(json_object_get(h, "status"));
	if (!json_is_object(st))
		st = json_object();
	char *msg = xasprintf("the HPA controller was unable to get the target's current scale: "
			      "deployments.apps \"%s\" not found",
			      ctl_s(h, "spec.scaleTargetRef.name"));
	const char *was = ctl_condition_status(h, "AbleToScale");
	if (was == NULL || strcmp(was, "False") != 0)
		ctl_event(api, h, "HorizontalPodAutoscaler", "Warning", "FailedGetScale", msg);
	ctl_condition(st, "AbleToScale", "False", "FailedGetScale", msg, -1);
	free(msg);
	return st;
}

static void hpa_sync(struct sim_api *api, const json_t *h)
{
	if (!wl_managed(api, h) || ctl_at(h, "metadata.deletionTimestamp") ||
	    strcmp(ctl_s(h, "spec.scaleTargetRef.kind"), "Deployment") != 0)
		return;
	json_t *dep = ctl_get(api, "apps", "deployments", ctl_s(h, "metadata.namespace"),
			      ctl_s(h, "spec.scaleTargetRef.name"));
	json_t *st = dep ? compute(api, h, dep) : no_target(api, h);
	if (!json_equal(st, json_object_get(h, "status"))) {
		json_t *next = json_copy((json_t *)h);
		json_object_set_new(next, "status", st);
		ctl_replace(api, GROUP, RES, next);
	} else {
		json_decref(st);
	}
	json_decref(dep);
}

static void hpa_tick(struct sim_api *api)
{
	json_t *hs = ctl_list(api, GROUP, RES, NULL);
	size_t i;
	json_t *h;
	json_array_foreach(hs, i, h) {
		hpa_sync(api, h);
	}
	json_decref(hs);
}

static void hpa_on_change(struct sim_api *api, const char *event, const json_t *obj)
{
	if (strcmp(event, "DELETED") != 0)
		hpa_sync(api, obj);
}

const struct sim_controller sim_controller_hpa = {
    .name = "hpa",
    .group = GROUP,
    .resource = RES,
    .on_change = hpa_on_change,
    .tick = hpa_tick,
};
