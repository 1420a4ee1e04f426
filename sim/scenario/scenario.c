/* scenario.c: loads a kaic-sim scenario: DIR/scenario.yaml (behaviour settings) and every
 * manifest under DIR (YAML or JSON, multi-document, kind List), CRDs first, then
 * Namespaces, then everything else. */

#include "scenario/scenario.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "objects/admin.h"
#include "scenario/large.h"
#include "sim.h"
#include "util/buf.h"
#include "util/dirwalk.h"
#include "util/xmalloc.h"
#include "util/yaml.h"

static const char *const default_dra_versions[] = {"v1", "v1beta2", "v1beta1", NULL};

static char **strv_dup(const char *const *src)
{
	size_t n = 0;
	char **v;

	while (src[n])
		n++;
	v = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		v[i] = xstrdup(src[i]);
	return v;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void sim_settings_defaults(struct sim_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->version = xstrdup("v1.34.1");
	s->resource_versions = strv_dup(default_dra_versions);
	s->faults.retry_after_s = 1;
	s->seed = 1;
}

/* A NULL-terminated copy of an array of strings; -1 if v is not one. */
static int strings(const json_t *v, char ***out)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return -1;
	*out = xcalloc(json_array_size(v) + 1, sizeof(char *));
	json_array_foreach(v, i, e) {
		if (!json_is_string(e)) {
			strv_free(*out);
			*out = NULL;
			return -1;
		}
		(*out)[i] = xstrdup(json_string_value(e));
	}
	return 0;
}

static int need_string(const json_t *v, const char *what, char **out, char **cause)
{
	if (!json_is_string(v)) {
		*cause = xasprintf("%s: want a string", what);
		return -1;
	}
	free(*out);
	*out = xstrdup(json_string_value(v));
	return 0;
}

static int need_number(const json_t *v, const char *what, double lo, double hi, double *out,
		       char **cause)
{
	if (!json_is_number(v) || json_number_value(v) < lo || json_number_value(v) > hi) {
		*cause = xasprintf("%s: want a number from %g to %g", what, lo, hi);
		return -1;
	}
	*out = json_number_value(v);
	return 0;
}

static int parse_tokens(const json_t *v, struct sim_settings *s, char **cause)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v)) {
		*cause = xstrdup("tokens: want a list");
		return -1;
	}
	s->tokens = xcalloc(json_array_size(v) + 1, sizeof(*s->tokens));
	json_array_foreach(v, i, e) {
		struct sim_token *t = &s->tokens[i];
		const json_t *groups = json_object_get(e, "groups");

		s->ntokens = i + 1;
		if (!json_is_string(json_object_get(e, "token")) ||
		    !*json_string_value(json_object_get(e, "token")) ||
		    !json_is_string(json_object_get(e, "user"))) {
			*cause = xasprintf("tokens[%zu]: want token and user strings", i);
			return -1;
		}
		t->token = xstrdup(json_string_value(json_object_get(e, "token")));
		t->user = xstrdup(json_string_value(json_object_get(e, "user")));
		if (!groups) {
			t->groups = xcalloc(1, sizeof(char *));
		} else if (strings(groups, &t->groups) < 0) {
			*cause = xasprintf("tokens[%zu].groups: want a list of strings", i);
			return -1;
		}
	}
	return 0;
}

static int read_file(const char *path, char **data, size_t *len, char **cause)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;

	if (!f) {
		*cause = xasprintf("cannot read \"%s\": %s", path, strerror(errno));
		return -1;
	}
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	*data = buf_detach(&b, len);
	return 0;
}

