/* active_sec52.c: the active test of SEC-5.2 (workload identity): a pod mounts the SPIFFE
 * CSI driver's volume (csi.spiffe.io: the SPIRE agent's Workload API socket) and runs
 * `kaic probe svid`, which fetches its X.509 SVID and reports the certificates. kaic then
 * reads them itself (probe/svid.c, OpenSSL): the leaf has exactly one URI SAN, the SPIFFE
 * ID the Workload API named; the chain verifies against the trust bundle; the ID's trust
 * domain is the one the bundle's CA names; and the ID is the pod's: what the
 * ClusterSPIFFEIDs selecting the pod render their spiffeIDTemplate to, or, when none
 * selects it, the conventional spiffe://TD/ns/NAMESPACE/sa/SERVICEACCOUNT. */
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/util.h"
#include "kube/inventory.h"
#include "probe/svid.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#define CSI_DRIVER "csi.spiffe.io"
#define MOUNT "/spiffe-workload-api"
#define POD "svid"
#define SA "default"
#define SPIRE_GROUP "spire.spiffe.io"

json_t *active_sec52_objects(const struct active_params *p)
{
	json_t *pod = active_build_pod(
	    p, POD, "svid", json_pack("[s,s,s,s]", "--socket", MOUNT, "--timeout", "10s"), true);
	json_t *spec = json_object_get(pod, "spec");
	json_object_set_new(spec, "serviceAccountName", json_string(SA));
	json_object_set_new(spec, "volumes",
			    json_pack("[{s:s, s:{s:s, s:b}}]", "name", "spiffe-workload-api", "csi",
				      "driver", CSI_DRIVER, "readOnly", 1));
	json_t *c = json_array_get(json_object_get(spec, "containers"), 0);
	json_object_set_new(c, "volumeMounts",
			    json_pack("[{s:s, s:s, s:b}]", "name", "spiffe-workload-api",
				      "mountPath", MOUNT, "readOnly", 1));
	return json_pack("[o]", pod);
}

/* ---- which identity the pod should get ---- */

static bool expr_match(const json_t *e, const json_t *labels)
{
	const char *key = cutil_str(e, "key"), *op = cutil_str(e, "operator");
	const char *have = key ? json_string_value(json_object_get(labels, key)) : NULL;
	if (op == NULL)
		return false;
	if (strcmp(op, "Exists") == 0)
		return have != NULL;
	if (strcmp(op, "DoesNotExist") == 0)
		return have == NULL;
	bool in = false;
	size_t i;
	const json_t *v;
	json_array_foreach(cutil_get(e, "values"), i, v)
		in |= have && json_is_string(v) && strcmp(json_string_value(v), have) == 0;
	return strcmp(op, "In") == 0 ? in : strcmp(op, "NotIn") == 0 ? !in : false;
}

/* A metav1.LabelSelector (absent: everything). */
static bool selects(const json_t *sel, const json_t *labels)
{
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)cutil_get(sel, "matchLabels"), key, v) {
		const char *have = json_string_value(json_object_get(labels, key));
		if (!json_is_string(v) || have == NULL || strcmp(have, json_string_value(v)) != 0)
			return false;
	}
	size_t i;
	const json_t *e;
	json_array_foreach(cutil_get(sel, "matchExpressions"), i, e)
		if (!expr_match(e, labels))
			return false;
	return true;
}

/* What a template field stands for, or NULL when kaic does not know it. */
static const char *field_value(const char *f, size_t n, const json_t *vals)
{
	char name[64];
	if (n >= sizeof(name))
		return NULL;
	memcpy(name, f, n);
	name[n] = '\0';
	return json_string_value(json_object_get(vals, name));
}

/* spiffeIDTemplate rendered with vals ({".TrustDomain": ..., ...}): a new string, or
 * NULL when it uses anything else than a plain field of vals. */
