/* large.h: the generated scale scenario. */
#ifndef KAIC_SIM_SCENARIO_LARGE_H
#define KAIC_SIM_SCENARIO_LARGE_H

#include "sim.h"

/* Creates the nodes, ResourceSlices, namespaces and pods described by s->large (see
 * docs/scenarios.md) through sim_api_create. Returns 0, or -1 with *cause. */
int sim_large_generate(struct sim_api *api, const struct sim_settings *s, char **cause);

#endif
