/* defaults.c: the field defaults the real API server fills in when an object is created
 * (a useful subset: pods, services, workloads, jobs, namespaces). */

#include "objects/defaults.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonx.h"
#include "model/registry.h"
#include "model/store.h"
#include "sim.h"

static void set_default(json_t *o, const char *key, json_t *v)
{
	if (json_is_object(o) && !json_object_get(o, key))
		json_object_set_new(o, key, v);
	else
		json_decref(v);
}

static json_t *spec_of(json_t *obj)
{
	json_t *spec = json_object_get(obj, "spec");
	if (!json_is_object(spec)) {
		spec = json_object();
		json_object_set_new(obj, "spec", spec);
	}
	return spec;
}

/* The conversion of a v1 PodSpec (templates too): serviceAccountName from the deprecated
 * serviceAccount when empty, and serviceAccount mirrors serviceAccountName. */
static void service_account_fields(json_t *spec)
{
	json_t *name = json_object_get(spec, "serviceAccountName");
	json_t *old = json_object_get(spec, "serviceAccount");
	if ((!json_is_string(name) || !json_string_length(name)) && json_is_string(old) &&
	    json_string_length(old))
		json_object_set(spec, "serviceAccountName", old);
	name = json_object_get(spec, "serviceAccountName");
	if (json_is_string(name) && json_string_length(name))
		json_object_set(spec, "serviceAccount", name);
}

/* SetDefaults_*VolumeSource: file modes 0644, hostPath type "" (HostPathUnset). */
static void volume_defaults(json_t *volumes)
{
	static const char *const modes[] = {"configMap", "secret", "downwardAPI", "projected",
					    NULL};
	size_t i;
	json_t *v;
	json_array_foreach(volumes, i, v) {
		for (size_t k = 0; modes[k]; k++)
			set_default(json_object_get(v, modes[k]), "defaultMode", json_integer(420));
		set_default(json_object_get(v, "hostPath"), "type", json_string(""));
	}
}

/* GetPodQOS: BestEffort without requests and limits, Guaranteed when every container's
 * cpu and memory limits are set and equal to its requests, else Burstable. */
static const char *qos_class(const json_t *spec)
{
	bool any = false, guaranteed = true;
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(spec, "containers"), i, c) {
		json_t *req = json_object_get(json_object_get(c, "resources"), "requests");
		json_t *lim = json_object_get(json_object_get(c, "resources"), "limits");
		any = any || json_object_size(req) || json_object_size(lim);
		static const char *const res[] = {"cpu", "memory"};
		for (size_t r = 0; r < 2; r++) {
			json_t *l = json_object_get(lim, res[r]);
			json_t *q = json_object_get(req, res[r]);
			if (!l || (q && !json_equal(q, l)))
				guaranteed = false;
		}
	}
	return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
}

/* What defaulting and the Priority admission plugin add to a pod (not to templates), and
 * the status fields a stored status implies. */
static void pod_defaults(json_t *obj)
{
	json_t *spec = spec_of(obj);
	set_default(spec, "enableServiceLinks", json_true());
	set_default(spec, "preemptionPolicy", json_string("PreemptLowerPriority"));
	set_default(spec, "priority", json_integer(0));
	json_t *st = json_object_get(obj, "status");
	if (!json_is_object(st))
		return;
	set_default(st, "qosClass", json_string(qos_class(spec)));
	json_t *ip = json_object_get(st, "podIP");
	if (json_is_string(ip))
		set_default(st, "podIPs", json_pack("[{s:O}]", "ip", ip));
	size_t i;
	json_t *cs;
	json_array_foreach(json_object_get(st, "containerStatuses"), i, cs) {
		set_default(cs, "lastState", json_object());
	}
}

