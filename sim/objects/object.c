/* object.c: the write semantics shared by every way into the store (HTTP verbs,
 * controllers, scenario loading): create, update, delete with finalizers, namespace
 * purge and garbage collection of dependents. Called with api->mu held. */

#include "objects/object.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/meta.h"
#include "base/protobuf.h"
#include "base/status.h"
#include "model/registry.h"
#include "model/store.h"
#include "objects/apiservice.h"
#include "objects/crd.h"
#include "objects/defaults.h"
#include "objects/prune.h"
#include "sim.h"
#include "util/hmap.h"
#include "util/xmalloc.h"

/* 422 Invalid as the real server words it: Kind[.group] "name" is invalid: field: detail */
static void invalid(struct sim_response *resp, const struct sim_rtype *rt, const char *name,
		    const char *field, const char *reason, const char *detail)
{
	char *qkind = *rt->group ? xasprintf("%s.%s", rt->kind, rt->group) : xstrdup(rt->kind);
	sim_status_error(resp, 422, "Invalid", rt->group, rt->kind, name,
			 "%s \"%s\" is invalid: %s: %s", qkind, name ? name : "", field, detail);
	json_t *st = json_loads(resp->body, 0, NULL);
	json_t *cause =
	    json_pack("{s:s, s:s, s:s}", "reason", reason, "message", detail, "field", field);
	json_object_set_new(json_object_get(st, "details"), "causes", json_pack("[o]", cause));
	sim_respond_json(resp, 422, st);
	free(qkind);
}

static bool dns_label(const char *s, size_t n)
{
	if (!n || n > 63 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
			return false;
	return true;
}

static const char *name_problem(enum sim_name_rule rule, const char *name)
{
	size_t n = strlen(name);
	switch (rule) {
	case SIM_NAME_LABEL:
		if (!dns_label(name, n))
			return "a lowercase RFC 1123 label must consist of lower case alphanumeric "
			       "characters or '-', and must start and end with an alphanumeric "
			       "character (e.g. 'my-name',  or '123-abc', regex used for "
			       "validation "
			       "is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
		return NULL;
	case SIM_NAME_SUBDOMAIN: {
		if (n > 253)
			return "must be no more than 253 characters";
		const char *p = name;
		for (;;) {
			const char *dot = strchr(p, '.');
			size_t len = dot ? (size_t)(dot - p) : strlen(p);
			if (!dns_label(p, len))
				return "a lowercase RFC 1123 subdomain must consist of lower case "
				       "alphanumeric characters, '-' or '.', and must start and "
				       "end "
				       "with an alphanumeric character (e.g. 'example.com', regex "
				       "used "
				       "for validation is "
				       "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-"
				       "9])?)*')";
			if (!dot)
				return NULL;
			p = dot + 1;
		}
	}
	case SIM_NAME_PATH:
		if (!n)
			return "name must not be empty";
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			return "may not be '.' or '..'";
		if (strchr(name, '/') || strchr(name, '%'))
			return "may not contain '/' or '%'";
		return NULL;
	}
	return NULL;
}

static struct sim_rtype *ns_type(struct sim_api *api)
{
	return sim_registry_find(&api->reg, "", "namespaces");
}

/* The version objects of rt are stored at: the preferred one. */
static void set_type_meta(const struct sim_rtype *rt, json_t *obj)
{
	char *av = sim_api_version_str(rt->group, rt->versions[0]);
	json_object_set_new(obj, "apiVersion", json_string(av));
	json_object_set_new(obj, "kind", json_string(rt->kind));
	free(av);
}

/* Checks the namespace of a new object exists and is not terminating. */
static int check_namespace(struct sim_api *api, const char *ns, bool from_http,
			   struct sim_response *resp)
{
	struct sim_rtype *nst = ns_type(api);
	long i = sim_coll_find(&nst->coll, "", ns);
	if (i < 0 && !from_http) {
		json_t *o = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind",
				      "Namespace", "metadata", "name", ns);
		return sim_obj_create(api, nst, o, false, false, resp, NULL);
	}
	if (i < 0) {
		sim_status_error(resp, 404, "NotFound", "", "namespaces", ns,
				 "namespaces \"%s\" not found", ns);
		return -1;
	}
	if (sim_meta_str(nst->coll.v[i].obj, "deletionTimestamp")) {
		sim_status_error(resp, 403, "Forbidden", "", "namespaces", ns,
				 "unable to create new content in namespace %s because it is being "
				 "terminated",
				 ns);
		return -1;
	}
	return 0;
}

