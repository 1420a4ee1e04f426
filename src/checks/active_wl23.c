/* active_wl23.c: the active test of WL-2.3 (Kueue), also the gang-scheduling proof where
 * Kueue is the gang solution. kaic creates a ResourceFlavor, a WorkloadPriorityClass and a
 * ClusterQueue (cluster-scoped, named queue-<run-id>..., labelled, deleted in cleanup;
 * 1 CPU of quota, preemption withinClusterQueue LowerPriority, selecting only the run
 * namespace) and the LocalQueue `queue`. Then suspended Jobs of `kaic probe echo` pods
 * (250m CPU each) queued there: `queue-a` (2 pods) is admitted whole; `queue-b` (a gang
 * of 3, 750m, with 500m free) waits suspended with no pod started (QuotaReserved=False),
 * all or nothing; `queue-high` (4 pods, the high WorkloadPriorityClass) is admitted by
 * preempting queue-a (its Workload Evicted/Preempted, its Job suspended again). */
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/util.h"
#include "util/clock.h"
#include "util/xmalloc.h"

#define KQ "kueue.x-k8s.io"
#define LQ_NAME "queue"
#define JOB_A "queue-a"
#define JOB_B "queue-b"
#define JOB_HIGH "queue-high"
#define PODS_A 2
#define PODS_B 3
#define PODS_HIGH 4
#define POD_CPU "250m"
#define QUOTA_CPU "1"
#define HIGH_VALUE 1000
#define POLL_MS 250
#define PREEMPT_WAIT_MS 30000

static char *cq_name(const struct active_params *p)
{
	return xasprintf("queue-%s", p->run_id);
}

static char *wpc_name(const struct active_params *p)
{
	return xasprintf("queue-%s-high", p->run_id);
}

static const char *api_of(const struct active_params *p)
{
	return p->kueue_version && !strcmp(p->kueue_version, "v1beta1") ? KQ "/v1beta1"
									: KQ "/v1beta2";
}

static json_t *job(const struct active_params *p, const char *name, int pods, bool high)
{
	json_t *pod = active_build_pod(p, name, "echo", json_pack("[s,s]", "--port", "8080"), true);
	json_t *c = json_array_get(cutil_get(pod, "spec.containers"), 0);
	json_object_set_new(json_object_get(json_object_get(c, "resources"), "requests"), "cpu",
			    json_string(POD_CPU));
	json_t *tpl = json_pack("{s:{s:O}, s:O}", "metadata", "labels",
				cutil_get(pod, "metadata.labels"), "spec", cutil_get(pod, "spec"));
	json_decref(pod);
	json_t *j = active_build_object(p, "batch/v1", "Job", name, true);
	active_build_label(j, KQ "/queue-name", LQ_NAME);
	if (high) {
		char *w = wpc_name(p);
		active_build_label(j, KQ "/priority-class", w);
		free(w);
	}
	json_object_set_new(j, "spec",
			    json_pack("{s:i, s:i, s:b, s:i, s:o}", "parallelism", pods,
				      "completions", pods, "suspend", 1, "backoffLimit", 0,
				      "template", tpl));
	return j;
}

json_t *active_wl23_objects(const struct active_params *p)
{
	char *cq = cq_name(p), *wpc = wpc_name(p);
	json_t *rf = active_build_object(p, api_of(p), "ResourceFlavor", cq, false);
	json_object_set_new(rf, "spec", json_object());
	json_t *pc = active_build_object(p, api_of(p), "WorkloadPriorityClass", wpc, false);
	json_object_set_new(pc, "value", json_integer(HIGH_VALUE));
	json_object_set_new(pc, "description",
			    json_string("kaic WL-2.3: preempts the queue-a Job"));
	json_t *q = active_build_object(p, api_of(p), "ClusterQueue", cq, false);
	json_object_set_new(
	    q, "spec",
	    json_pack("{s:{s:{s:s}}, s:s, s:{s:s}, s:[{s:[s,s], s:[{s:s, s:[{s:s, s:s}, {s:s, "
		      "s:s}]}]}]}",
		      "namespaceSelector", "matchLabels", KAIC_LABEL_RUN_ID, p->run_id,
		      "queueingStrategy", "BestEffortFIFO", "preemption", "withinClusterQueue",
		      "LowerPriority", "resourceGroups", "coveredResources", "cpu", "memory",
		      "flavors", "name", cq, "resources", "name", "cpu", "nominalQuota", QUOTA_CPU,
		      "name", "memory", "nominalQuota", "1Gi"));
	json_t *lq = active_build_object(p, api_of(p), "LocalQueue", LQ_NAME, true);
	json_object_set_new(lq, "spec", json_pack("{s:s}", "clusterQueue", cq));
	free(cq);
	free(wpc);
	return json_pack("[o,o,o,o,o,o,o]", rf, pc, q, lq, job(p, JOB_A, PODS_A, false),
			 job(p, JOB_B, PODS_B, false), job(p, JOB_HIGH, PODS_HIGH, true));
}

