/* ctl.h: helpers shared by kaic-sim's simulated controllers (scheduler, kubelet, DRA,
 * storage, gateway, Prometheus, AgentTool) and the probe models: settings, read-only
 * access to stored objects, optimistic writes, label selectors, conditions, pod helpers,
 * and the models' entry points. Everything here is thread-safe; the objects handed out
 * are the store's immutable ones (never modify them: deep-copy first). */
#ifndef KAIC_SIM_CTL_H
#define KAIC_SIM_CTL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "api_internal.h"
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

/* ---- pods ---- */
/* The pod's status.phase, "Pending" when it has none yet. */
const char *ctl_pod_phase(const json_t *pod);
/* Whether pod is Running with condition Ready=True. */
bool ctl_pod_ready(const json_t *pod);
/* The probe name when the pod's first container runs `kaic probe NAME` (command plus
 * args), else NULL; *args gets a new array of the arguments after NAME. */
const char *ctl_pod_probe(const json_t *pod, json_t **args);
/* The value of --opt V or --opt=V in args (the last one), or NULL. */
const char *ctl_arg(const json_t *args, const char *opt);
/* A new array of every value of --opt in args. */
json_t *ctl_arg_all(const json_t *args, const char *opt);
/* The TCP ports the pod listens on, as a new array of {"port": n, "name": s}: a kaic
 * probe server's --port (echo 8080, metrics 9090 by default) and declared containerPorts.
 * *any is set when nothing is known about the pod (an unknown image: any port open). */
json_t *ctl_pod_ports(const json_t *pod, bool *any);
/* FNV-1a of s. */
uint64_t ctl_hash(const char *s);

/* ---- cross-controller entry points ---- */
/* dra.c: tries to allocate the ResourceClaim ns/name now (when controllers.dra.allocate).
 * Returns 1 allocated (already or now), 0 cannot be allocated (*why, caller frees), -1
 * not found. */
int ctl_dra_allocate(struct sim_api *api, const char *ns, const char *name, char **why);
/* dra.c: adds pod to reservedFor of claim ns/name. Returns 0 or -1. */
int ctl_dra_reserve(struct sim_api *api, const char *ns, const char *claim, const json_t *pod);
/* cel.c: evaluates a DRA CEL selector against device (the ResourceSlice device with
 * "driver" added); anything outside the supported subset evaluates to false. */
bool ctl_cel_match(const char *expr, const json_t *device);

/* netpol.c: whether a TCP connection from pod `from` to pod `to` on port (numeric, or
 * the named container port) is allowed by the NetworkPolicies (true when
 * controllers.networkPolicy.enforce is false). proto "TCP" or "UDP". */
bool ctl_netpol_allowed(struct sim_api *api, const json_t *from, const json_t *to, long port,
			const char *proto);
/* netpol.c: whether egress from pod `from` to the cluster DNS (UDP or TCP 53) is allowed. */
bool ctl_netpol_dns_allowed(struct sim_api *api, const json_t *from);

/* probe_models.c: where a host name or address leads, as seen from namespace ns:
 * a Service (name, name.ns, name.ns.svc[.cluster.local] or ClusterIP), a pod (pod IP)
 * or a Gateway (an address in its status). */
struct ctl_target {
	json_t *svc, *pod, *gw; /* one of them is set (new references) */
	char addr[64];		/* the address the name resolved to */
};
/* Returns 0, or -1 when nothing answers to host. */
int ctl_resolve(struct sim_api *api, const char *ns, const char *host, struct ctl_target *t);
void ctl_target_release(struct ctl_target *t);
/* The Ready pods behind svc for its port number `port`, as a new array of
 * {"pod": POD, "port": the target port number}; *has_port false when svc has no such
 * port. Sorted by pod name. */
json_t *ctl_endpoints(struct sim_api *api, const json_t *svc, long port, bool *has_port);
/* Whether pod listens on TCP port. */
bool ctl_pod_listens(const json_t *pod, long port);
/* Splits an http(s) URL into host (caller frees), port (default 80/443) and path
 * (pointer into url, "/" when absent). Returns 0 or -1. */
int ctl_url_split(const char *url, char **host, long *port, const char **path);
/* probe_http.c: the http-load model (see probe_models.c for the contract). */
int ctl_probe_http_load(struct sim_api *api, const json_t *pod, const json_t *args, json_t *res);

/* probe_models.c: runs the one-shot probe NAME of pod with args; *output gets its JSON
 * result (a new object with "probe"), returns the exit status (0, 1, 2). */
int ctl_probe_run(struct sim_api *api, const json_t *pod, const char *name, const json_t *args,
		  json_t **output);

/* storage.c: the file contents of the volume behind the PVC ns/claim (a new reference
 * to an object path -> content, or NULL when the claim is not bound to a PV); and a
 * write of one file. Returns 0 or -1. */
json_t *ctl_volume_files(struct sim_api *api, const char *ns, const char *claim);
int ctl_volume_write(struct sim_api *api, const char *ns, const char *claim, const char *rel,
		     const char *content);

/* prometheus.c: the dynamic proxy hook (see sim_proxy_hooks in sim.h). */
bool ctl_prometheus_proxy(struct sim_api *api, const char *method, const char *path,
			  const json_t *query, struct sim_response *resp);

/* dcgm.c: a static exporter body (len bytes) with the pod, namespace and container
 * labels of each device held by a running pod filled in; a new body (caller frees, its
 * length in *out_len) or NULL when nothing is to change. */
char *ctl_dcgm_attribute(struct sim_api *api, const char *body, size_t len, size_t *out_len);

#endif
