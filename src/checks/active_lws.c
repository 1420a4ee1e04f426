/* active_lws.c: the active test of robust_controller (an AI operator with a CRD that
 * functions reliably), on LeaderWorkerSet (leaderworkerset.x-k8s.io/v1), the operator
 * whose API kaic knows how to drive:
 *  1. a server-side dry run (?dryRun=All: admission runs, nothing is stored) of
 *     LeaderWorkerSet lws-invalid with leaderWorkerTemplate.size 0, which the CRD's schema
 *     accepts and upstream's validating webhook denies ("the Size 0 is invalid"): it must
 *     be rejected (by the webhook, or by the CRD's own validation);
 *  2. LeaderWorkerSet lws, one group of size 1 running `kaic probe echo` (restricted Pod
 *     Security), must be reconciled: the controller writes its status (a condition) and
 *     creates its leader StatefulSet lws; the pods made from it are named as evidence.
 * Full when both are observed; Partial when the invalid one is admitted, or the valid one
 * is stored but not reconciled in time (evidence names what is missing); Error when kaic
 * could not observe (read errors, a failed create, cancellation). Without a served
 * LeaderWorkerSet API and a Ready controller the test does not run. */
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/cncf.h"
#include "checks/known.h"
#include "checks/util.h"
#include "util/xmalloc.h"

#define NAME "lws"
#define INVALID "lws-invalid"
#define LWS_GROUP "leaderworkerset.x-k8s.io"
#define LWS_VERSION "v1"
#define L_NAME "leaderworkerset.sigs.k8s.io/name"

/* A LeaderWorkerSet NAME: one group (replicas 1) of size, its pods `kaic probe echo`. */
static json_t *lws_object(const struct active_params *p, const char *name, long size)
{
	json_t *lws =
	    active_build_object(p, LWS_GROUP "/" LWS_VERSION, "LeaderWorkerSet", name, true);
	json_t *pod = active_build_pod(p, name, "echo", json_array(), false);
	json_t *tmpl =
	    json_pack("{s:{s:O}, s:O}", "metadata", "labels", cutil_get(pod, "metadata.labels"),
		      "spec", json_object_get(pod, "spec"));
	json_decref(pod);
	json_object_set_new(lws, "spec",
			    json_pack("{s:i, s:{s:I, s:o}}", "replicas", 1, "leaderWorkerTemplate",
				      "size", (json_int_t)size, "workerTemplate", tmpl));
	return lws;
}

json_t *active_lws_objects(const struct active_params *p)
{
	return json_pack("[o,o]", lws_object(p, INVALID, 0), lws_object(p, NAME, 1));
}

/* The LeaderWorkerSet operator of the known list, or NULL. */
static const struct known_ai_operator *lws_operator(void)
{
	for (const struct known_ai_operator *op = known_ai_operators; op->product; op++)
		if (strcmp(op->group, LWS_GROUP) == 0)
			return op;
	return NULL;
}

/* Whether a Ready controller Deployment of the operator is listed (read errors counted). */
static bool controller_ready(struct check_ctx *ctx, const struct known_ai_operator *op,
			     struct check_result *res, int *errors)
{
	const json_t *ds;
	if (!cutil_list_read(ctx->inv, "apps", "v1", "deployments", res, errors, &ds))
		return false;
	size_t i;
	const json_t *d;
	json_array_foreach(ds, i, d) {
		long long ready, want;
		cncf_workload_replicas(d, &ready, &want);
		if (cutil_matches(d, op->workload_names, op->labels) && want > 0 && ready >= want)
			return true;
	}
	return false;
}

enum outcome { REJECTED, ADMITTED, FAILED };

/* Dry-runs the invalid LeaderWorkerSet; *msg gets the server's answer (caller frees). */
static enum outcome dry_run(struct check_ctx *ctx, const json_t *obj, char **msg)
{
	char *base = active_build_path(obj);
	char *path = xasprintf("%s?dryRun=All", base);
	struct kube_error err = {0};
	json_t *out = NULL;
	int rc = kube_create(ctx->client, path, obj, &out, &err);
	free(path);
	free(base);
	json_decref(out);
	if (rc == 0) {
		*msg = NULL;
		return ADMITTED;
	}
	*msg = xasprintf("HTTP %ld %s: %s", err.http_code, err.reason, err.message);
	bool webhook = strstr(err.message, "denied the request") != NULL;
	bool schema = err.http_code == 422 || strcmp(err.reason, "Invalid") == 0;
	return (webhook || schema) && err.http_code >= 400 && err.http_code < 500 ? REJECTED
										  : FAILED;
}

