/* netpol.h: NetworkPolicy decisions for the probe models. */
#ifndef KAIC_SIM_CONTROLLERS_NETPOL_H
#define KAIC_SIM_CONTROLLERS_NETPOL_H

#include <jansson.h>
#include <stdbool.h>

#include "sim.h"

/* Whether a TCP connection from pod `from` to pod `to` on port (numeric, or
 * the named container port) is allowed by the NetworkPolicies (true when
 * controllers.networkPolicy.enforce is false). proto "TCP" or "UDP". */
bool ctl_netpol_allowed(struct sim_api *api, const json_t *from, const json_t *to, long port,
			const char *proto);
/* Whether egress from pod `from` to the cluster DNS (UDP or TCP 53) is allowed. */
bool ctl_netpol_dns_allowed(struct sim_api *api, const json_t *from);

#endif
