/* deployment.h: the Deployment and ReplicaSet controllers (deployment.c), registered in
 * controllers/registry.c under the switch controllers.deployment. */
#ifndef KAIC_SIM_CONTROLLERS_DEPLOYMENT_H
#define KAIC_SIM_CONTROLLERS_DEPLOYMENT_H

#include "sim.h"

extern const struct sim_controller sim_controller_deployments;
extern const struct sim_controller sim_controller_replicasets;
extern const struct sim_controller sim_controller_replicaset_pods;

#endif
