/* known_hardware.c: known accelerator DRA drivers, device-plugin resources, metrics
 * exporters with their metric families, and hardware fault handling components. */
#include "checks/known.h"

#include <stddef.h>
#include <string.h>

#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

const struct known_dra_driver known_dra_drivers[] = {
    {"gpu.nvidia.com", "NVIDIA", "GPU", true},
    {"compute-domain.nvidia.com", "NVIDIA", "IMEX compute domain", false},
    {"gpu.amd.com", "AMD", "GPU", true},
    {"gpu.intel.com", "Intel", "GPU", true},
    {"gaudi.intel.com", "Intel", "Gaudi accelerator", true},
    {"tpu.google.com", "Google", "TPU", true},
    {"neuron.amazonaws.com", "AWS", "Neuron accelerator", true},
    {"gpu.example.com", "Kubernetes example driver", "GPU", true},
    {"dra.net", "DRANET", "NIC", false},
    {"sriovnetwork.k8snetworkplumbingwg.io", "SR-IOV DRA driver", "NIC", false},
    {NULL, NULL, NULL, false},
};

const struct known_dra_driver *known_dra_driver_find(const char *driver)
{
	if (driver == NULL)
		return NULL;
	for (const struct known_dra_driver *k = known_dra_drivers; k->driver != NULL; k++)
		if (strcmp(k->driver, driver) == 0)
			return k;
	return NULL;
}

const struct known_accel_resource known_accel_resources[] = {
    {"nvidia.com/gpu", "NVIDIA GPU"},
    {"nvidia.com/mig-", "NVIDIA MIG device"},
    {"amd.com/gpu", "AMD GPU"},
    {"gpu.intel.com/i915", "Intel GPU"},
    {"gpu.intel.com/xe", "Intel GPU"},
    {"habana.ai/gaudi", "Intel Gaudi"},
    {"google.com/tpu", "Google TPU"},
    {"aws.amazon.com/neuron", "AWS Neuron"},
    {NULL, NULL},
};

const struct known_accel_resource *known_accel_resource_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (const struct known_accel_resource *k = known_accel_resources; k->prefix != NULL; k++) {
		size_t n = strlen(k->prefix);
		if (strncmp(name, k->prefix, n) == 0 &&
		    (k->prefix[n - 1] == '-' || name[n] == '\0'))
			return k;
	}
	return NULL;
}

const struct known_exporter known_exporters[] = {
    {
	.name = "NVIDIA DCGM exporter",
	.workload_names = LIST("dcgm-exporter"),
	.labels = LIST("app=nvidia-dcgm-exporter", "app.kubernetes.io/name=dcgm-exporter",
		       "app=dcgm-exporter"),
	.namespaces = LIST("gpu-operator", "nvidia-gpu-operator", "gpu-monitoring"),
	.port = 9400,
	.port_identifies = true,
	.path = "metrics",
    },
    {
	.name = "AMD device-metrics-exporter",
	.workload_names = LIST("device-metrics-exporter", "amd-metrics-exporter"),
	.labels = LIST("app=amd-device-metrics-exporter",
		       "app.kubernetes.io/name=device-metrics-exporter"),
	.namespaces = LIST("kube-amd-gpu", "amd-gpu-operator"),
	.port = 5000,
	.port_identifies = false,
	.path = "metrics",
    },
    {
	.name = "Intel XPU Manager exporter",
	.workload_names = LIST("xpumanager", "xpum-exporter", "intel-xpum"),
	.labels = LIST("app=intel-xpumanager", "app.kubernetes.io/name=xpumanager"),
	.namespaces = LIST("intel-gpu", "intel-xpumanager", "monitoring"),
	.port = 29999,
	.port_identifies = true,
	.path = "metrics",
    },
    {
	.name = "Intel Gaudi metric exporter",
	.workload_names = LIST("habana-metric-exporter", "metric-exporter-ds"),
	.labels = LIST("app.kubernetes.io/name=habana-metric-exporter"),
	.namespaces = LIST("habana-system", "habana-ai-operator"),
	.port = 41611,
	.port_identifies = true,
	.path = "metrics",
    },
    {
	.name = "AWS Neuron monitor",
	.workload_names = LIST("neuron-monitor"),
	.labels = LIST("app=neuron-monitor", "app.kubernetes.io/name=neuron-monitor"),
	.namespaces = LIST("neuron-monitor", "kube-system", "amazon-cloudwatch"),
	.port = 8000,
	.port_identifies = false,
	.path = "metrics",
    },
    {.name = NULL},
};

