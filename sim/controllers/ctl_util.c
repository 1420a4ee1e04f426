/* ctl_util.c: the helpers of ctl_util.h shared by the simulated controllers: settings, read
 * access to the store without copies, optimistic replaces, events, label selectors,
 * conditions and pod helpers. */

#include "controllers/ctl_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/meta.h"
#include "base/status.h"
#include "model/registry.h"
#include "model/store.h"
#include "objects/admin.h"
#include "objects/object.h"
#include "sim.h"
#include "util/log.h"
#include "util/xmalloc.h"

bool ctl_setting_bool(struct sim_api *api, const char *name, const char *key, bool dflt)
{
	const json_t *v = ctl_setting(api, name, key);
	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

const json_t *ctl_setting(struct sim_api *api, const char *name, const char *key)
{
	return json_object_get(sim_api_controller_settings(api, name), key);
}

json_t *ctl_at(const json_t *obj, const char *path)
{
	const json_t *cur = obj;
	const char *p = path;
	while (cur && *p) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		char key[128];
		if (len >= sizeof(key))
			return NULL;
		memcpy(key, p, len);
		key[len] = '\0';
		if (json_is_array(cur)) {
			char *end;
			long idx = strtol(key, &end, 10);
			cur = *key && !*end && idx >= 0 ? json_array_get(cur, (size_t)idx) : NULL;
		} else {
			cur = json_object_get(cur, key);
		}
		p += len + (dot ? 1 : 0);
	}
	return (json_t *)cur;
}

const char *ctl_str(const json_t *obj, const char *path)
{
	return json_string_value(ctl_at(obj, path));
}

const char *ctl_s(const json_t *obj, const char *path)
{
	const char *s = ctl_str(obj, path);
	return s ? s : "";
}

json_t *ctl_get(struct sim_api *api, const char *group, const char *resource, const char *ns,
		const char *name)
{
	json_t *r = NULL;
	if (!name)
		return NULL;
	pthread_mutex_lock(&api->mu);
	struct sim_rtype *rt = sim_registry_find(&api->reg, group ? group : "", resource);
	long i = rt ? sim_coll_find(&rt->coll, rt->namespaced && ns ? ns : "", name) : -1;
	if (i >= 0)
		r = json_incref(rt->coll.v[i].obj);
	pthread_mutex_unlock(&api->mu);
	return r;
}

json_t *ctl_list(struct sim_api *api, const char *group, const char *resource, const char *ns)
{
	json_t *a = json_array();
	pthread_mutex_lock(&api->mu);
	struct sim_rtype *rt = sim_registry_find(&api->reg, group ? group : "", resource);
	if (rt) {
		size_t i = ns && rt->namespaced ? sim_coll_lower(&rt->coll, ns, "") : 0;
		for (; i < rt->coll.n; i++) {
			if (ns && rt->namespaced && strcmp(rt->coll.v[i].ns, ns) != 0)
				break;
			json_array_append(a, rt->coll.v[i].obj);
		}
	}
	pthread_mutex_unlock(&api->mu);
	return a;
}

json_t *ctl_list_filter(struct sim_api *api, const char *group, const char *resource,
			bool (*keep)(const json_t *obj, void *arg), void *arg)
{
	json_t *a = json_array();
	pthread_mutex_lock(&api->mu);
	struct sim_rtype *rt = sim_registry_find(&api->reg, group ? group : "", resource);
	for (size_t i = 0; rt && i < rt->coll.n; i++)
		if (keep(rt->coll.v[i].obj, arg))
			json_array_append(a, rt->coll.v[i].obj);
	pthread_mutex_unlock(&api->mu);
	return a;
}

json_t *ctl_scan(struct sim_api *api, const char *group, const char *resource,
		 bool (*keep)(const json_t *obj, void *arg), void *arg, unsigned slot)
{
	json_t *a = json_array();
	pthread_mutex_lock(&api->mu);
	uint64_t seq = api->log.next_seq;
	if (slot < 4 && api->ctl_marks[slot] == seq + 1) {
		pthread_mutex_unlock(&api->mu);
		return a;
	}
	struct sim_rtype *rt = sim_registry_find(&api->reg, group ? group : "", resource);
	for (size_t i = 0; rt && i < rt->coll.n; i++)
		if (keep(rt->coll.v[i].obj, arg))
			json_array_append(a, rt->coll.v[i].obj);
	if (slot < 4)
		api->ctl_marks[slot] = json_array_size(a) ? 0 : seq + 1;
	pthread_mutex_unlock(&api->mu);
	return a;
}

