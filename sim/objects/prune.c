/* prune.c: pruning of unknown fields from custom resources, as the API server's
 * structural pruning (apiextensions-apiserver, schema/pruning) does on create, update,
 * patch and status writes: a field the schema does not declare is dropped; a node with
 * x-kubernetes-preserve-unknown-fields keeps its unknown fields (its declared ones are
 * still pruned); additionalProperties (a schema, or true) allows any key; array items
 * are pruned by items; x-kubernetes-int-or-string nodes are leaves; apiVersion, kind and
 * metadata of the resource and of x-kubernetes-embedded-resource objects are kept.
 * Nothing is changed in place: objects in the store share subtrees. */

#include "objects/prune.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "model/registry.h"
#include "model/store.h"
#include "util/xmalloc.h"

static bool flag(const json_t *s, const char *key)
{
	return json_is_true(json_object_get(s, key));
}

static json_t *prune_node(const json_t *x, const json_t *s);
static json_t *keep_node(const json_t *x, const json_t *s);

/* apiVersion and kind (strings) and metadata of a resource or an embedded one. */
static bool resource_meta(const char *key, const json_t *v)
{
	if (!strcmp(key, "metadata"))
		return true;
	return (!strcmp(key, "apiVersion") || !strcmp(key, "kind")) && json_is_string(v);
}

/* What becomes of the value v of key in an object of schema s: a new reference, or NULL
 * when it is dropped. preserve keeps what s does not declare. */
static json_t *member(const json_t *s, bool embedded, bool preserve, const char *key,
		      const json_t *v)
{
	if (embedded && resource_meta(key, v))
		return json_incref((json_t *)v);
	json_t *prop = json_object_get(json_object_get(s, "properties"), key);
	if (prop)
		return prune_node(v, prop);
	json_t *ap = json_object_get(s, "additionalProperties");
	if (json_is_object(ap))
		return prune_node(v, ap);
	if (json_is_true(ap) || preserve)
		return json_incref((json_t *)v);
	return NULL;
}

/* The object x under schema s: x itself (a new reference) when nothing changes. */
static json_t *prune_object(const json_t *x, const json_t *s, bool embedded, bool preserve)
{
	json_t *r = json_object();
	bool changed = false;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)x, key, v) {
		json_t *c = member(s, embedded, preserve, key, v);
		changed = changed || c != v;
		if (c)
			json_object_set_new(r, key, c);
	}
	if (!changed) {
		json_decref(r);
		return json_incref((json_t *)x);
	}
	return r;
}

/* The array x, each item pruned (or, with keep, only its declared fields) by items. */
static json_t *prune_items(const json_t *x, const json_t *items, bool keep)
{
	json_t *r = json_array();
	bool changed = false;
	size_t i;
	json_t *v;
	json_array_foreach(x, i, v) {
		json_t *c = keep ? keep_node(v, items) : prune_node(v, items);
		changed = changed || c != v;
		json_array_append_new(r, c);
	}
	if (!changed) {
		json_decref(r);
		return json_incref((json_t *)x);
	}
	return r;
}

/* x under a node that preserves unknown fields: only what s declares is pruned. */
static json_t *keep_node(const json_t *x, const json_t *s)
{
	if (!s || flag(s, "x-kubernetes-int-or-string"))
		return json_incref((json_t *)x);
	if (json_is_object(x))
		return prune_object(x, s, flag(s, "x-kubernetes-embedded-resource"), true);
	if (json_is_array(x))
		return prune_items(x, json_object_get(s, "items"), true);
	return json_incref((json_t *)x);
}

/* x under schema s (NULL: none, an object loses every field). */
static json_t *prune_node(const json_t *x, const json_t *s)
{
	if (flag(s, "x-kubernetes-preserve-unknown-fields"))
		return keep_node(x, s);
	if (flag(s, "x-kubernetes-int-or-string"))
		return json_incref((json_t *)x);
	if (json_is_object(x))
		return prune_object(x, s, flag(s, "x-kubernetes-embedded-resource"), false);
	if (json_is_array(x))
		return prune_items(x, json_object_get(s, "items"), false);
	return json_incref((json_t *)x);
}

json_t *sim_prune(const json_t *schema, json_t *obj)
{
	if (!schema || !json_is_object(obj))
		return obj;
	/* the resource itself is embedded: its apiVersion, kind and metadata stay */
	json_t *r =
	    prune_object(obj, schema, true, flag(schema, "x-kubernetes-preserve-unknown-fields"));
	json_decref(obj);
	return r;
}

/* The version obj is written in: its apiVersion's when rt serves it, else the storage
 * version. */
static const char *written_version(const struct sim_rtype *rt, const json_t *obj)
{
	const char *av = json_string_value(json_object_get(obj, "apiVersion"));
	const char *slash = av ? strrchr(av, '/') : NULL;
	if (slash && sim_rtype_serves(rt, slash + 1))
		return slash + 1;
	return rt->versions[0];
}

/* The stored CRD that defines rt, or NULL. */
static const json_t *crd_of(struct sim_api *api, const struct sim_rtype *rt)
{
	struct sim_rtype *ct =
	    sim_registry_find(&api->reg, "apiextensions.k8s.io", "customresourcedefinitions");
	if (!ct)
		return NULL;
	char *name = xasprintf("%s.%s", rt->resource, rt->group);
	long i = sim_coll_find(&ct->coll, "", name);
	free(name);
	return i < 0 ? NULL : ct->coll.v[i].obj;
}

json_t *sim_prune_schema(struct sim_api *api, const struct sim_rtype *rt, const json_t *obj)
{
	if (!rt->crd || !rt->versions[0])
		return NULL;
	const json_t *crd = crd_of(api, rt);
	json_t *spec = json_object_get(crd, "spec");
	if (!spec || flag(spec, "preserveUnknownFields"))
		return NULL;
	const char *version = written_version(rt, obj);
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(spec, "versions"), i, v) {
		const char *name = json_string_value(json_object_get(v, "name"));
		if (name && !strcmp(name, version))
			return json_incref(
			    json_object_get(json_object_get(v, "schema"), "openAPIV3Schema"));
	}
	return NULL;
}
