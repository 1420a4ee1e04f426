/* registry.c: the table of resource types kaic-sim serves (built-ins and CRDs). */

#include "model/registry.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "util/hmap.h"
#include "util/xmalloc.h"

const char *const sim_verb_names[8] = {"get",	 "list",  "watch",  "create",
				       "update", "patch", "delete", "deletecollection"};

/* Flags of the built-in table. */
enum {
	B_NS = 1 << 0,	   /* namespaced */
	B_STATUS = 1 << 1, /* status subresource */
	B_SCALE = 1 << 2,  /* scale subresource */
	B_LABEL = 1 << 3,  /* names are DNS labels */
	B_PATH = 1 << 4,   /* names are path segments (RBAC) */
	B_CLEAR = 1 << 5,  /* status cleared on create */
	B_PEND = 1 << 6,   /* status set to phase Pending on create */
	B_CREATEONLY = 1 << 7,
	B_NODELCOL = 1 << 8,
	B_DRA = 1 << 9,	      /* versions come from the settings (resource.k8s.io) */
	B_READONLY = 1 << 10, /* get and list only */
};

struct builtin {
	const char *group;
	const char *versions;
	const char *resource;
	const char *kind;
	unsigned flags;
	const char *shorts;
	const char *fields;
	const char *categories;
};

static const char *const pod_subs[] = {"log", "eviction", "binding", NULL};

