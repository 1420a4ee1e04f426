/* verbs.c: the HTTP verbs on resources: get, list (selectors, pagination), create,
 * update, patch, delete, deletecollection, and body decoding with the real errors.
 * Called by api.c with api->mu held. */

#include "rest/verbs.h"

#include <stdlib.h>
#include <string.h>

#include "base/meta.h"
#include "base/status.h"
#include "model/patch.h"
#include "model/registry.h"
#include "model/select.h"
#include "model/store.h"
#include "objects/object.h"
#include "rest/call.h"
#include "rest/watch.h"
#include "sim.h"
#include "util/xmalloc.h"

static void not_found(struct sim_call *c, struct sim_response *resp, const char *name)
{
	char *q = sim_rtype_qualified(c->rt);
	sim_status_error(resp, 404, "NotFound", c->rt->group, c->rt->resource, name,
			 "%s \"%s\" not found", q, name);
	free(q);
}

static long find_target(struct sim_call *c, struct sim_response *resp)
{
	long i = sim_coll_find(&c->rt->coll, c->rt->namespaced ? c->ns : "", c->name);
	if (i < 0)
		not_found(c, resp, c->name);
	return i;
}

/* Checks apiVersion/kind of a body against the request; fills them in when absent. */
static int check_type(struct sim_call *c, json_t *obj, struct sim_response *resp)
{
	const struct sim_rtype *rt = c->rt;
	const char *av = json_string_value(json_object_get(obj, "apiVersion"));
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	char *want = sim_api_version_str(c->group, c->version);
	int rc = 0;
	if (av && *av && strcmp(av, want) != 0) {
		const char *slash = strrchr(av, '/');
		bool same_group = slash ? (size_t)(slash - av) == strlen(rt->group) &&
					      !strncmp(av, rt->group, strlen(rt->group))
					: !*rt->group;
		if (!same_group || !sim_rtype_serves(rt, slash ? slash + 1 : av)) {
			sim_status_error(resp, 400, "BadRequest", NULL, NULL, NULL,
					 "the API version in the data (%s) does not match the "
					 "expected API version (%s)",
					 av, want);
			rc = -1;
		}
	} else if (kind && *kind && strcmp(kind, rt->kind) != 0) {
		sim_status_error(resp, 400, "BadRequest", NULL, NULL, NULL,
				 "the object provided is unrecognized (must be of type %s): "
				 "kind %s",
				 rt->kind, kind);
		rc = -1;
	}
	free(want);
	return rc;
}

/* Fills in or checks the body's namespace and name against the URL. */
static int check_names(struct sim_call *c, json_t *obj, struct sim_response *resp)
{
	json_t *md = sim_meta(obj);
	if (c->rt->namespaced) {
		const char *ns = json_string_value(json_object_get(md, "namespace"));
		if (!ns || !*ns) {
			json_object_set_new(md, "namespace", json_string(c->ns));
		} else if (strcmp(ns, c->ns) != 0) {
			sim_status_error(resp, 400, "BadRequest", NULL, NULL, NULL,
					 "the namespace of the provided object does not match the "
					 "namespace sent on the request");
			return -1;
		}
	}
	if (c->name) {
		const char *name = json_string_value(json_object_get(md, "name"));
		if (!name || !*name) {
			json_object_set_new(md, "name", json_string(c->name));
		} else if (strcmp(name, c->name) != 0) {
			sim_status_error(resp, 400, "BadRequest", NULL, NULL, NULL,
					 "the name of the object (%s) does not match the name on "
					 "the URL (%s)",
					 name, c->name);
			return -1;
		}
	}
	return 0;
}

void sim_call_get(struct sim_call *c, struct sim_response *resp)
{
	long i = find_target(c, resp);
	if (i >= 0)
		sim_call_answer(c, 200,
				sim_obj_for_version(c->rt, c->rt->coll.v[i].obj, c->version));
}

