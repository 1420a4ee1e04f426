/* api.h: the dispatcher of /api and /apis: URL parsing, verbs, authorization, then the
 * handler of the verb (rest/). */
#ifndef KAIC_SIM_API_H
#define KAIC_SIM_API_H

#include <stdbool.h>

#include "sim.h"

/* Answers one request under /api or /apis. Never fails: errors are Status answers. */
void sim_api_handle(struct sim_api *api, const struct sim_request *req, struct sim_response *resp);
/* RBAC for a non-resource path (/version, /healthz, /metrics, ...): verb is the lower-case
 * HTTP verb ("get"). Returns true when who may; otherwise false with the real 403 Status
 * in resp ("forbidden: User \"x\" cannot get path \"/version\""). who NULL = admin. */
bool sim_api_authorize_path(struct sim_api *api, const struct sim_identity *who, const char *verb,
			    const char *path, struct sim_response *resp);

#endif
