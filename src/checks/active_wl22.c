/* active_wl22.c: the active test of WL-2.2 (JobSet): two JobSets of one replicated job
 * `workers` × 2 Jobs × 2 pods (`kaic probe job`). `jobset` succeeds and must end with
 * Completed=True; in `jobset-restart` (failurePolicy.maxRestarts 1) pod 1 of Job 1 fails
 * on purpose in restart attempt 0, so the JobSet must restart as a whole (status.restarts
 * 1, every Job recreated at restart-attempt 1, the healthy one too) and then complete. */
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/util.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#define JS_GROUP "jobset.x-k8s.io"
#define JS_API JS_GROUP "/v1alpha2"
#define OK_NAME "jobset"
#define RESTART_NAME "jobset-restart"
#define RJOB "workers"
#define REPLICAS 2
#define PODS 2
#define L_PREFIX "jobset.sigs.k8s.io/"
#define L_ATTEMPT L_PREFIX "restart-attempt"

static json_t *label_env(const char *name, const char *label)
{
	char *path = xasprintf("metadata.labels['%s']", label);
	json_t *e = json_pack("{s:s, s:{s:{s:s}}}", "name", name, "valueFrom", "fieldRef",
			      "fieldPath", path);
	free(path);
	return e;
}

static json_t *jobset(const struct active_params *p, const char *name, bool fail_once)
{
	json_t *args =
	    fail_once ? json_pack("[s,s,s,s,s,s]", "--fail-if", "JOBSET_JOB_INDEX=1", "--fail-if",
				  "JOB_COMPLETION_INDEX=1", "--fail-if", "JOBSET_RESTART_ATTEMPT=0")
		      : json_array();
	json_t *pod = active_build_pod(p, name, "job", args, true);
	json_t *c = json_array_get(cutil_get(pod, "spec.containers"), 0);
	json_t *env = json_object_get(c, "env");
	json_array_append_new(env, label_env("JOBSET_JOB_INDEX", L_PREFIX "job-index"));
	json_array_append_new(env, label_env("JOBSET_RESTART_ATTEMPT", L_ATTEMPT));
	json_t *tpl = json_pack("{s:{s:O}, s:O}", "metadata", "labels",
				cutil_get(pod, "metadata.labels"), "spec", cutil_get(pod, "spec"));
	json_decref(pod);
	json_t *js = active_build_object(p, JS_API, "JobSet", name, true);
	json_t *job =
	    json_pack("{s:{s:i, s:i, s:i, s:s, s:o}}", "spec", "parallelism", PODS, "completions",
		      PODS, "backoffLimit", 0, "completionMode", "Indexed", "template", tpl);
	json_object_set_new(js, "spec",
			    json_pack("{s:{s:i}, s:[{s:s, s:i, s:o}]}", "failurePolicy",
				      "maxRestarts", fail_once ? 1 : 0, "replicatedJobs", "name",
				      RJOB, "replicas", REPLICAS, "template", job));
	return js;
}

json_t *active_wl22_objects(const struct active_params *p)
{
	return json_pack("[o,o]", jobset(p, OK_NAME, false), jobset(p, RESTART_NAME, true));
}

static enum active_wait_answer terminal(const json_t *js, void *arg)
{
	(void)arg;
	return cutil_condition_true(js, "Completed") || cutil_condition_true(js, "Failed")
		   ? ACTIVE_WAIT_DONE
		   : ACTIVE_WAIT_MORE;
}

/* "Completed=True (AllJobsCompleted: ...)" or the last condition seen, into a new string. */
static char *state_text(const json_t *js)
{
	const char *t = cutil_condition_true(js, "Completed") ? "Completed"
			: cutil_condition_true(js, "Failed")  ? "Failed"
							      : NULL;
	if (t == NULL)
		return xstrdup(js && cutil_get(js, "status") ? "not finished"
							     : "without any status");
	size_t i;
	const json_t *c;
	json_array_foreach(cutil_get(js, "status.conditions"), i, c) {
		const char *ty = cutil_str(c, "type");
		if (ty && strcmp(ty, t) == 0)
			return xasprintf("%s=True (%s: %s)", t,
					 cutil_str(c, "reason") ? cutil_str(c, "reason") : "",
					 cutil_str(c, "message") ? cutil_str(c, "message") : "");
	}
	return xstrdup(t);
}

/* Waits for JobSet name to finish; 1 done (*out), 0 timed out (*out last seen, may be
 * NULL), -1 error (decided). */
static int wait_js(struct check_ctx *ctx, struct check_result *res, const char *name, json_t **out)
{
	char *path = xasprintf("/apis/" JS_API "/namespaces/%s/jobsets", ctx->ns);
	struct kube_error err = {0};
	int rc = active_wait(ctx->act, path, name, terminal, NULL, ctx->deadline_ms, ctx->cancel,
			     out, &err);
	free(path);
	if (rc == 0)
		return 1;
	if (strcmp(err.reason, "Timeout") == 0)
		return 0;
	char *what = xasprintf("JobSet %s", name);
	active_run_error(ctx, res, what, &err);
	free(what);
	return -1;
}

static json_int_t restarts_of(const json_t *js)
{
	return json_integer_value(cutil_get(js, "status.restarts"));
}

/* The Jobs of JobSet name: how many, and how many are at restart attempt want; their
 * names and attempts as evidence text (new). -1 on a failed read (decided). */
