/* scheduler.c: the simulated kube-scheduler. A Pending pod without spec.nodeName (and
 * for the default scheduler) is bound to a Ready, schedulable node whose taints it
 * tolerates, that satisfies its nodeSelector, required node affinity and extended
 * resource requests, and, for pods with resourceClaims, the node of the allocated
 * devices (allocating the claims through the DRA allocator). Pods that cannot be placed
 * get PodScheduled=False reason Unschedulable with the real scheduler's style of message
 * and a FailedScheduling event; they are retried every tick. The node is picked by a
 * hash of the pod's namespace and name among the feasible ones (deterministic). */

#include "controllers/scheduler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/meta.h"
#include "controllers/ctl_util.h"
#include "controllers/dra.h"
#include "sim.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#define SCHED_NAME "scheduler"

static bool sched_wants(const json_t *pod)
{
	const char *sn = ctl_str(pod, "spec.schedulerName");
	return json_is_object(pod) && !sim_meta_str(pod, "deletionTimestamp") &&
	       !strcmp(ctl_pod_phase(pod), "Pending") && !*ctl_s(pod, "spec.nodeName") &&
	       (!sn || !strcmp(sn, "default-scheduler")) &&
	       !json_array_size(ctl_at(pod, "spec.schedulingGates"));
}

static bool sched_keep(const json_t *pod, void *arg)
{
	(void)arg;
	return sched_wants(pod);
}

static bool node_ready(const json_t *node)
{
	const char *st = ctl_condition_status(node, "Ready");
	return st && !strcmp(st, "True") && !json_is_true(ctl_at(node, "spec.unschedulable"));
}

static bool tolerates(const json_t *pod, const json_t *taint)
{
	const char *effect = ctl_s(taint, "effect");
	if (strcmp(effect, "NoSchedule") != 0 && strcmp(effect, "NoExecute") != 0)
		return true;
	size_t i;
	json_t *t;
	json_array_foreach(ctl_at(pod, "spec.tolerations"), i, t) {
		const char *key = ctl_s(t, "key"), *op = ctl_s(t, "operator");
		const char *te = ctl_s(t, "effect");
		if (*te && strcmp(te, effect) != 0)
			continue;
		if (!*key && !strcmp(op, "Exists"))
			return true;
		if (strcmp(key, ctl_s(taint, "key")) != 0)
			continue;
		if (!strcmp(op, "Exists") || !strcmp(ctl_s(t, "value"), ctl_s(taint, "value")))
			return true;
	}
	return false;
}

static bool taints_ok(const json_t *pod, const json_t *node)
{
	size_t i;
	json_t *t;
	json_array_foreach(ctl_at(node, "spec.taints"), i, t) {
		if (!tolerates(pod, t))
			return false;
	}
	return true;
}

/* A node selector requirement against labels (or fields: metadata.name). */
static bool req_match(const json_t *req, const json_t *labels)
{
	const char *op = ctl_s(req, "operator");
	if (!strcmp(op, "Gt") || !strcmp(op, "Lt")) {
		const char *have = json_string_value(json_object_get(labels, ctl_s(req, "key")));
		const char *want = json_string_value(json_array_get(ctl_at(req, "values"), 0));
		if (!have || !want)
			return false;
		long h = strtol(have, NULL, 10), w = strtol(want, NULL, 10);
		return !strcmp(op, "Gt") ? h > w : h < w;
	}
	json_t *e =
	    json_pack("{s:s, s:s, s:O}", "key", ctl_s(req, "key"), "operator", op, "values",
		      json_is_array(ctl_at(req, "values")) ? ctl_at(req, "values") : json_null());
	json_t *sel = json_pack("{s:[o]}", "matchExpressions", e);
	bool ok = ctl_selector_match(sel, labels);
	json_decref(sel);
	return ok;
}

