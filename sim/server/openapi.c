/* openapi.c: /openapi/v3 for kaic-sim: the index and the documents of a directory laid
 * out like the server's own (api/v1.json, apis/GROUP/VERSION.json), or, without one,
 * minimal documents generated from discovery: one PATCH operation per resource with its
 * group-version-kind and the fieldValidation parameter, which is what kubectl looks for
 * before it lets the server validate fields. */

#include "server/openapi.h"

#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api.h"
#include "base/status.h"
#include "rest/watch.h"
#include "sim.h"
#include "util/buf.h"
#include "util/dirwalk.h"
#include "util/xmalloc.h"

#define OPENAPI_PREFIX "/openapi/v3"

struct sim_openapi_doc {
	char *key;  /* "api/v1", "apis/apps/v1" */
	char *file; /* absolute file */
};

struct sim_openapi {
	struct sim_openapi_doc *docs; /* none: generated from discovery */
	size_t ndocs;
	char *index; /* JSON of the index of the files */
};

static char *hash_hex(const void *data, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	struct buf b = BUF_INIT;

	buf_init(&b);
	if (EVP_Digest(data, len, md, &n, EVP_sha512(), NULL) != 1)
		n = 0;
	for (unsigned int i = 0; i < n; i++)
		buf_addf(&b, "%02X", md[i]);
	return buf_detach(&b, NULL);
}

static int read_all(const char *path, struct buf *out, char **cause)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;

	if (!f) {
		*cause = xasprintf("cannot read \"%s\": %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(out, chunk, n);
	fclose(f);
	return 0;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const struct sim_openapi_doc *)a)->key,
		      ((const struct sim_openapi_doc *)b)->key);
}

/* Adds a *.json file met by the walk to o (a dirwalk_fn). */
static int add_doc(const struct dirwalk_entry *e, void *arg, char **cause)
{
	struct sim_openapi *o = arg;
	size_t len = strlen(e->name);
	(void)cause;
	if ((e->st == NULL || !S_ISDIR(e->st->st_mode)) && len > 5 &&
	    strcmp(e->name + len - 5, ".json") == 0) {
		o->docs = xreallocarray(o->docs, o->ndocs + 1, sizeof(*o->docs));
		o->docs[o->ndocs].key = xstrndup(e->rel, strlen(e->rel) - 5);
		o->docs[o->ndocs].file = xstrdup(e->path);
		o->ndocs++;
	}
	return DIRWALK_NEXT;
}

/* Adds key's entry, pointing at the document text with its hash, to an index. */
static void index_add(json_t *paths, const char *key, const struct buf *text)
{
	char *hash = hash_hex(text->data, text->len);
	char *url = xasprintf(OPENAPI_PREFIX "/%s?hash=%s", key, hash);

	json_object_set_new(paths, key, json_pack("{s:s}", "serverRelativeURL", url));
	free(url);
	free(hash);
}

static int build_index(struct sim_openapi *o, char **cause)
{
	json_t *paths = json_object(), *index = json_object();
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < o->ndocs; i++) {
		struct sim_openapi_doc *d = &o->docs[i];
		struct buf text = BUF_INIT;

		buf_init(&text);
		rc = read_all(d->file, &text, cause);
		if (rc == 0)
			index_add(paths, d->key, &text);
		buf_release(&text);
	}
	json_object_set_new(index, "paths", paths);
	o->index = json_dumps(index, JSON_COMPACT);
	json_decref(index);
	return rc;
}

struct sim_openapi *sim_openapi_load(const char *dir, char **cause)
{
	struct sim_openapi *o = xcalloc(1, sizeof(*o));

	if (!dir)
		return o;
	if (dirwalk(dir, add_doc, o, cause) < 0)
		goto fail;
	if (o->ndocs == 0) {
		*cause = xasprintf("\"%s\" holds no OpenAPI documents (*.json)", dir);
		goto fail;
	}
	qsort(o->docs, o->ndocs, sizeof(*o->docs), by_key);
	if (build_index(o, cause) < 0)
		goto fail;
	return o;
fail:
	sim_openapi_free(o);
	return NULL;
}

void sim_openapi_free(struct sim_openapi *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->ndocs; i++) {
		free(o->docs[i].key);
		free(o->docs[i].file);
	}
	free(o->docs);
	free(o->index);
	free(o);
}

static void set_body(struct sim_response *resp, char *body, size_t len)
{
	resp->status = 200;
	resp->content_type = xstrdup("application/json");
	resp->body = body;
	resp->len = len;
}

/* ---- documents generated from discovery ---- */

/* GET path from the API as the server itself; a new JSON value or NULL. */
static json_t *api_get(struct sim_api *api, const char *path)
{
	const char *groups[] = {"system:masters", NULL};
	struct sim_identity internal = {"system:apiserver", groups};
	struct sim_request req = {0};
	struct sim_response resp = {0};
	json_t *v = NULL;

	req.method = "GET";
	req.path = path;
	req.query = json_object();
	req.accept = "application/json";
	req.who = &internal;
	sim_api_handle(api, &req, &resp);
	if (resp.status == 200 && resp.body)
		v = json_loadb(resp.body, resp.len, 0, NULL);
	if (resp.watch)
		sim_watch_free(resp.watch);
	resp.watch = NULL;
	sim_response_release(&resp);
	json_decref(req.query);
	return v;
}