#define WL (B_NS | B_STATUS | B_SCALE | B_CLEAR)
static const struct builtin builtins[] = {
    {"", "v1", "pods", "Pod", B_NS | B_STATUS | B_PEND, "po",
     "spec.nodeName,spec.restartPolicy,spec.schedulerName,spec.serviceAccountName,"
     "spec.hostNetwork,status.phase,status.podIP,status.nominatedNodeName",
     "all"},
    {"", "v1", "services", "Service", B_NS | B_STATUS, "svc", NULL, "all"},
    {"", "v1", "endpoints", "Endpoints", B_NS, "ep", NULL, NULL},
    {"", "v1", "configmaps", "ConfigMap", B_NS, "cm", NULL, NULL},
    {"", "v1", "secrets", "Secret", B_NS, NULL, "type", NULL},
    {"", "v1", "namespaces", "Namespace", B_STATUS | B_LABEL | B_NODELCOL, "ns", "status.phase",
     NULL},
    {"", "v1", "nodes", "Node", B_STATUS, "no", "spec.unschedulable", NULL},
    {"", "v1", "events", "Event", B_NS, "ev",
     "involvedObject.kind,involvedObject.namespace,involvedObject.name,involvedObject.uid,"
     "involvedObject.apiVersion,involvedObject.resourceVersion,involvedObject.fieldPath,"
     "reason,reportingComponent,source,type",
     NULL},
    {"", "v1", "serviceaccounts", "ServiceAccount", B_NS, "sa", NULL, NULL},
    {"", "v1", "persistentvolumes", "PersistentVolume", B_STATUS, "pv", NULL, NULL},
    {"", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", B_NS | B_STATUS, "pvc", NULL,
     NULL},
    {"", "v1", "limitranges", "LimitRange", B_NS, "limits", NULL, NULL},
    {"", "v1", "resourcequotas", "ResourceQuota", B_NS | B_STATUS, "quota", NULL, NULL},
    {"", "v1", "replicationcontrollers", "ReplicationController", WL, "rc", NULL, "all"},
    {"", "v1", "podtemplates", "PodTemplate", B_NS, NULL, NULL, NULL},
    {"apps", "v1", "deployments", "Deployment", WL, "deploy", NULL, "all"},
    {"apps", "v1", "statefulsets", "StatefulSet", WL, "sts", NULL, "all"},
    {"apps", "v1", "daemonsets", "DaemonSet", B_NS | B_STATUS | B_CLEAR, "ds", NULL, "all"},
    {"apps", "v1", "replicasets", "ReplicaSet", WL, "rs", "status.replicas", "all"},
    {"apps", "v1", "controllerrevisions", "ControllerRevision", B_NS, NULL, NULL, NULL},
    {"batch", "v1", "jobs", "Job", B_NS | B_STATUS | B_CLEAR, NULL, "status.successful", "all"},
    {"batch", "v1", "cronjobs", "CronJob", B_NS | B_STATUS | B_CLEAR, "cj", NULL, "all"},
    {"autoscaling", "v2,v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler", B_NS | B_STATUS,
     "hpa", NULL, "all"},
    {"policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", B_NS | B_STATUS, "pdb", NULL,
     NULL},
    {"rbac.authorization.k8s.io", "v1", "roles", "Role", B_NS | B_PATH, NULL, NULL, NULL},
    {"rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", B_NS | B_PATH, NULL, NULL,
     NULL},
    {"rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", B_PATH, NULL, NULL, NULL},
    {"rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", B_PATH, NULL,
     NULL, NULL},
    {"storage.k8s.io", "v1", "storageclasses", "StorageClass", 0, "sc", NULL, NULL},
    {"storage.k8s.io", "v1", "csidrivers", "CSIDriver", 0, NULL, NULL, NULL},
    {"storage.k8s.io", "v1", "csinodes", "CSINode", 0, NULL, NULL, NULL},
    {"storage.k8s.io", "v1", "volumeattachments", "VolumeAttachment", B_STATUS, NULL, NULL, NULL},
    {"storage.k8s.io", "v1", "csistoragecapacities", "CSIStorageCapacity", B_NS, NULL, NULL, NULL},
    {"node.k8s.io", "v1", "runtimeclasses", "RuntimeClass", 0, NULL, NULL, NULL},
    {"networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", B_NS, "netpol", NULL, NULL},
    {"networking.k8s.io", "v1", "ingresses", "Ingress", B_NS | B_STATUS, "ing", NULL, NULL},
    {"networking.k8s.io", "v1", "ingressclasses", "IngressClass", 0, NULL, NULL, NULL},
    {"resource.k8s.io", NULL, "deviceclasses", "DeviceClass", B_DRA, NULL, NULL, NULL},
    {"resource.k8s.io", NULL, "resourceclaims", "ResourceClaim", B_DRA | B_NS | B_STATUS, NULL,
     NULL, NULL},
    {"resource.k8s.io", NULL, "resourceclaimtemplates", "ResourceClaimTemplate", B_DRA | B_NS, NULL,
     NULL, NULL},
    {"resource.k8s.io", NULL, "resourceslices", "ResourceSlice", B_DRA, NULL,
     "spec.nodeName,spec.driver", NULL},
    {"resource.k8s.io", "v1alpha3", "devicetaintrules", "DeviceTaintRule", B_DRA, NULL, NULL, NULL},
    {"apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition",
     B_STATUS, "crd,crds", NULL, "api-extensions"},
    {"apiregistration.k8s.io", "v1", "apiservices", "APIService", B_STATUS | B_PATH, NULL, NULL,
     "api-extensions"},
    {"coordination.k8s.io", "v1", "leases", "Lease", B_NS, NULL, NULL, NULL},
    {"admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations",
     "ValidatingWebhookConfiguration", 0, NULL, NULL, "api-extensions"},
    {"admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations",
     "MutatingWebhookConfiguration", 0, NULL, NULL, "api-extensions"},
    {"admissionregistration.k8s.io", "v1", "validatingadmissionpolicies",
     "ValidatingAdmissionPolicy", B_STATUS, NULL, NULL, "api-extensions"},
    {"admissionregistration.k8s.io", "v1", "validatingadmissionpolicybindings",
     "ValidatingAdmissionPolicyBinding", 0, NULL, NULL, "api-extensions"},
    {"scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", 0, "pc", NULL, NULL},
    {"discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", B_NS, NULL, NULL, NULL},
    {"events.k8s.io", "v1", "events", "Event", B_NS, "ev", NULL, NULL},
    {"authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview",
     B_CREATEONLY, NULL, NULL, NULL},
    {"authorization.k8s.io", "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview",
     B_CREATEONLY, NULL, NULL, NULL},
    {"authorization.k8s.io", "v1", "subjectaccessreviews", "SubjectAccessReview", B_CREATEONLY,
     NULL, NULL, NULL},
    {"authorization.k8s.io", "v1", "localsubjectaccessreviews", "LocalSubjectAccessReview",
     B_NS | B_CREATEONLY, NULL, NULL, NULL},
    {"authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", B_CREATEONLY, NULL,
     NULL, NULL},
    {"authentication.k8s.io", "v1", "tokenreviews", "TokenReview", B_CREATEONLY, NULL, NULL, NULL},
    {"", "v1", "bindings", "Binding", B_NS | B_CREATEONLY, NULL, NULL, NULL},
    {"", "v1", "componentstatuses", "ComponentStatus", B_READONLY, "cs", NULL, NULL},
    {"certificates.k8s.io", "v1", "certificatesigningrequests", "CertificateSigningRequest",
     B_STATUS, "csr", NULL, NULL},
    {"flowcontrol.apiserver.k8s.io", "v1", "flowschemas", "FlowSchema", B_STATUS, NULL, NULL, NULL},
    {"flowcontrol.apiserver.k8s.io", "v1", "prioritylevelconfigurations",
     "PriorityLevelConfiguration", B_STATUS, NULL, NULL, NULL},
    {"networking.k8s.io", "v1", "ipaddresses", "IPAddress", 0, "ip", NULL, NULL},
    {"networking.k8s.io", "v1", "servicecidrs", "ServiceCIDR", B_STATUS, NULL, NULL, NULL},
    {"storage.k8s.io", "v1", "volumeattributesclasses", "VolumeAttributesClass", 0, "vac", NULL,
     NULL},
};

