/* active.h (checks): the active tests of the MUST requirements. Each test is one file,
 * active_<id>.c, with a builder that returns every object the test creates (needing no
 * cluster: namespace, run ID, image and what the cluster offers are parameters, so that
 * `kaic manifests` prints exactly what a run creates) and the test itself, which the
 * domain tables plug in as the check's active part. active_build.c holds the shared
 * builders, active_run.c what the tests share at run time. */
#ifndef KAIC_CHECKS_ACTIVE_H
#define KAIC_CHECKS_ACTIVE_H

#include <jansson.h>
#include <stdbool.h>

#include "active/active.h"
#include "run/check.h"
#include "checks/util.h"
#include "kube/kube.h"

/* What a builder needs. Cluster-specific values are discovered at run time; `kaic
 * manifests` fills them with the ACTIVE_PLACEHOLDER_* values. */
struct active_params {
	const char *run_id;
	const char *ns;		       /* kaic-<run-id> */
	const char *image;	       /* the test pods' image */
	const char *device_class;      /* HW-1.1: DeviceClass of the accelerators */
	const char *gateway_class;     /* NET-3.1: an accepted GatewayClass */
	const char *gateway_address;   /* NET-3.1: the Gateway's address (after it is programmed) */
	long requests;		       /* NET-3.1: requests of the weighted-split load */
	const char *storage_class;     /* STO-4.1 */
	const char *snapshot_class;    /* STO-4.1: VolumeSnapshotClass of the same driver */
	const json_t *monitor_labels;  /* OBS-6.1: labels the Prometheus selects monitors by */
	const char *agenttool_version; /* WL-2.1: served version of agents.kaic.io AgentTool */
	const char *accel_node;	       /* secure_accelerator_access: a node holding a claim */
	const char *match_attribute;   /* WL-2.4: the topology attribute constrained on */
	long match_over;	       /* WL-2.4: devices of the unsatisfiable claim */
	const char *kueue_version;     /* WL-2.3: served kueue.x-k8s.io version (v1beta2) */
	/* SEC-5.2..5.5, STO-4.2 (active_sec5x.c, active_sto42.c) */
	const char *runtime_class; /* SEC-5.3, SEC-5.4, workload_sandboxing: the RuntimeClass */
	const char *node;	   /* SEC-5.3: the sandboxed pod's node; HW-1.3: the faulted node */
	const char *signed_image;  /* SEC-5.5: --signed-image */
	const char *unsigned_image; /* SEC-5.5: --unsigned-image */
	const char *gds_image;	    /* STO-4.2: --gds-image */
	const char *otlp_endpoint;  /* OBS-6.2: the collector's OTLP/HTTP endpoint */
	const char *nad;	    /* NET-3.2: the NetworkAttachmentDefinition, "NS/NAME" */
	const char *nad_resource;   /* NET-3.2: the device resource it needs, or NULL */
	const char *secondary_nic;  /* NET-3.2: host interface of kaic's own NAD, or NULL */
	/* cluster_autoscaling (active_ca.c): the extended resource the pod asks for (NULL: a
	 * claim of device_class), and the nodes it refuses (names; NULL: a placeholder) */
	const char *accel_resource;
	const json_t *exclude_nodes;
};

#define ACTIVE_PLACEHOLDER_DEVICE_CLASS "example-device-class"
#define ACTIVE_PLACEHOLDER_GATEWAY_CLASS "example-gateway-class"
#define ACTIVE_PLACEHOLDER_GATEWAY_ADDRESS "GATEWAY_ADDRESS"
#define ACTIVE_PLACEHOLDER_STORAGE_CLASS "example-storage-class"
#define ACTIVE_PLACEHOLDER_SNAPSHOT_CLASS "example-snapshot-class"
#define ACTIVE_PLACEHOLDER_RUNTIME_CLASS "example-runtime-class"
#define ACTIVE_PLACEHOLDER_ACCEL_NODE "example-accelerator-node"
#define ACTIVE_PLACEHOLDER_NODE "example-node"
#define ACTIVE_PLACEHOLDER_SIGNED_IMAGE "example.registry/signed:1"
#define ACTIVE_PLACEHOLDER_UNSIGNED_IMAGE "example.registry/unsigned:1"
#define ACTIVE_PLACEHOLDER_GDS_IMAGE "example.registry/gdscheck:1"
#define ACTIVE_PLACEHOLDER_OTLP_ENDPOINT "http://example-collector.example-namespace.svc:4318"
#define ACTIVE_PLACEHOLDER_NAD "example-namespace/example-network"

