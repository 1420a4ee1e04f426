/* inventory.c: the shared cluster view of a run; each list is fetched at most once. */
#include "kube/inventory.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "util/jintern.h"
#include "util/xmalloc.h"

/* Values up to this many bytes serialized are shared between the items of one list. */
#define INTERN_MAX 512

/* curl_easy_escape without a handle, as a string the caller frees with free(). */
static char *curl_escape_dup(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	char *out = xstrdup(e ? e : "");
	curl_free(e);
	return out;
}

struct inventory {
	struct kube_client *client; /* NULL for a fixture */
	json_t *version;
	struct kube_discovery disc;
	json_t *lists;	/* list key -> array; object path -> object (inventory_get) */
	json_t *errors; /* key -> {"code","reason","message"} */
	json_t *proxy;	/* path -> string */
	pthread_mutex_t lock;
	/* one fetch at a time per key: a condition for "someone is fetching" */
	pthread_cond_t fetched;
	json_t *fetching; /* key -> true */
	unsigned requests;
};

static struct inventory *inventory_alloc(void)
{
	struct inventory *inv = xcalloc(1, sizeof(*inv));
	inv->lists = json_object();
	inv->errors = json_object();
	inv->proxy = json_object();
	inv->fetching = json_object();
	pthread_mutex_init(&inv->lock, NULL);
	pthread_cond_init(&inv->fetched, NULL);
	return inv;
}

struct inventory *inventory_new(struct kube_client *c, struct kube_error *err)
{
	struct inventory *inv = inventory_alloc();
	inv->client = c;
	json_t *v = NULL;
	if (kube_get(c, "/version", &v, err) != 0) {
		inventory_free(inv);
		return NULL;
	}
	inv->version = v;
	inv->requests++;
	if (kube_discover(c, &inv->disc, err) != 0) {
		inventory_free(inv);
		return NULL;
	}
	inv->requests += inv->disc.requests;
	return inv;
}

static char *opt_strdup(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return xstrdup(s ? s : "");
}

static void fixture_resources(struct inventory *inv, json_t *arr)
{
	size_t i;
	json_t *r;
	inv->disc.items = xcalloc(json_array_size(arr) + 1, sizeof(*inv->disc.items));
	json_array_foreach(arr, i, r) {
		struct kube_resource *kr = &inv->disc.items[inv->disc.n++];
		kr->group = opt_strdup(r, "group");
		kr->version = opt_strdup(r, "version");
		kr->resource = opt_strdup(r, "resource");
		kr->kind = opt_strdup(r, "kind");
		kr->namespaced = json_is_true(json_object_get(r, "namespaced"));
		kr->preferred = !json_is_false(json_object_get(r, "preferred"));
		kr->verbs = KUBE_VERB_GET | KUBE_VERB_LIST | KUBE_VERB_WATCH;
	}
	inv->disc.aggregated = true;
}

struct inventory *inventory_new_fixture(json_t *fixture)
{
	struct inventory *inv = inventory_alloc();
	inv->version = json_incref(json_object_get(fixture, "version"));
	if (inv->version == NULL)
		inv->version = json_pack("{s:s}", "gitVersion", "v0.0.0-fixture");
	json_t *res = json_object_get(fixture, "resources");
	fixture_resources(inv, json_is_array(res) ? res : json_array());
	json_t *l = json_object_get(fixture, "lists");
	if (json_is_object(l))
		json_object_update(inv->lists, l);
	json_t *e = json_object_get(fixture, "errors");
	if (json_is_object(e))
		json_object_update(inv->errors, e);
	json_t *p = json_object_get(fixture, "proxy");
	if (json_is_object(p))
		json_object_update(inv->proxy, p);
	json_decref(fixture);
	return inv;
}