int ctl_replace(struct sim_api *api, const char *group, const char *resource, json_t *obj)
{
	int rc = -1;
	const char *name = sim_meta_str(obj, "name");
	const char *ns = sim_meta_str(obj, "namespace");
	pthread_mutex_lock(&api->mu);
	struct sim_rtype *rt = sim_registry_find(&api->reg, group, resource);
	long i = rt && name ? sim_coll_find(&rt->coll, rt->namespaced && ns ? ns : "", name) : -1;
	if (i >= 0) {
		struct sim_response r = {0};
		rc = sim_obj_update(api, rt, i, obj, "*", false, &r, NULL);
		obj = NULL;
		if (rc < 0)
			log_debug("controller write of %s \"%s\" failed: %s", resource, name,
				  r.body ? r.body : "");
		sim_response_release(&r);
	}
	pthread_mutex_unlock(&api->mu);
	json_decref(obj);
	return rc;
}

int ctl_create(struct sim_api *api, json_t *obj)
{
	char *cause = NULL;
	if (sim_api_create(api, obj, &cause) < 0) {
		log_debug("controller create failed: %s", cause);
		free(cause);
		return -1;
	}
	return 0;
}

int ctl_create_status(struct sim_api *api, const char *group, const char *resource, json_t *obj)
{
	json_t *st = json_incref(json_object_get(obj, "status"));
	char *ns = sim_meta_str(obj, "namespace") ? xstrdup(sim_meta_str(obj, "namespace")) : NULL;
	char *name = xstrdup(sim_meta_str(obj, "name") ? sim_meta_str(obj, "name") : "");
	json_object_del(obj, "status");
	int rc = ctl_create(api, obj);
	json_t *have = rc == 0 && st ? ctl_get(api, group, resource, ns, name) : NULL;
	if (have) {
		json_t *next = json_deep_copy(have);
		json_object_set(next, "status", st);
		rc = ctl_replace(api, group, resource, next);
	}
	json_decref(have);
	json_decref(st);
	free(ns);
	free(name);
	return rc;
}

void ctl_random(struct sim_api *api, char *out, size_t n)
{
	pthread_mutex_lock(&api->mu);
	sim_store_random(api, out, n);
	pthread_mutex_unlock(&api->mu);
	out[n] = '\0';
}

void ctl_now(char out[32])
{
	sim_store_now(out);
}

long long ctl_time_parse(const char *s)
{
	struct tm tm = {0};
	if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
		return 0;
	return (long long)timegm(&tm);
}

void ctl_event(struct sim_api *api, const json_t *obj, const char *kind, const char *type,
	       const char *reason, const char *message)
{
	const char *ns = sim_meta_str(obj, "namespace");
	const char *name = sim_meta_str(obj, "name");
	if (!name)
		return;
	char now[32];
	ctl_now(now);
	/* as client-go's recorder names events: the object's name and the time in hex
	 * nanoseconds, so that a list shows an object's events in order */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	unsigned long long ns_now =
	    (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
	char *ename = xasprintf("%s.%llx", name, ns_now);
	json_t *involved = json_pack("{s:s, s:s}", "kind", kind, "name", name);
	const char *av = json_string_value(json_object_get(obj, "apiVersion"));
	if (av)
		json_object_set_new(involved, "apiVersion", json_string(av));
	if (ns)
		json_object_set_new(involved, "namespace", json_string(ns));
	if (sim_meta_str(obj, "uid"))
		json_object_set_new(involved, "uid", json_string(sim_meta_str(obj, "uid")));
	json_t *ev = json_pack("{s:s, s:s, s:{s:s, s:s}, s:o, s:s, s:s, s:s, s:{s:s}, s:s, s:s, "
			       "s:i}",
			       "apiVersion", "v1", "kind", "Event", "metadata", "name", ename,
			       "namespace", ns ? ns : "default", "involvedObject", involved, "type",
			       type, "reason", reason, "message", message, "source", "component",
			       "kaic-sim", "firstTimestamp", now, "lastTimestamp", now, "count", 1);
	free(ename);
	ctl_create(api, ev);
}

static bool expr_match(const json_t *e, const json_t *labels)
{
	const char *key = json_string_value(json_object_get(e, "key"));
	const char *op = json_string_value(json_object_get(e, "operator"));
	if (!key || !op)
		return false;
	const char *have = json_string_value(json_object_get(labels, key));
	json_t *vals = json_object_get(e, "values");
	bool in = false;
	size_t i;
	json_t *v;
	json_array_foreach(vals, i, v) {
		if (have && json_is_string(v) && !strcmp(json_string_value(v), have))
			in = true;
	}
	if (!strcmp(op, "In"))
		return in;
	if (!strcmp(op, "NotIn"))
		return !in;
	if (!strcmp(op, "Exists"))
		return have != NULL;
	if (!strcmp(op, "DoesNotExist"))
		return have == NULL;
	return false;
}

bool ctl_selector_match(const json_t *selector, const json_t *labels)
{
	if (!json_is_object(selector))
		return false;
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)json_object_get(selector, "matchLabels"), k, v) {
		const char *have = json_string_value(json_object_get(labels, k));
		if (!have || !json_is_string(v) || strcmp(have, json_string_value(v)) != 0)
			return false;
	}
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(selector, "matchExpressions"), i, e) {
		if (!expr_match(e, labels))
			return false;
	}
	return true;
}