/* ---- reading the queue's state ---- */

struct qjob {
	json_t *job; /* the Job, or NULL */
	json_t *wl;  /* its Workload, or NULL */
	long pods;   /* its pods, not terminating */
};

static void qjob_release(struct qjob *q)
{
	json_decref(q->job);
	json_decref(q->wl);
	memset(q, 0, sizeof(*q));
}

static bool owned_by(const json_t *o, const char *name)
{
	size_t i;
	const json_t *r;
	json_array_foreach(cutil_get(o, "metadata.ownerReferences"), i, r) {
		const char *k = cutil_str(r, "kind"), *n = cutil_str(r, "name");
		if (k && n && !strcmp(k, "Job") && !strcmp(n, name))
			return true;
	}
	return false;
}

/* Reads Job name, its Workload and its pods. 0, or -1 with *err. */
static int read_qjob(struct check_ctx *ctx, const char *version, const char *name, struct qjob *q,
		     struct kube_error *err)
{
	qjob_release(q);
	char *path = xasprintf("/apis/batch/v1/namespaces/%s/jobs/%s", ctx->ns, name);
	int rc = kube_get(ctx->client, path, &q->job, err);
	free(path);
	if (rc != 0)
		return -1;
	json_t *items = NULL;
	path = xasprintf("/apis/" KQ "/%s/namespaces/%s/workloads", version, ctx->ns);
	rc = kube_list(ctx->client, path, NULL, &items, NULL, err);
	free(path);
	if (rc != 0)
		return -1;
	size_t i;
	json_t *w;
	json_array_foreach(items, i, w) {
		if (owned_by(w, name) && q->wl == NULL)
			q->wl = json_incref(w);
	}
	json_decref(items);
	path = xasprintf("/api/v1/namespaces/%s/pods", ctx->ns);
	char *sel = xasprintf("labelSelector=job-name%%3D%s", name);
	rc = kube_list(ctx->client, path, sel, &items, NULL, err);
	free(path);
	free(sel);
	if (rc != 0)
		return -1;
	json_array_foreach(items, i, w) {
		q->pods += cutil_get(w, "metadata.deletionTimestamp") == NULL;
	}
	json_decref(items);
	return 0;
}

static bool suspended(const struct qjob *q)
{
	return cutil_true(q->job, "spec.suspend");
}

static bool admitted(const struct qjob *q)
{
	return !suspended(q) && cutil_condition_true(q->wl, "Admitted");
}

/* The message of the Workload's condition type, or "". */
static const char *cond_msg(const json_t *wl, const char *type)
{
	size_t i;
	const json_t *c;
	json_array_foreach(cutil_get(wl, "status.conditions"), i, c) {
		const char *t = cutil_str(c, "type");
		if (t && !strcmp(t, type))
			return cutil_str(c, "message") ? cutil_str(c, "message") : "";
	}
	return "";
}

/* The status of the Workload's condition type, or "absent". */
static const char *cond_status(const json_t *wl, const char *type)
{
	const char *s = cutil_condition(wl, type);
	return s ? s : "absent";
}

typedef bool (*qpred)(const struct qjob *q);

/* Kueue decided about the Job: admitted, or QuotaReserved reported either way. */
static bool decided(const struct qjob *q)
{
	return admitted(q) || cutil_condition(q->wl, "QuotaReserved") != NULL;
}

/* Kueue settled about a Job that fits: admitted and unsuspended, or refused
 * (QuotaReserved=False). QuotaReserved=True alone is on its way: Kueue sets Admitted
 * and unsuspends the Job in later updates. */
static bool settled(const struct qjob *q)
{
	const char *r = cutil_condition(q->wl, "QuotaReserved");
	return admitted(q) || (r && !strcmp(r, "False"));
}

static bool preempted(const struct qjob *q)
{
	return suspended(q) &&
	       (cutil_condition_true(q->wl, "Preempted") || cutil_condition_true(q->wl, "Evicted"));
}