static bool has_spec_like(const struct sim_rtype *rt, const json_t *obj)
{
	return rt->crd || json_object_get(obj, "spec");
}

/* Picks metadata.name (generateName + 5 random characters when asked). */
static const char *choose_name(struct sim_api *api, struct sim_rtype *rt, json_t *md,
			       const char *ns)
{
	const char *name = json_string_value(json_object_get(md, "name"));
	const char *gen = json_string_value(json_object_get(md, "generateName"));
	if ((name && *name) || !gen || !*gen)
		return name;
	for (int tries = 0; tries < 100; tries++) {
		char suffix[6];
		sim_store_random(api, suffix, 5);
		char *n = xasprintf("%s%s", gen, suffix);
		bool taken = sim_coll_find(&rt->coll, ns, n) >= 0;
		json_object_set_new(md, "name", json_string(n));
		free(n);
		if (!taken)
			break;
	}
	return json_string_value(json_object_get(md, "name"));
}

static void reset_status(const struct sim_rtype *rt, json_t *obj)
{
	if (rt->status_rule == SIM_STATUS_CLEAR || (rt->crd && rt->has_status))
		json_object_del(obj, "status");
	else if (rt->status_rule == SIM_STATUS_PENDING)
		json_object_set_new(obj, "status", json_pack("{s:s}", "phase", "Pending"));
}

int sim_obj_create(struct sim_api *api, struct sim_rtype *rt, json_t *obj, bool from_http,
		   bool dry_run, struct sim_response *resp, json_t **out)
{
	int rc = -1;
	json_t *md = sim_meta(obj);
	const char *ns = "";
	if (rt->namespaced) {
		ns = json_string_value(json_object_get(md, "namespace"));
		if (!ns || !*ns) {
			json_object_set_new(md, "namespace", json_string("default"));
			ns = "default";
		}
	} else {
		json_object_del(md, "namespace");
	}
	const char *name = choose_name(api, rt, md, ns);
	if (!name || !*name) {
		invalid(resp, rt, "", "metadata.name", "FieldValueRequired",
			"Required value: name or generateName is required");
		goto out;
	}
	const char *problem = name_problem(rt->name_rule, name);
	if (problem) {
		char *d = xasprintf("Invalid value: \"%s\": %s", name, problem);
		invalid(resp, rt, name, "metadata.name", "FieldValueInvalid", d);
		free(d);
		goto out;
	}
	if (rt->namespaced && check_namespace(api, ns, from_http, resp) < 0)
		goto out;
	if (sim_coll_find(&rt->coll, ns, name) >= 0) {
		char *q = sim_rtype_qualified(rt);
		sim_status_error(resp, 409, "AlreadyExists", rt->group, rt->resource, name,
				 "%s \"%s\" already exists", q, name);
		free(q);
		goto out;
	}
	if (from_http && json_object_get(md, "resourceVersion")) {
		sim_status_error(resp, 400, "BadRequest", NULL, NULL, NULL,
				 "resourceVersion should not be set on objects to be created");
		goto out;
	}
	json_object_del(md, "resourceVersion");
	json_object_del(md, "deletionTimestamp");
	json_object_del(md, "managedFields");
	char uid[37], now[32];
	sim_store_uuid(api, uid);
	sim_store_now(now);
	json_object_set_new(md, "uid", json_string(uid));
	if (from_http || !json_object_get(md, "creationTimestamp") ||
	    json_is_null(json_object_get(md, "creationTimestamp")))
		json_object_set_new(md, "creationTimestamp", json_string(now));
	if (has_spec_like(rt, obj))
		json_object_set_new(md, "generation", json_integer(1));
	else
		json_object_del(md, "generation");
	json_t *schema = sim_prune_schema(api, rt, obj); /* of the version written */
	set_type_meta(rt, obj);
	if (from_http)
		reset_status(rt, obj);
	sim_defaults_apply(api, rt, obj);
	obj = sim_prune(schema, obj);
	json_decref(schema);
	if (!rt->crd)
		sim_pb_prune(obj); /* the empty omitempty fields Go's types drop */
	bool is_crd = !strcmp(rt->group, "apiextensions.k8s.io");
	if (is_crd && sim_crd_prepare(api, obj, NULL, resp) < 0)
		goto out;
	if (dry_run) {
		if (out)
			*out = json_incref(obj);
		rc = 0;
		goto out;
	}
	json_t *stored = sim_store_insert(api, rt, obj);
	obj = NULL;
	if (is_crd) {
		sim_crd_apply(api, stored);
		sim_apiservices_crds_changed(api);
	}
	if (out)
		*out = json_incref(stored);
	rc = 0;
out:
	json_decref(obj);
	return rc;
}