static void pod_spec_defaults(json_t *spec)
{
	if (!json_is_object(spec))
		return;
	set_default(spec, "restartPolicy", json_string("Always"));
	set_default(spec, "schedulerName", json_string("default-scheduler"));
	set_default(spec, "dnsPolicy", json_string("ClusterFirst"));
	set_default(spec, "terminationGracePeriodSeconds", json_integer(30));
	static const char *const lists[] = {"containers", "initContainers", NULL};
	for (size_t l = 0; lists[l]; l++) {
		size_t i;
		json_t *c;
		json_array_foreach(json_object_get(spec, lists[l]), i, c) {
			const char *img = json_string_value(json_object_get(c, "image"));
			const char *tag = img ? strrchr(img, ':') : NULL;
			bool latest = !img || strchr(img, '@')	 ? false
				      : !tag || strchr(tag, '/') ? true
								 : !strcmp(tag, ":latest");
			set_default(c, "imagePullPolicy",
				    json_string(latest ? "Always" : "IfNotPresent"));
			set_default(c, "terminationMessagePath",
				    json_string("/dev/termination-log"));
			set_default(c, "terminationMessagePolicy", json_string("File"));
			/* a Go struct, never omitted */
			set_default(c, "resources", json_object());
			size_t j;
			json_t *port;
			json_array_foreach(json_object_get(c, "ports"), j, port) {
				set_default(port, "protocol", json_string("TCP"));
			}
		}
	}
	set_default(spec, "securityContext", json_object());
	volume_defaults(json_object_get(spec, "volumes"));
	service_account_fields(spec);
}

#define SA_MOUNT "/var/run/secrets/kubernetes.io/serviceaccount"

/* Whether the pod's account (stored in its namespace) turns the token mount off. Called
 * with api->mu held, as every create is. */
static bool account_opts_out(struct sim_api *api, const char *ns, const char *name)
{
	struct sim_rtype *rt = sim_registry_find(&api->reg, "", "serviceaccounts");
	long i = rt && ns && name ? sim_coll_find(&rt->coll, ns, name) : -1;
	return i >= 0 &&
	       json_is_false(json_object_get(rt->coll.v[i].obj, "automountServiceAccountToken"));
}

/* Adds the read-only mount of volume name at SA_MOUNT to every container of list that
 * mounts nothing there; true when it added one. */
static bool mount_token(json_t *spec, const char *list, const char *name)
{
	bool added = false;
	size_t i, j;
	json_t *c, *m;
	json_array_foreach(json_object_get(spec, list), i, c) {
		bool taken = false;
		json_array_foreach(json_object_get(c, "volumeMounts"), j, m) {
			const char *at = json_string_value(json_object_get(m, "mountPath"));
			taken |= at != NULL && strcmp(at, SA_MOUNT) == 0;
		}
		if (taken)
			continue;
		json_array_append_new(sim_json_array_at(c, "volumeMounts"),
				      json_pack("{s:s, s:b, s:s}", "name", name, "readOnly", 1,
						"mountPath", SA_MOUNT));
		added = true;
	}
	return added;
}

/* The ServiceAccount admission plugin's token volume: kube-api-access-XXXXX (a bound
 * token, the cluster's CA from kube-root-ca.crt, the namespace) mounted read-only at
 * SA_MOUNT in every container, unless the pod or its account sets
 * automountServiceAccountToken: false. */
static void pod_token_volume(struct sim_api *api, json_t *obj, json_t *spec)
{
	const char *ns =
	    json_string_value(json_object_get(json_object_get(obj, "metadata"), "namespace"));
	json_t *pod_flag = json_object_get(spec, "automountServiceAccountToken");
	if (json_is_false(pod_flag) ||
	    (!json_is_boolean(pod_flag) &&
	     account_opts_out(api, ns,
			      json_string_value(json_object_get(spec, "serviceAccountName")))))
		return;
	char suffix[8], name[32];
	sim_store_random(api, suffix, 5);
	snprintf(name, sizeof(name), "kube-api-access-%s", suffix);
	bool init = mount_token(spec, "initContainers", name);
	if (!mount_token(spec, "containers", name) && !init)
		return;
	json_array_append_new(sim_json_array_at(spec, "volumes"),
			      json_pack("{s:s, s:{s:[{s:{s:i, s:s}}, {s:{s:s, s:[{s:s, s:s}]}},"
					" {s:{s:[{s:s, s:{s:s, s:s}}]}}], s:i}}",
					"name", name, "projected", "sources", "serviceAccountToken",
					"expirationSeconds", 3607, "path", "token", "configMap",
					"name", "kube-root-ca.crt", "items", "key", "ca.crt",
					"path", "ca.crt", "downwardAPI", "items", "path",
					"namespace", "fieldRef", "apiVersion", "v1", "fieldPath",
					"metadata.namespace", "defaultMode", 420));
}

/* The DefaultTolerationSeconds admission plugin: pods tolerate a not-ready or
 * unreachable node (NoExecute) for 300 s, unless they tolerate it already (a toleration
 * of that key, or of every key, with effect NoExecute or none). */