/* ---- continue tokens: base64url(JSON {"rv":N,"ns":..,"name":..}) ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static char *b64_encode(const char *s)
{
	size_t n = strlen(s);
	char *out = xmalloc(n * 4 / 3 + 5), *o = out;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)s[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)s[i + 2];
		*o++ = b64[(v >> 18) & 63];
		*o++ = b64[(v >> 12) & 63];
		if (i + 1 < n)
			*o++ = b64[(v >> 6) & 63];
		if (i + 2 < n)
			*o++ = b64[v & 63];
	}
	*o = '\0';
	return out;
}

static char *b64_decode(const char *s)
{
	size_t n = strlen(s);
	char *out = xmalloc(n + 1), *o = out;
	unsigned v = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		const char *p = strchr(b64, s[i]);
		if (s[i] == '=')
			break;
		if (!p || !s[i]) {
			free(out);
			return NULL;
		}
		v = (v << 6) | (unsigned)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			*o++ = (char)((v >> bits) & 0xff);
		}
	}
	*o = '\0';
	return out;
}

static char *continue_token(uint64_t rv, const char *ns, const char *name)
{
	json_t *t = json_pack("{s:I, s:s, s:s}", "rv", (json_int_t)rv, "ns", ns, "name", name);
	char *s = json_dumps(t, JSON_COMPACT);
	char *tok = b64_encode(s);
	free(s);
	json_decref(t);
	return tok;
}

static json_t *parse_continue(const char *tok, uint64_t window_rv, struct sim_response *resp)
{
	char *s = b64_decode(tok);
	json_t *t = s ? json_loads(s, 0, NULL) : NULL;
	free(s);
	if (!json_is_object(t) || !json_is_integer(json_object_get(t, "rv")) ||
	    !json_is_string(json_object_get(t, "ns")) ||
	    !json_is_string(json_object_get(t, "name"))) {
		json_decref(t);
		sim_status_error(resp, 400, "BadRequest", NULL, NULL, NULL,
				 "continue key is not valid: incorrect encoded start "
				 "resourceVersion (version meta.k8s.io/v1)");
		return NULL;
	}
	if ((uint64_t)json_integer_value(json_object_get(t, "rv")) < window_rv) {
		json_decref(t);
		sim_status_error(
		    resp, 410, "Expired", NULL, NULL, NULL,
		    "The provided continue parameter is too old to display a "
		    "consistent list result. You can start a new list without the "
		    "continue parameter, or use the continue token in this response to "
		    "retrieve the remainder of the results. Continuing with the "
		    "provided token results in an inconsistent list - objects that "
		    "were created, modified, or deleted between the time the first "
		    "chunk was returned and now may show up in the list.");
		return NULL;
	}
	return t;
}

/* Parses labelSelector and fieldSelector; -1 with a 400 answer. */
static int parse_selectors(struct sim_call *c, struct sim_selector *ls, struct sim_selector *fs,
			   struct sim_response *resp)
{
	char *cause = NULL;
	if (sim_labelsel_parse(sim_query(c->req, "labelSelector"), ls, &cause) < 0) {
		sim_status_error(resp, 400, "BadRequest", NULL, NULL, NULL, "%s", cause);
		free(cause);
		return -1;
	}
	const char *f = sim_query(c->req, "fieldSelector");
	if (sim_fieldsel_parse(f ? f : "", c->rt, fs, &cause) < 0) {
		sim_selector_release(ls);
		sim_status_error(resp, 400, "BadRequest", NULL, NULL, NULL, "%s", cause);
		free(cause);
		return -1;
	}
	return 0;
}

/* The index range of the request's namespace (or everything). */
static void ns_range(struct sim_call *c, size_t *lo, size_t *hi)
{
	struct sim_coll *coll = &c->rt->coll;
	*lo = 0;
	*hi = coll->n;
	if (c->rt->namespaced && c->ns) {
		*lo = sim_coll_lower(coll, c->ns, "");
		size_t h = *lo;
		/* gallop: namespaces are contiguous */
		size_t step = 1;
		while (h + step < coll->n && !strcmp(coll->v[h + step].ns, c->ns)) {
			h += step;
			step *= 2;
		}
		while (h < coll->n && !strcmp(coll->v[h].ns, c->ns))
			h++;
		*hi = h;
	}
}

static bool matches(const struct sim_selector *ls, const struct sim_selector *fs, const json_t *obj)
{
	return sim_labelsel_match(ls, obj) && sim_fieldsel_match(fs, obj);
}

static json_t *list_item(const struct sim_rtype *rt, const json_t *obj, const char *version)
{
	if (rt->crd)
		return sim_obj_for_version(rt, obj, version);
	json_t *r = json_copy((json_t *)obj);
	json_object_del(r, "kind");
	json_object_del(r, "apiVersion");
	return r;
}

static json_t *list_envelope(struct sim_call *c, uint64_t rv)
{
	char *av = sim_api_version_str(c->rt->group, c->version);
	char rvs[24];
	snprintf(rvs, sizeof(rvs), "%llu", (unsigned long long)rv);
	json_t *l = json_pack("{s:s, s:s, s:{s:s}}", "kind", c->rt->list_kind, "apiVersion", av,
			      "metadata", "resourceVersion", rvs);
	free(av);
	return l;
}

