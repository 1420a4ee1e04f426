/* active_ca.c: the active test of cluster_autoscaling (opt-in, --disruptive: it makes
 * the autoscaler add a node to the cluster). A pod `ca` (`kaic probe echo`) asks for one
 * accelerator as the autoscaler can act on it: the extended resource a device plugin
 * advertises (nvidia.com/gpu, ...) when a node advertises one, else a ResourceClaim
 * (template `ca`) of the accelerators' DeviceClass. It tolerates the usual accelerator
 * taints and, by required node affinity (kubernetes.io/hostname NotIn), refuses every
 * accelerator node there is before it: only a new node can take it. kaic watches
 *  (a) the pod Pending and unschedulable (PodScheduled=False, or a FailedScheduling
 *      event), then
 *  (b) the pod scheduled on a node that did not exist before, and running there;
 * then deletes the pod and watches
 *  (c) that node removed (scale-down; a ToBeDeletedByClusterAutoscaler taint seen on the
 *      way is evidence).
 * Full when all three are observed; No when no node is added (the pod stays pending);
 * Partial when a node is added but the pod does not run there, or the node is not
 * removed in time (kaic never deletes a node: the evidence says it is still there);
 * Error when kaic could not observe (API errors, a pod placed on an old node,
 * cancellation). Both waits end at the test's deadline (--timeout); docs/active-tests.md
 * says what a cloud needs. */
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/cncf.h"
#include "checks/known.h"
#include "checks/util.h"
#include "util/clock.h"
#include "util/xmalloc.h"

#define TAG "ca"
#define NODES_SHOWN 5
#define TBD_TAINT "ToBeDeletedByClusterAutoscaler"
#define DISABLED_ANN "cluster-autoscaler.kubernetes.io/scale-down-disabled"

/* ---- the objects ---- */

/* Tolerations of every known accelerator taint, and the affinity that keeps the pod off
 * the nodes of exclude (an array of names; none when it is empty). */
static void pin_to_new_node(json_t *pod, const json_t *exclude)
{
	json_t *spec = json_object_get(pod, "spec");
	json_t *tol = json_array();
	for (const char *const *k = known_accel_taint_keys; *k != NULL; k++)
		json_array_append_new(tol,
				      json_pack("{s:s, s:s}", "key", *k, "operator", "Exists"));
	json_object_set_new(spec, "tolerations", tol);
	if (json_array_size(exclude) == 0) /* NotIn needs values */
		return;
	json_object_set_new(spec, "affinity",
			    json_pack("{s:{s:{s:[{s:[{s:s, s:s, s:O}]}]}}}", "nodeAffinity",
				      "requiredDuringSchedulingIgnoredDuringExecution",
				      "nodeSelectorTerms", "matchExpressions", "key",
				      "kubernetes.io/hostname", "operator", "NotIn", "values",
				      exclude));
}

json_t *active_ca_objects(const struct active_params *p)
{
	json_t *exclude = p->exclude_nodes != NULL
			      ? json_incref((json_t *)p->exclude_nodes)
			      : json_pack("[s]", ACTIVE_PLACEHOLDER_ACCEL_NODE);
	json_t *objs = json_array();
	json_t *pod;
	if (p->accel_resource != NULL) {
		pod = active_build_pod(p, TAG, "echo", json_pack("[s,s]", "--port", "8080"), false);
		json_t *c =
		    json_array_get(json_object_get(json_object_get(pod, "spec"), "containers"), 0);
		json_t *r = json_object_get(c, "resources");
		json_object_set_new(json_object_get(r, "requests"), p->accel_resource,
				    json_string("1"));
		json_object_set_new(json_object_get(r, "limits"), p->accel_resource,
				    json_string("1"));
	} else {
		json_array_append_new(objs, active_dra_claim_template(p, TAG, NULL));
		pod = active_dra_claim_pod(p, TAG, TAG);
	}
	pin_to_new_node(pod, exclude);
	json_array_append_new(objs, pod);
	json_decref(exclude);
	return objs;
}

/* ---- what to ask for ---- */