bool ctl_map_match(const json_t *map, const json_t *labels)
{
	if (!json_is_object(map) || !json_object_size(map))
		return false;
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)map, k, v) {
		const char *have = json_string_value(json_object_get(labels, k));
		if (!have || !json_is_string(v) || strcmp(have, json_string_value(v)) != 0)
			return false;
	}
	return true;
}

void ctl_condition(json_t *status, const char *type, const char *cstatus, const char *reason,
		   const char *message, long long gen)
{
	json_t *conds = json_object_get(status, "conditions");
	if (!json_is_array(conds)) {
		conds = json_array();
		json_object_set_new(status, "conditions", conds);
	}
	json_t *c = NULL;
	size_t i;
	json_t *it;
	json_array_foreach(conds, i, it) {
		if (!strcmp(ctl_s(it, "type"), type))
			c = it;
	}
	if (!json_is_object(c)) {
		c = json_object();
		json_array_append_new(conds, c);
	}
	if (strcmp(ctl_s(c, "status"), cstatus) != 0 || !ctl_str(c, "lastTransitionTime")) {
		char now[32];
		ctl_now(now);
		json_object_set_new(c, "lastTransitionTime", json_string(now));
	}
	json_object_set_new(c, "type", json_string(type));
	json_object_set_new(c, "status", json_string(cstatus));
	json_object_set_new(c, "reason", json_string(reason));
	json_object_set_new(c, "message", json_string(message));
	if (gen >= 0)
		json_object_set_new(c, "observedGeneration", json_integer(gen));
}

const char *ctl_condition_status(const json_t *obj, const char *type)
{
	size_t i;
	json_t *c;
	json_array_foreach(ctl_at(obj, "status.conditions"), i, c) {
		if (!strcmp(ctl_s(c, "type"), type))
			return json_string_value(json_object_get(c, "status"));
	}
	return NULL;
}

const char *ctl_pod_phase(const json_t *pod)
{
	const char *p = ctl_str(pod, "status.phase");
	return p && *p ? p : "Pending";
}

bool ctl_pod_ready(const json_t *pod)
{
	const char *st = ctl_condition_status(pod, "Ready");
	return !strcmp(ctl_s(pod, "status.phase"), "Running") && st && !strcmp(st, "True") &&
	       !sim_meta_str(pod, "deletionTimestamp");
}

bool ctl_pod_answers(const json_t *pod)
{
	const json_t *ann = ctl_at(pod, "metadata.annotations");
	return ctl_pod_ready(pod) && !json_object_get(ann, CTL_NO_CONTAINER_ANNOTATION);
}

const char *ctl_pod_probe(const json_t *pod, json_t **args)
{
	json_t *c = json_array_get(ctl_at(pod, "spec.containers"), 0);
	json_t *argv = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(c, "command"), i, v) {
		json_array_append(argv, v);
	}
	json_array_foreach(json_object_get(c, "args"), i, v) {
		json_array_append(argv, v);
	}
	const char *a0 = json_string_value(json_array_get(argv, 0));
	const char *base = a0 ? strrchr(a0, '/') : NULL;
	base = base ? base + 1 : a0;
	const char *a1 = json_string_value(json_array_get(argv, 1));
	const char *name = json_string_value(json_array_get(argv, 2));
	if (!base || strcmp(base, "kaic") != 0 || !a1 || strcmp(a1, "probe") != 0 || !name) {
		json_decref(argv);
		if (args)
			*args = NULL;
		return NULL;
	}
	if (args) {
		*args = json_array();
		for (size_t k = 3; k < json_array_size(argv); k++)
			json_array_append(*args, json_array_get(argv, k));
	}
	/* the strings are the pod's own (shared references), so name outlives argv */
	json_decref(argv);
	return name;
}

/* Matches "--opt V" (advancing *i) or "--opt=V"; returns the value or NULL. */
static const char *arg_at(const json_t *args, size_t *i, const char *opt)
{
	const char *a = json_string_value(json_array_get(args, *i));
	size_t ol = strlen(opt);
	if (!a || strncmp(a, "--", 2) != 0 || strncmp(a + 2, opt, ol) != 0)
		return NULL;
	if (a[2 + ol] == '=')
		return a + 3 + ol;
	if (a[2 + ol] != '\0' || *i + 1 >= json_array_size(args))
		return NULL;
	(*i)++;
	return json_string_value(json_array_get(args, *i));
}

