/* call.h: one REST call under /api or /apis as the dispatcher (api.c) hands it to the
 * verb handlers: the parsed URL, the request and the answer being built. */
#ifndef KAIC_SIM_REST_CALL_H
#define KAIC_SIM_REST_CALL_H

#include <jansson.h>
#include <stdbool.h>

#include "model/registry.h"
#include "sim.h"

struct sim_call {
	struct sim_api *api;
	const struct sim_request *req;
	struct sim_rtype *rt;
	const char *group;
	const char *version;
	const char *ns;	  /* NULL: not namespaced in the URL */
	const char *name; /* NULL: collection */
	const char *sub;  /* NULL: main resource */
	bool watch;
	bool dry_run;
	json_t *answer; /* set by a handler: serialized after the lock is released */
	int answer_status;
};
/* Sets the answer of c (steals v). */
void sim_call_answer(struct sim_call *c, int status, json_t *v);
/* Decodes the request body by its content type: JSON (the default), YAML (one
 * document) or Kubernetes protobuf (base/protobuf.h); want_object: it must be an
 * object. NULL with the API server's error in resp (400, 415). */
json_t *sim_call_body(struct sim_call *c, struct sim_response *resp, bool want_object);
/* The query parameter key of req, or NULL. */
const char *sim_query(const struct sim_request *req, const char *key);
/* Whether the query parameter key is "true" or "1". */
bool sim_query_true(const struct sim_request *req, const char *key);

#endif
