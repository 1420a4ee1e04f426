/* api.c: the entry points of kaic-sim's REST layer: request routing under /api and
 * /apis (URL parsing, verbs, authorization, dispatch), the object API for controllers
 * and scenario loading, and the controller thread (on_change after commits, tick every
 * 100 ms, garbage collection of dependents). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_internal.h"
#include "util/log.h"
#include "util/xmalloc.h"

#define SIM_MAX_BODY (3 * 1024 * 1024)
#define SIM_MAX_SEGS 8
#define SIM_TICK_MS 100

static const struct sim_identity admin_identity = {
    "kubernetes-admin", (const char *[]){"system:masters", "system:authenticated", NULL}};

const char *sim_query(const struct sim_request *req, const char *key)
{
	return req->query ? json_string_value(json_object_get(req->query, key)) : NULL;
}

bool sim_query_true(const struct sim_request *req, const char *key)
{
	const char *v = sim_query(req, key);
	return v && (!strcmp(v, "1") || !strcmp(v, "true"));
}

/* ---- the controller thread ---- */

static bool controller_enabled(struct sim_api *api, const struct sim_controller *c)
{
	json_t *s = json_object_get(api->ctl_settings, c->name);
	if (json_is_false(s))
		return false;
	return !json_is_false(json_object_get(s, "enabled"));
}

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *ctl_main(void *arg)
{
	struct sim_api *api = arg;
	long long next_tick = mono_ms() + SIM_TICK_MS;
	pthread_mutex_lock(&api->mu);
	while (!api->stopping) {
		if (api->q_head) {
			struct sim_ctl_item *it = api->q_head;
			api->q_head = it->next;
			if (!api->q_head)
				api->q_tail = NULL;
			pthread_mutex_unlock(&api->mu);
			if (controller_enabled(api, it->c))
				it->c->on_change(api, it->event, it->obj);
			json_decref(it->obj);
			free(it);
			pthread_mutex_lock(&api->mu);
			continue;
		}
		long long now = mono_ms();
		if (now >= next_tick) {
			if (api->gc_dirty)
				sim_api_collect_garbage(api);
			pthread_mutex_unlock(&api->mu);
			for (size_t i = 0; sim_controllers[i]; i++)
				if (sim_controllers[i]->tick &&
				    controller_enabled(api, sim_controllers[i]))
					sim_controllers[i]->tick(api);
			pthread_mutex_lock(&api->mu);
			next_tick = mono_ms() + SIM_TICK_MS;
			continue;
		}
		struct timespec ts = {(time_t)(next_tick / 1000),
				      (long)(next_tick % 1000) * 1000000};
		pthread_cond_timedwait(&api->ctl_wake, &api->mu, &ts);
	}
	pthread_mutex_unlock(&api->mu);
	return NULL;
}

/* ---- lifecycle ---- */

static void seed_namespaces(struct sim_api *api)
{
	static const char *const names[] = {"default", "kube-system", "kube-public",
					    "kube-node-lease", NULL};
	struct sim_rtype *rt = sim_registry_find(&api->reg, "", "namespaces");
	for (size_t i = 0; names[i]; i++) {
		json_t *o = json_pack("{s:s, s:s, s:{s:s, s:{s:s}}}", "apiVersion", "v1", "kind",
				      "Namespace", "metadata", "name", names[i], "labels",
				      "kubernetes.io/metadata.name", names[i]);
		struct sim_response r = {0};
		if (sim_obj_create(api, rt, o, false, false, &r, NULL) < 0)
			sim_response_release(&r);
	}
}

