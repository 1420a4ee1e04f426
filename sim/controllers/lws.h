/* lws.h: the simulated LeaderWorkerSet controller (leaderworkerset.x-k8s.io/v1) and its
 * validating webhook. */
#ifndef KAIC_SIM_CONTROLLERS_LWS_H
#define KAIC_SIM_CONTROLLERS_LWS_H

#include "sim.h"

extern const struct sim_controller sim_controller_lws;

/* The webhook vleaderworkerset.kb.io (a sim_admit_hook): denies a LeaderWorkerSet whose
 * spec.replicas is negative or whose leaderWorkerTemplate.size is below 1. */
bool ctl_lws_admit(struct sim_api *api, const char *group, const char *resource, const char *ns,
		   const json_t *obj, bool dry_run, struct sim_response *resp);

#endif