char **sim_strv_split(const char *csv)
{
	size_t n = 0, cap = 4;
	char **v = xcalloc(cap + 1, sizeof(*v));
	while (csv && *csv) {
		const char *end = strchr(csv, ',');
		size_t len = end ? (size_t)(end - csv) : strlen(csv);
		if (len) {
			if (n == cap) {
				cap *= 2;
				v = xreallocarray(v, cap + 1, sizeof(*v));
			}
			v[n++] = xstrndup(csv, len);
			v[n] = NULL;
		}
		csv = end ? end + 1 : NULL;
	}
	return v;
}

void sim_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

size_t sim_strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

bool sim_strv_has(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (!strcmp(*v, s))
			return true;
	return false;
}

static char *lower(const char *s)
{
	char *r = xstrdup(s);
	for (char *p = r; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return r;
}

/* The DRA versions this type is served at: those of the settings it knows. */
static char **dra_versions_for(const struct builtin *b, char *const *dra)
{
	char **v = xcalloc(sim_strv_len(dra) + 1, sizeof(*v));
	size_t n = 0;
	for (size_t i = 0; dra && dra[i]; i++) {
		bool alpha = !strcmp(dra[i], "v1alpha3");
		bool known = !strcmp(dra[i], "v1") || !strcmp(dra[i], "v1beta1") ||
			     !strcmp(dra[i], "v1beta2");
		if (b->versions ? alpha : known)
			v[n++] = xstrdup(dra[i]);
	}
	return v;
}

static struct sim_rtype *rtype_from_builtin(const struct builtin *b, char *const *dra)
{
	struct sim_rtype *rt = xcalloc(1, sizeof(*rt));
	rt->group = xstrdup(b->group);
	rt->resource = xstrdup(b->resource);
	rt->kind = xstrdup(b->kind);
	rt->singular = lower(b->kind);
	rt->list_kind = xasprintf("%sList", b->kind);
	rt->versions = (b->flags & B_DRA) ? dra_versions_for(b, dra) : sim_strv_split(b->versions);
	rt->short_names = sim_strv_split(b->shorts);
	rt->categories = sim_strv_split(b->categories);
	rt->fields = sim_strv_split(b->fields);
	rt->namespaced = b->flags & B_NS;
	rt->has_status = b->flags & B_STATUS;
	rt->has_scale = b->flags & B_SCALE;
	rt->smp = true;
	rt->verbs = SIM_ALL_VERBS;
	if (b->flags & B_CREATEONLY)
		rt->verbs = SIM_CREATE;
	if (b->flags & B_READONLY)
		rt->verbs = SIM_GET | SIM_LIST;
	if (b->flags & B_NODELCOL)
		rt->verbs &= ~(unsigned)SIM_DELETECOLLECTION;
	rt->name_rule = (b->flags & B_LABEL)  ? SIM_NAME_LABEL
			: (b->flags & B_PATH) ? SIM_NAME_PATH
					      : SIM_NAME_SUBDOMAIN;
	rt->status_rule = (b->flags & B_PEND)	 ? SIM_STATUS_PENDING
			  : (b->flags & B_CLEAR) ? SIM_STATUS_CLEAR
						 : SIM_STATUS_KEEP;
	if (!strcmp(b->resource, "pods") && !*b->group)
		rt->extra_subs = pod_subs;
	return rt;
}

void sim_registry_init(struct sim_registry *reg, char *const *dra_versions)
{
	memset(reg, 0, sizeof(*reg));
	hmap_init(&reg->by_res);
	hmap_init(&reg->by_kind);
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
		struct sim_rtype *rt = rtype_from_builtin(&builtins[i], dra_versions);
		if (!rt->versions[0]) {
			sim_rtype_free(rt);
			continue;
		}
		sim_registry_add(reg, rt);
	}
}

