/* dra.c: the simulated DRA controllers (resource.k8s.io, any served version).
 *  - the resource-claim controller: a pod whose spec.resourceClaims[] names a
 *    resourceClaimTemplateName gets the ResourceClaim `<pod>-<claim>-<5 random>` made from
 *    the template (ownerReference the pod, annotation resource.kubernetes.io/pod-claim-name)
 *    and pod.status.resourceClaimStatuses [{name, resourceClaimName}];
 *  - the allocator (used by the scheduler, and for claims without a pod): each request
 *    (`exactly` or v1beta1's flat form, or `firstAvailable`) gets `count` free devices
 *    (allocationMode All: every matching one) from the ResourceSlices whose device
 *    matches the DeviceClass's CEL selectors and the request's (cel.c); every device of
 *    a claim is on one node (tried in name order); constraints[].matchAttribute make the
 *    chosen devices share that attribute. status.allocation gets devices.results
 *    [{request, driver, pool, device}] and a nodeSelector for the node; reservedFor lists
 *    the consuming pods. A claim that cannot be allocated keeps no allocation.
 * controllers.dra.allocate: false never allocates; controllers.dra.matchAttribute: false
 * ignores constraints (an allocator without topology alignment). */

#include "controllers/dra.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/meta.h"
#include "controllers/cel.h"
#include "controllers/ctl_util.h"
#include "sim.h"
#include "util/xmalloc.h"

#define DRA_GROUP "resource.k8s.io"
#define DRA_POD_CLAIM_ANNOTATION "resource.kubernetes.io/pod-claim-name"

/* ---- the allocator ---- */

/* Appends the devices of slice s to r as {driver, pool, device, node, dev (with
 * "driver")}. */
static void slice_devices(const json_t *s, json_t *r)
{
	const char *driver = ctl_s(s, "spec.driver");
	size_t j;
	json_t *d;
	json_array_foreach(ctl_at(s, "spec.devices"), j, d) {
		if (!json_is_object(d) || !ctl_str(d, "name"))
			continue;
		json_t *dev = json_copy(d);
		json_object_set_new(dev, "driver", json_string(driver));
		json_array_append_new(r, json_pack("{s:s, s:s, s:s, s:s, s:o}", "driver", driver,
						   "pool", ctl_s(s, "spec.pool.name"), "device",
						   ctl_s(d, "name"), "node",
						   ctl_s(s, "spec.nodeName"), "dev", dev));
	}
}

/* Every published device (slice_devices' form). */
static json_t *all_devices(struct sim_api *api)
{
	json_t *r = json_array();
	json_t *slices = ctl_list(api, DRA_GROUP, "resourceslices", NULL);
	size_t i;
	json_t *s;
	json_array_foreach(slices, i, s) {
		slice_devices(s, r);
	}
	json_decref(slices);
	return r;
}

static char *dev_key(const json_t *d)
{
	return xasprintf("%s/%s/%s", ctl_s(d, "driver"), ctl_s(d, "pool"), ctl_s(d, "device"));
}

/* driver/pool/device of every device allocated to a claim other than self (an object
 * used as a set). */
static json_t *used_devices(struct sim_api *api, const json_t *self)
{
	json_t *used = json_object();
	json_t *claims = ctl_list(api, DRA_GROUP, "resourceclaims", NULL);
	size_t i, j;
	json_t *c, *r;
	json_array_foreach(claims, i, c) {
		if (!strcmp(ctl_s(c, "metadata.uid"), ctl_s(self, "metadata.uid")))
			continue;
		json_array_foreach(ctl_at(c, "status.allocation.devices.results"), j, r) {
			char *k = dev_key(r);
			json_object_set_new(used, k, json_true());
			free(k);
		}
	}
	json_decref(claims);
	return used;
}

static bool selectors_match(const json_t *sels, const json_t *dev)
{
	size_t i;
	json_t *s;
	json_array_foreach(sels, i, s) {
		if (!ctl_cel_match(ctl_str(s, "cel.expression"), dev))
			return false;
	}
	return true;
}