/* Polls Job name until pred holds or the deadline: 1 held, 0 timed out (q the last
 * state), -1 error (decided). */
static int poll_qjob(struct check_ctx *ctx, struct check_result *res, const char *version,
		     const char *name, qpred pred, long long deadline, struct qjob *q)
{
	for (;;) {
		struct kube_error err = {0};
		if (read_qjob(ctx, version, name, q, &err) != 0) {
			char *what = xasprintf("Job %s", name);
			active_run_error(ctx, res, what, &err);
			free(what);
			return -1;
		}
		if (pred(q))
			return 1;
		if (!active_nap(POLL_MS, deadline, ctx->cancel)) {
			if (ctx->cancel && *ctx->cancel) {
				struct kube_error c = {0};
				kube_error_set(&c, 0, "Cancelled", "interrupted");
				char *what = xasprintf("Job %s", name);
				active_run_error(ctx, res, what, &c);
				free(what);
				return -1;
			}
			return 0;
		}
	}
}

static enum active_wait_answer cq_pred(const json_t *cq, void *arg)
{
	(void)arg;
	return cutil_condition(cq, "Active") != NULL ? ACTIVE_WAIT_DONE : ACTIVE_WAIT_MORE;
}

/* The ClusterQueue becomes Active: 1, 0 (decided Partial), -1 (decided Error). */
static int wait_cq(struct check_ctx *ctx, struct check_result *res, const struct active_params *p)
{
	char *path = xasprintf("/apis/%s/clusterqueues", api_of(p));
	char *name = cq_name(p);
	json_t *cq = NULL;
	struct kube_error err = {0};
	int rc = active_wait(ctx->act, path, name, cq_pred, NULL, ctx->deadline_ms, ctx->cancel,
			     &cq, &err);
	free(path);
	int out = 1;
	if (rc != 0 && strcmp(err.reason, "Timeout") != 0) {
		active_run_error(ctx, res, "ClusterQueue", &err);
		out = -1;
	} else if (rc != 0) {
		check_evidence(res,
			       "ClusterQueue %s has no Active condition within the timeout: "
			       "no Kueue controller reconciled it",
			       name);
		active_run_decide(res, VERDICT_PARTIAL,
				  "deploy the Kueue controller (kueue-controller-manager)");
		out = 0;
	} else if (!cutil_condition_true(cq, "Active")) {
		check_evidence(res, "ClusterQueue %s is not Active: %s", name,
			       cond_msg(cq, "Active"));
		active_run_decide(res, VERDICT_PARTIAL,
				  "Kueue did not activate a ClusterQueue with an existing "
				  "ResourceFlavor: check the Kueue controller");
		out = 0;
	} else {
		check_evidence(res,
			       "ClusterQueue %s Active (quota cpu " QUOTA_CPU ", preemption "
			       "withinClusterQueue LowerPriority); LocalQueue " LQ_NAME,
			       name);
	}
	json_decref(cq);
	free(name);
	return out;
}

/* ---- the steps ---- */

static int create(struct check_ctx *ctx, struct check_result *res, const json_t *objs,
		  const char *name)
{
	return active_run_create(ctx, res, active_build_find(objs, "Job", name), NULL);
}

/* The Running and Ready pods of Job name (new array of their names), or NULL with *err. */
static json_t *running_pods(struct check_ctx *ctx, const char *name, struct kube_error *err)
{
	char *path = xasprintf("/api/v1/namespaces/%s/pods", ctx->ns);
	char *sel = xasprintf("labelSelector=job-name%%3D%s", name);
	json_t *items = NULL;
	int rc = kube_list(ctx->client, path, sel, &items, NULL, err);
	free(path);
	free(sel);
	if (rc != 0)
		return NULL;
	json_t *names = json_array();
	size_t i;
	const json_t *p;
	json_array_foreach(items, i, p) {
		if (cutil_get(p, "metadata.deletionTimestamp") == NULL &&
		    strcmp(active_run_phase(p), "Running") == 0 && cutil_condition_true(p, "Ready"))
			json_array_append_new(names, json_string(cutil_name(p)));
	}
	json_decref(items);
	return names;
}

/* The admitted Job's pods all run, each container having started (its log line): 1, or
 * 0 after deciding Error (the gang was never seen running whole). */
