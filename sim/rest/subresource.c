/* subresource.c: the subresources besides status: scale (built-in workloads and CRDs),
 * pods/log, pods/eviction, pods/binding, namespaces/finalize, and
 * SelfSubjectAccessReview. Called with api->mu held. */

#include "rest/subresource.h"

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
#include "sim.h"
#include "util/buf.h"
#include "util/xmalloc.h"

static const char *scale_path(const struct sim_rtype *rt, bool spec)
{
	const char *p = spec ? rt->scale_spec_path : rt->scale_status_path;
	if (!p)
		p = spec ? ".spec.replicas" : ".status.replicas";
	return *p == '.' ? p + 1 : p;
}

static json_t *get_path(const json_t *obj, const char *path)
{
	char *v = sim_field_value(obj, path);
	char *end;
	long n = strtol(v, &end, 10);
	json_t *r = *v && !*end ? json_integer(n) : json_integer(0);
	free(v);
	return r;
}

/* Sets an integer at a dotted path of obj (obj and the maps on the way are copied). */
static json_t *set_path(const json_t *obj, const char *path, json_t *val)
{
	json_t *root = json_copy((json_t *)obj);
	json_t *cur = root;
	const char *p = path;
	for (;;) {
		const char *dot = strchr(p, '.');
		char *k = dot ? xstrndup(p, (size_t)(dot - p)) : xstrdup(p);
		if (!dot) {
			json_object_set_new(cur, k, val);
			free(k);
			return root;
		}
		json_t *next = json_object_get(cur, k);
		next = json_is_object(next) ? json_copy(next) : json_object();
		json_object_set_new(cur, k, next);
		free(k);
		cur = next;
		p = dot + 1;
	}
}

static json_t *scale_of(const struct sim_rtype *rt, const json_t *obj)
{
	json_t *md = json_object_get(obj, "metadata");
	json_t *smd = json_object();
	static const char *const keys[] = {
	    "name", "namespace", "uid", "resourceVersion", "creationTimestamp", NULL};
	for (size_t i = 0; keys[i]; i++)
		if (json_object_get(md, keys[i]))
			json_object_set(smd, keys[i], json_object_get(md, keys[i]));
	json_t *st = json_pack("{s:o}", "replicas", get_path(obj, scale_path(rt, false)));
	json_t *ml = json_object_get(json_object_get(json_object_get(obj, "spec"), "selector"),
				     "matchLabels");
	if (json_object_size(ml)) {
		struct buf b = BUF_INIT;
		const char *k;
		json_t *v;
		json_object_foreach(ml, k, v) {
			buf_addf(&b, "%s%s=%s", b.len ? "," : "", k, json_string_value(v));
		}
		json_object_set_new(st, "selector", json_string(b.data));
		buf_release(&b);
	}
	return json_pack("{s:s, s:s, s:o, s:{s:o}, s:o}", "kind", "Scale", "apiVersion",
			 "autoscaling/v1", "metadata", smd, "spec", "replicas",
			 get_path(obj, scale_path(rt, true)), "status", st);
}

static void scale_write(struct sim_call *c, long i, struct sim_response *resp)
{
	const json_t *obj = c->rt->coll.v[i].obj;
	json_t *scale = scale_of(c->rt, obj);
	json_t *body = NULL;
	if (strcmp(c->req->method, "PATCH") != 0) {
		body = sim_call_body(c, resp, true);
	} else {
		json_error_t err;
		body = json_loadb(c->req->body ? c->req->body : "", c->req->body_len, 0, &err);
		if (!json_is_object(body)) {
			json_decref(body);
			body = NULL;
			sim_status_error(resp, 400, "BadRequest", NULL, NULL, NULL,
					 "couldn't decode the Scale body: %s", err.text);
		}
	}
	if (!body) {
		json_decref(scale);
		return;
	}
	json_t *next = body;
	if (!strcmp(c->req->method, "PATCH")) {
		const char *ct = c->req->content_type ? c->req->content_type : "";
		char *cause = NULL;
		int code = 400;
		next = strstr(ct, "json-patch+json") ? sim_patch_json(scale, body, &cause, &code)
		       : strstr(ct, "strategic") ? sim_patch_strategic(scale, body, &cause, &code)
						 : sim_patch_merge(scale, body);
		json_decref(body);
		if (!next) {
			sim_status_error(resp, code, code == 422 ? "Invalid" : "BadRequest", NULL,
					 NULL, NULL, "%s", cause);
			free(cause);
			json_decref(scale);
			return;
		}
	}
	json_decref(scale);
	json_t *replicas = json_object_get(json_object_get(next, "spec"), "replicas");
	if (!json_is_integer(replicas) || json_integer_value(replicas) < 0) {
		json_decref(next);
		sim_status_error(
		    resp, 422, "Invalid", "autoscaling", "Scale", c->name,
		    "Scale.autoscaling \"%s\" is invalid: spec.replicas: Invalid value: "
		    "must be greater than or equal to 0",
		    c->name);
		return;
	}
	const char *rv = sim_meta_str(next, "resourceVersion");
	json_t *upd = set_path(obj, scale_path(c->rt, true), json_incref(replicas));
	json_object_set_new(upd, "metadata", json_copy(json_object_get(upd, "metadata")));
	json_object_set_new(sim_meta(upd), "resourceVersion", json_string(rv ? rv : ""));
	json_decref(next);
	json_t *out = NULL;
	if (sim_obj_update(c->api, c->rt, i, upd, NULL, c->dry_run, resp, &out) < 0)
		return;
	sim_call_answer(c, 200, scale_of(c->rt, out));
	json_decref(out);
}