static int parse_proxy(const json_t *v, const char *dir, struct sim_settings *s, char **cause)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v)) {
		*cause = xstrdup("proxy: want a list");
		return -1;
	}
	s->proxy = xcalloc(json_array_size(v) + 1, sizeof(*s->proxy));
	json_array_foreach(v, i, e) {
		struct sim_proxy_answer *p = &s->proxy[i];
		const char *path = json_string_value(json_object_get(e, "path"));
		const char *file = json_string_value(json_object_get(e, "file"));
		const json_t *ct = json_object_get(e, "contentType");
		const json_t *st = json_object_get(e, "status");
		char *full;
		int rc;

		s->nproxy = i + 1;
		if (!path || path[0] != '/' || !file) {
			*cause = xasprintf("proxy[%zu]: want path (starting with /) and file", i);
			return -1;
		}
		if ((ct && !json_is_string(ct)) ||
		    (st && (!json_is_integer(st) || json_integer_value(st) < 100 ||
			    json_integer_value(st) > 599))) {
			*cause =
			    xasprintf("proxy[%zu]: contentType is a string, status 100-599", i);
			return -1;
		}
		p->path = xstrdup(path);
		p->content_type = xstrdup(ct ? json_string_value(ct)
					     : "text/plain; version=0.0.4; charset=utf-8");
		p->status = st ? (int)json_integer_value(st) : 200;
		full = file[0] == '/' ? xstrdup(file) : xasprintf("%s/%s", dir, file);
		rc = read_file(full, &p->body, &p->len, cause);
		free(full);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int parse_faults(const json_t *v, struct sim_faults *f, char **cause)
{
	const char *key;
	json_t *e;
	double d;

	if (!json_is_object(v)) {
		*cause = xstrdup("faults: want a mapping");
		return -1;
	}
	json_object_foreach((json_t *)v, key, e) {
		char *what = xasprintf("faults.%s", key);
		int rc = 0;

		if (strcmp(key, "errorRate") == 0)
			rc = need_number(e, what, 0, 1, &f->error_rate, cause);
		else if (strcmp(key, "throttleRate") == 0)
			rc = need_number(e, what, 0, 1, &f->throttle_rate, cause);
		else if (strcmp(key, "dropRate") == 0)
			rc = need_number(e, what, 0, 1, &f->drop_rate, cause);
		else if (strcmp(key, "truncateRate") == 0)
			rc = need_number(e, what, 0, 1, &f->truncate_rate, cause);
		else if (strcmp(key, "retryAfterSeconds") == 0) {
			if ((rc = need_number(e, what, 0, 3600, &d, cause)) == 0)
				f->retry_after_s = (int)d;
		} else if (strcmp(key, "slowMs") == 0) {
			if ((rc = need_number(e, what, 0, 600000, &d, cause)) == 0)
				f->slow_ms = (long)d;
		} else if (strcmp(key, "watchCutAfterSeconds") == 0) {
			if ((rc = need_number(e, what, 0, 86400, &d, cause)) == 0)
				f->watch_cut_after_s = (long)d;
		} else if (strcmp(key, "pathPrefix") == 0) {
			rc = need_string(e, what, &f->only_path_prefix, cause);
		} else {
			*cause = xasprintf("faults: unknown field \"%s\"", key);
			rc = -1;
		}
		free(what);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int parse_field(const char *key, json_t *v, const char *dir, struct sim_settings *s,
		       char **cause)
{
	double d;

	if (strcmp(key, "version") == 0)
		return need_string(v, key, &s->version, cause);
	if (strcmp(key, "resourceAPIVersions") == 0) {
		strv_free(s->resource_versions);
		s->resource_versions = NULL;
		if (strings(v, &s->resource_versions) < 0 || !s->resource_versions[0]) {
			*cause = xstrdup("resourceAPIVersions: want a non-empty list of strings");
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "tokens") == 0)
		return parse_tokens(v, s, cause);
	if (strcmp(key, "proxy") == 0)
		return parse_proxy(v, dir, s, cause);
	if (strcmp(key, "faults") == 0)
		return parse_faults(v, &s->faults, cause);
	if (strcmp(key, "latencyMs") == 0) {
		if (need_number(v, key, 0, 600000, &d, cause) < 0)
			return -1;
		s->latency_ms = (long)d;
		return 0;
	}
	if (strcmp(key, "seed") == 0) {
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			*cause = xstrdup("seed: want a non-negative integer");
			return -1;
		}
		s->seed = (unsigned long)json_integer_value(v);
		return 0;
	}
	if (strcmp(key, "large") == 0 || strcmp(key, "controllers") == 0) {
		if (!json_is_object(v) && !json_is_null(v)) {
			*cause = xasprintf("%s: want a mapping", key);
			return -1;
		}
		json_t **slot = strcmp(key, "large") == 0 ? &s->large : &s->controllers;

		json_decref(*slot);
		*slot = json_is_null(v) ? json_object() : json_incref(v);
		return 0;
	}
	*cause = xasprintf("unknown field \"%s\"", key);
	return -1;
}

int sim_scenario_settings(const char *dir, struct sim_settings *s, char **cause)
{
	char *path = xasprintf("%s/scenario.yaml", dir);
	json_t *docs = NULL, *doc, *v;
	const char *key;
	char *why = NULL;
	struct stat st;
	int rc = 0;

	sim_settings_defaults(s);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		*cause = xasprintf("cannot read scenario \"%s\": %s", dir,
				   stat(dir, &st) < 0 ? strerror(errno) : "not a directory");
		free(path);
		sim_settings_release(s);
		return -1;
	}
	if (stat(path, &st) < 0) {
		free(path);
		return 0;
	}
	if (yaml_load_file(path, &docs, &why) < 0) {
		*cause = why;
		free(path);
		sim_settings_release(s);
		return -1;
	}
	doc = json_array_get(docs, 0);
	if (json_array_size(docs) > 1 || (doc && !json_is_object(doc))) {
		why = xstrdup("want one mapping");
		rc = -1;
	}
	if (rc == 0 && doc) {
		json_object_foreach(doc, key, v) {
			if ((rc = parse_field(key, v, dir, s, &why)) < 0)
				break;
		}
	}
	if (rc < 0) {
		*cause = xasprintf("\"%s\": %s", path, why);
		free(why);
		sim_settings_release(s);
	}
	json_decref(docs);
	free(path);
	return rc;
}

void sim_settings_release(struct sim_settings *s)
{
	free(s->version);
	strv_free(s->resource_versions);
	for (size_t i = 0; i < s->ntokens; i++) {
		free(s->tokens[i].token);
		free(s->tokens[i].user);
		strv_free(s->tokens[i].groups);
	}
	free(s->tokens);
	for (size_t i = 0; i < s->nproxy; i++) {
		free(s->proxy[i].path);
		free(s->proxy[i].body);
		free(s->proxy[i].content_type);
	}
	free(s->proxy);
	free(s->faults.only_path_prefix);
	json_decref(s->large);
	json_decref(s->controllers);
	memset(s, 0, sizeof(*s));
}

/* ---- manifests ---- */

struct manifest {
	json_t *obj;
	const char *file; /* points into the file list */
	size_t doc;	  /* 1-based document number */
	size_t item;	  /* 1-based item of a List, 0 when not from a List */
};

struct manifests {
	struct manifest *v;
	size_t n;
	char **files;
	size_t nfiles;
};

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collects a manifest file met by the walk, skipping scenario.yaml, files/ and dangling
 * links (a dirwalk_fn). */
static int collect(const struct dirwalk_entry *e, void *arg, char **cause)
{
	struct manifests *m = arg;
	(void)cause;
	if (e->st == NULL)
		return DIRWALK_NEXT; /* a dangling link: not a manifest */
	if (S_ISDIR(e->st->st_mode))
		return strcmp(e->rel, "files") != 0 ? DIRWALK_NEXT : DIRWALK_PRUNE;
	if (strcmp(e->rel, "scenario.yaml") != 0 &&
	    (has_suffix(e->rel, ".yaml") || has_suffix(e->rel, ".yml") ||
	     has_suffix(e->rel, ".json"))) {
		m->files = xreallocarray(m->files, m->nfiles + 1, sizeof(char *));
		m->files[m->nfiles++] = xstrdup(e->path);
	}
	return DIRWALK_NEXT;
}

static void push(struct manifests *m, json_t *obj, const char *file, size_t doc, size_t item)
{
	m->v = xreallocarray(m->v, m->n + 1, sizeof(*m->v));
	m->v[m->n++] = (struct manifest){json_incref(obj), file, doc, item};
}

static char *where(const char *file, size_t doc, size_t item)
{
	return item ? xasprintf("\"%s\": document %zu, item %zu", file, doc, item)
		    : xasprintf("\"%s\": document %zu", file, doc);
}

static int check_object(const json_t *o, const char *file, size_t doc, size_t item, char **cause)
{
	const char *why = NULL;
	char *w;

	if (!json_is_object(o))
		why = "not an object";
	else if (!json_is_string(json_object_get(o, "apiVersion")) ||
		 !*json_string_value(json_object_get(o, "apiVersion")))
		why = "apiVersion not set";
	else if (!json_is_string(json_object_get(o, "kind")) ||
		 !*json_string_value(json_object_get(o, "kind")))
		why = "kind not set";
	if (!why)
		return 0;
	w = where(file, doc, item);
	*cause = xasprintf("%s: %s", w, why);
	free(w);
	return -1;
}

static bool is_list(const json_t *o)
{
	const char *kind = json_string_value(json_object_get(o, "kind"));

	return kind && has_suffix(kind, "List") && json_is_array(json_object_get(o, "items"));
}

static int add_doc(struct manifests *m, json_t *o, const char *file, size_t doc, char **cause)
{
	size_t i;
	json_t *item;

	if (check_object(o, file, doc, 0, cause) < 0)
		return -1;
	if (!is_list(o)) {
		push(m, o, file, doc, 0);
		return 0;
	}
	json_array_foreach(json_object_get(o, "items"), i, item) {
		if (check_object(item, file, doc, i + 1, cause) < 0)
			return -1;
		push(m, item, file, doc, i + 1);
	}
	return 0;
}

static int parse_file(struct manifests *m, const char *file, char **cause)
{
	json_t *docs = NULL, *d;
	json_error_t jerr;
	char *why = NULL;
	size_t i;
	int rc = 0;

	if (has_suffix(file, ".json")) {
		json_t *one = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);

		if (!one) {
			*cause = xasprintf("\"%s\": line %d: %s", file, jerr.line, jerr.text);
			return -1;
		}
		docs = json_array();
		json_array_append_new(docs, one);
	} else if (yaml_load_file(file, &docs, &why) < 0) {
		*cause = strstr(why, file) ? xstrdup(why) : xasprintf("\"%s\": %s", file, why);
		free(why);
		return -1;
	}
	json_array_foreach(docs, i, d) {
		if ((rc = add_doc(m, d, file, i + 1, cause)) < 0)
			break;
	}
	json_decref(docs);
	return rc;
}

