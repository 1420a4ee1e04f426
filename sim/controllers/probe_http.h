/* probe_http.h: the model of `kaic probe http-load`. */
#ifndef KAIC_SIM_CONTROLLERS_PROBE_HTTP_H
#define KAIC_SIM_CONTROLLERS_PROBE_HTTP_H

#include <jansson.h>
#include <stdbool.h>

#include "sim.h"

/* Runs the http-load probe of pod with args into res (see probe_models.h for the
 * contract); returns its exit status. */
int ctl_probe_http_load(struct sim_api *api, const json_t *pod, const json_t *args, json_t *res);

#endif
