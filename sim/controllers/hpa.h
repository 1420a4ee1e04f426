/* hpa.h: the HorizontalPodAutoscaler controller on custom (Pods) metrics (hpa.c;
 * switches controllers.hpa). */
#ifndef KAIC_SIM_CONTROLLERS_HPA_H
#define KAIC_SIM_CONTROLLERS_HPA_H

#include "sim.h"

extern const struct sim_controller sim_controller_hpa;

#endif
