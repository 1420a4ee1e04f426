/* netpol.c: NetworkPolicy (networking.k8s.io/v1) evaluation for the probe models, as a
 * CNI that enforces policies would do it. A connection from pod A to pod B on a port is
 * allowed when (1) no policy of A's namespace selecting A has policy type Egress, or one
 * of their egress rules admits B (podSelector, namespaceSelector, ipBlock of B's IP) and
 * the port; and (2) likewise for the ingress policies selecting B and A as the peer.
 * Named ports are resolved against B's container ports. The cluster DNS is a kube-dns
 * pod of kube-system (a real one when the scenario has it, else a virtual one) on port
 * 53. controllers.networkPolicy.enforce: false (default true) allows everything. */

#include "controllers/netpol.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controllers/ctl_util.h"
#include "sim.h"

#define NETPOL_GROUP "networking.k8s.io"

/* One side of a connection. */
struct np_peer {
	const char *ns;
	const json_t *labels;
	const char *ip;
	const json_t *pod; /* for named ports; may be NULL */
};

static bool has_type(const json_t *pol, const char *type)
{
	json_t *types = ctl_at(pol, "spec.policyTypes");
	if (json_is_array(types)) {
		size_t i;
		json_t *t;
		json_array_foreach(types, i, t) {
			if (json_is_string(t) && !strcmp(json_string_value(t), type))
				return true;
		}
		return false;
	}
	if (!strcmp(type, "Ingress"))
		return true;
	return json_is_array(ctl_at(pol, "spec.egress"));
}

static bool selects(const json_t *pol, const struct np_peer *p)
{
	if (strcmp(ctl_s(pol, "metadata.namespace"), p->ns) != 0)
		return false;
	json_t *sel = ctl_at(pol, "spec.podSelector");
	json_t *all = json_object();
	bool ok = ctl_selector_match(sel ? sel : all, p->labels);
	json_decref(all);
	return ok;
}

static bool in_cidr(const char *ip, const char *cidr)
{
	char net[64];
	const char *slash = cidr ? strchr(cidr, '/') : NULL;
	if (!ip || !slash || (size_t)(slash - cidr) >= sizeof(net))
		return false;
	memcpy(net, cidr, (size_t)(slash - cidr));
	net[slash - cidr] = '\0';
	long bits = strtol(slash + 1, NULL, 10);
	struct in_addr a, n;
	if (inet_pton(AF_INET, ip, &a) != 1 || inet_pton(AF_INET, net, &n) != 1 || bits < 0 ||
	    bits > 32)
		return false;
	uint32_t mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
	return (ntohl(a.s_addr) & mask) == (ntohl(n.s_addr) & mask);
}

static bool peer_match(struct sim_api *api, const json_t *peer, const char *pol_ns,
		       const struct np_peer *other)
{
	json_t *ipb = json_object_get(peer, "ipBlock");
	if (ipb) {
		if (!in_cidr(other->ip, ctl_str(ipb, "cidr")))
			return false;
		size_t i;
		json_t *e;
		json_array_foreach(json_object_get(ipb, "except"), i, e) {
			if (in_cidr(other->ip, json_string_value(e)))
				return false;
		}
		return true;
	}
	json_t *nsel = json_object_get(peer, "namespaceSelector");
	json_t *psel = json_object_get(peer, "podSelector");
	if (!nsel && !psel)
		return false;
	if (nsel) {
		json_t *nso = ctl_get(api, "", "namespaces", NULL, other->ns);
		json_t *labels = json_deep_copy(ctl_at(nso, "metadata.labels"));
		if (!labels)
			labels = json_object();
		json_object_set_new(labels, "kubernetes.io/metadata.name", json_string(other->ns));
		bool ok = ctl_selector_match(nsel, labels);
		json_decref(labels);
		json_decref(nso);
		if (!ok)
			return false;
	} else if (strcmp(pol_ns, other->ns) != 0) {
		return false;
	}
	return !psel || ctl_selector_match(psel, other->labels);
}

/* The number of container port name on pod, or -1. */
static long port_by_name(const json_t *pod, const char *name)
{
	size_t i, j;
	json_t *c, *p;
	json_array_foreach(ctl_at(pod, "spec.containers"), i, c) {
		json_array_foreach(json_object_get(c, "ports"), j, p) {
			if (!strcmp(ctl_s(p, "name"), name))
				return (long)json_integer_value(
				    json_object_get(p, "containerPort"));
		}
	}
	return -1;
}

