/* kubelet.h: the kubelet model (pod phases, probe runs, conditions). */
#ifndef KAIC_SIM_CONTROLLERS_KUBELET_H
#define KAIC_SIM_CONTROLLERS_KUBELET_H

#include "sim.h"

extern const struct sim_controller sim_controller_kubelet;

#endif
