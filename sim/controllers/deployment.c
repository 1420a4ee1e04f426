/* deployment.c: the Deployment controller, as kube-controller-manager's: a ReplicaSet per
 * pod template (named NAME-HASH, labelled pod-template-hash like upstream); a changed
 * template rolls to a new ReplicaSet within maxSurge and maxUnavailable, scaling the old
 * ones down; a change of replicas scales the active ReplicaSets proportionally; the
 * status and conditions as upstream computes them. Objects loaded from the scenario stay
 * the snapshot they are until written through the API (as the lab runs them with the
 * workload controllers off; docs/sim-controllers.md). */

#include "controllers/deployment.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/meta.h"
#include "controllers/ctl_util.h"
#include "controllers/replicaset.h"
#include "sim.h"
#include "util/xmalloc.h"

#define HASH_LABEL "pod-template-hash"
#define REVISION "deployment.kubernetes.io/revision"

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
			    json_sprintf("%lld", wl_int(d, "spec.replicas", 1)));
	json_object_set_new(ann, "deployment.kubernetes.io/max-replicas",
			    json_sprintf("%lld", max_replicas));
	json_object_set_new(ann, REVISION, json_sprintf("%lld", revision));
	json_t *rs =
	    json_pack("{s:s, s:s, s:{s:o, s:s, s:o, s:o, s:o}, s:{s:I, s:o, s:o}}", "apiVersion",
		      "apps/v1", "kind", "ReplicaSet", "metadata", "name",
		      json_sprintf("%s-%s", ctl_s(d, "metadata.name"), hash), "namespace",
		      ctl_s(d, "metadata.namespace"), "labels", json_deep_copy(labels),
		      "annotations", ann, "ownerReferences", wl_owner_ref(d, "Deployment"), "spec",
		      "replicas", (json_int_t)replicas, "selector", sel, "template", tpl);
	long long mrs = wl_int(d, "spec.minReadySeconds", 0);
	if (mrs)
		json_object_set_new(json_object_get(rs, "spec"), "minReadySeconds",
				    json_integer(mrs));
	return rs;
}

/* scaleReplicaSet: the size and the desired/max-replicas annotations of a ReplicaSet. */
static void scale_rs(struct sim_api *api, const json_t *d, const json_t *rs, long long n,
		     long long surge)
{
	long long cur = wl_int(rs, "spec.replicas", 1);
	long long want = wl_int(d, "spec.replicas", 1);
	char desired[24], max[24];
	snprintf(desired, sizeof(desired), "%lld", want);
	snprintf(max, sizeof(max), "%lld", want + surge);
	const char *hd = wl_annotation(rs, "deployment.kubernetes.io/desired-replicas");
	const char *hm = wl_annotation(rs, "deployment.kubernetes.io/max-replicas");
	if (cur == n && hd && !strcmp(hd, desired) && hm && !strcmp(hm, max))
		return;
	json_t *next = json_deep_copy(rs);
	json_object_set_new(json_object_get(next, "spec"), "replicas", json_integer(n));
	json_t *md = json_object_get(next, "metadata");
	json_t *ann = json_object_get(md, "annotations");
	if (!json_is_object(ann)) {
		ann = json_object();
		json_object_set_new(md, "annotations", ann);
	}
	json_object_set_new(ann, "deployment.kubernetes.io/desired-replicas", json_string(desired));
	json_object_set_new(ann, "deployment.kubernetes.io/max-replicas", json_string(max));
	if (ctl_replace(api, "apps", "replicasets", next) == 0 && cur != n) {
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
			json_object_set(c, "lastTransitionTime",
					json_object_get(o, "lastTransitionTime"));
			if (!strcmp(ctl_s(o, "reason"), reason) &&
			    !strcmp(ctl_s(o, "message"), message))
				json_object_set(c, "lastUpdateTime",
						json_object_get(o, "lastUpdateTime"));
		}
	}
	json_array_append_new(conds, c);
}

