/* probe_models.h: what `kaic probe NAME` would print inside a simulated pod. */
#ifndef KAIC_SIM_CONTROLLERS_PROBE_MODELS_H
#define KAIC_SIM_CONTROLLERS_PROBE_MODELS_H

#include <jansson.h>
#include <stdbool.h>

#include "sim.h"

/* Runs the one-shot probe NAME of pod with args; *output gets its JSON
 * result (a new object with "probe"), returns the exit status (0, 1, 2). */
int ctl_probe_run(struct sim_api *api, const json_t *pod, const char *name, const json_t *args,
		  json_t **output);

#endif