/* One row per vendor. Names as the exporters serve them: DCGM field names; the AMD
 * device-metrics-exporter's lower-case field names (and their "amd_" prefixed form);
 * XPU Manager 1.x xpum_* and 2.x OpenTelemetry hw_gpu_* names; the Gaudi exporter's
 * habanalabs_*; neuron-monitor's Prometheus output (per NeuronCore); the GKE TPU device
 * plugin's per-chip metrics. */
const struct known_accel_series known_accel_series[] = {
    {
	.vendor = "NVIDIA DCGM",
	.util_families = LIST("DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_PROF_GR_ENGINE_ACTIVE"),
	.mem_families = LIST("DCGM_FI_DEV_FB_USED", "DCGM_FI_DEV_FB_FREE"),
	.extra_families =
	    LIST("DCGM_FI_DEV_GPU_TEMP", "DCGM_FI_DEV_MEMORY_TEMP", "DCGM_FI_DEV_POWER_USAGE",
		 "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL",
		 "DCGM_FI_PROF_NVLINK_TX_BYTES", "DCGM_FI_PROF_PCIE_TX_BYTES",
		 "DCGM_FI_DEV_MEM_COPY_UTIL", "DCGM_FI_DEV_XID_ERRORS", "DCGM_FI_DEV_SM_CLOCK"),
	.id_labels = LIST("UUID", "uuid"),
	.index_labels = LIST("gpu", "device"),
    },
    {
	.vendor = "AMD device-metrics-exporter",
	.util_families = LIST("gpu_gfx_activity", "gpu_umc_activity", "gpu_gfx_busy_instantaneous",
			      "amd_gpu_gfx_activity", "amd_gpu_umc_activity"),
	.mem_families = LIST("gpu_used_vram", "gpu_free_vram", "gpu_used_visible_vram",
			     "amd_gpu_used_vram", "amd_gpu_free_vram"),
	.extra_families = LIST("gpu_total_vram", "gpu_edge_temperature", "gpu_junction_temperature",
			       "gpu_memory_temperature", "gpu_power_usage", "gpu_package_power",
			       "gpu_energy_consumed", "gpu_xgmi_link_tx", "pcie_bandwidth"),
	.id_labels = LIST("gpu_uuid", "serial_number"),
	.index_labels = LIST("gpu_id"),
    },
    {
	.vendor = "Intel XPU Manager",
	.util_families =
	    LIST("xpum_engine_group_ratio", "xpum_gpu_utilization", "xpum_engine_ratio"),
	.mem_families = LIST("xpum_memory_used_bytes", "xpum_memory_ratio"),
	.extra_families = LIST("xpum_temperature_celsius", "xpum_power_watts", "xpum_energy_joules",
			       "xpum_fabric_tx_bytes"),
	.id_labels = LIST("uuid", "pci_bdf"),
	.index_labels = LIST("dev_file", "device_id"),
    },
    {
	/* OpenTelemetry hardware names: generic, so only with a device label */
	.vendor = "Intel XPU Manager 2",
	.util_families = LIST("hw_gpu_utilization_ratio"),
	.mem_families = LIST("hw_gpu_memory_usage_bytes", "hw_memory_usage_bytes"),
	.extra_families = LIST("hw_temperature_celsius", "hw_power_watts"),
	.id_labels = LIST("uuid", "pci_bdf"),
	.index_labels = LIST("dev_file"),
	.label_required = true,
    },
    {
	.vendor = "Intel Gaudi",
	.util_families = LIST("habanalabs_utilization"),
	.mem_families = LIST("habanalabs_memory_used_bytes", "habanalabs_memory_free_bytes"),
	.extra_families = LIST("habanalabs_temperature_onchip", "habanalabs_power_mW",
			       "habanalabs_nic_port_status", "habanalabs_memory_total_bytes"),
	.id_labels = LIST("UUID", "serial", "Serial"),
	.index_labels = LIST("device", "minor_number"),
    },
    {
	.vendor = "AWS Neuron",
	.util_families = LIST("neuroncore_utilization_ratio"),
	.mem_families = LIST(
	    "neuroncore_memory_usage_tensors", "neuroncore_memory_usage_constants",
	    "neuroncore_memory_usage_model_code", "neuroncore_memory_usage_runtime_memory",
	    "neuroncore_memory_usage_model_shared_scratchpad", "neuron_runtime_memory_used_bytes"),
	.extra_families = LIST("neuron_hardware_info", "neuron_execution_latency_seconds",
			       "neuron_execution_errors"),
	.id_labels = NULL,
	.index_labels = LIST("neuroncore", "neuron_device_index"),
    },
    {
	/* GKE TPU device plugin: generic names, so only with the chip label */
	.vendor = "Google TPU",
	.util_families = LIST("tensorcore_utilization", "duty_cycle"),
	.mem_families = LIST("memory_used", "hbm_memory_usage_bytes"),
	.extra_families = LIST("memory_total", "memory_bandwidth_utilization"),
	.id_labels = NULL,
	.index_labels = LIST("accelerator_id", "tpu_id"),
	.label_required = true,
    },
    {.vendor = NULL},
};

