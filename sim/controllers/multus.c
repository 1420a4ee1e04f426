/* multus.c: the interfaces a pod sees, for the `kaic probe netif` model: lo, eth0 with
 * the pod IP, and one interface netN (N from 1) per network the annotation
 * k8s.v1.cni.cncf.io/networks names ("name", "ns/name", comma-separated, or the JSON
 * list form with "name", "namespace", "interface") whose NetworkAttachmentDefinition
 * exists; its address comes from the NAD's IPAM (host-local "subnet" or whereabouts
 * "range", host part 10 + N). A network advertises RDMA when its CNI type is ib-sriov or
 * rdma, or its device resource (annotation k8s.v1.cni.cncf.io/resourceName) is rdma/...
 * or an SriovNetworkNodePolicy with isRdma; a pod that requests that resource then sees
 * an RDMA device mlx5_N and /dev/infiniband/uverbsN. Switches (controllers.multus):
 * attach (true; false: no secondary interface, as when Multus is not the cluster's CNI
 * entry point), rdma (true; false: no RDMA device is exposed). */

#include "controllers/multus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controllers/ctl_util.h"
#include "sim.h"
#include "util/xmalloc.h"

#define NETWORKS "k8s.v1.cni.cncf.io/networks"
#define RESOURCE "k8s.v1.cni.cncf.io/resourceName"

static json_t *iface(const char *name, const char *mac, long mtu, const char *addr)
{
	json_t *a = json_array();
	if (addr)
		json_array_append_new(a, json_string(addr));
	return json_pack("{s:s, s:s, s:I, s:s, s:o}", "name", name, "mac", mac, "mtu",
			 (json_int_t)mtu, "operstate", "up", "addresses", a);
}

/* The networks the pod names, as [{namespace, name, interface?}]. */
static json_t *networks(const json_t *pod)
{
	json_t *out = json_array();
	const char *ns = ctl_s(pod, "metadata.namespace");
	const char *v =
	    json_string_value(json_object_get(ctl_at(pod, "metadata.annotations"), NETWORKS));
	if (!v)
		return out;
	json_t *doc = v[0] == '[' ? json_loads(v, 0, NULL) : NULL;
	if (doc) {
		size_t i;
		json_t *e;
		json_array_foreach(doc, i, e) {
			const char *n = ctl_str(e, "name"), *nns = ctl_str(e, "namespace");
			if (n)
				json_array_append_new(out, json_pack("{s:s, s:s, s:s?}",
								     "namespace", nns ? nns : ns,
								     "name", n, "interface",
								     ctl_str(e, "interface")));
		}
		json_decref(doc);
		return out;
	}
	char *copy = xstrdup(v), *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ')
			t++;
		char *at = strchr(t, '@'), *slash = strchr(t, '/');
		if (at)
			*at = '\0';
		if (slash)
			*slash = '\0';
		json_array_append_new(out, json_pack("{s:s, s:s, s:s?}", "namespace",
						     slash ? t : ns, "name", slash ? slash + 1 : t,
						     "interface", at ? at + 1 : NULL));
	}
	free(copy);
	return out;
}

/* "192.168.100.12/24" from the NAD's IPAM subnet or range, or NULL. */
static char *address(const json_t *cfg, int n)
{
	const json_t *ipam = json_object_get(cfg, "ipam");
	const char *net = json_string_value(json_object_get(ipam, "subnet"));
	if (!net)
		net = json_string_value(json_object_get(ipam, "range"));
	const char *slash = net ? strchr(net, '/') : NULL;
	const char *dot = slash ? memrchr(net, '.', (size_t)(slash - net)) : NULL;
	if (!dot)
		return NULL;
	return xasprintf("%.*s.%d%s", (int)(dot - net), net, 10 + n, slash);
}

