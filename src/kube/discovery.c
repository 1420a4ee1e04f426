/* discovery.c: API discovery: aggregated (apidiscovery.k8s.io/v2, /api and /apis in two
 * requests) with a fallback to legacy discovery (/api, /apis, then every group version,
 * fetched in parallel); lookups and resource paths. */
#include "kube/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/xmalloc.h"

#define ACCEPT_AGGREGATED                                                                          \
	"application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"                    \
	"application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"               \
	"application/json"
#define LEGACY_WORKERS 4
/* Legacy discovery costs a request per group version: real clusters serve tens to a few
 * hundred; a server naming more than this is refused rather than walked. */
#define LEGACY_MAX_GROUP_VERSIONS 1000

/* ---- building the list ---- */

static unsigned verb_bits(const json_t *verbs)
{
	static const struct {
		const char *name;
		unsigned bit;
	} t[] = {{"get", KUBE_VERB_GET},       {"list", KUBE_VERB_LIST},
		 {"watch", KUBE_VERB_WATCH},   {"create", KUBE_VERB_CREATE},
		 {"update", KUBE_VERB_UPDATE}, {"patch", KUBE_VERB_PATCH},
		 {"delete", KUBE_VERB_DELETE}, {"deletecollection", KUBE_VERB_DELETECOLLECTION}};
	unsigned bits = 0;
	size_t i;
	json_t *v;
	json_array_foreach(verbs, i, v) {
		const char *s = json_string_value(v);
		for (size_t k = 0; s && k < sizeof(t) / sizeof(t[0]); k++)
			if (strcmp(s, t[k].name) == 0)
				bits |= t[k].bit;
	}
	return bits;
}

static char **short_names(const json_t *arr)
{
	size_t n = 0, i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		if (json_is_string(v))
			n++;
	}
	if (n == 0)
		return NULL;
	char **out = xcalloc(n + 1, sizeof(char *));
	n = 0;
	json_array_foreach(arr, i, v) {
		if (json_is_string(v))
			out[n++] = xstrdup(json_string_value(v));
	}
	return out;
}

static struct kube_resource *disc_add(struct kube_discovery *d)
{
	/* capacity grows in powers of two */
	if (d->n == 0 || (d->n >= 16 && (d->n & (d->n - 1)) == 0))
		d->items = xreallocarray(d->items, d->n < 16 ? 16 : d->n * 2, sizeof(*d->items));
	struct kube_resource *r = &d->items[d->n++];
	memset(r, 0, sizeof(*r));
	return r;
}

static void resource_release(struct kube_resource *r)
{
	free(r->group);
	free(r->version);
	free(r->resource);
	free(r->kind);
	for (size_t i = 0; r->short_names && r->short_names[i]; i++)
		free(r->short_names[i]);
	free(r->short_names);
}

static void disc_append(struct kube_discovery *d, struct kube_discovery *from)
{
	for (size_t i = 0; i < from->n; i++)
		*disc_add(d) = from->items[i];
	free(from->items);
	from->items = NULL;
	from->n = 0;
}

void kube_discovery_release(struct kube_discovery *d)
{
	for (size_t i = 0; i < d->n; i++)
		resource_release(&d->items[i]);
	free(d->items);
	memset(d, 0, sizeof(*d));
}