/* Whether sample name s is family f or f with "_total". */
static bool is_family(const char *s, const char *f)
{
	size_t n = strlen(f);
	return strncmp(s, f, n) == 0 && (s[n] == '\0' || strcmp(s + n, "_total") == 0);
}

static const char *family_in(const char *s, const char *const *fams)
{
	for (const char *const *f = fams; f != NULL && *f != NULL; f++)
		if (is_family(s, *f))
			return *f;
	return NULL;
}

const struct known_accel_series *known_accel_family(const char *sample_name, int *kind,
						    const char **family)
{
	for (const struct known_accel_series *r = known_accel_series; r->vendor != NULL; r++) {
		const char *const *lists[] = {r->util_families, r->mem_families, r->extra_families};
		for (int k = 0; k < 3; k++) {
			const char *f = family_in(sample_name, lists[k]);
			if (f != NULL) {
				*kind = k + 1;
				*family = f;
				return r;
			}
		}
	}
	return NULL;
}

const char *const known_device_id_labels[] = {
    "UUID", "uuid", "gpu_uuid", "serial_number", "Serial", NULL,
};

const char *const known_device_index_labels[] = {
    "gpu", "gpu_id", "device", "dev_file", "minor_number", NULL,
};

const char *const known_node_labels[] = {
    "Hostname", "hostname", "node", "kubernetes_node", "node_name", "instance_id", NULL,
};

const char *const known_holder_pod_labels[] = {"pod", "exported_pod", "pod_name", NULL};
const char *const known_holder_namespace_labels[] = {"namespace", "exported_namespace",
						     "pod_namespace", NULL};

const struct known_fault_component known_fault_components[] = {
    {"node-problem-detector", LIST("node-problem-detector"),
     LIST("app=node-problem-detector", "app.kubernetes.io/name=node-problem-detector"),
     KNOWN_DETECT, true},
    {"NVIDIA NVSentinel", LIST("nvsentinel", "fault-quarantine", "node-drainer"),
     LIST("app.kubernetes.io/part-of=nvsentinel", "app.kubernetes.io/name=nvsentinel"),
     KNOWN_DETECT | KNOWN_REMEDIATE, false},
    {"NVIDIA device plugin health checks", LIST("nvidia-device-plugin"),
     LIST("app=nvidia-device-plugin-daemonset"), KNOWN_DETECT, false},
    {"AMD device plugin health checks", LIST("amdgpu-device-plugin", "amd-gpu-device-plugin"),
     LIST("name=amdgpu-dp-ds"), KNOWN_DETECT, false},
    {"draino", LIST("draino"), LIST("app=draino"), KNOWN_REMEDIATE, false},
    {NULL, NULL, NULL, 0, false},
};

const char *const known_gpu_rule_words[] = {
    "gpu", "nvidia", "xid", "nvrm", "dcgm", "amdgpu", "habanalabs", NULL,
};

const char *const known_gpu_condition_words[] = {
    "gpu", "xid", "nvidia", "nvlink", "accelerator", "dcgm", NULL,
};

const struct known_fault_api known_fault_apis[] = {
    {"remediation.medik8s.io", "nodehealthchecks", "medik8s NodeHealthCheck", KNOWN_REMEDIATE},
    {"cluster.x-k8s.io", "machinehealthchecks", "Cluster API MachineHealthCheck", KNOWN_REMEDIATE},
    {NULL, NULL, NULL, 0},
};