static int gang_running(struct check_ctx *ctx, struct check_result *res, const char *name,
			size_t want)
{
	json_t *names = NULL;
	for (;;) {
		struct kube_error err = {0};
		json_decref(names);
		names = running_pods(ctx, name, &err);
		if (names == NULL) {
			char *what = xasprintf("pods of Job %s", name);
			active_run_error(ctx, res, what, &err);
			free(what);
			return 0;
		}
		if (json_array_size(names) >= want)
			break;
		if (!active_nap(POLL_MS, ctx->deadline_ms, ctx->cancel)) {
			check_evidence(res,
				       "Job %s was admitted, but %zu of its %zu pods ran by the "
				       "end: kaic cannot show the gang running whole",
				       name, json_array_size(names), want);
			json_decref(names);
			active_run_events(ctx, res);
			active_run_decide(res, VERDICT_ERROR,
					  "the admitted Job's pods did not run (no node that runs "
					  "pods?): see the evidence");
			return 0;
		}
	}
	size_t i;
	const json_t *n;
	json_array_foreach(names, i, n) {
		char *needle =
		    xasprintf("kaic probe echo: serving as \"%s\"", json_string_value(n));
		bool ran = active_run_container_started(ctx, res, json_string_value(n), needle);
		free(needle);
		if (!ran) {
			json_decref(names);
			active_run_decide(
			    res, VERDICT_ERROR,
			    "kaic saw no sign that the admitted Job's containers ran: "
			    "check that the nodes run containers and serve pod logs");
			return 0;
		}
	}
	check_evidence(res, "all %zu pods of Job %s run: the gang started whole", want, name);
	json_decref(names);
	return 1;
}

/* Step a: admitted whole. 1 ok, 0/-1 decided. */
static int step_a(struct check_ctx *ctx, struct check_result *res, const char *v, struct qjob *a)
{
	int rc = poll_qjob(ctx, res, v, JOB_A, settled, ctx->deadline_ms, a);
	if (rc < 0)
		return -1;
	if (admitted(a)) {
		check_evidence(
		    res,
		    "Job " JOB_A " (%d pods x " POD_CPU " CPU) admitted within quota: "
		    "Workload %s Admitted=True, %lld pods assigned, suspend=false",
		    PODS_A, cutil_name(a->wl),
		    (long long)json_integer_value(cutil_get(
			json_array_get(cutil_get(a->wl, "status.admission.podSetAssignments"), 0),
			"count")));
		return gang_running(ctx, res, JOB_A, PODS_A);
	}
	if (rc == 0 && a->wl == NULL) {
		check_evidence(res, "Job " JOB_A " got no Workload within the timeout: Kueue does "
				    "not manage Jobs");
		active_run_decide(
		    res, VERDICT_PARTIAL,
		    "enable Kueue's batch/job integration (manageJobsWithoutQueueName "
		    "is not needed: the Job names its queue)");
		return 0;
	}
	if (rc == 0 && cutil_condition_true(a->wl, "QuotaReserved")) {
		check_evidence(res,
			       "Job " JOB_A ": Workload %s QuotaReserved=True but not Admitted "
			       "with the Job unsuspended within the timeout (Admitted=%s, "
			       "suspend=%s)",
			       cutil_name(a->wl), cond_status(a->wl, "Admitted"),
			       suspended(a) ? "true" : "false");
		active_run_decide(res, VERDICT_ERROR,
				  "kaic did not see the admission finish: check the Workload's "
				  "admission checks and rerun with a longer --timeout");
		return -1;
	}
	check_evidence(res,
		       "Job " JOB_A " (%d pods x " POD_CPU ", within the 1 CPU quota) "
		       "was not admitted%s: %s",
		       PODS_A, rc == 0 ? " within the timeout" : "",
		       cond_msg(a->wl, "QuotaReserved"));
	active_run_decide(res, VERDICT_PARTIAL,
			  "Kueue did not admit a Job that fits in its ClusterQueue's quota");
	return 0;
}

