/* api.c: the dispatcher of /api and /apis: splits the URL, finds the resource type and
 * the verb, authorizes the request against RBAC, then hands it to discovery, a verb or
 * a subresource handler (rest/) and turns the answer into a Table when asked; see
 * api.h. */

#include "api.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "model/registry.h"
#include "model/store.h"
#include "objects/rbac.h"
#include "rest/call.h"
#include "rest/discovery.h"
#include "rest/review.h"
#include "rest/subresource.h"
#include "rest/table.h"
#include "rest/verbs.h"
#include "sim.h"
#include "util/xmalloc.h"

#define SIM_MAX_SEGS 8

static const struct sim_identity admin_identity = {
    "kubernetes-admin", (const char *[]){"system:masters", "system:authenticated", NULL}};

/* ---- routing ---- */

/* Splits an already percent-decoded path (the server decodes it once) into at most max
 * segments (caller frees each). Returns the count, or -1 when there are more (nothing is
 * left allocated then). */
static long split_path(const char *path, char **seg, size_t max)
{
	size_t n = 0;
	const char *p = path ? path : "";
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (n == max) {
			while (n > 0)
				free(seg[--n]);
			return -1;
		}
		seg[n++] = xstrndup(p, len);
		p += len;
	}
	return (long)n;
}

static void not_found(struct sim_response *resp)
{
	sim_status_error(resp, 404, "NotFound", NULL, NULL, NULL,
			 "the server could not find the requested resource");
}

static void method_not_allowed(struct sim_response *resp)
{
	sim_status_error(resp, 405, "MethodNotAllowed", NULL, NULL, NULL,
			 "the server does not allow this method on the requested resource");
}

static bool sub_known(const struct sim_rtype *rt, const char *sub)
{
	if (!strcmp(sub, "status"))
		return rt->has_status;
	if (!strcmp(sub, "scale"))
		return rt->has_scale;
	if (!strcmp(sub, "finalize"))
		return !strcmp(rt->resource, "namespaces") && !*rt->group;
	for (size_t i = 0; rt->extra_subs && rt->extra_subs[i]; i++)
		if (!strcmp(rt->extra_subs[i], sub))
			return true;
	return false;
}

/* Fills c from the segments after the group/version; false when no such resource. */
static bool parse_resource(struct sim_api *api, char **rest, size_t n, struct sim_call *c)
{
	if (n && !strcmp(rest[0], "watch")) {
		c->watch = true;
		rest++;
		n--;
	}
	if (!n)
		return false;
	const char *resource;
	if (!strcmp(rest[0], "namespaces") && n >= 3 && strcmp(rest[2], "status") != 0 &&
	    strcmp(rest[2], "finalize") != 0) {
		c->ns = rest[1];
		resource = rest[2];
		rest += 3;
		n -= 3;
	} else {
		resource = rest[0];
		rest++;
		n--;
	}
	if (n > 2)
		return false;
	c->name = n >= 1 ? rest[0] : NULL;
	c->sub = n >= 2 ? rest[1] : NULL;
	c->rt = sim_registry_find(&api->reg, c->group, resource);
	if (!c->rt || !sim_rtype_serves(c->rt, c->version))
		return false;
	if (c->ns && !c->rt->namespaced)
		return false;
	if (c->sub && !sub_known(c->rt, c->sub))
		return false;
	return true;
}

/* The verb of the request for authorization and dispatch; NULL when not allowed. */
static const char *request_verb(const struct sim_call *c, unsigned *bit)
{
	const char *m = c->req->method ? c->req->method : "";
	bool named = c->name != NULL;
	const char *verb = NULL;
	if (!strcmp(m, "GET"))
		verb = !named	  ? (c->watch || sim_query_true(c->req, "watch") ? "watch" : "list")
		       : c->watch ? "watch"
				  : "get";
	else if (!strcmp(m, "POST"))
		verb = (!named ||
			(c->sub && (!strcmp(c->sub, "eviction") || !strcmp(c->sub, "binding"))))
			   ? "create"
			   : NULL;
	else if (!strcmp(m, "PUT") && named)
		verb = "update";
	else if (!strcmp(m, "PATCH") && named)
		verb = "patch";
	else if (!strcmp(m, "DELETE"))
		verb = named ? "delete" : "deletecollection";
	*bit = 0;
	for (int i = 0; verb && i < 8; i++)
		if (!strcmp(sim_verb_names[i], verb))
			*bit = 1u << i;
	return verb;
}

