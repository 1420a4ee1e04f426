/* kueue.c: the simulated Kueue controller (kueue.x-k8s.io, as Kueue v0.14-v0.19 behaves
 * for batch/v1 Jobs with one flavor per resource group):
 *  - a Job labelled kueue.x-k8s.io/queue-name gets a Workload `job-<name>-<5 random>`
 *    (owned by the Job, label kueue.x-k8s.io/job-uid; podSets [{main, count parallelism,
 *    template}]; priority from the WorkloadPriorityClass named by the Job's label
 *    kueue.x-k8s.io/priority-class, else 0); a finished Job's Workload gets Finished=True;
 *  - every tick each ClusterQueue admits its pending Workloads (LocalQueue spec.queueName
 *    -> clusterQueue; namespaceSelector; highest priority, then oldest, first): a Workload
 *    whose pods' requests (count x containers) fit in the first flavor's nominalQuota
 *    next to the admitted ones gets status.admission, QuotaReserved=True and
 *    Admitted=True, and its Job is unsuspended; one that does not fit stays suspended with
 *    QuotaReserved=False reason Pending ("couldn't assign flavors to pod set main:
 *    insufficient unused quota for cpu in flavor F, 250m more needed") - all of its pods
 *    or none; with preemption.withinClusterQueue LowerPriority (or
 *    LowerOrNewerEqualPriority) lower-priority admitted Workloads are evicted (Evicted=True
 *    reason Preempted, Preempted=True reason InClusterQueue, admission removed, Job
 *    suspended again) when that makes it fit, and it is admitted on the next tick;
 *  - ClusterQueue status: Active (False FlavorNotFound when a flavor is missing),
 *    admittedWorkloads, reservingWorkloads, pendingWorkloads.
 * controllers.kueue.quota: false admits every Workload regardless of quota;
 * controllers.kueue.preemption: false never preempts. */

#include "controllers/kueue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/meta.h"
#include "controllers/cel.h"
#include "controllers/ctl_util.h"
#include "sim.h"
#include "util/xmalloc.h"

#define KQ "kueue.x-k8s.io"
#define L_QUEUE KQ "/queue-name"
#define L_PRIO KQ "/priority-class"
#define L_JOBUID KQ "/job-uid"

static const char *label(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(ctl_at(obj, "metadata.labels"), key));
}

static bool cond_true(const json_t *obj, const char *type)
{
	const char *s = ctl_condition_status(obj, type);
	return s && !strcmp(s, "True");
}

/* The object of list whose ownerReferences name uid (borrowed), or NULL. */
static json_t *owned(const json_t *list, const char *uid)
{
	size_t i, k;
	json_t *o, *r;
	json_array_foreach(list, i, o) {
		json_array_foreach(ctl_at(o, "metadata.ownerReferences"), k, r) {
			if (!strcmp(ctl_s(r, "uid"), uid))
				return o;
		}
	}
	return NULL;
}

/* ---- Workloads for Jobs ---- */

static void create_workload(struct sim_api *api, const json_t *job)
{
	const char *ns = ctl_s(job, "metadata.namespace"), *jn = ctl_s(job, "metadata.name");
	json_t *lq = ctl_get(api, KQ, "localqueues", ns, label(job, L_QUEUE));
	const char *api_version = lq ? ctl_s(lq, "apiVersion") : KQ "/v1beta2";
	long long prio = 0;
	const char *pc = label(job, L_PRIO);
	json_t *wpc = pc ? ctl_get(api, KQ, "workloadpriorityclasses", NULL, pc) : NULL;
	if (wpc)
		prio = json_integer_value(json_object_get(wpc, "value"));
	char rnd[6];
	ctl_random(api, rnd, 5);
	char *name = xasprintf("job-%.*s-%s", 50, jn, rnd);
	json_t *par = ctl_at(job, "spec.parallelism");
	json_t *wl = json_pack(
	    "{s:s, s:s, s:{s:s, s:s, s:{s:s}, s:[{s:s, s:s, s:s, s:s, s:b, s:b}]}, "
	    "s:{s:s, s:I, s:[{s:s, s:I, s:O}]}}",
	    "apiVersion", api_version, "kind", "Workload", "metadata", "name", name, "namespace",
	    ns, "labels", L_JOBUID, ctl_s(job, "metadata.uid"), "ownerReferences", "apiVersion",
	    "batch/v1", "kind", "Job", "name", jn, "uid", ctl_s(job, "metadata.uid"), "controller",
	    1, "blockOwnerDeletion", 1, "spec", "queueName", label(job, L_QUEUE), "priority",
	    (json_int_t)prio, "podSets", "name", "main", "count",
	    (json_int_t)(json_is_integer(par) ? json_integer_value(par) : 1), "template",
	    ctl_at(job, "spec.template"));
	if (pc && wpc) {
		json_t *spec = json_object_get(wl, "spec");
		json_object_set_new(spec, "priorityClassName", json_string(pc));
		json_object_set_new(spec, "priorityClassSource",
				    json_string(KQ "/workloadpriorityclass"));
	}
	ctl_create(api, wl);
	free(name);
	json_decref(wpc);
	json_decref(lq);
}