static void manifests_release(struct manifests *m)
{
	for (size_t i = 0; i < m->n; i++)
		json_decref(m->v[i].obj);
	free(m->v);
	for (size_t i = 0; i < m->nfiles; i++)
		free(m->files[i]);
	free(m->files);
}

enum phase { PHASE_CRD, PHASE_NAMESPACE, PHASE_REST };

static enum phase phase_of(const json_t *o)
{
	const char *api = json_string_value(json_object_get(o, "apiVersion"));
	const char *kind = json_string_value(json_object_get(o, "kind"));

	if (strcmp(kind, "CustomResourceDefinition") == 0 &&
	    strncmp(api, "apiextensions.k8s.io/", 21) == 0)
		return PHASE_CRD;
	if (strcmp(kind, "Namespace") == 0 && strcmp(api, "v1") == 0)
		return PHASE_NAMESPACE;
	return PHASE_REST;
}

/* Namespaces the server creates itself (default, kube-system) may appear in a scenario. */
static bool namespace_exists(struct sim_api *api, const json_t *o)
{
	const char *name =
	    json_string_value(json_object_get(json_object_get(o, "metadata"), "name"));
	json_t *got = name ? sim_api_get(api, "", "namespaces", NULL, name) : NULL;

	json_decref(got);
	return got != NULL;
}

