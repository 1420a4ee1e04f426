/* dcgm.h: the DCGM exporter model: device metrics labelled with the pods holding them. */
#ifndef KAIC_SIM_CONTROLLERS_DCGM_H
#define KAIC_SIM_CONTROLLERS_DCGM_H

#include <stddef.h>

#include "sim.h"

/* A static exporter body (len bytes) with the pod, namespace and container
 * labels of each device held by a running pod filled in; a new body (caller frees, its
 * length in *out_len) or NULL when nothing is to change. */
char *ctl_dcgm_attribute(struct sim_api *api, const char *body, size_t len, size_t *out_len);

#endif