static void mark_finished(struct sim_api *api, const json_t *wl, const json_t *job)
{
	json_t *next = json_deep_copy(wl);
	bool ok = cond_true(job, "Complete");
	ctl_condition(ctl_status(next), "Finished", "True", ok ? "Succeeded" : "Failed",
		      ok ? "Job finished successfully" : "Job failed", -1);
	ctl_replace(api, KQ, "workloads", next);
}

static void sync_workloads(struct sim_api *api)
{
	json_t *jobs = ctl_list(api, "batch", "jobs", NULL);
	json_t *wls = ctl_list(api, KQ, "workloads", NULL);
	size_t i;
	json_t *job;
	json_array_foreach(jobs, i, job) {
		if (!label(job, L_QUEUE) || sim_meta_str(job, "deletionTimestamp"))
			continue;
		json_t *wl = owned(wls, ctl_s(job, "metadata.uid"));
		bool done = cond_true(job, "Complete") || cond_true(job, "Failed");
		if (!wl && !done)
			create_workload(api, job);
		else if (wl && done && !cond_true(wl, "Finished"))
			mark_finished(api, wl, job);
	}
	json_decref(wls);
	json_decref(jobs);
}

/* ---- admission ---- */

struct wl {
	json_t *obj;  /* borrowed from the tick's list */
	json_t *need; /* resource -> amount (new) */
	long long prio;
	bool admitted;
};

/* The Workload's total requests: count x the containers' requests, per resource. */
static json_t *need_of(const json_t *wl)
{
	json_t *need = json_object();
	size_t i, k;
	json_t *ps, *c;
	json_array_foreach(ctl_at(wl, "spec.podSets"), i, ps) {
		json_int_t count = json_integer_value(json_object_get(ps, "count"));
		json_array_foreach(ctl_at(ps, "template.spec.containers"), k, c) {
			const char *res;
			json_t *q;
			json_object_foreach(ctl_at(c, "resources.requests"), res, q) {
				double v = 0;
				if (!ctl_cel_quantity(json_string_value(q), &v))
					continue;
				double have = json_real_value(json_object_get(need, res));
				json_object_set_new(need, res, json_real(have + v * (double)count));
			}
		}
	}
	return need;
}

/* The ClusterQueue's quota: resource -> {flavor, nominal}. */
static json_t *quota_of(const json_t *cq)
{
	json_t *q = json_object();
	size_t i, k, m;
	json_t *g, *f, *r;
	json_array_foreach(ctl_at(cq, "spec.resourceGroups"), i, g) {
		f = json_array_get(json_object_get(g, "flavors"), 0);
		json_array_foreach(json_object_get(f, "resources"), k, r) {
			double v = 0;
			json_t *nq = json_object_get(r, "nominalQuota");
			if (json_is_string(nq))
				ctl_cel_quantity(json_string_value(nq), &v);
			else if (json_is_number(nq))
				v = json_number_value(nq);
			json_object_set_new(
			    q, ctl_s(r, "name"),
			    json_pack("{s:s, s:f}", "flavor", ctl_s(f, "name"), "nominal", v));
		}
		json_array_foreach(json_object_get(g, "coveredResources"), m, r) {
			if (json_is_string(r) && !json_object_get(q, json_string_value(r)))
				json_object_set_new(q, json_string_value(r),
						    json_pack("{s:s, s:f}", "flavor",
							      ctl_s(f, "name"), "nominal", 0.0));
		}
	}
	return q;
}

