/* networking.c: the checks of the Networking domain: Gateway API for inference traffic
 * (NET-3.1) and multi-NIC with RDMA/SR-IOV (NET-3.2). Passive parts only read the
 * shared inventory. */
#include "checks/checks.h"

#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/known.h"
#include "checks/util.h"
#include "util/xmalloc.h"

#define MAX_NAMES 5

static void set_evidence(struct check_result *res, const char *what, struct cutil_set *s)
{
	if (s->n == 0)
		return;
	cutil_set_sort(s);
	char *l = cutil_set_join(s, MAX_NAMES);
	check_evidence(res, "%s: %s", what, l);
	free(l);
}

/* ---- NET-3.1 ---- */

static void gateway_bundle(struct inventory *inv, struct check_result *res)
{
	const char *g = known_gateway_group;
	const char *ver =
	    cutil_crd_annotation(inv, g, "gatewayclasses", known_gateway_bundle_annotation);
	const char *chan =
	    cutil_crd_annotation(inv, g, "gatewayclasses", known_gateway_channel_annotation);
	if (ver != NULL)
		check_evidence(res, "Gateway API CRD bundle %s%s%s%s", ver, chan ? " (" : "",
			       chan ? chan : "", chan ? " channel)" : "");
}

/* GatewayClasses: returns the number accepted by their controller. */
static size_t gateway_classes(struct inventory *inv, struct check_result *res, int *errors)
{
	struct cutil_set ok = CUTIL_SET_INIT, notok = CUTIL_SET_INIT;
	size_t i;
	const json_t *gc, *gcs;
	if (!cutil_list_read(inv, known_gateway_group, NULL, "gatewayclasses", res, errors, &gcs))
		return 0;
	json_array_foreach(gcs, i, gc) {
		const char *ctl = cutil_str(gc, "spec.controllerName");
		const char *acc = cutil_condition(gc, "Accepted");
		if (acc != NULL && strcmp(acc, "True") == 0)
			cutil_set_addf(&ok, "%s (%s)", cutil_name(gc), ctl ? ctl : "?");
		else
			cutil_set_addf(&notok, "%s (%s, Accepted=%s)", cutil_name(gc),
				       ctl ? ctl : "?", acc ? acc : "unset");
	}
	if (ok.n + notok.n == 0)
		check_evidence(res, "no GatewayClass");
	set_evidence(res, "accepted GatewayClasses", &ok);
	set_evidence(res, "GatewayClasses not accepted", &notok);
	size_t n = ok.n;
	cutil_set_release(&ok);
	cutil_set_release(&notok);
	return n;
}

static void gateway_objects(struct inventory *inv, struct check_result *res, int *errors)
{
	const char *g = known_gateway_group;
	const json_t *gws, *routes;
	if (cutil_list_read(inv, g, NULL, "gateways", res, errors, &gws)) {
		size_t i, programmed = 0;
		const json_t *gw;
		json_array_foreach(gws, i, gw) {
			programmed += cutil_condition_true(gw, "Programmed");
		}
		check_evidence(res, "%zu Gateway%s (%zu Programmed)", json_array_size(gws),
			       json_array_size(gws) == 1 ? "" : "s", programmed);
	}
	if (cutil_list_read(inv, g, NULL, "httproutes", res, errors, &routes))
		check_evidence(res, "%zu HTTPRoute%s", json_array_size(routes),
			       json_array_size(routes) == 1 ? "" : "s");
}

static void inference_pools(struct inventory *inv, struct check_result *res)
{
	for (const struct known_crd_group *k = known_inference_groups; k->group; k++) {
		char *v = cutil_versions(inv, k->group, "inferencepools");
		if (v == NULL)
			continue;
		struct kube_error err = {0};
		const json_t *pools = inventory_list(inv, k->group, NULL, "inferencepools", &err);
		if (pools == NULL) /* reported, not required: no effect on the verdict */
			check_evidence(res, "InferencePool served (%s %s, %s): cannot list: %ld %s",
				       k->group, v, k->product, err.http_code, err.reason);
		else
			check_evidence(res, "InferencePool served (%s %s, %s): %zu pool%s",
				       k->group, v, k->product, json_array_size(pools),
				       json_array_size(pools) == 1 ? "" : "s");
		free(v);
	}
}