static json_t *success(int code)
{
	return json_pack("{s:s, s:s, s:{}, s:s, s:i}", "kind", "Status", "apiVersion", "v1",
			 "metadata", "status", "Success", "code", code);
}

static void pod_binding(struct sim_call *c, long i, struct sim_response *resp)
{
	json_t *body = sim_call_body(c, resp, true);
	if (!body)
		return;
	const char *node =
	    json_string_value(json_object_get(json_object_get(body, "target"), "name"));
	if (!node) {
		json_decref(body);
		sim_status_error(resp, 400, "BadRequest", NULL, NULL, NULL,
				 "a Binding needs target.name");
		return;
	}
	const json_t *pod = c->rt->coll.v[i].obj;
	const char *cur =
	    json_string_value(json_object_get(json_object_get(pod, "spec"), "nodeName"));
	if (cur && *cur) {
		sim_status_error(resp, 409, "Conflict", "", "pods", c->name,
				 "Operation cannot be fulfilled on pods/binding \"%s\": pod %s is "
				 "already assigned to node \"%s\"",
				 c->name, c->name, cur);
		json_decref(body);
		return;
	}
	json_t *next = set_path(pod, "spec.nodeName", json_string(node));
	json_decref(body);
	if (sim_obj_update(c->api, c->rt, i, next, "*", c->dry_run, resp, NULL) == 0)
		sim_call_answer(c, 201, success(201));
}

static void ns_finalize(struct sim_call *c, long i, struct sim_response *resp)
{
	json_t *body = sim_call_body(c, resp, true);
	if (!body)
		return;
	json_t *fin = json_object_get(json_object_get(body, "spec"), "finalizers");
	json_t *next = set_path(c->rt->coll.v[i].obj, "spec.finalizers",
				fin ? json_deep_copy(fin) : json_array());
	json_decref(body);
	json_t *out = NULL;
	if (sim_obj_update(c->api, c->rt, i, next, "*", c->dry_run, resp, &out) == 0) {
		sim_call_answer(c, 200, json_incref(out));
		json_decref(out);
	}
}

void sim_call_subresource(struct sim_call *c, struct sim_response *resp)
{
	long i = sim_coll_find(&c->rt->coll, c->rt->namespaced ? c->ns : "", c->name);
	if (i < 0) {
		char *q = sim_rtype_qualified(c->rt);
		sim_status_error(resp, 404, "NotFound", c->rt->group, c->rt->resource, c->name,
				 "%s \"%s\" not found", q, c->name);
		free(q);
		return;
	}
	const char *m = c->req->method;
	const json_t *obj = c->rt->coll.v[i].obj;
	if (!strcmp(c->sub, "scale")) {
		if (!strcmp(m, "GET"))
			sim_call_answer(c, 200, scale_of(c->rt, obj));
		else
			scale_write(c, i, resp);
	} else if (!strcmp(c->sub, "log")) {
		json_t *ann = json_object_get(json_object_get(obj, "metadata"), "annotations");
		const char *log = json_string_value(json_object_get(ann, "kaic-sim/log"));
		const char *unreachable =
		    json_string_value(json_object_get(ann, "kaic-sim/no-container"));
		if (unreachable) { /* the pod's kubelet is fake (controllers.kubelet) */
			sim_status_error(resp, 500, "InternalError", NULL, NULL, NULL, "%s",
					 unreachable);
			return;
		}
		resp->status = 200;
		resp->content_type = xstrdup("text/plain");
		resp->body = xstrdup(log ? log : "");
		resp->len = strlen(resp->body);
	} else if (!strcmp(c->sub, "eviction")) {
		json_t *out = NULL;
		sim_obj_delete(c->api, c->rt, i, c->dry_run, NULL, &out);
		json_decref(out);
		sim_call_answer(c, 201, success(201));
	} else if (!strcmp(c->sub, "binding")) {
		pod_binding(c, i, resp);
	} else if (!strcmp(c->sub, "finalize")) {
		ns_finalize(c, i, resp);
	}
}

/* POST .../namespaces/NS/bindings: a Binding named after the pod binds it (what the
 * scheduler posts to pods/NAME/binding). */
void sim_call_bindings(struct sim_call *c, struct sim_response *resp)
{
	json_t *body = sim_call_body(c, resp, true);
	if (!body)
		return;
	const char *name = sim_meta_str(body, "name");
	struct sim_rtype *pods = sim_registry_find(&c->api->reg, "", "pods");
	long i = name && pods ? sim_coll_find(&pods->coll, c->ns, name) : -1;
	if (i < 0) {
		sim_status_error(resp, 404, "NotFound", "", "pods", name ? name : "",
				 "pods \"%s\" not found", name ? name : "");
	} else {
		c->rt = pods;
		c->name = pods->coll.v[i].name;
		pod_binding(c, i, resp);
	}
	json_decref(body);
}