static void pod_default_tolerations(json_t *spec)
{
	static const char *const keys[] = {"node.kubernetes.io/not-ready",
					   "node.kubernetes.io/unreachable"};
	for (size_t k = 0; k < 2; k++) {
		bool has = false;
		size_t i;
		json_t *t;
		json_array_foreach(json_object_get(spec, "tolerations"), i, t) {
			const char *key = json_string_value(json_object_get(t, "key"));
			const char *eff = json_string_value(json_object_get(t, "effect"));
			has |= (key == NULL || !*key || !strcmp(key, keys[k])) &&
			       (eff == NULL || !*eff || !strcmp(eff, "NoExecute"));
		}
		if (has)
			continue;
		json_array_append_new(sim_json_array_at(spec, "tolerations"),
				      json_pack("{s:s, s:s, s:s, s:i}", "key", keys[k], "operator",
						"Exists", "effect", "NoExecute",
						"tolerationSeconds", 300));
	}
}

/* The admission plugins a created pod (not a template) passes: ServiceAccount (a pod that
 * names no account runs as "default"; its token volume) and DefaultTolerationSeconds. */
static void pod_admission(struct sim_api *api, json_t *obj)
{
	json_t *spec = spec_of(obj);
	json_t *name = json_object_get(spec, "serviceAccountName");
	if (!json_is_string(name) || !json_string_length(name))
		json_object_set_new(spec, "serviceAccountName", json_string("default"));
	service_account_fields(spec);
	pod_token_volume(api, obj, spec);
	pod_default_tolerations(spec);
}

static void service_defaults(struct sim_api *api, json_t *obj)
{
	json_t *spec = spec_of(obj);
	set_default(spec, "type", json_string("ClusterIP"));
	const char *type = json_string_value(json_object_get(spec, "type"));
	if (type && strcmp(type, "ExternalName") != 0) {
		set_default(spec, "sessionAffinity", json_string("None"));
		if (!json_object_get(spec, "clusterIP")) {
			char suffix[8];
			sim_store_random(api, suffix, 2);
			char ip[32];
			snprintf(ip, sizeof(ip), "10.96.%u.%u", (unsigned)(unsigned char)suffix[0],
				 (unsigned)((unsigned char)suffix[1] % 250 + 2));
			json_object_set_new(spec, "clusterIP", json_string(ip));
		}
		set_default(spec, "clusterIPs",
			    json_pack("[O]", json_object_get(spec, "clusterIP")));
		set_default(spec, "ipFamilies", json_pack("[s]", "IPv4"));
		set_default(spec, "ipFamilyPolicy", json_string("SingleStack"));
		set_default(spec, "internalTrafficPolicy", json_string("Cluster"));
	}
	set_default(obj, "status", json_pack("{s:{}}", "loadBalancer"));
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(spec, "ports"), i, p) {
		set_default(p, "protocol", json_string("TCP"));
		json_t *port = json_object_get(p, "port");
		if (port)
			set_default(p, "targetPort", json_deep_copy(port));
	}
}

/* SetDefaults_Deployment: a strategy sent empty ({}, as kubectl create sends it) too. */
static void deployment_strategy(json_t *spec)
{
	json_t *st = sim_json_object_at(spec, "strategy");
	set_default(st, "type", json_string("RollingUpdate"));
	const char *type = json_string_value(json_object_get(st, "type"));
	if (!type || strcmp(type, "RollingUpdate") != 0)
		return;
	json_t *ru = sim_json_object_at(st, "rollingUpdate");
	set_default(ru, "maxUnavailable", json_string("25%"));
	set_default(ru, "maxSurge", json_string("25%"));
}

static void workload_defaults(const struct sim_rtype *rt, json_t *obj)
{
	json_t *spec = spec_of(obj);
	const char *r = rt->resource;
	if (strcmp(r, "daemonsets") != 0)
		set_default(spec, "replicas", json_integer(1));
	if (strcmp(r, "replicasets") != 0)
		set_default(spec, "revisionHistoryLimit", json_integer(10));
	if (!strcmp(r, "deployments")) {
		set_default(spec, "progressDeadlineSeconds", json_integer(600));
		deployment_strategy(spec);
	} else if (!strcmp(r, "statefulsets")) {
		set_default(spec, "podManagementPolicy", json_string("OrderedReady"));
		set_default(spec, "updateStrategy",
			    json_pack("{s:s, s:{s:i}}", "type", "RollingUpdate", "rollingUpdate",
				      "partition", 0));
		set_default(
		    spec, "persistentVolumeClaimRetentionPolicy",
		    json_pack("{s:s, s:s}", "whenDeleted", "Retain", "whenScaled", "Retain"));
	} else if (!strcmp(r, "daemonsets")) {
		set_default(spec, "updateStrategy",
			    json_pack("{s:s, s:{s:i, s:i}}", "type", "RollingUpdate",
				      "rollingUpdate", "maxUnavailable", 1, "maxSurge", 0));
	}
	pod_spec_defaults(json_object_get(json_object_get(spec, "template"), "spec"));
}