struct rollout {
	json_t *rses;	    /* the Deployment's ReplicaSets */
	const json_t *nrs;  /* the one of the current template, or NULL */
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
		if (!wl_owned_by(rs, "Deployment", d))
			continue;
		json_array_append(r->rses, rs);
		const char *rev = wl_annotation(rs, REVISION);
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
	long long want = wl_int(d, "spec.replicas", 1);
	long long replicas = 0, ready = 0, avail = 0, updated = 0;
	size_t i;
	json_t *rs;
	json_array_foreach(r->rses, i, rs) {
		replicas += wl_int(rs, "status.replicas", 0);
		ready += wl_int(rs, "status.readyReplicas", 0);
		avail += wl_int(rs, "status.availableReplicas", 0);
	}
	if (r->nrs)
		updated = wl_int(r->nrs, "status.replicas", 0);
	json_t *st = json_pack("{s:I}", "observedGeneration",
			       (json_int_t)wl_int(d, "metadata.generation", 1));
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
	condition(conds, old, "Progressing", true,
		  done ? "NewReplicaSetAvailable" : "ReplicaSetUpdated", msg);
	free(msg);
	json_object_set_new(st, "conditions", conds);
	return st;
}

/* The rollout parameters of a Deployment (upstream's MaxSurge, MaxUnavailable). */
struct params {
	long long want, surge, unavail;
	bool recreate;
};

static void params_of(const json_t *d, struct params *p)
{
	const json_t *ru = ctl_at(d, "spec.strategy.rollingUpdate");
	p->want = wl_int(d, "spec.replicas", 1);
	p->recreate = !strcmp(ctl_s(d, "spec.strategy.type"), "Recreate");
	p->surge = p->recreate ? 0 : wl_scaled(json_object_get(ru, "maxSurge"), p->want, true, 25);
	p->unavail =
	    p->recreate ? 0 : wl_scaled(json_object_get(ru, "maxUnavailable"), p->want, false, 25);
	if (!p->recreate && p->surge == 0 && p->unavail == 0)
		p->unavail = 1;
}

/* The sum of the integer at path over rses (spec.replicas defaults to 1, counts to 0). */
static long long sum(const json_t *rses, const char *path)
{
	long long n = 0, dflt = !strcmp(path, "spec.replicas");
	size_t i;
	json_t *rs;
	json_array_foreach(rses, i, rs) {
		n += wl_int(rs, path, dflt);
	}
	return n;
}

/* How sorted() orders: oldest first (ReplicaSetsByCreationTimestamp); by_size: larger
 * first, then older (ReplicaSetsBySizeOlder) or, with newer, newer (...BySizeNewer). */
struct order {
	int by_size, newer;
};

static int rs_order(const void *a, const void *b, void *arg)
{
	const struct order *o = arg;
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	if (o->by_size) {
		long long sx = wl_int(x, "spec.replicas", 1), sy = wl_int(y, "spec.replicas", 1);
		if (sx != sy)
			return sx > sy ? -1 : 1;
	}
	int c =
	    strcmp(ctl_s(x, "metadata.creationTimestamp"), ctl_s(y, "metadata.creationTimestamp"));
	if (!c)
		c = strcmp(ctl_s(x, "metadata.name"), ctl_s(y, "metadata.name"));
	return o->by_size && o->newer ? -c : c;
}

/* A new array of the ReplicaSets of rses (those with spec.replicas > 0 when active),
 * excluding skip, sorted by rs_order. */