/* Whether node satisfies one NodeSelectorTerm (matchExpressions and matchFields). */
static bool term_match(const json_t *term, const json_t *node)
{
	if (!json_is_object(term))
		return false;
	json_t *labels = ctl_at(node, "metadata.labels");
	json_t *fields = json_pack("{s:s}", "metadata.name", ctl_s(node, "metadata.name"));
	bool ok = true;
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(term, "matchExpressions"), i, r) {
		ok = ok && req_match(r, labels);
	}
	json_array_foreach(json_object_get(term, "matchFields"), i, r) {
		ok = ok && req_match(r, fields);
	}
	json_decref(fields);
	return ok;
}

/* Whether node satisfies a NodeSelector (any of its terms); NULL selector: true. */
static bool node_selector_match(const json_t *ns, const json_t *node)
{
	json_t *terms = json_object_get(ns, "nodeSelectorTerms");
	if (!ns)
		return true;
	size_t i;
	json_t *t;
	json_array_foreach(terms, i, t) {
		if (term_match(t, node))
			return true;
	}
	return false;
}

static bool affinity_ok(const json_t *pod, const json_t *node)
{
	const char *k;
	json_t *v;
	json_t *labels = ctl_at(node, "metadata.labels");
	json_object_foreach(ctl_at(pod, "spec.nodeSelector"), k, v) {
		const char *have = json_string_value(json_object_get(labels, k));
		if (!have || !json_is_string(v) || strcmp(have, json_string_value(v)) != 0)
			return false;
	}
	json_t *req = ctl_at(pod, "spec.affinity.nodeAffinity");
	req = json_object_get(req, "requiredDuringSchedulingIgnoredDuringExecution");
	return node_selector_match(req, node);
}

/* Extended resources (not cpu, memory, storage, hugepages) must be in allocatable. */
static bool resources_ok(const json_t *pod, const json_t *node)
{
	size_t i;
	json_t *c;
	json_array_foreach(ctl_at(pod, "spec.containers"), i, c) {
		const char *k;
		json_t *v;
		json_object_foreach(ctl_at(c, "resources.requests"), k, v) {
			if (!ctl_extended_resource(k))
				continue;
			const char *have = json_string_value(
			    json_object_get(ctl_at(node, "status.allocatable"), k));
			long want = json_is_integer(v)	? (long)json_integer_value(v)
				    : json_is_string(v) ? strtol(json_string_value(v), NULL, 10)
							: 1;
			if (!have || strtol(have, NULL, 10) < want)
				return false;
		}
	}
	return true;
}

/* The claim names of the pod's resourceClaims (new array); *pending when some generated
 * claim does not exist yet. */
static json_t *pod_claims(const json_t *pod, bool *pending)
{
	json_t *r = json_array();
	*pending = false;
	size_t i, j;
	json_t *c, *s;
	json_array_foreach(ctl_at(pod, "spec.resourceClaims"), i, c) {
		const char *direct = ctl_str(c, "resourceClaimName");
		const char *found = NULL;
		json_array_foreach(ctl_at(pod, "status.resourceClaimStatuses"), j, s) {
			if (!strcmp(ctl_s(s, "name"), ctl_s(c, "name")))
				found = ctl_str(s, "resourceClaimName");
		}
		const char *name = direct ? direct : found;
		if (name)
			json_array_append_new(r, json_string(name));
		else
			*pending = true;
	}
	return r;
}

struct sched_why {
	int not_ready, taints, affinity, resources, pods, claims;
};

/* Counts the active pods bound to each node into the object arg (node -> count); keeps
 * none (a ctl_list_filter callback, under the store lock). */
static bool count_bound(const json_t *pod, void *arg)
{
	const char *node = ctl_str(pod, "spec.nodeName");
	const char *phase = ctl_s(pod, "status.phase");
	if (node && *node && strcmp(phase, "Succeeded") != 0 && strcmp(phase, "Failed") != 0) {
		json_t *n = json_object_get(arg, node);
		json_object_set_new(arg, node, json_integer(json_integer_value(n) + 1));
	}
	return false;
}

