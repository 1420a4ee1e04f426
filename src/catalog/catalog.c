/* catalog.c: the 18 requirements of the Kubernetes AI Conformance checklist v0.9. */
#include "catalog/catalog.h"

#include <strings.h>

static const struct requirement reqs[] = {
    {"HW-1.1", LEVEL_MUST, "Hardware", "DRA for AI accelerators",
     "Accelerators are exposed through Dynamic Resource Allocation (resource.k8s.io): drivers "
     "publish devices in ResourceSlices, DeviceClasses select them, and workloads obtain them "
     "through ResourceClaims.",
     "dra_support", "accelerators"},
    {"HW-1.2", LEVEL_MUST, "Hardware", "Accelerator utilization and memory metrics",
     "Per-accelerator utilization and memory metrics are exposed in Prometheus format for every "
     "accelerator in the cluster.",
     "accelerator_metrics", "observability"},
    {"HW-1.3", LEVEL_SHOULD, "Hardware", "Automated hardware fault detection (cordon and drain)",
     "Accelerator faults are detected automatically and affected nodes are cordoned and drained "
     "without manual action.",
     NULL, NULL},
    {"WL-2.1", LEVEL_MUST, "Workloads", "AI-native workload CRDs (AgentTool)",
     "AI-native workload APIs are served, including an AgentTool resource whose controller "
     "registers tools for agents.",
     NULL, NULL},
    {"WL-2.2", LEVEL_SHOULD, "Workloads", "JobSet",
     "Multi-job distributed training is supported through JobSet with all-or-nothing failure "
     "semantics.",
     NULL, NULL},
    {"WL-2.3", LEVEL_SHOULD, "Workloads", "Kueue",
     "Batch workloads are queued and admitted against quotas with Kueue (or an equivalent "
     "gang/quota scheduler).",
     "gang_scheduling", "schedulingOrchestration"},
    {"WL-2.4", LEVEL_SHOULD, "Workloads", "Topology and NUMA-aware scheduling",
     "Placement takes accelerator, PCIe and NUMA topology into account.", NULL, NULL},
    {"NET-3.1", LEVEL_MUST, "Networking", "Gateway API for inference traffic",
     "The Gateway API is implemented for inference services, with weighted traffic splitting "
     "and header-based routing.",
     "ai_inference", "networking"},
    {"NET-3.2", LEVEL_SHOULD, "Networking", "Multi-NIC and RDMA/SR-IOV",
     "Pods can attach secondary high-performance networks (Multus, SR-IOV, RDMA).",
     "high_performance_networking", "networking"},
    {"STO-4.1", LEVEL_MUST, "Storage", "CSI",
     "Persistent storage is provided through CSI drivers with dynamic provisioning and volume "
     "snapshots.",
     NULL, NULL},
    {"STO-4.2", LEVEL_SHOULD, "Storage", "GPUDirect Storage",
     "Accelerators can read storage directly (GPUDirect Storage or equivalent).", NULL, NULL},
    {"SEC-5.1", LEVEL_MUST, "Security", "Network Policies with agent egress control",
     "NetworkPolicies are enforced, including egress control for agent workloads.", NULL, NULL},
    {"SEC-5.2", LEVEL_SHOULD, "Security", "Workload identity (SPIFFE/SPIRE)",
     "Workloads obtain cryptographic identities (SPIFFE SVIDs) automatically.", NULL, NULL},
    {"SEC-5.3", LEVEL_SHOULD, "Security", "Sandboxed runtime via RuntimeClass",
     "Untrusted agent code can run in a sandboxed runtime selected with RuntimeClass.",
     "workload_sandboxing", "security"},
    {"SEC-5.4", LEVEL_SHOULD, "Security", "Confidential computing",
     "Workloads can run in confidential guests (TDX, SEV-SNP) selected with RuntimeClass.", NULL,
     NULL},
    {"SEC-5.5", LEVEL_SHOULD, "Security", "Image signature verification",
     "Admission rejects container images whose signatures do not verify.", NULL, NULL},
    {"OBS-6.1", LEVEL_MUST, "Observability", "AI service metrics collected automatically",
     "Metrics exposed by AI services are discovered and collected automatically by the "
     "platform's monitoring system.",
     "ai_service_metrics", "observability"},
    {"OBS-6.2", LEVEL_SHOULD, "Observability", "OpenTelemetry end-to-end tracing",
     "Agent and inference workloads can export OpenTelemetry traces end to end.", NULL, NULL},
};

const struct requirement *catalog_all(void)
{
	return reqs;
}

size_t catalog_count(void)
{
	return sizeof(reqs) / sizeof(reqs[0]);
}

const struct requirement *catalog_find(const char *id)
{
	for (size_t i = 0; i < catalog_count(); i++)
		if (strcasecmp(reqs[i].id, id) == 0)
			return &reqs[i];
	return NULL;
}

const char *level_name(enum level l)
{
	return l == LEVEL_MUST ? "MUST" : "SHOULD";
}

const char *catalog_spec_version(void)
{
	return "v0.9";
}
