/* kubelet.c: the simulated kubelets. Every tick (100 ms) a pod bound to an existing node
 * whose PersistentVolumeClaims are bound and whose RuntimeClass exists becomes Running
 * (conditions, podIP from the node's podCIDR, hostIP, containerStatuses). On the next
 * tick a pod whose first container runs a one-shot `kaic probe NAME` (every probe but
 * echo, metrics, mcp and `devices --hold`) is "run" by the probe models (probe_models.c): it ends
 * Succeeded or Failed with the probe's JSON as termination message and log (restartPolicy Always:
 * the container is restarted once and stays in CrashLoopBackOff). Servers (echo,
 * metrics, mcp), `devices --hold` (its report logged at start) and any other image keep
 * running, but NVIDIA's gdscheck (a first container whose command is .../gdscheck), which
 * is run by its model (probe_models.c). The log of a pod is kept in the annotation
 * kaic-sim/log that the pods/log subresource serves.
 * controllers.kubelet.enabled: false leaves every pod Pending.
 * controllers.kubelet.draPlugins: false: no DRA driver's kubelet plugin is registered, so
 * a pod whose claim is allocated stays Pending (ContainerCreating) with kubelet's
 * FailedPrepareDynamicResources event, as on the lab with the driver's plugin stopped.
 * controllers.kubelet.containers: false makes the kubelets fake, as kwok's are: pods
 * become Running and Ready all the same, but no container runs, so one-shot probes never
 * end, nothing answers on the pods' IPs (ctl_pod_answers) and their logs cannot be read
 * (annotation kaic-sim/no-container: what the API server answers when it cannot reach a
 * kubelet). */

#include "controllers/kubelet.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/meta.h"
#include "controllers/ctl_util.h"
#include "controllers/probe_models.h"
#include "sim.h"
#include "util/xmalloc.h"

#define KUBELET_LOG_ANNOTATION "kaic-sim/log"
#define KUBELET_LOG_ERROR_ANNOTATION CTL_NO_CONTAINER_ANNOTATION

/* Whether the kubelets run containers (controllers.kubelet.containers, default true). */
static bool runs_containers(struct sim_api *api)
{
	return ctl_setting_bool(api, "kubelet", "containers", true);
}

/* Whether the first container's argv starts with a program called kaic (cheap). */
static bool runs_kaic(const json_t *pod)
{
	json_t *c = json_array_get(ctl_at(pod, "spec.containers"), 0);
	json_t *cmd = json_object_get(c, "command");
	const char *a0 = json_string_value(json_array_get(cmd, 0));
	if (!json_array_size(cmd))
		a0 = json_string_value(json_array_get(json_object_get(c, "args"), 0));
	if (!a0)
		return false;
	const char *base = strrchr(a0, '/');
	return !strcmp(base ? base + 1 : a0, "kaic");
}

/* `kaic probe devices --hold N` prints its report at once and keeps running. */
static bool holds(const char *probe, const json_t *args)
{
	const char *h = ctl_arg(args, "hold");
	return probe && !strcmp(probe, "devices") && h && strtol(h, NULL, 10) > 0;
}

static bool one_shot(const char *probe, const json_t *args)
{
	return probe && strcmp(probe, "echo") != 0 && strcmp(probe, "metrics") != 0 &&
	       strcmp(probe, "mcp") != 0 && !holds(probe, args);
}

/* The log line of a probe that keeps running; caller frees. */
static char *server_log(struct sim_api *api, const json_t *pod, const char *probe,
			const json_t *args)
{
	const char *port = ctl_arg(args, "port");
	if (holds(probe, args)) {
		json_t *out = NULL;
		ctl_probe_run(api, pod, probe, args, &out);
		char *text = out ? json_dumps(out, JSON_COMPACT) : NULL;
		char *line = xasprintf("%s\n", text ? text : "{}");
		free(text);
		json_decref(out);
		return line;
	}
	if (!strcmp(probe, "echo"))
		return xasprintf("kaic probe echo: serving as \"%s\" on port %s\n",
				 ctl_s(pod, "metadata.name"), port ? port : "8080");
	if (!strcmp(probe, "mcp"))
		return xasprintf("kaic probe mcp: serving %s tools on port %s, POST %s\n",
				 ctl_arg(args, "tools") ? ctl_arg(args, "tools") : "1",
				 port ? port : "8080",
				 ctl_arg(args, "path") ? ctl_arg(args, "path") : "/");
	return xasprintf("kaic probe metrics: serving /metrics on port %s\n", port ? port : "9090");
}

