/* defaults.h: the defaults the real API server fills in on create (pods, services,
 * workloads, namespaces). */
#ifndef KAIC_SIM_OBJECTS_DEFAULTS_H
#define KAIC_SIM_OBJECTS_DEFAULTS_H

#include <jansson.h>

#include "model/registry.h"
#include "model/store.h"

/* Fills the defaults of obj, a new object of type rt (api->mu held). */
void sim_defaults_apply(struct sim_api *api, const struct sim_rtype *rt, json_t *obj);

#endif
