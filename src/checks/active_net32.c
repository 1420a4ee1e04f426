/* active_net32.c: the active test of NET-3.2 (multi-NIC with RDMA/SR-IOV): a pod
 * attached to a secondary network through Multus (the annotation
 * k8s.v1.cni.cncf.io/networks) runs `kaic probe netif`, which lists the interfaces and
 * RDMA devices it sees. The network is kaic's own macvlan NetworkAttachmentDefinition
 * `nic` on the host interface --secondary-nic names, or else an existing one (SR-IOV and
 * RDMA networks first), whose device resource (annotation
 * k8s.v1.cni.cncf.io/resourceName) the pod requests. Full when the pod sees the second
 * interface and, where the network advertises RDMA, an RDMA device. */
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/known.h"
#include "checks/util.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#define TAG "nic"
#define NAD_GROUP "k8s.cni.cncf.io"
#define NAD_API NAD_GROUP "/v1"
#define NAD_RESOURCE "network-attachment-definitions"
#define NETWORKS_ANNOTATION "k8s.v1.cni.cncf.io/networks"
#define STATUS_ANNOTATION "k8s.v1.cni.cncf.io/network-status"
#define RESOURCE_ANNOTATION "k8s.v1.cni.cncf.io/resourceName"
#define OWN_SUBNET "198.51.100.0/24" /* TEST-NET-2: never routed */

static json_t *own_nad(const struct active_params *p)
{
	json_t *nad = active_build_object(p, NAD_API, "NetworkAttachmentDefinition", TAG, true);
	json_t *cfg =
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}}", "cniVersion", "0.3.1", "name",
		      "kaic-nic", "type", "macvlan", "master", p->secondary_nic, "mode", "bridge",
		      "ipam", "type", "host-local", "subnet", OWN_SUBNET);
	char *text = json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(cfg);
	json_object_set_new(nad, "spec", json_pack("{s:s}", "config", text));
	free(text);
	return nad;
}

json_t *active_net32_objects(const struct active_params *p)
{
	json_t *objs = json_array();
	if (p->secondary_nic != NULL)
		json_array_append_new(objs, own_nad(p));
	json_t *pod = active_build_pod(p, TAG, "netif", json_array(), true);
	json_t *md = json_object_get(pod, "metadata");
	json_object_set_new(
	    md, "annotations",
	    json_pack("{s:s}", NETWORKS_ANNOTATION, p->secondary_nic != NULL ? TAG : p->nad));
	if (p->nad_resource != NULL) {
		json_t *c = json_array_get(cutil_get(pod, "spec.containers"), 0);
		json_t *r = json_object_get(c, "resources");
		json_object_set_new(json_object_get(r, "requests"), p->nad_resource,
				    json_string("1"));
		json_object_set_new(json_object_get(r, "limits"), p->nad_resource,
				    json_string("1"));
	}
	json_array_append_new(objs, pod);
	return objs;
}

/* ---- choosing the network ---- */

static json_t *nad_config(const json_t *nad)
{
	const char *cfg = cutil_str(nad, "spec.config");
	return cfg ? json_loads(cfg, 0, NULL) : NULL;
}

/* The CNI type of a NAD's config (its first plugin's for a list), borrowed from cfg. */
static const char *cni_type(const json_t *cfg)
{
	const char *t = json_string_value(json_object_get(cfg, "type"));
	if (t == NULL)
		t = json_string_value(
		    json_object_get(json_array_get(json_object_get(cfg, "plugins"), 0), "type"));
	return t ? t : "";
}

static bool hp_type(const char *t)
{
	return strcmp(t, "sriov") == 0 || strcmp(t, "ib-sriov") == 0 ||
	       strcmp(t, "host-device") == 0 || strcmp(t, "rdma") == 0;
}

/* The NAD to attach: an SR-IOV/RDMA one with a device resource first, else any. */
static const json_t *pick_nad(const json_t *nads)
{
	const json_t *best = NULL;
	int best_score = -1;
	size_t i;
	const json_t *n;
	json_array_foreach(nads, i, n) {
		json_t *cfg = nad_config(n);
		int score = (hp_type(cni_type(cfg)) ? 2 : 0) +
			    (cutil_annotation(n, RESOURCE_ANNOTATION) ? 1 : 0);
		json_decref(cfg);
		if (cfg != NULL && score > best_score) {
			best = n;
			best_score = score;
		}
	}
	return best;
}

/* Whether the network advertises RDMA: an RDMA CNI type, an RDMA device resource, or an
 * SriovNetworkNodePolicy with isRdma for its resource. Sets *why. */
