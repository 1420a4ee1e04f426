/* patch.c: the three PATCH formats of the API: JSON merge patch (RFC 7386), JSON patch
 * (RFC 6902) and strategic merge patch (merge keys for the common lists, $patch and
 * the other directives kubectl sends). Each works on a deep copy of the target. */

#include "model/patch.h"

#include <stdlib.h>
#include <string.h>

#include "model/registry.h"
#include "sim.h"
#include "util/xmalloc.h"

/* ---- merge patch ---- */

static void merge_into(json_t *t, const json_t *p)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)p, k, v) {
		if (json_is_null(v)) {
			json_object_del(t, k);
		} else if (json_is_object(v)) {
			json_t *child = json_object_get(t, k);
			if (!json_is_object(child)) {
				child = json_object();
				json_object_set_new(t, k, child);
			}
			merge_into(child, v);
		} else {
			json_object_set_new(t, k, json_deep_copy(v));
		}
	}
}

json_t *sim_patch_merge(const json_t *target, const json_t *patch)
{
	if (!json_is_object(patch))
		return json_deep_copy(patch);
	json_t *r = json_is_object(target) ? json_deep_copy(target) : json_object();
	merge_into(r, patch);
	return r;
}

/* ---- JSON patch ---- */

struct jp_err {
	char **cause;
	int *code;
};

static int jp_fail(struct jp_err *e, int code, char *msg)
{
	*e->cause = msg;
	*e->code = code;
	return -1;
}

/* Splits a JSON pointer into unescaped tokens; NULL when malformed. */
static char **pointer_tokens(const char *ptr, size_t *n)
{
	*n = 0;
	if (*ptr && *ptr != '/')
		return NULL;
	char **toks = xcalloc(strlen(ptr) + 1, sizeof(*toks));
	const char *p = ptr;
	while (*p == '/') {
		p++;
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *t = xmalloc(len + 1), *o = t;
		for (size_t i = 0; i < len; i++) {
			if (p[i] == '~' && i + 1 < len && (p[i + 1] == '0' || p[i + 1] == '1')) {
				*o++ = p[i + 1] == '0' ? '~' : '/';
				i++;
			} else if (p[i] == '~') {
				free(t);
				sim_strv_free(toks);
				return NULL;
			} else {
				*o++ = p[i];
			}
		}
		*o = '\0';
		toks[(*n)++] = t;
		p += len;
	}
	return toks;
}

/* Array index token: -1 for "-", -2 when not an index. */
static long array_index(const char *t)
{
	if (!strcmp(t, "-"))
		return -1;
	if (!*t || (t[0] == '0' && t[1]) || strlen(t) > 9)
		return -2;
	for (const char *p = t; *p; p++)
		if (*p < '0' || *p > '9')
			return -2;
	return strtol(t, NULL, 10);
}

static json_t *jp_get(json_t *doc, char **toks, size_t n)
{
	json_t *v = doc;
	for (size_t i = 0; i < n && v; i++) {
		if (json_is_object(v)) {
			v = json_object_get(v, toks[i]);
		} else if (json_is_array(v)) {
			long idx = array_index(toks[i]);
			v = idx < 0 ? NULL : json_array_get(v, (size_t)idx);
		} else {
			v = NULL;
		}
	}
	return v;
}

/* Adds val (stolen) at the location; root replacement through *doc. */
static int jp_add(json_t **doc, char **toks, size_t n, json_t *val, const char *path,
		  struct jp_err *e)
{
	if (!n) {
		json_decref(*doc);
		*doc = val;
		return 0;
	}
	json_t *parent = jp_get(*doc, toks, n - 1);
	const char *last = toks[n - 1];
	if (json_is_object(parent)) {
		json_object_set_new(parent, last, val);
		return 0;
	}
	if (json_is_array(parent)) {
		long idx = array_index(last);
		size_t len = json_array_size(parent);
		if (idx == -1) {
			json_array_append_new(parent, val);
			return 0;
		}
		if (idx >= 0 && (size_t)idx <= len) {
			json_array_insert_new(parent, (size_t)idx, val);
			return 0;
		}
	}
	json_decref(val);
	return jp_fail(
	    e, 422, xasprintf("add operation does not apply: doc is missing path: \"%s\"", path));
}

