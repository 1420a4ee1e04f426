/* gateway.h: the Gateway API controller (classes, gateways, routes status). */
#ifndef KAIC_SIM_CONTROLLERS_GATEWAY_H
#define KAIC_SIM_CONTROLLERS_GATEWAY_H

#include "sim.h"

extern const struct sim_controller sim_controller_gateway_classes;
extern const struct sim_controller sim_controller_gateway_gateways;
extern const struct sim_controller sim_controller_gateway_routes;

#endif