/* The kubelet's pod limit: allocatable "pods" (when given) bounds the pods bound there. */
static bool pods_fit(const json_t *node, const json_t *counts)
{
	const char *max = ctl_str(node, "status.allocatable.pods");
	json_t *have = json_object_get(counts, ctl_s(node, "metadata.name"));
	return !max || json_integer_value(have) < strtol(max, NULL, 10);
}

/* What the PostFilter plugins add (1.34, 1.35): DRA's "no new claims to deallocate" for
 * a pod without claims, then preemption's verdict per node: nodes short of room could
 * be freed by evicting lower-priority pods (there are none), the others cannot. */
static void postfilter_text(const struct sched_why *w, size_t nnodes, bool has_claims,
			    struct buf *b)
{
	int room = w->resources + w->pods;
	int hopeless = (int)nnodes - room;
	if (w->claims || nnodes == 0)
		return;
	buf_addf(b, " %spreemption: 0/%zu nodes are available:",
		 has_claims ? "" : "no new claims to deallocate, ", nnodes);
	if (room)
		buf_addf(b, " %d No preemption victims found for incoming pod", room);
	if (hopeless)
		buf_addf(b, "%s %d Preemption is not helpful for scheduling", room ? "," : "",
			 hopeless);
	buf_adds(b, ".");
}

static char *why_text(const struct sched_why *w, size_t nnodes, const char *claim_why,
		      bool has_claims)
{
	struct buf b = BUF_INIT;
	if (nnodes == 0) /* kube-scheduler's words when the cluster has no node at all */
		return xstrdup("no nodes available to schedule pods");
	buf_addf(&b, "0/%zu nodes are available:", nnodes);
	const char *sep = " ";
	if (w->claims) {
		buf_addf(&b, "%s%d cannot allocate all claims", sep, w->claims);
		sep = ", ";
	}
	if (w->not_ready) {
		buf_addf(&b, "%s%d node(s) were not ready or unschedulable", sep, w->not_ready);
		sep = ", ";
	}
	if (w->taints) {
		buf_addf(&b, "%s%d node(s) had untolerated taint(s)", sep, w->taints);
		sep = ", ";
	}
	if (w->affinity) {
		buf_addf(&b, "%s%d node(s) didn't match Pod's node affinity/selector", sep,
			 w->affinity);
		sep = ", ";
	}
	if (w->resources) {
		buf_addf(&b, "%s%d Insufficient extended resources", sep, w->resources);
		sep = ", ";
	}
	if (w->pods)
		buf_addf(&b, "%s%d Too many pods", sep, w->pods);
	buf_adds(&b, ".");
	if (claim_why)
		buf_addf(&b, " %s", claim_why);
	postfilter_text(w, nnodes, has_claims, &b);
	return buf_detach(&b, NULL);
}

/* Records the pod as unschedulable (condition and, when new, an event). */
static void unschedulable(struct sim_api *api, const json_t *pod, const char *reason,
			  const char *msg)
{
	json_t *next = json_deep_copy(pod);
	json_t *st = json_object_get(next, "status");
	if (!json_is_object(st)) {
		st = json_object();
		json_object_set_new(next, "status", st);
	}
	bool same = false;
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(st, "conditions"), i, c) {
		if (!strcmp(ctl_s(c, "type"), "PodScheduled") && !strcmp(ctl_s(c, "message"), msg))
			same = true;
	}
	if (same) {
		json_decref(next);
		return;
	}
	ctl_condition(st, "PodScheduled", "False", reason, msg, -1);
	if (ctl_replace(api, "", "pods", next) == 0)
		ctl_event(api, pod, "Pod", "Warning", "FailedScheduling", msg);
}

