/* cncf_net.c: the CNCF networking checks that read the cluster only:
 * advanced_inference_ingress (an InferencePool with a running endpoint picker, routed
 * by an HTTPRoute and accepted by a Gateway), disaggregated_inference (separate prefill
 * and decode workloads running) and high_performance_networking (NICs through DRA,
 * secondary interfaces). */
#include "checks/cncf.h"

#include <stdlib.h>
#include <string.h>

#include "checks/known.h"
#include "checks/util.h"

#define NAMES_MAX 5
#define DRA "resource.k8s.io"

/* ---- advanced_inference_ingress ---- */

/* The endpoint picker a pool names: v1 spec.endpointPickerRef, v1alpha2 extensionRef. */
static const char *picker_of(const json_t *pool)
{
	const char *n = cutil_str(pool, "spec.endpointPickerRef.name");
	return n ? n : cutil_str(pool, "spec.extensionRef.name");
}

/* Whether a pool's status says a Gateway accepted it (v1 status.parents, v1alpha2
 * status.parent). */
static bool pool_accepted(const json_t *pool)
{
	static const char *const keys[] = {"status.parents", "status.parent"};
	for (size_t k = 0; k < 2; k++) {
		size_t i;
		const json_t *p;
		json_array_foreach(cutil_get(pool, keys[k]), i, p) {
			size_t j;
			const json_t *c;
			json_array_foreach(json_object_get(p, "conditions"), j, c) {
				const char *t = cutil_str(c, "type"), *st = cutil_str(c, "status");
				if (t && st && !strcmp(t, "Accepted") && !strcmp(st, "True"))
					return true;
			}
		}
	}
	return false;
}

/* Whether every key=value of sel is among labels. */
static bool selects(const json_t *sel, const json_t *labels)
{
	const char *k;
	const json_t *v;
	if (json_object_size(sel) == 0)
		return false;
	json_object_foreach((json_t *)sel, k, v) {
		const char *have = json_string_value(json_object_get(labels, k));
		if (have == NULL || !json_is_string(v) || strcmp(have, json_string_value(v)) != 0)
			return false;
	}
	return true;
}

/* The picker's Service in ns, and whether a ready workload serves it. */
static bool picker_running(struct inventory *inv, const char *ns, const char *name,
			   struct check_result *res, int *errors, bool *has_service)
{
	const json_t *svc = NULL, *o;
	size_t i;
	json_array_foreach(cutil_list(inv, "", "v1", "services", res, errors), i, o) {
		if (strcmp(cutil_ns(o), ns) == 0 && strcmp(cutil_name(o), name) == 0)
			svc = o;
	}
	*has_service = svc != NULL;
	if (svc == NULL)
		return false;
	const json_t *sel = cutil_get(svc, "spec.selector");
	bool ready = false;
	json_array_foreach(cutil_list(inv, "apps", "v1", "deployments", res, errors), i, o) {
		if (strcmp(cutil_ns(o), ns) == 0 &&
		    selects(sel, cutil_get(o, "spec.template.metadata.labels")))
			ready |= cncf_workload_evidence(res, "endpoint picker Deployment", o);
	}
	return ready;
}

/* Whether an HTTPRoute of ns sends traffic to InferencePool name. */
static bool routed(struct inventory *inv, const char *ns, const char *name,
		   struct check_result *res, int *errors)
{
	size_t i, j, k;
	const json_t *r, *rule, *b;
	json_array_foreach(cutil_list(inv, known_gateway_group, NULL, "httproutes", res, errors), i,
			   r) {
		if (strcmp(cutil_ns(r), ns) != 0)
			continue;
		json_array_foreach(cutil_get(r, "spec.rules"), j, rule) {
			json_array_foreach(json_object_get(rule, "backendRefs"), k, b) {
				const char *kind = cutil_str(b, "kind"), *n = cutil_str(b, "name");
				if (kind && n && !strcmp(kind, "InferencePool") && !strcmp(n, name))
					return true;
			}
		}
	}
	return false;
}