static json_t *load(const char *body, size_t len, const char *what, char **cause)
{
	json_error_t je;
	json_t *doc = json_loadb(body ? body : "", len, 0, &je);
	if (doc == NULL) {
		*cause = xasprintf("invalid JSON in %s: line %d: %s", what, je.line, je.text);
		return NULL;
	}
	if (!json_is_object(doc)) {
		*cause = xasprintf("invalid %s: not an object", what);
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* ---- parsers ---- */

bool kube_discovery_is_aggregated(const char *content_type)
{
	return content_type && strcasestr(content_type, "as=APIGroupDiscoveryList") != NULL;
}

static void agg_version(struct kube_discovery *d, const char *group, const json_t *ver,
			bool preferred)
{
	const char *version = json_string_value(json_object_get(ver, "version"));
	if (version == NULL)
		return;
	size_t i;
	json_t *res;
	json_array_foreach(json_object_get(ver, "resources"), i, res) {
		const char *name = json_string_value(json_object_get(res, "resource"));
		if (name == NULL || *name == '\0' || strchr(name, '/'))
			continue;
		const char *kind = json_string_value(
		    json_object_get(json_object_get(res, "responseKind"), "kind"));
		const char *scope = json_string_value(json_object_get(res, "scope"));
		struct kube_resource *r = disc_add(d);
		r->group = xstrdup(group);
		r->version = xstrdup(version);
		r->resource = xstrdup(name);
		r->kind = xstrdup(kind ? kind : "");
		r->namespaced = scope && strcmp(scope, "Namespaced") == 0;
		r->preferred = preferred;
		r->verbs = verb_bits(json_object_get(res, "verbs"));
		r->short_names = short_names(json_object_get(res, "shortNames"));
	}
}

int kube_discovery_parse_aggregated(struct kube_discovery *d, const char *body, size_t len,
				    char **cause)
{
	json_t *doc = load(body, len, "APIGroupDiscoveryList", cause);
	if (doc == NULL)
		return -1;
	json_t *items = json_object_get(doc, "items");
	if (!json_is_array(items)) {
		*cause = xstrdup("invalid APIGroupDiscoveryList: no items");
		json_decref(doc);
		return -1;
	}
	size_t i;
	json_t *g;
	json_array_foreach(items, i, g) {
		const char *group =
		    json_string_value(json_object_get(json_object_get(g, "metadata"), "name"));
		size_t k;
		json_t *ver;
		json_array_foreach(json_object_get(g, "versions"), k, ver) {
			agg_version(d, group ? group : "", ver, k == 0);
		}
	}
	json_decref(doc);
	return 0;
}

int kube_discovery_parse_versions(const char *body, size_t len, json_t **versions, char **cause)
{
	json_t *doc = load(body, len, "APIVersions", cause);
	if (doc == NULL)
		return -1;
	json_t *vs = json_object_get(doc, "versions");
	if (!json_is_array(vs)) {
		*cause = xstrdup("invalid APIVersions: no versions");
		json_decref(doc);
		return -1;
	}
	*versions = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(vs, i, v) {
		if (json_is_string(v) && *json_string_value(v))
			json_array_append(*versions, v);
	}
	json_decref(doc);
	return 0;
}

static json_t *gv(const char *group, const char *version, bool preferred)
{
	return json_pack("{s:s, s:s, s:b}", "group", group, "version", version, "preferred",
			 preferred);
}

int kube_discovery_parse_groups(const char *body, size_t len, json_t **gvs, char **cause)
{
	json_t *doc = load(body, len, "APIGroupList", cause);
	if (doc == NULL)
		return -1;
	json_t *groups = json_object_get(doc, "groups");
	if (!json_is_array(groups)) {
		*cause = xstrdup("invalid APIGroupList: no groups");
		json_decref(doc);
		return -1;
	}
	*gvs = json_array();
	size_t i;
	json_t *g;
	json_array_foreach(groups, i, g) {
		const char *name = json_string_value(json_object_get(g, "name"));
		json_t *versions = json_object_get(g, "versions");
		const char *pref = json_string_value(
		    json_object_get(json_object_get(g, "preferredVersion"), "version"));
		if (name == NULL || *name == '\0' || !json_is_array(versions))
			continue;
		size_t k;
		json_t *v;
		if (pref == NULL) /* none named: the first one is preferred */
			pref = json_string_value(
			    json_object_get(json_array_get(versions, 0), "version"));
		if (pref)
			json_array_append_new(*gvs, gv(name, pref, true));
		json_array_foreach(versions, k, v) {
			const char *ver = json_string_value(json_object_get(v, "version"));
			if (ver && *ver && (pref == NULL || strcmp(ver, pref) != 0))
				json_array_append_new(*gvs, gv(name, ver, false));
		}
	}
	json_decref(doc);
	return 0;
}

int kube_discovery_parse_resources(struct kube_discovery *d, const char *group, const char *version,
				   bool preferred, const char *body, size_t len, char **cause)
{
	json_t *doc = load(body, len, "APIResourceList", cause);
	if (doc == NULL)
		return -1;
	json_t *list = json_object_get(doc, "resources");
	if (list != NULL && !json_is_array(list)) {
		*cause = xstrdup("invalid APIResourceList: resources is not a list");
		json_decref(doc);
		return -1;
	}
	size_t i;
	json_t *res;
	json_array_foreach(list, i, res) {
		const char *name = json_string_value(json_object_get(res, "name"));
		if (name == NULL || *name == '\0' || strchr(name, '/'))
			continue;
		const char *kind = json_string_value(json_object_get(res, "kind"));
		struct kube_resource *r = disc_add(d);
		r->group = xstrdup(group);
		r->version = xstrdup(version);
		r->resource = xstrdup(name);
		r->kind = xstrdup(kind ? kind : "");
		r->namespaced = json_is_true(json_object_get(res, "namespaced"));
		r->preferred = preferred;
		r->verbs = verb_bits(json_object_get(res, "verbs"));
		r->short_names = short_names(json_object_get(res, "shortNames"));
	}
	json_decref(doc);
	return 0;
}

/* ---- fetching ---- */

/* GETs path; a non-2xx answer becomes err. */
static int fetch(struct kube_client *c, const char *path, const char *accept, struct kube_resp *r,
		 struct kube_error *err)
{
	struct kube_req req = {.method = "GET", .path = path, .accept = accept};
	if (kube_request(c, &req, r, err) != 0)
		return -1;
	if (r->code >= 200 && r->code <= 299)
		return 0;
	kube_status_decode(r->code, path, r->body, r->len, err);
	kube_resp_release(r);
	return -1;
}

static int parse_err(const char *path, char *cause, struct kube_error *err)
{
	kube_error_set(err, 200, "InvalidJSON", "invalid JSON from \"%s\": %s", path, cause);
	free(cause);
	return -1;
}

struct legacy_job {
	struct kube_client *c;
	const char *group;
	const char *version;
	bool preferred;
	struct kube_discovery d;
	struct kube_error err;
	int rc;
};

struct legacy_pool {
	struct legacy_job *jobs;
	size_t n;
	size_t next;
	pthread_mutex_t lock;
};

static void legacy_one(struct legacy_job *j)
{
	char *path = *j->group ? xasprintf("/apis/%s/%s", j->group, j->version)
			       : xasprintf("/api/%s", j->version);
	struct kube_resp r;
	j->rc = fetch(j->c, path, "application/json", &r, &j->err);
	if (j->rc == 0) {
		char *cause = NULL;
		j->rc = kube_discovery_parse_resources(&j->d, j->group, j->version, j->preferred,
						       r.body, r.len, &cause);
		if (j->rc != 0)
			parse_err(path, cause, &j->err);
		kube_resp_release(&r);
	}
	free(path);
}

static void *legacy_worker(void *arg)
{
	struct legacy_pool *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->lock);
		size_t i = p->next < p->n ? p->next++ : p->n;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->n)
			return NULL;
		legacy_one(&p->jobs[i]);
	}
}