/* The attribute value (as compact JSON, caller frees) for a matchAttribute name. */
static char *attr_of(const json_t *dev, const char *qname)
{
	json_t *attrs = json_object_get(dev, "attributes");
	if (!attrs)
		attrs = ctl_at(dev, "basic.attributes");
	json_t *v = json_object_get(attrs, qname);
	const char *slash = strrchr(qname, '/');
	if (!v && slash && !strncmp(qname, ctl_s(dev, "driver"), (size_t)(slash - qname)) &&
	    strlen(ctl_s(dev, "driver")) == (size_t)(slash - qname))
		v = json_object_get(attrs, slash + 1);
	return v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

struct alloc {
	struct sim_api *api;
	const json_t *claim;
	json_t *devices; /* all_devices */
	json_t *used;	 /* set, grows as devices are chosen */
	json_t *fixed;	 /* constraint index -> attribute value */
	json_t *results;
	char *why;
};

/* Whether constraint k applies to request name. */
static bool constraint_covers(const json_t *k, const char *req)
{
	json_t *reqs = json_object_get(k, "requests");
	if (!json_array_size(reqs))
		return true;
	size_t i;
	json_t *r;
	json_array_foreach(reqs, i, r) {
		const char *s = json_string_value(r);
		size_t n = s ? strlen(s) : 0;
		if (s && (!strcmp(s, req) || (!strncmp(req, s, n) && req[n] == '/')))
			return true;
	}
	return false;
}

/* Candidates for one request spec on node (new array of device entries). */
static json_t *candidates(struct alloc *a, const json_t *spec, const json_t *cls, const char *node)
{
	json_t *r = json_array();
	size_t i;
	json_t *d;
	json_array_foreach(a->devices, i, d) {
		const char *dn = ctl_s(d, "node");
		if (*dn && strcmp(dn, node) != 0)
			continue;
		char *k = dev_key(d);
		bool used = json_object_get(a->used, k) != NULL;
		free(k);
		const json_t *dev = json_object_get(d, "dev");
		if (used || !selectors_match(ctl_at(cls, "spec.selectors"), dev) ||
		    !selectors_match(json_object_get(spec, "selectors"), dev))
			continue;
		json_array_append(r, d);
	}
	return r;
}

/* Keeps the candidates satisfying the constraints on request req; fixes the values of
 * constraints not fixed yet to the first value with at least need devices. */
static json_t *constrain(struct alloc *a, json_t *cands, const char *req, long need)
{
	size_t i, j;
	json_t *k, *d;
	if (!ctl_setting_bool(a->api, "dra", "matchAttribute", true))
		return cands;
	json_array_foreach(ctl_at(a->claim, "spec.devices.constraints"), i, k) {
		const char *attr = ctl_str(k, "matchAttribute");
		if (!attr || !constraint_covers(k, req))
			continue;
		char idx[24];
		snprintf(idx, sizeof(idx), "%zu", i);
		const char *want = json_string_value(json_object_get(a->fixed, idx));
		json_t *kept = json_array();
		if (!want) {
			/* the first value that enough candidates share */
			json_array_foreach(cands, j, d) {
				char *v = attr_of(json_object_get(d, "dev"), attr);
				long n = 0;
				size_t m;
				json_t *e;
				json_array_foreach(cands, m, e) {
					char *w = attr_of(json_object_get(e, "dev"), attr);
					n += v && w && !strcmp(v, w);
					free(w);
				}
				if (v && n >= need && !want) {
					json_object_set_new(a->fixed, idx, json_string(v));
					want = json_string_value(json_object_get(a->fixed, idx));
				}
				free(v);
			}
		}
		json_array_foreach(cands, j, d) {
			char *v = attr_of(json_object_get(d, "dev"), attr);
			if (v && want && !strcmp(v, want))
				json_array_append(kept, d);
			free(v);
		}
		json_decref(cands);
		cands = kept;
	}
	return cands;
}

/* Allocates one request spec (named req) on node; false when it cannot. */
static bool alloc_spec(struct alloc *a, const json_t *spec, const char *req, const char *node)
{
	const char *cname = ctl_str(spec, "deviceClassName");
	json_t *cls = cname ? ctl_get(a->api, DRA_GROUP, "deviceclasses", NULL, cname) : NULL;
	if (!cls) {
		free(a->why);
		a->why = xasprintf("request \"%s\": device class \"%s\" not found", req,
				   cname ? cname : "");
		return false;
	}
	bool all = !strcmp(ctl_s(spec, "allocationMode"), "All");
	json_t *cnt = json_object_get(spec, "count");
	long need = json_is_integer(cnt) ? (long)json_integer_value(cnt) : 1;
	json_t *cands = candidates(a, spec, cls, node);
	json_decref(cls);
	if (all)
		need = json_array_size(cands) ? (long)json_array_size(cands) : 1;
	cands = constrain(a, cands, req, need);
	bool ok = need >= 1 && (long)json_array_size(cands) >= need;
	for (long i = 0; ok && i < need; i++) {
		json_t *d = json_array_get(cands, (size_t)i);
		char *k = dev_key(d);
		json_object_set_new(a->used, k, json_true());
		free(k);
		json_array_append_new(a->results,
				      json_pack("{s:s, s:O, s:O, s:O}", "request", req, "driver",
						json_object_get(d, "driver"), "pool",
						json_object_get(d, "pool"), "device",
						json_object_get(d, "device")));
	}
	if (!ok && !a->why)
		a->why = xasprintf("request \"%s\": %ld of %ld device(s) of class \"%s\" available",
				   req, (long)json_array_size(cands), need, cname);
	json_decref(cands);
	return ok;
}

static bool alloc_request(struct alloc *a, const json_t *r, const char *node)
{
	const char *name = ctl_s(r, "name");
	json_t *ex = json_object_get(r, "exactly");
	json_t *first = json_object_get(r, "firstAvailable");
	if (json_array_size(first)) {
		size_t i;
		json_t *sub;
		json_array_foreach(first, i, sub) {
			char *full = xasprintf("%s/%s", name, ctl_s(sub, "name"));
			json_t *used = json_deep_copy(a->used);
			json_t *fixed = json_deep_copy(a->fixed);
			size_t nres = json_array_size(a->results);
			bool ok = alloc_spec(a, sub, full, node);
			free(full);
			if (ok) {
				json_decref(used);
				json_decref(fixed);
				return true;
			}
			json_decref(a->used);
			json_decref(a->fixed);
			a->used = used;
			a->fixed = fixed;
			while (json_array_size(a->results) > nres)
				json_array_remove(a->results, nres);
		}
		return false;
	}
	return alloc_spec(a, ex ? ex : r, name, node);
}

/* Distinct node names of the devices, sorted, then "" for node-independent ones. */
static json_t *device_nodes(const json_t *devices)
{
	json_t *set = json_object();
	size_t i;
	json_t *d;
	json_array_foreach(devices, i, d) {
		json_object_set_new(set, ctl_s(d, "node"), json_true());
	}
	json_t *r = json_array();
	const char *k;
	json_t *v;
	json_object_foreach(set, k, v) {
		if (*k)
			json_array_append_new(r, json_string(k));
	}
	json_decref(set);
	/* insertion sort by name */
	size_t n = json_array_size(r);
	for (size_t x = 1; x < n; x++)
		for (size_t y = x; y > 0; y--) {
			json_t *p = json_array_get(r, y - 1), *q = json_array_get(r, y);
			if (strcmp(json_string_value(p), json_string_value(q)) <= 0)
				break;
			json_incref(p);
			json_array_set(r, y - 1, q);
			json_array_set_new(r, y, p);
		}
	json_array_append_new(r, json_string(""));
	return r;
}

/* Computes an allocation for claim on one of the nodes of allowed (a set; NULL: any,
 * node-independent devices always); a new object or NULL with *why. */
static json_t *allocate(struct sim_api *api, const json_t *claim, const json_t *allowed, char **why)
{
	struct alloc a = {.api = api, .claim = claim, .devices = all_devices(api)};
	json_t *base_used = used_devices(api, claim);
	json_t *nodes = device_nodes(a.devices);
	json_t *reqs = ctl_at(claim, "spec.devices.requests");
	json_t *result = NULL;
	size_t i, j;
	json_t *node, *r;
	if (!json_array_size(reqs))
		a.why = xstrdup("the claim requests no devices");
	json_array_foreach(nodes, i, node) {
		if (result || !json_array_size(reqs))
			break;
		if (allowed && *json_string_value(node) &&
		    !json_object_get(allowed, json_string_value(node)))
			continue;
		a.used = json_deep_copy(base_used);
		a.fixed = json_object();
		a.results = json_array();
		bool ok = true;
		json_array_foreach(reqs, j, r) {
			ok = ok && alloc_request(&a, r, json_string_value(node));
		}
		if (ok) {
			result = json_pack("{s:{s:O}}", "devices", "results", a.results);
			if (*json_string_value(node))
				json_object_set_new(
				    result, "nodeSelector",
				    json_pack("{s:[{s:[{s:s, s:s, s:[s]}]}]}", "nodeSelectorTerms",
					      "matchFields", "key", "metadata.name", "operator",
					      "In", "values", json_string_value(node)));
		}
		json_decref(a.used);
		json_decref(a.fixed);
		json_decref(a.results);
	}
	json_decref(nodes);
	json_decref(base_used);
	json_decref(a.devices);
	if (!result)
		*why = a.why ? a.why : xstrdup("no devices are published");
	else
		free(a.why);
	return result;
}

/* Whether claim's allocation is on a node of allowed (NULL: any), node-independent, or
 * reserved (in use: the scheduler does not move it). */
static bool allocation_stays(const json_t *claim, const json_t *allowed)
{
	const char *node = ctl_str(
	    claim, "status.allocation.nodeSelector.nodeSelectorTerms.0.matchFields.0.values.0");
	return !allowed || !node || json_object_get(allowed, node) ||
	       json_array_size(ctl_at(claim, "status.reservedFor")) > 0;
}

bool ctl_dra_claim_fits(struct sim_api *api, const json_t *claim, const json_t *slice)
{
	struct alloc a = {.api = api,
			  .claim = claim,
			  .devices = json_array(),
			  .used = json_object(),
			  .fixed = json_object(),
			  .results = json_array()};
	slice_devices(slice, a.devices);
	json_t *reqs = ctl_at(claim, "spec.devices.requests");
	bool ok = json_array_size(reqs) > 0;
	size_t i;
	json_t *r;
	json_array_foreach(reqs, i, r) {
		ok = ok && alloc_request(&a, r, ctl_s(slice, "spec.nodeName"));
	}
	json_decref(a.devices);
	json_decref(a.used);
	json_decref(a.fixed);
	json_decref(a.results);
	free(a.why);
	return ok;
}

int ctl_dra_allocate(struct sim_api *api, const char *ns, const char *name, char **why)
{
	return ctl_dra_allocate_on(api, ns, name, NULL, why);
}

int ctl_dra_allocate_on(struct sim_api *api, const char *ns, const char *name,
			const json_t *allowed, char **why)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		json_t *claim = ctl_get(api, DRA_GROUP, "resourceclaims", ns, name);
		if (!claim)
			return -1;
		if (ctl_at(claim, "status.allocation") && allocation_stays(claim, allowed)) {
			json_decref(claim);
			return 1;
		}
		if (!ctl_setting_bool(api, "dra", "allocate", true)) {
			json_decref(claim);
			*why = xasprintf("resourceclaim \"%s\" is not allocated", name);
			return 0;
		}
		char *reason = NULL;
		json_t *alloc = allocate(api, claim, allowed, &reason);
		if (!alloc) {
			json_decref(claim);
			*why = xasprintf("resourceclaim \"%s\": %s", name, reason);
			free(reason);
			return 0;
		}
		json_t *next = json_deep_copy(claim);
		json_decref(claim);
		json_t *st = ctl_status(next);
		json_object_set_new(st, "allocation", alloc);
		if (ctl_replace(api, DRA_GROUP, "resourceclaims", next) == 0)
			return 1;
	}
	*why = xasprintf("resourceclaim \"%s\" changed during allocation", name);
	return 0;
}