static int jp_remove(json_t *doc, char **toks, size_t n, const char *path, struct jp_err *e)
{
	json_t *parent = n ? jp_get(doc, toks, n - 1) : NULL;
	const char *last = n ? toks[n - 1] : "";
	if (json_is_object(parent) && json_object_get(parent, last)) {
		json_object_del(parent, last);
		return 0;
	}
	if (json_is_array(parent)) {
		long idx = array_index(last);
		if (idx >= 0 && (size_t)idx < json_array_size(parent)) {
			json_array_remove(parent, (size_t)idx);
			return 0;
		}
	}
	return jp_fail(
	    e, 422,
	    xasprintf("remove operation does not apply: doc is missing path: \"%s\"", path));
}

static int jp_pointer(const json_t *op, const char *field, char ***toks, size_t *n, const char **s,
		      struct jp_err *e)
{
	*s = json_string_value(json_object_get(op, field));
	if (!*s)
		return jp_fail(e, 400, xasprintf("json patch operation is missing \"%s\"", field));
	*toks = pointer_tokens(*s, n);
	if (!*toks)
		return jp_fail(e, 400, xasprintf("invalid JSON pointer: \"%s\"", *s));
	return 0;
}

static int jp_apply_one(json_t **doc, const json_t *op, struct jp_err *e)
{
	const char *name = json_string_value(json_object_get(op, "op"));
	if (!name)
		return jp_fail(e, 400, xstrdup("json patch operation is missing \"op\""));
	char **toks = NULL, **from = NULL;
	size_t n = 0, nfrom = 0;
	const char *path, *fpath;
	int rc = -1;
	if (jp_pointer(op, "path", &toks, &n, &path, e) < 0)
		return -1;
	json_t *value = json_object_get(op, "value");
	bool needs_value =
	    !strcmp(name, "add") || !strcmp(name, "replace") || !strcmp(name, "test");
	if (needs_value && !value) {
		jp_fail(e, 400, xasprintf("%s operation is missing a value", name));
		goto out;
	}
	if (!strcmp(name, "add")) {
		rc = jp_add(doc, toks, n, json_deep_copy(value), path, e);
	} else if (!strcmp(name, "remove")) {
		rc = jp_remove(*doc, toks, n, path, e);
	} else if (!strcmp(name, "replace")) {
		if (n && !jp_get(*doc, toks, n)) {
			jp_fail(e, 422,
				xasprintf("replace operation does not apply: doc is missing "
					  "key: %s",
					  path));
			goto out;
		}
		if (n && jp_remove(*doc, toks, n, path, e) < 0)
			goto out;
		rc = jp_add(doc, toks, n, json_deep_copy(value), path, e);
	} else if (!strcmp(name, "test")) {
		json_t *cur = jp_get(*doc, toks, n);
		rc = cur && json_equal(cur, value)
			 ? 0
			 : jp_fail(e, 422, xasprintf("testing value %s failed", path));
	} else if (!strcmp(name, "move") || !strcmp(name, "copy")) {
		if (jp_pointer(op, "from", &from, &nfrom, &fpath, e) < 0)
			goto out;
		json_t *src = jp_get(*doc, from, nfrom);
		if (!src) {
			jp_fail(e, 422,
				xasprintf("%s operation does not apply: doc is missing from "
					  "path: %s",
					  name, fpath));
			goto out;
		}
		bool move = !strcmp(name, "move");
		size_t fl = strlen(fpath);
		if (move && !strncmp(path, fpath, fl) && path[fl] == '/') {
			jp_fail(
			    e, 422,
			    xasprintf("move operation cannot move %s into its own child", fpath));
			goto out;
		}
		json_t *val = json_deep_copy(src);
		if (move && jp_remove(*doc, from, nfrom, fpath, e) < 0) {
			json_decref(val);
			goto out;
		}
		rc = jp_add(doc, toks, n, val, path, e);
	} else {
		jp_fail(e, 400, xasprintf("unexpected json patch operation \"%s\"", name));
	}
out:
	sim_strv_free(toks);
	sim_strv_free(from);
	return rc;
}