static void net_gateway_passive(struct check_ctx *ctx, struct check_result *res)
{
	struct inventory *inv = ctx->inv;
	const char *g = known_gateway_group;
	int errors = 0;
	char *versions = cutil_versions(inv, g, "gatewayclasses");
	if (versions == NULL) {
		check_evidence(res, "%s is not served: no Gateway API CRDs", g);
		inference_pools(inv, res);
		cutil_decide(res, 0, VERDICT_NO, VERDICT_FULL,
			     "install the Gateway API CRDs and an implementation (Envoy Gateway, "
			     "Istio, Cilium, kgateway, NGINX Gateway Fabric) with a GatewayClass");
		return;
	}
	bool ga = inventory_served(inv, g, "v1", "gatewayclasses") &&
		  inventory_served(inv, g, "v1", "httproutes");
	check_evidence(res, "%s%s served (GatewayClass versions: %s)", g,
		       ga ? "/v1" : " without v1 GatewayClass/HTTPRoute", versions);
	free(versions);
	gateway_bundle(inv, res);
	size_t accepted = gateway_classes(inv, res, &errors);
	gateway_objects(inv, res, &errors);
	inference_pools(inv, res);
	if (!ga)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "install Gateway API v1.0 or later (standard channel) so that "
			     "gateway.networking.k8s.io/v1 HTTPRoute is served");
	else if (accepted == 0)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "install a Gateway API implementation whose controller accepts a "
			     "GatewayClass (Accepted=True)");
	else
		cutil_decide(res, errors, VERDICT_FULL, VERDICT_FULL, NULL);
}

/* ---- NET-3.2 ---- */

/* The CNI plugin types a NetworkAttachmentDefinition's spec.config uses, joined. */
static void nad_types(const json_t *nad, struct cutil_set *types)
{
	const char *cfg = cutil_str(nad, "spec.config");
	if (cfg == NULL) {
		cutil_set_add(types, "(no config: uses a file on the node)");
		return;
	}
	json_t *c = json_loads(cfg, 0, NULL);
	const char *t = json_string_value(json_object_get(c, "type"));
	if (t != NULL)
		cutil_set_add(types, t);
	size_t i;
	const json_t *p;
	json_array_foreach(json_object_get(c, "plugins"), i, p) {
		cutil_set_add(types, json_string_value(json_object_get(p, "type")));
	}
	json_decref(c);
}

static bool hp_cni_type(const struct cutil_set *types)
{
	static const char *const hp[] = {"sriov", "ib-sriov", "host-device", "rdma", NULL};
	for (const char *const *h = hp; *h != NULL; h++)
		if (cutil_set_has(types, *h))
			return true;
	return false;
}

struct nics {
	bool attach;   /* secondary interfaces can be attached (Multus API, DRA NICs) */
	bool hp;       /* high-performance NIC exposed (RDMA/SR-IOV resources, DRA NICs) */
	bool operator; /* an SR-IOV/network operator API is served */
};

static void net_multus(struct inventory *inv, struct nics *n, struct check_result *res, int *errors)
{
	const char *g = "k8s.cni.cncf.io";
	if (!inventory_served(inv, g, NULL, "network-attachment-definitions")) {
		check_evidence(res, "Multus NetworkAttachmentDefinition (%s) not served", g);
		return;
	}
	n->attach = true;
	struct cutil_set nads = CUTIL_SET_INIT;
	size_t i;
	const json_t *o, *items;
	if (!cutil_list_read(inv, g, NULL, "network-attachment-definitions", res, errors, &items))
		return;
	json_array_foreach(items, i, o) {
		struct cutil_set types = CUTIL_SET_INIT;
		nad_types(o, &types);
		char *t = cutil_set_join(&types, 3);
		char *ref = cutil_ref(o);
		cutil_set_addf(&nads, "%s (%s)", ref, t);
		if (hp_cni_type(&types))
			n->hp = true;
		free(ref);
		free(t);
		cutil_set_release(&types);
	}
	check_evidence(res, "Multus NetworkAttachmentDefinition (%s) served: %zu defined", g,
		       nads.n);
	set_evidence(res, "NetworkAttachmentDefinitions", &nads);
	cutil_set_release(&nads);
}

static void net_operators(struct inventory *inv, struct nics *n, struct check_result *res,
			  int *errors)
{
	for (const struct known_crd_group *k = known_secondary_net_groups; k->group; k++) {
		if (strcmp(k->group, "k8s.cni.cncf.io") == 0 ||
		    !inventory_group_served(inv, k->group))
			continue;
		struct cutil_set kinds = CUTIL_SET_INIT;
		cutil_group_kinds(inv, k->group, &kinds);
		char *l = cutil_set_join(&kinds, MAX_NAMES);
		check_evidence(res, "%s (%s) served: %s", k->product, k->group, l);
		free(l);
		cutil_set_release(&kinds);
		if (strcmp(k->group, "whereabouts.cni.cncf.io") != 0)
			n->operator= true;
	}
	const char *sr = "sriovnetwork.openshift.io";
	if (inventory_served(inv, sr, NULL, "sriovnetworknodepolicies")) {
		struct cutil_set pol = CUTIL_SET_INIT;
		size_t i;
		const json_t *o;
		json_array_foreach(
		    cutil_list(inv, sr, NULL, "sriovnetworknodepolicies", res, errors), i, o) {
			const char *rn = cutil_str(o, "spec.resourceName");
			cutil_set_addf(&pol, "%s (resource %s, %lld VFs)", cutil_name(o),
				       rn ? rn : "?",
				       (long long)json_integer_value(cutil_get(o, "spec.numVfs")));
		}
		set_evidence(res, "SriovNetworkNodePolicies", &pol);
		cutil_set_release(&pol);
	}
}

