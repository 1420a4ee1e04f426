/* jobset.c: the simulated JobSet controller (jobset.x-k8s.io, any served version), as
 * JobSet v0.10 behaves with the default success policy (All):
 *  - each replicatedJob gets `replicas` Jobs `<jobset>-<replicatedJob>-<i>` (completionMode
 *    Indexed unless set; suspend as the JobSet), owned by the JobSet, labelled and
 *    annotated (pod template too) jobset.sigs.k8s.io/jobset-name, replicatedjob-name,
 *    replicatedjob-replicas, job-index, restart-attempt (= status.restarts);
 *  - a Job of the current attempt Failed: while status.restarts < failurePolicy.maxRestarts
 *    every Job is deleted with its pods and status.restarts grows (all recreated at the
 *    next attempt); otherwise Failed=True reason ReachedMaxRestarts (FailedJobs when
 *    maxRestarts is 0) and terminalState Failed;
 *  - every Job of the attempt Complete: Completed=True reason AllJobsCompleted,
 *    terminalState Completed; status.replicatedJobsStatus counts them.
 * controllers.jobset.failurePolicy: false ignores maxRestarts (the first failed Job fails
 * the JobSet). */

#include "controllers/jobset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/meta.h"
#include "controllers/ctl_util.h"
#include "controllers/jobs.h"
#include "objects/admin.h"
#include "sim.h"
#include "util/xmalloc.h"

#define JS_GROUP "jobset.x-k8s.io"
#define L_NAME "jobset.sigs.k8s.io/jobset-name"
#define L_RJOB "jobset.sigs.k8s.io/replicatedjob-name"
#define L_REPLICAS "jobset.sigs.k8s.io/replicatedjob-replicas"
#define L_INDEX "jobset.sigs.k8s.io/job-index"
#define L_ATTEMPT "jobset.sigs.k8s.io/restart-attempt"

static bool js_keep(const json_t *js, void *arg)
{
	(void)arg;
	return !sim_meta_str(js, "deletionTimestamp") && !ctl_str(js, "status.terminalState");
}

static bool cond_true(const json_t *obj, const char *type)
{
	const char *s = ctl_condition_status(obj, type);
	return s && !strcmp(s, "True");
}

static long int_at(const json_t *obj, const char *path, long dflt)
{
	json_t *v = ctl_at(obj, path);
	return json_is_integer(v) ? (long)json_integer_value(v) : dflt;
}

static const char *label(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(ctl_at(obj, "metadata.labels"), key));
}

static long attempt_of(const json_t *job)
{
	const char *a = label(job, L_ATTEMPT);
	return a ? strtol(a, NULL, 10) : 0;
}

static void set_labels(json_t *md, const char *key, const char *const *kv)
{
	json_t *m = json_object_get(md, key);
	if (!json_is_object(m)) {
		m = json_object();
		json_object_set_new(md, key, m);
	}
	for (size_t i = 0; kv[i] != NULL; i += 2)
		json_object_set_new(m, kv[i], json_string(kv[i + 1]));
}