static void bind_pod(struct sim_api *api, const json_t *pod, const char *node)
{
	json_t *next = json_deep_copy(pod);
	json_object_set_new(json_object_get(next, "spec"), "nodeName", json_string(node));
	json_t *st = json_object_get(next, "status");
	if (!json_is_object(st)) {
		st = json_object();
		json_object_set_new(next, "status", st);
	}
	ctl_condition(st, "PodScheduled", "True", "", "", -1);
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(st, "conditions"), i, c) {
		if (!strcmp(ctl_s(c, "type"), "PodScheduled")) {
			json_object_del(c, "reason");
			json_object_del(c, "message");
		}
	}
	if (ctl_replace(api, "", "pods", next) == 0) {
		char *msg =
		    xasprintf("Successfully assigned %s/%s to %s", ctl_s(pod, "metadata.namespace"),
			      ctl_s(pod, "metadata.name"), node);
		ctl_event(api, pod, "Pod", "Normal", "Scheduled", msg);
		free(msg);
	}
}

bool ctl_sched_fits(const json_t *pod, const json_t *node)
{
	return taints_ok(pod, node) && affinity_ok(pod, node) && resources_ok(pod, node);
}

/* The nodes the pod fits, but for its claims (a set of names: a new object). */
static json_t *fitting_nodes(const json_t *pod, const json_t *nodes, const json_t *counts)
{
	json_t *set = json_object();
	size_t i;
	json_t *node;
	json_array_foreach(nodes, i, node) {
		if (node_ready(node) && ctl_sched_fits(pod, node) && pods_fit(node, counts))
			json_object_set_new(set, ctl_s(node, "metadata.name"), json_true());
	}
	return set;
}

/* Allocates every claim of the pod on one of the nodes of allowed; returns the node
 * selector the devices need (a new reference, json_null() when none), or NULL with *why
 * when not possible. */
static json_t *claims_node(struct sim_api *api, const json_t *pod, const json_t *claims,
			   const json_t *allowed, char **why)
{
	const char *ns = ctl_s(pod, "metadata.namespace");
	json_t *sel = json_null();
	size_t i;
	json_t *n;
	json_array_foreach(claims, i, n) {
		int rc = ctl_dra_allocate_on(api, ns, json_string_value(n), allowed, why);
		if (rc <= 0) {
			if (rc < 0)
				*why = xasprintf("resourceclaim \"%s\" not found",
						 json_string_value(n));
			json_decref(sel);
			return NULL;
		}
		json_t *claim =
		    ctl_get(api, "resource.k8s.io", "resourceclaims", ns, json_string_value(n));
		json_t *ns_sel = ctl_at(claim, "status.allocation.nodeSelector");
		if (json_is_object(ns_sel)) {
			json_decref(sel);
			sel = json_deep_copy(ns_sel);
		}
		json_decref(claim);
	}
	return sel;
}

/* 1 with *why (a char **) when claim keeps the pod from being scheduled: missing, or
 * unbound without WaitForFirstConsumer (a ctl_pod_pvcs visitor). */
static int claim_blocks(struct sim_api *api, const char *claim, const json_t *pvc, void *arg)
{
	char **why = arg;
	if (!pvc) {
		*why = xasprintf("persistentvolumeclaim \"%s\" not found", claim);
		return 1;
	}
	bool bound = !strcmp(ctl_s(pvc, "status.phase"), "Bound");
	const char *cls = ctl_str(pvc, "spec.storageClassName");
	json_t *sc = cls ? ctl_get(api, "storage.k8s.io", "storageclasses", NULL, cls) : NULL;
	bool wait = !strcmp(ctl_s(sc, "volumeBindingMode"), "WaitForFirstConsumer");
	json_decref(sc);
	if (bound || wait)
		return 0;
	*why = xstrdup("pod has unbound immediate PersistentVolumeClaims");
	return 1;
}

