/* deployment.c: the Deployment and ReplicaSet controllers, as kube-controller-manager's:
 * a Deployment gets a ReplicaSet per pod template (named NAME-HASH, labelled
 * pod-template-hash like upstream), a changed template rolls to a new ReplicaSet and
 * scales the old ones down once the new one is available; a ReplicaSet keeps its number
 * of pods; both report status as upstream computes it. Objects loaded from the scenario
 * stay the snapshot they are until written through the API (as the lab runs them with
 * the workload controllers off; docs/sim-controllers.md). */

#include "controllers/deployment.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/meta.h"
#include "controllers/ctl_util.h"
#include "model/store.h"
#include "objects/admin.h"
#include "sim.h"
#include "util/xmalloc.h"

#define HASH_LABEL "pod-template-hash"
#define REVISION "deployment.kubernetes.io/revision"

/* Whether obj was written through the API after the scenario was loaded. */
static bool managed(struct sim_api *api, const json_t *obj)
{
	const char *rv = sim_meta_str(obj, "resourceVersion");
	pthread_mutex_lock(&api->mu);
	bool ok = !api->scenario_loading && rv && strtoull(rv, NULL, 10) > api->scenario_rv;
	pthread_mutex_unlock(&api->mu);
	return ok;
}

static long long int_at(const json_t *obj, const char *path, long long dflt)
{
	json_t *v = ctl_at(obj, path);
	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

/* The uid of the controller owner of obj when it is of kind, else NULL. */
static const json_t *controller_ref(const json_t *obj, const char *kind)
{
	size_t i;
	json_t *ref;
	json_array_foreach(ctl_at(obj, "metadata.ownerReferences"), i, ref) {
		if (json_is_true(json_object_get(ref, "controller")) &&
		    !strcmp(ctl_s(ref, "kind"), kind))
			return ref;
	}
	return NULL;
}

static bool owned_by(const json_t *obj, const char *kind, const json_t *owner)
{
	const json_t *ref = controller_ref(obj, kind);
	return ref && !strcmp(ctl_s(ref, "uid"), ctl_s(owner, "metadata.uid"));
}

static json_t *owner_ref(const json_t *owner, const char *kind)
{
	return json_pack("[{s:s, s:s, s:s, s:s, s:b, s:b}]", "apiVersion", "apps/v1", "kind",
			 kind, "name", ctl_s(owner, "metadata.name"), "uid",
			 ctl_s(owner, "metadata.uid"), "controller", 1, "blockOwnerDeletion", 1);
}

/* An IntOrString of a rolling update against n replicas ("25%" rounds up or down). */
static long long scaled(const json_t *v, long long n, bool up, long long dflt_pct)
{
	if (json_is_integer(v))
		return json_integer_value(v);
	long long pct = dflt_pct;
	if (json_is_string(v))
		pct = strtoll(json_string_value(v), NULL, 10);
	return up ? (pct * n + 99) / 100 : pct * n / 100;
}

/* The annotation key of obj (keys hold dots: ctl_at cannot reach them), or NULL. */
static const char *annotation(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(ctl_at(obj, "metadata.annotations"), key));
}

/* ---- ReplicaSets ---- */

struct pods {
	json_t *all; /* the ReplicaSet's active pods */
	long long ready;
};

static bool active_pod(const json_t *pod)
{
	const char *phase = ctl_pod_phase(pod);
	return !sim_meta_str(pod, "deletionTimestamp") && strcmp(phase, "Succeeded") != 0 &&
	       strcmp(phase, "Failed") != 0;
}

static void rs_pods(struct sim_api *api, const json_t *rs, struct pods *p)
{
	json_t *list = ctl_list(api, "", "pods", sim_meta_str(rs, "namespace"));
	p->all = json_array();
	p->ready = 0;
	size_t i;
	json_t *pod;
	json_array_foreach(list, i, pod) {
		if (!owned_by(pod, "ReplicaSet", rs) || !active_pod(pod))
			continue;
		json_array_append(p->all, pod);
		p->ready += ctl_pod_ready(pod);
	}
	json_decref(list);
}

