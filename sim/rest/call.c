/* call.c: the REST call handed from the dispatcher to the verb handlers; see call.h. */

#include "rest/call.h"

#include <stdlib.h>
#include <string.h>

#include "base/protobuf.h"
#include "base/status.h"
#include "sim.h"
#include "util/yaml.h"

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

json_t *sim_call_body(struct sim_call *c, struct sim_response *resp, bool want_object)
{
	const struct sim_request *r = c->req;
	const char *ct = r->content_type ? r->content_type : "application/json";
	json_t *v = NULL;
	if (strstr(ct, "yaml")) {
		json_t *docs = NULL;
		char *cause = NULL;
		if (yaml_to_json(r->body ? r->body : "", r->body_len, &docs, &cause) < 0) {
			sim_status_error(resp, 400, "BadRequest", NULL, NULL, NULL,
					 "error converting YAML to JSON: %s", cause);
			free(cause);
			return NULL;
		}
		if (json_array_size(docs) == 1)
			v = json_incref(json_array_get(docs, 0));
		json_decref(docs);
		if (!v) {
			sim_status_error(resp, 400, "BadRequest", NULL, NULL, NULL,
					 "the request body must hold exactly one YAML document");
			return NULL;
		}
	} else if (strstr(ct, "json")) {
		json_error_t err;
		v = json_loadb(r->body ? r->body : "", r->body_len, JSON_DECODE_ANY, &err);
		if (!v) {
			sim_status_error(resp, 400, "BadRequest", NULL, NULL, NULL,
					 "couldn't get version/kind; json parse error: %s",
					 err.text);
			return NULL;
		}
	} else if (sim_pb_content_type(ct) && !c->rt->crd) {
		char *cause = NULL;
		v = sim_pb_decode(r->body ? r->body : "", r->body_len, &cause);
		if (!v) {
			sim_status_error(resp, 400, "BadRequest", NULL, NULL, NULL,
					 "the object provided is unrecognized (must be of type "
					 "%s): %s",
					 c->rt->kind, cause);
			free(cause);
			return NULL;
		}
	} else {
		sim_status_error(resp, 415, "UnsupportedMediaType", NULL, NULL, NULL,
				 "the body of the request was in an unknown format - accepted "
				 "media types include: application/json, application/yaml%s",
				 c->rt->crd ? "" : ", application/vnd.kubernetes.protobuf");
		return NULL;
	}
	if (want_object && !json_is_object(v)) {
		sim_status_error(resp, 400, "BadRequest", NULL, NULL, NULL,
				 "the request body must be a JSON object");
		json_decref(v);
		return NULL;
	}
	return v;
}