static bool ports_match(const json_t *ports, long port, const char *proto, const json_t *dest)
{
	if (!json_array_size(ports))
		return true;
	size_t i;
	json_t *p;
	json_array_foreach(ports, i, p) {
		const char *pp = ctl_str(p, "protocol");
		if (strcmp(pp ? pp : "TCP", proto) != 0)
			continue;
		json_t *v = json_object_get(p, "port");
		if (!v)
			return true;
		long lo = json_is_integer(v)  ? (long)json_integer_value(v)
			  : json_is_string(v) ? port_by_name(dest, json_string_value(v))
					      : -1;
		json_t *endp = json_object_get(p, "endPort");
		long hi = json_is_integer(endp) ? (long)json_integer_value(endp) : lo;
		if (lo >= 0 && port >= lo && port <= hi)
			return true;
	}
	return false;
}

/* Whether the policies of kind (Egress: rules "egress"/"to", Ingress: "ingress"/"from")
 * selecting self let the connection with other through; dest is the destination side. */
static bool direction_allows(struct sim_api *api, const json_t *pols, const char *type,
			     const struct np_peer *self, const struct np_peer *other,
			     const struct np_peer *dest, long port, const char *proto)
{
	bool egress = !strcmp(type, "Egress");
	bool selected = false;
	size_t i, j, k;
	json_t *pol, *rule, *peer;
	json_array_foreach(pols, i, pol) {
		if (!has_type(pol, type) || !selects(pol, self))
			continue;
		selected = true;
		const char *pns = ctl_s(pol, "metadata.namespace");
		json_array_foreach(ctl_at(pol, egress ? "spec.egress" : "spec.ingress"), j, rule) {
			if (!ports_match(json_object_get(rule, "ports"), port, proto, dest->pod))
				continue;
			json_t *peers = json_object_get(rule, egress ? "to" : "from");
			if (!json_array_size(peers))
				return true;
			json_array_foreach(peers, k, peer) {
				if (peer_match(api, peer, pns, other))
					return true;
			}
		}
	}
	return !selected;
}

static void peer_of(const json_t *pod, struct np_peer *p)
{
	p->ns = ctl_s(pod, "metadata.namespace");
	p->labels = ctl_at(pod, "metadata.labels");
	p->ip = ctl_str(pod, "status.podIP");
	p->pod = pod;
}

static bool enforced(struct sim_api *api)
{
	return ctl_setting_bool(api, "networkPolicy", "enforce", true);
}

bool ctl_netpol_allowed(struct sim_api *api, const json_t *from, const json_t *to, long port,
			const char *proto)
{
	if (!enforced(api))
		return true;
	struct np_peer a, b;
	peer_of(from, &a);
	peer_of(to, &b);
	json_t *pols = ctl_list(api, NETPOL_GROUP, "networkpolicies", NULL);
	bool ok = direction_allows(api, pols, "Egress", &a, &b, &b, port, proto) &&
		  direction_allows(api, pols, "Ingress", &b, &a, &b, port, proto);
	json_decref(pols);
	return ok;
}

static bool is_dns_pod(const json_t *pod, void *arg)
{
	(void)arg;
	return !strcmp(ctl_s(pod, "metadata.namespace"), "kube-system") &&
	       !strcmp(ctl_s(pod, "metadata.labels.k8s-app"), "kube-dns");
}

bool ctl_netpol_dns_allowed(struct sim_api *api, const json_t *from)
{
	if (!enforced(api))
		return true;
	json_t *dns = ctl_list_filter(api, "", "pods", is_dns_pod, NULL);
	json_t *virt = json_pack("{s:{s:s, s:s, s:{s:s}}, s:{s:s}}", "metadata", "name", "coredns",
				 "namespace", "kube-system", "labels", "k8s-app", "kube-dns",
				 "status", "podIP", "10.244.0.10");
	const json_t *target = json_array_size(dns) ? json_array_get(dns, 0) : virt;
	struct np_peer a, b;
	peer_of(from, &a);
	peer_of(target, &b);
	json_t *pols = ctl_list(api, NETPOL_GROUP, "networkpolicies", NULL);
	bool ok = direction_allows(api, pols, "Egress", &a, &b, &b, 53, "UDP") ||
		  direction_allows(api, pols, "Egress", &a, &b, &b, 53, "TCP");
	json_decref(pols);
	json_decref(virt);
	json_decref(dns);
	return ok;
}
