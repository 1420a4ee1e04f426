/* defaults.c: the field defaults the real API server fills in when an object is created
 * (a useful subset: pods, services, workloads, jobs, namespaces). */

#include "objects/defaults.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
		}
	}
}

/* The ServiceAccount admission plugin: pods (not templates) run as "default" when they
 * name no account. */
static void pod_service_account(json_t *spec)
{
	json_t *sa = json_object_get(spec, "serviceAccountName");
	if (!sa)
		sa = json_object_get(spec, "serviceAccount");
	if (!sa)
		sa = json_string("default");
	else
		json_incref(sa);
	set_default(spec, "serviceAccountName", json_incref(sa));
	set_default(spec, "serviceAccount", sa);
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
	}
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(spec, "ports"), i, p) {
		set_default(p, "protocol", json_string("TCP"));
		json_t *port = json_object_get(p, "port");
		if (port)
			set_default(p, "targetPort", json_deep_copy(port));
	}
}

/* The object at key of o, created ({}) when absent or not an object. */
static json_t *object_at(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_object(v)) {
		v = json_object();
		json_object_set_new(o, key, v);
	}
	return v;
}

/* SetDefaults_Deployment: a strategy sent empty ({}, as kubectl create sends it) too. */
static void deployment_strategy(json_t *spec)
{
	json_t *st = object_at(spec, "strategy");
	set_default(st, "type", json_string("RollingUpdate"));
	const char *type = json_string_value(json_object_get(st, "type"));
	if (!type || strcmp(type, "RollingUpdate") != 0)
		return;
	json_t *ru = object_at(st, "rollingUpdate");
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

void sim_defaults_apply(struct sim_api *api, const struct sim_rtype *rt, json_t *obj)
{
	const char *r = rt->resource;
	if (!strcmp(rt->group, "")) {
		if (!strcmp(r, "pods")) {
			pod_spec_defaults(spec_of(obj));
			pod_service_account(spec_of(obj));
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
	}
	json_t *md = json_object_get(obj, "metadata");
	json_t *labels = json_object_get(md, "labels");
	if (labels && !json_is_object(labels))
		json_object_del(md, "labels");
}