static char *render(const char *tmpl, const json_t *vals)
{
	struct buf b = BUF_INIT;
	buf_init(&b);
	const char *p = tmpl;
	for (const char *o; (o = strstr(p, "{{")) != NULL;) {
		const char *c = strstr(o, "}}");
		if (c == NULL)
			break;
		buf_add(&b, p, (size_t)(o - p));
		const char *f = o + 2;
		while (*f == ' ')
			f++;
		size_t n = (size_t)(c - f);
		while (n > 0 && f[n - 1] == ' ')
			n--;
		const char *v = field_value(f, n, vals);
		if (v == NULL) {
			buf_release(&b);
			return NULL;
		}
		buf_adds(&b, v);
		p = c + 2;
	}
	buf_adds(&b, p);
	char *s = xstrdup(b.data ? b.data : "");
	buf_release(&b);
	return s;
}

/* Compares id with what the ClusterSPIFFEIDs selecting the pod render to (or the
 * convention). Evidence; returns whether it matches. */
static bool identity_matches(struct check_ctx *ctx, struct check_result *res, const json_t *pod,
			     const char *id, const char *td)
{
	json_t *vals = json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s}", ".TrustDomain", td, ".PodMeta.Namespace", ctx->ns,
	    ".PodMeta.Name", POD, ".PodSpec.ServiceAccountName", SA, ".PodMeta.UID",
	    cutil_str(pod, "metadata.uid") ? cutil_str(pod, "metadata.uid") : "",
	    ".PodSpec.NodeName",
	    cutil_str(pod, "spec.nodeName") ? cutil_str(pod, "spec.nodeName") : "");
	json_t *nsl = json_pack("{s:s}", "kubernetes.io/metadata.name", ctx->ns);
	json_t *nso = active_namespace_object(ctx->run_id);
	json_object_update(nsl, (json_t *)cutil_get(nso, "metadata.labels"));
	json_decref(nso);
	int errors = 0;
	const json_t *ids =
	    inventory_served(ctx->inv, SPIRE_GROUP, NULL, "clusterspiffeids")
		? cutil_list(ctx->inv, SPIRE_GROUP, NULL, "clusterspiffeids", res, &errors)
		: NULL;
	bool match = false, any = false;
	size_t i;
	const json_t *cs;
	json_array_foreach(ids, i, cs) {
		if (!selects(cutil_get(cs, "spec.namespaceSelector"), nsl) ||
		    !selects(cutil_get(cs, "spec.podSelector"), cutil_get(pod, "metadata.labels")))
			continue;
		const char *t = cutil_str(cs, "spec.spiffeIDTemplate");
		char *want = t ? render(t, vals) : NULL;
		any = true;
		if (want == NULL)
			check_evidence(res,
				       "ClusterSPIFFEID %s selects the pod; its template %s "
				       "uses fields kaic does not render",
				       cutil_name(cs), t ? t : "(none)");
		else
			check_evidence(res, "ClusterSPIFFEID %s selects the pod: expected %s",
				       cutil_name(cs), want);
		match |= want != NULL && strcmp(want, id) == 0;
		free(want);
	}
	if (!any) {
		char *want = xasprintf("spiffe://%s/ns/%s/sa/%s", td, ctx->ns, SA);
		check_evidence(res,
			       "no ClusterSPIFFEID selects the pod: expected the "
			       "conventional %s",
			       want);
		match = strcmp(want, id) == 0;
		free(want);
	}
	json_decref(nsl);
	json_decref(vals);
	return match;
}

/* ---- the verdict from the probe's report ---- */