int ctl_dra_reserve(struct sim_api *api, const char *ns, const char *claim, const json_t *pod)
{
	json_t *c = ctl_get(api, DRA_GROUP, "resourceclaims", ns, claim);
	if (!c)
		return -1;
	const char *uid = ctl_s(pod, "metadata.uid");
	size_t i;
	json_t *r;
	json_array_foreach(ctl_at(c, "status.reservedFor"), i, r) {
		if (!strcmp(ctl_s(r, "uid"), uid)) {
			json_decref(c);
			return 0;
		}
	}
	json_t *next = json_deep_copy(c);
	json_decref(c);
	json_t *st = ctl_status(next);
	json_t *rf = json_object_get(st, "reservedFor");
	if (!json_is_array(rf)) {
		rf = json_array();
		json_object_set_new(st, "reservedFor", rf);
	}
	json_array_append_new(rf, json_pack("{s:s, s:s, s:s}", "resource", "pods", "name",
					    ctl_s(pod, "metadata.name"), "uid", uid));
	return ctl_replace(api, DRA_GROUP, "resourceclaims", next);
}

/* ---- the resource-claim controller ---- */

/* Creates the claim of pod entry pc from its template; returns its name or NULL. */
static char *claim_from_template(struct sim_api *api, const json_t *pod, const json_t *pc)
{
	const char *ns = ctl_s(pod, "metadata.namespace");
	json_t *tpl = ctl_get(api, DRA_GROUP, "resourceclaimtemplates", ns,
			      ctl_str(pc, "resourceClaimTemplateName"));
	if (!tpl)
		return NULL;
	char rnd[6];
	ctl_random(api, rnd, 5);
	char *name =
	    xasprintf("%.*s-%.*s-%s", 28, ctl_s(pod, "metadata.name"), 28, ctl_s(pc, "name"), rnd);
	json_t *md = json_deep_copy(ctl_at(tpl, "spec.metadata"));
	if (!json_is_object(md)) {
		json_decref(md);
		md = json_object();
	}
	json_object_set_new(md, "name", json_string(name));
	json_object_set_new(md, "namespace", json_string(ns));
	json_t *ann = json_object_get(md, "annotations");
	if (!json_is_object(ann)) {
		ann = json_object();
		json_object_set_new(md, "annotations", ann);
	}
	json_object_set_new(ann, DRA_POD_CLAIM_ANNOTATION, json_string(ctl_s(pc, "name")));
	json_object_set_new(md, "ownerReferences",
			    json_pack("[{s:s, s:s, s:s, s:s, s:b, s:b}]", "apiVersion", "v1",
				      "kind", "Pod", "name", ctl_s(pod, "metadata.name"), "uid",
				      ctl_s(pod, "metadata.uid"), "controller", 1,
				      "blockOwnerDeletion", 1));
	json_t *spec = json_deep_copy(ctl_at(tpl, "spec.spec"));
	json_t *claim =
	    json_pack("{s:O, s:s, s:o, s:o}", "apiVersion", json_object_get(tpl, "apiVersion"),
		      "kind", "ResourceClaim", "metadata", md, "spec", spec ? spec : json_object());
	json_decref(tpl);
	if (ctl_create(api, claim) < 0) {
		free(name);
		return NULL;
	}
	return name;
}

