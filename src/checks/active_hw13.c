/* active_hw13.c: the active test of HW-1.3 (accelerator fault detection and automated
 * remediation), opt-in with --disruptive. On one node that a medik8s NodeHealthCheck
 * watches, kaic sets the accelerator fault condition the NodeHealthCheck acts on (the
 * signal node-problem-detector's GPU rule sets) through the node's status, with a pod of
 * the run pinned to that node. The installed automation must cordon the node
 * (spec.unschedulable) and then drain it (the pod evicted or deleted). kaic then restores
 * the node: the condition as it was (removed when it was absent), the node uncordoned.
 * Both restores are registered with the framework before the fault is set, so the
 * cleanup sends them whatever ends the run (failure, timeout, Ctrl-C). While it waits,
 * kaic sets the condition again if a detector's resync resets it. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checks/active_tests.h"
#include "checks/known.h"
#include "checks/util.h"
#include "util/xmalloc.h"
#include "util/clock.h"

#define TAG "fault"
#define NHC_GROUP "remediation.medik8s.io"
#define NHC_RESOURCE "nodehealthchecks"
#define POLL_MS 500
#define RESTORE_WAIT_MS 30000
#define FAULT_REASON "KaicSimulatedFault"

json_t *active_hw13_objects(const struct active_params *p)
{
	json_t *pod = active_build_pod(p, TAG, "echo", json_array(), false);
	json_t *spec = json_object_get(pod, "spec");
	json_object_set_new(spec, "nodeSelector",
			    json_pack("{s:s}", "kubernetes.io/hostname", p->node));
	return json_pack("[o]", pod);
}

/* ---- what to fault ---- */

static bool gpu_word(const char *t)
{
	for (const char *const *w = known_gpu_condition_words; *w != NULL; w++)
		if (cutil_contains_ci(t, *w))
			return true;
	return false;
}

/* Whether node's labels satisfy a LabelSelector (matchLabels, matchExpressions). */
static bool selects(const json_t *sel, const json_t *node)
{
	const json_t *labels = cutil_get(node, "metadata.labels");
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)cutil_get(sel, "matchLabels"), k, v) {
		const char *have = json_string_value(json_object_get(labels, k));
		if (have == NULL || !json_is_string(v) || strcmp(have, json_string_value(v)) != 0)
			return false;
	}
	size_t i, j;
	const json_t *e, *x;
	json_array_foreach(cutil_get(sel, "matchExpressions"), i, e) {
		const char *key = cutil_str(e, "key"), *op = cutil_str(e, "operator");
		const char *have = key ? json_string_value(json_object_get(labels, key)) : NULL;
		bool in = false;
		json_array_foreach(json_object_get(e, "values"), j, x) {
			in = in ||
			     (have && json_is_string(x) && strcmp(have, json_string_value(x)) == 0);
		}
		if (op == NULL || (strcmp(op, "In") == 0 && !in) ||
		    (strcmp(op, "NotIn") == 0 && in) ||
		    (strcmp(op, "Exists") == 0 && have == NULL) ||
		    (strcmp(op, "DoesNotExist") == 0 && have != NULL))
			return false;
	}
	return true;
}

static bool node_ready(const json_t *node)
{
	const char *r = cutil_condition(node, "Ready");
	return r != NULL && strcmp(r, "True") == 0;
}

/* minHealthy (an int or "N%") of total nodes, as a count; 0 when absent. */
static long min_healthy(const json_t *nhc, size_t total)
{
	const json_t *m = cutil_get(nhc, "spec.minHealthy");
	if (json_is_integer(m))
		return (long)json_integer_value(m);
	const char *s = json_string_value(m);
	if (s == NULL)
		return 0;
	long pct = strtol(s, NULL, 10);
	return (long)((pct * (long)total + 99) / 100);
}

struct target {
	const json_t *nhc;	/* the NodeHealthCheck, borrowed */
	const char *type;	/* the condition type it acts on */
	const char *status;	/* with this status */
	const json_t *node;	/* the node to fault, borrowed */
	const json_t *old_cond; /* its condition of that type before, or NULL */
};

/* Picks a NodeHealthCheck acting on an accelerator condition and a Ready, schedulable
 * node it watches, whose remediation its minHealthy allows. 1 found, 0 none (*why). */