static bool rdma_advertised(struct check_ctx *ctx, struct check_result *res, const json_t *nad,
			    const char *resource, int *errors, char *why, size_t size)
{
	json_t *cfg = nad_config(nad);
	const char *t = cni_type(cfg);
	bool yes = strcmp(t, "ib-sriov") == 0 || strcmp(t, "rdma") == 0;
	if (yes)
		snprintf(why, size, "CNI type %s", t);
	json_decref(cfg);
	const struct known_net_resource *k = known_net_resource_find(resource);
	if (!yes && k != NULL && strcmp(k->what, "RDMA") == 0) {
		snprintf(why, size, "device resource %s (%s)", resource, k->what);
		yes = true;
	}
	const char *sr = "sriovnetwork.openshift.io";
	const char *slash = resource ? strchr(resource, '/') : NULL;
	if (!yes && slash != NULL &&
	    inventory_served(ctx->inv, sr, NULL, "sriovnetworknodepolicies")) {
		size_t i;
		const json_t *o;
		json_array_foreach(
		    cutil_list(ctx->inv, sr, NULL, "sriovnetworknodepolicies", res, errors), i, o) {
			const char *rn = cutil_str(o, "spec.resourceName");
			if (rn != NULL && strcmp(rn, slash + 1) == 0 &&
			    json_is_true(cutil_get(o, "spec.isRdma"))) {
				snprintf(why, size, "SriovNetworkNodePolicy %s/%s isRdma for %s",
					 cutil_ns(o), cutil_name(o), resource);
				yes = true;
				break;
			}
		}
	}
	return yes;
}

/* ---- the verdict ---- */

/* The interfaces Multus reports attached (network-status, not the default network),
 * "net1" when the pod has no such annotation. */
static json_t *expected_ifaces(const json_t *pod)
{
	json_t *want = json_array();
	const char *st = cutil_annotation(pod, STATUS_ANNOTATION);
	json_t *doc = st ? json_loads(st, 0, NULL) : NULL;
	size_t i;
	const json_t *e;
	json_array_foreach(doc, i, e) {
		const char *ifn = cutil_str(e, "interface");
		if (ifn != NULL && !json_is_true(json_object_get(e, "default")))
			json_array_append_new(want, json_string(ifn));
	}
	json_decref(doc);
	if (json_array_size(want) == 0)
		json_array_append_new(want, json_string("net1"));
	return want;
}

static const json_t *find_iface(const json_t *out, const char *name)
{
	size_t i;
	const json_t *f;
	json_array_foreach(json_object_get(out, "interfaces"), i, f) {
		const char *n = cutil_str(f, "name");
		if (n != NULL && strcmp(n, name) == 0)
			return f;
	}
	return NULL;
}

/* "eth0 (10.0.0.5/24, mtu 1450), net1 (...)" */
static char *ifaces_text(const json_t *out)
{
	struct buf b = BUF_INIT;
	buf_init(&b);
	size_t i, j;
	const json_t *f, *a;
	json_array_foreach(json_object_get(out, "interfaces"), i, f) {
		buf_addf(&b, "%s%s (", i ? ", " : "",
			 cutil_str(f, "name") ? cutil_str(f, "name") : "?");
		json_array_foreach(json_object_get(f, "addresses"), j, a) {
			buf_addf(&b, "%s, ", json_string_value(a) ? json_string_value(a) : "?");
		}
		buf_addf(&b, "mtu %lld)", (long long)json_integer_value(json_object_get(f, "mtu")));
	}
	return buf_detach(&b, NULL);
}

static char *rdma_text(const json_t *out)
{
	struct buf b = BUF_INIT;
	buf_init(&b);
	size_t i;
	const json_t *d;
	json_array_foreach(json_object_get(out, "rdma"), i, d) {
		buf_addf(&b, "%s%s", i ? ", " : "",
			 cutil_str(d, "name") ? cutil_str(d, "name") : "?");
	}
	json_array_foreach(json_object_get(out, "uverbs"), i, d) {
		buf_addf(&b, "%s/dev/infiniband/%s", b.len ? ", " : "",
			 json_string_value(d) ? json_string_value(d) : "?");
	}
	return buf_detach(&b, NULL);
}