/* Pods needing the kubelet: bound and Pending, or Running a probe not yet run. */
static bool kubelet_keep(const json_t *pod, void *arg)
{
	(void)arg;
	if (!*ctl_s(pod, "spec.nodeName") || sim_meta_str(pod, "deletionTimestamp"))
		return false;
	const char *phase = ctl_pod_phase(pod);
	if (!strcmp(phase, "Pending"))
		return true;
	if (strcmp(phase, "Running") != 0 || (!runs_kaic(pod) && !ctl_runs_gdscheck(pod)))
		return false;
	json_t *cs = json_array_get(ctl_at(pod, "status.containerStatuses"), 0);
	return json_object_get(ctl_at(cs, "state"), "running") &&
	       !json_integer_value(json_object_get(cs, "restartCount"));
}

static bool same_node(const json_t *pod, void *arg)
{
	return !strcmp(ctl_s(pod, "spec.nodeName"), (const char *)arg) &&
	       ctl_str(pod, "status.podIP");
}

/* A free pod IP on node: the podCIDR's network with a host part from the pod's uid. */
static char *pod_ip(struct sim_api *api, const json_t *pod, const json_t *node)
{
	unsigned long a = 10, b = 244, c = ctl_hash(ctl_s(node, "metadata.name")) % 250;
	const char *cidr = ctl_str(node, "spec.podCIDR");
	struct in_addr net;
	char buf[32];
	const char *slash = cidr ? strchr(cidr, '/') : NULL;
	if (slash && (size_t)(slash - cidr) < sizeof(buf)) {
		memcpy(buf, cidr, (size_t)(slash - cidr));
		buf[slash - cidr] = '\0';
		if (inet_pton(AF_INET, buf, &net) == 1) {
			unsigned long v = ntohl(net.s_addr);
			a = v >> 24;
			b = (v >> 16) & 255;
			c = (v >> 8) & 255;
		}
	}
	json_t *used =
	    ctl_list_filter(api, "", "pods", same_node, (void *)ctl_s(node, "metadata.name"));
	uint64_t h = ctl_hash(ctl_s(pod, "metadata.uid"));
	char *ip = NULL;
	for (unsigned k = 0; k < 250; k++) {
		free(ip);
		ip = xasprintf("%lu.%lu.%lu.%u", a, b, c, (unsigned)((h + k) % 250) + 2);
		bool taken = false;
		size_t i;
		json_t *p;
		json_array_foreach(used, i, p) {
			taken = taken || !strcmp(ctl_s(p, "status.podIP"), ip);
		}
		if (!taken)
			break;
	}
	json_decref(used);
	return ip;
}

static const char *node_ip(const json_t *node)
{
	size_t i;
	json_t *a;
	json_array_foreach(ctl_at(node, "status.addresses"), i, a) {
		if (!strcmp(ctl_s(a, "type"), "InternalIP"))
			return ctl_s(a, "address");
	}
	return "10.0.0.1";
}

/* 1 when a claim of the pod is not Bound (a ctl_pod_pvcs visitor). */
static int claim_unbound(struct sim_api *api, const char *claim, const json_t *pvc, void *arg)
{
	(void)api;
	(void)claim;
	(void)arg;
	return strcmp(ctl_s(pvc, "status.phase"), "Bound") != 0;
}

/* Whether the pod's volumes and RuntimeClass let it start. */
static bool can_start(struct sim_api *api, const json_t *pod)
{
	if (ctl_pod_pvcs(api, pod, claim_unbound, NULL) != 0)
		return false;
	const char *rc = ctl_str(pod, "spec.runtimeClassName");
	if (rc) {
		json_t *o = ctl_get(api, "node.k8s.io", "runtimeclasses", NULL, rc);
		json_decref(o);
		if (!o)
			return false;
	}
	return true;
}

