/* jobs.c: the simulated Job controller (batch/v1). Every tick, for each Job that has not
 * finished:
 *  - spec.suspend: its active pods are deleted, status.active 0, Suspended=True;
 *  - else it keeps up to `parallelism` pods running until `completions` succeeded (per
 *    index for completionMode Indexed: pod `<job>-<index>-<5 random>`, annotation and
 *    label batch.kubernetes.io/job-completion-index, env JOB_COMPLETION_INDEX from it);
 *    pods carry the labels job-name, controller-uid (plain and batch.kubernetes.io/)
 *    and a controlling ownerReference; more failed pods than backoffLimit: FailureTarget
 *    and Failed=True reason BackoffLimitExceeded, active pods deleted; every completion:
 *    SuccessCriteriaMet and Complete=True; status.active/ready/succeeded/failed.
 * controllers.jobs.enabled: false (or jobs: false) leaves Jobs alone. */

#include "controllers/jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonx.h"
#include "base/meta.h"
#include "controllers/ctl_util.h"
#include "objects/admin.h"
#include "sim.h"
#include "util/xmalloc.h"

#define INDEX_KEY "batch.kubernetes.io/job-completion-index"

static bool finished(const json_t *job)
{
	const char *c = ctl_condition_status(job, "Complete");
	const char *f = ctl_condition_status(job, "Failed");
	return (c && !strcmp(c, "True")) || (f && !strcmp(f, "True"));
}

static bool job_keep(const json_t *job, void *arg)
{
	(void)arg;
	return !sim_meta_str(job, "deletionTimestamp") && !finished(job);
}

static bool owned_by(const json_t *obj, const char *uid)
{
	size_t i;
	json_t *r;
	json_array_foreach(ctl_at(obj, "metadata.ownerReferences"), i, r) {
		if (!strcmp(ctl_s(r, "uid"), uid))
			return true;
	}
	return false;
}

bool ctl_jobs_active_pod(const json_t *pod)
{
	const char *ph = ctl_pod_phase(pod);
	return !sim_meta_str(pod, "deletionTimestamp") && strcmp(ph, "Succeeded") != 0 &&
	       strcmp(ph, "Failed") != 0;
}

json_t *ctl_jobs_pods(struct sim_api *api, const json_t *owner)
{
	json_t *all = ctl_list(api, "", "pods", ctl_s(owner, "metadata.namespace"));
	json_t *r = json_array();
	size_t i;
	json_t *p;
	json_array_foreach(all, i, p) {
		if (owned_by(p, ctl_s(owner, "metadata.uid")))
			json_array_append(r, p);
	}
	json_decref(all);
	return r;
}

static void make_pod(struct sim_api *api, const json_t *job, long index)
{
	const char *jname = ctl_s(job, "metadata.name"), *uid = ctl_s(job, "metadata.uid");
	char rnd[6];
	ctl_random(api, rnd, 5);
	char *name = index >= 0 ? xasprintf("%.*s-%ld-%s", 40, jname, index, rnd)
				: xasprintf("%.*s-%s", 40, jname, rnd);
	json_t *md = json_deep_copy(ctl_at(job, "spec.template.metadata"));
	if (!json_is_object(md)) {
		json_decref(md);
		md = json_object();
	}
	json_object_set_new(md, "name", json_string(name));
	json_object_set_new(md, "namespace", json_string(ctl_s(job, "metadata.namespace")));
	json_t *labels = sim_json_object_at(md, "labels");
	json_object_set_new(labels, "job-name", json_string(jname));
	json_object_set_new(labels, "batch.kubernetes.io/job-name", json_string(jname));
	json_object_set_new(labels, "controller-uid", json_string(uid));
	json_object_set_new(labels, "batch.kubernetes.io/controller-uid", json_string(uid));
	json_object_set_new(md, "ownerReferences",
			    json_pack("[{s:s, s:s, s:s, s:s, s:b, s:b}]", "apiVersion", "batch/v1",
				      "kind", "Job", "name", jname, "uid", uid, "controller", 1,
				      "blockOwnerDeletion", 1));
	json_t *spec = json_deep_copy(ctl_at(job, "spec.template.spec"));
	if (!json_is_object(spec)) {
		json_decref(spec);
		spec = json_object();
	}
	if (index >= 0) {
		char idx[24];
		snprintf(idx, sizeof idx, "%ld", index);
		json_object_set_new(labels, INDEX_KEY, json_string(idx));
		json_object_set_new(sim_json_object_at(md, "annotations"), INDEX_KEY,
				    json_string(idx));
		size_t i;
		json_t *c;
		json_array_foreach(json_object_get(spec, "containers"), i, c) {
			json_t *env = json_object_get(c, "env");
			if (!json_is_array(env)) {
				env = json_array();
				json_object_set_new(c, "env", env);
			}
			json_array_append_new(
			    env, json_pack("{s:s, s:{s:{s:s}}}", "name", "JOB_COMPLETION_INDEX",
					   "valueFrom", "fieldRef", "fieldPath",
					   "metadata.annotations['" INDEX_KEY "']"));
		}
	}
	free(name);
	ctl_create(api, json_pack("{s:s, s:s, s:o, s:o}", "apiVersion", "v1", "kind", "Pod",
				  "metadata", md, "spec", spec));
}