static void dispatch(struct sim_call *c, const char *verb, struct sim_response *resp)
{
	const char *m = c->req->method;
	if (!strcmp(verb, "watch") && c->name) {
		method_not_allowed(resp);
	} else if (c->sub && strcmp(c->sub, "status") != 0) {
		sim_call_subresource(c, resp);
	} else if (!strcmp(verb, "get")) {
		sim_call_get(c, resp);
	} else if (!strcmp(verb, "list") || !strcmp(verb, "watch")) {
		c->watch = !strcmp(verb, "watch");
		sim_call_list(c, resp);
	} else if (!strcmp(m, "POST")) {
		if (sim_review_is(c))
			sim_call_review(c, resp);
		else if (!strcmp(c->rt->resource, "bindings") && !*c->rt->group)
			sim_call_bindings(c, resp);
		else
			sim_call_create(c, resp);
	} else if (!strcmp(m, "PUT")) {
		sim_call_update(c, resp);
	} else if (!strcmp(m, "PATCH")) {
		sim_call_patch(c, resp);
	} else if (!strcmp(verb, "delete")) {
		sim_call_delete(c, resp);
	} else {
		sim_call_deletecollection(c, resp);
	}
}

/* Method and verb checks that need no store access; false with an answer. */
static bool verb_allowed(struct sim_call *c, const char *verb, unsigned bit,
			 struct sim_response *resp)
{
	if (!verb || !(c->rt->verbs & bit)) {
		method_not_allowed(resp);
		return false;
	}
	if (c->sub && !strcmp(c->sub, "log") && strcmp(verb, "get") != 0) {
		method_not_allowed(resp);
		return false;
	}
	if (c->sub && strcmp(c->sub, "status") != 0 && strcmp(c->sub, "log") != 0 &&
	    strcmp(c->sub, "eviction") != 0 && strcmp(c->sub, "binding") != 0 &&
	    !strcmp(verb, "create")) {
		method_not_allowed(resp);
		return false;
	}
	bool needs_ns = c->rt->namespaced && !c->ns;
	if (needs_ns && (c->name || !strcmp(verb, "create") || !strcmp(verb, "deletecollection"))) {
		if (c->name)
			not_found(resp);
		else
			method_not_allowed(resp);
		return false;
	}
	const char *dr = sim_query(c->req, "dryRun");
	if (dr && strcmp(dr, "All") != 0) {
		sim_status_error(resp, 400, "BadRequest", NULL, NULL, NULL,
				 "dryRun: Unsupported value: \"%s\": supported values: \"All\"",
				 dr);
		return false;
	}
	c->dry_run = dr != NULL;
	return true;
}

static void handle_locked(struct sim_api *api, const struct sim_request *req, char **seg,
			  size_t nseg, struct sim_call *c, struct sim_response *resp)
{
	bool core = !strcmp(seg[0], "api");
	size_t base = core ? 2 : 3;
	const struct sim_identity *who = req->who ? req->who : &admin_identity;
	if (nseg <= base) {
		struct sim_authz a = {.verb = "get", .path = req->path};
		if (strcmp(req->method ? req->method : "", "GET") != 0)
			method_not_allowed(resp);
		else if (!sim_rbac_allowed(api, who, &a))
			sim_rbac_forbidden(resp, who, &a);
		else
			sim_discovery_handle(api, (const char *const *)seg, nseg, req->accept,
					     resp);
		return;
	}
	c->group = core ? "" : seg[1];
	c->version = core ? seg[1] : seg[2];
	if (!parse_resource(api, seg + base, nseg - base, c)) {
		not_found(resp);
		return;
	}
	unsigned bit;
	const char *verb = request_verb(c, &bit);
	if (!verb_allowed(c, verb, bit, resp))
		return;
	struct sim_authz a = {verb, c->rt->group, c->rt->resource, c->sub, c->ns, c->name, NULL};
	if (!sim_rbac_allowed(api, who, &a)) {
		sim_rbac_forbidden(resp, who, &a);
		return;
	}
	dispatch(c, verb, resp);
	bool read = !strcmp(verb, "get") || !strcmp(verb, "list");
	if (c->answer && read && !c->sub && sim_table_wanted(req->accept)) {
		json_t *t =
		    sim_table_from(c->rt, c->answer, sim_query(req, "includeObject"), c->version);
		sim_call_answer(c, 200, t);
	}
}

