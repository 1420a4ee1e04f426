/* scheduler.h: the scheduler (node selection, resources, DRA claims, volumes). */
#ifndef KAIC_SIM_CONTROLLERS_SCHEDULER_H
#define KAIC_SIM_CONTROLLERS_SCHEDULER_H

#include <jansson.h>
#include <stdbool.h>

#include "sim.h"

/* Whether the pod fits the node but for its readiness, pod count and claims: taints
 * tolerated, nodeSelector and required node affinity, extended resources (the cluster
 * autoscaler asks it of a node group's template). */
bool ctl_sched_fits(const json_t *pod, const json_t *node);
extern const struct sim_controller sim_controller_scheduler;

#endif