static void rs_create_pod(struct sim_api *api, const json_t *rs)
{
	const json_t *tpl = ctl_at(rs, "spec.template");
	char rnd[6];
	ctl_random(api, rnd, 5);
	char *name = xasprintf("%s-%s", sim_meta_str(rs, "name"), rnd);
	json_t *md = json_deep_copy(json_object_get(tpl, "metadata"));
	if (!json_is_object(md)) {
		json_decref(md);
		md = json_object();
	}
	json_object_del(md, "creationTimestamp");
	json_object_set_new(md, "name", json_string(name));
	json_object_set_new(md, "generateName", json_sprintf("%s-", sim_meta_str(rs, "name")));
	json_object_set_new(md, "namespace", json_string(sim_meta_str(rs, "namespace")));
	json_object_set_new(md, "ownerReferences", owner_ref(rs, "ReplicaSet"));
	json_t *pod = json_pack("{s:s, s:s, s:o, s:O}", "apiVersion", "v1", "kind", "Pod",
				"metadata", md, "spec", json_object_get(tpl, "spec"));
	char *msg = xasprintf("Created pod: %s", name);
	if (ctl_create(api, pod) == 0)
		ctl_event(api, rs, "ReplicaSet", "Normal", "SuccessfulCreate", msg);
	free(msg);
	free(name);
}

/* Which pod to delete first: not ready before ready, then the newest (upstream's order,
 * abridged). */
static int delete_order(const void *a, const void *b)
{
	const json_t *pa = *(json_t *const *)a, *pb = *(json_t *const *)b;
	int ra = ctl_pod_ready(pa), rb = ctl_pod_ready(pb);
	if (ra != rb)
		return ra - rb;
	int c = strcmp(ctl_s(pb, "metadata.creationTimestamp"),
		       ctl_s(pa, "metadata.creationTimestamp"));
	return c ? c : strcmp(ctl_s(pb, "metadata.name"), ctl_s(pa, "metadata.name"));
}

static void rs_delete_pods(struct sim_api *api, const json_t *rs, json_t *pods, size_t n)
{
	size_t total = json_array_size(pods);
	json_t **v = xcalloc(total ? total : 1, sizeof(*v));
	for (size_t i = 0; i < total; i++)
		v[i] = json_array_get(pods, i);
	qsort(v, total, sizeof(*v), delete_order);
	for (size_t i = 0; i < n && i < total; i++) {
		const char *name = sim_meta_str(v[i], "name");
		char *msg = xasprintf("Deleted pod: %s", name);
		if (sim_api_delete(api, "", "pods", sim_meta_str(v[i], "namespace"), name) == 0)
			ctl_event(api, rs, "ReplicaSet", "Normal", "SuccessfulDelete", msg);
		free(msg);
	}
	free(v);
}

/* ReplicaSetStatus as Go writes it: replicas always, the other counts when non-zero. */
static json_t *rs_status(const json_t *rs, const struct pods *p)
{
	long long n = (long long)json_array_size(p->all);
	json_t *st = json_pack("{s:I}", "replicas", (json_int_t)n);
	if (n)
		json_object_set_new(st, "fullyLabeledReplicas", json_integer(n));
	if (p->ready) {
		json_object_set_new(st, "readyReplicas", json_integer(p->ready));
		json_object_set_new(st, "availableReplicas", json_integer(p->ready));
	}
	json_object_set_new(st, "observedGeneration",
			    json_integer(int_at(rs, "metadata.generation", 1)));
	return st;
}

static void rs_sync(struct sim_api *api, const char *ns, const char *name)
{
	json_t *rs = ctl_get(api, "apps", "replicasets", ns, name);
	if (!rs || !managed(api, rs) || sim_meta_str(rs, "deletionTimestamp")) {
		json_decref(rs);
		return;
	}
	struct pods p;
	rs_pods(api, rs, &p);
	long long want = int_at(rs, "spec.replicas", 1);
	long long have = (long long)json_array_size(p.all);
	for (long long i = have; i < want; i++)
		rs_create_pod(api, rs);
	if (have > want)
		rs_delete_pods(api, rs, p.all, (size_t)(have - want));
	if (have != want) {
		json_decref(p.all);
		rs_pods(api, rs, &p);
	}
	json_t *st = rs_status(rs, &p);
	if (!json_equal(st, json_object_get(rs, "status"))) {
		json_t *next = json_copy(rs);
		json_object_set_new(next, "status", st);
		ctl_replace(api, "apps", "replicasets", next);
	} else {
		json_decref(st);
	}
	json_decref(p.all);
	json_decref(rs);
}

/* ---- Deployments ---- */

