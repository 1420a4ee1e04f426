/* object.h: the write semantics shared by every way into the store (HTTP verbs,
 * controllers, scenario loading): create, update, delete with finalizers, namespace
 * purge and garbage collection of dependents. */
#ifndef KAIC_SIM_OBJECTS_OBJECT_H
#define KAIC_SIM_OBJECTS_OBJECT_H

#include <jansson.h>
#include <stdbool.h>

#include "model/registry.h"
#include "model/store.h"
#include "sim.h"

/* Common object writes used by the HTTP verbs, controllers and scenario loading
 * (api->mu held). Each returns 0, or -1 with a Status in resp. obj is stolen. */
int sim_obj_create(struct sim_api *api, struct sim_rtype *rt, json_t *obj, bool from_http,
		   bool dry_run, struct sim_response *resp, json_t **out);
int sim_obj_update(struct sim_api *api, struct sim_rtype *rt, long idx, json_t *obj,
		   const char *sub, bool dry_run, struct sim_response *resp, json_t **out);
/* Deletes (or marks for deletion when finalizers remain). *out gets the answer object. */
int sim_obj_delete(struct sim_api *api, struct sim_rtype *rt, long idx, bool dry_run,
		   const char *propagation, json_t **out);
/* Removes every object of namespace ns (all namespaced types). */
void sim_api_purge_namespace(struct sim_api *api, const char *ns);
/* Deletes objects whose owners are all gone (garbage collection). */
void sim_api_collect_garbage(struct sim_api *api);

#endif
