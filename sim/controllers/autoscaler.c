/* autoscaler.c: the Kubernetes cluster-autoscaler, with the node groups of the scenario
 * (controllers.clusterAutoscaler.nodeGroups: name, maxSize, labels, taints, capacity,
 * and resourceSlice, a ResourceSlice spec of the devices a node of the group publishes).
 * Every tick:
 *  - scale-up: a pod that the scheduler left Unschedulable (PodScheduled=False) and that
 *    asks for an accelerator a group offers (an extended resource of its capacity other
 *    than cpu, memory, pods, ephemeral-storage; or resource claims the template's devices
 *    can satisfy, dra.c) and fits the group's template node (taints, nodeSelector,
 *    required node affinity, extended resources: the scheduler's predicates) gets one new
 *    Ready node GROUP-xxxxx of the first such group below maxSize (with its ResourceSlice
 *    first), and a TriggeredScaleUp event ("pod triggered scale-up: [{GROUP 0->1 (max:
 *    2)}]"); a pod no group fits gets one NotTriggerScaleUp event. A node remembers the
 *    pod it was added for (annotation kaic-sim/triggered-by), so a pod adds one node;
 *  - scale-down: a node the autoscaler added on which no pod but DaemonSet and mirror
 *    pods runs is unneeded from then on (annotation kaic-sim/unneeded-since); after
 *    scaleDownDelaySeconds it is tainted ToBeDeletedByClusterAutoscaler (NoSchedule, the
 *    time as value) with a ScaleDown event, and on the next tick deleted with its
 *    ResourceSlices. A node annotated cluster-autoscaler.kubernetes.io/scale-down-disabled:
 *    "true" is kept, as upstream does. Nodes the scenario loaded are never removed.
 * Switches (controllers.clusterAutoscaler): enabled (true), nodeGroups (none: nothing
 * happens), scaleUp (true), scaleDown (true), scaleDownDelaySeconds (10). */

#include "controllers/autoscaler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "controllers/ctl_util.h"
#include "controllers/dra.h"
#include "controllers/scheduler.h"
#include "objects/admin.h"
#include "sim.h"
#include "util/xmalloc.h"

#define NAME "clusterAutoscaler"
#define GROUP_ANN "kaic-sim/node-group"
#define TRIGGER_ANN "kaic-sim/triggered-by"
#define UNNEEDED_ANN "kaic-sim/unneeded-since"
#define DISABLED_ANN "cluster-autoscaler.kubernetes.io/scale-down-disabled"
#define TBD_TAINT "ToBeDeletedByClusterAutoscaler"
#define DRA_GROUP "resource.k8s.io"
#define DEFAULT_DELAY_S 10

static long long wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *annotation(const json_t *obj, const char *key)
{
	return ctl_str(ctl_at(obj, "metadata.annotations"), key);
}

/* ---- what a pod asks for ---- */

/* Whether a container of the pod requests an extended resource of the group. */
static bool asks_extended(const json_t *pod, const json_t *group)
{
	size_t i;
	json_t *c;
	json_array_foreach(ctl_at(pod, "spec.containers"), i, c) {
		const char *k;
		json_t *v;
		json_object_foreach(ctl_at(c, "resources.requests"), k, v) {
			if (ctl_extended_resource(k) &&
			    json_object_get(ctl_at(group, "capacity"), k))
				return true;
		}
	}
	return false;
}

/* The stored claims of the pod (new array); *missing when one does not exist yet. */
static json_t *pod_claims(struct sim_api *api, const json_t *pod, bool *missing)
{
	json_t *r = json_array();
	const char *ns = ctl_s(pod, "metadata.namespace");
	*missing = false;
	size_t i, j;
	json_t *pc, *st;
	json_array_foreach(ctl_at(pod, "spec.resourceClaims"), i, pc) {
		const char *name = ctl_str(pc, "resourceClaimName");
		json_array_foreach(ctl_at(pod, "status.resourceClaimStatuses"), j, st) {
			if (!name && !strcmp(ctl_s(st, "name"), ctl_s(pc, "name")))
				name = ctl_str(st, "resourceClaimName");
		}
		json_t *claim = name ? ctl_get(api, DRA_GROUP, "resourceclaims", ns, name) : NULL;
		if (claim)
			json_array_append_new(r, claim);
		else
			*missing = true;
	}
	return r;
}

/* Whether the pod's claims (at least one) fit the devices of the group's template slice
 * on node. */