/* Validating admission of a create (POST to a namespaced collection): the models of
 * api->admit_hooks, run without the lock after RBAC allowed the request (a forbidden one
 * gets its 403 from handle_locked). False when one denied (resp filled). */
static bool admitted(struct sim_api *api, const struct sim_request *req, char **seg, size_t nseg,
		     struct sim_response *resp)
{
	if (api->admit_hooks == NULL || req->method == NULL || strcmp(req->method, "POST") != 0)
		return true;
	bool core = !strcmp(seg[0], "api");
	size_t b = core ? 2 : 3;
	if (nseg != b + 3 || strcmp(seg[b], "namespaces") != 0)
		return true;
	const char *group = core ? "" : seg[1], *ns = seg[b + 1], *resource = seg[b + 2];
	const struct sim_identity *who = req->who ? req->who : &admin_identity;
	struct sim_authz a = {"create", group, resource, NULL, ns, NULL, NULL};
	pthread_mutex_lock(&api->mu);
	bool allowed = sim_rbac_allowed(api, who, &a);
	pthread_mutex_unlock(&api->mu);
	json_t *obj = allowed ? json_loadb(req->body, req->body_len, 0, NULL) : NULL;
	bool ok = true;
	bool dry = sim_query(req, "dryRun") != NULL;
	for (size_t i = 0; ok && json_is_object(obj) && api->admit_hooks[i]; i++)
		ok = api->admit_hooks[i](api, group, resource, ns, obj, dry, resp);
	json_decref(obj);
	return ok;
}

void sim_api_handle(struct sim_api *api, const struct sim_request *req, struct sim_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	if (req->body_len > SIM_MAX_BODY) {
		sim_status_error(resp, 413, "RequestEntityTooLarge", NULL, NULL, NULL,
				 "Request entity too large: limit is %u", SIM_MAX_BODY);
		return;
	}
	char *seg[SIM_MAX_SEGS];
	long nseg = split_path(req->path, seg, SIM_MAX_SEGS);
	if (nseg <= 0 || (strcmp(seg[0], "api") != 0 && strcmp(seg[0], "apis") != 0)) {
		not_found(resp);
		for (long i = 0; i < nseg; i++)
			free(seg[i]);
		return;
	}
	struct sim_call c = {.api = api, .req = req};
	if (!admitted(api, req, seg, (size_t)nseg, resp)) {
		for (long i = 0; i < nseg; i++)
			free(seg[i]);
		return;
	}
	pthread_mutex_lock(&api->mu);
	handle_locked(api, req, seg, (size_t)nseg, &c, resp);
	pthread_mutex_unlock(&api->mu);
	if (c.answer) {
		sim_respond_json(resp, c.answer_status, c.answer);
		c.answer = NULL;
	}
	for (long i = 0; i < nseg; i++)
		free(seg[i]);
}

bool sim_api_authorize_path(struct sim_api *api, const struct sim_identity *who, const char *verb,
			    const char *path, struct sim_response *resp)
{
	struct sim_authz a = {.verb = verb, .path = path};
	pthread_mutex_lock(&api->mu);
	bool ok = sim_rbac_allowed(api, who ? who : &admin_identity, &a);
	pthread_mutex_unlock(&api->mu);
	if (!ok)
		sim_rbac_forbidden(resp, who, &a);
	return ok;
}
