/* apiservice.c: the local APIServices of kube-apiserver's aggregator (its autoregister
 * and crdregistration controllers); see apiservice.h. Called with api->mu held. */

#include "objects/apiservice.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/registry.h"
#include "model/store.h"
#include "sim.h"
#include "util/siphash.h"
#include "util/xmalloc.h"

#define AUTOMANAGED "kube-aggregator.kubernetes.io/automanaged"

/* kube-apiserver's apiVersionPriorities (cmd/kube-apiserver/app/aggregator.go merged
 * with DefaultGenericAPIServicePriorities of pkg/controlplane/apiserver/aggregator.go),
 * for the groups kaic-sim serves. The aggregator registers no APIService for a built-in
 * group/version missing here (makeAPIService skips it): so none for
 * apiregistration.k8s.io, whose discovery the aggregator answers itself.
 * resource.k8s.io/v1 is not in the table as read (v1.33); 16200 is its group's
 * minimum, versionPriority 21 (above v1beta2's 15) is assumed, not read upstream. */
static const struct prio {
	const char *group, *version;
	int group_min, version_prio;
} prios[] = {
    {"", "v1", 18000, 1},
    {"apps", "v1", 17800, 15},
    {"events.k8s.io", "v1", 17750, 15},
    {"events.k8s.io", "v1beta1", 17750, 5},
    {"authentication.k8s.io", "v1", 17700, 15},
    {"authentication.k8s.io", "v1beta1", 17700, 9},
    {"authentication.k8s.io", "v1alpha1", 17700, 1},
    {"authorization.k8s.io", "v1", 17600, 15},
    {"autoscaling", "v1", 17500, 15},
    {"autoscaling", "v2", 17500, 30},
    {"autoscaling", "v2beta1", 17500, 9},
    {"autoscaling", "v2beta2", 17500, 1},
    {"batch", "v1", 17400, 15},
    {"batch", "v1beta1", 17400, 9},
    {"certificates.k8s.io", "v1", 17300, 15},
    {"certificates.k8s.io", "v1beta1", 17300, 9},
    {"certificates.k8s.io", "v1alpha1", 17300, 1},
    {"networking.k8s.io", "v1", 17200, 15},
    {"networking.k8s.io", "v1beta1", 17200, 9},
    {"policy", "v1", 17100, 15},
    {"policy", "v1beta1", 17100, 9},
    {"rbac.authorization.k8s.io", "v1", 17000, 15},
    {"storage.k8s.io", "v1", 16800, 15},
    {"storage.k8s.io", "v1beta1", 16800, 9},
    {"storage.k8s.io", "v1alpha1", 16800, 1},
    {"apiextensions.k8s.io", "v1", 16700, 15},
    {"admissionregistration.k8s.io", "v1", 16700, 15},
    {"admissionregistration.k8s.io", "v1beta1", 16700, 12},
    {"admissionregistration.k8s.io", "v1alpha1", 16700, 9},
    {"scheduling.k8s.io", "v1", 16600, 15},
    {"coordination.k8s.io", "v1", 16500, 15},
    {"coordination.k8s.io", "v1beta1", 16500, 13},
    {"coordination.k8s.io", "v1alpha2", 16500, 12},
    {"node.k8s.io", "v1", 16300, 15},
    {"node.k8s.io", "v1beta1", 16300, 9},
    {"node.k8s.io", "v1alpha1", 16300, 1},
    {"discovery.k8s.io", "v1", 16200, 15},
    {"discovery.k8s.io", "v1beta1", 16200, 12},
    {"resource.k8s.io", "v1", 16200, 21},
    {"resource.k8s.io", "v1beta2", 16200, 15},
    {"resource.k8s.io", "v1beta1", 16200, 9},
    {"resource.k8s.io", "v1alpha3", 16200, 1},
    {"flowcontrol.apiserver.k8s.io", "v1", 16100, 21},
    {"flowcontrol.apiserver.k8s.io", "v1beta3", 16100, 18},
    {"flowcontrol.apiserver.k8s.io", "v1beta2", 16100, 15},
    {"flowcontrol.apiserver.k8s.io", "v1beta1", 16100, 12},
    {"flowcontrol.apiserver.k8s.io", "v1alpha1", 16100, 9},
    {"internal.apiserver.k8s.io", "v1alpha1", 16000, 9},
    {"storagemigration.k8s.io", "v1beta1", 15800, 9},
};

/* crdregistration: "CRDs should have relatively low priority"; versions are then sorted
 * kube-like among APIServices of the same versionPriority. */
#define CRD_GROUP_MIN 1000
#define CRD_VERSION_PRIO 100