/* The claims of the pod, as kubelet sees them before it prepares them: 0 when every
 * claim the pod names is generated or named and allocated (*driver: the driver of the
 * first allocation, new string, or NULL when the pod holds no claim); -1 while one is not
 * (kubelet waits, as the real one does for a claim not yet allocated and reserved). */
static int claims_allocated(struct sim_api *api, const json_t *pod, char **driver)
{
	*driver = NULL;
	size_t want = json_array_size(ctl_at(pod, "spec.resourceClaims"));
	const json_t *sts = ctl_at(pod, "status.resourceClaimStatuses");
	size_t named = 0;
	const json_t *c;
	size_t i;
	json_array_foreach(ctl_at(pod, "spec.resourceClaims"), i, c) {
		named += ctl_str(c, "resourceClaimName") != NULL;
	}
	if (json_array_size(sts) + named < want)
		return -1;
	json_t *claims = ctl_pod_claims(api, pod);
	const char *drv = NULL;
	int out = 0;
	json_array_foreach(claims, i, c) {
		const json_t *r = json_array_get(ctl_at(c, "status.allocation.devices.results"), 0);
		if (ctl_at(c, "status.allocation") == NULL)
			out = -1;
		else if (drv == NULL)
			drv = ctl_str(r, "driver");
	}
	if (out == 0 && drv != NULL)
		*driver = xstrdup(drv);
	json_decref(claims);
	return out;
}

/* What kubelet does with a pod whose claim it cannot prepare: the pod stays Pending, its
 * containers waiting in ContainerCreating, and one FailedPrepareDynamicResources event
 * (with the message kubelet 1.35 gives when the driver is not registered). */
static void prepare_failed(struct sim_api *api, const json_t *pod, const char *driver)
{
	if (ctl_at(pod, "status.containerStatuses") != NULL)
		return;
	json_t *next = json_deep_copy(pod);
	json_t *st = ctl_status(next);
	json_t *statuses = json_array();
	size_t i;
	const json_t *c;
	json_array_foreach(ctl_at(pod, "spec.containers"), i, c) {
		json_array_append_new(statuses,
				      json_pack("{s:s, s:s, s:b, s:i, s:b, s:{s:{s:s}}}", "name",
						ctl_s(c, "name"), "image", ctl_s(c, "image"),
						"ready", 0, "restartCount", 0, "started", 0,
						"state", "waiting", "reason", "ContainerCreating"));
	}
	json_object_set_new(st, "containerStatuses", statuses);
	if (ctl_replace(api, "", "pods", next) != 0)
		return;
	char *msg = xasprintf("Failed to prepare dynamic resources: prepare dynamic resources: DRA "
			      "driver %s is not registered",
			      driver);
	ctl_event(api, pod, "Pod", "Warning", "FailedPrepareDynamicResources", msg);
	free(msg);
}

static json_t *hex_id(const char *prefix, const json_t *pod, const char *container)
{
	char key[600];
	snprintf(key, sizeof(key), "%s/%s", ctl_s(pod, "metadata.uid"), container);
	uint64_t h = ctl_hash(key);
	char hex[65];
	for (int i = 0; i < 4; i++) {
		unsigned long long part = h * (uint64_t)(2 * i + 1) + (uint64_t)i;
		snprintf(hex + 16 * i, 17, "%016llx", part);
	}
	return json_sprintf("%s%s", prefix, hex);
}

static json_t *container_status(const json_t *pod, const json_t *c, json_t *state, bool ready)
{
	const char *name = ctl_s(c, "name");
	json_t *cs = json_pack("{s:s, s:s, s:o, s:o, s:b, s:b, s:i, s:o}", "name", name, "image",
			       ctl_s(c, "image"), "imageID", hex_id("sha256:", pod, name),
			       "containerID", hex_id("containerd://", pod, name), "ready", ready,
			       "started", ready, "restartCount", 0, "state", state);
	return cs;
}

static void set_annotation(json_t *pod, const char *key, const char *text)
{
	json_t *md = json_object_get(pod, "metadata");
	json_t *ann = json_object_get(md, "annotations");
	if (!json_is_object(ann)) {
		ann = json_object();
		json_object_set_new(md, "annotations", ann);
	}
	json_object_set_new(ann, key, json_string(text));
}