#define ACTIVE_DEFAULT_REQUESTS 400
#define ACTIVE_AGENTTOOL_GROUP "agents.kaic.io"
#define ACTIVE_AGENTTOOL_VERSION "v1alpha1"

/* Fills p with the run's identity and the placeholders (requests from load_requests, or
 * the default when it is not positive). */
void active_params_init(struct active_params *p, const char *run_id, const char *ns,
			const char *image, long load_requests);

/* One active test: its requirement, its builder (a new array of objects in creation
 * order) and the test. */
struct active_test {
	const char *id;
	const char *tag; /* every object the test creates is named TAG or TAG-... */
	json_t *(*objects)(const struct active_params *p);
	void (*run)(struct check_ctx *ctx, struct check_result *res);
};
/* Every active test, in catalogue order, ending with a zeroed entry. */
extern const struct active_test active_tests[];

json_t *active_hw11_objects(const struct active_params *p);
void active_hw11_run(struct check_ctx *ctx, struct check_result *res);
json_t *active_hw12_objects(const struct active_params *p);
void active_hw12_run(struct check_ctx *ctx, struct check_result *res);
json_t *active_wl21_objects(const struct active_params *p);
void active_wl21_run(struct check_ctx *ctx, struct check_result *res);
json_t *active_net31_objects(const struct active_params *p);
/* NET-3.1's weighted load sends at least this many requests (active_net31.c says why). */
#define ACTIVE_NET31_MIN_REQUESTS 2000
/* NET-3.1's split decision: the equal-tailed band [*lo, *hi] of counts with P(X < lo) +
 * P(X > hi) <= alpha for X ~ Binomial(n, p); and whether a of n lies in the band at the
 * test's false-failure probability (1e-6). */
void active_net31_band(long n, double p, double alpha, long *lo, long *hi);
bool active_net31_split_ok(long n, long a, double p);
void active_net31_run(struct check_ctx *ctx, struct check_result *res);
json_t *active_sto41_objects(const struct active_params *p);
void active_sto41_run(struct check_ctx *ctx, struct check_result *res);
json_t *active_sto42_objects(const struct active_params *p);
void active_sto42_run(struct check_ctx *ctx, struct check_result *res);
/* What STO-4.2 reads from `gdscheck -p`'s report. */
struct active_gds_report {
	bool recognised;       /* "GDS release version" or "DRIVER CONFIGURATION" seen */
	char nvidia_fs[32];    /* "nvidia_fs version:" value ("2.17", "N/A"), "" when absent */
	int supported_drivers; /* DRIVER CONFIGURATION entries "NAME : Supported" */
	char drivers[200];     /* their names, ", "-separated */
	int gpus, gds_gpus;    /* "GPU index" lines; those that say "supports GDS" */
	bool platform_ok, platform_error; /* "Platform verification succeeded" / "error" */
};
void active_sto42_parse(const char *text, struct active_gds_report *r);
json_t *active_sec51_objects(const struct active_params *p);
void active_sec51_run(struct check_ctx *ctx, struct check_result *res);
json_t *active_sec52_objects(const struct active_params *p);
void active_sec52_run(struct check_ctx *ctx, struct check_result *res);
json_t *active_sec53_objects(const struct active_params *p);
void active_sec53_run(struct check_ctx *ctx, struct check_result *res);
json_t *active_sec54_objects(const struct active_params *p);
void active_sec54_run(struct check_ctx *ctx, struct check_result *res);
/* SEC-5.3/5.4 share (active_sec53.c): the pod name PREFIX-RC[SUFFIX] made a DNS label
 * (new string); a `kaic probe sandbox` pod under RuntimeClass rc (NULL: none) on node
 * (NULL: scheduled); the RuntimeClasses whose known handler has every flag of want and
 * none of unwanted (new array of {name, handler, product}; list errors counted); running
 * such a pod: 0 with *out (the probe's JSON) and *node (may be NULL), -1 after deciding
 * Error; and a view's one-line summary (new string). */
