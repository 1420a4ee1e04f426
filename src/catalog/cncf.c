/* cncf.c: the CNCF AI Conformance checklists 1.33 … 1.37 as facts (ids, sections, order,
 * levels, metadata keys), and kaic's own one-line summary of each official id.
 * tests/unit/test_cncf.c compares these tables with ../shared's upstream files. */
#include "catalog/cncf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MUST(id, sec) {id, sec, LEVEL_MUST, false}
#define MUST_IF(id, sec) {id, sec, LEVEL_MUST, true}
#define SHOULD(id, sec) {id, sec, LEVEL_SHOULD, false}

/* The sections, as every version orders them. */
#define ACC "accelerators"
#define NET "networking"
#define SCHED "schedulingOrchestration"
#define OBS "observability"
#define SEC "security"
#define OPER "operator"

static const struct cncf_item v133[] = {
    SHOULD("dra_support", ACC),		  MUST("ai_inference", NET),
    MUST("gang_scheduling", SCHED),	  MUST_IF("cluster_autoscaling", SCHED),
    MUST_IF("pod_autoscaling", SCHED),	  MUST("accelerator_metrics", OBS),
    MUST("ai_service_metrics", OBS),	  MUST("secure_accelerator_access", SEC),
    MUST("robust_controller", OPER),
};

static const struct cncf_item v134[] = {
    MUST("dra_support", ACC),		  MUST("ai_inference", NET),
    MUST("gang_scheduling", SCHED),	  MUST_IF("cluster_autoscaling", SCHED),
    MUST_IF("pod_autoscaling", SCHED),	  MUST("accelerator_metrics", OBS),
    MUST("ai_service_metrics", OBS),	  MUST("secure_accelerator_access", SEC),
    MUST("robust_controller", OPER),
};

static const struct cncf_item v135[] = {
    MUST("dra_support", ACC),
    SHOULD("driver_runtime_management", ACC),
    SHOULD("gpu_sharing", ACC),
    SHOULD("virtualized_accelerator", ACC),
    MUST("ai_inference", NET),
    MUST("gang_scheduling", SCHED),
    MUST_IF("cluster_autoscaling", SCHED),
    MUST_IF("pod_autoscaling", SCHED),
    MUST("accelerator_metrics", OBS),
    MUST("ai_service_metrics", OBS),
    MUST("secure_accelerator_access", SEC),
    MUST("robust_controller", OPER),
};

/* 1.36 drops dra_support (DRA is GA and part of Kubernetes conformance). */
static const struct cncf_item v136[] = {
    SHOULD("driver_runtime_management", ACC),
    SHOULD("gpu_sharing", ACC),
    SHOULD("virtualized_accelerator", ACC),
    MUST("ai_inference", NET),
    SHOULD("advanced_inference_ingress", NET),
    SHOULD("high_performance_networking", NET),
    SHOULD("disaggregated_inference", NET),
    MUST("gang_scheduling", SCHED),
    MUST_IF("cluster_autoscaling", SCHED),
    MUST_IF("pod_autoscaling", SCHED),
    MUST("accelerator_metrics", OBS),
    MUST("ai_service_metrics", OBS),
    MUST("secure_accelerator_access", SEC),
    MUST("robust_controller", OPER),
};

static const struct cncf_item v137[] = {
    SHOULD("driver_runtime_management", ACC),
    SHOULD("gpu_sharing", ACC),
    SHOULD("virtualized_accelerator", ACC),
    MUST("ai_inference", NET),
    SHOULD("advanced_inference_ingress", NET),
    SHOULD("high_performance_networking", NET),
    SHOULD("disaggregated_inference", NET),
    MUST("gang_scheduling", SCHED),
    MUST_IF("cluster_autoscaling", SCHED),
    MUST_IF("pod_autoscaling", SCHED),
    MUST("accelerator_metrics", OBS),
    MUST("ai_service_metrics", OBS),
    MUST("secure_accelerator_access", SEC),
    SHOULD("workload_sandboxing", SEC),
    MUST("robust_controller", OPER),
};

#define META_BASE                                                                          \
	"kubernetesVersion", "platformName", "platformVersion", "vendorName", "websiteUrl", \
	    "repoUrl", "documentationUrl", "productLogoUrl", "description",                 \
	    "contactEmailAddress"
static const char *const meta_base[] = {META_BASE, NULL};
/* only 1.35's file asks for the k8s-conformance submission */
static const char *const meta_135[] = {META_BASE, "k8sConformanceUrl", NULL};

#define N(a) (sizeof(a) / sizeof((a)[0]))
static const struct cncf_version versions[] = {
    {"1.33", "v1.33", v133, N(v133), meta_base}, {"1.34", "v1.34", v134, N(v134), meta_base},
    {"1.35", "v1.35", v135, N(v135), meta_135},	 {"1.36", "v1.36", v136, N(v136), meta_base},
    {"1.37", "v1.37", v137, N(v137), meta_base},
};

/* kaic's view of each official id: what it verifies, in one line (docs/cncf.md). The
 * level is the newest checklist's; PRODUCT.yaml takes the level of the chosen version. */