void inventory_free(struct inventory *inv)
{
	if (inv == NULL)
		return;
	json_decref(inv->version);
	json_decref(inv->lists);
	json_decref(inv->errors);
	json_decref(inv->proxy);
	json_decref(inv->fetching);
	kube_discovery_release(&inv->disc);
	pthread_mutex_destroy(&inv->lock);
	pthread_cond_destroy(&inv->fetched);
	free(inv);
}

const char *inventory_server_version(struct inventory *inv)
{
	const char *v = json_string_value(json_object_get(inv->version, "gitVersion"));
	return v ? v : "unknown";
}

const json_t *inventory_version_json(struct inventory *inv)
{
	return inv->version;
}

const struct kube_discovery *inventory_discovery(struct inventory *inv)
{
	return &inv->disc;
}

bool inventory_served(struct inventory *inv, const char *group, const char *version,
		      const char *resource)
{
	return kube_discovery_find(&inv->disc, group, version, resource) != NULL;
}

bool inventory_group_served(struct inventory *inv, const char *group)
{
	return kube_discovery_has_group(&inv->disc, group);
}

const char **inventory_versions(struct inventory *inv, const char *group, const char *resource)
{
	const char **out = xcalloc(inv->disc.n + 1, sizeof(*out));
	size_t n = 0;
	const struct kube_resource *pref = kube_discovery_find(&inv->disc, group, NULL, resource);
	if (pref != NULL)
		out[n++] = pref->version;
	for (size_t i = 0; i < inv->disc.n; i++) {
		const struct kube_resource *r = &inv->disc.items[i];
		if (r != pref && strcmp(r->group, group) == 0 && strcmp(r->resource, resource) == 0)
			out[n++] = r->version;
	}
	return out;
}

/* ---- pruning: the inventory keeps only what checks read of the kinds that scale ---- */

static const char *const meta_drop[] = {
    "managedFields", "uid", "resourceVersion", "generation", "creationTimestamp", "selfLink", NULL};
static const char *const pod_spec_keep[] = {
    "nodeName", "containers",  "initContainers", "ephemeralContainers", "runtimeClassName",
    "volumes",	"hostNetwork", "resourceClaims", "nodeSelector",	"serviceAccountName",
    NULL};
static const char *const container_keep[] = {"name", "image", "command", "args", "ports", NULL};
static const char *const pod_status_keep[] = {"phase", "conditions", NULL};
static const char *const node_spec_keep[] = {"unschedulable", "taints", "providerID", NULL};
static const char *const node_status_keep[] = {"allocatable", "conditions", "nodeInfo", NULL};
static const char *const node_info_keep[] = {"kernelVersion", "containerRuntimeVersion",
					     "kubeletVersion", "osImage", NULL};
static const char *const slice_device_keep[] = {
    "name", "attributes", "taints", "basic", "consumesCounters", "allowMultipleAllocations", NULL};
static const char *const slice_basic_keep[] = {"attributes", "taints", "consumesCounters", NULL};
static const char *const condition_keep[] = {"type", "status", "reason", NULL};

static bool listed(const char *const *names, const char *key)
{
	for (; *names != NULL; names++)
		if (strcmp(*names, key) == 0)
			return true;
	return false;
}

/* Deletes every member of obj whose key is not in keep. */
static void keep_only(json_t *obj, const char *const *keep)
{
	const char *key;
	json_t *v;
	void *tmp;
	if (!json_is_object(obj))
		return;
	json_object_foreach_safe(obj, tmp, key, v) {
		if (!listed(keep, key))
			json_object_del(obj, key);
	}
}

static void keep_only_each(json_t *arr, const char *const *keep)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		keep_only(v, keep);
	}
}

static void prune_meta(json_t *meta)
{
	for (const char *const *k = meta_drop; *k != NULL; k++)
		json_object_del(meta, *k);
	json_object_del(json_object_get(meta, "annotations"),
			"kubectl.kubernetes.io/last-applied-configuration");
}