/* Upstream's rand.SafeEncodeString of the decimal FNV-32a hash of the template. */
static void template_hash(const json_t *tpl, char out[16])
{
	static const char alnum[] = "bcdfghjklmnpqrstvwxz2456789";
	char *s = json_dumps(tpl, JSON_COMPACT | JSON_SORT_KEYS);
	uint32_t h = 2166136261u;
	for (const char *p = s ? s : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	free(s);
	char dec[16];
	snprintf(dec, sizeof(dec), "%u", h);
	size_t i = 0;
	for (; dec[i]; i++)
		out[i] = alnum[(unsigned char)dec[i] % (sizeof(alnum) - 1)];
	out[i] = 0;
}

/* Whether the ReplicaSet's template is the Deployment's, its hash label aside. */
static bool same_template(const json_t *rs, const json_t *tpl)
{
	json_t *t = json_deep_copy(ctl_at(rs, "spec.template"));
	json_t *labels = ctl_at(t, "metadata.labels");
	json_object_del(labels, HASH_LABEL);
	if (labels && json_object_size(labels) == 0 && !ctl_at(tpl, "metadata.labels"))
		json_object_del(json_object_get(t, "metadata"), "labels");
	bool eq = json_equal(t, tpl);
	json_decref(t);
	return eq;
}

static json_t *new_rs(const json_t *d, const char *hash, long long replicas, long long revision,
		      long long max_replicas)
{
	json_t *tpl = json_deep_copy(ctl_at(d, "spec.template"));
	json_t *md = json_object_get(tpl, "metadata");
	if (!json_is_object(md)) {
		md = json_object();
		json_object_set_new(tpl, "metadata", md);
	}
	json_t *labels = json_object_get(md, "labels");
	if (!json_is_object(labels)) {
		labels = json_object();
		json_object_set_new(md, "labels", labels);
	}
	json_object_set_new(labels, HASH_LABEL, json_string(hash));
	json_t *sel = json_deep_copy(ctl_at(d, "spec.selector"));
	if (!json_is_object(sel)) {
		json_decref(sel);
		sel = json_object();
	}
	json_t *ml = json_object_get(sel, "matchLabels");
	if (!json_is_object(ml)) {
		ml = json_object();
		json_object_set_new(sel, "matchLabels", ml);
	}
	json_object_set_new(ml, HASH_LABEL, json_string(hash));
	json_t *ann = json_object();
	json_object_set_new(ann, "deployment.kubernetes.io/desired-replicas",
			    json_sprintf("%lld", int_at(d, "spec.replicas", 1)));
	json_object_set_new(ann, "deployment.kubernetes.io/max-replicas",
			    json_sprintf("%lld", max_replicas));
	json_object_set_new(ann, REVISION, json_sprintf("%lld", revision));
	json_t *rs = json_pack(
	    "{s:s, s:s, s:{s:o, s:s, s:O, s:o, s:o}, s:{s:I, s:o, s:o}}", "apiVersion", "apps/v1",
	    "kind", "ReplicaSet", "metadata", "name", json_sprintf("%s-%s", ctl_s(d, "metadata.name"), hash),
	    "namespace", ctl_s(d, "metadata.namespace"), "labels", labels, "annotations", ann,
	    "ownerReferences", owner_ref(d, "Deployment"), "spec", "replicas", (json_int_t)replicas,
	    "selector", sel, "template", tpl);
	long long mrs = int_at(d, "spec.minReadySeconds", 0);
	if (mrs)
		json_object_set_new(json_object_get(rs, "spec"), "minReadySeconds", json_integer(mrs));
	return rs;
}

static void set_replicas(struct sim_api *api, const json_t *d, const json_t *rs, long long n)
{
	long long cur = int_at(rs, "spec.replicas", 1);
	if (cur == n)
		return;
	json_t *next = json_deep_copy(rs);
	json_object_set_new(json_object_get(next, "spec"), "replicas", json_integer(n));
	json_t *ann = ctl_at(next, "metadata.annotations");
	if (json_is_object(ann))
		json_object_set_new(ann, "deployment.kubernetes.io/desired-replicas",
				    json_sprintf("%lld", int_at(d, "spec.replicas", 1)));
	if (ctl_replace(api, "apps", "replicasets", next) == 0) {
		char *msg = xasprintf("Scaled %s replica set %s from %lld to %lld",
				      n > cur ? "up" : "down", sim_meta_str(rs, "name"), cur, n);
		ctl_event(api, d, "Deployment", "Normal", "ScalingReplicaSet", msg);
		free(msg);
	}
}

/* Sets condition type in conds as upstream: lastUpdateTime moves when anything of it
 * changes, lastTransitionTime when its status does. */
static void condition(json_t *conds, const json_t *old, const char *type, bool ok,
		      const char *reason, const char *message)
{
	char now[32];
	ctl_now(now);
	const char *status = ok ? "True" : "False";
	json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", type, "status", status,
			      "lastUpdateTime", now, "lastTransitionTime", now, "reason", reason,
			      "message", message);
	size_t i;
	json_t *o;
	json_array_foreach(old, i, o) {
		if (strcmp(ctl_s(o, "type"), type) != 0)
			continue;
		if (!strcmp(ctl_s(o, "status"), status)) {
			json_object_set(c, "lastTransitionTime", json_object_get(o, "lastTransitionTime"));
			if (!strcmp(ctl_s(o, "reason"), reason) && !strcmp(ctl_s(o, "message"), message))
				json_object_set(c, "lastUpdateTime", json_object_get(o, "lastUpdateTime"));
		}
	}
	json_array_append_new(conds, c);
}

