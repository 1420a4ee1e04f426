/* namespace.h: the namespace controller (finalization: deleting what a namespace holds). */
#ifndef KAIC_SIM_CONTROLLERS_NAMESPACE_H
#define KAIC_SIM_CONTROLLERS_NAMESPACE_H

#include "sim.h"

extern const struct sim_controller sim_controller_namespace;

#endif
