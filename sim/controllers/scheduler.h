/* scheduler.h: the scheduler (node selection, resources, DRA claims, volumes). */
#ifndef KAIC_SIM_CONTROLLERS_SCHEDULER_H
#define KAIC_SIM_CONTROLLERS_SCHEDULER_H

#include "sim.h"

extern const struct sim_controller sim_controller_scheduler;

#endif
