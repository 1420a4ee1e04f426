/* replicaset.c: the ReplicaSet controller, as kube-controller-manager's: a ReplicaSet
 * keeps spec.replicas pods of its template (NAME-xxxxx, owned by it), deletes the
 * surplus (not ready, then newest first) and reports its status; plus the helpers the
 * Deployment controller shares (replicaset.h). Objects loaded from the scenario stay the
 * snapshot they are until written through the API. */

#include "controllers/replicaset.h"

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

/* Whether obj was written through the API after the scenario was loaded. */
bool wl_managed(struct sim_api *api, const json_t *obj)
{
	const char *rv = sim_meta_str(obj, "resourceVersion");
	pthread_mutex_lock(&api->mu);
	bool ok = !api->scenario_loading && rv && strtoull(rv, NULL, 10) > api->scenario_rv;
	pthread_mutex_unlock(&api->mu);
	return ok;
}

long long wl_int(const json_t *obj, const char *path, long long dflt)
{
	json_t *v = ctl_at(obj, path);
	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

/* The uid of the controller owner of obj when it is of kind, else NULL. */
const json_t *wl_controller_ref(const json_t *obj, const char *kind)
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

bool wl_owned_by(const json_t *obj, const char *kind, const json_t *owner)
{
	const json_t *ref = wl_controller_ref(obj, kind);
	return ref && !strcmp(ctl_s(ref, "uid"), ctl_s(owner, "metadata.uid"));
}

json_t *wl_owner_ref(const json_t *owner, const char *kind)
{
	return json_pack("[{s:s, s:s, s:s, s:s, s:b, s:b}]", "apiVersion", "apps/v1", "kind", kind,
			 "name", ctl_s(owner, "metadata.name"), "uid", ctl_s(owner, "metadata.uid"),
			 "controller", 1, "blockOwnerDeletion", 1);
}

/* An IntOrString of a rolling update against n replicas ("25%" rounds up or down). */
long long wl_scaled(const json_t *v, long long n, bool up, long long dflt_pct)
{
	if (json_is_integer(v))
		return json_integer_value(v);
	long long pct = dflt_pct;
	if (json_is_string(v))
		pct = strtoll(json_string_value(v), NULL, 10);
	return up ? (pct * n + 99) / 100 : pct * n / 100;
}

/* The annotation key of obj (keys hold dots: ctl_at cannot reach them), or NULL. */
const char *wl_annotation(const json_t *obj, const char *key)
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
		if (!wl_owned_by(pod, "ReplicaSet", rs) || !active_pod(pod))
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
	json_object_set_new(md, "ownerReferences", wl_owner_ref(rs, "ReplicaSet"));
	/* a copy: the stored ReplicaSet is immutable, and creating the pod defaults its spec */
	json_t *pod = json_pack(
	    "{s:s, s:s, s:o, s:o, s:{s:s}}", "apiVersion", "v1", "kind", "Pod", "metadata", md,
	    "spec", json_deep_copy(json_object_get(tpl, "spec")), "status", "phase", "Pending");
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
	json_t **v = xcalloc(total ? total : 1, sizeof(json_t *));
	for (size_t i = 0; i < total; i++)
		v[i] = json_array_get(pods, i);
	qsort(v, total, sizeof(json_t *), delete_order);
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
			    json_integer(wl_int(rs, "metadata.generation", 1)));
	return st;
}

void wl_rs_sync(struct sim_api *api, const char *ns, const char *name)
{
	json_t *rs = ctl_get(api, "apps", "replicasets", ns, name);
	if (!rs || !wl_managed(api, rs) || sim_meta_str(rs, "deletionTimestamp")) {
		json_decref(rs);
		return;
	}
	struct pods p;
	rs_pods(api, rs, &p);
	long long want = wl_int(rs, "spec.replicas", 1);
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

/* ---- events ---- */

static void replicaset_on_change(struct sim_api *api, const char *event, const json_t *obj)
{
	const char *ns = sim_meta_str(obj, "namespace");
	if (strcmp(event, "DELETED") != 0)
		wl_rs_sync(api, ns, sim_meta_str(obj, "name"));
}

static void pod_on_change(struct sim_api *api, const char *event, const json_t *obj)
{
	(void)event;
	const json_t *ref = wl_controller_ref(obj, "ReplicaSet");
	if (ref)
		wl_rs_sync(api, sim_meta_str(obj, "namespace"), ctl_s(ref, "name"));
}

const struct sim_controller sim_controller_replicasets = {
    .name = "replicaset",
    .group = "apps",
    .resource = "replicasets",
    .on_change = replicaset_on_change,
};

const struct sim_controller sim_controller_replicaset_pods = {
    .name = "replicaset",
    .group = "",
    .resource = "pods",
    .on_change = pod_on_change,
};