struct ask {
	char *resource;		  /* the extended resource, or NULL (DRA) */
	const char *device_class; /* the DeviceClass (DRA) */
	json_t *exclude;	  /* the accelerator nodes before the test (names) */
	struct cutil_set before;  /* every node before the test */
};

static void ask_release(struct ask *k)
{
	free(k->resource);
	json_decref(k->exclude);
	cutil_set_release(&k->before);
}

/* Fills k from the accelerators of the cluster: 1 to run, 0 not run (decided), -1 read
 * error (decided). */
static int choose(struct check_ctx *ctx, struct check_result *res, struct ask *k)
{
	int errors = 0;
	struct cncf_accel a;
	cncf_accel_read(ctx->inv, &a, res, &errors);
	const char *why = "no node advertises an accelerator resource";
	k->exclude = json_array();
	size_t i;
	const json_t *n;
	json_array_foreach(a.nodes, i, n)
		cutil_set_add(&k->before, cutil_name(n));
	if (a.plugin.n > 0) {
		cutil_set_sort(&a.plugin);
		k->resource = xstrdup(a.plugin.v[0]);
		for (size_t j = 0; j < a.plugin_nodes.n; j++)
			json_array_append_new(k->exclude, json_string(a.plugin_nodes.v[j]));
	} else if (errors == 0 && a.dra > 0) {
		k->device_class = active_dra_device_class(ctx, &a.devs, res, &errors, &why);
		struct cutil_set nodes = CUTIL_SET_INIT;
		for (size_t j = 0; j < a.devs.n; j++)
			if (cncf_device_accel(&a.devs.v[j]) && a.devs.v[j].node != NULL &&
			    cutil_set_add(&nodes, a.devs.v[j].node))
				json_array_append_new(k->exclude, json_string(a.devs.v[j].node));
		cutil_set_release(&nodes);
	}
	cncf_accel_release(&a);
	if (errors > 0) {
		active_run_read_failed(res, errors);
		return -1;
	}
	if (k->resource == NULL && k->device_class == NULL) {
		active_run_not_run(res, why,
				   "let a node of the autoscaled group advertise its accelerators "
				   "(a device plugin's resource or a DRA DeviceClass) so that kaic "
				   "can ask for one");
		return 0;
	}
	return 1;
}

/* ---- watching the pod: (a) and (b) ---- */

struct up {
	long long t0;
	double pending_s, bound_s, running_s; /* < 0: not seen */
	char why[512];			      /* the scheduler's message */
	char node[256];			      /* the node the pod was bound to */
	const struct cutil_set *before;
};

static double since(long long t0)
{
	return (double)(now_ms() - t0) / 1000.0;
}

static enum active_wait_answer up_pred(const json_t *pod, void *arg)
{
	struct up *u = arg;
	if (pod == NULL)
		return ACTIVE_WAIT_MORE;
	const char *msg = active_run_unschedulable(pod);
	const char *node = cutil_str(pod, "spec.nodeName");
	if (msg != NULL && u->pending_s < 0) {
		u->pending_s = since(u->t0);
		snprintf(u->why, sizeof u->why, "%s", msg);
	}
	if (node != NULL && *node && u->bound_s < 0) {
		u->bound_s = since(u->t0);
		snprintf(u->node, sizeof u->node, "%s", node);
	}
	if (node != NULL && *node && strcmp(active_run_phase(pod), "Running") == 0) {
		u->running_s = since(u->t0);
		return ACTIVE_WAIT_DONE;
	}
	return ACTIVE_WAIT_MORE;
}

/* A FailedScheduling event of the pod was recorded (the watch may begin after it). */
static bool failed_scheduling_event(struct check_ctx *ctx)
{
	char **ev = active_events(ctx->act, ctx->ns, TAG, 5);
	bool found = false;
	for (size_t i = 0; ev != NULL && ev[i] != NULL; i++) {
		found = found || strstr(ev[i], "FailedScheduling") != NULL;
		free(ev[i]);
	}
	free(ev);
	return found;
}

