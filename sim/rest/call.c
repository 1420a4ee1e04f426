/* call.c: the REST call handed from the dispatcher to the verb handlers; see call.h. */

#include "rest/call.h"

#include <string.h>

#include "sim.h"

void sim_call_answer(struct sim_call *c, int status, json_t *v)
{
	json_decref(c->answer);
	c->answer = v;
	c->answer_status = status;
}

const char *sim_query(const struct sim_request *req, const char *key)
{
	return req->query ? json_string_value(json_object_get(req->query, key)) : NULL;
}

bool sim_query_true(const struct sim_request *req, const char *key)
{
	const char *v = sim_query(req, key);
	return v && (!strcmp(v, "1") || !strcmp(v, "true"));
}