static bool claims_fit(struct sim_api *api, const json_t *pod, const json_t *group,
		       const char *node)
{
	const json_t *tmpl = ctl_at(group, "resourceSlice");
	if (!json_is_object(tmpl) || !json_array_size(ctl_at(pod, "spec.resourceClaims")))
		return false;
	bool missing;
	json_t *claims = pod_claims(api, pod, &missing);
	json_t *slice = json_pack("{s:O}", "spec", tmpl);
	json_object_set_new(json_object_get(slice, "spec"), "nodeName", json_string(node));
	bool ok = !missing;
	size_t i;
	json_t *c;
	json_array_foreach(claims, i, c) {
		ok = ok && ctl_dra_claim_fits(api, c, slice);
	}
	json_decref(slice);
	json_decref(claims);
	return ok;
}

/* Left Unschedulable by the scheduler. */
static bool unschedulable(const json_t *pod)
{
	if (strcmp(ctl_pod_phase(pod), "Pending") != 0 || *ctl_s(pod, "spec.nodeName") ||
	    ctl_at(pod, "metadata.deletionTimestamp"))
		return false;
	size_t i;
	json_t *c;
	json_array_foreach(ctl_at(pod, "status.conditions"), i, c) {
		if (!strcmp(ctl_s(c, "type"), "PodScheduled") &&
		    !strcmp(ctl_s(c, "status"), "False") &&
		    !strcmp(ctl_s(c, "reason"), "Unschedulable"))
			return true;
	}
	return false;
}

static bool keep_unschedulable(const json_t *pod, void *arg)
{
	(void)arg;
	return unschedulable(pod);
}

/* ---- nodes of the groups ---- */

/* The group's template node NAME (new object), added for pod ns/name. */
static json_t *template_node(const json_t *group, const char *name, const char *trigger)
{
	json_t *labels = json_deep_copy(ctl_at(group, "labels"));
	if (!json_is_object(labels)) {
		json_decref(labels);
		labels = json_object();
	}
	json_object_set_new(labels, "kubernetes.io/hostname", json_string(name));
	json_object_set_new(labels, "kubernetes.io/os", json_string("linux"));
	char cidr[32], now[32];
	snprintf(cidr, sizeof cidr, "10.250.%u.0/24", (unsigned)(ctl_hash(name) % 250));
	ctl_now(now);
	json_t *cap = json_deep_copy(ctl_at(group, "capacity"));
	if (!json_is_object(cap)) {
		json_decref(cap);
		cap = json_object();
	}
	json_t *taints = json_deep_copy(ctl_at(group, "taints"));
	char *provider = xasprintf("kaic-sim://%s", name);
	json_t *node = json_pack(
	    "{s:s, s:s, s:{s:s, s:o, s:{s:s, s:s}}, s:{s:s, s:s, s:o}, "
	    "s:{s:O, s:o, s:[{s:s, s:s, s:s, s:s, s:s, s:s}], s:{s:s, s:s}}}",
	    "apiVersion", "v1", "kind", "Node", "metadata", "name", name, "labels", labels,
	    "annotations", GROUP_ANN, ctl_s(group, "name"), TRIGGER_ANN, trigger, "spec", "podCIDR",
	    cidr, "providerID", provider, "taints", json_is_array(taints) ? taints : json_array(),
	    "status", "capacity", cap, "allocatable", cap, "conditions", "type", "Ready", "status",
	    "True", "reason", "KubeletReady", "message", "kubelet is posting ready status",
	    "lastHeartbeatTime", now, "lastTransitionTime", now, "nodeInfo", "kubeletVersion",
	    "v1.34.1", "operatingSystem", "linux");
	free(provider); /* taints, labels and cap were stolen by the pack */
	return node;
}

/* The ResourceSlice the node of a group with a resourceSlice template publishes. */
static json_t *template_slice(const json_t *group, const char *node)
{
	json_t *spec = json_deep_copy(ctl_at(group, "resourceSlice"));
	json_object_set_new(spec, "nodeName", json_string(node));
	json_object_set_new(
	    spec, "pool",
	    json_pack("{s:s, s:i, s:i}", "name", node, "generation", 1, "resourceSliceCount", 1));
	char *name = xasprintf("%s-%s", node, ctl_s(spec, "driver"));
	json_t *s = json_pack("{s:s, s:s, s:{s:s}, s:o}", "apiVersion", DRA_GROUP "/v1", "kind",
			      "ResourceSlice", "metadata", "name", name, "spec", spec);
	free(name);
	return s;
}

/* How many nodes of the group exist; *added_for when one was added for trigger. */
static size_t group_size(const json_t *nodes, const char *group, const char *trigger,
			 bool *added_for)
{
	size_t n = 0, i;
	json_t *node;
	json_array_foreach(nodes, i, node) {
		const char *g = annotation(node, GROUP_ANN), *t = annotation(node, TRIGGER_ANN);
		if (t && !strcmp(t, trigger))
			*added_for = true;
		n += g && !strcmp(g, group);
	}
	return n;
}