static json_t *sorted(const json_t *rses, const json_t *skip, bool active, int by_size, int newer)
{
	size_t n = 0, i;
	json_t *rs;
	json_t **v = xcalloc(json_array_size(rses) + 1, sizeof(json_t *));
	json_array_foreach(rses, i, rs) {
		if (rs != skip && (!active || wl_int(rs, "spec.replicas", 1) > 0))
			v[n++] = rs;
	}
	struct order o = {by_size, newer};
	qsort_r(v, n, sizeof(json_t *), rs_order, &o);
	json_t *out = json_array();
	for (i = 0; i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	return out;
}

/* getReplicaSetFraction and GetProportion of upstream's proportional scaling. */
static long long proportion(const json_t *rs, const json_t *d, const struct params *p,
			    long long to_add, long long added)
{
	long long size = wl_int(rs, "spec.replicas", 1);
	if (size == 0 || to_add == 0 || to_add == added)
		return 0;
	long long frac;
	if (p->want == 0) {
		frac = -size;
	} else {
		const char *m = wl_annotation(rs, "deployment.kubernetes.io/max-replicas");
		long long before = m ? strtoll(m, NULL, 10) : 0;
		if (before == 0)
			before = wl_int(d, "status.replicas", 0);
		double x = before ? (double)(size * (p->want + p->surge)) / (double)before : 0;
		frac = before ? (long long)(x + 0.5) - size : 0;
	}
	long long allowed = to_add - added;
	if (to_add > 0)
		return frac < allowed ? frac : allowed;
	return frac > allowed ? frac : allowed;
}

/* A scaling event (the replicas changed, the template did not): the active ReplicaSets
 * proportionally (upstream's scale()). */
static void scale_event(struct sim_api *api, const json_t *d, const struct rollout *r,
			const struct params *p)
{
	json_t *active = sorted(r->rses, NULL, true, 0, 0);
	size_t n = json_array_size(active);
	if (n <= 1) {
		const json_t *one = n ? json_array_get(active, 0) : r->nrs;
		if (one)
			scale_rs(api, d, one, p->want, p->surge);
		json_decref(active);
		return;
	}
	long long allowed = p->want > 0 ? p->want + p->surge : 0;
	long long to_add = allowed - sum(active, "spec.replicas");
	json_decref(active);
	active = sorted(r->rses, NULL, true, 1, to_add > 0);
	long long added = 0;
	long long *size = xcalloc(n, sizeof(*size));
	for (size_t i = 0; i < n; i++) {
		const json_t *rs = json_array_get(active, i);
		long long k = proportion(rs, d, p, to_add, added);
		size[i] = wl_int(rs, "spec.replicas", 1) + k;
		added += k;
	}
	size[0] += to_add - added;
	if (size[0] < 0)
		size[0] = 0;
	for (size_t i = 0; i < n; i++)
		scale_rs(api, d, json_array_get(active, i), size[i], p->surge);
	free(size);
	json_decref(active);
}

/* NewRSNewReplicas of a rolling update: the new ReplicaSet grows within maxSurge. */
static long long new_rs_size(const struct rollout *r, const struct params *p)
{
	long long cur = r->nrs ? wl_int(r->nrs, "spec.replicas", 1) : 0;
	if (p->recreate)
		return p->want;
	long long total = sum(r->rses, "spec.replicas");
	long long max_total = p->want + p->surge;
	if (total >= max_total)
		return cur;
	long long up = max_total - total;
	if (up > p->want - cur)
		up = p->want - cur;
	return cur + up;
}

/* reconcileOldReplicaSets: unhealthy old pods go first, then old ones while the
 * available stay at least replicas - maxUnavailable. */
static void scale_down_old(struct sim_api *api, const json_t *d, const struct rollout *r,
			   const struct params *p)
{
	json_t *old = sorted(r->rses, r->nrs, false, 0, 0);
	long long all = sum(r->rses, "spec.replicas");
	long long min_avail = p->want - p->unavail;
	long long new_unavail = r->nrs ? wl_int(r->nrs, "spec.replicas", 1) -
					     wl_int(r->nrs, "status.availableReplicas", 0)
				       : 0;
	long long max_down = all - min_avail - new_unavail;
	size_t i;
	json_t *rs;
	long long done = 0;
	long long *size = xcalloc(json_array_size(old) + 1, sizeof(*size));
	json_array_foreach(old, i, rs) {
		size[i] = wl_int(rs, "spec.replicas", 1);
		long long unhealthy = size[i] - wl_int(rs, "status.availableReplicas", 0);
		if (max_down <= 0 || done >= max_down || size[i] == 0 || unhealthy <= 0)
			continue;
		long long k = max_down - done < unhealthy ? max_down - done : unhealthy;
		size[i] -= k;
		done += k;
	}
	long long avail = sum(r->rses, "status.availableReplicas");
	long long budget = max_down > 0 && avail > min_avail ? avail - min_avail : 0;
	long long down = 0;
	json_array_foreach(old, i, rs) {
		if (down < budget && size[i] > 0) {
			long long k = size[i] < budget - down ? size[i] : budget - down;
			size[i] -= k;
			down += k;
		}
		if (size[i] != wl_int(rs, "spec.replicas", 1))
			scale_rs(api, d, rs, size[i], p->surge);
	}
	free(size);
	json_decref(old);
}

/* Whether any active ReplicaSet was sized for other replicas (isScalingEvent). */
static bool scaling_event(const struct rollout *r, long long want)
{
	size_t i;
	json_t *rs;
	json_array_foreach(r->rses, i, rs) {
		const char *a = wl_annotation(rs, "deployment.kubernetes.io/desired-replicas");
		if (wl_int(rs, "spec.replicas", 1) > 0 && a && strtoll(a, NULL, 10) != want)
			return true;
	}
	return false;
}

static void rollout(struct sim_api *api, const json_t *d, struct rollout *r, const struct params *p)
{
	long long old_pods =
	    sum(r->rses, "status.replicas") - (r->nrs ? wl_int(r->nrs, "status.replicas", 0) : 0);
	if (r->nrs && scaling_event(r, p->want)) {
		scale_event(api, d, r, p);
	} else if (!r->nrs) {
		char hash[16];
		template_hash(ctl_at(d, "spec.template"), hash);
		long long n = p->recreate && old_pods ? 0 : new_rs_size(r, p);
		json_t *nrs = new_rs(d, hash, n, r->revision + 1, p->want + p->surge);
		char *msg = xasprintf("Scaled up replica set %s-%s from 0 to %lld",
				      ctl_s(d, "metadata.name"), hash, n);
		if (ctl_create(api, nrs) == 0 && n > 0)
			ctl_event(api, d, "Deployment", "Normal", "ScalingReplicaSet", msg);
		free(msg);
	} else if (p->recreate) {
		/* rolloutRecreate: the old ones to 0 first, the new one once their pods are gone */
		size_t i;
		json_t *rs;
		json_array_foreach(r->rses, i, rs) {
			if (rs != r->nrs)
				scale_rs(api, d, rs, 0, p->surge);
		}
		if (old_pods == 0)
			scale_rs(api, d, r->nrs, p->want, p->surge);
	} else {
		long long cur = wl_int(r->nrs, "spec.replicas", 1);
		long long n = cur > p->want ? p->want : new_rs_size(r, p);
		if (n != cur)
			scale_rs(api, d, r->nrs, n, p->surge);
		else
			scale_down_old(api, d, r, p);
	}
}

static void dep_sync(struct sim_api *api, const char *ns, const char *name)
{
	json_t *d = ctl_get(api, "apps", "deployments", ns, name);
	if (!d || !wl_managed(api, d) || sim_meta_str(d, "deletionTimestamp") ||
	    json_is_true(ctl_at(d, "spec.paused"))) {
		json_decref(d);
		return;
	}
	struct params p;
	params_of(d, &p);
	struct rollout r;
	find_rses(api, d, &r);
	rollout(api, d, &r, &p);
	json_t *st = dep_status(d, &r, p.unavail);
	json_t *next = NULL;
	if (!json_equal(st, json_object_get(d, "status"))) {
		next = json_copy(d);
		json_object_set_new(next, "status", st);
	} else {
		json_decref(st);
	}
	const char *nrev = r.nrs ? wl_annotation(r.nrs, REVISION) : NULL;
	const char *have = wl_annotation(d, REVISION);
	if (nrev && (!have || strcmp(have, nrev) != 0)) {
		if (!next)
			next = json_copy(d);
		json_t *md = json_deep_copy(json_object_get(next, "metadata"));
		json_t *ann = json_object_get(md, "annotations");
		if (!json_is_object(ann)) {
			ann = json_object();
			json_object_set_new(md, "annotations", ann);
		}
		json_object_set_new(ann, REVISION, json_string(nrev));
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

/* A ReplicaSet's change syncs the Deployment that owns it. */
static void owner_on_change(struct sim_api *api, const char *event, const json_t *obj)
{
	(void)event;
	const json_t *ref = wl_controller_ref(obj, "Deployment");
	if (ref)
		dep_sync(api, sim_meta_str(obj, "namespace"), ctl_s(ref, "name"));
}

const struct sim_controller sim_controller_deployments = {
    .name = "deployment",
    .group = "apps",
    .resource = "deployments",
    .on_change = deployment_on_change,
};

const struct sim_controller sim_controller_deployment_owners = {
    .name = "deployment",
    .group = "apps",
    .resource = "replicasets",
    .on_change = owner_on_change,
};
