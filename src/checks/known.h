/* known.h: the catalogue of third-party components the passive checks recognise (DRA
 * drivers, exporters and their metric families, fault handlers, CRD groups, resource
 * name prefixes), as data tables shared by the checks. Every table is a const array
 * terminated by an entry whose first field is NULL; a new component is a new row. */
#ifndef KAIC_CHECKS_KNOWN_H
#define KAIC_CHECKS_KNOWN_H

#include <stdbool.h>

/* ---- Hardware (known_hardware.c) ---- */

/* A DRA driver name as published in ResourceSlice spec.driver. */
struct known_dra_driver {
	const char *driver; /* "gpu.nvidia.com" */
	const char *vendor; /* "NVIDIA" */
	const char *what;   /* "GPU", "TPU", "Gaudi accelerator", "NIC" */
	bool accelerator;   /* false: a network or other non-accelerator driver */
};
extern const struct known_dra_driver known_dra_drivers[];
/* The row for driver, or NULL when unknown. */
const struct known_dra_driver *known_dra_driver_find(const char *driver);

/* An extended resource in node allocatable that counts accelerators (device plugins). */
struct known_accel_resource {
	const char *prefix; /* full name or prefix: "nvidia.com/gpu", "nvidia.com/mig-" */
	const char *what;
};
extern const struct known_accel_resource known_accel_resources[];
/* The row whose prefix matches the resource name, or NULL. */
const struct known_accel_resource *known_accel_resource_find(const char *name);

/* An accelerator metrics exporter known by its workload: how to find it. What makes an
 * endpoint an exporter is the series it serves (known_accel_series); this table only
 * names the usual workloads, so that they are found without a probe. */
struct known_exporter {
	const char *name;		   /* "NVIDIA DCGM exporter" */
	const char *const *workload_names; /* Service/Pod name substrings */
	const char *const *labels;	   /* "key=value" selectors, any matches */
	const char *const *namespaces;	   /* where it usually runs (evidence only) */
	int port;			   /* default metrics port */
	bool port_identifies;		   /* a Service/Pod port with this number is it */
	const char *path;		   /* metrics path, "metrics" (no slash) */
};
extern const struct known_exporter known_exporters[];
/* One vendor's accelerator metric families: an endpoint serving a utilization or memory
 * family of a row is an accelerator metrics exporter, whatever workload serves it. */
struct known_accel_series {
	const char *vendor;		   /* "AWS Neuron", for evidence */
	const char *const *util_families;  /* per-device utilization */
	const char *const *mem_families;   /* per-device memory use */
	const char *const *extra_families; /* temperature, power, capacity, ... */
	const char *const *id_labels;	   /* labels naming the device cluster-wide (UUID) */
	const char *const *index_labels;   /* labels numbering it within its node */
	bool label_required; /* generic family names: a sample without a device label is not one */
};
extern const struct known_accel_series known_accel_series[];
/* The row and kind (1 utilization, 2 memory, 3 other) of a sample name, or NULL. A
 * family matches its name or its name with "_total". */
const struct known_accel_series *known_accel_family(const char *sample_name, int *kind,
						    const char **family);
/* Sample labels that identify a device cluster-wide ("UUID", "serial_number", ...). */
extern const char *const known_device_id_labels[];
/* Sample labels that number a device within its node ("gpu", "gpu_id", ...). */
extern const char *const known_device_index_labels[];
/* Sample labels that name the node of a device ("Hostname", "node", ...). */
extern const char *const known_node_labels[];
/* Sample labels that name the pod, and its namespace, holding a device (the exporters'
 * kubelet pod-resources attribution). */
extern const char *const known_holder_pod_labels[];
extern const char *const known_holder_namespace_labels[];

enum known_fault_role {
	KNOWN_DETECT = 1 << 0,	  /* notices accelerator faults */
	KNOWN_REMEDIATE = 1 << 1, /* cordons/drains or replaces the node automatically */
};

/* A fault handling component found by its workloads (DaemonSet/Deployment). */
struct known_fault_component {
	const char *name;		   /* "node-problem-detector" */
	const char *const *workload_names; /* DaemonSet/Deployment name substrings */
	const char *const *labels;	   /* "key=value" selectors */
	unsigned roles;			   /* enum known_fault_role bits */
	bool needs_gpu_rule;		   /* counts as detection only with a GPU rule */
};
extern const struct known_fault_component known_fault_components[];
/* Words in a detector's configuration that make it an accelerator rule. */
extern const char *const known_gpu_rule_words[];
/* Words in a node condition type that make it accelerator-related. */
extern const char *const known_gpu_condition_words[];

/* A fault handling API whose objects configure automated remediation. */
struct known_fault_api {
	const char *group;    /* "remediation.medik8s.io" */
	const char *resource; /* "nodehealthchecks" */
	const char *name;     /* "medik8s NodeHealthCheck" */
	unsigned roles;
};
extern const struct known_fault_api known_fault_apis[];