static void delete_active(struct sim_api *api, const json_t *pods)
{
	size_t i;
	json_t *p;
	json_array_foreach(pods, i, p) {
		if (ctl_jobs_active_pod(p))
			sim_api_delete(api, "", "pods", ctl_s(p, "metadata.namespace"),
				       ctl_s(p, "metadata.name"));
	}
}

static long spec_int(const json_t *job, const char *key, long dflt)
{
	json_t *v = ctl_at(ctl_at(job, "spec"), key);
	return json_is_integer(v) ? (long)json_integer_value(v) : dflt;
}

struct counts {
	long active, ready, succeeded, failed;
	json_t *done_idx, *active_idx; /* sets of index strings */
};

static void count_pods(const json_t *pods, struct counts *c)
{
	size_t i;
	json_t *p;
	json_array_foreach(pods, i, p) {
		const char *ph = ctl_pod_phase(p);
		const char *idx = json_string_value(
		    json_object_get(ctl_at(p, "metadata.annotations"), INDEX_KEY));
		if (!strcmp(ph, "Succeeded")) {
			if (!idx || !json_object_get(c->done_idx, idx))
				c->succeeded++;
			if (idx)
				json_object_set_new(c->done_idx, idx, json_true());
		} else if (!strcmp(ph, "Failed")) {
			c->failed++;
		} else if (ctl_jobs_active_pod(p)) {
			c->active++;
			c->ready += ctl_pod_ready(p);
			if (idx)
				json_object_set_new(c->active_idx, idx, json_true());
		}
	}
}

/* Creates the pods the Job lacks. */
static void fill(struct sim_api *api, const json_t *job, const struct counts *c)
{
	long par = spec_int(job, "parallelism", 1);
	long comp = spec_int(job, "completions", par);
	long active = c->active;
	if (!strcmp(ctl_s(job, "spec.completionMode"), "Indexed")) {
		for (long i = 0; i < comp && active < par; i++) {
			char idx[24];
			snprintf(idx, sizeof idx, "%ld", i);
			if (json_object_get(c->done_idx, idx) ||
			    json_object_get(c->active_idx, idx))
				continue;
			make_pod(api, job, i);
			active++;
		}
		return;
	}
	for (long want = (comp - c->succeeded < par ? comp - c->succeeded : par); active < want;
	     active++)
		make_pod(api, job, -1);
}

static void job_sync(struct sim_api *api, const json_t *job)
{
	json_t *pods = ctl_jobs_pods(api, job);
	json_t *next = json_deep_copy(job);
	json_t *st = sim_json_object_at(next, "status");
	struct counts c = {0, 0, 0, 0, json_object(), json_object()};
	count_pods(pods, &c);
	char now[32];
	ctl_now(now);
	long par = spec_int(job, "parallelism", 1);
	long comp = spec_int(job, "completions", par);
	if (json_is_true(ctl_at(job, "spec.suspend"))) {
		delete_active(api, pods);
		c.active = c.ready = 0;
		ctl_condition(st, "Suspended", "True", "JobSuspended", "Job suspended", -1);
	} else {
		if (ctl_condition_status(job, "Suspended"))
			ctl_condition(st, "Suspended", "False", "JobResumed", "Job resumed", -1);
		if (!json_object_get(st, "startTime"))
			json_object_set_new(st, "startTime", json_string(now));
		if (c.failed > spec_int(job, "backoffLimit", 6)) {
			delete_active(api, pods);
			c.active = c.ready = 0;
			ctl_condition(st, "FailureTarget", "True", "BackoffLimitExceeded",
				      "Job has reached the specified backoff limit", -1);
			ctl_condition(st, "Failed", "True", "BackoffLimitExceeded",
				      "Job has reached the specified backoff limit", -1);
		} else if (c.succeeded >= comp) {
			ctl_condition(st, "SuccessCriteriaMet", "True", "CompletionsReached",
				      "Reached expected number of succeeded pods", -1);
			ctl_condition(st, "Complete", "True", "CompletionsReached",
				      "Reached expected number of succeeded pods", -1);
			json_object_set_new(st, "completionTime", json_string(now));
		} else {
			fill(api, job, &c);
		}
	}
	json_object_set_new(st, "active", json_integer(c.active));
	json_object_set_new(st, "ready", json_integer(c.ready));
	json_object_set_new(st, "succeeded", json_integer(c.succeeded));
	json_object_set_new(st, "failed", json_integer(c.failed));
	if (!json_equal(st, ctl_at(job, "status")))
		ctl_replace(api, "batch", "jobs", next);
	else
		json_decref(next);
	json_decref(c.done_idx);
	json_decref(c.active_idx);
	json_decref(pods);
}

static void jobs_tick(struct sim_api *api)
{
	json_t *jobs = ctl_list_filter(api, "batch", "jobs", job_keep, NULL);
	size_t i;
	json_t *j;
	json_array_foreach(jobs, i, j) {
		job_sync(api, j);
	}
	json_decref(jobs);
}

const struct sim_controller sim_controller_jobs = {
    .name = "jobs",
    .group = "batch",
    .resource = "jobs",
    .on_change = NULL,
    .tick = jobs_tick,
};