static void pod_claims(struct sim_api *api, const json_t *pod)
{
	json_t *have = ctl_at(pod, "status.resourceClaimStatuses");
	json_t *add = json_array();
	size_t i, j;
	json_t *pc, *s;
	json_array_foreach(ctl_at(pod, "spec.resourceClaims"), i, pc) {
		if (!ctl_str(pc, "resourceClaimTemplateName"))
			continue;
		bool found = false;
		json_array_foreach(have, j, s) {
			found = found || !strcmp(ctl_s(s, "name"), ctl_s(pc, "name"));
		}
		if (found)
			continue;
		char *name = claim_from_template(api, pod, pc);
		if (name)
			json_array_append_new(add,
					      json_pack("{s:s, s:s}", "name", ctl_s(pc, "name"),
							"resourceClaimName", name));
		free(name);
	}
	if (json_array_size(add)) {
		json_t *next = json_deep_copy(pod);
		json_t *st = ctl_status(next);
		json_t *rcs = json_object_get(st, "resourceClaimStatuses");
		if (!json_is_array(rcs)) {
			rcs = json_array();
			json_object_set_new(st, "resourceClaimStatuses", rcs);
		}
		json_array_extend(rcs, add);
		ctl_replace(api, "", "pods", next);
	}
	json_decref(add);
}

