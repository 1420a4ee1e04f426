/* cncf_table.c: the table of the CNCF-only checks, in the program's section order. */
#include "checks/cncf.h"

#include <stddef.h>

const struct check *const checks_cncf[] = {
    &cncf_driver_runtime_management,   &cncf_gpu_sharing,
    &cncf_virtualized_accelerator,     &cncf_advanced_inference_ingress,
    &cncf_high_performance_networking, &cncf_disaggregated_inference,
    &cncf_cluster_autoscaling,	       &cncf_pod_autoscaling,
    &cncf_secure_accelerator_access,   &cncf_workload_sandboxing,
    &cncf_robust_controller,	       NULL,
};