/* Step 1: the verdict the dry run allows (Full, Partial or Error), with its evidence. */
static enum verdict check_invalid(struct check_ctx *ctx, struct check_result *res,
				  const json_t *objs, const char **hint)
{
	char *msg = NULL;
	enum outcome o = dry_run(ctx, active_build_find(objs, "LeaderWorkerSet", INVALID), &msg);
	enum verdict v = VERDICT_FULL;
	if (o == REJECTED) {
		check_evidence(res,
			       "dry run of LeaderWorkerSet %s (leaderWorkerTemplate.size 0) "
			       "rejected: %s",
			       INVALID, msg);
	} else if (o == ADMITTED) {
		check_evidence(res,
			       "dry run of LeaderWorkerSet %s (leaderWorkerTemplate.size 0) "
			       "admitted: neither the operator's webhook nor the CRD's validation "
			       "rejected it",
			       INVALID);
		*hint = "the LeaderWorkerSet validating webhook admits size 0: check that "
			"webhook vleaderworkerset.kb.io is registered and its Service answers";
		v = VERDICT_PARTIAL;
	} else {
		check_evidence(res, "dry run of LeaderWorkerSet %s failed: %s", INVALID, msg);
		*hint = "the dry run of an invalid LeaderWorkerSet failed: see the evidence";
		v = VERDICT_ERROR;
	}
	free(msg);
	return v;
}

/* The controller wrote a status condition. */
static enum active_wait_answer reconciled(const json_t *lws, void *arg)
{
	(void)arg;
	return json_array_size(cutil_get(lws, "status.conditions")) > 0 ? ACTIVE_WAIT_DONE
									: ACTIVE_WAIT_MORE;
}

static enum active_wait_answer exists(const json_t *obj, void *arg)
{
	(void)arg;
	return obj != NULL ? ACTIVE_WAIT_DONE : ACTIVE_WAIT_MORE;
}

/* "TYPE=STATUS (REASON)" for every condition of the LeaderWorkerSet (new string). */
static char *conditions(const json_t *lws)
{
	char *s = xstrdup("");
	size_t i;
	const json_t *c;
	json_array_foreach(cutil_get(lws, "status.conditions"), i, c) {
		const char *t = cutil_str(c, "type"), *st = cutil_str(c, "status");
		const char *r = cutil_str(c, "reason");
		char *n = xasprintf("%s%s%s=%s (%s)", s, i ? ", " : "", t ? t : "?", st ? st : "?",
				    r ? r : "-");
		free(s);
		s = n;
	}
	return s;
}

/* Evidence naming the pods the LeaderWorkerSet's groups got so far (a list error is
 * evidence only: the verdict rests on the StatefulSet). */
static void pods_evidence(struct check_ctx *ctx, struct check_result *res)
{
	char *path = xasprintf("/api/v1/namespaces/%s/pods", ctx->ns);
	json_t *items = NULL;
	struct kube_error err = {0};
	if (kube_list(ctx->client, path, "labelSelector=" L_NAME "%3D" NAME, &items, NULL, &err) ==
	    0) {
		struct cutil_set names = CUTIL_SET_INIT;
		size_t i;
		const json_t *p;
		json_array_foreach(items, i, p)
			cutil_set_addf(&names, "%s (%s)", cutil_name(p),
				       *active_run_phase(p) ? active_run_phase(p) : "no phase yet");
		if (names.n)
			cutil_evidence_set(res, &names, 5, "its pods: ");
		else
			check_evidence(res, "no pod of LeaderWorkerSet %s yet", NAME);
		cutil_set_release(&names);
	} else {
		check_evidence(res, "cannot list the pods of LeaderWorkerSet %s: %s", NAME,
			       err.message);
	}
	json_decref(items);
	free(path);
}

/* Waits for object name at path; 0 with *out, or -1 with *err and the last state. */
static int wait_for(struct check_ctx *ctx, const char *path, const char *name,
		    active_wait_pred pred, json_t **out, struct kube_error *err)
{
	return active_wait(ctx->act, path, name, pred, NULL, ctx->deadline_ms, ctx->cancel, out,
			   err);
}

