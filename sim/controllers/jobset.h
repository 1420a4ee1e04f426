/* jobset.h: the simulated JobSet controller (jobset.x-k8s.io JobSets run as Jobs). */
#ifndef KAIC_SIM_CONTROLLERS_JOBSET_H
#define KAIC_SIM_CONTROLLERS_JOBSET_H

#include "sim.h"

extern const struct sim_controller sim_controller_jobset;

#endif