static char *amount_text(const char *res, double v)
{
	if (!strcmp(res, "cpu"))
		return xasprintf("%.0fm", v * 1000);
	return xasprintf("%.0f", v);
}

/* NULL when need fits in quota next to used, else why (new string). */
static char *no_fit(const json_t *quota, const json_t *used, const json_t *need)
{
	const char *res;
	json_t *v;
	json_object_foreach((json_t *)need, res, v) {
		json_t *q = json_object_get(quota, res);
		if (!q)
			return xasprintf("couldn't assign flavors to pod set main: resource %s "
					 "unavailable in ClusterQueue",
					 res);
		double free_ = json_real_value(json_object_get(q, "nominal")) -
			       json_real_value(json_object_get(used, res));
		double want = json_real_value(v);
		if (want > free_ + 1e-9) {
			char *more = amount_text(res, want - (free_ > 0 ? free_ : 0));
			char *msg =
			    xasprintf("couldn't assign flavors to pod set main: insufficient "
				      "unused quota for %s in flavor %s, %s more needed",
				      res, ctl_s(q, "flavor"), more);
			free(more);
			return msg;
		}
	}
	return NULL;
}

static void add_need(json_t *used, const json_t *need, double sign)
{
	const char *res;
	json_t *v;
	json_object_foreach((json_t *)need, res, v) {
		double have = json_real_value(json_object_get(used, res));
		json_object_set_new(used, res, json_real(have + sign * json_real_value(v)));
	}
}

static void set_suspend(struct sim_api *api, const json_t *wl, bool suspend)
{
	json_t *r = json_array_get(ctl_at(wl, "metadata.ownerReferences"), 0);
	json_t *job =
	    ctl_get(api, "batch", "jobs", ctl_s(wl, "metadata.namespace"), ctl_s(r, "name"));
	if (job && json_is_true(ctl_at(job, "spec.suspend")) != suspend) {
		json_t *next = json_deep_copy(job);
		json_object_set_new(json_object_get(next, "spec"), "suspend",
				    json_boolean(suspend));
		ctl_replace(api, "batch", "jobs", next);
	}
	json_decref(job);
}

static void admit(struct sim_api *api, const struct wl *w, const char *cq, const json_t *quota)
{
	json_t *next = json_deep_copy(w->obj);
	json_t *st = ctl_status(next);
	json_t *flavors = json_object(), *usage = json_object();
	const char *res;
	json_t *v;
	json_object_foreach(w->need, res, v) {
		json_t *q = json_object_get(quota, res);
		json_object_set_new(flavors, res, json_string(q ? ctl_s(q, "flavor") : ""));
		char *t = amount_text(res, json_real_value(v));
		json_object_set_new(usage, res, json_string(t));
		free(t);
	}
	json_t *ps = json_array_get(ctl_at(w->obj, "spec.podSets"), 0);
	json_object_set_new(st, "admission",
			    json_pack("{s:s, s:[{s:s, s:o, s:o, s:O}]}", "clusterQueue", cq,
				      "podSetAssignments", "name", "main", "flavors", flavors,
				      "resourceUsage", usage, "count",
				      json_object_get(ps, "count")));
	char *msg = xasprintf("Quota reserved in ClusterQueue %s", cq);
	ctl_condition(st, "QuotaReserved", "True", "QuotaReserved", msg, -1);
	free(msg);
	ctl_condition(st, "Admitted", "True", "Admitted", "The workload is admitted", -1);
	if (ctl_condition_status(w->obj, "Evicted"))
		ctl_condition(st, "Evicted", "False", "Admitted", "The workload is admitted", -1);
	if (ctl_condition_status(w->obj, "Preempted"))
		ctl_condition(st, "Preempted", "False", "Admitted", "The workload is admitted", -1);
	if (ctl_replace(api, KQ, "workloads", next) == 0)
		set_suspend(api, w->obj, false);
}