static void dra_pod_on_change(struct sim_api *api, const char *event, const json_t *obj)
{
	if (!strcmp(event, "DELETED") || !json_array_size(ctl_at(obj, "spec.resourceClaims")) ||
	    sim_meta_str(obj, "deletionTimestamp"))
		return;
	json_t *pod =
	    ctl_get(api, "", "pods", sim_meta_str(obj, "namespace"), sim_meta_str(obj, "name"));
	if (pod)
		pod_claims(api, pod);
	json_decref(pod);
}

static void try_claim(struct sim_api *api, const json_t *claim)
{
	if (ctl_at(claim, "status.allocation") || sim_meta_str(claim, "deletionTimestamp"))
		return;
	char *why = NULL;
	ctl_dra_allocate(api, sim_meta_str(claim, "namespace"), sim_meta_str(claim, "name"), &why);
	free(why);
}

static void dra_claim_on_change(struct sim_api *api, const char *event, const json_t *obj)
{
	if (!strcmp(event, "ADDED"))
		try_claim(api, obj);
}

static bool unallocated(const json_t *claim, void *arg)
{
	(void)arg;
	return !ctl_at(claim, "status.allocation");
}

static void dra_claim_tick(struct sim_api *api)
{
	json_t *claims = ctl_list_filter(api, DRA_GROUP, "resourceclaims", unallocated, NULL);
	size_t i;
	json_t *c;
	json_array_foreach(claims, i, c) {
		try_claim(api, c);
	}
	json_decref(claims);
}

const struct sim_controller sim_controller_dra_pods = {
    .name = "dra",
    .group = "",
    .resource = "pods",
    .on_change = dra_pod_on_change,
    .tick = NULL,
};

const struct sim_controller sim_controller_dra_claims = {
    .name = "dra",
    .group = DRA_GROUP,
    .resource = "resourceclaims",
    .on_change = dra_claim_on_change,
    .tick = dra_claim_tick,
};