struct rollout {
	json_t *rses;	  /* the Deployment's ReplicaSets */
	const json_t *nrs; /* the one of the current template, or NULL */
	long long revision; /* the highest revision among them */
};

static void find_rses(struct sim_api *api, const json_t *d, struct rollout *r)
{
	json_t *list = ctl_list(api, "apps", "replicasets", ctl_s(d, "metadata.namespace"));
	const json_t *tpl = ctl_at(d, "spec.template");
	r->rses = json_array();
	r->nrs = NULL;
	r->revision = 0;
	size_t i;
	json_t *rs;
	json_array_foreach(list, i, rs) {
		if (!owned_by(rs, "Deployment", d))
			continue;
		json_array_append(r->rses, rs);
		const char *rev = annotation(rs, REVISION);
		long long n = rev ? strtoll(rev, NULL, 10) : 0;
		if (n > r->revision)
			r->revision = n;
		if (!r->nrs && same_template(rs, tpl))
			r->nrs = rs;
	}
	json_decref(list);
}

static json_t *dep_status(const json_t *d, const struct rollout *r, long long max_unavail)
{
	long long want = int_at(d, "spec.replicas", 1);
	long long replicas = 0, ready = 0, avail = 0, updated = 0;
	size_t i;
	json_t *rs;
	json_array_foreach(r->rses, i, rs) {
		replicas += int_at(rs, "status.replicas", 0);
		ready += int_at(rs, "status.readyReplicas", 0);
		avail += int_at(rs, "status.availableReplicas", 0);
	}
	if (r->nrs)
		updated = int_at(r->nrs, "status.replicas", 0);
	json_t *st = json_pack("{s:I}", "observedGeneration",
			       (json_int_t)int_at(d, "metadata.generation", 1));
	if (replicas)
		json_object_set_new(st, "replicas", json_integer(replicas));
	if (updated)
		json_object_set_new(st, "updatedReplicas", json_integer(updated));
	if (ready)
		json_object_set_new(st, "readyReplicas", json_integer(ready));
	if (avail)
		json_object_set_new(st, "availableReplicas", json_integer(avail));
	if (want - avail > 0)
		json_object_set_new(st, "unavailableReplicas", json_integer(want - avail));
	const json_t *old = ctl_at(d, "status.conditions");
	json_t *conds = json_array();
	bool ok = avail >= want - max_unavail;
	condition(conds, old, "Available", ok,
		  ok ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
		  ok ? "Deployment has minimum availability."
		     : "Deployment does not have minimum availability.");
	const char *nname = r->nrs ? sim_meta_str(r->nrs, "name") : "";
	bool done = r->nrs && updated == want && replicas == want && avail == want;
	char *msg = xasprintf(done ? "ReplicaSet \"%s\" has successfully progressed."
				   : "ReplicaSet \"%s\" is progressing.",
			      nname);
	condition(conds, old, "Progressing", true, done ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
		  msg);
	free(msg);
	json_object_set_new(st, "conditions", conds);
	return st;
}

