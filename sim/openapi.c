/* openapi.c: /openapi/v3 for kaic-sim: the index and the documents of a directory laid
 * out like the server's own (api/v1.json, apis/GROUP/VERSION.json), or a minimal built-in
 * document that tells kubectl the server validates fields itself. */
#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "server.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#define OPENAPI_PREFIX "/openapi/v3"

struct sim_openapi_doc {
	char *key;  /* "api/v1", "apis/apps/v1" */
	char *file; /* absolute file, or NULL for built-in text */
	char *text; /* built-in document */
};

struct sim_openapi {
	struct sim_openapi_doc *docs;
	size_t ndocs;
	char *index; /* JSON of the index */
};

/* A built-in document: the CRD PATCH operation with fieldValidation is what kubectl's
 * field-validation check looks for, for CRDs and for every group not listed. */
static const char builtin_crd_doc[] =
    "{\"openapi\":\"3.0.0\",\"info\":{\"title\":\"Kubernetes\",\"version\":\"unversioned\"},"
    "\"paths\":{\"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}\":{"
    "\"parameters\":[{\"name\":\"name\",\"in\":\"path\",\"required\":true,"
    "\"schema\":{\"type\":\"string\",\"uniqueItems\":true}}],"
    "\"patch\":{\"tags\":[\"apiextensions_v1\"],"
    "\"operationId\":\"patchApiextensionsV1CustomResourceDefinition\","
    "\"parameters\":[{\"name\":\"fieldValidation\",\"in\":\"query\","
    "\"schema\":{\"type\":\"string\",\"uniqueItems\":true}}],"
    "\"responses\":{\"200\":{\"description\":\"OK\"}},"
    "\"x-kubernetes-action\":\"patch\","
    "\"x-kubernetes-group-version-kind\":{\"group\":\"apiextensions.k8s.io\","
    "\"version\":\"v1\",\"kind\":\"CustomResourceDefinition\"}}}},"
    "\"components\":{\"schemas\":{}}}";

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

/* Adds every *.json under dir/rel to o. */
static int walk(struct sim_openapi *o, const char *dir, const char *rel, char **cause)
{
	char *path = *rel ? xasprintf("%s/%s", dir, rel) : xstrdup(dir);
	DIR *d = opendir(path);
	struct dirent *e;
	int rc = 0;

	if (!d) {
		*cause = xasprintf("cannot read \"%s\": %s", path, strerror(errno));
		free(path);
		return -1;
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char *sub, *full;
		struct stat st;
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.')
			continue;
		sub = *rel ? xasprintf("%s/%s", rel, e->d_name) : xstrdup(e->d_name);
		full = xasprintf("%s/%s", dir, sub);
		if (stat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
			rc = walk(o, dir, sub, cause);
		} else if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0) {
			o->docs = xreallocarray(o->docs, o->ndocs + 1, sizeof(*o->docs));
			o->docs[o->ndocs].key = xstrndup(sub, strlen(sub) - 5);
			o->docs[o->ndocs].file = xstrdup(full);
			o->docs[o->ndocs].text = NULL;
			o->ndocs++;
		}
		free(full);
		free(sub);
	}
	closedir(d);
	free(path);
	return rc;
}

static int build_index(struct sim_openapi *o, char **cause)
{
	json_t *paths = json_object(), *index = json_object();
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < o->ndocs; i++) {
		struct sim_openapi_doc *d = &o->docs[i];
		struct buf text = BUF_INIT;
		char *hash, *url;

		buf_init(&text);
		if (d->file)
			rc = read_all(d->file, &text, cause);
		else
			buf_adds(&text, d->text);
		if (rc == 0) {
			hash = hash_hex(text.data, text.len);
			url = xasprintf(OPENAPI_PREFIX "/%s?hash=%s", d->key, hash);
			json_object_set_new(paths, d->key,
					    json_pack("{s:s}", "serverRelativeURL", url));
			free(url);
			free(hash);
		}
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

	if (dir) {
		if (walk(o, dir, "", cause) < 0)
			goto fail;
		if (o->ndocs == 0) {
			*cause = xasprintf("\"%s\" holds no OpenAPI documents (*.json)", dir);
			goto fail;
		}
		qsort(o->docs, o->ndocs, sizeof(*o->docs), by_key);
	} else {
		o->docs = xcalloc(1, sizeof(*o->docs));
		o->docs[0].key = xstrdup("apis/apiextensions.k8s.io/v1");
		o->docs[0].text = xstrdup(builtin_crd_doc);
		o->ndocs = 1;
	}
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
		free(o->docs[i].text);
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

void sim_openapi_handle(const struct sim_openapi *o, const char *path, struct sim_response *resp)
{
	const char *rest;

	if (!o || strncmp(path, OPENAPI_PREFIX, strlen(OPENAPI_PREFIX)) != 0)
		goto notfound;
	rest = path + strlen(OPENAPI_PREFIX);
	if (*rest == '\0' || strcmp(rest, "/") == 0) {
		set_body(resp, xstrdup(o->index), strlen(o->index));
		return;
	}
	if (*rest != '/')
		goto notfound;
	rest++;
	for (size_t i = 0; i < o->ndocs; i++) {
		const struct sim_openapi_doc *d = &o->docs[i];
		struct buf text = BUF_INIT;
		char *cause = NULL;
		size_t len;

		if (strcmp(d->key, rest) != 0)
			continue;
		buf_init(&text);
		if (d->file && read_all(d->file, &text, &cause) < 0) {
			sim_status_error(resp, 500, "InternalError", NULL, NULL, NULL, "%s", cause);
			free(cause);
			buf_release(&text);
			return;
		}
		if (!d->file)
			buf_adds(&text, d->text);
		set_body(resp, buf_detach(&text, &len), len);
		return;
	}
notfound:
	sim_status_error(resp, 404, "NotFound", NULL, NULL, NULL,
			 "the server could not find the requested resource");
}