static void list_watch(struct sim_call *c, struct sim_selector *ls, struct sim_selector *fs,
		       struct sim_response *resp)
{
	struct sim_watch_opts o = {0};
	o.version = c->version;
	o.ns = c->rt->namespaced ? c->ns : NULL;
	o.resource_version = sim_query(c->req, "resourceVersion");
	o.bookmarks = sim_query_true(c->req, "allowWatchBookmarks");
	o.initial_events_end = sim_query_true(c->req, "sendInitialEvents");
	const char *to = sim_query(c->req, "timeoutSeconds");
	o.timeout_s = to ? strtol(to, NULL, 10) : 1800;
	if (o.timeout_s <= 0)
		o.timeout_s = 1800;
	struct sim_watch *w = sim_watch_start(c->api, c->rt, &o, ls, fs, resp);
	if (w) {
		resp->status = 200;
		free(resp->content_type);
		resp->content_type = xstrdup("application/json");
		resp->watch = w;
		resp->watch_free = sim_watch_free;
	}
}

void sim_call_list(struct sim_call *c, struct sim_response *resp)
{
	struct sim_selector ls, fs;
	if (parse_selectors(c, &ls, &fs, resp) < 0)
		return;
	if (c->watch) {
		list_watch(c, &ls, &fs, resp);
		return;
	}
	struct sim_coll *coll = &c->rt->coll;
	size_t lo, hi;
	ns_range(c, &lo, &hi);
	uint64_t rv = c->api->rv;
	const char *cont = sim_query(c->req, "continue");
	if (cont && *cont) {
		json_t *t = parse_continue(cont, c->api->window_rv, resp);
		if (!t)
			goto out;
		rv = (uint64_t)json_integer_value(json_object_get(t, "rv"));
		const char *ns = json_string_value(json_object_get(t, "ns"));
		const char *name = json_string_value(json_object_get(t, "name"));
		size_t start = sim_coll_lower(coll, ns, name);
		if (start < coll->n && !strcmp(coll->v[start].ns, ns) &&
		    !strcmp(coll->v[start].name, name))
			start++;
		if (start > lo)
			lo = start;
		json_decref(t);
	}
	const char *lim = sim_query(c->req, "limit");
	long limit = lim ? strtol(lim, NULL, 10) : 0;
	json_t *items = json_array();
	size_t i = lo, last = lo;
	size_t count = 0;
	for (; i < hi && (limit <= 0 || count < (size_t)limit); i++) {
		if (!matches(&ls, &fs, coll->v[i].obj))
			continue;
		json_array_append_new(items, list_item(c->rt, coll->v[i].obj, c->version));
		count++;
		last = i;
	}
	json_t *l = list_envelope(c, rv);
	json_t *md = json_object_get(l, "metadata");
	if (limit > 0 && count == (size_t)limit) {
		size_t more = 0;
		bool plain = !ls.n && !fs.n;
		if (plain)
			more = hi - i;
		else
			for (size_t j = i; j < hi && !more; j++)
				more = matches(&ls, &fs, coll->v[j].obj);
		if (more) {
			char *tok = continue_token(rv, coll->v[last].ns, coll->v[last].name);
			json_object_set_new(md, "continue", json_string(tok));
			free(tok);
			if (plain)
				json_object_set_new(md, "remainingItemCount",
						    json_integer((json_int_t)more));
		}
	}
	/* unstructured lists (custom resources) always carry continue, "" on the last page;
	 * the built-in types' omit it when empty */
	if (c->rt->crd && !json_object_get(md, "continue"))
		json_object_set_new(md, "continue", json_string(""));
	json_object_set_new(l, "items", items);
	sim_call_answer(c, 200, l);
out:
	sim_selector_release(&ls);
	sim_selector_release(&fs);
}

void sim_call_create(struct sim_call *c, struct sim_response *resp)
{
	json_t *obj = sim_call_body(c, resp, true);
	if (!obj)
		return;
	if (check_type(c, obj, resp) < 0 || check_names(c, obj, resp) < 0) {
		json_decref(obj);
		return;
	}
	json_t *out = NULL;
	if (sim_obj_create(c->api, c->rt, obj, true, c->dry_run, resp, &out) < 0)
		return;
	sim_call_answer(c, 201, sim_obj_for_version(c->rt, out, c->version));
	json_decref(out);
}