/* ---- Workloads (known_workloads.c) ---- */

/* A CRD group recognised as evidence of a capability. */
struct known_crd_group {
	const char *group;   /* "kagent.dev" */
	const char *product; /* "kagent" */
};
/* AI-native / agentic workload APIs (WL-2.1). */
extern const struct known_crd_group known_agentic_groups[];
/* The kind of the AgentTool resource this project defines (deploy/crds/agenttool.yaml). */
extern const char known_agenttool_kind[];
/* Conditions of an AgentTool that mean its controller registered it. */
extern const char *const known_agenttool_conditions[];
/* Gang scheduling / queueing APIs other than Kueue (WL-2.3). */
extern const struct known_crd_group known_queueing_groups[];

/* A controller that should be running for an API to work. */
struct known_controller {
	const char *product;		   /* "JobSet" */
	const char *const *workload_names; /* Deployment name substrings */
	const char *const *labels;	   /* "key=value" */
};
extern const struct known_controller known_jobset_controller;
extern const struct known_controller known_kueue_controller;

/* Node labels that publish topology (NFD NUMA, NVLink cliques). */
struct known_topology_label {
	const char *key;  /* "feature.node.kubernetes.io/memory-numa" */
	const char *what; /* "NUMA (NFD)" */
};
extern const struct known_topology_label known_topology_labels[];
/* DRA device attributes that publish topology: exact qualified names, or unqualified
 * names matched after any domain ("numaNode" matches "gpu.nvidia.com/numaNode"). */
extern const char *const known_topology_attributes[];

/* ---- Networking (known_networking.c) ---- */

extern const char known_gateway_group[];	      /* gateway.networking.k8s.io */
extern const char known_gateway_bundle_annotation[];  /* .../bundle-version */
extern const char known_gateway_channel_annotation[]; /* .../channel */
/* Gateway API Inference Extension groups (InferencePool). */
extern const struct known_crd_group known_inference_groups[];
/* Secondary network / high-performance NIC APIs (Multus, SR-IOV operator, ...). */
extern const struct known_crd_group known_secondary_net_groups[];
/* Extended resources exposing RDMA or SR-IOV devices (prefix match). */
struct known_net_resource {
	const char *prefix; /* "rdma/" */
	const char *what;   /* "RDMA" */
};
extern const struct known_net_resource known_net_resources[];
const struct known_net_resource *known_net_resource_find(const char *name);
/* Node labels that say a node has RDMA/SR-IOV-capable hardware (evidence only). */
extern const char *const known_net_capable_labels[];

/* ---- Storage (known_storage.c) ---- */

/* A CSI driver known by name. storage is false for drivers that only inject
 * ephemeral files (identities, secrets) and never provision persistent volumes. */
struct known_csi_driver {
	const char *name; /* CSIDriver name = StorageClass provisioner */
	const char *product;
	bool storage;
};
extern const struct known_csi_driver known_csi_drivers[];

/* A dynamic provisioner that is not a CSI driver (in-tree or hostpath style). */
struct known_provisioner {
	const char *name;
	const char *product;
};
extern const struct known_provisioner known_non_csi_provisioners[];

/* GPUDirect Storage: container name/image substrings and node label substrings. */
extern const char *const known_gds_containers[];
extern const char *const known_gds_node_labels[];

/* ---- Security (known_security.c) ---- */

enum known_netpol {
	NETPOL_ENFORCES, /* enforces Kubernetes NetworkPolicy (ingress and egress) */
	NETPOL_NONE,	 /* does not enforce NetworkPolicy */
	NETPOL_KINDNET,	 /* kindnet: depends on its version and flags */
};

/* A CNI (or a NetworkPolicy agent running beside one), known by its DaemonSets in
 * kube-system or its own namespaces, and by the API groups of its CRDs. */
struct known_cni {
	const char *name;
	const char *const *daemonsets; /* NULL-terminated */
	const char *const *namespaces; /* NULL-terminated */
	const char *const *groups;     /* NULL-terminated, may be NULL */
	enum known_netpol netpol;
	const char *disable_arg; /* container argument that turns policy off, or NULL */
};
extern const struct known_cni known_cnis[];

/* A policy API able to restrict egress beyond what NetworkPolicy can say. */
struct known_api {
	const char *group;
	const char *resource;
	const char *kind;
	const char *what; /* owner / capability, for evidence */
};
extern const struct known_api known_egress_policy_apis[];

/* Workload identity: CSI drivers that mount SPIFFE SVIDs, identity APIs, agents. */
extern const struct known_csi_driver known_spiffe_csi_drivers[];
extern const struct known_api known_identity_apis[]; /* issue identities */
extern const struct known_api known_trust_apis[];    /* distribute trust only */
struct known_workload {
	const char *name; /* DaemonSet / Deployment name */
	const char *product;
};
extern const struct known_workload known_identity_daemonsets[];