char *active_sandbox_pod_name(const char *prefix, const char *rc, const char *suffix);
json_t *active_sandbox_pod(const struct active_params *p, const char *name, const char *rc,
			   const char *node);
json_t *active_sandbox_classes(struct check_ctx *ctx, struct check_result *res, unsigned want,
			       unsigned unwanted, int *errors);
int active_sandbox_probe(struct check_ctx *ctx, struct check_result *res, const json_t *pod,
			 json_t **out, char **node);
char *active_sandbox_view(const json_t *v);
json_t *active_sec55_objects(const struct active_params *p);
void active_sec55_run(struct check_ctx *ctx, struct check_result *res);
json_t *active_obs61_objects(const struct active_params *p);
void active_obs61_run(struct check_ctx *ctx, struct check_result *res);
/* secure_accelerator_access (active_saa.c): pods with and without their own claims
 * report the accelerators they see. */
json_t *active_saa_objects(const struct active_params *p);
void active_saa_run(struct check_ctx *ctx, struct check_result *res);
/* workload_sandboxing (active_sandbox.c): the sandbox probe in a RuntimeClass pod. */
json_t *active_sandbox_objects(const struct active_params *p);
void active_sandbox_run(struct check_ctx *ctx, struct check_result *res);
/* pod_autoscaling (active_hpa.c): an HPA on a custom Pods metric scales a Deployment. */
json_t *active_hpa_objects(const struct active_params *p);
void active_hpa_run(struct check_ctx *ctx, struct check_result *res);
/* cluster_autoscaling (active_ca.c, --disruptive): a pending accelerator pod makes the
 * autoscaler add a node, which it removes after the pod ends. */
json_t *active_ca_objects(const struct active_params *p);
void active_ca_run(struct check_ctx *ctx, struct check_result *res);
/* robust_controller (active_lws.c): a LeaderWorkerSet reconciled, an invalid one
 * rejected by a server-side dry run. */
json_t *active_lws_objects(const struct active_params *p);
void active_lws_run(struct check_ctx *ctx, struct check_result *res);
json_t *active_wl22_objects(const struct active_params *p);
void active_wl22_run(struct check_ctx *ctx, struct check_result *res);
json_t *active_wl23_objects(const struct active_params *p);
void active_wl23_run(struct check_ctx *ctx, struct check_result *res);
json_t *active_wl24_objects(const struct active_params *p);
void active_wl24_run(struct check_ctx *ctx, struct check_result *res);
/* OBS-6.1's verdict from the query result (a non-empty array of series of the run's
 * model, borrowed) that api (for evidence) answered after secs: Full when a series names
 * the pod "metrics" by --pod-label or a usual target label (pod, exported_pod,
 * kubernetes_pod_name, pod_name, ...), else Partial. */
void active_obs61_decide(struct check_ctx *ctx, struct check_result *res, const char *api,
			 const json_t *result, double secs);

json_t *active_hw13_objects(const struct active_params *p);
void active_hw13_run(struct check_ctx *ctx, struct check_result *res);
json_t *active_net32_objects(const struct active_params *p);
void active_net32_run(struct check_ctx *ctx, struct check_result *res);
json_t *active_obs62_objects(const struct active_params *p);
void active_obs62_run(struct check_ctx *ctx, struct check_result *res);

/* ---- active_http.c ---- */

/* GET of an absolute URL (body at most 4 MiB, 15 s). 0 with *body (caller frees), *len
 * and the HTTP status in *code, whatever it is; -1 with *err when nothing answered. */
int active_http_get(const char *url, char **body, size_t *len, long *code, struct kube_error *err);

/* ---- active_build.c: objects ---- */