struct sim_api *sim_api_new(const struct sim_settings *settings)
{
	struct sim_api *api = xcalloc(1, sizeof(*api));
	pthread_mutex_init(&api->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&api->changed, &ca);
	pthread_cond_init(&api->ctl_wake, &ca);
	pthread_condattr_destroy(&ca);
	api->rng = settings && settings->seed ? settings->seed * 2654435761ULL + 1
					      : (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)api;
	if (!api->rng)
		api->rng = 88172645463325252ULL;
	api->version = xstrdup(settings && settings->version ? settings->version : "v1.34.1");
	if (settings && settings->resource_versions) {
		size_t n = sim_strv_len(settings->resource_versions);
		api->dra_versions = xcalloc(n + 1, sizeof(char *));
		for (size_t i = 0; i < n; i++)
			api->dra_versions[i] = xstrdup(settings->resource_versions[i]);
	} else {
		api->dra_versions = sim_strv_split("v1,v1beta2,v1beta1");
	}
	api->ctl_settings =
	    settings && settings->controllers ? json_incref(settings->controllers) : NULL;
	api->log.ring = xcalloc(SIM_EVENT_WINDOW, sizeof(*api->log.ring));
	hmap_init(&api->gc_uids);
	sim_registry_init(&api->reg, api->dra_versions);
	pthread_mutex_lock(&api->mu);
	seed_namespaces(api);
	sim_rbac_seed(api);
	pthread_mutex_unlock(&api->mu);
	if (pthread_create(&api->ctl_thread, NULL, ctl_main, api) == 0)
		api->ctl_started = true;
	else
		log_warn("cannot start the controller thread: %s", strerror(errno));
	return api;
}

void sim_api_free(struct sim_api *api)
{
	if (!api)
		return;
	pthread_mutex_lock(&api->mu);
	api->stopping = true;
	pthread_cond_broadcast(&api->ctl_wake);
	pthread_mutex_unlock(&api->mu);
	if (api->ctl_started)
		pthread_join(api->ctl_thread, NULL);
	sim_store_release(api);
	sim_registry_release(&api->reg);
	hmap_release(&api->gc_uids);
	sim_strv_free(api->dra_versions);
	free(api->version);
	json_decref(api->ctl_settings);
	pthread_cond_destroy(&api->changed);
	pthread_cond_destroy(&api->ctl_wake);
	pthread_mutex_destroy(&api->mu);
	free(api);
}

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
		if (!strcmp(c->rt->resource, "selfsubjectaccessreviews"))
			sim_call_ssar(c, resp);
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

