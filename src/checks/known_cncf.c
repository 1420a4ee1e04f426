/* known_cncf.c: the components the CNCF AI Conformance checks (cncf_*.c) recognise: AI
 * operators, cluster autoscalers and accelerator node selectors, metrics APIs, driver
 * managers and the labels that publish accelerator sharing or virtualization. */
#include "checks/known.h"

#include <stddef.h>

#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

const struct known_ai_operator known_ai_operators[] = {
    {"LeaderWorkerSet", "leaderworkerset.x-k8s.io", "leaderworkersets", "LeaderWorkerSet",
     LIST("lws-controller-manager"), LIST("app.kubernetes.io/name=lws")},
    {"KubeRay", "ray.io", "rayclusters", "RayCluster", LIST("kuberay-operator"),
     LIST("app.kubernetes.io/name=kuberay-operator")},
    {"Kubeflow Trainer", "trainer.kubeflow.org", "trainjobs", "TrainJob",
     LIST("kubeflow-trainer-controller-manager", "trainer-controller-manager"),
     LIST("app.kubernetes.io/name=trainer")},
    {"Kubeflow Training Operator", "kubeflow.org", "pytorchjobs", "PyTorchJob",
     LIST("training-operator"), LIST("control-plane=kubeflow-training-operator")},
    {"KServe", "serving.kserve.io", "inferenceservices", "InferenceService",
     LIST("kserve-controller-manager"), LIST("control-plane=kserve-controller-manager")},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

const struct known_controller known_cluster_autoscaler = {
    "cluster-autoscaler",
    LIST("cluster-autoscaler"),
    LIST("app.kubernetes.io/name=cluster-autoscaler", "app=cluster-autoscaler"),
};

const char *const known_accel_node_keys[] = {
    "karpenter.k8s.aws/instance-gpu-count",
    "karpenter.k8s.aws/instance-gpu-name",
    "karpenter.k8s.aws/instance-gpu-manufacturer",
    "karpenter.k8s.aws/instance-accelerator-count",
    "karpenter.k8s.aws/instance-accelerator-name",
    "karpenter.azure.com/sku-gpu-count",
    "karpenter.azure.com/sku-gpu-name",
    "cloud.google.com/gke-accelerator",
    "k8s.amazonaws.com/accelerator",
    "nvidia.com/gpu.present",
    "nvidia.com/gpu.product",
    NULL,
};

const char *const known_accel_taint_keys[] = {
    "nvidia.com/gpu", "amd.com/gpu",	 "aws.amazon.com/neuron",
    "google.com/tpu", "habana.ai/gaudi", NULL,
};

const char *const known_node_group_labels[] = {
    "eks.amazonaws.com/nodegroup",
    "alpha.eksctl.io/nodegroup-name",
    "cloud.google.com/gke-nodepool",
    "kubernetes.azure.com/agentpool",
    "karpenter.sh/nodepool",
    "node.kubernetes.io/instance-type",
    NULL,
};

const char *const known_custom_metrics_apiservices[] = {
    "v1beta1.custom.metrics.k8s.io",
    "v1beta2.custom.metrics.k8s.io",
    "v1beta1.external.metrics.k8s.io",
    NULL,
};

const struct known_workload known_driver_managers[] = {
    {"nvidia-driver-daemonset", "NVIDIA GPU Operator driver"},
    {"nvidia-container-toolkit-daemonset", "NVIDIA Container Toolkit"},
    {"gpu-operator", "NVIDIA GPU Operator"},
    {"amd-gpu-operator", "AMD GPU Operator"},
    {"intel-gpu-plugin", "Intel GPU device plugin"},
    {"neuron-device-plugin", "AWS Neuron device plugin"},
    {NULL, NULL},
};

const struct known_label known_sharing_node_labels[] = {
    {"nvidia.com/gpu.sharing-strategy", "GPU sharing strategy"},
    {"nvidia.com/mig.strategy", "MIG strategy"},
    {"nvidia.com/mig.config", "MIG partitioning"},
    {"nvidia.com/gpu.replicas", "time-slicing replicas"},
    {NULL, NULL},
};

const char *const known_vgpu_words[] = {"vgpu", "grid_", "virtual", NULL};

const struct known_label known_vgpu_node_labels[] = {
    {"nvidia.com/vgpu.present", "NVIDIA vGPU"},
    {"nvidia.com/vgpu.host-driver-version", "NVIDIA vGPU host driver"},
    {"nvidia.com/gpu.workload.config", "GPU Operator sandbox workloads"},
    {NULL, NULL},
};

const char *const known_phase_label_keys[] = {
    "llm-d.ai/role",
    "app.kubernetes.io/component",
    "nvidia.com/dynamo-component-type",
    "role",
    NULL,
};