static void set_log(json_t *pod, const char *text)
{
	set_annotation(pod, KUBELET_LOG_ANNOTATION, text);
}

/* A fake kubelet serves no logs: the API server's answer when it cannot dial one. */
static void set_log_unreachable(json_t *pod, const char *host_ip)
{
	const json_t *c = json_array_get(ctl_at(pod, "spec.containers"), 0);
	char *msg = xasprintf("Get \"https://%s:10250/containerLogs/%s/%s/%s\": dial tcp "
			      "%s:10250: connect: connection refused",
			      host_ip, ctl_s(pod, "metadata.namespace"),
			      ctl_s(pod, "metadata.name"), ctl_s(c, "name"), host_ip);
	set_annotation(pod, KUBELET_LOG_ERROR_ANNOTATION, msg);
	free(msg);
}

static void start_pod(struct sim_api *api, const json_t *pod)
{
	json_t *node = ctl_get(api, "", "nodes", NULL, ctl_s(pod, "spec.nodeName"));
	if (!node || !can_start(api, pod)) {
		json_decref(node);
		return;
	}
	char *drv = NULL;
	if (claims_allocated(api, pod, &drv) != 0 ||
	    (drv != NULL && !ctl_setting_bool(api, "kubelet", "draPlugins", true))) {
		/* kubelet.draPlugins false: no DRA driver's kubelet plugin is registered */
		if (drv != NULL)
			prepare_failed(api, pod, drv);
		free(drv);
		json_decref(node);
		return;
	}
	free(drv);
	json_t *next = json_deep_copy(pod);
	json_t *st = ctl_status(next);
	char now[32];
	ctl_now(now);
	const char *hip = node_ip(node);
	char *ip =
	    json_is_true(ctl_at(pod, "spec.hostNetwork")) ? xstrdup(hip) : pod_ip(api, pod, node);
	json_object_set_new(st, "phase", json_string("Running"));
	json_object_set_new(st, "hostIP", json_string(hip));
	json_object_set_new(st, "hostIPs", json_pack("[{s:s}]", "ip", hip));
	json_object_set_new(st, "podIP", json_string(ip));
	json_object_set_new(st, "podIPs", json_pack("[{s:s}]", "ip", ip));
	json_object_set_new(st, "startTime", json_string(now));
	json_object_set_new(st, "qosClass", json_string("BestEffort"));
	static const char *const conds[] = {"PodReadyToStartContainers",
					    "Initialized",
					    "ContainersReady",
					    "Ready",
					    "PodScheduled",
					    NULL};
	for (size_t i = 0; conds[i]; i++)
		ctl_condition(st, conds[i], "True", "", "", -1);
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(st, "conditions"), i, c) {
		json_object_del(c, "reason");
		json_object_del(c, "message");
	}
	json_t *statuses = json_array();
	json_array_foreach(ctl_at(pod, "spec.containers"), i, c) {
		json_t *state = json_pack("{s:{s:s}}", "running", "startedAt", now);
		json_array_append_new(statuses, container_status(pod, c, state, true));
	}
	json_object_set_new(st, "containerStatuses", statuses);
	json_t *inits = json_array();
	json_array_foreach(ctl_at(pod, "spec.initContainers"), i, c) {
		json_t *state =
		    json_pack("{s:{s:i, s:s, s:s, s:s}}", "terminated", "exitCode", 0, "reason",
			      "Completed", "startedAt", now, "finishedAt", now);
		json_array_append_new(inits, container_status(pod, c, state, false));
	}
	if (json_array_size(inits))
		json_object_set_new(st, "initContainerStatuses", inits);
	else
		json_decref(inits);
	json_t *args = NULL;
	const char *probe = ctl_pod_probe(pod, &args);
	if (!runs_containers(api)) {
		set_log_unreachable(next, node_ip(node));
	} else if (probe && !one_shot(probe, args)) {
		char *line = server_log(api, pod, probe, args);
		set_log(next, line);
		free(line);
	}
	json_decref(args);
	free(ip);
	json_decref(node);
	if (ctl_replace(api, "", "pods", next) == 0)
		ctl_event(api, pod, "Pod", "Normal", "Started", "Started container");
}