void sim_call_update(struct sim_call *c, struct sim_response *resp)
{
	json_t *obj = sim_call_body(c, resp, true);
	if (!obj)
		return;
	if (check_type(c, obj, resp) < 0 || check_names(c, obj, resp) < 0) {
		json_decref(obj);
		return;
	}
	long i = find_target(c, resp);
	if (i < 0) {
		json_decref(obj);
		return;
	}
	json_t *out = NULL;
	if (sim_obj_update(c->api, c->rt, i, obj, c->sub, c->dry_run, resp, &out) < 0)
		return;
	sim_call_answer(c, 200, sim_obj_for_version(c->rt, out, c->version));
	json_decref(out);
}

/* Applies the request's patch to cur; NULL with an answer in resp. */
static json_t *apply_patch(struct sim_call *c, const json_t *cur, const json_t *patch,
			   const char *ct, struct sim_response *resp)
{
	char *cause = NULL;
	int code = 400;
	json_t *r = NULL;
	if (strstr(ct, "json-patch"))
		r = sim_patch_json(cur, patch, &cause, &code);
	else if (strstr(ct, "strategic-merge-patch") || strstr(ct, "apply-patch"))
		r = c->rt->smp ? sim_patch_strategic(cur, patch, &cause, &code)
			       : sim_patch_merge(cur, patch);
	else
		r = sim_patch_merge(cur, patch);
	if (r && !json_is_object(r)) {
		json_decref(r);
		r = NULL;
		cause = xstrdup("the patch result is not a JSON object");
		code = 422;
	}
	if (!r) {
		if (code == 422)
			sim_status_error(resp, 422, "Invalid", NULL, NULL, NULL,
					 "the server rejected our request due to an error in our "
					 "request: %s",
					 cause);
		else
			sim_status_error(resp, code, "BadRequest", NULL, NULL, NULL, "%s", cause);
		free(cause);
	}
	return r;
}

static bool patch_type_ok(struct sim_call *c, const char *ct, struct sim_response *resp)
{
	bool ok = strstr(ct, "merge-patch+json") || strstr(ct, "json-patch+json") ||
		  strstr(ct, "apply-patch+yaml") ||
		  (c->rt->smp && strstr(ct, "strategic-merge-patch+json"));
	if (strstr(ct, "strategic-merge-patch+json") && !c->rt->smp)
		ok = false;
	if (!ok)
		sim_status_error(resp, 415, "UnsupportedMediaType", NULL, NULL, NULL,
				 "the body of the request was in an unknown format - accepted "
				 "media types include: application/json-patch+json, "
				 "application/merge-patch+json, application/apply-patch+yaml%s",
				 c->rt->smp ? ", application/strategic-merge-patch+json" : "");
	return ok;
}

/* Server-side apply, approximated: create when missing, else a strategic merge. */
static bool apply_create(struct sim_call *c, json_t *patch, struct sim_response *resp)
{
	if (check_type(c, patch, resp) < 0 || check_names(c, patch, resp) < 0)
		return true;
	json_t *obj = json_deep_copy(patch);
	json_t *out = NULL;
	if (sim_obj_create(c->api, c->rt, obj, true, c->dry_run, resp, &out) == 0) {
		sim_call_answer(c, 201, sim_obj_for_version(c->rt, out, c->version));
		json_decref(out);
	}
	return true;
}

void sim_call_patch(struct sim_call *c, struct sim_response *resp)
{
	const char *ct = c->req->content_type ? c->req->content_type : "";
	if (!patch_type_ok(c, ct, resp))
		return;
	bool apply = strstr(ct, "apply-patch") != NULL;
	if (apply && !sim_query(c->req, "fieldManager")) {
		sim_status_error(resp, 422, "Invalid", "meta.k8s.io", "PatchOptions", NULL,
				 "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required "
				 "value: is required for apply patch");
		return;
	}
	json_t *patch = NULL;
	if (apply) {
		const char *saved = c->req->content_type;
		struct sim_request r2 = *c->req;
		r2.content_type = "application/yaml";
		const struct sim_request *orig = c->req;
		c->req = &r2;
		patch = sim_call_body(c, resp, true);
		c->req = orig;
		(void)saved;
	} else {
		json_error_t err;
		patch = json_loadb(c->req->body ? c->req->body : "", c->req->body_len,
				   JSON_DECODE_ANY, &err);
		if (!patch)
			sim_status_error(resp, 400, "BadRequest", NULL, NULL, NULL,
					 "error decoding patch: %s", err.text);
	}
	if (!patch)
		return;
	long i = sim_coll_find(&c->rt->coll, c->rt->namespaced ? c->ns : "", c->name);
	if (i < 0) {
		if (!apply || c->sub)
			not_found(c, resp, c->name);
		else
			apply_create(c, patch, resp);
		json_decref(patch);
		return;
	}
	json_t *cur = sim_obj_for_version(c->rt, c->rt->coll.v[i].obj, c->version);
	json_t *next = apply_patch(c, cur, patch, ct, resp);
	json_decref(cur);
	json_decref(patch);
	if (!next)
		return;
	if (check_type(c, next, resp) < 0 || check_names(c, next, resp) < 0) {
		json_decref(next);
		return;
	}
	json_t *out = NULL;
	if (sim_obj_update(c->api, c->rt, i, next, c->sub, c->dry_run, resp, &out) < 0)
		return;
	sim_call_answer(c, 200, sim_obj_for_version(c->rt, out, c->version));
	json_decref(out);
}

