/* deployment.h: the Deployment controller (deployment.c; switch controllers.deployment):
 * it reacts to Deployments and to the ReplicaSets they own. */
#ifndef KAIC_SIM_CONTROLLERS_DEPLOYMENT_H
#define KAIC_SIM_CONTROLLERS_DEPLOYMENT_H

#include "sim.h"

extern const struct sim_controller sim_controller_deployments;
extern const struct sim_controller sim_controller_deployment_owners;

#endif