static void judge_svid(struct check_ctx *ctx, struct check_result *res, const json_t *pod,
		       const json_t *out)
{
	const char *id = cutil_str(out, "spiffe_id");
	struct svid_info info;
	const char *why = NULL;
	if (svid_inspect(cutil_str(out, "svid_pem"), cutil_str(out, "bundle_pem"), &info, &why) !=
	    0) {
		check_evidence(res, "the SVID the pod reported cannot be read: %s", why);
		active_run_decide(res, VERDICT_NO, "the Workload API hands out unreadable SVIDs");
		return;
	}
	char *td = svid_trust_domain(id);
	check_evidence(res,
		       "pod %s got X.509 SVID %s through %s (leaf URI SAN %s, %d URI SAN%s, "
		       "notAfter %s; chain %s against the bundle%s%s)",
		       POD, id ? id : "(none)", CSI_DRIVER, info.uri ? info.uri : "(none)",
		       info.uri_count, info.uri_count == 1 ? "" : "s", info.not_after,
		       info.chain_verified ? "verified by kaic" : "NOT verified",
		       info.verify_error[0] ? ": " : "", info.verify_error);
	const char *bad = NULL;
	if (id == NULL || td == NULL || info.uri_count != 1 || info.uri == NULL ||
	    strcmp(info.uri, id) != 0)
		bad = "the leaf's one URI SAN is not the SPIFFE ID the Workload API named";
	else if (info.leaf_is_ca)
		bad = "the SVID's leaf is a CA certificate";
	else if (!info.chain_verified)
		bad = "the SVID does not verify against the trust bundle";
	else if (info.bundle_td != NULL && strcmp(info.bundle_td, td) != 0)
		bad = "the SPIFFE ID's trust domain is not the bundle's";
	if (bad == NULL && info.bundle_td != NULL)
		check_evidence(res, "trust domain %s, the one the bundle's CA names", td);
	else if (bad == NULL)
		check_evidence(res, "trust domain %s (the bundle's CA names none)", td);
	if (bad == NULL && !identity_matches(ctx, res, pod, id, td))
		bad = "the SPIFFE ID is not the pod's identity";
	if (bad != NULL) {
		check_evidence(res, "wrong: %s", bad);
		active_run_decide(res, VERDICT_NO,
				  "the SVID does not identify the pod: check the ClusterSPIFFEID "
				  "templates and the SPIRE server's trust domain");
	} else {
		check_evidence(res, "the SPIFFE ID is the pod's identity");
		active_run_decide(res, VERDICT_FULL, NULL);
	}
	free(td);
	svid_info_release(&info);
}

static void judge(struct check_ctx *ctx, struct check_result *res,
		  const struct active_probe_result *r)
{
	const json_t *out = r->out;
	const char *err = cutil_str(out, "error");
	if (out != NULL && cutil_str(out, "svid_pem") != NULL) {
		judge_svid(ctx, res, r->pod, out);
	} else if (out != NULL && json_integer_value(cutil_get(out, "grpc_status")) > 0) {
		check_evidence(res,
			       "pod %s reached the Workload API through %s, which issued no "
			       "SVID: %s",
			       POD, CSI_DRIVER, err ? err : "gRPC error");
		active_run_decide(res, VERDICT_PARTIAL,
				  "no SPIRE registration covers kaic's pod: add a ClusterSPIFFEID "
				  "(or entry) for every namespace's pods");
	} else {
		check_evidence(res, "pod %s (exit %d) could not fetch an SVID: %s", POD,
			       r->exit_code, err ? err : "no readable result");
		active_run_events(ctx, res);
		active_run_decide(
		    res, VERDICT_ERROR,
		    "check the SPIRE agent and the SPIFFE CSI driver on the pod's node");
	}
}

static bool has_driver(const json_t *drivers)
{
	size_t i;
	const json_t *d;
	json_array_foreach(drivers, i, d)
		if (strcmp(cutil_name(d), CSI_DRIVER) == 0)
			return true;
	return false;
}

void active_sec52_run(struct check_ctx *ctx, struct check_result *res)
{
	int errors = 0;
	const json_t *drivers =
	    cutil_list(ctx->inv, "storage.k8s.io", NULL, "csidrivers", res, &errors);
	if (errors > 0) {
		active_run_read_failed(res, errors);
		return;
	}
	if (!has_driver(drivers)) {
		active_run_not_run(res, "no CSIDriver " CSI_DRIVER " (the SPIFFE CSI driver)",
				   NULL);
		return;
	}
	struct active_params p;
	active_run_params(ctx, &p);
	json_t *objs = active_sec52_objects(&p);
	struct active_probe_result r;
	res->mode = MODE_ACTIVE;
	if (active_run_probe(ctx, res, active_build_find(objs, "Pod", POD), &r) == 0) {
		judge(ctx, res, &r);
		active_probe_result_release(&r);
	}
	json_decref(objs);
}