/* RuntimeClass handlers, matched with fnmatch(3); first match wins. */
enum known_runtime_flags {
	RUNTIME_SANDBOX = 1 << 0,      /* own guest kernel or user-space kernel */
	RUNTIME_CONFIDENTIAL = 1 << 1, /* runs in a TEE */
	RUNTIME_NO_TEE = 1 << 2,       /* confidential stack in development mode, no TEE */
};
struct known_runtime {
	const char *pattern;
	const char *product;
	unsigned flags;
};
extern const struct known_runtime known_runtime_handlers[];
/* Sandbox lifecycle APIs (agent-sandbox). */
extern const struct known_api known_sandbox_apis[];
/* NFD node labels announcing TEE hardware: label key -> technology. */
struct known_label {
	const char *key;
	const char *what;
};
extern const struct known_label known_tee_node_labels[];

/* Image-signature admission engines. */
enum known_policy_mode {
	POLMODE_NONE,	     /* no policy object to read (engine configured elsewhere) */
	POLMODE_SIGSTORE,    /* spec.mode: enforce (default) | warn */
	POLMODE_KYVERNO,     /* verifyImages rules; validationFailureAction/failureAction */
	POLMODE_KYVERNO_IVP, /* ImageValidatingPolicy: spec.validationActions has Deny */
};
struct known_image_policy {
	const char *name;
	const char *group; /* policy API, or NULL */
	const char *resource;
	const char *kind;
	enum known_policy_mode mode;
	const char *const *webhooks; /* substrings of webhook configuration or webhook names */
};
extern const struct known_image_policy known_image_policies[];

/* ---- Observability (known_observability.c) ---- */

enum known_mon_role {
	MON_COLLECTOR, /* an object that is (or configures) a scraper */
	MON_TARGETS,   /* an object that declares scrape targets */
	MON_MANAGED,   /* targets for a collector the platform runs itself (managed) */
};
struct known_mon_api {
	const char *product;
	const char *group;
	const char *resource;
	const char *kind;
	enum known_mon_role role;
};
extern const struct known_mon_api known_monitoring_apis[];
/* Container image substrings of metrics collectors run as plain workloads. */
extern const struct known_workload known_collector_images[];
/* Annotations that ask annotation-based scrapers to collect a pod or Service. */
extern const char *const known_scrape_annotations[];

/* Tracing: OpenTelemetry and backend APIs, and well-known ports. */
extern const struct known_api known_tracing_apis[]; /* collectors, instrumentation */
extern const struct known_api known_trace_backend_apis[];
struct known_port {
	int port;
	const char *name; /* a port name that means the same, or NULL */
	const char *what;
};
/* (port tables end with port 0) */
extern const struct known_port known_otlp_ports[];
extern const struct known_port known_trace_backend_ports[];

/* ---- CNCF AI Conformance checks (known_cncf.c) ---- */

/* An AI operator with a CRD (robust_controller): its API, its controller and the kind
 * of its minimal custom resource. */
struct known_ai_operator {
	const char *product;		   /* "LeaderWorkerSet" */
	const char *group;		   /* "leaderworkerset.x-k8s.io" */
	const char *resource;		   /* "leaderworkersets" */
	const char *kind;		   /* "LeaderWorkerSet" */
	const char *const *workload_names; /* controller Deployment name substrings */
	const char *const *labels;	   /* controller "key=value" selectors */
};
extern const struct known_ai_operator known_ai_operators[];

/* Cluster autoscalers found by their Deployments (name or image substrings). */
extern const struct known_controller known_cluster_autoscaler;
/* NodePool requirement keys (Karpenter) and node labels that select accelerator nodes. */
extern const char *const known_accel_node_keys[];
/* Taint keys of accelerator nodes. */
extern const char *const known_accel_taint_keys[];
/* Node labels that name a cloud node group (evidence of autoscaled groups). */
extern const char *const known_node_group_labels[];

/* Custom and external metrics APIs (pod_autoscaling): APIService names. */
extern const char *const known_custom_metrics_apiservices[];

/* Accelerator driver managers (driver_runtime_management): DaemonSets and Deployments
 * by name substring. */
extern const struct known_workload known_driver_managers[];
/* Node labels and device attributes that publish accelerator sharing (gpu_sharing). */
extern const struct known_label known_sharing_node_labels[];
/* Device attribute names or values, and node labels, that mark virtual accelerators. */
extern const char *const known_vgpu_words[];
extern const struct known_label known_vgpu_node_labels[];
/* Labels and name parts that mark the phases of disaggregated serving. */
extern const char *const known_phase_label_keys[];

#endif