/* Reads DeleteOptions from the body and query: propagationPolicy and preconditions. */
static int delete_options(struct sim_call *c, const json_t *obj, const char **prop,
			  struct sim_response *resp)
{
	*prop = sim_query(c->req, "propagationPolicy");
	if (!c->req->body_len)
		return 0;
	json_t *opts = json_loadb(c->req->body, c->req->body_len, 0, NULL);
	if (!json_is_object(opts)) {
		json_decref(opts);
		sim_status_error(resp, 400, "BadRequest", NULL, NULL, NULL,
				 "the body of the request is not valid DeleteOptions");
		return -1;
	}
	const char *p = json_string_value(json_object_get(opts, "propagationPolicy"));
	if (p && !strcmp(p, "Orphan"))
		*prop = "Orphan";
	json_t *dr = json_object_get(opts, "dryRun");
	if (json_array_size(dr))
		c->dry_run = true;
	json_t *pre = json_object_get(opts, "preconditions");
	const char *uid = json_string_value(json_object_get(pre, "uid"));
	const char *rv = json_string_value(json_object_get(pre, "resourceVersion"));
	const char *ouid = sim_meta_str(obj, "uid"), *orv = sim_meta_str(obj, "resourceVersion");
	int rc = 0;
	if ((uid && ouid && strcmp(uid, ouid) != 0) || (rv && orv && strcmp(rv, orv) != 0)) {
		sim_status_error(resp, 409, "Conflict", c->rt->group, c->rt->resource, c->name,
				 "Precondition failed: %s in precondition: %s, %s in object meta: "
				 "%s",
				 uid ? "UID" : "ResourceVersion", uid ? uid : rv,
				 uid ? "UID" : "ResourceVersion", uid ? ouid : orv);
		rc = -1;
	}
	json_decref(opts);
	return rc;
}

void sim_call_delete(struct sim_call *c, struct sim_response *resp)
{
	long i = find_target(c, resp);
	if (i < 0)
		return;
	const char *prop = NULL;
	if (delete_options(c, c->rt->coll.v[i].obj, &prop, resp) < 0)
		return;
	json_t *out = NULL;
	sim_obj_delete(c->api, c->rt, i, c->dry_run, prop, &out);
	sim_call_answer(c, 200, sim_obj_for_version(c->rt, out, c->version));
	json_decref(out);
}

void sim_call_deletecollection(struct sim_call *c, struct sim_response *resp)
{
	struct sim_selector ls, fs;
	if (parse_selectors(c, &ls, &fs, resp) < 0)
		return;
	const char *prop = sim_query(c->req, "propagationPolicy");
	size_t lo, hi;
	ns_range(c, &lo, &hi);
	json_t *items = json_array();
	struct sim_coll *coll = &c->rt->coll;
	for (size_t i = lo; i < hi && i < coll->n;) {
		if (!matches(&ls, &fs, coll->v[i].obj)) {
			i++;
			continue;
		}
		size_t before = coll->n;
		json_t *out = NULL;
		sim_obj_delete(c->api, c->rt, (long)i, c->dry_run, prop, &out);
		json_array_append_new(items, list_item(c->rt, out, c->version));
		json_decref(out);
		if (coll->n == before)
			i++;
		else
			hi--;
	}
	json_t *l = list_envelope(c, c->api->rv);
	json_object_set_new(l, "items", items);
	sim_call_answer(c, 200, l);
	sim_selector_release(&ls);
	sim_selector_release(&fs);
}
