/* namespace.c: the namespace controller: every namespace gets a "default"
 * ServiceAccount; a namespace being deleted (Terminating) loses all its objects, then
 * its "kubernetes" finalizer, and so disappears. */

#include "controllers/namespace.h"

#include <stdlib.h>
#include <string.h>

#include "base/meta.h"
#include "base/status.h"
#include "model/registry.h"
#include "model/store.h"
#include "objects/admin.h"
#include "objects/object.h"
#include "sim.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* Removes the contents of a terminating namespace, then the namespace (mu held). */
static void finalize(struct sim_api *api, const char *name)
{
	struct sim_rtype *rt = sim_registry_find(&api->reg, "", "namespaces");
	long i = sim_coll_find(&rt->coll, "", name);
	if (i < 0 || !sim_meta_str(rt->coll.v[i].obj, "deletionTimestamp"))
		return;
	sim_api_purge_namespace(api, name);
	const json_t *ns = rt->coll.v[i].obj;
	json_t *next = json_copy((json_t *)ns);
	json_t *spec = json_copy(json_object_get(ns, "spec"));
	if (!spec)
		spec = json_object();
	json_t *kept = json_array();
	size_t j;
	json_t *f;
	json_array_foreach(json_object_get(spec, "finalizers"), j, f) {
		if (!json_is_string(f) || strcmp(json_string_value(f), "kubernetes") != 0)
			json_array_append(kept, f);
	}
	json_object_set_new(spec, "finalizers", kept);
	json_object_set_new(next, "spec", spec);
	struct sim_response r = {0};
	if (sim_obj_update(api, rt, i, next, "*", false, &r, NULL) < 0)
		log_warn("namespace controller: cannot finalize \"%s\"", name);
	sim_response_release(&r);
}

static void ensure_service_account(struct sim_api *api, const char *ns)
{
	json_t *sa = json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion", "v1", "kind",
			       "ServiceAccount", "metadata", "name", "default", "namespace", ns);
	json_t *have = sim_api_get(api, "", "serviceaccounts", ns, "default");
	if (have) {
		json_decref(have);
		json_decref(sa);
		return;
	}
	char *cause = NULL;
	if (sim_api_create(api, sa, &cause) < 0)
		free(cause); /* racing with deletion or an existing account: nothing to do */
}

static void namespace_on_change(struct sim_api *api, const char *event, const json_t *obj)
{
	const char *name = sim_meta_str(obj, "name");
	if (!name || !strcmp(event, "DELETED"))
		return;
	if (sim_meta_str(obj, "deletionTimestamp")) {
		pthread_mutex_lock(&api->mu);
		finalize(api, name);
		pthread_mutex_unlock(&api->mu);
		return;
	}
	if (!strcmp(event, "ADDED"))
		ensure_service_account(api, name);
}

static void namespace_tick(struct sim_api *api)
{
	pthread_mutex_lock(&api->mu);
	struct sim_rtype *rt = sim_registry_find(&api->reg, "", "namespaces");
	for (size_t i = 0; i < rt->coll.n; i++) {
		if (!sim_meta_str(rt->coll.v[i].obj, "deletionTimestamp"))
			continue;
		char *name = strdup(rt->coll.v[i].name);
		size_t before = rt->coll.n;
		finalize(api, name);
		free(name);
		if (rt->coll.n < before)
			i--;
	}
	pthread_mutex_unlock(&api->mu);
}

const struct sim_controller sim_controller_namespace = {
    .name = "namespace",
    .group = "",
    .resource = "namespaces",
    .on_change = namespace_on_change,
    .tick = namespace_tick,
};