static int pick(const json_t *nhcs, const json_t *nodes, struct target *t, char *why, size_t size)
{
	snprintf(why, size, "no NodeHealthCheck acts on an accelerator fault condition");
	size_t i, j, k;
	const json_t *nhc, *uc, *node;
	json_array_foreach(nhcs, i, nhc) {
		json_array_foreach(cutil_get(nhc, "spec.unhealthyConditions"), j, uc) {
			const char *type = cutil_str(uc, "type"), *st = cutil_str(uc, "status");
			if (type == NULL || st == NULL || !gpu_word(type))
				continue;
			size_t total = 0, healthy = 0;
			const json_t *cand = NULL;
			json_array_foreach(nodes, k, node) {
				if (!selects(cutil_get(nhc, "spec.selector"), node))
					continue;
				total++;
				const char *cur = cutil_condition(node, type);
				bool ok = node_ready(node) && (cur == NULL || strcmp(cur, st) != 0);
				healthy += ok;
				if (ok && cand == NULL &&
				    !json_is_true(cutil_get(node, "spec.unschedulable")))
					cand = node;
			}
			if (cand == NULL) {
				snprintf(why, size,
					 "NodeHealthCheck %s watches no Ready, schedulable node "
					 "without %s=%s",
					 cutil_name(nhc), type, st);
				continue;
			}
			long need = min_healthy(nhc, total);
			if ((long)healthy - 1 < need) {
				snprintf(why, size,
					 "NodeHealthCheck %s would not remediate one more node: "
					 "minHealthy needs %ld of its %zu nodes healthy, %zu are",
					 cutil_name(nhc), need, total, healthy);
				continue;
			}
			*t = (struct target){nhc, type, st, cand, NULL};
			return 1;
		}
	}
	return 0;
}

/* ---- changing and restoring the node ---- */

static void now_rfc3339(char *buf, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *fault_patch(const struct target *t, const char *run_id)
{
	char ts[32];
	now_rfc3339(ts, sizeof ts);
	char *msg = xasprintf("simulated accelerator fault set by kaic run %s (--disruptive); "
			      "kaic removes it when the test ends",
			      run_id);
	json_t *p = json_pack("{s:{s:[{s:s, s:s, s:s, s:s, s:s, s:s}]}}", "status", "conditions",
			      "type", t->type, "status", t->status, "reason", FAULT_REASON,
			      "message", msg, "lastTransitionTime", ts, "lastHeartbeatTime", ts);
	free(msg);
	return p;
}

/* The condition as it was (what kaic sets and it lacked: removed), or its removal. */
static json_t *condition_restore(const struct target *t)
{
	if (t->old_cond == NULL)
		return json_pack("{s:{s:[{s:s, s:s}]}}", "status", "conditions", "type", t->type,
				 "$patch", "delete");
	json_t *c = json_deep_copy(t->old_cond);
	static const char *const set[] = {"reason", "message", "lastTransitionTime",
					  "lastHeartbeatTime"};
	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++)
		if (json_object_get(c, set[i]) == NULL)
			json_object_set_new(c, set[i], json_null());
	return json_pack("{s:{s:[o]}}", "status", "conditions", c);
}

/* The node's condition of t->type as stored now (the inventory keeps only some fields):
 * 0 with t->old_cond (owned by *holder) or NULL when absent; -1 with *err. */
static int read_old_condition(struct check_ctx *ctx, const char *npath, struct target *t,
			      json_t **holder, struct kube_error *err)
{
	*holder = NULL;
	t->old_cond = NULL;
	if (kube_get(ctx->client, npath, holder, err) != 0)
		return -1;
	size_t i;
	const json_t *c;
	json_array_foreach(cutil_get(*holder, "status.conditions"), i, c) {
		const char *ct = cutil_str(c, "type");
		if (ct != NULL && strcmp(ct, t->type) == 0)
			t->old_cond = c;
	}
	return 0;
}

struct watch {
	long long t0, cordon_ms, drain_ms; /* -1: not seen */
	int reasserted;
	bool read_failed;
	struct kube_error last;
};

static bool pod_gone(struct check_ctx *ctx, struct watch *w)
{
	char *path = xasprintf("/api/v1/namespaces/%s/pods/" TAG, ctx->ns);
	json_t *pod = NULL;
	struct kube_error err = {0};
	int rc = kube_get(ctx->client, path, &pod, &err);
	free(path);
	bool gone = (rc != 0 && err.http_code == 404) ||
		    (rc == 0 && (cutil_get(pod, "metadata.deletionTimestamp") != NULL ||
				 strcmp(active_run_phase(pod), "Failed") == 0));
	if (rc != 0 && err.http_code != 404) {
		w->read_failed = true;
		w->last = err;
	}
	json_decref(pod);
	return gone;
}