/* {apiVersion, kind, metadata: {name, namespace (unless ns NULL), labels: kaic's}}. */
json_t *active_build_object(const struct active_params *p, const char *api_version,
			    const char *kind, const char *name, bool namespaced);
/* A pod running `kaic probe PROBE ARGS...` (args: a new array, stolen) that meets the
 * restricted Pod Security Standard; one-shot pods have restartPolicy Never. The label
 * kaic.io/app=NAME is set; POD_NAME comes from the downward API. */
json_t *active_build_pod(const struct active_params *p, const char *name, const char *probe,
			 json_t *args, bool one_shot);
/* A ClusterIP Service NAME selecting kaic.io/app=app on port -> target_port. */
json_t *active_build_service(const struct active_params *p, const char *name, const char *app,
			     int port, int target_port);
/* Adds label key=value to obj's metadata.labels. */
void active_build_label(json_t *obj, const char *key, const char *value);
/* The collection path an object is created at (from apiVersion, kind and namespace), or
 * NULL for a kind whose plural is unknown. Caller frees. */
char *active_build_path(const json_t *obj);
/* The object of that kind and name in objs, borrowed, or NULL. */
json_t *active_build_find(const json_t *objs, const char *kind, const char *name);

/* ---- active_dra.c: allocating an accelerator (HW-1.1, HW-1.2) ---- */

/* The name of the claim in the pods' spec.resourceClaims and their container's claims. */
#define ACTIVE_DRA_CLAIM "accelerator"
/* A ResourceClaimTemplate NAME asking for exactly one device of p->device_class, with
 * a CEL selector when cel is not NULL. */
json_t *active_dra_claim_template(const struct active_params *p, const char *name, const char *cel);
/* A pod NAME running `kaic probe echo` whose container holds a claim from template. */
json_t *active_dra_claim_pod(const struct active_params *p, const char *name, const char *tmpl);
/* The DeviceClass whose driver publishes accelerator devices among devs (borrowed name),
 * or NULL with the reason in *why; when DeviceClasses cannot be listed, also the evidence
 * in res and *errors incremented. */
const char *active_dra_device_class(struct check_ctx *ctx, const struct cutil_devices *devs,
				    struct check_result *res, int *errors, const char **why);
/* The driver DeviceClass name selects (`device.driver == "X"`), copied into buf; false
 * when the class is not listed or names none. */
bool active_dra_class_driver(struct check_ctx *ctx, const char *name, char *buf, size_t size);
/* The name of the claim generated for the pod's claim ACTIVE_DRA_CLAIM, or NULL. */
const char *active_dra_generated_claim(const json_t *pod);
/* The run namespace's ResourceClaim NAME (new reference), or NULL with *err. */
json_t *active_dra_get_claim(struct check_ctx *ctx, const char *name, struct kube_error *err);
/* The published device of an allocation result ({driver, pool, device}), or NULL. */
const struct cutil_device *active_dra_published(const struct cutil_devices *devs,
						const json_t *result);
/* How long a `kaic probe devices --hold` pod holds its claim (seconds, a string). */
#define ACTIVE_DRA_HOLD_S "600"
/* A pod NAME running `kaic probe devices --hold`, holding a claim from tmpl unless NULL:
 * it prints its report (device files, GPU UUIDs, device variables) at once and keeps
 * running, holding its device. */
json_t *active_dra_devices_pod(const struct active_params *p, const char *name, const char *tmpl);
/* The report such a pod printed in its log (new reference), polled until the check's
 * deadline; NULL when none came, with evidence saying why. */
json_t *active_dra_read_report(struct check_ctx *ctx, struct check_result *res, const char *pod);
/* Where a device report names token (a device's name, UUID or its claim's uid): "GPU
 * UUID X" or "VAR=VALUE" (allocated), or NULL. */
char *active_dra_report_names(const json_t *report, const char *token);

/* ---- active_run.c: running the tests ---- */

/* The earlier of the check's deadline and now + ms. */
long long active_run_deadline(const struct check_ctx *ctx, long ms);
/* Creates (a deep copy of) obj through the framework. On failure records the evidence
 * "cannot create KIND NAME: ..." and the Error verdict; returns -1. */