static int jobs_at(struct check_ctx *ctx, struct check_result *res, const char *name,
		   json_int_t want, size_t *n, size_t *at, char **text)
{
	char *path = xasprintf("/apis/batch/v1/namespaces/%s/jobs", ctx->ns);
	char *q = xasprintf("labelSelector=" L_PREFIX "jobset-name%%3D%s", name);
	json_t *items = NULL;
	struct kube_error err = {0};
	int rc = kube_list(ctx->client, path, q, &items, NULL, &err);
	free(path);
	free(q);
	if (rc != 0) {
		active_run_error(ctx, res, "cannot list the JobSet's Jobs", &err);
		return -1;
	}
	struct buf b = BUF_INIT;
	buf_init(&b);
	*n = *at = 0;
	size_t i;
	const json_t *j;
	json_array_foreach(items, i, j) {
		const char *a = cutil_label(j, L_ATTEMPT);
		(*n)++;
		if (a && strtoll(a, NULL, 10) == want)
			(*at)++;
		buf_addf(&b, "%s%s (attempt %s%s)", b.len ? ", " : "", cutil_name(j), a ? a : "?",
			 cutil_condition_true(j, "Complete") ? ", Complete" : "");
	}
	json_decref(items);
	*text = buf_detach(&b, NULL);
	return 0;
}

/* The success JobSet; true when Completed. */
static bool judge_ok(struct check_result *res, const json_t *js, int done)
{
	char *st = state_text(js);
	const json_t *rs = json_array_get(cutil_get(js, "status.replicatedJobsStatus"), 0);
	check_evidence(res,
		       "JobSet " OK_NAME " (%d Jobs x %d pods): %s%s; replicated job " RJOB
		       ": %lld of %d Jobs succeeded",
		       REPLICAS, PODS, st, done ? "" : " within the timeout",
		       (long long)json_integer_value(cutil_get(rs, "succeeded")), REPLICAS);
	free(st);
	return cutil_condition_true(js, "Completed");
}

/* The restart JobSet; true when it restarted as a whole and completed. -1 error. */
static int judge_restart(struct check_ctx *ctx, struct check_result *res, const json_t *js,
			 int done)
{
	char *st = state_text(js);
	json_int_t r = restarts_of(js);
	check_evidence(res,
		       "JobSet " RESTART_NAME " (failurePolicy.maxRestarts 1; pod 1 of Job 1 "
		       "made to exit 1 in restart attempt 0): %s%s, status.restarts %lld",
		       st, done ? "" : " within the timeout", (long long)r);
	free(st);
	size_t n = 0, at = 0;
	char *jobs = NULL;
	if (jobs_at(ctx, res, RESTART_NAME, r, &n, &at, &jobs) != 0)
		return -1;
	check_evidence(res, "Jobs of " RESTART_NAME ": %s", n ? jobs : "none");
	free(jobs);
	bool whole = r >= 1 && n == REPLICAS && at == REPLICAS;
	if (whole)
		check_evidence(res,
			       "restarted as a whole: all %d Jobs recreated at restart attempt "
			       "%lld, the healthy one too",
			       REPLICAS, (long long)r);
	else if (r >= 1)
		check_evidence(res, "wrong: after the restart %zu of %zu Jobs are at attempt %lld",
			       at, n, (long long)r);
	else if (cutil_condition_true(js, "Failed"))
		check_evidence(res, "wrong: the JobSet failed without the restart its "
				    "failurePolicy allows");
	else if (cutil_condition_true(js, "Completed"))
		check_evidence(res, "wrong: the JobSet completed without restarting although a "
				    "pod failed (or the pod did not see the JobSet's labels)");
	return whole && cutil_condition_true(js, "Completed");
}

void active_wl22_run(struct check_ctx *ctx, struct check_result *res)
{
	if (!inventory_served(ctx->inv, JS_GROUP, "v1alpha2", "jobsets")) {
		active_run_not_run(res, JS_API " JobSet is not served", NULL);
		return;
	}
	struct active_params p;
	active_run_params(ctx, &p);
	json_t *objs = active_wl22_objects(&p);
	json_t *ok = NULL, *rs = NULL;
	if (active_run_create_all(ctx, res, objs, NULL) != 0)
		goto out;
	res->mode = MODE_ACTIVE;
	int d1 = wait_js(ctx, res, OK_NAME, &ok);
	if (d1 < 0)
		goto out;
	int d2 = wait_js(ctx, res, RESTART_NAME, &rs);
	if (d2 < 0)
		goto out;
	if (cutil_get(ok, "status") == NULL && cutil_get(rs, "status") == NULL) {
		check_evidence(res, "no controller reconciled JobSets " OK_NAME " and " RESTART_NAME
				    " within the timeout (no status)");
		active_run_events(ctx, res);
		active_run_decide(res, VERDICT_PARTIAL,
				  "JobSets are accepted but not run: deploy the JobSet controller "
				  "(jobset-controller-manager)");
		goto out;
	}
	bool good = judge_ok(res, ok, d1);
	int restart = judge_restart(ctx, res, rs, d2);
	if (restart < 0)
		goto out;
	if (good && restart == 1) {
		active_run_decide(res, VERDICT_FULL, NULL);
	} else if (d1 == 0 || d2 == 0) {
		active_run_events(ctx, res);
		active_run_decide(res, VERDICT_ERROR,
				  "the JobSets did not finish in time: see the evidence, or run "
				  "again with a longer --timeout");
	} else {
		active_run_events(ctx, res);
		active_run_decide(res, VERDICT_PARTIAL,
				  good ? "the JobSet controller does not apply the failure policy "
					 "to the whole JobSet: check its version and configuration"
				       : "a JobSet whose pods all succeed did not complete: check "
					 "the JobSet controller");
	}
out:
	json_decref(ok);
	json_decref(rs);
	json_decref(objs);
}
