/* tracing.h: the trace backend's query API (Tempo, Jaeger) behind the service proxy. */
#ifndef KAIC_SIM_CONTROLLERS_TRACING_H
#define KAIC_SIM_CONTROLLERS_TRACING_H

#include <jansson.h>
#include <stdbool.h>

#include "sim.h"

/* The dynamic proxy hook (a sim_proxy_hook, sim.h) answering GET /api/traces/ID of a
 * Tempo (port 3200) or Jaeger query (port 16686) Service. */
bool ctl_tracing_proxy(struct sim_api *api, const char *method, const char *path,
		       const json_t *query, struct sim_response *resp);

#endif