static bool sriov_rdma(struct sim_api *api, const char *resource)
{
	const char *slash = strchr(resource, '/');
	json_t *pols = ctl_list(api, "sriovnetwork.openshift.io", "sriovnetworknodepolicies", NULL);
	bool yes = false;
	size_t i;
	json_t *p;
	json_array_foreach(pols, i, p) {
		const char *rn = ctl_str(p, "spec.resourceName");
		if (slash && rn && !strcmp(rn, slash + 1) && json_is_true(ctl_at(p, "spec.isRdma")))
			yes = true;
	}
	json_decref(pols);
	return yes;
}

/* Whether the pod's first container requests resource. */
static bool requests(const json_t *pod, const char *resource)
{
	json_t *c = json_array_get(ctl_at(pod, "spec.containers"), 0);
	return json_object_get(ctl_at(c, "resources.limits"), resource) ||
	       json_object_get(ctl_at(c, "resources.requests"), resource);
}

static bool rdma_network(struct sim_api *api, const json_t *nad, const json_t *cfg)
{
	const char *t = json_string_value(json_object_get(cfg, "type"));
	const char *res =
	    json_string_value(json_object_get(ctl_at(nad, "metadata.annotations"), RESOURCE));
	if (t && (!strcmp(t, "ib-sriov") || !strcmp(t, "rdma")))
		return true;
	return res && (!strncmp(res, "rdma/", 5) || sriov_rdma(api, res));
}

int ctl_multus_netif(struct sim_api *api, const json_t *pod, json_t *res)
{
	json_t *ifs = json_array(), *rdma = json_array(), *uverbs = json_array();
	json_array_append_new(ifs, iface("lo", "00:00:00:00:00:00", 65536, "127.0.0.1/8"));
	const char *ip = ctl_str(pod, "status.podIP");
	char *eth = ip ? xasprintf("%s/24", ip) : NULL;
	json_array_append_new(ifs, iface("eth0", "0a:58:0a:f4:00:05", 1450, eth));
	free(eth);
	json_t *nets =
	    ctl_setting_bool(api, "multus", "attach", true) ? networks(pod) : json_array();
	size_t i;
	json_t *n;
	int k = 0;
	json_array_foreach(nets, i, n) {
		json_t *nad = ctl_get(api, "k8s.cni.cncf.io", "network-attachment-definitions",
				      ctl_s(n, "namespace"), ctl_s(n, "name"));
		if (!nad)
			continue;
		const char *cs = ctl_str(nad, "spec.config");
		json_t *cfg = cs ? json_loads(cs, 0, NULL) : NULL;
		k++;
		char name[32], mac[32];
		snprintf(name, sizeof name, "net%d", k);
		snprintf(mac, sizeof mac, "0a:58:c0:a8:%02x:%02x", k,
			 (unsigned)(ctl_hash(ctl_s(n, "name")) & 0xff));
		char *addr = address(cfg, k);
		const char *want = ctl_str(n, "interface");
		json_array_append_new(ifs, iface(want ? want : name, mac, 9000, addr));
		free(addr);
		const char *resource = json_string_value(
		    json_object_get(ctl_at(nad, "metadata.annotations"), RESOURCE));
		if (ctl_setting_bool(api, "multus", "rdma", true) && rdma_network(api, nad, cfg) &&
		    resource && requests(pod, resource)) {
			char dev[32], uv[32];
			snprintf(dev, sizeof dev, "mlx5_%d", k + 1);
			snprintf(uv, sizeof uv, "uverbs%d", k + 1);
			json_array_append_new(rdma, json_pack("{s:s, s:s}", "name", dev,
							      "node_guid", "b859:9f03:00d4:1a02"));
			json_array_append_new(uverbs, json_string(uv));
		}
		json_decref(cfg);
		json_decref(nad);
	}
	json_decref(nets);
	json_object_set_new(res, "interfaces", ifs);
	json_object_set_new(res, "rdma", rdma);
	json_object_set_new(res, "uverbs", uverbs);
	return 0;
}
