/* jobs.h: the simulated Job controller (batch/v1 Jobs run as pods). */
#ifndef KAIC_SIM_CONTROLLERS_JOBS_H
#define KAIC_SIM_CONTROLLERS_JOBS_H

#include <jansson.h>
#include <stdbool.h>

#include "sim.h"

/* A new array of the pods whose ownerReferences name owner's uid (owner's namespace). */
json_t *ctl_jobs_pods(struct sim_api *api, const json_t *owner);
/* Whether pod is neither finished nor being deleted. */
bool ctl_jobs_active_pod(const json_t *pod);
extern const struct sim_controller sim_controller_jobs;

#endif
