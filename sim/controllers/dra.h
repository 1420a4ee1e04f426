/* dra.h: DRA: ResourceClaims for pods (from templates) and their allocation on the
 * devices of ResourceSlices. */
#ifndef KAIC_SIM_CONTROLLERS_DRA_H
#define KAIC_SIM_CONTROLLERS_DRA_H

#include <jansson.h>
#include <stdbool.h>

#include "sim.h"

/* tries to allocate the ResourceClaim ns/name now (when controllers.dra.allocate).
 * Returns 1 allocated (already or now), 0 cannot be allocated (*why, caller frees), -1
 * not found. */
int ctl_dra_allocate(struct sim_api *api, const char *ns, const char *name, char **why);
/* adds pod to reservedFor of claim ns/name. Returns 0 or -1. */
int ctl_dra_reserve(struct sim_api *api, const char *ns, const char *claim, const json_t *pod);
extern const struct sim_controller sim_controller_dra_pods;
extern const struct sim_controller sim_controller_dra_claims;

#endif
