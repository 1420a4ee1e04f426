/* crd.h: CustomResourceDefinitions: validation and defaults of a CRD, and serving (or
 * no longer serving) the types it defines. */
#ifndef KAIC_SIM_OBJECTS_CRD_H
#define KAIC_SIM_OBJECTS_CRD_H

#include <jansson.h>

#include "model/store.h"
#include "sim.h"

/* Validates a CRD and fills defaults/status in crd (owned, being created or updated).
 * Returns 0 or -1 with a Status in resp. */
int sim_crd_prepare(struct sim_api *api, json_t *crd, const json_t *old, struct sim_response *resp);
/* Makes the registry match a committed CRD (served versions, names) (api->mu held). */
void sim_crd_apply(struct sim_api *api, const json_t *crd);
/* Stops serving a deleted CRD and removes its objects (api->mu held). */
void sim_crd_remove(struct sim_api *api, const json_t *crd);

#endif