/* Polls the node and the pod until the pod is drained (or the deadline). */
static void watch_remediation(struct check_ctx *ctx, const struct target *t, const char *npath,
			      struct watch *w)
{
	const char *name = cutil_name(t->node);
	char *spath = xasprintf("%s/status", npath);
	(void)name;
	do {
		json_t *node = NULL;
		struct kube_error err = {0};
		if (kube_get(ctx->client, npath, &node, &err) == 0) {
			if (w->cordon_ms < 0 && json_is_true(cutil_get(node, "spec.unschedulable")))
				w->cordon_ms = now_ms() - w->t0;
			const char *cur = cutil_condition(node, t->type);
			if (w->drain_ms < 0 && (cur == NULL || strcmp(cur, t->status) != 0)) {
				json_t *p = fault_patch(t, ctx->run_id);
				if (kube_patch(ctx->client, spath,
					       "application/strategic-merge-patch+json", p, NULL,
					       &err) == 0)
					w->reasserted++;
				json_decref(p);
			}
		} else {
			w->read_failed = true;
			w->last = err;
		}
		json_decref(node);
		if (w->drain_ms < 0 && pod_gone(ctx, w))
			w->drain_ms = now_ms() - w->t0;
		if (w->drain_ms >= 0 && w->cordon_ms >= 0)
			break;
	} while (active_nap(POLL_MS, ctx->deadline_ms, ctx->cancel));
	free(spath);
}

/* Restores the node now and checks it: condition back, schedulable. */
static bool restore_node(struct check_ctx *ctx, struct check_result *res, const struct target *t,
			 const char *npath, int rid_cond, int rid_cordon)
{
	char **notes = NULL;
	int rc = active_restore(ctx->act, rid_cond, &notes);
	rc |= active_restore(ctx->act, rid_cordon, &notes);
	for (size_t i = 0; notes != NULL && notes[i] != NULL; i++) {
		check_evidence(res, "%s", notes[i]);
		free(notes[i]);
	}
	free(notes);
	if (rc != 0)
		return false;
	json_t *node = NULL;
	struct kube_error err = {0};
	if (kube_get(ctx->client, npath, &node, &err) != 0) {
		check_evidence(res, "cannot read node %s back after restoring it: %s",
			       cutil_name(t->node), err.message);
		return false;
	}
	const char *cur = cutil_condition(node, t->type);
	bool ok = !json_is_true(cutil_get(node, "spec.unschedulable")) &&
		  (t->old_cond ? cur != NULL : cur == NULL);
	check_evidence(res, "node %s restored: %s, condition %s %s", cutil_name(t->node),
		       json_is_true(cutil_get(node, "spec.unschedulable")) ? "still cordoned"
									   : "schedulable",
		       t->type,
		       t->old_cond ? "as before"
		       : cur	   ? "still set"
				   : "removed");
	json_decref(node);
	return ok;
}

/* ---- the test ---- */

static void decide(struct check_ctx *ctx, struct check_result *res, const struct target *t,
		   const struct watch *w)
{
	const char *node = cutil_name(t->node);
	if (w->reasserted > 0)
		check_evidence(res,
			       "the condition was reset %d time%s while kaic waited (a "
			       "detector's resync): kaic set it again",
			       w->reasserted, w->reasserted == 1 ? "" : "s");
	if (w->cordon_ms >= 0)
		check_evidence(res, "node %s cordoned %.1f s after the fault", node,
			       (double)w->cordon_ms / 1000.0);
	if (w->drain_ms >= 0)
		check_evidence(res, "pod %s/" TAG " drained from node %s %.1f s after the fault",
			       ctx->ns, node, (double)w->drain_ms / 1000.0);
	if (ctx->cancel && *ctx->cancel) {
		struct kube_error e = {0};
		kube_error_set(&e, 0, "Cancelled", "cancelled");
		active_run_error(ctx, res, "waiting for the remediation", &e);
	} else if (w->cordon_ms >= 0 && w->drain_ms >= 0 && w->cordon_ms <= w->drain_ms) {
		check_evidence(res, "NodeHealthCheck %s remediated %s=%s: cordon, then drain",
			       cutil_name(t->nhc), t->type, t->status);
		active_run_decide(res, VERDICT_FULL, NULL);
	} else if (w->cordon_ms >= 0 || w->drain_ms >= 0) {
		check_evidence(res, "node %s was %s", node,
			       w->drain_ms < 0 ? "cordoned but never drained"
					       : "drained before it was cordoned");
		active_run_decide(res, VERDICT_PARTIAL,
				  "make the remediation cordon the faulty node first, then evict "
				  "its workloads (drain)");
	} else if (w->read_failed) {
		active_run_error(ctx, res, "watching the node and the pod", &w->last);
	} else {
		check_evidence(res,
			       "nothing happened to node %s while %s=%s was set (until the "
			       "test's deadline)",
			       node, t->type, t->status);
		active_run_decide(res, VERDICT_NO,
				  "make the remediation act on the accelerator fault condition "
				  "(NodeHealthCheck unhealthyConditions, its remediator running)");
	}
}

