/* runtime.h: a running kaic-sim API: the store made from the scenario's settings, the
 * default namespaces and RBAC, and the controller thread (on_change after commits, tick
 * every 100 ms, garbage collection of dependents). */
#ifndef KAIC_SIM_RUNTIME_H
#define KAIC_SIM_RUNTIME_H

#include "sim.h"

/* A new API with every controller of controllers/registry.h (settings may be NULL:
 * defaults). Never fails (a controller thread that cannot start is logged). */
struct sim_api *sim_api_new(const struct sim_settings *settings);
/* Stops the controller thread and frees api and everything stored. */
void sim_api_free(struct sim_api *api);

#endif