/* Fetches every group version of gvs in parallel and appends them in order. A group
 * version that answers with an HTTP error (an unavailable aggregated API) is skipped
 * with a warning, as kubectl does; transport errors fail. */
static int legacy_fetch_all(struct kube_client *c, struct kube_discovery *d, const json_t *gvs,
			    struct kube_error *err)
{
	struct legacy_pool p = {.n = json_array_size(gvs)};
	p.jobs = xcalloc(p.n ? p.n : 1, sizeof(*p.jobs));
	pthread_mutex_init(&p.lock, NULL);
	for (size_t i = 0; i < p.n; i++) {
		json_t *g = json_array_get(gvs, i);
		p.jobs[i] =
		    (struct legacy_job){.c = c,
					.group = json_string_value(json_object_get(g, "group")),
					.version = json_string_value(json_object_get(g, "version")),
					.preferred = json_is_true(json_object_get(g, "preferred"))};
	}
	pthread_t tids[LEGACY_WORKERS];
	size_t nt = 0;
	for (; nt < LEGACY_WORKERS && nt < p.n; nt++)
		if (pthread_create(&tids[nt], NULL, legacy_worker, &p) != 0)
			break;
	legacy_worker(&p); /* this thread works too, so none started is fine */
	for (size_t i = 0; i < nt; i++)
		pthread_join(tids[i], NULL);
	int rc = 0;
	for (size_t i = 0; i < p.n; i++) {
		struct legacy_job *j = &p.jobs[i];
		d->requests++;
		if (j->rc != 0 && rc == 0 && (j->err.http_code == 0 || *j->group == '\0')) {
			*err = j->err;
			rc = -1;
		} else if (j->rc != 0 && j->err.http_code != 0) {
			log_warn("discovery of %s/%s skipped: %s", j->group, j->version,
				 j->err.message);
		}
		disc_append(d, &j->d);
		kube_discovery_release(&j->d);
	}
	pthread_mutex_destroy(&p.lock);
	free(p.jobs);
	return rc;
}

