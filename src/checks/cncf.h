/* cncf.h: the checks of the CNCF AI Conformance program's requirements that kaic's
 * white-paper catalogue does not have; each check's id is the program's id
 * ("secure_accelerator_access", ...). The overlapping ids (dra_support, ai_inference,
 * gang_scheduling, accelerator_metrics, ai_service_metrics) share the white-paper
 * checks and are not here. docs/cncf-checks.md says how each is decided. */
#ifndef KAIC_CHECKS_CNCF_H
#define KAIC_CHECKS_CNCF_H

#include <jansson.h>
#include <stdbool.h>

#include "checks/util.h"
#include "checks/known.h"
#include "run/check.h"

/* Every CNCF-only check, NULL-terminated (cncf_table.c). */
extern const struct check *const checks_cncf[];

/* The checks (cncf_accel.c, cncf_sched.c, cncf_net.c, cncf_ops.c). */
extern const struct check cncf_secure_accelerator_access;
extern const struct check cncf_driver_runtime_management;
extern const struct check cncf_gpu_sharing;
extern const struct check cncf_virtualized_accelerator;
extern const struct check cncf_cluster_autoscaling;
extern const struct check cncf_pod_autoscaling;
extern const struct check cncf_advanced_inference_ingress;
extern const struct check cncf_disaggregated_inference;
extern const struct check cncf_high_performance_networking;
extern const struct check cncf_robust_controller;
extern const struct check cncf_workload_sandboxing;

/* ---- shared by the cncf_*.c files (cncf_util.c) ---- */

/* The accelerators of the cluster: DRA devices of accelerator drivers, and nodes whose
 * allocatable counts accelerators through a device plugin. */
struct cncf_accel {
	struct cutil_devices devs;     /* every published DRA device */
	size_t dra;		       /* of which from accelerator drivers */
	struct cutil_set dra_drivers;  /* accelerator drivers */
	struct cutil_set plugin;       /* "RESOURCE" advertised by device plugins */
	struct cutil_set plugin_nodes; /* nodes advertising them */
	const json_t *nodes;	       /* the node list (borrowed), or NULL */
};
/* Reads ResourceSlices and nodes; failed reads are recorded (evidence, *errors). */
void cncf_accel_read(struct inventory *inv, struct cncf_accel *a, struct check_result *res,
		     int *errors);
void cncf_accel_release(struct cncf_accel *a);
/* Whether d comes from an accelerator DRA driver (known as one, or unknown). */
bool cncf_device_accel(const struct cutil_device *d);
/* Ready and wanted replicas of a Deployment, StatefulSet or DaemonSet (numberReady /
 * desiredNumberScheduled); wanted defaults to 1 for Deployments and StatefulSets. */
void cncf_workload_replicas(const json_t *w, long long *ready, long long *want);
/* Appends "KIND NS/NAME: R/W ready" for w; returns whether every wanted replica (at least
 * one) is ready. */
bool cncf_workload_evidence(struct check_result *res, const char *kind, const json_t *w);

/* The sandbox runtime (RUNTIME_SANDBOX) a RuntimeClass handler names, or NULL. */
const struct known_runtime *cncf_sandbox_handler(const char *handler);

#endif