void sim_rtype_free(struct sim_rtype *rt)
{
	if (!rt)
		return;
	for (size_t i = 0; i < rt->coll.n; i++)
		json_decref(rt->coll.v[i].obj);
	free(rt->coll.v);
	free(rt->group);
	free(rt->resource);
	free(rt->singular);
	free(rt->kind);
	free(rt->list_kind);
	sim_strv_free(rt->versions);
	sim_strv_free(rt->short_names);
	sim_strv_free(rt->categories);
	sim_strv_free(rt->fields);
	free(rt->scale_spec_path);
	free(rt->scale_status_path);
	json_decref(rt->columns);
	free(rt);
}

void sim_registry_release(struct sim_registry *reg)
{
	for (size_t i = 0; i < reg->n; i++)
		sim_rtype_free(reg->types[i]);
	free(reg->types);
	hmap_release(&reg->by_res);
	hmap_release(&reg->by_kind);
	memset(reg, 0, sizeof(*reg));
}

static char *key2(const char *a, const char *b)
{
	return xasprintf("%s/%s", a, b);
}

struct sim_rtype *sim_registry_find(const struct sim_registry *reg, const char *group,
				    const char *resource)
{
	char *k = key2(group, resource);
	struct sim_rtype *rt = hmap_get(&reg->by_res, k);
	free(k);
	return rt;
}

struct sim_rtype *sim_registry_by_kind(const struct sim_registry *reg, const char *group,
				       const char *kind)
{
	char *k = key2(group, kind);
	struct sim_rtype *rt = hmap_get(&reg->by_kind, k);
	free(k);
	return rt;
}

bool sim_rtype_serves(const struct sim_rtype *rt, const char *version)
{
	return sim_strv_has(rt->versions, version);
}

void sim_registry_add(struct sim_registry *reg, struct sim_rtype *rt)
{
	if (reg->n == reg->cap) {
		reg->cap = reg->cap ? reg->cap * 2 : 64;
		reg->types = xreallocarray(reg->types, reg->cap, sizeof(struct sim_rtype *));
	}
	reg->types[reg->n++] = rt;
	char *k = key2(rt->group, rt->resource);
	hmap_put(&reg->by_res, k, rt);
	free(k);
	k = key2(rt->group, rt->kind);
	if (!hmap_get(&reg->by_kind, k))
		hmap_put(&reg->by_kind, k, rt);
	free(k);
}

void sim_registry_remove(struct sim_registry *reg, struct sim_rtype *rt)
{
	char *k = key2(rt->group, rt->resource);
	hmap_del(&reg->by_res, k);
	free(k);
	k = key2(rt->group, rt->kind);
	if (hmap_get(&reg->by_kind, k) == rt)
		hmap_del(&reg->by_kind, k);
	free(k);
	for (size_t i = 0; i < reg->n; i++) {
		if (reg->types[i] == rt) {
			memmove(&reg->types[i], &reg->types[i + 1],
				(reg->n - i - 1) * sizeof(struct sim_rtype *));
			reg->n--;
			break;
		}
	}
	sim_rtype_free(rt);
}

char *sim_rtype_qualified(const struct sim_rtype *rt)
{
	if (!*rt->group)
		return xstrdup(rt->resource);
	return xasprintf("%s.%s", rt->resource, rt->group);
}

char *sim_api_version_str(const char *group, const char *version)
{
	return *group ? xasprintf("%s/%s", group, version) : xstrdup(version);
}

json_t *sim_obj_for_version(const struct sim_rtype *rt, const json_t *obj, const char *version)
{
	char *av = sim_api_version_str(rt->group, version);
	const char *cur = json_string_value(json_object_get(obj, "apiVersion"));
	json_t *r;
	if (cur && !strcmp(cur, av)) {
		r = json_incref((json_t *)obj);
	} else {
		r = json_copy((json_t *)obj);
		json_object_set_new(r, "apiVersion", json_string(av));
	}
	free(av);
	return r;
}