void sim_api_handle(struct sim_api *api, const struct sim_request *req, struct sim_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	if (req->body_len > SIM_MAX_BODY) {
		sim_status_error(resp, 413, "RequestEntityTooLarge", NULL, NULL, NULL,
				 "Request entity too large: limit is %d", SIM_MAX_BODY);
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

/* ---- the object API ---- */

/* The type of obj from its apiVersion and kind; NULL with *cause. */
static struct sim_rtype *type_of(struct sim_api *api, const json_t *obj, char **cause)
{
	const char *av = json_string_value(json_object_get(obj, "apiVersion"));
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	if (!av || !kind) {
		*cause = xstrdup("object has no apiVersion or kind");
		return NULL;
	}
	const char *slash = strrchr(av, '/');
	char *group = slash ? xstrndup(av, (size_t)(slash - av)) : xstrdup("");
	const char *version = slash ? slash + 1 : av;
	struct sim_rtype *rt = sim_registry_by_kind(&api->reg, group, kind);
	if (!rt || !sim_rtype_serves(rt, version)) {
		*cause = xasprintf("no matches for kind \"%s\" in version \"%s\"", kind, av);
		rt = NULL;
	}
	free(group);
	return rt;
}

static char *status_cause(const struct sim_response *r)
{
	json_t *st = r->body ? json_loads(r->body, 0, NULL) : NULL;
	const char *m = json_string_value(json_object_get(st, "message"));
	char *s = xstrdup(m ? m : "unknown error");
	json_decref(st);
	return s;
}

int sim_api_create(struct sim_api *api, json_t *obj, char **cause)
{
	if (!json_is_object(obj)) {
		*cause = xstrdup("object is not a JSON object");
		json_decref(obj);
		return -1;
	}
	pthread_mutex_lock(&api->mu);
	char *why = NULL;
	struct sim_rtype *rt = type_of(api, obj, &why);
	int rc = -1;
	struct sim_response r = {0};
	if (rt) {
		rc = sim_obj_create(api, rt, obj, false, false, &r, NULL);
		obj = NULL;
		if (rc < 0)
			why = status_cause(&r);
	}
	pthread_mutex_unlock(&api->mu);
	if (rc < 0) {
		const char *name = obj ? sim_meta_str(obj, "name") : NULL;
		*cause = name ? xasprintf("%s: %s", name, why) : xstrdup(why);
		free(why);
	}
	json_decref(obj);
	sim_response_release(&r);
	return rc;
}

json_t *sim_api_get(struct sim_api *api, const char *group, const char *resource, const char *ns,
		    const char *name)
{
	json_t *r = NULL;
	pthread_mutex_lock(&api->mu);
	struct sim_rtype *rt = sim_registry_find(&api->reg, group ? group : "", resource);
	long i = rt && name ? sim_coll_find(&rt->coll, rt->namespaced && ns ? ns : "", name) : -1;
	if (i >= 0)
		r = json_deep_copy(rt->coll.v[i].obj);
	pthread_mutex_unlock(&api->mu);
	return r;
}

int sim_api_put(struct sim_api *api, json_t *obj, char **cause)
{
	if (!json_is_object(obj)) {
		*cause = xstrdup("object is not a JSON object");
		json_decref(obj);
		return -1;
	}
	int rc = -1;
	pthread_mutex_lock(&api->mu);
	struct sim_rtype *rt = type_of(api, obj, cause);
	if (rt) {
		const char *ns = rt->namespaced ? sim_meta_str(obj, "namespace") : "";
		const char *name = sim_meta_str(obj, "name");
		long i = name ? sim_coll_find(&rt->coll, ns ? ns : "", name) : -1;
		if (i < 0) {
			*cause = xasprintf("%s \"%s\" not found", rt->resource, name ? name : "");
		} else {
			json_t *copy = json_deep_copy(obj);
			json_object_del(sim_meta(copy), "resourceVersion");
			struct sim_response r = {0};
			rc = sim_obj_update(api, rt, i, copy, "*", false, &r, NULL);
			if (rc < 0)
				*cause = status_cause(&r);
			sim_response_release(&r);
		}
	}
	pthread_mutex_unlock(&api->mu);
	json_decref(obj);
	return rc;
}

int sim_api_delete(struct sim_api *api, const char *group, const char *resource, const char *ns,
		   const char *name)
{
	int rc = -1;
	pthread_mutex_lock(&api->mu);
	struct sim_rtype *rt = sim_registry_find(&api->reg, group ? group : "", resource);
	long i = rt && name ? sim_coll_find(&rt->coll, rt->namespaced && ns ? ns : "", name) : -1;
	if (i >= 0) {
		json_t *out = NULL;
		rc = sim_obj_delete(api, rt, i, false, NULL, &out);
		json_decref(out);
	}
	pthread_mutex_unlock(&api->mu);
	return rc;
}

json_t *sim_api_list(struct sim_api *api, const char *group, const char *resource)
{
	json_t *a = json_array();
	pthread_mutex_lock(&api->mu);
	struct sim_rtype *rt = sim_registry_find(&api->reg, group ? group : "", resource);
	for (size_t i = 0; rt && i < rt->coll.n; i++)
		json_array_append_new(a, json_deep_copy(rt->coll.v[i].obj));
	pthread_mutex_unlock(&api->mu);
	return a;
}

size_t sim_api_count(struct sim_api *api)
{
	pthread_mutex_lock(&api->mu);
	size_t n = api->nobjects;
	pthread_mutex_unlock(&api->mu);
	return n;
}

const json_t *sim_api_controller_settings(struct sim_api *api, const char *name)
{
	return json_object_get(api->ctl_settings, name);
}