#define REQ(id, lvl, title, text, sec) {id, lvl, "CNCF", title, text, id, sec}
static const struct requirement reqs[] = {
    REQ("dra_support", LEVEL_MUST, "DRA APIs",
	"kaic verifies that resource.k8s.io is served, drivers publish accelerators in "
	"ResourceSlices and a ResourceClaim obtains one (HW-1.1).",
	ACC),
    REQ("driver_runtime_management", LEVEL_SHOULD, "Accelerator driver and runtime management",
	"kaic verifies that accelerator drivers and their container runtime configuration are "
	"installed and reported on accelerator nodes, through DRA where the driver publishes "
	"versions.",
	ACC),
    REQ("gpu_sharing", LEVEL_SHOULD, "GPU sharing",
	"kaic verifies that at least one GPU sharing strategy (hardware partitions or "
	"time-slicing) exposes fractional accelerators to workloads.",
	ACC),
    REQ("virtualized_accelerator", LEVEL_SHOULD, "Virtualized accelerators",
	"kaic verifies that virtualized accelerators (e.g. vGPU) are exposed and managed like "
	"physical fractional accelerators.",
	ACC),
    REQ("ai_inference", LEVEL_MUST, "Gateway API for inference",
	"kaic verifies that a Gateway API implementation routes inference traffic with "
	"weighted splitting and header-based routing (NET-3.1).",
	NET),
    REQ("advanced_inference_ingress", LEVEL_SHOULD, "Gateway API Inference Extension",
	"kaic verifies that an InferencePool with an endpoint picker routes requests to model "
	"servers (Gateway API Inference Extension).",
	NET),
    REQ("high_performance_networking", LEVEL_SHOULD, "High-performance networking",
	"kaic verifies that specialized network devices are discoverable (DRA network devices) "
	"and that pods can attach several network interfaces.",
	NET),
    REQ("disaggregated_inference", LEVEL_SHOULD, "Disaggregated inference",
	"kaic verifies that a disaggregated inference solution runs separate prefill and "
	"decode workloads.",
	NET),
    REQ("gang_scheduling", LEVEL_MUST, "Gang scheduling",
	"kaic verifies that a gang scheduler (Kueue, Volcano, coscheduling) admits a gang "
	"that fits whole and one that cannot fit not at all.",
	SCHED),
    REQ("cluster_autoscaling", LEVEL_MUST, "Cluster autoscaling for accelerators",
	"kaic verifies that a cluster autoscaler (or Karpenter) has node groups with "
	"accelerators and adds a node for a pending accelerator pod (N/A without one).",
	SCHED),
    REQ("pod_autoscaling", LEVEL_MUST, "Pod autoscaling on custom metrics",
	"kaic verifies that a HorizontalPodAutoscaler scales pods that hold accelerators on a "
	"custom metric served by the custom metrics API.",
	SCHED),
    REQ("accelerator_metrics", LEVEL_MUST, "Accelerator metrics",
	"kaic verifies that per-accelerator utilization and memory metrics are exposed in a "
	"machine-readable format for every accelerator (HW-1.2).",
	OBS),
    REQ("ai_service_metrics", LEVEL_MUST, "AI service metrics",
	"kaic verifies that the monitoring system discovers and collects the metrics a "
	"workload exposes in Prometheus format (OBS-6.1).",
	OBS),
    REQ("secure_accelerator_access", LEVEL_MUST, "Secure accelerator access",
	"kaic verifies that a pod without a claim sees no accelerator and that pods with "
	"separate claims each see only their own.",
	SEC),
    REQ("workload_sandboxing", LEVEL_SHOULD, "Workload sandboxing",
	"kaic verifies that a RuntimeClass runs workloads in a sandbox isolated from the host "
	"kernel.",
	SEC),
    REQ("robust_controller", LEVEL_MUST, "AI operator",
	"kaic verifies that an installed AI operator with a CRD has Ready pods, answering "
	"webhooks and reconciles a custom resource.",
	OPER),
};

size_t cncf_version_count(void)
{
	return N(versions);
}

const struct cncf_version *cncf_version_at(size_t i)
{
	return i < N(versions) ? &versions[i] : NULL;
}

const struct cncf_version *cncf_version_find(const char *name)
{
	if (name == NULL)
		return NULL;
	if (*name == 'v' || *name == 'V')
		name++;
	for (size_t i = 0; i < N(versions); i++)
		if (strcmp(versions[i].name, name) == 0)
			return &versions[i];
	return NULL;
}

/* "v1.35.2+k3s1" -> 1 and 35; false when it does not start with [v]MAJOR.MINOR. */
static bool parse_minor(const char *v, long *major, long *minor)
{
	char *end;
	if (v == NULL)
		return false;
	if (*v == 'v')
		v++;
	if (*v < '0' || *v > '9')
		return false;
	*major = strtol(v, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return false;
	*minor = strtol(end + 1, &end, 10);
	return true;
}

const struct cncf_version *cncf_version_for_server(const char *git_version)
{
	long major, minor;
	if (!parse_minor(git_version, &major, &minor))
		return NULL;
	const struct cncf_version *best = NULL;
	for (size_t i = 0; i < N(versions); i++) {
		long vm = 0, vn = 0;
		parse_minor(versions[i].name, &vm, &vn);
		if (vm < major || (vm == major && vn <= minor))
			best = &versions[i];
	}
	return best;
}

const struct cncf_item *cncf_version_item(const struct cncf_version *v, const char *id)
{
	for (size_t i = 0; v != NULL && i < v->n; i++)
		if (strcmp(v->items[i].id, id) == 0)
			return &v->items[i];
	return NULL;
}

const struct requirement *cncf_requirement(const char *id)
{
	for (size_t i = 0; id != NULL && i < N(reqs); i++)
		if (strcasecmp(reqs[i].id, id) == 0)
			return &reqs[i];
	return NULL;
}

const struct requirement *cncf_overlap(const char *id)
{
	for (size_t i = 0; id != NULL && i < catalog_count(); i++) {
		const struct requirement *r = &catalog_all()[i];
		if (r->cncf_id != NULL && strcasecmp(r->cncf_id, id) == 0)
			return r;
	}
	return NULL;
}

const char *cncf_version_range(void)
{
	return "1.33..1.37";
}
