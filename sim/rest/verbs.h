/* verbs.h: the REST verbs on a resource collection or object: get, list (pagination,
 * selectors, watch), create, update, patch, delete, deletecollection. Called by the
 * dispatcher with api->mu held; each fills resp or sets c->answer. */
#ifndef KAIC_SIM_REST_VERBS_H
#define KAIC_SIM_REST_VERBS_H

#include "rest/call.h"
#include "sim.h"

void sim_call_get(struct sim_call *c, struct sim_response *resp);
void sim_call_list(struct sim_call *c, struct sim_response *resp);
void sim_call_create(struct sim_call *c, struct sim_response *resp);
void sim_call_update(struct sim_call *c, struct sim_response *resp);
void sim_call_patch(struct sim_call *c, struct sim_response *resp);
void sim_call_delete(struct sim_call *c, struct sim_response *resp);
void sim_call_deletecollection(struct sim_call *c, struct sim_response *resp);

#endif