static int apply(struct sim_api *api, struct manifests *m, char **cause)
{
	for (int phase = PHASE_CRD; phase <= PHASE_REST; phase++) {
		for (size_t i = 0; i < m->n; i++) {
			struct manifest *mf = &m->v[i];
			char *why = NULL, *w;

			if ((int)phase_of(mf->obj) != phase)
				continue;
			if (phase == PHASE_NAMESPACE && namespace_exists(api, mf->obj))
				continue;
			if (sim_api_create(api, json_incref(mf->obj), &why) == 0)
				continue;
			w = where(mf->file, mf->doc, mf->item);
			*cause = xasprintf("%s: %s", w, why ? why : "cannot create the object");
			free(w);
			free(why);
			return -1;
		}
	}
	return 0;
}

int sim_scenario_load(struct sim_api *api, const char *dir, const struct sim_settings *s,
		      char **cause)
{
	struct manifests m = {0};
	sim_api_scenario_mark(api, true);
	int rc = dirwalk(dir, collect, &m, cause);

	if (rc == 0 && m.nfiles > 1)
		qsort(m.files, m.nfiles, sizeof(char *), by_name);
	for (size_t i = 0; rc == 0 && i < m.nfiles; i++)
		rc = parse_file(&m, m.files[i], cause);
	if (rc == 0)
		rc = apply(api, &m, cause);
	manifests_release(&m);
	if (rc == 0 && s && s->large)
		rc = sim_large_generate(api, s, cause);
	/* the aggregator's local APIServices, after the scenario's own (which win) */
	if (rc == 0)
		sim_api_local_apiservices(api);
	/* what the scenario holds stays as loaded until written through the API */
	sim_api_scenario_mark(api, false);
	return rc;
}
