/* admin.h: the object API for kaic-sim's own parts (scenario loading, controllers): reads
 * and writes as the cluster admin, without HTTP. Each function takes the store lock
 * itself: call it without api->mu held. */
#ifndef KAIC_SIM_OBJECTS_ADMIN_H
#define KAIC_SIM_OBJECTS_ADMIN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "sim.h"

/* Creates obj as the admin would; steals obj. Returns 0, or -1 with *cause (caller frees)
 * naming the object and the problem. */
int sim_api_create(struct sim_api *api, json_t *obj, char **cause);
/* A deep copy of the stored object (a new reference), or NULL when there is none. */
json_t *sim_api_get(struct sim_api *api, const char *group, const char *resource, const char *ns,
		    const char *name);
/* Replaces an object (and its status) as a controller would; steals obj. Returns 0, or -1
 * with *cause (caller frees). */
int sim_api_put(struct sim_api *api, json_t *obj, char **cause);
/* Deletes an object (finalizers and propagation as the default). Returns 0, or -1 when
 * it does not exist. */
int sim_api_delete(struct sim_api *api, const char *group, const char *resource, const char *ns,
		   const char *name);
/* A new array of all objects of group/resource (any namespace), each a deep copy. */
json_t *sim_api_list(struct sim_api *api, const char *group, const char *resource);
/* Marks the scenario's load: loading true at its start; false at its end records that
 * every object written so far is the scenario's (store.h: scenario_rv). */
void sim_api_scenario_mark(struct sim_api *api, bool loading);
/* Starts kube-aggregator's registration of local APIServices (objects/apiservice.h): one
 * per group/version served now, those of CRDs kept in step from then on. An APIService
 * already stored under the same name stays as it is. */
void sim_api_local_apiservices(struct sim_api *api);
/* Number of objects in the store. */
size_t sim_api_count(struct sim_api *api);

#endif