static int find_target(struct check_ctx *ctx, struct check_result *res, struct target *t)
{
	int errors = 0;
	const json_t *nhcs = NULL, *nodes = NULL;
	if (!inventory_served(ctx->inv, NHC_GROUP, NULL, NHC_RESOURCE)) {
		active_run_not_run(
		    res, "no medik8s NodeHealthCheck (" NHC_GROUP ") is served",
		    "install remediation that cordons and drains faulty nodes (medik8s "
		    "NodeHealthCheck on the GPU condition)");
		return 0;
	}
	if (!cutil_list_read(ctx->inv, NHC_GROUP, NULL, NHC_RESOURCE, res, &errors, &nhcs) ||
	    !cutil_list_read(ctx->inv, "", "v1", "nodes", res, &errors, &nodes)) {
		active_run_read_failed(res, errors);
		return -1;
	}
	char why[512];
	if (!pick(nhcs, nodes, t, why, sizeof why)) {
		active_run_not_run(res, why,
				   "let a NodeHealthCheck act on the accelerator fault condition "
				   "with room in its minHealthy");
		return 0;
	}
	return 1;
}

void active_hw13_run(struct check_ctx *ctx, struct check_result *res)
{
	if (ctx->opts == NULL || !ctx->opts->disruptive) {
		active_run_not_run(
		    res, "it faults a node: opt in with --disruptive",
		    "run kaic with --disruptive (HW-1.3 fakes an accelerator fault on "
		    "one node, which is cordoned and drained, then restored)");
		return;
	}
	struct target t;
	if (find_target(ctx, res, &t) <= 0)
		return;
	struct active_params p;
	active_run_params(ctx, &p);
	p.node = cutil_name(t.node);
	json_t *objs = active_hw13_objects(&p), *pod = NULL, *fresh = NULL;
	char *npath = xasprintf("/api/v1/nodes/%s", p.node);
	char *spath = xasprintf("%s/status", npath);
	char *what_c = xasprintf("the %s condition of node %s", t.type, p.node);
	char *what_u = xasprintf("the cordon of node %s", p.node);
	struct kube_error err = {0};
	if (active_run_create(ctx, res, active_build_find(objs, "Pod", TAG), NULL) != 0)
		goto out;
	res->mode = MODE_ACTIVE;
	if (active_run_wait_pod(ctx, TAG, ACTIVE_POD_READY, ctx->deadline_ms, &pod, &err) != 0) {
		active_run_error(ctx, res, "pod " TAG, &err);
		goto out;
	}
	if (read_old_condition(ctx, npath, &t, &fresh, &err) != 0) {
		active_run_error(ctx, res, "reading the node", &err);
		goto out;
	}
	json_t *cr = condition_restore(&t);
	json_t *ur = json_pack("{s:{s:n}}", "spec", "unschedulable");
	int rid_c = active_on_cleanup_patch(ctx->act, spath,
					    "application/strategic-merge-patch+json", cr, what_c);
	int rid_u =
	    active_on_cleanup_patch(ctx->act, npath, "application/merge-patch+json", ur, what_u);
	json_decref(cr);
	json_decref(ur);
	json_t *fp = fault_patch(&t, ctx->run_id);
	int rc = rid_c < 0 || rid_u < 0
		     ? -1
		     : kube_patch(ctx->client, spath, "application/strategic-merge-patch+json", fp,
				  NULL, &err);
	json_decref(fp);
	if (rc != 0) {
		active_run_error(ctx, res, "setting the fault condition", &err);
		restore_node(ctx, res, &t, npath, rid_c, rid_u);
		goto out;
	}
	check_evidence(res,
		       "set %s=%s (reason " FAULT_REASON ") on node %s, watched by NodeHealthCheck "
		       "%s; pod %s/" TAG " runs there",
		       t.type, t.status, p.node, cutil_name(t.nhc), ctx->ns);
	struct watch w = {.t0 = now_ms(), .cordon_ms = -1, .drain_ms = -1};
	watch_remediation(ctx, &t, npath, &w);
	decide(ctx, res, &t, &w);
	if (!restore_node(ctx, res, &t, npath, rid_c, rid_u)) {
		check_evidence(res, "kaic could not restore node %s: see the lines above", p.node);
		active_run_decide(res, VERDICT_ERROR,
				  "restore the node by hand (uncordon it, remove the condition "
				  "with reason " FAULT_REASON ")");
	}
out:
	json_decref(fresh);
	json_decref(pod);
	json_decref(objs);
	free(npath);
	free(spath);
	free(what_c);
	free(what_u);
}