/* One pool: evidence, and whether it is complete. */
static bool pool_ok(struct inventory *inv, const json_t *pool, struct check_result *res,
		    int *errors)
{
	const char *ns = cutil_ns(pool), *picker = picker_of(pool);
	bool svc = false;
	bool running = picker && picker_running(inv, ns, picker, res, errors, &svc);
	bool route = routed(inv, ns, cutil_name(pool), res, errors);
	bool acc = pool_accepted(pool);
	char *ref = cutil_ref(pool);
	check_evidence(res, "InferencePool %s: endpoint picker %s (%s), %s, %s", ref,
		       picker ? picker : "(none)",
		       !picker	 ? "not named"
		       : !svc	 ? "no Service"
		       : running ? "Service with a Ready workload"
				 : "Service without a Ready workload",
		       route ? "routed by an HTTPRoute" : "no HTTPRoute sends to it",
		       acc ? "Accepted by a Gateway" : "not Accepted by a Gateway");
	free(ref);
	return running && route && acc;
}

static void aii_passive(struct check_ctx *ctx, struct check_result *res)
{
	int errors = 0;
	size_t served = 0, pools = 0, ok = 0;
	for (const struct known_crd_group *g = known_inference_groups; g->group; g++) {
		const json_t *items;
		if (!inventory_served(ctx->inv, g->group, NULL, "inferencepools"))
			continue;
		served++;
		char *v = cutil_versions(ctx->inv, g->group, "inferencepools");
		check_evidence(res, "InferencePool served (%s %s, %s)", g->group, v ? v : "?",
			       g->product);
		free(v);
		if (!cutil_list_read(ctx->inv, g->group, NULL, "inferencepools", res, &errors,
				     &items))
			continue;
		size_t i;
		const json_t *p;
		json_array_foreach(items, i, p) {
			pools++;
			ok += pool_ok(ctx->inv, p, res, &errors);
		}
	}
	if (served == 0) {
		check_evidence(res,
			       "no InferencePool API (Gateway API Inference Extension) served");
		cutil_decide(res, errors, VERDICT_NO, VERDICT_FULL,
			     "install a Gateway API Inference Extension implementation (its "
			     "InferencePool CRD, an endpoint picker, a Gateway that supports it)");
	} else if (ok > 0) {
		cutil_decide(res, errors, VERDICT_FULL, VERDICT_FULL, NULL);
	} else {
		if (pools == 0 && errors == 0)
			check_evidence(res, "no InferencePool");
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "deploy an InferencePool whose endpoint picker runs, routed by an "
			     "HTTPRoute through a Gateway that accepts it");
	}
}

const struct check cncf_advanced_inference_ingress = {
    .id = "advanced_inference_ingress",
    .passive = aii_passive,
};

/* ---- disaggregated_inference ---- */

/* "prefill", "decode" or NULL: the phase a workload's labels or name say. */
static const char *phase_of(const json_t *w)
{
	static const char *const phases[] = {"prefill", "decode", NULL};
	for (const char *const *ph = phases; *ph; ph++) {
		for (const char *const *k = known_phase_label_keys; *k; k++)
			if (cutil_contains_ci(cutil_label(w, *k), *ph))
				return *ph;
		if (cutil_contains_ci(cutil_name(w), *ph))
			return *ph;
	}
	return NULL;
}

struct phases {
	struct cutil_set prefill, decode; /* ready workloads */
	struct cutil_set waiting;	  /* found, not ready */
};