static void dep_sync(struct sim_api *api, const char *ns, const char *name)
{
	json_t *d = ctl_get(api, "apps", "deployments", ns, name);
	if (!d || !managed(api, d) || sim_meta_str(d, "deletionTimestamp") ||
	    json_is_true(ctl_at(d, "spec.paused"))) {
		json_decref(d);
		return;
	}
	long long want = int_at(d, "spec.replicas", 1);
	const json_t *ru = ctl_at(d, "spec.strategy.rollingUpdate");
	bool recreate = !strcmp(ctl_s(d, "spec.strategy.type"), "Recreate");
	long long surge = recreate ? 0 : scaled(json_object_get(ru, "maxSurge"), want, true, 25);
	long long unavail =
	    recreate ? 0 : scaled(json_object_get(ru, "maxUnavailable"), want, false, 25);
	if (!recreate && surge == 0 && unavail == 0)
		unavail = 1;
	struct rollout r;
	find_rses(api, d, &r);
	long long old_pods = 0;
	size_t i;
	json_t *rs;
	json_array_foreach(r.rses, i, rs) {
		if (rs != r.nrs)
			old_pods += int_at(rs, "status.replicas", 0);
	}
	if (!r.nrs) {
		char hash[16];
		template_hash(ctl_at(d, "spec.template"), hash);
		long long n = recreate && old_pods ? 0 : want;
		json_t *nrs = new_rs(d, hash, n, r.revision + 1, want + surge);
		char *msg = xasprintf("Scaled up replica set %s-%s from 0 to %lld",
				      ctl_s(d, "metadata.name"), hash, n);
		if (ctl_create(api, nrs) == 0)
			ctl_event(api, d, "Deployment", "Normal", "ScalingReplicaSet", msg);
		free(msg);
	} else {
		/* the new ReplicaSet to the wanted size (Recreate: once the old pods are gone) */
		if (!recreate || old_pods == 0)
			set_replicas(api, d, r.nrs, want);
		/* the old ones down once the new one is available (Recreate: at once) */
		bool ready = int_at(r.nrs, "status.availableReplicas", 0) >= want;
		json_array_foreach(r.rses, i, rs) {
			if (rs != r.nrs && (recreate || ready))
				set_replicas(api, d, rs, 0);
		}
	}
	json_t *st = dep_status(d, &r, unavail);
	json_t *next = NULL;
	if (!json_equal(st, json_object_get(d, "status"))) {
		next = json_copy(d);
		json_object_set_new(next, "status", st);
	} else {
		json_decref(st);
	}
	char rev[24];
	snprintf(rev, sizeof(rev), "%lld", r.nrs ? r.revision : r.revision + 1);
	const char *have = annotation(d, REVISION);
	if (r.nrs && (!have || strcmp(have, rev) != 0)) {
		const char *nrev = annotation(r.nrs, REVISION);
		if (!next)
			next = json_copy(d);
		json_t *md = json_deep_copy(json_object_get(next, "metadata"));
		json_t *ann = json_object_get(md, "annotations");
		if (!json_is_object(ann)) {
			ann = json_object();
			json_object_set_new(md, "annotations", ann);
		}
		json_object_set_new(ann, REVISION, json_string(nrev ? nrev : rev));
		json_object_set_new(next, "metadata", md);
	}
	if (next)
		ctl_replace(api, "apps", "deployments", next);
	json_decref(r.rses);
	json_decref(d);
}

/* ---- events ---- */

static void deployment_on_change(struct sim_api *api, const char *event, const json_t *obj)
{
	if (strcmp(event, "DELETED") != 0)
		dep_sync(api, sim_meta_str(obj, "namespace"), sim_meta_str(obj, "name"));
}

static void replicaset_on_change(struct sim_api *api, const char *event, const json_t *obj)
{
	const char *ns = sim_meta_str(obj, "namespace");
	if (strcmp(event, "DELETED") != 0)
		rs_sync(api, ns, sim_meta_str(obj, "name"));
	const json_t *ref = controller_ref(obj, "Deployment");
	if (ref)
		dep_sync(api, ns, ctl_s(ref, "name"));
}

static void pod_on_change(struct sim_api *api, const char *event, const json_t *obj)
{
	(void)event;
	const json_t *ref = controller_ref(obj, "ReplicaSet");
	if (ref)
		rs_sync(api, sim_meta_str(obj, "namespace"), ctl_s(ref, "name"));
}

const struct sim_controller sim_controller_deployments = {
    .name = "deployment",
    .group = "apps",
    .resource = "deployments",
    .on_change = deployment_on_change,
};

const struct sim_controller sim_controller_replicasets = {
    .name = "deployment",
    .group = "apps",
    .resource = "replicasets",
    .on_change = replicaset_on_change,
};

const struct sim_controller sim_controller_replicaset_pods = {
    .name = "deployment",
    .group = "",
    .resource = "pods",
    .on_change = pod_on_change,
};