/* Nodes now that were not there before (names, ", "-joined into buf); -1 read error. */
static int new_nodes(struct check_ctx *ctx, const struct cutil_set *before, char *buf, size_t size,
		     struct kube_error *err)
{
	json_t *items = NULL;
	if (kube_list(ctx->client, "/api/v1/nodes", NULL, &items, NULL, err) != 0)
		return -1;
	struct cutil_set added = CUTIL_SET_INIT;
	size_t i;
	const json_t *n;
	json_array_foreach(items, i, n) {
		if (!cutil_set_has(before, cutil_name(n)))
			cutil_set_add(&added, cutil_name(n));
	}
	char *s = cutil_set_join(&added, NODES_SHOWN);
	snprintf(buf, size, "%s", s);
	free(s);
	int count = (int)added.n;
	cutil_set_release(&added);
	json_decref(items);
	return count;
}

/* The pod did not run on a new node by the deadline: No, Partial or Error. */
static void not_scaled_up(struct check_ctx *ctx, struct check_result *res, const struct up *u,
			  const struct kube_error *err)
{
	if (strcmp(err->reason, "Timeout") != 0) {
		active_run_error(ctx, res, "watching pod " TAG, err);
		return;
	}
	char names[512];
	struct kube_error lerr = {0};
	int added = new_nodes(ctx, u->before, names, sizeof names, &lerr);
	active_run_events(ctx, res);
	if (added < 0) {
		active_run_error(ctx, res, "listing the nodes", &lerr);
	} else if (added == 0) {
		check_evidence(res,
			       "no node was added in %.0f s: pod %s/" TAG " stayed Pending (%s)",
			       since(u->t0), ctx->ns, u->why[0] ? u->why : "not scheduled");
		active_run_decide(
		    res, VERDICT_NO,
		    "the autoscaler added no node for a pending pod asking for an "
		    "accelerator: see its logs and status (the node group's max size, "
		    "its template's resources and taints); on a cloud, run with a "
		    "longer --timeout");
	} else {
		check_evidence(res, "node%s added: %s, but pod %s/" TAG " did not run on %s",
			       added == 1 ? "" : "s", names, ctx->ns, added == 1 ? "it" : "them");
		active_run_decide(res, VERDICT_PARTIAL,
				  "the new node did not take the pending pod: see its readiness, "
				  "taints and the accelerator it advertises");
	}
}

/* ---- watching the node go: (c) ---- */

struct down {
	long long t0;
	double tainted_s; /* < 0: not seen */
	bool disabled;	  /* annotated scale-down-disabled */
};

static enum active_wait_answer down_pred(const json_t *node, void *arg)
{
	struct down *d = arg;
	if (node == NULL)
		return ACTIVE_WAIT_DONE;
	size_t i;
	const json_t *t;
	json_array_foreach(cutil_get(node, "spec.taints"), i, t) {
		const char *k = cutil_str(t, "key");
		if (k != NULL && strcmp(k, TBD_TAINT) == 0 && d->tainted_s < 0)
			d->tainted_s = since(d->t0);
	}
	const char *off = cutil_str(cutil_get(node, "metadata.annotations"), DISABLED_ANN);
	d->disabled = off != NULL && strcmp(off, "true") == 0;
	return ACTIVE_WAIT_MORE;
}

static void scale_down(struct check_ctx *ctx, struct check_result *res, const char *node)
{
	char *path = xasprintf("/api/v1/namespaces/%s/pods/" TAG, ctx->ns);
	struct kube_error err = {0};
	int rc = kube_delete(ctx->client, path, &err);
	free(path);
	if (rc != 0 && err.http_code != 404) {
		active_run_error(ctx, res, "deleting pod " TAG, &err);
		return;
	}
	struct down d = {.t0 = now_ms(), .tainted_s = -1};
	rc = active_wait(ctx->act, "/api/v1/nodes", node, down_pred, &d, ctx->deadline_ms,
			 ctx->cancel, NULL, &err);
	if (d.tainted_s >= 0)
		check_evidence(res,
			       "node %s tainted " TBD_TAINT " %.1f s after pod " TAG " was deleted",
			       node, d.tainted_s);
	if (rc == 0) {
		check_evidence(res, "(c) node %s removed %.1f s after pod " TAG " was deleted",
			       node, since(d.t0));
		active_run_decide(res, VERDICT_FULL, NULL);
	} else if (strcmp(err.reason, "Timeout") == 0) {
		check_evidence(
		    res,
		    "(c) node %s was not removed in %.0f s after pod " TAG " was deleted: "
		    "it is still there (kaic does not delete nodes)%s",
		    node, since(d.t0), d.disabled ? "; it is annotated " DISABLED_ANN "=true" : "");
		active_run_decide(
		    res, VERDICT_PARTIAL,
		    "the autoscaler added a node but did not remove it once unneeded: "
		    "see its scale-down settings (scale-down-enabled, "
		    "scale-down-unneeded-time) or run with a longer --timeout; remove "
		    "the node by hand if it stays");
	} else {
		active_run_error(ctx, res, "watching the new node", &err);
	}
}

