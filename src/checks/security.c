/* security.c: the checks of the Security domain, passive parts: SEC-5.1 (network
 * policies with egress control), SEC-5.2 (workload identity), SEC-5.3 (sandboxed
 * runtime), SEC-5.4 (confidential computing), SEC-5.5 (image signatures). */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks/checks.h"
#include "checks/active_tests.h"
#include "checks/known.h"
#include "checks/util.h"
#include "kube/inventory.h"

#define NAMES_MAX 8

#define NOT_EXERCISED "not exercised: needs the active test (kaic run without --passive)"

static bool in_list(const char *const *list, const char *s)
{
	for (; list && *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static bool array_has_string(const json_t *arr, const char *s)
{
	size_t i;
	const json_t *v;
	json_array_foreach(arr, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

/* Whether any container of the workload's pod spec has arg among args or command. */
static bool pod_spec_has_arg(const json_t *podspec, const char *arg)
{
	size_t i;
	const json_t *c;
	json_array_foreach(json_object_get(podspec, "containers"), i, c)
		if (array_has_string(json_object_get(c, "args"), arg) ||
		    array_has_string(json_object_get(c, "command"), arg))
			return true;
	return false;
}

/* ---- SEC-5.1 network policies ---- */

enum enforce { ENF_YES, ENF_NO, ENF_UNKNOWN };

/* kindnet enforces NetworkPolicy since kind v0.24 (kindest/kindnetd:v20240813-...)
 * and aojea/kindnet v1.3.0. Reads the image tag of its kindnetd container. */
static enum enforce kindnet_enforces(const json_t *podspec, char *why, size_t n)
{
	size_t i;
	const json_t *c;
	json_array_foreach(json_object_get(podspec, "containers"), i, c) {
		const char *image = cutil_str(c, "image");
		if (image == NULL || strstr(image, "kindnet") == NULL)
			continue;
		const char *tag = strrchr(image, ':');
		const char *slash = strrchr(image, '/');
		if (tag == NULL || (slash && tag < slash) || tag[1] != 'v') {
			snprintf(why, n, "image %s has no version tag", image);
			return ENF_UNKNOWN;
		}
		char *end;
		long major = strtol(tag + 2, &end, 10);
		if (end - (tag + 2) == 8) { /* vYYYYMMDD-commit */
			snprintf(why, n, "image %s", image);
			return major >= 20240813 ? ENF_YES : ENF_NO;
		}
		if (*end == '.') {
			long minor = strtol(end + 1, NULL, 10);
			snprintf(why, n, "image %s", image);
			return (major > 1 || (major == 1 && minor >= 3)) ? ENF_YES : ENF_NO;
		}
		snprintf(why, n, "image %s: unrecognised version", image);
		return ENF_UNKNOWN;
	}
	snprintf(why, n, "no kindnetd container");
	return ENF_UNKNOWN;
}

static enum enforce cni_enforces(const struct known_cni *k, const json_t *ds, char *why, size_t n)
{
	const json_t *ps = cutil_pod_spec(ds);
	why[0] = '\0';
	if (k->disable_arg && pod_spec_has_arg(ps, k->disable_arg)) {
		snprintf(why, n, "policy disabled by %s", k->disable_arg);
		return ENF_NO;
	}
	switch (k->netpol) {
	case NETPOL_ENFORCES:
		return ENF_YES;
	case NETPOL_NONE:
		snprintf(why, n, "does not enforce NetworkPolicy");
		return ENF_NO;
	case NETPOL_KINDNET:
		return kindnet_enforces(ps, why, n);
	}
	return ENF_UNKNOWN;
}

struct netpol_seen {
	size_t yes, no, unknown, crd_only;
	const char *no_name; /* a non-enforcing CNI, for the hint */
};

static void identify_cni_daemonsets(const json_t *dss, struct check_result *res,
				    struct netpol_seen *s)
{
	static const char *const names[] = {"enforces NetworkPolicy", "no NetworkPolicy",
					    "NetworkPolicy support unknown"};
	size_t i;
	const json_t *ds;
	json_array_foreach(dss, i, ds) {
		for (const struct known_cni *k = known_cnis; k->name; k++) {
			if (!in_list(k->daemonsets, cutil_name(ds)) ||
			    !in_list(k->namespaces, cutil_ns(ds)))
				continue;
			char why[300];
			enum enforce e = cni_enforces(k, ds, why, sizeof(why));
			check_evidence(res, "CNI %s: DaemonSet %s/%s (%s%s%s)", k->name,
				       cutil_ns(ds), cutil_name(ds), names[e], why[0] ? "; " : "",
				       why);
			if (e == ENF_YES)
				s->yes++;
			else if (e == ENF_NO) {
				s->no++;
				s->no_name = k->name;
			} else
				s->unknown++;
		}
	}
}

/* CNIs whose CRD groups are served although no DaemonSet of theirs was seen. */
static void identify_cni_groups(struct check_ctx *ctx, const json_t *dss, struct check_result *res,
				struct netpol_seen *s)
{
	for (const struct known_cni *k = known_cnis; k->name; k++) {
		bool has_ds = false;
		size_t i;
		const json_t *ds;
		json_array_foreach(dss, i, ds)
			has_ds |= in_list(k->daemonsets, cutil_name(ds));
		if (has_ds)
			continue;
		for (const char *const *g = k->groups; g && *g; g++) {
			if (inventory_group_served(ctx->inv, *g)) {
				check_evidence(res,
					       "CNI %s: API group %s served (no DaemonSet of "
					       "it found)",
					       k->name, *g);
				if (k->netpol == NETPOL_ENFORCES)
					s->crd_only++;
				break;
			}
		}
	}
}

static void egress_apis(struct check_ctx *ctx, struct check_result *res)
{
	struct cutil_set l = CUTIL_SET_INIT;
	for (const struct known_api *a = known_egress_policy_apis; a->group; a++)
		if (inventory_served(ctx->inv, a->group, NULL, a->resource))
			cutil_set_addf(&l, "%s %s (%s)", a->group, a->kind, a->what);
	if (l.n > 0)
		cutil_evidence_set(res, &l, NAMES_MAX, "egress policy APIs served: ");
	else
		check_evidence(res,
			       "no egress policy API beyond NetworkPolicy (no "
			       "CiliumNetworkPolicy, AdminNetworkPolicy, Calico or Antrea policy)");
	cutil_set_release(&l);

	int ignored = 0; /* described, not needed for the verdict */
	const json_t *nps;
	if (!cutil_list_read(ctx->inv, "networking.k8s.io", NULL, "networkpolicies", res, &ignored,
			     &nps) ||
	    nps == NULL)
		return;
	size_t egress = 0, i;
	const json_t *np;
	json_array_foreach(nps, i, np)
		egress += array_has_string(cutil_get(np, "spec.policyTypes"), "Egress");
	check_evidence(res, "%zu NetworkPolic%s (%zu with Egress rules)", json_array_size(nps),
		       json_array_size(nps) == 1 ? "y" : "ies", egress);
}

static void sec_netpol_passive(struct check_ctx *ctx, struct check_result *res)
{
	int errors = 0;
	struct netpol_seen s = {0};
	const json_t *dss = cutil_list(ctx->inv, "apps", "v1", "daemonsets", res, &errors);
	json_t *empty = json_array();
	identify_cni_daemonsets(dss ? dss : empty, res, &s);
	identify_cni_groups(ctx, dss ? dss : empty, res, &s);
	json_decref(empty);
	egress_apis(ctx, res);

	if (s.yes + s.crd_only > 0) {
		check_evidence(res, NOT_EXERCISED);
		check_verdict(res, VERDICT_PARTIAL,
			      "run the active test to demonstrate that "
			      "default-deny egress is enforced and an allow policy restores it");
	} else if (s.no > 0 && s.unknown == 0) {
		check_verdict(res, VERDICT_NO,
			      "%s does not enforce NetworkPolicy: install a "
			      "policy-enforcing CNI (Cilium, Calico, Antrea) or "
			      "kube-network-policies",
			      s.no_name);
	} else if (errors) {
		cutil_decide(res, errors, VERDICT_NO, VERDICT_PARTIAL, NULL);
	} else {
		if (s.unknown == 0)
			check_evidence(res,
				       "CNI not identified: NetworkPolicy enforcement unknown");
		check_evidence(res, NOT_EXERCISED);
		check_verdict(res, VERDICT_PARTIAL,
			      "run the active test to find out whether "
			      "NetworkPolicy egress rules are enforced");
	}
}

/* ---- SEC-5.2 workload identity ---- */

static size_t spiffe_csi_drivers(struct check_ctx *ctx, struct check_result *res, int *errors)
{
	const json_t *drivers =
	    cutil_list(ctx->inv, "storage.k8s.io", NULL, "csidrivers", res, errors);
	size_t n = 0, i;
	const json_t *d;
	json_array_foreach(drivers, i, d) {
		for (const struct known_csi_driver *k = known_spiffe_csi_drivers; k->name; k++) {
			if (strcmp(cutil_name(d), k->name) == 0) {
				check_evidence(res, "CSIDriver %s (%s)", k->name, k->product);
				n++;
			}
		}
	}
	return n;
}

/* Each served API of the table: evidence with its objects. Returns how many served. */
static size_t describe_apis(struct check_ctx *ctx, struct check_result *res,
			    const struct known_api *apis, const char *suffix, int *errors)
{
	size_t served = 0;
	for (const struct known_api *a = apis; a->group; a++) {
		if (!inventory_served(ctx->inv, a->group, NULL, a->resource))
			continue;
		served++;
		const json_t *items;
		if (!cutil_list_read(ctx->inv, a->group, NULL, a->resource, res, errors, &items))
			continue;
		struct cutil_set l = CUTIL_SET_INIT;
		size_t i;
		const json_t *o;
		json_array_foreach(items, i, o)
			cutil_set_addf(&l, "%s", cutil_name(o));
		cutil_evidence_set(res, &l, NAMES_MAX, "%s %s served (%s%s): %zu object%s%s",
				   a->group, a->kind, a->what, suffix, l.n, cutil_plural(l.n),
				   l.n ? ": " : "");
		cutil_set_release(&l);
	}
	return served;
}

static size_t named_daemonsets(struct check_ctx *ctx, struct check_result *res,
			       const struct known_workload *table, int *errors)
{
	const json_t *dss = cutil_list(ctx->inv, "apps", "v1", "daemonsets", res, errors);
	size_t n = 0, i;
	const json_t *ds;
	json_array_foreach(dss, i, ds) {
		for (const struct known_workload *w = table; w->name; w++) {
			if (strcmp(cutil_name(ds), w->name) == 0) {
				check_evidence(res, "%s: DaemonSet %s/%s", w->product, cutil_ns(ds),
					       cutil_name(ds));
				n++;
			}
		}
	}
	return n;
}

static void sec_identity_passive(struct check_ctx *ctx, struct check_result *res)
{
	int errors = 0;
	size_t csi = spiffe_csi_drivers(ctx, res, &errors);
	size_t apis = describe_apis(ctx, res, known_identity_apis, "", &errors);
	describe_apis(ctx, res, known_trust_apis, "; issues no identities", &errors);
	size_t agents = named_daemonsets(ctx, res, known_identity_daemonsets, &errors);
	if (csi > 0) {
		check_evidence(res, NOT_EXERCISED);
		check_verdict(res, VERDICT_PARTIAL,
			      "run the active test to show that a pod obtains an X.509 SVID of "
			      "its own identity through the SPIFFE CSI driver");
	} else if (errors) {
		cutil_read_error(res, errors); /* an unread list may hold the CSI driver */
	} else if (apis + agents > 0) {
		check_evidence(res, "not exercised: the active test needs the SPIFFE CSI driver");
		check_verdict(res, VERDICT_PARTIAL,
			      "install the SPIFFE CSI driver (csi.spiffe.io) "
			      "so pods can mount their SVIDs");
	} else {
		check_evidence(res, "no workload identity component (SPIRE, SPIFFE CSI driver, "
				    "Istio, pod certificates)");
		check_verdict(res, VERDICT_NO,
			      "install SPIRE with the SPIFFE CSI driver (or "
			      "cert-manager csi-driver-spiffe)");
	}
}

/* ---- SEC-5.3 / SEC-5.4 RuntimeClasses ---- */

static const struct known_runtime *known_handler(const char *handler)
{
	for (const struct known_runtime *k = known_runtime_handlers; k->pattern; k++)
		if (fnmatch(k->pattern, handler, 0) == 0)
			return k;
	return NULL;
}

/* Nodes carrying every label of the RuntimeClass's scheduling.nodeSelector. */
static size_t matching_nodes(const json_t *rc, const json_t *nodes)
{
	const json_t *sel = cutil_get(rc, "scheduling.nodeSelector");
	size_t n = 0, i;
	const json_t *node;
	json_array_foreach(nodes, i, node) {
		bool ok = true;
		const char *key;
		const json_t *v;
		json_object_foreach((json_t *)sel, key, v) {
			const char *have = cutil_label(node, key);
			if (have == NULL || !json_is_string(v) ||
			    strcmp(have, json_string_value(v)) != 0)
				ok = false;
		}
		n += ok;
	}
	return n;
}

/* One evidence line per RuntimeClass whose handler has all of want; returns how many.
 * *tee counts those without RUNTIME_NO_TEE. */
static size_t runtime_classes(struct check_result *res, const json_t *rcs, const json_t *nodes,
			      unsigned want, size_t *tee)
{
	size_t n = 0, i;
	const json_t *rc;
	json_array_foreach(rcs, i, rc) {
		const char *h = cutil_str(rc, "handler");
		const struct known_runtime *k = h ? known_handler(h) : NULL;
		if (k == NULL || (k->flags & want) != want)
			continue;
		n++;
		if (!(k->flags & RUNTIME_NO_TEE))
			(*tee)++;
		char where[120] = "";
		if (cutil_get(rc, "scheduling.nodeSelector") && nodes) {
			size_t m = matching_nodes(rc, nodes);
			snprintf(where, sizeof(where), "; nodeSelector matches %zu node%s", m,
				 cutil_plural(m));
		}
		check_evidence(res, "RuntimeClass \"%s\" (handler %s: %s%s)", cutil_name(rc), h,
			       k->product, where);
	}
	return n;
}

static void sec_sandbox_passive(struct check_ctx *ctx, struct check_result *res)
{
	int errors = 0, ignored = 0;
	const json_t *rcs =
	    cutil_list(ctx->inv, "node.k8s.io", NULL, "runtimeclasses", res, &errors);
	const json_t *nodes = cutil_list(ctx->inv, "", "v1", "nodes", res, &ignored);
	size_t tee = 0;
	size_t n = runtime_classes(res, rcs, nodes, RUNTIME_SANDBOX, &tee);
	if (n == 0 && json_array_size(rcs) == 0 && errors == 0)
		check_evidence(res, "no RuntimeClass objects");
	else if (n == 0 && rcs != NULL)
		check_evidence(res,
			       "%zu RuntimeClass%s, none with a sandbox handler (runsc, kata*)",
			       json_array_size(rcs), json_array_size(rcs) == 1 ? "" : "es");
	size_t apis = 0;
	for (const struct known_api *a = known_sandbox_apis; a->group; a++) {
		if (inventory_served(ctx->inv, a->group, NULL, a->resource)) {
			check_evidence(res, "%s %s served (%s)", a->group, a->kind, a->what);
			apis++;
		}
	}
	if (n > 0) {
		check_evidence(res, NOT_EXERCISED);
		check_verdict(res, VERDICT_PARTIAL,
			      "run the active test to show that a pod of the sandbox "
			      "RuntimeClass sees another kernel than a runc pod");
	} else if (errors) {
		cutil_decide(res, errors, VERDICT_NO, VERDICT_PARTIAL, NULL);
	} else if (apis > 0) {
		check_verdict(res, VERDICT_PARTIAL,
			      "add a RuntimeClass for gVisor (runsc) or "
			      "Kata Containers");
	} else {
		check_verdict(res, VERDICT_NO,
			      "install gVisor or Kata Containers and a "
			      "RuntimeClass for it");
	}
}

static size_t tee_node_labels(struct check_ctx *ctx, struct check_result *res, int *errors)
{
	const json_t *nodes = cutil_list(ctx->inv, "", "v1", "nodes", res, errors);
	size_t total = 0;
	for (const struct known_label *l = known_tee_node_labels; l->key; l++) {
		size_t n = 0, i;
		const json_t *node;
		json_array_foreach(nodes, i, node) {
			const char *v = cutil_label(node, l->key);
			n += v != NULL && strcmp(v, "true") == 0;
		}
		if (n > 0)
			check_evidence(res, "%s: %s=true on %zu node%s", l->what, l->key, n,
				       cutil_plural(n));
		total += n;
	}
	return total;
}

static void sec_confidential_passive(struct check_ctx *ctx, struct check_result *res)
{
	int errors = 0, ignored = 0;
	const json_t *rcs =
	    cutil_list(ctx->inv, "node.k8s.io", NULL, "runtimeclasses", res, &errors);
	const json_t *nodes = cutil_list(ctx->inv, "", "v1", "nodes", res, &ignored);
	size_t tee = 0;
	size_t n = runtime_classes(res, rcs, nodes, RUNTIME_CONFIDENTIAL, &tee);
	size_t labelled = tee_node_labels(ctx, res, &errors);
	if (tee > 0) {
		check_evidence(res, NOT_EXERCISED);
		check_verdict(res, VERDICT_PARTIAL,
			      "run the active test to show that a pod of the confidential "
			      "RuntimeClass sees a TEE guest device");
	} else if (errors) {
		cutil_read_error(res, errors); /* an unread list may hold a TEE RuntimeClass */
	} else if (n > 0 || labelled > 0) {
		check_evidence(res, n > 0 ? "only a development handler without TEE"
					  : "TEE hardware labelled, no confidential RuntimeClass");
		check_verdict(res, VERDICT_PARTIAL,
			      "install Confidential Containers with a "
			      "kata-qemu-tdx or kata-qemu-snp RuntimeClass on TEE nodes");
	} else {
		check_evidence(res, "no confidential RuntimeClass and no TEE node labels");
		check_verdict(res, VERDICT_NO,
			      "run TEE-capable nodes (Intel TDX, AMD SEV-SNP) "
			      "with Confidential Containers");
	}
}

/* ---- SEC-5.5 image signature verification ---- */

static bool kyverno_verifies(const json_t *pol, bool *enforce)
{
	bool verifies = false;
	const char *spec_action = cutil_str(pol, "spec.validationFailureAction");
	*enforce = false;
	size_t i, j;
	const json_t *rule, *vi;
	json_array_foreach(cutil_get(pol, "spec.rules"), i, rule) {
		const json_t *vis = json_object_get(rule, "verifyImages");
		json_array_foreach(vis, j, vi) {
			verifies = true;
			const char *a = cutil_str(vi, "failureAction");
			a = a ? a : spec_action;
			if (a && strcasecmp(a, "enforce") == 0)
				*enforce = true;
		}
	}
	return verifies;
}

/* Whether pol is a signature policy of engine k; *enforce whether it blocks. */
static bool policy_applies(const struct known_image_policy *k, const json_t *pol, bool *enforce)
{
	const char *mode;
	switch (k->mode) {
	case POLMODE_SIGSTORE:
		mode = cutil_str(pol, "spec.mode");
		*enforce = mode == NULL || strcmp(mode, "enforce") == 0;
		return true;
	case POLMODE_KYVERNO:
		return kyverno_verifies(pol, enforce);
	case POLMODE_KYVERNO_IVP: {
		const json_t *acts = cutil_get(pol, "spec.validationActions");
		*enforce = acts == NULL || array_has_string(acts, "Deny");
		return true;
	}
	case POLMODE_NONE:
		*enforce = true;
		return true;
	}
	return false;
}

/* Whether webhook configuration cfg belongs to engine k (by its name or a webhook's). */
static bool webhook_matches(const struct known_image_policy *k, const json_t *cfg,
			    const char **fail)
{
	bool hit = false;
	size_t j;
	const json_t *wh;
	for (const char *const *p = k->webhooks; *p; p++)
		hit |= strstr(cutil_name(cfg), *p) != NULL;
	json_array_foreach(json_object_get(cfg, "webhooks"), j, wh) {
		const char *name = cutil_str(wh, "name");
		for (const char *const *p = k->webhooks; *p; p++)
			hit |= name != NULL && strstr(name, *p) != NULL;
		if (*fail == NULL)
			*fail = cutil_str(wh, "failurePolicy");
	}
	return hit;
}

/* Whether k is the first table entry of its engine (evidence about webhooks once). */
static bool first_of_engine(const struct known_image_policy *k)
{
	for (const struct known_image_policy *p = known_image_policies; p != k; p++)
		if (strcmp(p->name, k->name) == 0)
			return false;
	return true;
}

static size_t engine_webhooks(const struct known_image_policy *k, const json_t *vwcs,
			      struct check_result *res)
{
	size_t n = 0, i;
	const json_t *cfg;
	json_array_foreach(vwcs, i, cfg) {
		const char *fail = NULL;
		if (!webhook_matches(k, cfg, &fail))
			continue;
		n++;
		if (first_of_engine(k))
			check_evidence(res,
				       "%s: ValidatingWebhookConfiguration %s "
				       "(failurePolicy %s)",
				       k->name, cutil_name(cfg), fail ? fail : "Fail");
	}
	return n;
}

struct engine_seen {
	size_t present, enforcing, with_webhook;
};

static void describe_engine(struct check_ctx *ctx, struct check_result *res,
			    const struct known_image_policy *k, const json_t *vwcs,
			    struct engine_seen *s, int *errors)
{
	bool served = k->group && inventory_served(ctx->inv, k->group, NULL, k->resource);
	size_t hooks = engine_webhooks(k, vwcs, res);
	if (!served && hooks == 0)
		return;
	s->present++;
	s->with_webhook += hooks > 0;
	if (!served) {
		s->enforcing += hooks > 0 && k->mode == POLMODE_NONE;
		return;
	}
	const json_t *pols;
	if (!cutil_list_read(ctx->inv, k->group, NULL, k->resource, res, errors, &pols))
		return;
	struct cutil_set l = CUTIL_SET_INIT;
	size_t enforcing = 0, i;
	const json_t *p;
	json_array_foreach(pols, i, p) {
		bool enf = false;
		if (!policy_applies(k, p, &enf))
			continue;
		enforcing += enf;
		cutil_set_addf(&l, "%s%s%s (%s)", cutil_ns(p), *cutil_ns(p) ? "/" : "",
			       cutil_name(p), enf ? "enforce" : "audit/warn");
	}
	cutil_evidence_set(res, &l, NAMES_MAX, "%s: %zu %s object%s verifying images%s", k->name,
			   l.n, k->kind, cutil_plural(l.n), l.n ? ": " : "");
	cutil_set_release(&l);
	if (enforcing > 0 && hooks > 0)
		s->enforcing++;
}

static void sec_signature_passive(struct check_ctx *ctx, struct check_result *res)
{
	int errors = 0;
	const json_t *vwcs = cutil_list(ctx->inv, "admissionregistration.k8s.io", "v1",
					"validatingwebhookconfigurations", res, &errors);
	json_t *empty = json_array();
	struct engine_seen s = {0};
	for (const struct known_image_policy *k = known_image_policies; k->name; k++)
		describe_engine(ctx, res, k, vwcs ? vwcs : empty, &s, &errors);
	json_decref(empty);
	if (s.enforcing > 0) {
		check_evidence(res, NOT_EXERCISED);
		check_verdict(res, VERDICT_PARTIAL,
			      "run the active test with --unsigned-image and --signed-image to "
			      "show that admission denies the unsigned image");
	} else if (errors) {
		cutil_read_error(res, errors); /* an unread list may hold the policy or webhook */
	} else if (s.present > 0) {
		check_verdict(res, VERDICT_PARTIAL,
			      s.with_webhook == 0
				  ? "register the engine's admission webhook"
				  : "add an enforcing signature policy (not audit or warn mode)");
	} else {
		check_evidence(res,
			       "no image-signature admission engine (Sigstore "
			       "policy-controller, Kyverno verifyImages, Ratify, Connaisseur)");
		check_verdict(res, VERDICT_NO,
			      "install Sigstore policy-controller or Kyverno "
			      "with an enforcing image-signature policy");
	}
}

static const struct check sec_netpol = {
    .id = "SEC-5.1",
    .passive = sec_netpol_passive,
    .active = active_sec51_run,
    .flags = CHECK_NEEDS_NAMESPACE | CHECK_FULL_NEEDS_ACTIVE,
};
static const struct check sec_identity = {
    .id = "SEC-5.2",
    .passive = sec_identity_passive,
    .active = active_sec52_run,
    .flags = CHECK_NEEDS_NAMESPACE | CHECK_FULL_NEEDS_ACTIVE,
};
static const struct check sec_sandbox = {
    .id = "SEC-5.3",
    .passive = sec_sandbox_passive,
    .active = active_sec53_run,
    .flags = CHECK_NEEDS_NAMESPACE | CHECK_FULL_NEEDS_ACTIVE,
};
static const struct check sec_confidential = {
    .id = "SEC-5.4",
    .passive = sec_confidential_passive,
    .active = active_sec54_run,
    .flags = CHECK_NEEDS_NAMESPACE | CHECK_FULL_NEEDS_ACTIVE,
};
static const struct check sec_signature = {
    .id = "SEC-5.5",
    .passive = sec_signature_passive,
    .active = active_sec55_run,
    .flags = CHECK_NEEDS_NAMESPACE | CHECK_FULL_NEEDS_ACTIVE,
};

const struct check *const checks_security[] = {
    &sec_netpol, &sec_identity, &sec_sandbox, &sec_confidential, &sec_signature, NULL,
};