/* Not reconciled in time: Partial naming what is missing; Error when not observed. */
static enum verdict not_reconciled(struct check_ctx *ctx, struct check_result *res,
				   const char *what, const struct kube_error *err,
				   const char **hint)
{
	if (strcmp(err->reason, "Timeout") != 0) {
		active_run_error(ctx, res, what, err);
		*hint = NULL;
		return VERDICT_ERROR;
	}
	check_evidence(res, "%s: not seen by the deadline (%s)", what, err->message);
	active_run_events(ctx, res);
	*hint = "the LeaderWorkerSet controller accepted the custom resource but did not "
		"reconcile it: see the controller's logs (leader election, RBAC, crashes)";
	return VERDICT_PARTIAL;
}

/* Step 2: creates the valid LeaderWorkerSet and waits for the controller's work. */
static enum verdict check_valid(struct check_ctx *ctx, struct check_result *res, const json_t *objs,
				const char **hint)
{
	if (active_run_create(ctx, res, active_build_find(objs, "LeaderWorkerSet", NAME), NULL) !=
	    0)
		return VERDICT_ERROR;
	check_evidence(res, "LeaderWorkerSet %s created: 1 group of size 1 running kaic probe echo",
		       NAME);
	char *path = xasprintf("/apis/" LWS_GROUP "/" LWS_VERSION "/namespaces/%s/leaderworkersets",
			       ctx->ns);
	json_t *lws = NULL, *sts = NULL;
	struct kube_error err = {0};
	int rc = wait_for(ctx, path, NAME, reconciled, &lws, &err);
	free(path);
	enum verdict v = VERDICT_FULL;
	if (rc != 0) {
		v = not_reconciled(
		    ctx, res,
		    "a status condition written by the controller on LeaderWorkerSet " NAME, &err,
		    hint);
	} else {
		char *conds = conditions(lws);
		check_evidence(
		    res, "the controller wrote its status: %s; replicas %lld, ready %lld", conds,
		    (long long)json_integer_value(cutil_get(lws, "status.replicas")),
		    (long long)json_integer_value(cutil_get(lws, "status.readyReplicas")));
		free(conds);
		path = xasprintf("/apis/apps/v1/namespaces/%s/statefulsets", ctx->ns);
		rc = wait_for(ctx, path, NAME, exists, &sts, &err);
		free(path);
		if (rc != 0)
			v = not_reconciled(ctx, res, "the leader StatefulSet " NAME, &err, hint);
		else
			check_evidence(
			    res,
			    "the controller created its leader StatefulSet %s (%lld "
			    "replica)",
			    NAME, (long long)json_integer_value(cutil_get(sts, "spec.replicas")));
		pods_evidence(ctx, res);
	}
	json_decref(lws);
	json_decref(sts);
	return v;
}

static void run_lws(struct check_ctx *ctx, struct check_result *res)
{
	struct active_params p;
	active_run_params(ctx, &p);
	json_t *objs = active_lws_objects(&p);
	res->mode = MODE_ACTIVE;
	const char *hint1 = NULL, *hint2 = NULL;
	enum verdict v1 = check_invalid(ctx, res, objs, &hint1);
	enum verdict v2 = check_valid(ctx, res, objs, &hint2);
	if (v2 == VERDICT_ERROR && hint2 == NULL) {
		/* decided by active_run_create or active_run_error */
	} else if (v1 == VERDICT_ERROR || v2 == VERDICT_ERROR) {
		active_run_decide(res, VERDICT_ERROR, v1 == VERDICT_ERROR ? hint1 : hint2);
	} else if (v1 == VERDICT_PARTIAL || v2 == VERDICT_PARTIAL) {
		active_run_decide(res, VERDICT_PARTIAL, v2 == VERDICT_PARTIAL ? hint2 : hint1);
	} else {
		active_run_decide(res, VERDICT_FULL, NULL);
	}
	json_decref(objs);
}

void active_lws_run(struct check_ctx *ctx, struct check_result *res)
{
	const struct known_ai_operator *op = lws_operator();
	if (op == NULL || !inventory_served(ctx->inv, LWS_GROUP, LWS_VERSION, op->resource)) {
		active_run_not_run(res,
				   "kaic drives LeaderWorkerSet (leaderworkerset.x-k8s.io/v1), "
				   "which is not served",
				   NULL);
		return;
	}
	int errors = 0;
	bool ready = controller_ready(ctx, op, res, &errors);
	if (errors > 0) {
		active_run_read_failed(res, errors);
		return;
	}
	if (!ready) {
		active_run_not_run(res, "the LeaderWorkerSet controller is not Ready", NULL);
		return;
	}
	run_lws(ctx, res);
}
