/* known_workloads.c: known AI workload APIs (agentic CRD groups, queueing and gang
 * scheduling), their controllers, and the labels and attributes that publish topology. */
#include "checks/known.h"

#include <stddef.h>

#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

const struct known_crd_group known_agentic_groups[] = {
    {"kagent.dev", "kagent"},
    {"agents.x-k8s.io", "agent-sandbox"},
    {"extensions.agents.x-k8s.io", "agent-sandbox extensions"},
    {"serving.kserve.io", "KServe"},
    {"leaderworkerset.x-k8s.io", "LeaderWorkerSet"},
    {"ray.io", "KubeRay"},
    {"trainer.kubeflow.org", "Kubeflow Trainer"},
    {"kubeflow.org", "Kubeflow Training Operator"},
    {"toolhive.stacklok.dev", "ToolHive"},
    {"inference.networking.k8s.io", "Gateway API Inference Extension"},
    {"inference.networking.x-k8s.io", "Gateway API Inference Extension (alpha)"},
    {"apps.nvidia.com", "NVIDIA NIM Operator"},
    {"llmaz.io", "llmaz"},
    {NULL, NULL},
};

const char known_agenttool_kind[] = "AgentTool";

const char *const known_agenttool_conditions[] = {
    "Registered", "Discoverable", "Ready", "Available", NULL,
};

const struct known_crd_group known_queueing_groups[] = {
    {"scheduling.volcano.sh", "Volcano"},
    {"scheduling.x-k8s.io", "scheduler-plugins coscheduling"},
    {"scheduling.run.ai", "Run:ai"},
    {NULL, NULL},
};

const struct known_controller known_jobset_controller = {
    "JobSet",
    LIST("jobset-controller-manager", "jobset-controller"),
    LIST("app.kubernetes.io/name=jobset"),
};

const struct known_controller known_kueue_controller = {
    "Kueue",
    LIST("kueue-controller-manager"),
    LIST("app.kubernetes.io/name=kueue"),
};

const struct known_topology_label known_topology_labels[] = {
    {"feature.node.kubernetes.io/memory-numa", "NUMA nodes (NFD)"},
    {"nvidia.com/gpu.clique", "NVLink clique"},
    {"cloud.google.com/gke-tpu-topology", "TPU slice topology"},
    {"topology.k8s.aws/network-node-layer-1", "network topology layer"},
    {NULL, NULL},
};

const char *const known_topology_attributes[] = {
    "resource.kubernetes.io/pcieRoot",
    "numaNode",
    "numa",
    NULL,
};