static json_t *remove_now(struct sim_api *api, struct sim_rtype *rt, long idx,
			  const char *propagation);

/* Copies what an update may not change from old into obj. */
static void keep_immutables(const json_t *old, json_t *obj)
{
	json_t *md = sim_meta(obj);
	json_t *omd = json_object_get(old, "metadata");
	static const char *const keys[] = {"name",
					   "namespace",
					   "uid",
					   "creationTimestamp",
					   "deletionTimestamp",
					   "deletionGracePeriodSeconds",
					   "generation",
					   NULL};
	for (size_t i = 0; keys[i]; i++) {
		json_t *v = json_object_get(omd, keys[i]);
		if (v)
			json_object_set(md, keys[i], v);
		else
			json_object_del(md, keys[i]);
	}
	json_object_del(md, "managedFields");
}

/* True when obj differs from old outside metadata and status. */
static bool spec_changed(const json_t *old, const json_t *obj)
{
	json_t *a = json_copy((json_t *)old), *b = json_copy((json_t *)obj);
	static const char *const skip[] = {"metadata", "status", "kind", "apiVersion", NULL};
	for (size_t i = 0; skip[i]; i++) {
		json_object_del(a, skip[i]);
		json_object_del(b, skip[i]);
	}
	bool changed = !json_equal(a, b);
	json_decref(a);
	json_decref(b);
	return changed;
}

static bool finalizers_pending(const struct sim_rtype *rt, const json_t *obj)
{
	if (json_array_size(json_object_get(json_object_get(obj, "metadata"), "finalizers")))
		return true;
	return !strcmp(rt->resource, "namespaces") && !*rt->group &&
	       json_array_size(json_object_get(json_object_get(obj, "spec"), "finalizers"));
}