json_t *sim_patch_json(const json_t *target, const json_t *patch, char **cause, int *code)
{
	struct jp_err e = {cause, code};
	if (!json_is_array(patch)) {
		jp_fail(&e, 400,
			xstrdup("json: cannot unmarshal object into Go value of type "
				"jsonpatch.Patch"));
		return NULL;
	}
	size_t i;
	json_t *op;
	json_array_foreach(patch, i, op) {
		if (!json_is_object(op)) {
			jp_fail(&e, 400, xstrdup("json patch operations must be objects"));
			return NULL;
		}
	}
	json_t *doc = json_deep_copy(target);
	json_array_foreach(patch, i, op) {
		if (jp_apply_one(&doc, op, &e) < 0) {
			json_decref(doc);
			return NULL;
		}
	}
	return doc;
}

/* ---- strategic merge patch ---- */

/* The merge key of a list field, or NULL for lists that are replaced whole. */
static const char *merge_key(const char *field, const json_t *patch_list)
{
	static const char *const by_name[] = {
	    "containers", "initContainers",   "ephemeralContainers", "volumes",
	    "env",	  "imagePullSecrets", "resourceClaims",	     NULL};
	for (size_t i = 0; by_name[i]; i++)
		if (!strcmp(field, by_name[i]))
			return "name";
	if (!strcmp(field, "volumeMounts"))
		return "mountPath";
	if (!strcmp(field, "volumeDevices"))
		return "devicePath";
	if (!strcmp(field, "conditions"))
		return "type";
	if (!strcmp(field, "ownerReferences"))
		return "uid";
	if (!strcmp(field, "hostAliases"))
		return "ip";
	if (!strcmp(field, "ports")) {
		size_t i;
		json_t *e;
		json_array_foreach(patch_list, i, e) {
			if (json_object_get(e, "containerPort"))
				return "containerPort";
		}
		return "port";
	}
	return NULL;
}

static bool is_directive(const char *k)
{
	return !strcmp(k, "$patch") || !strcmp(k, "$retainKeys") ||
	       !strncmp(k, "$setElementOrder/", 17) || !strncmp(k, "$deleteFromPrimitiveList/", 25);
}

/* A deep copy of a patch value without directives, nulls in maps and $patch elements. */
static json_t *smp_clean(const json_t *v)
{
	if (json_is_object(v)) {
		json_t *r = json_object();
		const char *k;
		json_t *x;
		json_object_foreach((json_t *)v, k, x) {
			if (!is_directive(k) && !json_is_null(x))
				json_object_set_new(r, k, smp_clean(x));
		}
		return r;
	}
	if (json_is_array(v)) {
		json_t *r = json_array();
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x) {
			if (json_is_object(x) && json_object_get(x, "$patch"))
				continue;
			json_array_append_new(r, smp_clean(x));
		}
		return r;
	}
	return json_deep_copy(v);
}

static const char *directive(const json_t *v)
{
	return json_string_value(json_object_get(v, "$patch"));
}

static int smp_object(json_t *t, const json_t *p, char **cause, int *code);

static int smp_list(json_t *t, const json_t *p, const char *key, char **cause, int *code)
{
	size_t i;
	json_t *e;
	json_array_foreach(p, i, e) {
		const char *d = directive(e);
		if (d && !strcmp(d, "replace")) {
			json_t *c = smp_clean(p);
			json_array_clear(t);
			json_array_extend(t, c);
			json_decref(c);
			return 0;
		}
	}
	json_array_foreach(p, i, e) {
		json_t *kv = json_object_get(e, key);
		if (!json_is_object(e) || !kv) {
			json_array_append_new(t, smp_clean(e));
			continue;
		}
		const char *d = directive(e);
		bool del = d && !strcmp(d, "delete");
		size_t j = 0;
		bool found = false;
		while (j < json_array_size(t)) {
			json_t *cur = json_array_get(t, j);
			if (json_is_object(cur) && json_equal(json_object_get(cur, key), kv)) {
				if (del) {
					json_array_remove(t, j);
					continue;
				}
				if (smp_object(cur, e, cause, code) < 0)
					return -1;
				found = true;
				break;
			}
			j++;
		}
		if (!found && !del)
			json_array_append_new(t, smp_clean(e));
	}
	return 0;
}