static void evict(struct sim_api *api, const struct wl *w, const struct wl *by)
{
	json_t *next = json_deep_copy(w->obj);
	json_t *st = ctl_status(next);
	json_object_del(st, "admission");
	char *msg = xasprintf("Preempted to accommodate a workload (UID: %s) due to "
			      "prioritization in the ClusterQueue",
			      ctl_s(by->obj, "metadata.uid"));
	ctl_condition(st, "Evicted", "True", "Preempted", msg, -1);
	ctl_condition(st, "Preempted", "True", "InClusterQueue", msg, -1);
	ctl_condition(st, "QuotaReserved", "False", "Preempted", msg, -1);
	ctl_condition(st, "Admitted", "False", "NoReservation", "The workload has no reservation",
		      -1);
	if (ctl_replace(api, KQ, "workloads", next) == 0) {
		set_suspend(api, w->obj, true);
		ctl_event(api, w->obj, "Workload", "Normal", "Preempted", msg);
	}
	free(msg);
}

static void pending(struct sim_api *api, const struct wl *w, const char *why)
{
	const char *have = NULL;
	size_t i;
	json_t *c;
	json_array_foreach(ctl_at(w->obj, "status.conditions"), i, c) {
		if (!strcmp(ctl_s(c, "type"), "QuotaReserved"))
			have = ctl_str(c, "message");
	}
	if (have && !strcmp(have, why) && !cond_true(w->obj, "QuotaReserved"))
		return;
	json_t *next = json_deep_copy(w->obj);
	ctl_condition(ctl_status(next), "QuotaReserved", "False", "Pending", why, -1);
	ctl_replace(api, KQ, "workloads", next);
}

static int by_priority(const void *a, const void *b)
{
	const struct wl *x = a, *y = b;
	if (x->prio != y->prio)
		return x->prio > y->prio ? -1 : 1;
	int c = strcmp(ctl_s(x->obj, "metadata.creationTimestamp"),
		       ctl_s(y->obj, "metadata.creationTimestamp"));
	return c ? c : strcmp(ctl_s(x->obj, "metadata.name"), ctl_s(y->obj, "metadata.name"));
}

/* Evicts lower-priority admitted Workloads (lowest first) when that makes w fit. */
static bool preempt(struct sim_api *api, const json_t *cq, const json_t *quota, json_t *used,
		    struct wl *v, size_t n, const struct wl *w)
{
	const char *pol = ctl_s(cq, "spec.preemption.withinClusterQueue");
	if (!ctl_setting_bool(api, "kueue", "preemption", true) ||
	    (strcmp(pol, "LowerPriority") != 0 && strcmp(pol, "LowerOrNewerEqualPriority") != 0))
		return false;
	json_t *after = json_deep_copy(used);
	bool *pick = xcalloc(n + 1, sizeof(*pick));
	char *why = no_fit(quota, after, w->need);
	for (size_t k = n; why != NULL && k-- > 0;) { /* by priority: the lowest are last */
		if (!v[k].admitted || v[k].prio >= w->prio)
			continue;
		pick[k] = true;
		add_need(after, v[k].need, -1);
		free(why);
		why = no_fit(quota, after, w->need);
	}
	bool ok = why == NULL;
	free(why);
	for (size_t k = 0; ok && k < n; k++)
		if (pick[k]) {
			evict(api, &v[k], w);
			v[k].admitted = false;
		}
	free(pick);
	json_decref(after);
	return ok;
}

/* The ClusterQueue that Workload w's LocalQueue points to, or "". */
static const char *cq_of(const json_t *wl, const json_t *lqs)
{
	size_t i;
	json_t *lq;
	json_array_foreach(lqs, i, lq) {
		if (!strcmp(ctl_s(lq, "metadata.namespace"), ctl_s(wl, "metadata.namespace")) &&
		    !strcmp(ctl_s(lq, "metadata.name"), ctl_s(wl, "spec.queueName")))
			return ctl_s(lq, "spec.clusterQueue");
	}
	return "";
}

static bool ns_selected(struct sim_api *api, const json_t *cq, const char *ns)
{
	json_t *sel = ctl_at(cq, "spec.namespaceSelector");
	if (!sel)
		return true;
	json_t *o = ctl_get(api, "", "namespaces", NULL, ns);
	bool ok = o && ctl_selector_match(sel, ctl_at(o, "metadata.labels"));
	json_decref(o);
	return ok;
}