/* Legacy discovery of the core group from /api's APIVersions body. */
static int legacy_core(const struct kube_resp *r, json_t *gvs, struct kube_error *err)
{
	json_t *versions = NULL;
	char *cause = NULL;
	if (kube_discovery_parse_versions(r->body, r->len, &versions, &cause) != 0)
		return parse_err("/api", cause, err);
	size_t i;
	json_t *v;
	json_array_foreach(versions, i, v) {
		json_array_append_new(gvs, gv("", json_string_value(v), i == 0));
	}
	json_decref(versions);
	return 0;
}

/* Handles one of /api and /apis: aggregated bodies are parsed now, legacy ones add the
 * group versions to fetch to gvs. */
static int discover_root(struct kube_client *c, struct kube_discovery *d, const char *path,
			 json_t *gvs, bool *aggregated, struct kube_error *err)
{
	struct kube_resp r;
	char *cause = NULL;
	d->requests++;
	if (fetch(c, path, ACCEPT_AGGREGATED, &r, err) != 0)
		return -1;
	int rc = 0;
	if (kube_discovery_is_aggregated(r.content_type)) {
		if (kube_discovery_parse_aggregated(d, r.body, r.len, &cause) != 0)
			rc = parse_err(path, cause, err);
	} else {
		*aggregated = false;
		if (strcmp(path, "/api") == 0)
			rc = legacy_core(&r, gvs, err);
		else {
			json_t *groups = NULL;
			if (kube_discovery_parse_groups(r.body, r.len, &groups, &cause) != 0)
				rc = parse_err(path, cause, err);
			else
				json_array_extend(gvs, groups);
			json_decref(groups);
		}
	}
	kube_resp_release(&r);
	return rc;
}

int kube_discover(struct kube_client *c, struct kube_discovery *d, struct kube_error *err)
{
	memset(d, 0, sizeof(*d));
	bool aggregated = true;
	json_t *gvs = json_array();
	int rc = discover_root(c, d, "/api", gvs, &aggregated, err);
	if (rc == 0)
		rc = discover_root(c, d, "/apis", gvs, &aggregated, err);
	if (rc == 0 && json_array_size(gvs) > LEGACY_MAX_GROUP_VERSIONS) {
		kube_error_set(err, 0, "TooManyGroups",
			       "legacy discovery names %zu API group versions, more than the %d "
			       "kaic fetches one by one",
			       json_array_size(gvs), LEGACY_MAX_GROUP_VERSIONS);
		rc = -1;
	}
	if (rc == 0 && json_array_size(gvs) > 0)
		rc = legacy_fetch_all(c, d, gvs, err);
	json_decref(gvs);
	d->aggregated = aggregated;
	if (rc != 0) {
		unsigned n = d->requests;
		kube_discovery_release(d);
		d->requests = n;
	}
	return rc;
}

/* ---- lookups ---- */

const struct kube_resource *kube_discovery_find(const struct kube_discovery *d, const char *group,
						const char *version, const char *resource)
{
	const struct kube_resource *any = NULL;
	if (group == NULL)
		group = "";
	for (size_t i = 0; i < d->n; i++) {
		const struct kube_resource *r = &d->items[i];
		if (strcmp(r->group, group) != 0 || strcmp(r->resource, resource) != 0)
			continue;
		if (version != NULL) {
			if (strcmp(r->version, version) == 0)
				return r;
			continue;
		}
		if (r->preferred)
			return r;
		if (any == NULL)
			any = r;
	}
	return any;
}

bool kube_discovery_has_group(const struct kube_discovery *d, const char *group)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->items[i].group, group ? group : "") == 0)
			return true;
	return false;
}

char *kube_path(const char *group, const char *version, const char *resource, const char *ns,
		const char *name)
{
	struct buf b = BUF_INIT;
	buf_init(&b);
	if (group == NULL || *group == '\0')
		buf_addf(&b, "/api/%s", version);
	else
		buf_addf(&b, "/apis/%s/%s", group, version);
	if (ns && *ns)
		buf_addf(&b, "/namespaces/%s", ns);
	buf_addf(&b, "/%s", resource);
	if (name && *name)
		buf_addf(&b, "/%s", name);
	return buf_detach(&b, NULL);
}

char *kube_resource_path(const struct kube_resource *r, const char *ns, const char *name)
{
	return kube_path(r->group, r->version, r->resource, r->namespaced ? ns : NULL, name);
}
