/* admin.c: the object API for kaic-sim's own parts (scenario loading, controllers): reads
 * and writes as the cluster admin, without HTTP; see admin.h. */

#include "objects/admin.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/meta.h"
#include "base/status.h"
#include "model/registry.h"
#include "model/store.h"
#include "objects/apiservice.h"
#include "objects/object.h"
#include "sim.h"
#include "util/xmalloc.h"

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

void sim_api_scenario_mark(struct sim_api *api, bool loading)
{
	pthread_mutex_lock(&api->mu);
	api->scenario_loading = loading;
	if (!loading)
		api->scenario_rv = api->rv;
	pthread_mutex_unlock(&api->mu);
}

void sim_api_local_apiservices(struct sim_api *api)
{
	pthread_mutex_lock(&api->mu);
	sim_apiservices_start(api);
	pthread_mutex_unlock(&api->mu);
}
