/* cncf_sched.c: the CNCF scheduling checks' passive parts: cluster_autoscaling (a
 * cluster-autoscaler or Karpenter with node groups offering accelerators; active test
 * active_ca.c, with --disruptive) and
 * pod_autoscaling (the HorizontalPodAutoscaler with a custom or external metrics API
 * served; active test active_hpa.c). */
#include "checks/cncf.h"

#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/known.h"
#include "checks/util.h"

#define NAMES_MAX 5
#define KARPENTER "karpenter.sh"
#define APIREG "apiregistration.k8s.io"

/* ---- cluster_autoscaling ---- */

static bool listed(const char *const *keys, const char *k)
{
	for (; k != NULL && *keys != NULL; keys++)
		if (strcmp(*keys, k) == 0)
			return true;
	return false;
}

/* cluster-autoscaler Deployments; returns how many, *ready how many are ready. */
static size_t cluster_autoscalers(struct inventory *inv, struct check_result *res, int *errors,
				  size_t *ready)
{
	const struct known_controller *kc = &known_cluster_autoscaler;
	size_t n = 0, i;
	const json_t *d;
	json_array_foreach(cutil_list(inv, "apps", "v1", "deployments", res, errors), i, d) {
		if (!cutil_matches(d, kc->workload_names, kc->labels) &&
		    !cutil_pod_spec_mentions(cutil_pod_spec(d), "cluster-autoscaler"))
			continue;
		n++;
		*ready += cncf_workload_evidence(res, "cluster-autoscaler", d);
	}
	return n;
}

/* Whether a Karpenter NodePool offers accelerators: a requirement on an accelerator
 * key, or a taint of accelerator nodes in its template; *why names it. */
static bool nodepool_accel(const json_t *np, const char **why)
{
	size_t i;
	const json_t *r;
	json_array_foreach(cutil_get(np, "spec.template.spec.requirements"), i, r) {
		const char *key = cutil_str(r, "key");
		if (listed(known_accel_node_keys, key)) {
			*why = key;
			return true;
		}
	}
	json_array_foreach(cutil_get(np, "spec.template.spec.taints"), i, r) {
		const char *key = cutil_str(r, "key");
		if (listed(known_accel_taint_keys, key)) {
			*why = key;
			return true;
		}
	}
	return false;
}

/* Karpenter NodePools; returns how many, *accel how many offer accelerators. */
static size_t nodepools(struct inventory *inv, struct check_result *res, int *errors, size_t *accel)
{
	const json_t *items;
	if (!inventory_served(inv, KARPENTER, NULL, "nodepools") ||
	    !cutil_list_read(inv, KARPENTER, NULL, "nodepools", res, errors, &items))
		return 0;
	size_t i;
	const json_t *np;
	json_array_foreach(items, i, np) {
		const char *why = NULL;
		bool a = nodepool_accel(np, &why);
		check_evidence(res, "Karpenter NodePool %s: %s%s%s", cutil_name(np),
			       a ? "offers accelerators (" : "no accelerator requirement or taint",
			       a ? why : "", a ? ")" : "");
		*accel += a;
	}
	if (json_array_size(items) == 0)
		check_evidence(res, "Karpenter NodePool served (%s): no NodePool", KARPENTER);
	return json_array_size(items);
}

/* Node groups (by cloud node-group labels) holding accelerator nodes. */
static void accel_groups(const struct cncf_accel *a, struct cutil_set *groups)
{
	struct cutil_set accel = CUTIL_SET_INIT;
	for (size_t i = 0; i < a->devs.n; i++)
		if (cncf_device_accel(&a->devs.v[i]))
			cutil_set_add(&accel, a->devs.v[i].node);
	size_t i;
	const json_t *n;
	json_array_foreach(a->nodes, i, n) {
		if (!cutil_set_has(&accel, cutil_name(n)) &&
		    !cutil_set_has(&a->plugin_nodes, cutil_name(n)))
			continue;
		for (const char *const *k = known_node_group_labels; *k; k++) {
			const char *v = cutil_label(n, *k);
			if (v != NULL) {
				cutil_set_addf(groups, "%s=%s", *k, v);
				break;
			}
		}
	}
	cutil_set_release(&accel);
}

static void ca_passive(struct check_ctx *ctx, struct check_result *res)
{
	int errors = 0;
	size_t ca_ready = 0, np_accel = 0;
	size_t ca = cluster_autoscalers(ctx->inv, res, &errors, &ca_ready);
	size_t np = nodepools(ctx->inv, res, &errors, &np_accel);
	struct cncf_accel a;
	cncf_accel_read(ctx->inv, &a, res, &errors);
	struct cutil_set groups = CUTIL_SET_INIT;
	accel_groups(&a, &groups);
	if (ca > 0 && groups.n > 0)
		cutil_evidence_set(res, &groups, NAMES_MAX, "accelerator nodes in node groups: ");
	if (errors > 0 && ca + np == 0) {
		cutil_read_error(res, errors);
	} else if (ca + np == 0 && !inventory_served(ctx->inv, KARPENTER, NULL, "nodepools")) {
		check_evidence(res,
			       "N/A: no cluster autoscaler in the cluster (no cluster-autoscaler "
			       "Deployment, Karpenter NodePool not served); the requirement "
			       "applies only if the platform provides one");
		check_verdict(res, VERDICT_SKIPPED,
			      "report N/A with these notes, unless the platform runs an autoscaler "
			      "outside the cluster (a managed control plane): then demonstrate it "
			      "by hand");
	} else if (np_accel == 0 && (ca == 0 || groups.n == 0)) {
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "give the autoscaler a node group (or NodePool) offering "
			     "accelerators, selected by an accelerator label or taint");
	} else if (np_accel == 0 && ca_ready == 0) {
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "the cluster-autoscaler is not ready: see its pods");
	} else {
		cutil_decide(res, errors, VERDICT_FULL, VERDICT_FULL, NULL);
	}
	cutil_set_release(&groups);
	cncf_accel_release(&a);
}

