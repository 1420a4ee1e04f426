/* review.c: the review APIs (authorization.k8s.io and authentication.k8s.io), answered
 * as kube-apiserver does with RBAC: the body comes back with a status; see review.h. */

#include "rest/review.h"

#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "model/registry.h"
#include "objects/rbac.h"
#include "rest/call.h"
#include "sim.h"
#include "util/xmalloc.h"

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

bool sim_review_is(const struct sim_call *c)
{
	const char *r = c->rt->resource;
	return !strcmp(r, "selfsubjectaccessreviews") || !strcmp(r, "subjectaccessreviews") ||
	       !strcmp(r, "localsubjectaccessreviews") || !strcmp(r, "selfsubjectrulesreviews") ||
	       !strcmp(r, "selfsubjectreviews") || !strcmp(r, "tokenreviews");
}

static void invalid(struct sim_call *c, struct sim_response *resp, const char *field,
		    const char *msg)
{
	sim_status_error(resp, 422, "Invalid", c->rt->group, c->rt->kind, "",
			 "%s.%s \"\" is invalid: %s: %s", c->rt->kind, c->rt->group, field, msg);
}

/* The spec's attributes as an authorization request; false when neither or both of
 * resourceAttributes and nonResourceAttributes is given. */
static bool attributes(const json_t *spec, struct sim_authz *a)
{
	json_t *ra = json_object_get(spec, "resourceAttributes");
	json_t *nra = json_object_get(spec, "nonResourceAttributes");
	memset(a, 0, sizeof(*a));
	if (ra && !nra) {
		a->verb = str(ra, "verb");
		a->group = str(ra, "group");
		a->resource = str(ra, "resource");
		a->subresource = str(ra, "subresource");
		a->ns = str(ra, "namespace");
		a->name = str(ra, "name");
		if (!a->resource)
			a->resource = "";
		if (!a->group)
			a->group = "";
	} else if (nra && !ra) {
		a->verb = str(nra, "verb");
		a->path = str(nra, "path");
	}
	return a->verb && (a->resource || a->path);
}

/* The subject of a SubjectAccessReview: spec.user and spec.groups; NULL when none. */
static struct sim_identity *subject_of(const json_t *spec, const char ***groups)
{
	const json_t *g = json_object_get(spec, "groups");
	size_t n = json_array_size(g);
	*groups = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const char *v = json_string_value(json_array_get(g, i));
		(*groups)[i] = v ? v : "";
	}
	const char *user = str(spec, "user");
	if ((!user || !*user) && n == 0)
		return NULL;
	struct sim_identity *who = xcalloc(1, sizeof(*who));
	who->user = user ? user : "";
	who->groups = *groups;
	return who;
}

static void access_review(struct sim_call *c, json_t *body, struct sim_response *resp)
{
	const char *r = c->rt->resource;
	json_t *spec = json_object_get(body, "spec");
	struct sim_authz a;
	if (!attributes(spec, &a)) {
		invalid(c, resp, "spec.resourceAttributes",
			"Invalid value: \"null\": exactly one of nonResourceAttributes or "
			"resourceAttributes must be specified");
		return;
	}
	const struct sim_identity *who = c->req->who;
	struct sim_identity *subject = NULL;
	const char **groups = NULL;
	if (strcmp(r, "selfsubjectaccessreviews") != 0) {
		subject = subject_of(spec, &groups);
		if (!subject) {
			free(groups);
			invalid(c, resp, "spec.user",
				"Invalid value: \"\": at least one of user or group must be "
				"specified");
			return;
		}
		who = subject;
	}
	if (!strcmp(r, "localsubjectaccessreviews") && (!a.ns || strcmp(a.ns, c->ns) != 0)) {
		free(subject);
		free(groups);
		invalid(c, resp, "spec.resourceAttributes.namespace",
			"Invalid value: \"\": must match metadata.namespace");
		return;
	}
	bool ok = who && sim_rbac_allowed(c->api, who, &a);
	free(subject);
	free(groups);
	/* RBAC denies without a reason: Go's omitempty drops the empty one */
	json_object_set_new(body, "status", json_pack("{s:b}", "allowed", ok));
	sim_call_answer(c, 201, json_incref(body));
}

/* kubectl auth whoami: the caller's user and groups. */
static void self_review(struct sim_call *c, json_t *body)
{
	const struct sim_identity *who = c->req->who;
	json_t *groups = json_array();
	for (size_t i = 0; who && who->groups && who->groups[i]; i++)
		json_array_append_new(groups, json_string(who->groups[i]));
	json_object_set_new(body, "status",
			    json_pack("{s:{s:s, s:o}}", "userInfo", "username",
				      who && who->user ? who->user : "", "groups", groups));
	sim_call_answer(c, 201, json_incref(body));
}

void sim_call_review(struct sim_call *c, struct sim_response *resp)
{
	json_t *body = sim_call_body(c, resp, true);
	if (!body)
		return;
	const char *r = c->rt->resource;
	char *av = sim_api_version_str(c->group, c->version);
	json_object_set_new(body, "apiVersion", json_string(av));
	json_object_set_new(body, "kind", json_string(c->rt->kind));
	free(av);
	if (strstr(r, "subjectaccessreviews")) {
		access_review(c, body, resp);
	} else if (!strcmp(r, "selfsubjectreviews")) {
		self_review(c, body);
	} else if (!strcmp(r, "selfsubjectrulesreviews")) {
		/* an honest partial answer: kaic-sim does not enumerate rules */
		json_object_set_new(body, "status",
				    json_pack("{s:[], s:[], s:b, s:s}", "resourceRules",
					      "nonResourceRules", "incomplete", 1,
					      "evaluationError",
					      "kaic-sim does not enumerate RBAC rules"));
		sim_call_answer(c, 201, json_incref(body));
	} else {
		/* TokenReview: kaic-sim's tokens are the server's (server/auth.c), not the
		 * store's: it cannot vouch for one */
		json_object_set_new(
		    body, "status",
		    json_pack("{s:{}, s:s}", "user", "error", "kaic-sim does not review tokens"));
		sim_call_answer(c, 201, json_incref(body));
	}
	json_decref(body);
}