int sim_obj_update(struct sim_api *api, struct sim_rtype *rt, long idx, json_t *obj,
		   const char *sub, bool dry_run, struct sim_response *resp, json_t **out)
{
	json_t *old = rt->coll.v[idx].obj;
	const char *name = rt->coll.v[idx].name;
	const char *orv = sim_meta_str(old, "resourceVersion");
	const char *rv = sim_meta_str(obj, "resourceVersion");
	if (rv && *rv && orv && strcmp(rv, orv) != 0) {
		char *q = sim_rtype_qualified(rt);
		sim_status_error(
		    resp, 409, "Conflict", rt->group, rt->resource, name,
		    "Operation cannot be fulfilled on %s \"%s\": the object has been "
		    "modified; please apply your changes to the latest version and try "
		    "again",
		    q, name);
		free(q);
		json_decref(obj);
		return -1;
	}
	json_t *schema = sim_prune_schema(api, rt, obj); /* of the version written */
	bool status_sub = sub && !strcmp(sub, "status");
	json_t *next;
	if (status_sub) {
		next = json_copy(old);
		json_object_set_new(next, "metadata", json_copy(json_object_get(old, "metadata")));
		json_t *st = json_object_get(obj, "status");
		if (st)
			json_object_set(next, "status", st);
		else
			json_object_del(next, "status");
		json_decref(obj);
	} else {
		next = obj;
		keep_immutables(old, next);
		bool all = sub && !strcmp(sub, "*");
		if (rt->has_status && !all) {
			json_t *st = json_object_get(old, "status");
			if (st)
				json_object_set(next, "status", st);
			else
				json_object_del(next, "status");
		}
		set_type_meta(rt, next);
	}
	next = sim_prune(schema, next);
	json_decref(schema);
	json_t *gen = json_object_get(json_object_get(old, "metadata"), "generation");
	if (!status_sub && spec_changed(old, next) && (gen || has_spec_like(rt, next)))
		json_object_set_new(sim_meta(next), "generation",
				    json_integer(json_integer_value(gen) + 1));
	bool is_crd = !strcmp(rt->group, "apiextensions.k8s.io");
	if (is_crd && sim_crd_prepare(api, next, old, resp) < 0) {
		json_decref(next);
		return -1;
	}
	json_object_set_new(sim_meta(next), "resourceVersion", json_string(orv ? orv : ""));
	if (json_equal(next, old) || dry_run) {
		if (out)
			*out = json_incref(dry_run ? next : old);
		json_decref(next);
		return 0;
	}
	if (sim_meta_str(next, "deletionTimestamp") && !finalizers_pending(rt, next)) {
		json_decref(next);
		json_t *gone = remove_now(api, rt, idx, NULL);
		if (out)
			*out = gone;
		else
			json_decref(gone);
		return 0;
	}
	json_t *stored = sim_store_replace(api, rt, (size_t)idx, next);
	if (is_crd) {
		sim_crd_apply(api, stored);
		sim_apiservices_crds_changed(api);
	}
	if (out)
		*out = json_incref(stored);
	return 0;
}

/* Removes the ownerReferences to uid from every object (orphan propagation). */
static void orphan_dependents(struct sim_api *api, const char *uid)
{
	for (size_t t = 0; t < api->reg.n; t++) {
		struct sim_rtype *rt = api->reg.types[t];
		for (size_t i = 0; i < rt->coll.n; i++) {
			json_t *refs = json_object_get(
			    json_object_get(rt->coll.v[i].obj, "metadata"), "ownerReferences");
			if (!json_array_size(refs))
				continue;
			json_t *keep = json_array();
			size_t j;
			json_t *r;
			json_array_foreach(refs, j, r) {
				const char *u = json_string_value(json_object_get(r, "uid"));
				if (!u || strcmp(u, uid) != 0)
					json_array_append(keep, r);
			}
			if (json_array_size(keep) == json_array_size(refs)) {
				json_decref(keep);
				continue;
			}
			json_t *next = json_copy(rt->coll.v[i].obj);
			json_t *md = json_copy(json_object_get(next, "metadata"));
			json_object_set_new(md, "ownerReferences", keep);
			json_object_set_new(next, "metadata", md);
			sim_store_replace(api, rt, i, next);
		}
	}
}

/* Removes the object at idx for good, with what follows from it. */
static json_t *remove_now(struct sim_api *api, struct sim_rtype *rt, long idx,
			  const char *propagation)
{
	json_t *old = rt->coll.v[idx].obj;
	bool is_ns = !strcmp(rt->resource, "namespaces") && !*rt->group;
	char *uid = xstrdup(sim_meta_str(old, "uid") ? sim_meta_str(old, "uid") : "");
	char *name = xstrdup(rt->coll.v[idx].name);
	json_t *out = sim_store_remove(api, rt, (size_t)idx);
	if (propagation && !strcmp(propagation, "Orphan") && *uid) {
		hmap_del(&api->gc_uids, uid);
		orphan_dependents(api, uid);
	}
	if (!strcmp(rt->group, "apiextensions.k8s.io")) {
		sim_crd_remove(api, out);
		sim_apiservices_crds_changed(api);
	}
	if (is_ns)
		sim_api_purge_namespace(api, name);
	free(uid);
	free(name);
	return out;
}

