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
/* Like ctl_dra_allocate, on one of the nodes of allowed (an object used as a set of node
 * names; NULL: any): an unreserved claim allocated on another node is allocated again
 * (the scheduler's deallocation of a claim that keeps its pod off every node). */
int ctl_dra_allocate_on(struct sim_api *api, const char *ns, const char *name,
			const json_t *allowed, char **why);
/* Whether claim could be allocated from the devices of slice alone (a ResourceSlice
 * that is not stored: a node group's template), as if none were in use. */
bool ctl_dra_claim_fits(struct sim_api *api, const json_t *claim, const json_t *slice);
/* adds pod to reservedFor of claim ns/name. Returns 0 or -1. */
int ctl_dra_reserve(struct sim_api *api, const char *ns, const char *claim, const json_t *pod);
extern const struct sim_controller sim_controller_dra_pods;
extern const struct sim_controller sim_controller_dra_claims;

#endif
