/* ctl_util.h: helpers shared by kaic-sim's simulated controllers and the probe models:
 * settings, read-only access to stored objects, optimistic writes, label selectors,
 * conditions, pod helpers. Everything here is thread-safe and takes the store lock
 * itself; the objects handed out are the store's immutable ones (never modify them:
 * deep-copy first). */
#ifndef KAIC_SIM_CONTROLLERS_CTL_UTIL_H
#define KAIC_SIM_CONTROLLERS_CTL_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim.h"

/* ---- settings (scenario.yaml controllers.NAME.KEY) ---- */
/* The boolean KEY of controller NAME's settings, dflt when absent or not a boolean. */
bool ctl_setting_bool(struct sim_api *api, const char *name, const char *key, bool dflt);
/* The settings value KEY of NAME (borrowed) or NULL. */
const json_t *ctl_setting(struct sim_api *api, const char *name, const char *key);

/* ---- reading objects ---- */
/* The value at a dotted path of obj ("spec.nodeName", "status.conditions.0.type": a
 * number indexes an array), borrowed, or NULL. */
json_t *ctl_at(const json_t *obj, const char *path);
/* The string at a dotted path, or NULL when absent or not a string. */
const char *ctl_str(const json_t *obj, const char *path);
/* Like ctl_str, but "" instead of NULL. */
const char *ctl_s(const json_t *obj, const char *path);
/* The stored object (a new reference to the immutable stored value) or NULL. */
json_t *ctl_get(struct sim_api *api, const char *group, const char *resource, const char *ns,
		const char *name);
/* A new array of the stored objects of group/resource in ns (NULL: all namespaces),
 * each a new reference to the immutable stored value; empty when the type is unknown. */
json_t *ctl_list(struct sim_api *api, const char *group, const char *resource, const char *ns);

/* Like ctl_list over all namespaces, keeping only the objects for which keep (called
 * under the store lock: it must not call sim_api_* or ctl_* functions) returns true. */
json_t *ctl_list_filter(struct sim_api *api, const char *group, const char *resource,
			bool (*keep)(const json_t *obj, void *arg), void *arg);

/* Like ctl_list_filter, but skips the scan (an empty array) when nothing was written
 * since the previous scan of the same slot (0 to 3) found nothing: for the periodic
 * scans of large collections. */
json_t *ctl_scan(struct sim_api *api, const char *group, const char *resource,
		 bool (*keep)(const json_t *obj, void *arg), void *arg, unsigned slot);
enum { CTL_SCAN_SCHEDULER, CTL_SCAN_KUBELET };

/* ---- writing objects ---- */
/* Replaces the object (status included) when its metadata.resourceVersion is still the
 * stored one; steals obj. Returns 0, or -1 when it is gone, changed meanwhile or
 * invalid (the caller retries later). */
int ctl_replace(struct sim_api *api, const char *group, const char *resource, json_t *obj);
/* Creates obj as a controller would; steals obj. Returns 0 or -1 (logged at debug). */
int ctl_create(struct sim_api *api, json_t *obj);
/* The ResourceClaims of pod, one per named entry of its status.resourceClaimStatuses:
 * the claim, or JSON null when it does not exist (a new array). */
json_t *ctl_pod_claims(struct sim_api *api, const json_t *pod);
/* The status object of obj (a copy being changed), made when missing (borrowed). */
json_t *ctl_status(json_t *obj);
/* Creates obj, then sets its status (which a create may reset); steals obj. 0 or -1. */
int ctl_create_status(struct sim_api *api, const char *group, const char *resource, json_t *obj);
/* n random lowercase alphanumerics from the store's seeded generator into out[n+1]. */
void ctl_random(struct sim_api *api, char *out, size_t n);
/* Records a core/v1 Event about obj (kind given) in obj's namespace. */
void ctl_event(struct sim_api *api, const json_t *obj, const char *kind, const char *type,
	       const char *reason, const char *message);

/* ---- selectors and conditions ---- */
/* Whether labels (an object, may be NULL) satisfy a metav1.LabelSelector (matchLabels and
 * matchExpressions). A NULL or non-object selector matches nothing; {} matches all. */
bool ctl_selector_match(const json_t *selector, const json_t *labels);
/* Whether labels hold every key=value of map (a Service selector). An empty or absent
 * map matches nothing. */
bool ctl_map_match(const json_t *map, const json_t *labels);
/* Sets condition type in the array conds (created in obj at key "conditions" when
 * missing). lastTransitionTime is kept when the status does not change. gen < 0: no
 * observedGeneration. */
void ctl_condition(json_t *status, const char *type, const char *cstatus, const char *reason,
		   const char *message, long long gen);
/* The status ("True", ...) of condition type in obj.status.conditions, or NULL. */
const char *ctl_condition_status(const json_t *obj, const char *type);
/* Current time, RFC 3339. */
void ctl_now(char out[32]);
/* An RFC 3339 time (as ctl_now writes it) in seconds since the epoch; 0 when s is NULL
 * or not one. */
long long ctl_time_parse(const char *s);

/* ---- pods ---- */
/* The pod's status.phase, "Pending" when it has none yet. */
const char *ctl_pod_phase(const json_t *pod);
/* Whether pod is Running with condition Ready=True. */
bool ctl_pod_ready(const json_t *pod);
/* The annotation a fake kubelet (controllers.kubelet.containers: false) puts on the pods
 * it reports Running without running them; its value is the pods/log error. */
#define CTL_NO_CONTAINER_ANNOTATION "kaic-sim/no-container"
/* Ready, and its container really runs, so something can answer on the pod's IP. */
bool ctl_pod_answers(const json_t *pod);
/* The probe name when the pod's first container runs `kaic probe NAME` (command plus
 * args), else NULL; *args gets a new array of the arguments after NAME. */
const char *ctl_pod_probe(const json_t *pod, json_t **args);
/* The value of --opt V or --opt=V in args (the last one), or NULL. */
const char *ctl_arg(const json_t *args, const char *opt);
/* A new array of every value of --opt in args. */
json_t *ctl_arg_all(const json_t *args, const char *opt);
/* The TCP ports the pod listens on, as a new array of {"port": n, "name": s}: a kaic
 * probe server's --port (echo and mcp 8080, metrics 9090 by default) and declared containerPorts.
 * *any is set when nothing is known about the pod (an unknown image: any port open). */
json_t *ctl_pod_ports(const json_t *pod, bool *any);
/* The PersistentVolumeClaim volumes of pod: calls fn with each claim's name and the
 * stored claim (NULL when it does not exist; a reference valid during the call) in the
 * order of spec.volumes, stopping at the first non-zero return, which it returns; 0 when
 * every call returned 0. */
int ctl_pod_pvcs(struct sim_api *api, const json_t *pod,
		 int (*fn)(struct sim_api *api, const char *claim, const json_t *pvc, void *arg),
		 void *arg);
/* FNV-1a of s. */
uint64_t ctl_hash(const char *s);
/* Whether resource name k is an extended resource (not cpu, memory, pods,
 * ephemeral-storage or hugepages-*). */
bool ctl_extended_resource(const char *k);
/* Whether pod is bound to node and is what a drain evicts (not a mirror pod, not a
 * DaemonSet's). */
bool ctl_pod_evictable(const json_t *pod, const char *node);

#endif
