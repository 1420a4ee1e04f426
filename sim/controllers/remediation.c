/* remediation.c: the installed node remediation, modelled on medik8s NodeHealthCheck
 * with its remediator. Every tick, for each NodeHealthCheck (remediation.medik8s.io) and
 * each node its spec.selector (matchLabels) selects: a node is unhealthy when one of its
 * conditions matches an entry of spec.unhealthyConditions (type and status) for at least
 * its duration (from the condition's lastTransitionTime). An unhealthy node is
 * remediated only while minHealthy (an int or "N%" of the selected nodes) of the others
 * stay healthy: first it is cordoned (spec.unschedulable), on a later tick drained (its
 * pods deleted, but DaemonSet and mirror pods). When its conditions are healthy again it
 * is uncordoned. The step reached is kept in the node's annotation
 * kaic-sim/remediation. Switches (controllers.remediation): enabled (true), cordon
 * (true), drain (true; false: cordoned, never drained). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "controllers/ctl_util.h"
#include "objects/admin.h"
#include "sim.h"
#include "util/xmalloc.h"

#define NHC_GROUP "remediation.medik8s.io"
#define STEP "kaic-sim/remediation"

static long duration_s(const char *d)
{
	if (!d)
		return 0;
	long total = 0, n = 0;
	for (const char *p = d; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			n = n * 10 + (*p - '0');
			continue;
		}
		total += *p == 'h' ? n * 3600 : *p == 'm' ? n * 60 : n;
		n = 0;
	}
	return total + n;
}

static bool unhealthy(const json_t *nhc, const json_t *node)
{
	size_t i, j;
	const json_t *uc, *c;
	time_t now = time(NULL);
	json_array_foreach(ctl_at(nhc, "spec.unhealthyConditions"), i, uc) {
		json_array_foreach(ctl_at(node, "status.conditions"), j, c) {
			if (strcmp(ctl_s(c, "type"), ctl_s(uc, "type")) != 0 ||
			    strcmp(ctl_s(c, "status"), ctl_s(uc, "status")) != 0)
				continue;
			time_t since = (time_t)ctl_time_parse(ctl_str(c, "lastTransitionTime"));
			if (now - since >= duration_s(ctl_str(uc, "duration")))
				return true;
		}
	}
	return false;
}

static long min_healthy(const json_t *nhc, size_t total)
{
	const json_t *m = ctl_at(nhc, "spec.minHealthy");
	if (json_is_integer(m))
		return (long)json_integer_value(m);
	const char *s = json_string_value(m);
	return s ? (strtol(s, NULL, 10) * (long)total + 99) / 100 : 0;
}

static const char *step_of(const json_t *node)
{
	return ctl_str(ctl_at(node, "metadata.annotations"), STEP);
}

/* Writes node with spec.unschedulable and the step (NULL: removed). */
static void set_node(struct sim_api *api, const json_t *node, bool cordon, const char *step)
{
	json_t *next = json_deep_copy(node);
	json_t *spec = json_object_get(next, "spec");
	if (cordon)
		json_object_set_new(spec, "unschedulable", json_true());
	else
		json_object_del(spec, "unschedulable");
	json_t *md = json_object_get(next, "metadata");
	json_t *ann = json_object_get(md, "annotations");
	if (!json_is_object(ann)) {
		ann = json_object();
		json_object_set_new(md, "annotations", ann);
	}
	if (step)
		json_object_set_new(ann, STEP, json_string(step));
	else
		json_object_del(ann, STEP);
	if (json_object_size(ann) == 0)
		json_object_del(md, "annotations");
	ctl_replace(api, "", "nodes", next);
}

static bool evictable(const json_t *pod, void *arg)
{
	return ctl_pod_evictable(pod, arg);
}

static void drain(struct sim_api *api, const json_t *node)
{
	const char *name = ctl_s(node, "metadata.name");
	json_t *pods = ctl_list_filter(api, "", "pods", evictable, (void *)name);
	size_t i;
	json_t *p;
	json_array_foreach(pods, i, p) {
		sim_api_delete(api, "", "pods", ctl_s(p, "metadata.namespace"),
			       ctl_s(p, "metadata.name"));
	}
	json_decref(pods);
}

static void remediate(struct sim_api *api, const json_t *nhc, const json_t *nodes)
{
	size_t i, total = 0, healthy = 0;
	const json_t *n;
	const json_t *sel = ctl_at(nhc, "spec.selector.matchLabels");
	json_array_foreach(nodes, i, n) {
		if (!ctl_map_match(sel, ctl_at(n, "metadata.labels")))
			continue;
		total++;
		healthy += !unhealthy(nhc, n);
	}
	bool may = (long)healthy >= min_healthy(nhc, total);
	json_array_foreach(nodes, i, n) {
		if (!ctl_map_match(sel, ctl_at(n, "metadata.labels")))
			continue;
		const char *step = step_of(n);
		bool sick = unhealthy(nhc, n);
		if (sick && !step && may)
			set_node(api, n, ctl_setting_bool(api, "remediation", "cordon", true),
				 "cordoned");
		else if (sick && step && !strcmp(step, "cordoned") &&
			 ctl_setting_bool(api, "remediation", "drain", true)) {
			drain(api, n);
			set_node(api, n, json_is_true(ctl_at(n, "spec.unschedulable")), "drained");
		} else if (!sick && step)
			set_node(api, n, false, NULL);
	}
}

static void remediation_tick(struct sim_api *api)
{
	if (!ctl_setting_bool(api, "remediation", "enabled", true))
		return;
	json_t *nhcs = ctl_list(api, NHC_GROUP, "nodehealthchecks", NULL);
	if (json_array_size(nhcs) > 0) {
		json_t *nodes = ctl_list(api, "", "nodes", NULL);
		size_t i;
		json_t *h;
		json_array_foreach(nhcs, i, h) {
			remediate(api, h, nodes);
		}
		json_decref(nodes);
	}
	json_decref(nhcs);
}

static void remediation_on_change(struct sim_api *api, const char *event, const json_t *obj)
{
	(void)event;
	(void)obj;
	remediation_tick(api); /* a new or changed NodeHealthCheck acts at once */
}

const struct sim_controller sim_controller_remediation = {
    .name = "remediation",
    .group = NHC_GROUP,
    .resource = "nodehealthchecks",
    .on_change = remediation_on_change,
    .tick = remediation_tick,
};