const struct check cncf_cluster_autoscaling = {
    .id = "cluster_autoscaling",
    .passive = ca_passive,
    .active = active_ca_run,
    .flags = CHECK_NEEDS_NAMESPACE | CHECK_FULL_NEEDS_ACTIVE | CHECK_OPT_IN,
    .disruption = "makes the cluster autoscaler add a node (a pod asking for an accelerator "
		  "waits for it) and waits for its removal after the pod ends",
};

/* ---- pod_autoscaling ---- */

/* The metrics APIServices; returns how many custom/external ones are Available, and
 * counts registered ones in *registered. */
static size_t metrics_apis(struct inventory *inv, struct check_result *res, int *errors,
			   size_t *registered)
{
	const json_t *items;
	if (!cutil_list_read(inv, APIREG, "v1", "apiservices", res, errors, &items))
		return 0;
	size_t avail = 0, i;
	const json_t *s;
	json_array_foreach(items, i, s) {
		const char *name = cutil_name(s);
		bool custom = listed(known_custom_metrics_apiservices, name);
		if (!custom && strcmp(name, "v1beta1.metrics.k8s.io") != 0)
			continue;
		const char *svc = cutil_str(s, "spec.service.name");
		const char *ns = cutil_str(s, "spec.service.namespace");
		const char *av = cutil_condition(s, "Available");
		check_evidence(res, "APIService %s (service %s/%s): Available=%s", name,
			       ns ? ns : "-", svc ? svc : "local", av ? av : "unknown");
		if (!custom)
			continue;
		(*registered)++;
		avail += av != NULL && strcmp(av, "True") == 0;
	}
	return avail;
}

/* HPAs that scale on custom, external or object metrics (evidence). */
static void hpas(struct inventory *inv, struct check_result *res, int *errors)
{
	const json_t *items;
	if (!cutil_list_read(inv, "autoscaling", "v2", "horizontalpodautoscalers", res, errors,
			     &items))
		return;
	struct cutil_set custom = CUTIL_SET_INIT;
	size_t i, j;
	const json_t *h, *m;
	json_array_foreach(items, i, h) {
		json_array_foreach(cutil_get(h, "spec.metrics"), j, m) {
			const char *t = cutil_str(m, "type");
			if (t != NULL && strcmp(t, "Resource") != 0 &&
			    strcmp(t, "ContainerResource") != 0) {
				char *ref = cutil_ref(h);
				cutil_set_addf(&custom, "%s (%s)", ref, t);
				free(ref);
			}
		}
	}
	check_evidence(res, "%zu HorizontalPodAutoscaler%s, %zu on custom or external metrics",
		       json_array_size(items), cutil_plural(json_array_size(items)), custom.n);
	if (custom.n)
		cutil_evidence_set(res, &custom, NAMES_MAX, "scaling on custom metrics: ");
	cutil_set_release(&custom);
}

static void hpa_passive(struct check_ctx *ctx, struct check_result *res)
{
	int errors = 0;
	if (!inventory_served(ctx->inv, "autoscaling", "v2", "horizontalpodautoscalers")) {
		check_evidence(res, "N/A: autoscaling/v2 HorizontalPodAutoscaler is not served; "
				    "the requirement applies only if the platform supports it");
		check_verdict(res, VERDICT_SKIPPED, "report N/A with these notes");
		return;
	}
	check_evidence(res, "autoscaling/v2 HorizontalPodAutoscaler served");
	size_t registered = 0;
	size_t avail = metrics_apis(ctx->inv, res, &errors, &registered);
	hpas(ctx->inv, res, &errors);
	if (registered == 0 && errors == 0)
		check_evidence(res, "no custom.metrics.k8s.io or external.metrics.k8s.io "
				    "APIService registered");
	if (avail > 0)
		cutil_decide(res, errors, VERDICT_FULL, VERDICT_FULL, NULL);
	else if (registered > 0)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "the custom metrics API is registered but not Available: check the "
			     "adapter's pods and Service");
	else
		cutil_decide(res, errors, VERDICT_NO, VERDICT_FULL,
			     "serve the custom metrics API (e.g. prometheus-adapter's "
			     "custom.metrics.k8s.io, or KEDA's external.metrics.k8s.io) so that "
			     "HPAs can scale on AI metrics");
}

const struct check cncf_pod_autoscaling = {
    .id = "pod_autoscaling",
    .passive = hpa_passive,
    .active = active_hpa_run,
    .flags = CHECK_NEEDS_NAMESPACE | CHECK_FULL_NEEDS_ACTIVE,
};