static void create_job(struct sim_api *api, const json_t *js, const json_t *rj, long i,
		       long replicas, long attempt)
{
	const char *ns = ctl_s(js, "metadata.namespace"), *jsn = ctl_s(js, "metadata.name");
	char idx[24], reps[24], att[24];
	snprintf(idx, sizeof idx, "%ld", i);
	snprintf(reps, sizeof reps, "%ld", replicas);
	snprintf(att, sizeof att, "%ld", attempt);
	const char *const kv[] = {L_NAME,     jsn,  L_RJOB,  ctl_s(rj, "name"),
				  L_REPLICAS, reps, L_INDEX, idx,
				  L_ATTEMPT,  att,  NULL};
	char *name = xasprintf("%s-%s-%ld", jsn, ctl_s(rj, "name"), i);
	json_t *md = json_deep_copy(ctl_at(rj, "template.metadata"));
	if (!json_is_object(md)) {
		json_decref(md);
		md = json_object();
	}
	json_object_set_new(md, "name", json_string(name));
	json_object_set_new(md, "namespace", json_string(ns));
	set_labels(md, "labels", kv);
	set_labels(md, "annotations", kv);
	json_object_set_new(md, "ownerReferences",
			    json_pack("[{s:O, s:s, s:s, s:s, s:b, s:b}]", "apiVersion",
				      json_object_get(js, "apiVersion"), "kind", "JobSet", "name",
				      jsn, "uid", ctl_s(js, "metadata.uid"), "controller", 1,
				      "blockOwnerDeletion", 1));
	json_t *spec = json_deep_copy(ctl_at(rj, "template.spec"));
	if (!json_is_object(spec)) {
		json_decref(spec);
		spec = json_object();
	}
	if (!json_object_get(spec, "completionMode"))
		json_object_set_new(spec, "completionMode", json_string("Indexed"));
	json_object_set_new(spec, "suspend",
			    json_boolean(json_is_true(ctl_at(js, "spec.suspend"))));
	json_t *tpl = json_object_get(spec, "template");
	if (json_is_object(tpl)) {
		json_t *tmd = json_object_get(tpl, "metadata");
		if (!json_is_object(tmd)) {
			tmd = json_object();
			json_object_set_new(tpl, "metadata", tmd);
		}
		set_labels(tmd, "labels", kv);
		set_labels(tmd, "annotations", kv);
	}
	free(name);
	ctl_create(api, json_pack("{s:s, s:s, s:o, s:o}", "apiVersion", "batch/v1", "kind", "Job",
				  "metadata", md, "spec", spec));
}

static void delete_job(struct sim_api *api, const json_t *job)
{
	json_t *pods = ctl_jobs_pods(api, job);
	size_t i;
	json_t *p;
	json_array_foreach(pods, i, p) {
		sim_api_delete(api, "", "pods", ctl_s(p, "metadata.namespace"),
			       ctl_s(p, "metadata.name"));
	}
	json_decref(pods);
	sim_api_delete(api, "batch", "jobs", ctl_s(job, "metadata.namespace"),
		       ctl_s(job, "metadata.name"));
}

/* The Jobs the JobSet owns (new array). */
static json_t *owned_jobs(struct sim_api *api, const json_t *js)
{
	json_t *all = ctl_list(api, "batch", "jobs", ctl_s(js, "metadata.namespace"));
	json_t *r = json_array();
	size_t i, k;
	json_t *j, *ref;
	json_array_foreach(all, i, j) {
		json_array_foreach(ctl_at(j, "metadata.ownerReferences"), k, ref) {
			if (!strcmp(ctl_s(ref, "uid"), ctl_s(js, "metadata.uid")))
				json_array_append(r, j);
		}
	}
	json_decref(all);
	return r;
}

/* status.replicatedJobsStatus of the current attempt's Jobs. */
static json_t *rj_status(const json_t *js, const json_t *jobs, long attempt)
{
	json_t *out = json_array();
	size_t i, k;
	json_t *rj, *j;
	json_array_foreach(ctl_at(js, "spec.replicatedJobs"), i, rj) {
		long ready = 0, succeeded = 0, failed = 0, active = 0, suspended = 0;
		json_array_foreach(jobs, k, j) {
			if (attempt_of(j) != attempt || !label(j, L_RJOB) ||
			    strcmp(label(j, L_RJOB), ctl_s(rj, "name")) != 0)
				continue;
			if (cond_true(j, "Complete"))
				succeeded++;
			else if (cond_true(j, "Failed"))
				failed++;
			else if (json_is_true(ctl_at(j, "spec.suspend")))
				suspended++;
			else if (int_at(j, "status.ready", 0) >= int_at(j, "spec.parallelism", 1))
				ready++;
			else
				active++;
		}
		json_array_append_new(
		    out, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "name", ctl_s(rj, "name"),
				   "ready", (json_int_t)ready, "succeeded", (json_int_t)succeeded,
				   "failed", (json_int_t)failed, "active", (json_int_t)active,
				   "suspended", (json_int_t)suspended));
	}
	return out;
}