int sim_obj_delete(struct sim_api *api, struct sim_rtype *rt, long idx, bool dry_run,
		   const char *propagation, json_t **out)
{
	json_t *old = rt->coll.v[idx].obj;
	if (dry_run || sim_meta_str(old, "deletionTimestamp")) {
		*out = json_incref(old);
		return 0;
	}
	bool is_ns = !strcmp(rt->resource, "namespaces") && !*rt->group;
	if (finalizers_pending(rt, old)) {
		json_t *next = json_copy(old);
		json_t *md = json_copy(json_object_get(next, "metadata"));
		char now[32];
		sim_store_now(now);
		json_object_set_new(md, "deletionTimestamp", json_string(now));
		json_object_set_new(md, "deletionGracePeriodSeconds", json_integer(0));
		json_object_set_new(next, "metadata", md);
		if (is_ns) {
			json_t *st = json_copy(json_object_get(next, "status"));
			if (!st)
				st = json_object();
			json_object_set_new(st, "phase", json_string("Terminating"));
			json_object_set_new(next, "status", st);
		}
		*out = json_incref(sim_store_replace(api, rt, (size_t)idx, next));
		return 0;
	}
	*out = remove_now(api, rt, idx, propagation);
	return 0;
}

void sim_api_purge_namespace(struct sim_api *api, const char *ns)
{
	for (size_t t = 0; t < api->reg.n; t++) {
		struct sim_rtype *rt = api->reg.types[t];
		if (!rt->namespaced)
			continue;
		size_t lo = sim_coll_lower(&rt->coll, ns, "");
		size_t hi = lo;
		while (hi < rt->coll.n && !strcmp(rt->coll.v[hi].ns, ns))
			hi++;
		sim_store_remove_range(api, rt, lo, hi);
	}
}

/* True when obj has owners, one of them deleted and none of them alive. */
static bool orphaned(const json_t *obj, const struct hmap *deleted, const struct hmap *live)
{
	json_t *refs = json_object_get(json_object_get(obj, "metadata"), "ownerReferences");
	if (!json_array_size(refs))
		return false;
	bool hit = false;
	size_t i;
	json_t *r;
	json_array_foreach(refs, i, r) {
		const char *u = json_string_value(json_object_get(r, "uid"));
		if (!u)
			continue;
		if (hmap_get(live, u))
			return false;
		hit = hit || hmap_get(deleted, u);
	}
	return hit;
}

void sim_api_collect_garbage(struct sim_api *api)
{
	while (api->gc_dirty) {
		api->gc_dirty = false;
		struct hmap deleted = api->gc_uids, live;
		hmap_init(&api->gc_uids);
		hmap_init(&live);
		for (size_t t = 0; t < api->reg.n; t++) {
			struct sim_coll *c = &api->reg.types[t]->coll;
			for (size_t i = 0; i < c->n; i++) {
				const char *u = sim_meta_str(c->v[i].obj, "uid");
				if (u)
					hmap_put(&live, u, c->v[i].obj);
			}
		}
		for (size_t t = 0; t < api->reg.n; t++) {
			struct sim_rtype *rt = api->reg.types[t];
			for (size_t i = 0; i < rt->coll.n;) {
				if (!orphaned(rt->coll.v[i].obj, &deleted, &live)) {
					i++;
					continue;
				}
				size_t before = rt->coll.n;
				json_t *gone = NULL;
				sim_obj_delete(api, rt, (long)i, false, NULL, &gone);
				json_decref(gone);
				if (rt->coll.n == before)
					i++;
			}
		}
		hmap_release(&deleted);
		hmap_release(&live);
	}
}