/* ---- scale-up ---- */

/* Whether ns has an event of reason about the pod already. */
static bool has_event(struct sim_api *api, const json_t *pod, const char *reason)
{
	json_t *evs = ctl_list(api, "", "events", ctl_s(pod, "metadata.namespace"));
	bool found = false;
	size_t i;
	json_t *e;
	json_array_foreach(evs, i, e) {
		found =
		    found || (!strcmp(ctl_s(e, "reason"), reason) &&
			      !strcmp(ctl_s(e, "involvedObject.uid"), ctl_s(pod, "metadata.uid")));
	}
	json_decref(evs);
	return found;
}

/* Adds a node of group for pod; 0 or -1. */
static int add_node(struct sim_api *api, const json_t *pod, const json_t *group, json_t *node,
		    size_t size)
{
	const char *name = ctl_s(node, "metadata.name");
	if (json_is_object(ctl_at(group, "resourceSlice")) &&
	    ctl_create(api, template_slice(group, name)) != 0)
		return -1;
	if (ctl_create_status(api, "", "nodes", json_incref(node)) != 0)
		return -1;
	char *msg =
	    xasprintf("pod triggered scale-up: [{%s %zu->%zu (max: %lld)}]", ctl_s(group, "name"),
		      size, size + 1, (long long)json_integer_value(ctl_at(group, "maxSize")));
	ctl_event(api, pod, "Pod", "Normal", "TriggeredScaleUp", msg);
	free(msg);
	return 0;
}

/* Why group cannot take the pod (borrowed), or NULL when it can. */
static const char *group_refuses(struct sim_api *api, const json_t *pod, const json_t *group,
				 const json_t *node, size_t size)
{
	if (!asks_extended(pod, group) &&
	    !claims_fit(api, pod, group, ctl_s(node, "metadata.name")))
		return "no accelerator the pod asks for";
	if (!ctl_sched_fits(pod, node))
		return "node(s) didn't match Pod's node affinity/selector or taints";
	if ((long long)size >= json_integer_value(ctl_at(group, "maxSize")))
		return "max node group size reached";
	return NULL;
}

static void scale_up(struct sim_api *api, const json_t *pod, const json_t *groups,
		     const json_t *nodes)
{
	char *trigger =
	    xasprintf("%s/%s", ctl_s(pod, "metadata.namespace"), ctl_s(pod, "metadata.name"));
	bool added = false;
	const char *why = "no node group";
	size_t i;
	json_t *g;
	json_array_foreach(groups, i, g) {
		size_t size = group_size(nodes, ctl_s(g, "name"), trigger, &added);
		if (added)
			break;
		char rnd[6], *name;
		ctl_random(api, rnd, 5);
		name = xasprintf("%s-%s", ctl_s(g, "name"), rnd);
		json_t *node = template_node(g, name, trigger);
		why = group_refuses(api, pod, g, node, size);
		added = why == NULL && add_node(api, pod, g, node, size) == 0;
		json_decref(node);
		free(name);
		if (added)
			break;
	}
	if (!added && why != NULL && !has_event(api, pod, "NotTriggerScaleUp")) {
		char *msg =
		    xasprintf("pod didn't trigger scale-up: %zu %s", json_array_size(groups), why);
		ctl_event(api, pod, "Pod", "Normal", "NotTriggerScaleUp", msg);
		free(msg);
	}
	free(trigger);
}

/* ---- scale-down ---- */

/* Whether pod runs on node arg and is not a DaemonSet's or a mirror pod (kept none: a
 * ctl_list_filter callback counting into arg's "n"). */
static bool counts_on_node(const json_t *pod, void *arg)
{
	json_t *a = arg;
	const char *phase = ctl_s(pod, "status.phase");
	const char *node = json_string_value(json_object_get(a, "node"));
	if (!ctl_pod_evictable(pod, node) || !strcmp(phase, "Succeeded") ||
	    !strcmp(phase, "Failed"))
		return false;
	json_object_set_new(a, "n", json_integer(json_integer_value(json_object_get(a, "n")) + 1));
	return false;
}

static bool node_busy(struct sim_api *api, const json_t *node)
{
	json_t *a = json_pack("{s:s, s:i}", "node", ctl_s(node, "metadata.name"), "n", 0);
	json_decref(ctl_list_filter(api, "", "pods", counts_on_node, a));
	bool busy = json_integer_value(json_object_get(a, "n")) > 0;
	json_decref(a);
	return busy;
}

