/* agenttool.h: the AgentTool controller (WL-2.1). */
#ifndef KAIC_SIM_CONTROLLERS_AGENTTOOL_H
#define KAIC_SIM_CONTROLLERS_AGENTTOOL_H

#include "sim.h"

extern const struct sim_controller sim_controller_agenttool;

#endif