/* Step b: the gang that does not fit waits suspended, no pod. 1 ok, 0/-1 decided. */
static int step_b(struct check_ctx *ctx, struct check_result *res, const char *v, struct qjob *b)
{
	int rc = poll_qjob(ctx, res, v, JOB_B, decided, ctx->deadline_ms, b);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		check_evidence(res, "Job " JOB_B ": Kueue reported nothing within the timeout");
		active_run_decide(res, VERDICT_ERROR, "see the evidence");
		return -1;
	}
	if (admitted(b) || b->pods > 0 || cutil_condition_true(b->wl, "QuotaReserved")) {
		check_evidence(
		    res,
		    "wrong: Job " JOB_B " (gang of %d x " POD_CPU " = 750m, 500m of the "
		    "quota free) got quota, was admitted or started pods (QuotaReserved=%s, "
		    "%ld pods, suspend=%s)",
		    PODS_B, cond_status(b->wl, "QuotaReserved"), b->pods,
		    suspended(b) ? "true" : "false");
		active_run_decide(res, VERDICT_NO,
				  "Kueue admitted a Job beyond its ClusterQueue's quota: check the "
				  "ClusterQueue's resourceGroups and the Kueue controller");
		return 0;
	}
	check_evidence(res,
		       "gang: Job " JOB_B " (%d pods x " POD_CPU " = 750m, 500m free) waits "
		       "suspended with no pod started, all or nothing: QuotaReserved=False (%s)",
		       PODS_B, cond_msg(b->wl, "QuotaReserved"));
	return 1;
}

/* Step high: admitted by preempting queue-a. 1 ok, 0/-1 decided. */
static int step_high(struct check_ctx *ctx, struct check_result *res, const char *v)
{
	struct qjob h = {0}, a = {0};
	long long t0 = now_ms(), dl = active_run_deadline(ctx, PREEMPT_WAIT_MS);
	int out = -1;
	int rc = poll_qjob(ctx, res, v, JOB_HIGH, admitted, dl, &h);
	if (rc < 0)
		goto out;
	int ra = poll_qjob(ctx, res, v, JOB_A, preempted, rc == 1 ? dl : 0, &a);
	if (ra < 0)
		goto out;
	if (rc == 1 && ra == 1) {
		check_evidence(res,
			       "preemption: Job " JOB_HIGH " (priority %d, %d x " POD_CPU ") "
			       "admitted; Job " JOB_A " suspended again, its Workload Evicted "
			       "(%s)",
			       HIGH_VALUE, PODS_HIGH, cond_msg(a.wl, "Evicted"));
		out = 1;
		goto out;
	}
	check_evidence(res, "Job " JOB_HIGH " (priority %d) %s after %.1f s%s%s; Job " JOB_A " %s",
		       HIGH_VALUE, rc == 1 ? "admitted" : "not admitted",
		       (double)(now_ms() - t0) / 1000.0, rc == 1 ? "" : ": ",
		       rc == 1 ? "" : cond_msg(h.wl, "QuotaReserved"),
		       ra == 1 ? "preempted" : "still admitted, not preempted");
	active_run_events(ctx, res);
	active_run_decide(res, VERDICT_PARTIAL,
			  "Kueue did not preempt a lower-priority Workload for a higher-priority "
			  "one although the ClusterQueue allows it (withinClusterQueue "
			  "LowerPriority)");
	out = 0;
out:
	qjob_release(&h);
	qjob_release(&a);
	return out;
}

void active_wl23_run(struct check_ctx *ctx, struct check_result *res)
{
	const char *v = inventory_served(ctx->inv, KQ, "v1beta2", "clusterqueues")   ? "v1beta2"
			: inventory_served(ctx->inv, KQ, "v1beta1", "clusterqueues") ? "v1beta1"
										     : NULL;
	if (v == NULL) {
		active_run_not_run(res, KQ " ClusterQueue is not served (v1beta2 or v1beta1)",
				   NULL);
		return;
	}
	struct active_params p;
	active_run_params(ctx, &p);
	p.kueue_version = v;
	json_t *objs = active_wl23_objects(&p);
	struct qjob a = {0}, b = {0};
	char *cq = cq_name(&p), *wpc = wpc_name(&p);
	const char *const setup[] = {cq, wpc, LQ_NAME, NULL};
	if (active_run_create_all(ctx, res, objs, setup) != 0)
		goto out;
	res->mode = MODE_ACTIVE;
	if (wait_cq(ctx, res, &p) != 1 || create(ctx, res, objs, JOB_A) != 0 ||
	    step_a(ctx, res, v, &a) != 1 || create(ctx, res, objs, JOB_B) != 0 ||
	    step_b(ctx, res, v, &b) != 1 || create(ctx, res, objs, JOB_HIGH) != 0 ||
	    step_high(ctx, res, v) != 1)
		goto out;
	active_run_decide(res, VERDICT_FULL, NULL);
out:
	qjob_release(&a);
	qjob_release(&b);
	free(cq);
	free(wpc);
	json_decref(objs);
}
