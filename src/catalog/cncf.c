/* cncf.c: the CNCF AI Conformance checklists 1.33 … 1.37 as facts (ids, sections, order,
 * levels, metadata keys), and kaic's own one-line summary of each official id.
 * tests/unit/test_cncf.c compares these tables with ../shared's upstream files. */
#include "catalog/cncf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The sections, as every version orders them. */
#define ACC "accelerators"
#define NET "networking"
#define SCHED "schedulingOrchestration"
#define OBS "observability"
#define SEC "security"
#define OPER "operator"

/* One item: id, section, level, N/A allowed, and the FNV-1a hash of the program's
 * description (the text itself comes from the template, never from kaic). */
#define ITEM(id, sec, lvl, na, h)                                                                  \
	{                                                                                          \
		id, sec, LEVEL_##lvl, na, UINT64_C(h)                                              \
	}
#define DRA(lvl) ITEM("dra_support", ACC, lvl, false, 0x8c9586e0372e799b)
#define DRIVER ITEM("driver_runtime_management", ACC, SHOULD, false, 0xbb5242a0452c6a4a)
#define SHARING ITEM("gpu_sharing", ACC, SHOULD, false, 0x3252931c5ee4de95)
#define VIRT ITEM("virtualized_accelerator", ACC, SHOULD, false, 0xa999456ea3ec0a81)
#define INFER ITEM("ai_inference", NET, MUST, false, 0x4a185f2799f4a727)
#define GAIE ITEM("advanced_inference_ingress", NET, SHOULD, false, 0x4e0ecc82f3c2d513)
#define HPN ITEM("high_performance_networking", NET, SHOULD, false, 0x3601df212a16d329)
#define DISAGG ITEM("disaggregated_inference", NET, SHOULD, false, 0x526e5084c8b924a0)
#define GANG ITEM("gang_scheduling", SCHED, MUST, false, 0x4b5ad78d7ddbf43c)
#define CA ITEM("cluster_autoscaling", SCHED, MUST, true, 0xe3837deec24db5ae)
#define HPA ITEM("pod_autoscaling", SCHED, MUST, true, 0xbcad64d61d30e518)
/* 1.37 changed one word of it ("makes them available" became "makes they available") */
#define ACCM ITEM("accelerator_metrics", OBS, MUST, false, 0xf9263882942f23f5)
#define ACCM_137 ITEM("accelerator_metrics", OBS, MUST, false, 0x8e791da485bb1d79)
#define SVCM ITEM("ai_service_metrics", OBS, MUST, false, 0x47a36656ba3fa6aa)
#define SAA ITEM("secure_accelerator_access", SEC, MUST, false, 0xcf2ae2ee35b6fdf2)
#define SANDBOX ITEM("workload_sandboxing", SEC, SHOULD, false, 0x6e8449b9a15b893b)
#define OPERATOR ITEM("robust_controller", OPER, MUST, false, 0xfd3e7dcce1dda92c)

static const struct cncf_item v133[] = {DRA(SHOULD), INFER, GANG, CA,	   HPA,
					ACCM,	     SVCM,  SAA,  OPERATOR};
static const struct cncf_item v134[] = {DRA(MUST), INFER, GANG, CA, HPA, ACCM, SVCM, SAA, OPERATOR};
static const struct cncf_item v135[] = {DRA(MUST), DRIVER, SHARING, VIRT, INFER, GANG,
					CA,	   HPA,	   ACCM,    SVCM, SAA,	 OPERATOR};
/* 1.36 drops dra_support (DRA is GA and part of Kubernetes conformance). */
static const struct cncf_item v136[] = {DRIVER, SHARING, VIRT, INFER, GAIE, HPN, DISAGG,
					GANG,	CA,	 HPA,  ACCM,  SVCM, SAA, OPERATOR};
static const struct cncf_item v137[] = {DRIVER,	  SHARING, VIRT, INFER,	  GAIE,
					HPN,	  DISAGG,  GANG, CA,	  HPA,
					ACCM_137, SVCM,	   SAA,	 SANDBOX, OPERATOR};

#define META_BASE                                                                                  \
	"kubernetesVersion", "platformName", "platformVersion", "vendorName", "websiteUrl",        \
	    "repoUrl", "documentationUrl", "productLogoUrl", "description", "contactEmailAddress"
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
#define REQ(id, lvl, title, text, sec)                                                             \
	{                                                                                          \
		id, lvl, "CNCF", title, text, id, sec                                              \
	}
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

uint64_t cncf_text_hash(const char *text)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
		h ^= *p;
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}
