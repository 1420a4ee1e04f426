/* agenttool.h: the AgentTool controller (WL-2.1). */
#ifndef KAIC_SIM_CONTROLLERS_AGENTTOOL_H
#define KAIC_SIM_CONTROLLERS_AGENTTOOL_H

#include <jansson.h>
#include <stdbool.h>

#include "sim.h"

extern const struct sim_controller sim_controller_agenttool;

/* The dynamic proxy hook (a sim_proxy_hook, sim.h) answering the tool registry's GET
 * /v1/tools behind a Service labelled agents.kaic.io/registry=true. */
bool ctl_agenttool_registry_proxy(struct sim_api *api, const char *method, const char *path,
				  const json_t *query, struct sim_response *resp);

#endif