/* "api/v1", "apis/apps/v1", ... as discovery lists them. */
static json_t *served_keys(struct sim_api *api)
{
	json_t *keys = json_array(), *core = api_get(api, "/api"), *groups = api_get(api, "/apis");
	json_t *v, *g, *gv;
	size_t i, j;

	json_array_foreach(json_object_get(core, "versions"), i, v) {
		if (json_is_string(v))
			json_array_append_new(keys, json_sprintf("api/%s", json_string_value(v)));
	}
	json_array_foreach(json_object_get(groups, "groups"), i, g) {
		json_array_foreach(json_object_get(g, "versions"), j, gv) {
			const char *s = json_string_value(json_object_get(gv, "groupVersion"));

			if (s)
				json_array_append_new(keys, json_sprintf("apis/%s", s));
		}
	}
	json_decref(core);
	json_decref(groups);
	return keys;
}

static json_t *patch_path(const char *group, const char *version, const json_t *res)
{
	const char *kind = json_string_value(json_object_get(res, "kind"));
	json_t *param = json_pack("{s:s, s:s, s:{s:s, s:b}}", "name", "fieldValidation", "in",
				  "query", "schema", "type", "string", "uniqueItems", 1);
	json_t *op =
	    json_pack("{s:s, s:[o], s:{s:{s:s}}, s:s, s:{s:s, s:s, s:s}}", "operationId", "patch",
		      "parameters", param, "responses", "200", "description", "OK",
		      "x-kubernetes-action", "patch", "x-kubernetes-group-version-kind", "group",
		      group, "version", version, "kind", kind ? kind : "");

	return json_pack("{s:o}", "patch", op);
}

/* A minimal OpenAPI v3 document for one group version, or NULL if it is not served. */
static char *generated_doc(struct sim_api *api, const char *key, size_t *len)
{
	char *path = xasprintf("/%s", key);
	json_t *list = api_get(api, path), *paths, *doc, *res;
	const char *gv = json_string_value(json_object_get(list, "groupVersion"));
	const char *slash = gv ? strchr(gv, '/') : NULL;
	char *group = slash ? xstrndup(gv, (size_t)(slash - gv)) : xstrdup("");
	const char *version = slash ? slash + 1 : gv;
	char *out = NULL;
	size_t i;

	free(path);
	if (!list || !gv) {
		json_decref(list);
		free(group);
		return NULL;
	}
	paths = json_object();
	json_array_foreach(json_object_get(list, "resources"), i, res) {
		const char *name = json_string_value(json_object_get(res, "name"));
		bool ns = json_is_true(json_object_get(res, "namespaced"));
		char *p;

		if (!name || strchr(name, '/'))
			continue;
		p = xasprintf("/%s/%s%s/{name}", key, ns ? "namespaces/{namespace}/" : "", name);
		json_object_set_new(paths, p, patch_path(group, version, res));
		free(p);
	}
	doc = json_pack("{s:s, s:{s:s, s:s}, s:o, s:{s:{}}}", "openapi", "3.0.0", "info", "title",
			"Kubernetes", "version", "unversioned", "paths", paths, "components",
			"schemas");
	out = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	*len = strlen(out);
	json_decref(doc);
	json_decref(list);
	free(group);
	return out;
}

static char *generated_index(struct sim_api *api, size_t *len)
{
	json_t *keys = served_keys(api), *paths = json_object(), *index, *k;
	char *out;
	size_t i;

	json_array_foreach(keys, i, k) {
		size_t n = 0;
		char *doc = generated_doc(api, json_string_value(k), &n);
		struct buf text = {doc, n, n + 1};

		if (doc)
			index_add(paths, json_string_value(k), &text);
		free(doc);
	}
	index = json_pack("{s:o}", "paths", paths);
	out = json_dumps(index, JSON_COMPACT);
	*len = strlen(out);
	json_decref(index);
	json_decref(keys);
	return out;
}

void sim_openapi_handle(const struct sim_openapi *o, struct sim_api *api, const char *path,
			struct sim_response *resp)
{
	const char *rest;
	char *doc;
	size_t len = 0;

	if (!o || strncmp(path, OPENAPI_PREFIX, strlen(OPENAPI_PREFIX)) != 0)
		goto notfound;
	rest = path + strlen(OPENAPI_PREFIX);
	if (*rest == '\0' || strcmp(rest, "/") == 0) {
		if (o->ndocs)
			set_body(resp, xstrdup(o->index), strlen(o->index));
		else if (api && (doc = generated_index(api, &len)) != NULL)
			set_body(resp, doc, len);
		else
			goto notfound;
		return;
	}
	if (*rest != '/')
		goto notfound;
	rest++;
	for (size_t i = 0; i < o->ndocs; i++) {
		const struct sim_openapi_doc *d = &o->docs[i];
		struct buf text = BUF_INIT;
		char *cause = NULL;

		if (strcmp(d->key, rest) != 0)
			continue;
		buf_init(&text);
		if (read_all(d->file, &text, &cause) < 0) {
			sim_status_error(resp, 500, "InternalError", NULL, NULL, NULL, "%s", cause);
			free(cause);
			buf_release(&text);
			return;
		}
		doc = buf_detach(&text, &len);
		set_body(resp, doc, len);
		return;
	}
	if (!o->ndocs && api && (strncmp(rest, "api/", 4) == 0 || strncmp(rest, "apis/", 5) == 0) &&
	    (doc = generated_doc(api, rest, &len)) != NULL) {
		set_body(resp, doc, len);
		return;
	}
notfound:
	sim_status_error(resp, 404, "NotFound", NULL, NULL, NULL,
			 "the server could not find the requested resource");
}