static bool has_job(const json_t *jobs, const char *name)
{
	size_t i;
	json_t *j;
	json_array_foreach(jobs, i, j) {
		if (!strcmp(ctl_s(j, "metadata.name"), name))
			return true;
	}
	return false;
}

/* Creates the Jobs of the attempt that do not exist; returns how many it expects. */
static long create_missing(struct sim_api *api, const json_t *js, const json_t *jobs, long attempt)
{
	long total = 0;
	size_t i;
	json_t *rj;
	json_array_foreach(ctl_at(js, "spec.replicatedJobs"), i, rj) {
		long reps = int_at(rj, "replicas", 1);
		for (long k = 0; k < reps; k++, total++) {
			char *name = xasprintf("%s-%s-%ld", ctl_s(js, "metadata.name"),
					       ctl_s(rj, "name"), k);
			if (!has_job(jobs, name))
				create_job(api, js, rj, k, reps, attempt);
			free(name);
		}
	}
	return total;
}

static void js_sync(struct sim_api *api, const json_t *js)
{
	long restarts = int_at(js, "status.restarts", 0);
	long max = ctl_setting_bool(api, "jobset", "failurePolicy", true)
		       ? int_at(js, "spec.failurePolicy.maxRestarts", 0)
		       : 0;
	json_t *jobs = owned_jobs(api, js);
	json_t *next = json_deep_copy(js);
	json_t *st = ctl_status(next);
	long current = 0, complete = 0, failed = 0;
	size_t i;
	json_t *j;
	json_array_foreach(jobs, i, j) {
		if (attempt_of(j) < restarts) {
			delete_job(api, j);
			continue;
		}
		current++;
		complete += cond_true(j, "Complete");
		failed += cond_true(j, "Failed");
	}
	if (failed > 0 && restarts < max) {
		json_array_foreach(jobs, i, j) {
			if (attempt_of(j) >= restarts)
				delete_job(api, j);
		}
		json_object_set_new(st, "restarts", json_integer(restarts + 1));
		ctl_event(api, js, "JobSet", "Warning", "Restarting",
			  "a Job failed: restarting every Job of the JobSet");
	} else if (failed > 0) {
		const char *reason = max > 0 ? "ReachedMaxRestarts" : "FailedJobs";
		const char *msg = max > 0 ? "jobset failed due to reaching max number of restarts"
					  : "jobset failed due to one or more job failures";
		ctl_condition(st, "Failed", "True", reason, msg, -1);
		json_object_set_new(st, "terminalState", json_string("Failed"));
		ctl_event(api, js, "JobSet", "Warning", reason, msg);
	} else {
		long total = create_missing(api, js, jobs, restarts);
		if (current == total && complete == total && total > 0) {
			ctl_condition(st, "Completed", "True", "AllJobsCompleted",
				      "jobset completed successfully", -1);
			json_object_set_new(st, "terminalState", json_string("Completed"));
		}
	}
	json_object_set_new(st, "restarts", json_integer(int_at(next, "status.restarts", 0)));
	json_object_set_new(st, "replicatedJobsStatus", rj_status(js, jobs, restarts));
	if (!json_equal(st, ctl_at(js, "status")))
		ctl_replace(api, JS_GROUP, "jobsets", next);
	else
		json_decref(next);
	json_decref(jobs);
}

static void jobset_tick(struct sim_api *api)
{
	json_t *sets = ctl_list_filter(api, JS_GROUP, "jobsets", js_keep, NULL);
	size_t i;
	json_t *js;
	json_array_foreach(sets, i, js) {
		js_sync(api, js);
	}
	json_decref(sets);
}

const struct sim_controller sim_controller_jobset = {
    .name = "jobset",
    .group = JS_GROUP,
    .resource = "jobsets",
    .on_change = NULL,
    .tick = jobset_tick,
};