/* ---- the test ---- */

static void scale_up(struct check_ctx *ctx, struct check_result *res, const struct ask *k)
{
	char *path = xasprintf("/api/v1/namespaces/%s/pods", ctx->ns);
	struct up u = {
	    .t0 = now_ms(), .pending_s = -1, .bound_s = -1, .running_s = -1, .before = &k->before};
	struct kube_error err = {0};
	int rc = active_wait(ctx->act, path, TAG, up_pred, &u, ctx->deadline_ms, ctx->cancel, NULL,
			     &err);
	free(path);
	if (u.pending_s >= 0)
		check_evidence(res, "(a) pod " TAG " Pending, unschedulable after %.1f s: %s",
			       u.pending_s, u.why);
	if (rc != 0) {
		not_scaled_up(ctx, res, &u, &err);
		return;
	}
	if (cutil_set_has(&k->before, u.node)) {
		check_evidence(res, "pod " TAG " was placed on node %s, which existed before",
			       u.node);
		active_run_decide(res, VERDICT_ERROR,
				  "kaic could not make the pod wait for a new node: see the "
				  "evidence");
		return;
	}
	if (u.pending_s < 0 && !failed_scheduling_event(ctx)) {
		check_evidence(
		    res, "pod " TAG " was never seen unschedulable before node %s took it", u.node);
		active_run_decide(res, VERDICT_ERROR,
				  "kaic could not observe the pod pending before the scale-up: run "
				  "again");
		return;
	}
	if (u.pending_s < 0)
		check_evidence(res, "(a) pod " TAG " unschedulable (a FailedScheduling event)");
	check_evidence(res,
		       "(b) new node %s: pod " TAG " scheduled there after %.1f s, running "
		       "after %.1f s",
		       u.node, u.bound_s, u.running_s);
	scale_down(ctx, res, u.node);
}

void active_ca_run(struct check_ctx *ctx, struct check_result *res)
{
	if (ctx->opts == NULL || !ctx->opts->disruptive) {
		active_run_not_run(res, "it adds a node to the cluster: opt in with --disruptive",
				   "run kaic with --disruptive (cluster_autoscaling makes the "
				   "autoscaler add a node for a pending accelerator pod, then "
				   "remove it)");
		return;
	}
	struct ask k = {.before = CUTIL_SET_INIT};
	if (choose(ctx, res, &k) <= 0) {
		ask_release(&k);
		return;
	}
	struct active_params p;
	active_run_params(ctx, &p);
	p.accel_resource = k.resource;
	p.exclude_nodes = k.exclude;
	if (k.device_class != NULL)
		p.device_class = k.device_class;
	json_t *objs = active_ca_objects(&p);
	if (active_run_create_all(ctx, res, objs, NULL) == 0) {
		char *names = cutil_set_join(&k.before, NODES_SHOWN);
		check_evidence(res,
			       "pod %s/" TAG " asks for 1 %s%s, refusing the %zu accelerator "
			       "node%s there are; %zu node%s before: %s",
			       ctx->ns, k.resource ? k.resource : "device of DeviceClass ",
			       k.resource ? "" : k.device_class, json_array_size(k.exclude),
			       cutil_plural(json_array_size(k.exclude)), k.before.n,
			       cutil_plural(k.before.n), names);
		free(names);
		res->mode = MODE_ACTIVE;
		scale_up(ctx, res, &k);
	}
	json_decref(objs);
	ask_release(&k);
}