/* Whether the pod's PersistentVolumeClaims allow scheduling; NULL or a message. */
static char *volumes_why(struct sim_api *api, const json_t *pod)
{
	char *why = NULL;
	ctl_pod_pvcs(api, pod, claim_blocks, &why);
	return why;
}

static void schedule(struct sim_api *api, const json_t *pod)
{
	char *vwhy = volumes_why(api, pod);
	if (vwhy) {
		unschedulable(api, pod, "Unschedulable", vwhy);
		free(vwhy);
		return;
	}
	bool pending;
	json_t *claims = pod_claims(pod, &pending);
	if (pending) {
		json_decref(claims);
		unschedulable(api, pod, "Unschedulable",
			      "waiting for the pod's resource claims to be created");
		return;
	}
	char *claim_why = NULL;
	json_t *nodes = ctl_list(api, "", "nodes", NULL);
	json_t *counts = json_object();
	json_decref(ctl_list_filter(api, "", "pods", count_bound, counts));
	json_t *allowed = fitting_nodes(pod, nodes, counts);
	/* claims are allocated on a node the pod fits (none: the other reasons are told) */
	json_t *claim_sel = json_array_size(claims) && json_object_size(allowed)
				? claims_node(api, pod, claims, allowed, &claim_why)
				: json_null();
	json_decref(allowed);
	json_t *feasible = json_array();
	struct sched_why w = {0};
	size_t i;
	json_t *node;
	json_array_foreach(nodes, i, node) {
		if (!claim_sel)
			w.claims++;
		else if (!node_ready(node))
			w.not_ready++;
		else if (!taints_ok(pod, node))
			w.taints++;
		else if (!affinity_ok(pod, node) ||
			 (!json_is_null(claim_sel) && !node_selector_match(claim_sel, node)))
			w.affinity++;
		else if (!resources_ok(pod, node))
			w.resources++;
		else if (!pods_fit(node, counts))
			w.pods++;
		else
			json_array_append(feasible, node);
	}
	size_t nf = json_array_size(feasible);
	if (nf == 0) {
		char *msg =
		    why_text(&w, json_array_size(nodes), claim_why, json_array_size(claims) > 0);
		unschedulable(api, pod, "Unschedulable", msg);
		free(msg);
	} else {
		char key[600];
		snprintf(key, sizeof(key), "%s/%s", ctl_s(pod, "metadata.namespace"),
			 ctl_s(pod, "metadata.name"));
		const json_t *pick = json_array_get(feasible, ctl_hash(key) % nf);
		size_t k;
		json_t *n;
		json_array_foreach(claims, k, n) {
			ctl_dra_reserve(api, ctl_s(pod, "metadata.namespace"), json_string_value(n),
					pod);
		}
		bind_pod(api, pod, ctl_s(pick, "metadata.name"));
	}
	free(claim_why);
	json_decref(claim_sel);
	json_decref(feasible);
	json_decref(counts);
	json_decref(nodes);
	json_decref(claims);
}

static void scheduler_on_change(struct sim_api *api, const char *event, const json_t *obj)
{
	if (strcmp(event, "DELETED") != 0 && sched_wants(obj)) {
		/* act on the current state: the event may be stale */
		json_t *pod = ctl_get(api, "", "pods", sim_meta_str(obj, "namespace"),
				      sim_meta_str(obj, "name"));
		if (pod && sched_wants(pod))
			schedule(api, pod);
		json_decref(pod);
	}
}

static void scheduler_tick(struct sim_api *api)
{
	json_t *pods = ctl_scan(api, "", "pods", sched_keep, NULL, CTL_SCAN_SCHEDULER);
	size_t i;
	json_t *pod;
	json_array_foreach(pods, i, pod) {
		schedule(api, pod);
	}
	json_decref(pods);
}

const struct sim_controller sim_controller_scheduler = {
    .name = SCHED_NAME,
    .group = "",
    .resource = "pods",
    .on_change = scheduler_on_change,
    .tick = scheduler_tick,
};