/* Drops what no check reads from one listed object (pods and nodes are pruned to the
 * fields checks use: they are the lists that grow with the cluster). */
static void prune(json_t *item, const struct kube_resource *r)
{
	prune_meta(json_object_get(item, "metadata"));
	json_t *spec = json_object_get(item, "spec");
	json_t *status = json_object_get(item, "status");
	if (strcmp(r->group, "resource.k8s.io") == 0 &&
	    strcmp(r->resource, "resourceslices") == 0) {
		size_t i;
		json_t *dev;
		json_array_foreach(json_object_get(spec, "devices"), i, dev) {
			keep_only(dev, slice_device_keep);
			keep_only(json_object_get(dev, "basic"), slice_basic_keep);
		}
		return;
	}
	if (*r->group != '\0')
		return;
	if (strcmp(r->resource, "pods") == 0) {
		keep_only(spec, pod_spec_keep);
		keep_only_each(json_object_get(spec, "containers"), container_keep);
		keep_only_each(json_object_get(spec, "initContainers"), container_keep);
		keep_only(status, pod_status_keep);
		keep_only_each(json_object_get(status, "conditions"), condition_keep);
	} else if (strcmp(r->resource, "nodes") == 0) {
		keep_only(spec, node_spec_keep);
		keep_only(status, node_status_keep);
		keep_only(json_object_get(status, "nodeInfo"), node_info_keep);
		keep_only_each(json_object_get(status, "conditions"), condition_keep);
	}
}

struct list_fetch {
	const struct kube_resource *r;
	struct jintern *shared;
};

/* Per listed item: drop what no check reads, then share what repeats between items. */
static void take_item(json_t *item, void *arg)
{
	struct list_fetch *f = arg;
	prune(item, f->r);
	jintern_tree(f->shared, item);
}

static void error_from_json(struct kube_error *err, json_t *e)
{
	kube_error_set(err, (long)json_integer_value(json_object_get(e, "code")),
		       json_string_value(json_object_get(e, "reason")), "%s",
		       json_string_value(json_object_get(e, "message"))
			   ? json_string_value(json_object_get(e, "message"))
			   : "");
}

static json_t *error_to_json(const struct kube_error *err)
{
	return json_pack("{s:I,s:s,s:s}", "code", (json_int_t)err->http_code, "reason", err->reason,
			 "message", err->message);
}

/* Looks key up in the caches; the lock is held. Returns 1 hit, -1 cached error. */
static int cached(struct inventory *inv, const char *key, const json_t **out,
		  struct kube_error *err)
{
	json_t *l = json_object_get(inv->lists, key);
	if (l != NULL) {
		*out = l;
		return 1;
	}
	json_t *e = json_object_get(inv->errors, key);
	if (e != NULL) {
		error_from_json(err, e);
		return -1;
	}
	return 0;
}

/* Whether obj is in ns (NULL = any) and carries every "k=v" pair of selector. */
static bool fixture_selected(const json_t *obj, const char *ns, const char *selector)
{
	const json_t *meta = json_object_get(obj, "metadata");
	const char *ons = json_string_value(json_object_get(meta, "namespace"));
	if (ns != NULL && (ons == NULL || strcmp(ns, ons) != 0))
		return false;
	if (selector == NULL)
		return true;
	char *copy = xstrdup(selector), *save = NULL;
	bool ok = true;
	for (char *t = strtok_r(copy, ",", &save); t != NULL && ok;
	     t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		const char *v =
		    json_string_value(json_object_get(json_object_get(meta, "labels"), t));
		ok = v != NULL && strcmp(v, eq + 1) == 0;
	}
	free(copy);
	return ok;
}

/* Fixture answer for a key not in the fixture: the whole list filtered, or the whole
 * list's error (lock held). Returns 1 with *out set, or -1 with err set. */
