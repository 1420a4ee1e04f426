/* multus.h: what Multus attaches to a pod, as `kaic probe netif` would list it. */
#ifndef KAIC_SIM_CONTROLLERS_MULTUS_H
#define KAIC_SIM_CONTROLLERS_MULTUS_H

#include <jansson.h>

#include "sim.h"

/* Fills res with the probe's keys (interfaces, rdma, uverbs) for pod; returns its exit
 * status. */
int ctl_multus_netif(struct sim_api *api, const json_t *pod, json_t *res);

#endif