/* RDMA / SR-IOV extended resources in node allocatable, and NIC-capable node labels. */
static void net_resources(struct inventory *inv, struct nics *n, struct check_result *res,
			  int *errors)
{
	struct cutil_set found = CUTIL_SET_INIT, nodes = CUTIL_SET_INIT, capable = CUTIL_SET_INIT;
	size_t i;
	const json_t *node, *items;
	if (!cutil_list_read(inv, "", "v1", "nodes", res, errors, &items))
		return;
	json_array_foreach(items, i, node) {
		const char *key;
		const json_t *q;
		json_object_foreach((json_t *)cutil_get(node, "status.allocatable"), key, q) {
			const struct known_net_resource *k = known_net_resource_find(key);
			const char *v = json_string_value(q);
			if (k == NULL || v == NULL || strcmp(v, "0") == 0)
				continue;
			cutil_set_addf(&found, "%s (%s)", key, k->what);
			cutil_set_add(&nodes, cutil_name(node));
		}
		for (const char *const *l = known_net_capable_labels; *l != NULL; l++)
			if (cutil_label(node, *l) != NULL)
				cutil_set_addf(&capable, "%s", *l);
	}
	if (found.n > 0) {
		char *l = (cutil_set_sort(&found), cutil_set_join(&found, MAX_NAMES));
		char *ns = (cutil_set_sort(&nodes), cutil_set_join(&nodes, MAX_NAMES));
		check_evidence(res,
			       "RDMA/SR-IOV resources in node allocatable: %s on %zu node%s "
			       "(%s)",
			       l, nodes.n, nodes.n == 1 ? "" : "s", ns);
		free(l);
		free(ns);
		n->hp = true;
	} else
		check_evidence(res, "no RDMA or SR-IOV extended resource in node allocatable");
	set_evidence(res, "NIC-capable node labels (NFD)", &capable);
	cutil_set_release(&found);
	cutil_set_release(&nodes);
	cutil_set_release(&capable);
}

static void net_dra(struct inventory *inv, struct nics *n, struct check_result *res, int *errors)
{
	struct cutil_devices devs = {0};
	cutil_devices_collect(
	    cutil_list(inv, "resource.k8s.io", NULL, "resourceslices", res, errors), &devs);
	struct cutil_driver *drv = NULL;
	size_t ndrv = cutil_devices_by_driver(&devs, &drv);
	for (size_t k = 0; k < ndrv; k++) {
		const struct known_dra_driver *kd = known_dra_driver_find(drv[k].driver);
		if (kd == NULL || strcmp(kd->what, "NIC") != 0)
			continue;
		check_evidence(res, "DRA network devices: %zu from driver %s (%s) on %zu node%s",
			       drv[k].devices, drv[k].driver, kd->vendor, drv[k].nodes.n,
			       drv[k].nodes.n == 1 ? "" : "s");
		n->attach = n->hp = true;
	}
	cutil_drivers_free(drv, ndrv);
	cutil_devices_release(&devs);
}

static void net_nics_passive(struct check_ctx *ctx, struct check_result *res)
{
	struct inventory *inv = ctx->inv;
	int errors = 0;
	struct nics n = {false, false, false};
	net_multus(inv, &n, res, &errors);
	net_operators(inv, &n, res, &errors);
	net_resources(inv, &n, res, &errors);
	net_dra(inv, &n, res, &errors);
	if (n.attach && n.hp)
		cutil_decide(res, errors, VERDICT_FULL, VERDICT_FULL, NULL);
	else if (n.attach)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "expose high-performance NICs (SR-IOV network device plugin, RDMA "
			     "shared device plugin, or a DRA network driver)");
	else if (n.hp || n.operator)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "install Multus (or a DRA network driver) so that pods can attach "
			     "the secondary NICs");
	else
		cutil_decide(res, errors, VERDICT_NO, VERDICT_FULL,
			     "install Multus with the SR-IOV Network Operator or the NVIDIA "
			     "Network Operator to give pods secondary RDMA/SR-IOV interfaces");
}

static const struct check net_gateway = {
    .id = "NET-3.1",
    .passive = net_gateway_passive,
    .active = active_net31_run,
    .flags = CHECK_NEEDS_NAMESPACE | CHECK_FULL_NEEDS_ACTIVE,
};

static const struct check net_nics = {
    .id = "NET-3.2",
    .passive = net_nics_passive,
    .active = active_net32_run,
    .flags = CHECK_NEEDS_NAMESPACE | CHECK_FULL_NEEDS_ACTIVE,
};

const struct check *const checks_networking[] = {
    &net_gateway,
    &net_nics,
    NULL,
};