static int fixture_list(struct inventory *inv, const struct kube_resource *r, const char *key,
			const char *ns, const char *selector, const json_t **out,
			struct kube_error *err)
{
	char *base = xasprintf("%s/%s/%s", r->group, r->version, r->resource);
	json_t *e = json_object_get(inv->errors, base);
	if (e != NULL) {
		free(base);
		error_from_json(err, e);
		return -1;
	}
	json_t *l = json_array();
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(inv->lists, base), i, o) {
		if (fixture_selected(o, ns, selector))
			json_array_append(l, o);
	}
	free(base);
	json_object_set_new(inv->lists, key, l);
	*out = l;
	return 1;
}

/* The cache key of a (possibly narrowed) list. */
static char *list_key(const struct kube_resource *r, const char *ns, const char *selector)
{
	if (ns == NULL && selector == NULL)
		return xasprintf("%s/%s/%s", r->group, r->version, r->resource);
	return xasprintf("%s/%s/%s?ns=%s&sel=%s", r->group, r->version, r->resource, ns ? ns : "",
			 selector ? selector : "");
}

/* Fetches one list for key; called without the lock, with key marked as fetching. */
static int fetch_list(struct inventory *inv, const struct kube_resource *r, const char *ns,
		      const char *selector, json_t **items, struct kube_error *err)
{
	char *path = kube_resource_path(r, r->namespaced ? ns : NULL, NULL);
	char *query = NULL;
	if (selector != NULL) {
		char *esc = curl_escape_dup(selector);
		query = xasprintf("labelSelector=%s", esc);
		free(esc);
	}
	struct list_fetch f = {r, jintern_new(INTERN_MAX)};
	int rc = kube_list_each(inv->client, path, query, take_item, &f, items, NULL, err);
	jintern_free(f.shared);
	free(query);
	free(path);
	return rc;
}

const json_t *inventory_list_selected(struct inventory *inv, const char *group, const char *version,
				      const char *resource, const char *ns, const char *selector,
				      struct kube_error *err)
{
	pthread_mutex_lock(&inv->lock);
	const struct kube_resource *r = kube_discovery_find(&inv->disc, group, version, resource);
	if (r == NULL) {
		pthread_mutex_unlock(&inv->lock);
		kube_error_set(err, 404, "NotFound", "%s%s%s/%s is not served", group,
			       *group ? "/" : "", version ? version : "*", resource);
		return NULL;
	}
	char *key = list_key(r, ns, selector);
	const json_t *out = NULL;
	int hit;
	while ((hit = cached(inv, key, &out, err)) == 0 && json_object_get(inv->fetching, key))
		pthread_cond_wait(&inv->fetched, &inv->lock);
	if (hit != 0 || inv->client == NULL) {
		if (hit == 0) /* fixture without that list: served, filtered or empty */
			hit = fixture_list(inv, r, key, ns, selector, &out, err);
		pthread_mutex_unlock(&inv->lock);
		free(key);
		return hit < 0 ? NULL : out;
	}
	json_object_set_new(inv->fetching, key, json_true());
	pthread_mutex_unlock(&inv->lock);

	json_t *items = NULL;
	int rc = fetch_list(inv, r, ns, selector, &items, err);

	pthread_mutex_lock(&inv->lock);
	inv->requests++;
	if (rc == 0) {
		json_object_set_new(inv->lists, key, items);
		out = items;
	} else
		json_object_set_new(inv->errors, key, error_to_json(err));
	json_object_del(inv->fetching, key);
	pthread_cond_broadcast(&inv->fetched);
	pthread_mutex_unlock(&inv->lock);
	free(key);
	return out;
}

const json_t *inventory_list(struct inventory *inv, const char *group, const char *version,
			     const char *resource, struct kube_error *err)
{
	return inventory_list_selected(inv, group, version, resource, NULL, NULL, err);
}

