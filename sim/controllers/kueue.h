/* kueue.h: the simulated Kueue controller (queue-labelled Jobs admitted against
 * ClusterQueue quotas, with priority preemption). */
#ifndef KAIC_SIM_CONTROLLERS_KUEUE_H
#define KAIC_SIM_CONTROLLERS_KUEUE_H

#include "sim.h"

extern const struct sim_controller sim_controller_kueue;

#endif