int active_run_create(struct check_ctx *ctx, struct check_result *res, const json_t *obj,
		      json_t **out);
/* Creates every object of objs of that kind/name (NULL kind: all), in order. */
int active_run_create_all(struct check_ctx *ctx, struct check_result *res, const json_t *objs,
			  const char *const *names);

enum active_pod_want { ACTIVE_POD_READY, ACTIVE_POD_DONE };
/* Waits for pod name of the run namespace: READY (Running and Ready, or finished) or
 * DONE (Succeeded or Failed); also stops when it cannot start (image pull errors). 0
 * with *pod (new reference) when reached; -1 with *err (Timeout, Cancelled, API error)
 * and *pod the last state seen (may be NULL). */
int active_run_wait_pod(struct check_ctx *ctx, const char *name, enum active_pod_want want,
			long long deadline_ms, json_t **pod, struct kube_error *err);
/* Why a pod cannot start ("ErrImagePull: ...") or is unschedulable, borrowed, or NULL. */
const char *active_run_pod_stuck(const json_t *pod);
/* The message of condition PodScheduled=False, borrowed, or NULL. */
const char *active_run_unschedulable(const json_t *pod);
/* status.phase, or "" */
const char *active_run_phase(const json_t *pod);

/* A one-shot probe pod's outcome. */
struct active_probe_result {
	json_t *out;   /* the probe's JSON (termination message, else log), or NULL */
	int exit_code; /* -1 unknown */
	json_t *pod;   /* the final pod */
};
void active_probe_result_release(struct active_probe_result *r);
/* Creates the pod and waits until it finishes, then reads its JSON. Returns 0 (r filled;
 * r->out may still be NULL when the pod wrote nothing readable), or -1 after recording
 * the evidence and the Error verdict (creation failed, timeout, cannot start). */
int active_run_probe(struct check_ctx *ctx, struct check_result *res, const json_t *pod_obj,
		     struct active_probe_result *r);
/* The second half of active_run_probe, for a probe pod NAME created earlier (so that
 * pods created together run side by side): waits until it finishes and reads its JSON. */
int active_run_probe_collect(struct check_ctx *ctx, struct check_result *res, const char *name,
			     struct active_probe_result *r);

/* A pod's phase and conditions are what its node reports; a node that runs no containers
 * (kwok's fake kubelets) reports Running all the same. The container's own log line
 * (needle, e.g. "kaic probe echo: serving as"), served by the kubelet, shows that it
 * started: true with that evidence, or false with the evidence of why not (the log
 * cannot be read, or lacks the line). */
bool active_run_container_started(struct check_ctx *ctx, struct check_result *res, const char *pod,
				  const char *needle);
/* Records "WHAT: reason" from err as evidence, the recent Events of the run namespace,
 * and the Error verdict (Timeout: "timed out after N s ..."). */
void active_run_error(struct check_ctx *ctx, struct check_result *res, const char *what,
		      const struct kube_error *err);
/* Adds up to five recent Events of the run namespace about the check's objects (those
 * named with its test's tag) as "event: ..." evidence lines. */
void active_run_events(struct check_ctx *ctx, struct check_result *res);
/* The active test could not run: evidence "active test not run: WHY" (replacing the
 * passive "not exercised" lines); a passive Full becomes Partial. The verdict stays
 * passive; hint replaces a passive remediation that asked to run the active test. */
void active_run_not_run(struct check_result *res, const char *why, const char *hint);
/* A read the active test needs failed (recorded as evidence by cutil_list_read): the
 * test is not run and the verdict is Error, never a guess from what was not read. */
void active_run_read_failed(struct check_result *res, int errors);
/* Sets the verdict decided by the active test (mode active). */
void active_run_decide(struct check_result *res, enum verdict v, const char *hint);
/* The parameters of this run: identity from ctx, placeholders elsewhere. */
void active_run_params(const struct check_ctx *ctx, struct active_params *p);

#endif