/* A fixture's object: found in the fixture's whole list (lock held). */
static const json_t *fixture_get(struct inventory *inv, const struct kube_resource *r,
				 const char *ns, const char *name, struct kube_error *err)
{
	char *key = list_key(r, NULL, NULL);
	const json_t *all = NULL;
	int rc = cached(inv, key, &all, err);
	free(key);
	if (rc < 0)
		return NULL;
	size_t i;
	const json_t *o;
	json_array_foreach(all, i, o) {
		const json_t *meta = json_object_get(o, "metadata");
		const char *n = json_string_value(json_object_get(meta, "name"));
		if (n != NULL && strcmp(n, name) == 0 && fixture_selected(o, ns, NULL))
			return o;
	}
	kube_error_set(err, 404, "NotFound", "%s \"%s\" not found", r->resource, name);
	return NULL;
}

const json_t *inventory_get(struct inventory *inv, const char *group, const char *version,
			    const char *resource, const char *ns, const char *name,
			    struct kube_error *err)
{
	pthread_mutex_lock(&inv->lock);
	const struct kube_resource *r = kube_discovery_find(&inv->disc, group, version, resource);
	if (r == NULL || inv->client == NULL) {
		const json_t *o = r ? fixture_get(inv, r, ns, name, err) : NULL;
		if (r == NULL)
			kube_error_set(err, 404, "NotFound", "%s is not served", resource);
		pthread_mutex_unlock(&inv->lock);
		return o;
	}
	char *path = kube_resource_path(r, r->namespaced ? ns : NULL, name);
	const json_t *out = NULL;
	int hit = cached(inv, path, &out, err);
	pthread_mutex_unlock(&inv->lock);
	if (hit != 0) {
		free(path);
		return hit > 0 ? out : NULL;
	}
	/* not deduplicated like lists: two checks asking at once cost one extra GET */
	json_t *obj = NULL;
	int rc = kube_get(inv->client, path, &obj, err);
	pthread_mutex_lock(&inv->lock);
	inv->requests++;
	if (cached(inv, path, &out, err) == 0) {
		if (rc == 0) {
			json_object_set_new(inv->lists, path, obj);
			out = obj;
			obj = NULL;
		} else {
			json_object_set_new(inv->errors, path, error_to_json(err));
		}
	}
	pthread_mutex_unlock(&inv->lock);
	json_decref(obj);
	free(path);
	return rc == 0 ? out : NULL;
}

int inventory_proxy_get(struct inventory *inv, const char *path, const char **body, size_t *len,
			struct kube_error *err)
{
	pthread_mutex_lock(&inv->lock);
	json_t *hit = json_object_get(inv->proxy, path);
	json_t *e = json_object_get(inv->errors, path);
	if (hit != NULL || e != NULL || inv->client == NULL) {
		int rc = 0;
		if (hit != NULL) {
			*body = json_string_value(hit);
			*len = json_string_length(hit);
		} else if (e != NULL) {
			error_from_json(err, e);
			rc = -1;
		} else {
			kube_error_set(err, 404, "NotFound", "no proxy answer for %s", path);
			rc = -1;
		}
		pthread_mutex_unlock(&inv->lock);
		return rc;
	}
	pthread_mutex_unlock(&inv->lock);

	char *data = NULL;
	size_t n = 0;
	int rc = kube_proxy_get(inv->client, path, &data, &n, err);

	pthread_mutex_lock(&inv->lock);
	inv->requests++;
	if (rc == 0) {
		json_object_set_new(inv->proxy, path, json_stringn_nocheck(data, n));
		hit = json_object_get(inv->proxy, path);
		*body = json_string_value(hit);
		*len = json_string_length(hit);
	} else
		json_object_set_new(inv->errors, path, error_to_json(err));
	pthread_mutex_unlock(&inv->lock);
	free(data);
	return rc;
}

unsigned inventory_requests(struct inventory *inv)
{
	pthread_mutex_lock(&inv->lock);
	unsigned n = inv->requests;
	pthread_mutex_unlock(&inv->lock);
	return n;
}
