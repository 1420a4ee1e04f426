/* autoscaler.h: the cluster-autoscaler with the scenario's node groups (autoscaler.c;
 * switches controllers.clusterAutoscaler). */
#ifndef KAIC_SIM_CONTROLLERS_AUTOSCALER_H
#define KAIC_SIM_CONTROLLERS_AUTOSCALER_H

#include "sim.h"

extern const struct sim_controller sim_controller_cluster_autoscaler;

#endif