static void scan_phases(struct inventory *inv, const char *group, const char *resource,
			const char *kind, struct phases *ph, struct check_result *res, int *errors)
{
	if (!inventory_served(inv, group, NULL, resource))
		return;
	size_t i;
	const json_t *w;
	json_array_foreach(cutil_list(inv, group, NULL, resource, res, errors), i, w) {
		const char *p = phase_of(w);
		if (p == NULL)
			continue;
		char *ref = cutil_ref(w);
		long long ready, want;
		cncf_workload_replicas(w, &ready, &want);
		if (want > 0 && ready >= want)
			cutil_set_addf(!strcmp(p, "prefill") ? &ph->prefill : &ph->decode,
				       "%s %s (%lld ready)", kind, ref, ready);
		else
			cutil_set_addf(&ph->waiting, "%s %s (%s, %lld/%lld ready)", kind, ref, p,
				       ready, want);
		free(ref);
	}
}

static void di_passive(struct check_ctx *ctx, struct check_result *res)
{
	int errors = 0;
	struct phases ph = {CUTIL_SET_INIT, CUTIL_SET_INIT, CUTIL_SET_INIT};
	scan_phases(ctx->inv, "apps", "deployments", "Deployment", &ph, res, &errors);
	scan_phases(ctx->inv, "apps", "statefulsets", "StatefulSet", &ph, res, &errors);
	scan_phases(ctx->inv, "leaderworkerset.x-k8s.io", "leaderworkersets", "LeaderWorkerSet",
		    &ph, res, &errors);
	if (ph.prefill.n)
		cutil_evidence_set(res, &ph.prefill, NAMES_MAX, "prefill workloads running: ");
	if (ph.decode.n)
		cutil_evidence_set(res, &ph.decode, NAMES_MAX, "decode workloads running: ");
	if (ph.waiting.n)
		cutil_evidence_set(res, &ph.waiting, NAMES_MAX, "phase workloads not ready: ");
	bool lws = inventory_group_served(ctx->inv, "leaderworkerset.x-k8s.io");
	if (lws)
		check_evidence(res, "LeaderWorkerSet (leaderworkerset.x-k8s.io) served");
	if (ph.prefill.n > 0 && ph.decode.n > 0)
		cutil_decide(res, errors, VERDICT_FULL, VERDICT_FULL, NULL);
	else if (ph.prefill.n + ph.decode.n + ph.waiting.n > 0 || lws)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "run a disaggregated inference deployment with separate, Ready "
			     "prefill and decode workloads (llm-d, Dynamo, vLLM or SGLang)");
	else {
		check_evidence(res, "no prefill or decode workload and no LeaderWorkerSet API");
		cutil_decide(res, errors, VERDICT_NO, VERDICT_FULL,
			     "install a disaggregated inference solution (llm-d, Dynamo, vLLM or "
			     "SGLang with separate prefill and decode workloads)");
	}
	cutil_set_release(&ph.prefill);
	cutil_set_release(&ph.decode);
	cutil_set_release(&ph.waiting);
}

const struct check cncf_disaggregated_inference = {
    .id = "disaggregated_inference",
    .passive = di_passive,
};

/* ---- high_performance_networking ---- */

static bool nic_driver(const char *driver)
{
	const struct known_dra_driver *k = known_dra_driver_find(driver);
	return k != NULL && !k->accelerator && strcmp(k->what, "NIC") == 0;
}

/* DRA NIC devices: count, their drivers and attribute names (their characteristics). */
static size_t dra_nics(struct inventory *inv, struct check_result *res, int *errors,
		       struct cutil_set *drivers)
{
	struct cutil_devices devs = {0};
	cutil_devices_collect(cutil_list(inv, DRA, NULL, "resourceslices", res, errors), &devs);
	struct cutil_set attrs = CUTIL_SET_INIT;
	size_t n = 0;
	for (size_t i = 0; i < devs.n; i++) {
		if (!nic_driver(devs.v[i].driver))
			continue;
		n++;
		cutil_set_add(drivers, devs.v[i].driver);
		const char *k;
		const json_t *v;
		json_object_foreach((json_t *)devs.v[i].attrs, k, v) {
			cutil_set_add(&attrs, k);
		}
	}
	if (n > 0) {
		char *d = cutil_set_join(drivers, NAMES_MAX);
		cutil_set_sort(&attrs);
		cutil_evidence_set(res, &attrs, 8,
				   "%zu NIC device%s through DRA (%s), attributes: ", n,
				   cutil_plural(n), d);
		free(d);
	}
	cutil_set_release(&attrs);
	cutil_devices_release(&devs);
	return n;
}

