/* sim_test_util.h: helpers for the kaic-sim unit tests: cmocka fixtures, and requests
 * straight into sim_api_handle as a given identity, with the answer parsed back. */
#ifndef KAIC_SIM_TEST_UTIL_H
#define KAIC_SIM_TEST_UTIL_H

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "base/status.h"
#include "runtime.h"
#include "sim.h"

static const char *sim_test_admin_groups[] = {"system:masters", "system:authenticated", NULL};
static const struct sim_identity sim_test_admin = {"kubernetes-admin", sim_test_admin_groups};

/* Builds the query object of "path?a=b&c=d" (percent-decoded); returns the bare path. */
static inline char *sim_test_split(const char *url, json_t **query)
{
	*query = json_object();
	const char *q = strchr(url, '?');
	char *path = q ? strndup(url, (size_t)(q - url)) : strdup(url);
	if (!q)
		return path;
	char *rest = strdup(q + 1);
	char *save = NULL;
	for (char *kv = strtok_r(rest, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');
		char *val = eq ? eq + 1 : (char *)"";
		if (eq)
			*eq = '\0';
		char *dec = malloc(strlen(val) + 1), *o = dec;
		for (char *p = val; *p; p++) {
			if (*p == '%' && isxdigit((unsigned char)p[1]) &&
			    isxdigit((unsigned char)p[2])) {
				char hex[3] = {p[1], p[2], 0};
				*o++ = (char)strtol(hex, NULL, 16);
				p += 2;
			} else {
				*o++ = *p == '+' ? ' ' : *p;
			}
		}
		*o = '\0';
		json_object_set_new(*query, kv, json_string(dec));
		free(dec);
	}
	free(rest);
	return path;
}

/* Sends one request; returns the parsed answer (or NULL when not JSON), *status the code. */
static inline json_t *sim_test_call_as(struct sim_api *api, const struct sim_identity *who,
				       const char *method, const char *url, const char *ctype,
				       const char *body, int *status)
{
	json_t *query;
	char *path = sim_test_split(url, &query);
	struct sim_request req = {method, path, query, ctype, NULL, body, body ? strlen(body) : 0,
				  who};
	struct sim_response resp;
	sim_api_handle(api, &req, &resp);
	*status = resp.status;
	json_t *v = resp.body ? json_loadb(resp.body, resp.len, 0, NULL) : NULL;
	sim_response_release(&resp);
	json_decref(query);
	free(path);
	return v;
}

static inline json_t *sim_test_call(struct sim_api *api, const char *method, const char *url,
				    const char *body, int *status)
{
	const char *ct = NULL;
	if (body && !strcmp(method, "PATCH"))
		ct = "application/strategic-merge-patch+json";
	else if (body)
		ct = "application/json";
	return sim_test_call_as(api, &sim_test_admin, method, url, ct, body, status);
}

/* cmocka fixtures: a new API with every controller in *state, and its release. */
static inline int sim_test_setup(void **state)
{
	*state = sim_api_new(NULL);
	return 0;
}

static inline int sim_test_teardown(void **state)
{
	sim_api_free(*state);
	return 0;
}

/* sim_test_call on the API of a cmocka state. */
static inline json_t *sim_test_scall(void **state, const char *method, const char *url,
				     const char *body, int *status)
{
	return sim_test_call(*state, method, url, body, status);
}

static inline const char *sim_test_str(const json_t *v, const char *path)
{
	const json_t *cur = v;
	char *copy = strdup(path), *save = NULL;
	for (char *k = strtok_r(copy, ".", &save); k && cur; k = strtok_r(NULL, ".", &save))
		cur = json_object_get(cur, k);
	free(copy);
	return json_string_value(cur);
}

#endif