static void remove_values(json_t *list, const json_t *values)
{
	size_t i = 0;
	while (json_is_array(list) && i < json_array_size(list)) {
		json_t *x = json_array_get(list, i);
		bool hit = false;
		size_t j;
		json_t *v;
		json_array_foreach(values, j, v) {
			hit = hit || json_equal(x, v);
		}
		if (hit)
			json_array_remove(list, i);
		else
			i++;
	}
}

static void union_values(json_t *list, const json_t *values)
{
	size_t j;
	json_t *v;
	json_array_foreach(values, j, v) {
		bool have = false;
		size_t i;
		json_t *x;
		json_array_foreach(list, i, x) {
			have = have || json_equal(x, v);
		}
		if (!have)
			json_array_append_new(list, json_deep_copy(v));
	}
}

static int smp_field(json_t *t, const char *k, const json_t *v, char **cause, int *code)
{
	json_t *cur = json_object_get(t, k);
	if (json_is_null(v)) {
		json_object_del(t, k);
	} else if (json_is_object(v)) {
		const char *d = directive(v);
		if (d && !strcmp(d, "delete")) {
			json_object_del(t, k);
		} else if (d && !strcmp(d, "replace")) {
			json_object_set_new(t, k, smp_clean(v));
		} else if (json_is_object(cur)) {
			return smp_object(cur, v, cause, code);
		} else {
			json_object_set_new(t, k, smp_clean(v));
		}
	} else if (json_is_array(v)) {
		const char *key = merge_key(k, v);
		if (key && json_is_array(cur))
			return smp_list(cur, v, key, cause, code);
		if (!strcmp(k, "finalizers") && json_is_array(cur))
			union_values(cur, v);
		else
			json_object_set_new(t, k, smp_clean(v));
	} else {
		json_object_set_new(t, k, json_deep_copy(v));
	}
	return 0;
}

static int smp_object(json_t *t, const json_t *p, char **cause, int *code)
{
	const char *d = directive(p);
	if (d && strcmp(d, "replace") != 0 && strcmp(d, "merge") != 0 && strcmp(d, "delete") != 0) {
		*cause = xasprintf("unknown patch type found: \"%s\"", d);
		*code = 400;
		return -1;
	}
	if (d && !strcmp(d, "replace")) {
		json_object_clear(t);
		json_object_update_new(t, smp_clean(p));
		return 0;
	}
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)p, k, v) {
		if (!strncmp(k, "$deleteFromPrimitiveList/", 25)) {
			if (!json_is_array(v)) {
				*cause =
				    xstrdup("invalid patch: $deleteFromPrimitiveList must be a "
					    "list");
				*code = 400;
				return -1;
			}
			remove_values(json_object_get(t, k + 25), v);
			continue;
		}
		if (is_directive(k))
			continue;
		if (smp_field(t, k, v, cause, code) < 0)
			return -1;
	}
	json_t *retain = json_object_get(p, "$retainKeys");
	if (json_is_array(retain)) {
		void *tmp;
		json_object_foreach_safe(t, tmp, k, v) {
			bool keep = false;
			size_t i;
			json_t *r;
			json_array_foreach(retain, i, r) {
				keep =
				    keep || (json_is_string(r) && !strcmp(json_string_value(r), k));
			}
			if (!keep)
				json_object_del(t, k);
		}
	}
	return 0;
}

json_t *sim_patch_strategic(const json_t *target, const json_t *patch, char **cause, int *code)
{
	if (!json_is_object(patch)) {
		*cause = xstrdup("strategic merge patch must be a JSON object");
		*code = 400;
		return NULL;
	}
	json_t *r = json_is_object(target) ? json_deep_copy(target) : json_object();
	if (smp_object(r, patch, cause, code) < 0) {
		json_decref(r);
		return NULL;
	}
	return r;
}
