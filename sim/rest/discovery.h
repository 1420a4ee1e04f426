/* discovery.h: /api, /apis and their group/version documents, legacy and aggregated. */
#ifndef KAIC_SIM_REST_DISCOVERY_H
#define KAIC_SIM_REST_DISCOVERY_H

#include <stdbool.h>
#include <stddef.h>

#include "model/store.h"
#include "sim.h"

/* Answers /api, /apis, /api/v1, /apis/G, /apis/G/V (api->mu held). False if not one. */
bool sim_discovery_handle(struct sim_api *api, const char *const *seg, size_t nseg,
			  const char *accept, struct sim_response *resp);

#endif