static void cq_status(struct sim_api *api, const json_t *cq, long admitted, long waiting)
{
	json_t *next = json_deep_copy(cq);
	json_t *st = ctl_status(next);
	const char *missing = NULL;
	size_t i, k;
	json_t *g, *f;
	json_array_foreach(ctl_at(cq, "spec.resourceGroups"), i, g) {
		json_array_foreach(json_object_get(g, "flavors"), k, f) {
			json_t *rf = ctl_get(api, KQ, "resourceflavors", NULL, ctl_s(f, "name"));
			if (!rf && !missing)
				missing = ctl_s(f, "name");
			json_decref(rf);
		}
	}
	char *msg = missing ? xasprintf("Can't admit new workloads: references missing "
					"ResourceFlavor(s): [%s]",
					missing)
			    : xstrdup("Can admit new workloads");
	ctl_condition(st, "Active", missing ? "False" : "True",
		      missing ? "FlavorNotFound" : "Ready", msg, -1);
	free(msg);
	json_object_set_new(st, "admittedWorkloads", json_integer(admitted));
	json_object_set_new(st, "reservingWorkloads", json_integer(admitted));
	json_object_set_new(st, "pendingWorkloads", json_integer(waiting));
	if (!json_equal(st, ctl_at(cq, "status")))
		ctl_replace(api, KQ, "clusterqueues", next);
	else
		json_decref(next);
}

static void admit_cq(struct sim_api *api, const json_t *cq, const json_t *wls, const json_t *lqs)
{
	const char *name = ctl_s(cq, "metadata.name");
	json_t *quota = quota_of(cq), *used = json_object();
	struct wl *v = xcalloc(json_array_size(wls) + 1, sizeof(*v));
	size_t n = 0, i;
	json_t *o;
	json_array_foreach(wls, i, o) {
		if (cond_true(o, "Finished") || sim_meta_str(o, "deletionTimestamp") ||
		    strcmp(cq_of(o, lqs), name) != 0)
			continue;
		v[n] = (struct wl){o, need_of(o), json_integer_value(ctl_at(o, "spec.priority")),
				   ctl_at(o, "status.admission") != NULL};
		if (v[n].admitted)
			add_need(used, v[n].need, 1);
		n++;
	}
	qsort(v, n, sizeof(*v), by_priority);
	bool quota_on = ctl_setting_bool(api, "kueue", "quota", true);
	for (size_t k = 0; k < n; k++) {
		if (v[k].admitted)
			continue;
		char *why = NULL;
		if (!ns_selected(api, cq, ctl_s(v[k].obj, "metadata.namespace")))
			why = xstrdup("Workload namespace doesn't match ClusterQueue selector");
		else if (quota_on && (why = no_fit(quota, used, v[k].need)) != NULL &&
			 preempt(api, cq, quota, used, v, n, &v[k])) {
			free(why);
			break; /* admitted once the preempted ones released their quota */
		}
		if (why) {
			pending(api, &v[k], why);
			free(why);
			continue;
		}
		admit(api, &v[k], name, quota);
		v[k].admitted = true;
		add_need(used, v[k].need, 1);
	}
	long admitted = 0;
	for (size_t k = 0; k < n; k++) {
		admitted += v[k].admitted;
		json_decref(v[k].need);
	}
	cq_status(api, cq, admitted, (long)n - admitted);
	free(v);
	json_decref(quota);
	json_decref(used);
}

static void kueue_tick(struct sim_api *api)
{
	sync_workloads(api);
	json_t *cqs = ctl_list(api, KQ, "clusterqueues", NULL);
	if (json_array_size(cqs) == 0) {
		json_decref(cqs);
		return;
	}
	json_t *wls = ctl_list(api, KQ, "workloads", NULL);
	json_t *lqs = ctl_list(api, KQ, "localqueues", NULL);
	size_t i;
	json_t *cq;
	json_array_foreach(cqs, i, cq) {
		if (!sim_meta_str(cq, "deletionTimestamp"))
			admit_cq(api, cq, wls, lqs);
	}
	json_decref(lqs);
	json_decref(wls);
	json_decref(cqs);
}

const struct sim_controller sim_controller_kueue = {
    .name = "kueue",
    .group = KQ,
    .resource = "clusterqueues",
    .on_change = NULL,
    .tick = kueue_tick,
};