static void decide(struct check_result *res, const json_t *out, const json_t *pod,
		   const char *network, bool rdma, const char *rdma_why)
{
	char *all = ifaces_text(out);
	check_evidence(res, "pod " TAG " (network %s) sees interfaces: %s", network, all);
	free(all);
	json_t *want = expected_ifaces(pod);
	size_t i;
	const json_t *w;
	int missing = 0;
	json_array_foreach(want, i, w) {
		if (find_iface(out, json_string_value(w)) == NULL) {
			check_evidence(res, "the secondary interface %s is not in the pod",
				       json_string_value(w));
			missing++;
		}
	}
	json_decref(want);
	if (missing > 0) {
		active_run_decide(res, VERDICT_NO,
				  "make Multus attach the NetworkAttachmentDefinition's interface "
				  "to pods that name it (see the pod's events and Multus' log)");
		return;
	}
	bool has_rdma = json_array_size(json_object_get(out, "rdma")) > 0 ||
			json_array_size(json_object_get(out, "uverbs")) > 0;
	char *rd = rdma_text(out);
	if (has_rdma)
		check_evidence(res, "RDMA devices in the pod: %s", rd);
	free(rd);
	if (rdma)
		check_evidence(res, "the network advertises RDMA: %s", rdma_why);
	if (rdma && !has_rdma) {
		check_evidence(res, "the pod sees no RDMA device");
		active_run_decide(res, VERDICT_PARTIAL,
				  "expose the RDMA device (/sys/class/infiniband, "
				  "/dev/infiniband/uverbs*) to pods of the RDMA network (RDMA "
				  "shared device plugin, SR-IOV isRdma)");
		return;
	}
	if (!rdma)
		check_evidence(res, "the network advertises no RDMA: none expected");
	active_run_decide(res, VERDICT_FULL, NULL);
}

void active_net32_run(struct check_ctx *ctx, struct check_result *res)
{
	if (!inventory_served(ctx->inv, NAD_GROUP, "v1", NAD_RESOURCE)) {
		active_run_not_run(res, "Multus NetworkAttachmentDefinition is not served",
				   "install Multus (or a DRA network driver) so that pods can "
				   "attach secondary interfaces");
		return;
	}
	struct active_params p;
	active_run_params(ctx, &p);
	int errors = 0;
	const json_t *nads = NULL, *nad = NULL;
	p.secondary_nic = ctx->opts ? ctx->opts->secondary_nic : NULL;
	if (p.secondary_nic == NULL) {
		if (!cutil_list_read(ctx->inv, NAD_GROUP, "v1", NAD_RESOURCE, res, &errors,
				     &nads)) {
			active_run_read_failed(res, errors);
			return;
		}
		nad = pick_nad(nads);
		if (nad == NULL) {
			active_run_not_run(res, "no NetworkAttachmentDefinition to attach",
					   "pass the host interface for a macvlan network with "
					   "--secondary-nic");
			return;
		}
	}
	char *network = nad ? xasprintf("%s/%s", cutil_ns(nad), cutil_name(nad))
			    : xasprintf("%s/" TAG " (macvlan on %s)", ctx->ns, p.secondary_nic);
	p.nad = network;
	p.nad_resource = nad ? cutil_annotation(nad, RESOURCE_ANNOTATION) : NULL;
	char why[256] = "";
	bool rdma = nad && rdma_advertised(ctx, res, nad, p.nad_resource, &errors, why, sizeof why);
	if (errors > 0) {
		active_run_read_failed(res, errors);
		free(network);
		return;
	}
	json_t *objs = active_net32_objects(&p);
	struct active_probe_result r = {0};
	if (p.secondary_nic &&
	    active_run_create(ctx, res, active_build_find(objs, "NetworkAttachmentDefinition", TAG),
			      NULL) != 0)
		goto out;
	res->mode = MODE_ACTIVE;
	if (p.nad_resource)
		check_evidence(res, "pod " TAG " requests %s: 1 (the network's device resource)",
			       p.nad_resource);
	if (active_run_probe(ctx, res, active_build_find(objs, "Pod", TAG), &r) != 0)
		goto out;
	if (r.out == NULL || !json_is_array(json_object_get(r.out, "interfaces")) ||
	    r.exit_code != 0) {
		const char *e = cutil_str(r.out, "error");
		check_evidence(res, "pod " TAG " could not list its interfaces (exit %d%s%s)",
			       r.exit_code, e ? ": " : "", e ? e : "");
		active_run_decide(res, VERDICT_ERROR, "see the pod's log: the probe did not run");
		goto out;
	}
	decide(res, r.out, r.pod, network, rdma, why);
out:
	active_probe_result_release(&r);
	json_decref(objs);
	free(network);
}