const char *ctl_arg(const json_t *args, const char *opt)
{
	const char *r = NULL;
	for (size_t i = 0; i < json_array_size(args); i++) {
		const char *v = arg_at(args, &i, opt);
		if (v)
			r = v;
	}
	return r;
}

json_t *ctl_arg_all(const json_t *args, const char *opt)
{
	json_t *r = json_array();
	for (size_t i = 0; i < json_array_size(args); i++) {
		const char *v = arg_at(args, &i, opt);
		if (v)
			json_array_append_new(r, json_string(v));
	}
	return r;
}

json_t *ctl_pod_ports(const json_t *pod, bool *any)
{
	json_t *r = json_array();
	json_t *args = NULL;
	const char *probe = ctl_pod_probe(pod, &args);
	*any = false;
	if (probe &&
	    (!strcmp(probe, "echo") || !strcmp(probe, "metrics") || !strcmp(probe, "mcp"))) {
		const char *p = ctl_arg(args, "port");
		char *end = NULL;
		long port = p ? strtol(p, &end, 10) : !strcmp(probe, "metrics") ? 9090 : 8080;
		if (!p || (end && !*end))
			json_array_append_new(
			    r, json_pack("{s:I, s:s}", "port", (json_int_t)port, "name", ""));
	}
	json_decref(args);
	size_t i, j;
	json_t *c, *p;
	json_array_foreach(ctl_at(pod, "spec.containers"), i, c) {
		json_array_foreach(json_object_get(c, "ports"), j, p) {
			json_t *n = json_object_get(p, "containerPort");
			if (!json_is_integer(n))
				continue;
			const char *proto = ctl_s(p, "protocol");
			if (*proto && strcmp(proto, "TCP") != 0)
				continue;
			json_array_append_new(
			    r, json_pack("{s:O, s:s}", "port", n, "name", ctl_s(p, "name")));
		}
	}
	if (!probe && !json_array_size(r))
		*any = true;
	return r;
}

int ctl_pod_pvcs(struct sim_api *api, const json_t *pod,
		 int (*fn)(struct sim_api *api, const char *claim, const json_t *pvc, void *arg),
		 void *arg)
{
	const char *ns = ctl_s(pod, "metadata.namespace");
	size_t i;
	json_t *v;
	json_array_foreach(ctl_at(pod, "spec.volumes"), i, v) {
		const char *claim = ctl_str(v, "persistentVolumeClaim.claimName");
		if (!claim)
			continue;
		json_t *pvc = ctl_get(api, "", "persistentvolumeclaims", ns, claim);
		int rc = fn(api, claim, pvc, arg);
		json_decref(pvc);
		if (rc != 0)
			return rc;
	}
	return 0;
}

uint64_t ctl_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; s && *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

bool ctl_extended_resource(const char *k)
{
	return strcmp(k, "cpu") != 0 && strcmp(k, "memory") != 0 && strcmp(k, "pods") != 0 &&
	       strcmp(k, "ephemeral-storage") != 0 && strncmp(k, "hugepages-", 10) != 0;
}

bool ctl_pod_evictable(const json_t *pod, const char *node)
{
	if (node == NULL || strcmp(ctl_s(pod, "spec.nodeName"), node) != 0 ||
	    json_object_get(ctl_at(pod, "metadata.annotations"), "kubernetes.io/config.mirror"))
		return false;
	size_t i;
	const json_t *o;
	json_array_foreach(ctl_at(pod, "metadata.ownerReferences"), i, o) {
		if (!strcmp(ctl_s(o, "kind"), "DaemonSet"))
			return false;
	}
	return true;
}

json_t *ctl_status(json_t *obj)
{
	json_t *st = json_object_get(obj, "status");
	if (!json_is_object(st)) {
		st = json_object();
		json_object_set_new(obj, "status", st);
	}
	return st;
}

json_t *ctl_pod_claims(struct sim_api *api, const json_t *pod)
{
	json_t *out = json_array();
	size_t i;
	const json_t *st;
	json_array_foreach(ctl_at(pod, "status.resourceClaimStatuses"), i, st) {
		const char *cn = ctl_str(st, "resourceClaimName");
		if (cn == NULL)
			continue;
		json_t *claim = ctl_get(api, "resource.k8s.io", "resourceclaims",
					ctl_s(pod, "metadata.namespace"), cn);
		json_array_append_new(out, claim ? claim : json_null());
	}
	return out;
}
