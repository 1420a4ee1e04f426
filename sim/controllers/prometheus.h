/* prometheus.h: the Prometheus query API behind the service proxy. */
#ifndef KAIC_SIM_CONTROLLERS_PROMETHEUS_H
#define KAIC_SIM_CONTROLLERS_PROMETHEUS_H

#include <jansson.h>
#include <stdbool.h>

#include "sim.h"

/* The dynamic proxy hook (a sim_proxy_hook, sim.h) answering the Prometheus query API. */
bool ctl_prometheus_proxy(struct sim_api *api, const char *method, const char *path,
			  const json_t *query, struct sim_response *resp);

/* The value of series NAME that Prometheus scrapes from pod ns/pod (a target labelled
 * namespace and pod, as prometheus-adapter's default rules read it): true with *value,
 * false when no scrape target is that pod or it serves no such series. */
bool ctl_prometheus_pod_value(struct sim_api *api, const char *ns, const char *pod,
			      const char *name, double *value);

#endif