static const struct prio *builtin_prio(const char *group, const char *version)
{
	for (size_t i = 0; i < sizeof(prios) / sizeof(prios[0]); i++)
		if (!strcmp(prios[i].group, group) && !strcmp(prios[i].version, version))
			return &prios[i];
	return NULL;
}

/* A UUID derived from the name and the current resourceVersion: the seeded random
 * stream (names and uids of the scenario's later objects) stays as it was. */
static void derived_uid(const struct sim_api *api, const char *name, char out[37])
{
	size_t n = strlen(name);
	uint64_t a = siphash24(0x6b6169632d73696dULL, api->rv, name, n);
	uint64_t b = siphash24(api->rv, 0x61706973657276ULL, name, n);
	snprintf(out, 37, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
		 (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff,
		 (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
		 (unsigned long long)(b & 0xffffffffffffULL));
}

/* Creates the local APIService of group/version unless one of that name is stored. */
static void ensure(struct sim_api *api, struct sim_rtype *as, const char *group,
		   const char *version, const char *label, int group_min, int version_prio)
{
	char *name = xasprintf("%s.%s", version, group);
	if (sim_coll_find(&as->coll, "", name) >= 0) {
		free(name);
		return;
	}
	char uid[37], now[32];
	derived_uid(api, name, uid);
	sim_store_now(now);
	char *av = sim_api_version_str(as->group, as->versions[0]);
	json_t *spec = json_object();
	if (*group)
		json_object_set_new(spec, "group", json_string(group));
	json_object_set_new(spec, "version", json_string(version));
	json_object_set_new(spec, "groupPriorityMinimum", json_integer(group_min));
	json_object_set_new(spec, "versionPriority", json_integer(version_prio));
	json_t *obj = json_pack(
	    "{s:s, s:s, s:{s:s, s:s, s:s, s:{s:s}}, s:o, s:{s:[{s:s, s:s, s:s, s:s, s:s}]}}",
	    "apiVersion", av, "kind", as->kind, "metadata", "name", name, "uid", uid,
	    "creationTimestamp", now, "labels", AUTOMANAGED, label, "spec", spec, "status",
	    "conditions", "type", "Available", "status", "True", "lastTransitionTime", now,
	    "reason", "Local", "message", "Local APIServices are always available");
	sim_store_insert(api, as, obj);
	free(av);
	free(name);
}

/* True when a CRD's type serves group/version. */
static bool crd_serves(const struct sim_api *api, const char *group, const char *version)
{
	for (size_t t = 0; t < api->reg.n; t++) {
		const struct sim_rtype *rt = api->reg.types[t];
		if (rt->crd && !strcmp(rt->group, group) && sim_rtype_serves(rt, version))
			return true;
	}
	return false;
}

/* Creates what is missing (built-in group/versions only when onstart), then deletes the
 * automanaged=true APIServices whose group/version no CRD serves. */
static void sync(struct sim_api *api, bool onstart)
{
	struct sim_rtype *as =
	    sim_registry_find(&api->reg, "apiregistration.k8s.io", "apiservices");
	if (!as || !as->versions[0])
		return;
	for (size_t t = 0; t < api->reg.n; t++) {
		const struct sim_rtype *rt = api->reg.types[t];
		if (!rt->crd && !onstart)
			continue;
		for (char **v = rt->versions; *v; v++) {
			if (rt->crd) {
				ensure(api, as, rt->group, *v, "true", CRD_GROUP_MIN,
				       CRD_VERSION_PRIO);
				continue;
			}
			const struct prio *p = builtin_prio(rt->group, *v);
			if (p)
				ensure(api, as, rt->group, *v, "onstart", p->group_min,
				       p->version_prio);
		}
	}
	for (size_t i = as->coll.n; i-- > 0;) {
		const json_t *o = as->coll.v[i].obj;
		const json_t *labels = json_object_get(json_object_get(o, "metadata"), "labels");
		const char *managed = json_string_value(json_object_get(labels, AUTOMANAGED));
		if (!managed || strcmp(managed, "true") != 0)
			continue;
		const json_t *spec = json_object_get(o, "spec");
		const char *group = json_string_value(json_object_get(spec, "group"));
		const char *version = json_string_value(json_object_get(spec, "version"));
		if (version && crd_serves(api, group ? group : "", version))
			continue;
		json_decref(sim_store_remove(api, as, i));
	}
}

void sim_apiservices_start(struct sim_api *api)
{
	api->local_apiservices = true;
	sync(api, true);
}

void sim_apiservices_crds_changed(struct sim_api *api)
{
	if (api->local_apiservices)
		sync(api, false);
}