/* Ends the probe container with the model's output. */
static void run_probe(struct sim_api *api, const json_t *pod)
{
	char *text = NULL, *log = NULL;
	int code;
	if (!runs_containers(api))
		return;
	if (ctl_runs_gdscheck(pod)) {
		code = ctl_gdscheck_run(api, pod, &text);
		log = xstrdup(text);
	} else {
		json_t *args = NULL;
		const char *probe = ctl_pod_probe(pod, &args);
		if (!one_shot(probe, args)) {
			json_decref(args);
			return;
		}
		json_t *out = NULL;
		code = ctl_probe_run(api, pod, probe, args, &out);
		json_decref(args);
		text = out ? json_dumps(out, JSON_COMPACT | JSON_REAL_PRECISION(9)) : NULL;
		log = text ? xasprintf("%s\n", text) : xasprintf("kaic probe %s: failed\n", probe);
		json_decref(out);
	}
	char now[32];
	ctl_now(now);
	json_t *next = json_deep_copy(pod);
	json_t *st = json_object_get(next, "status");
	json_t *cs0 = json_array_get(json_object_get(st, "containerStatuses"), 0);
	const char *started = ctl_s(cs0, "state.running.startedAt");
	json_t *term = json_pack("{s:i, s:s, s:s, s:s, s:s}", "exitCode", code, "reason",
				 code ? "Error" : "Completed", "message", text ? text : "",
				 "startedAt", *started ? started : now, "finishedAt", now);
	json_object_set_new(term, "containerID", json_incref(json_object_get(cs0, "containerID")));
	bool always = !strcmp(ctl_s(pod, "spec.restartPolicy"), "Always");
	if (always) {
		json_object_set_new(cs0, "lastState", json_pack("{s:o}", "terminated", term));
		json_object_set_new(cs0, "state",
				    json_pack("{s:{s:s, s:s}}", "waiting", "reason",
					      "CrashLoopBackOff", "message",
					      "back-off 10s restarting failed container"));
		json_object_set_new(cs0, "restartCount", json_integer(1));
		json_object_set_new(cs0, "ready", json_false());
		json_object_set_new(cs0, "started", json_false());
		ctl_condition(st, "Ready", "False", "ContainersNotReady",
			      "containers with unready status", -1);
		ctl_condition(st, "ContainersReady", "False", "ContainersNotReady",
			      "containers with unready status", -1);
	} else {
		size_t i;
		json_t *cs;
		json_array_foreach(json_object_get(st, "containerStatuses"), i, cs) {
			json_t *t =
			    i == 0 ? json_incref(term)
				   : json_pack("{s:i, s:s, s:s, s:s}", "exitCode", 0, "reason",
					       "Completed", "startedAt", now, "finishedAt", now);
			json_object_set_new(cs, "state", json_pack("{s:o}", "terminated", t));
			json_object_set_new(cs, "ready", json_false());
			json_object_set_new(cs, "started", json_false());
		}
		json_decref(term);
		json_object_set_new(st, "phase", json_string(code ? "Failed" : "Succeeded"));
		ctl_condition(st, "Ready", "False", "PodCompleted", "", -1);
		ctl_condition(st, "ContainersReady", "False", "PodCompleted", "", -1);
	}
	set_log(next, log);
	free(log);
	free(text);
	ctl_replace(api, "", "pods", next);
}

static void kubelet_tick(struct sim_api *api)
{
	json_t *pods = ctl_scan(api, "", "pods", kubelet_keep, NULL, CTL_SCAN_KUBELET);
	size_t i;
	json_t *pod;
	json_array_foreach(pods, i, pod) {
		if (!strcmp(ctl_pod_phase(pod), "Pending"))
			start_pod(api, pod);
		else
			run_probe(api, pod);
	}
	json_decref(pods);
}

const struct sim_controller sim_controller_kubelet = {
    .name = "kubelet",
    .group = "",
    .resource = "pods",
    .on_change = NULL,
    .tick = kubelet_tick,
};
