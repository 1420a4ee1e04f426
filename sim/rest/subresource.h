/* subresource.h: subresources other than status (scale, binding, eviction, finalize,
 * log) and SelfSubjectAccessReview. Called by the dispatcher with api->mu held. */
#ifndef KAIC_SIM_REST_SUBRESOURCE_H
#define KAIC_SIM_REST_SUBRESOURCE_H

#include "rest/call.h"
#include "sim.h"

void sim_call_subresource(struct sim_call *c, struct sim_response *resp);
/* POST of a core/v1 Binding to NS/bindings: binds the pod it names. */
void sim_call_bindings(struct sim_call *c, struct sim_response *resp);

#endif
