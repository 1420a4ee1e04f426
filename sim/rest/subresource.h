/* subresource.h: subresources other than status (scale, binding, eviction, finalize,
 * log) and SelfSubjectAccessReview. Called by the dispatcher with api->mu held. */
#ifndef KAIC_SIM_REST_SUBRESOURCE_H
#define KAIC_SIM_REST_SUBRESOURCE_H

#include "rest/call.h"
#include "sim.h"

void sim_call_subresource(struct sim_call *c, struct sim_response *resp);
/* Answers a SelfSubjectAccessReview create from the RBAC objects. */
void sim_call_ssar(struct sim_call *c, struct sim_response *resp);

#endif
