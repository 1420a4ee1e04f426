/* resolve.h: where a host name, address or URL leads inside the simulated cluster:
 * Services, pod IPs, Gateway addresses, the Ready endpoints behind a Service port. */
#ifndef KAIC_SIM_CONTROLLERS_RESOLVE_H
#define KAIC_SIM_CONTROLLERS_RESOLVE_H

#include <jansson.h>
#include <stdbool.h>

#include "sim.h"

/* Where a host name or address leads, as seen from namespace ns:
 * a Service (name, name.ns, name.ns.svc[.cluster.local] or ClusterIP), a pod (pod IP)
 * or a Gateway (an address in its status). */
struct ctl_target {
	json_t *svc, *pod, *gw; /* one of them is set (new references) */
	char addr[64];		/* the address the name resolved to */
};
/* Returns 0, or -1 when nothing answers to host. */
int ctl_resolve(struct sim_api *api, const char *ns, const char *host, struct ctl_target *t);
void ctl_target_release(struct ctl_target *t);
/* The Ready pods behind svc for its port number `port`, as a new array of
 * {"pod": POD, "port": the target port number}; *has_port false when svc has no such
 * port. Sorted by pod name. */
json_t *ctl_endpoints(struct sim_api *api, const json_t *svc, long port, bool *has_port);
/* Whether pod listens on TCP port. */
bool ctl_pod_listens(const json_t *pod, long port);
/* Splits an http(s) URL into host (caller frees), port (default 80/443) and path
 * (pointer into url, "/" when absent). Returns 0 or -1. */
int ctl_url_split(const char *url, char **host, long *port, const char **path);
/* Whether s is a dotted IPv4 address. */
bool ctl_is_ipv4(const char *s);

#endif
