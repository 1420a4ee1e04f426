/* proxy.h: the API server's service and pod proxy: the controllers' dynamic hooks,
 * then the scenario's static answers. */
#ifndef KAIC_SIM_SERVER_PROXY_H
#define KAIC_SIM_SERVER_PROXY_H

#include <jansson.h>
#include <stdbool.h>

#include "sim.h"

/* Is path a service or pod proxy path (/api/v1/namespaces/NS/{services,pods}/N/proxy…)? */
bool sim_proxy_is_proxy_path(const char *path);
/* Answers a proxy request from the scenario: the configured answer, 404 when the service
 * or pod does not exist, 503 when it exists but has no answer. */
void sim_proxy_handle(struct sim_api *api, const struct sim_settings *s, const char *method,
		      const char *path, struct sim_response *resp);
/* Like sim_proxy_handle, with the request's query (may be NULL) for the dynamic proxy
 * hooks (sim_proxy_hooks), which are consulted first. */
void sim_proxy_handle_query(struct sim_api *api, const struct sim_settings *s, const char *method,
			    const char *path, const json_t *query, struct sim_response *resp);

#endif