static bool tainted(const json_t *node)
{
	size_t i;
	json_t *t;
	json_array_foreach(ctl_at(node, "spec.taints"), i, t) {
		if (!strcmp(ctl_s(t, "key"), TBD_TAINT))
			return true;
	}
	return false;
}

/* Writes node with the unneeded annotation set to since (NULL: removed) and, when taint,
 * the ToBeDeletedByClusterAutoscaler taint. */
static void update_node(struct sim_api *api, const json_t *node, const char *since, bool taint)
{
	json_t *next = json_deep_copy(node);
	json_t *ann = ctl_at(next, "metadata.annotations");
	if (since)
		json_object_set_new(ann, UNNEEDED_ANN, json_string(since));
	else
		json_object_del(ann, UNNEEDED_ANN);
	if (taint) {
		json_t *spec = json_object_get(next, "spec");
		if (!json_is_array(json_object_get(spec, "taints")))
			json_object_set_new(spec, "taints", json_array());
		char v[32];
		snprintf(v, sizeof v, "%lld", (long long)time(NULL));
		json_array_append_new(json_object_get(spec, "taints"),
				      json_pack("{s:s, s:s, s:s}", "key", TBD_TAINT, "value", v,
						"effect", "NoSchedule"));
	}
	ctl_replace(api, "", "nodes", next);
}

static void remove_node(struct sim_api *api, const json_t *node)
{
	const char *name = ctl_s(node, "metadata.name");
	json_t *slices = ctl_list(api, DRA_GROUP, "resourceslices", NULL);
	size_t i;
	json_t *s;
	json_array_foreach(slices, i, s) {
		if (!strcmp(ctl_s(s, "spec.nodeName"), name))
			sim_api_delete(api, DRA_GROUP, "resourceslices", NULL,
				       ctl_s(s, "metadata.name"));
	}
	json_decref(slices);
	char *msg = xasprintf("Scale-down: node %s removed with drain", name);
	ctl_event(api, node, "Node", "Normal", "ScaleDownEmpty", msg);
	free(msg);
	sim_api_delete(api, "", "nodes", NULL, name);
}

/* One step of the scale-down of a node the autoscaler added. */
static void scale_down(struct sim_api *api, const json_t *node, long long delay_ms)
{
	const char *since = annotation(node, UNNEEDED_ANN);
	const char *off = annotation(node, DISABLED_ANN);
	if ((off && !strcmp(off, "true")) || node_busy(api, node)) {
		if (since)
			update_node(api, node, NULL, false);
		return;
	}
	if (!since) {
		char v[32];
		snprintf(v, sizeof v, "%lld", wall_ms());
		update_node(api, node, v, false);
	} else if (tainted(node)) {
		remove_node(api, node);
	} else if (wall_ms() - strtoll(since, NULL, 10) >= delay_ms) {
		update_node(api, node, since, true);
		ctl_event(api, node, "Node", "Normal", "ScaleDown",
			  "marked the node as toBeDeleted/unschedulable");
	}
}

/* ---- the controller ---- */

static void autoscaler_tick(struct sim_api *api)
{
	const json_t *groups = ctl_setting(api, NAME, "nodeGroups");
	if (!json_array_size(groups))
		return;
	json_t *nodes = ctl_list(api, "", "nodes", NULL);
	size_t i;
	json_t *x;
	if (ctl_setting_bool(api, NAME, "scaleUp", true)) {
		json_t *pods = ctl_list_filter(api, "", "pods", keep_unschedulable, NULL);
		json_array_foreach(pods, i, x) {
			scale_up(api, x, groups, nodes);
		}
		json_decref(pods);
	}
	const json_t *d = ctl_setting(api, NAME, "scaleDownDelaySeconds");
	long long delay = (json_is_number(d) ? (long long)(json_number_value(d) * 1000)
					     : DEFAULT_DELAY_S * 1000LL);
	json_array_foreach(nodes, i, x) {
		if (annotation(x, GROUP_ANN) && ctl_setting_bool(api, NAME, "scaleDown", true))
			scale_down(api, x, delay);
	}
	json_decref(nodes);
}

static void autoscaler_on_change(struct sim_api *api, const char *event, const json_t *obj)
{
	(void)api;
	(void)event;
	(void)obj; /* the tick (100 ms) acts: upstream scans every 10 s */
}

const struct sim_controller sim_controller_cluster_autoscaler = {
    .name = NAME,
    .group = "",
    .resource = "nodes",
    .on_change = autoscaler_on_change,
    .tick = autoscaler_tick,
};
