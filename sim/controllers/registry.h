/* registry.h: the tables of the simulated controllers and the dynamic proxy hooks. */
#ifndef KAIC_SIM_CONTROLLERS_REGISTRY_H
#define KAIC_SIM_CONTROLLERS_REGISTRY_H

#include "sim.h"

/* NULL-terminated table of every controller, in the order they run for one event. */
extern const struct sim_controller *const sim_controllers[];
/* NULL-terminated table of the proxy hooks, consulted in order. */
extern const sim_proxy_hook sim_proxy_hooks[];
/* The admission webhooks' models, NULL-terminated. */
extern const sim_admit_hook sim_admit_hooks[];

#endif