/* DeviceClasses whose selector names a NIC driver of drivers. */
static size_t nic_classes(struct inventory *inv, const struct cutil_set *drivers,
			  struct check_result *res, int *errors)
{
	size_t n = 0, i;
	const json_t *dc, *sel;
	json_array_foreach(cutil_list(inv, DRA, NULL, "deviceclasses", res, errors), i, dc) {
		size_t j;
		json_array_foreach(cutil_get(dc, "spec.selectors"), j, sel) {
			const char *e = cutil_str(sel, "cel.expression");
			bool match = false;
			for (size_t d = 0; e && d < drivers->n && !match; d++)
				match = strstr(e, drivers->v[d]) != NULL;
			if (match) {
				check_evidence(res, "DeviceClass %s selects NIC devices",
					       cutil_name(dc));
				n++;
				break;
			}
		}
	}
	return n;
}

/* Secondary interfaces (Multus) and RDMA/SR-IOV extended resources (not DRA). */
static size_t legacy_nics(struct inventory *inv, struct check_result *res, int *errors)
{
	size_t n = 0;
	const char *g = "k8s.cni.cncf.io";
	if (inventory_served(inv, g, NULL, "network-attachment-definitions")) {
		size_t nads = json_array_size(
		    cutil_list(inv, g, NULL, "network-attachment-definitions", res, errors));
		check_evidence(res,
			       "Multus: %zu NetworkAttachmentDefinition%s (secondary "
			       "interfaces)",
			       nads, cutil_plural(nads));
		n += nads;
	}
	struct cutil_set found = CUTIL_SET_INIT;
	size_t i;
	const json_t *node;
	json_array_foreach(cutil_list(inv, "", "v1", "nodes", res, errors), i, node) {
		const char *key;
		const json_t *q;
		json_object_foreach((json_t *)cutil_get(node, "status.allocatable"), key, q) {
			const struct known_net_resource *k = known_net_resource_find(key);
			const char *v = json_string_value(q);
			if (k != NULL && v != NULL && strcmp(v, "0") != 0)
				cutil_set_addf(&found, "%s (%s)", key, k->what);
		}
	}
	if (found.n)
		cutil_evidence_set(res, &found, NAMES_MAX, "device-plugin NIC resources: ");
	n += found.n;
	cutil_set_release(&found);
	return n;
}

static void hpn_passive(struct check_ctx *ctx, struct check_result *res)
{
	int errors = 0;
	struct cutil_set drivers = CUTIL_SET_INIT;
	size_t dra = dra_nics(ctx->inv, res, &errors, &drivers);
	size_t classes = dra ? nic_classes(ctx->inv, &drivers, res, &errors) : 0;
	size_t legacy = legacy_nics(ctx->inv, res, &errors);
	cutil_set_release(&drivers);
	if (dra > 0 && classes > 0)
		cutil_decide(res, errors, VERDICT_FULL, VERDICT_FULL, NULL);
	else if (dra > 0)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "create a DeviceClass selecting the DRA NIC driver's devices");
	else if (legacy > 0)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "manage the high-performance NICs through DRA (e.g. DRANET) so that "
			     "their characteristics are published as device attributes");
	else {
		check_evidence(res, "no high-performance NIC (DRA NIC devices, Multus, RDMA or "
				    "SR-IOV resources) found");
		cutil_decide(res, errors, VERDICT_NO, VERDICT_FULL,
			     "expose high-performance NICs through DRA (e.g. DRANET); if the "
			     "platform needs no high-performance networking, report N/A with "
			     "notes");
	}
}

const struct check cncf_high_performance_networking = {
    .id = "high_performance_networking",
    .passive = hpn_passive,
};
