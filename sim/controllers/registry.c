/* registry.c: the table of simulated controllers. A controller file defines one
 * `const struct sim_controller sim_controller_NAME`; list it here to enable it. For one
 * event, controllers run in table order (the DRA claim controller before the scheduler,
 * so that a pod's generated claims exist when it is scheduled). Also the table of
 * dynamic proxy hooks. */

#include "controllers/registry.h"

#include <stddef.h>

#include "controllers/agenttool.h"
#include "controllers/autoscaler.h"
#include "controllers/deployment.h"
#include "controllers/dra.h"
#include "controllers/gateway.h"
#include "controllers/hpa.h"
#include "controllers/jobs.h"
#include "controllers/jobset.h"
#include "controllers/imagepolicy.h"
#include "controllers/kubelet.h"
#include "controllers/kueue.h"
#include "controllers/lws.h"
#include "controllers/namespace.h"
#include "controllers/prometheus.h"
#include "controllers/replicaset.h"
#include "controllers/scheduler.h"
#include "controllers/storage.h"
#include "controllers/tracing.h"
#include "sim.h"

extern const struct sim_controller sim_controller_namespace;
extern const struct sim_controller sim_controller_dra_pods;
extern const struct sim_controller sim_controller_dra_claims;
extern const struct sim_controller sim_controller_scheduler;
extern const struct sim_controller sim_controller_kubelet;
extern const struct sim_controller sim_controller_storage_pvcs;
extern const struct sim_controller sim_controller_storage_snapshots;
extern const struct sim_controller sim_controller_gateway_classes;
extern const struct sim_controller sim_controller_gateway_gateways;
extern const struct sim_controller sim_controller_gateway_routes;
extern const struct sim_controller sim_controller_agenttool;
extern const struct sim_controller sim_controller_remediation;

const struct sim_controller *const sim_controllers[] = {
    &sim_controller_namespace,
    &sim_controller_dra_pods,
    &sim_controller_dra_claims,
    &sim_controller_storage_pvcs,
    &sim_controller_storage_snapshots,
    &sim_controller_kubelet,
    &sim_controller_scheduler,
    &sim_controller_gateway_classes,
    &sim_controller_gateway_gateways,
    &sim_controller_gateway_routes,
    &sim_controller_agenttool,
    &sim_controller_deployments,
    &sim_controller_replicasets,
    &sim_controller_deployment_owners,
    &sim_controller_replicaset_pods,
    &sim_controller_jobset,
    &sim_controller_kueue,
    &sim_controller_jobs,
    &sim_controller_remediation,
    &sim_controller_hpa,
    &sim_controller_lws,
    &sim_controller_cluster_autoscaler,
    NULL,
};

const sim_proxy_hook sim_proxy_hooks[] = {
    ctl_prometheus_proxy,
    ctl_agenttool_registry_proxy,
    ctl_tracing_proxy,
    NULL,
};

const sim_admit_hook sim_admit_hooks[] = {
    ctl_imagepolicy_admit,
    ctl_lws_admit,
    NULL,
};