static void job_defaults(json_t *obj)
{
	json_t *spec = spec_of(obj);
	if (!json_object_get(spec, "completions") && !json_object_get(spec, "parallelism")) {
		json_object_set_new(spec, "completions", json_integer(1));
		json_object_set_new(spec, "parallelism", json_integer(1));
	}
	set_default(spec, "parallelism", json_integer(1));
	set_default(spec, "backoffLimit", json_integer(6));
	set_default(spec, "completionMode", json_string("NonIndexed"));
	set_default(spec, "suspend", json_false());
	pod_spec_defaults(json_object_get(json_object_get(spec, "template"), "spec"));
}

static void csidriver_defaults(json_t *spec)
{
	set_default(spec, "attachRequired", json_true());
	set_default(spec, "podInfoOnMount", json_false());
	set_default(spec, "requiresRepublish", json_false());
	set_default(spec, "storageCapacity", json_false());
	set_default(spec, "seLinuxMount", json_false());
	set_default(spec, "fsGroupPolicy", json_string("ReadWriteOnceWithFSType"));
	set_default(spec, "volumeLifecycleModes", json_pack("[s]", "Persistent"));
}

/* admissionregistration/v1 webhook defaults. */
static void webhook_defaults(json_t *obj, bool mutating)
{
	size_t i, j;
	json_t *w, *rule;
	json_array_foreach(json_object_get(obj, "webhooks"), i, w) {
		set_default(w, "failurePolicy", json_string("Fail"));
		set_default(w, "matchPolicy", json_string("Equivalent"));
		set_default(w, "namespaceSelector", json_object());
		set_default(w, "objectSelector", json_object());
		set_default(w, "timeoutSeconds", json_integer(10));
		if (mutating)
			set_default(w, "reinvocationPolicy", json_string("Never"));
		json_array_foreach(json_object_get(w, "rules"), j, rule) {
			set_default(rule, "scope", json_string("*"));
		}
		json_t *svc = json_object_get(json_object_get(w, "clientConfig"), "service");
		set_default(svc, "port", json_integer(443));
	}
}

void sim_defaults_apply(struct sim_api *api, const struct sim_rtype *rt, json_t *obj)
{
	const char *r = rt->resource;
	if (!strcmp(rt->group, "")) {
		if (!strcmp(r, "pods")) {
			pod_spec_defaults(spec_of(obj));
			pod_admission(api, obj);
			pod_defaults(obj);
		} else if (!strcmp(r, "services")) {
			service_defaults(api, obj);
		} else if (!strcmp(r, "namespaces")) {
			set_default(spec_of(obj), "finalizers", json_pack("[s]", "kubernetes"));
			json_t *st = json_object_get(obj, "status");
			if (!json_is_object(st)) {
				st = json_object();
				json_object_set_new(obj, "status", st);
			}
			set_default(st, "phase", json_string("Active"));
		} else if (!strcmp(r, "replicationcontrollers")) {
			set_default(spec_of(obj), "replicas", json_integer(1));
		}
	} else if (!strcmp(rt->group, "apps") && strcmp(r, "controllerrevisions") != 0) {
		workload_defaults(rt, obj);
	} else if (!strcmp(rt->group, "batch") && !strcmp(r, "jobs")) {
		job_defaults(obj);
	} else if (!strcmp(rt->group, "storage.k8s.io") && !strcmp(r, "csidrivers")) {
		csidriver_defaults(spec_of(obj));
	} else if (!strcmp(rt->group, "admissionregistration.k8s.io") &&
		   strstr(r, "webhookconfigurations")) {
		webhook_defaults(obj, !strncmp(r, "mutating", 8));
	} else if (!strcmp(rt->group, "apiextensions.k8s.io")) {
		set_default(spec_of(obj), "conversion", json_pack("{s:s}", "strategy", "None"));
	}
	json_t *md = json_object_get(obj, "metadata");
	json_t *labels = json_object_get(md, "labels");
	if (labels && !json_is_object(labels))
		json_object_del(md, "labels");
}
