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

/* What a pod running the server `kaic probe mcp` answers an MCP client that connects to
 * its port and POSTs to path (NULL or "": "/"): a new object {"server": {name,
 * version}, "tools": [names, in the server's order, every page], "pages": n}, or NULL
 * with *why (a static string) when it would not answer (not an MCP server, not Ready,
 * another port or path). */
json_t *ctl_probe_mcp_serve(const json_t *pod, long port, const char *path, const char **why);

/* Whether the pod's first container runs NVIDIA's gdscheck (command basename). */
bool ctl_runs_gdscheck(const json_t *pod);
/* What `gdscheck -p` prints in the pod (*text, new string) and its exit status: one
 * "GPU index N DEVICE ... supports GDS" line per device allocated to the pod's
 * ResourceClaims, NVMe "Supported" and nvidia_fs 2.17 unless the setting gds.driver is
 * false (nvidia_fs N/A, every driver Unsupported, a platform verification error). */
int ctl_gdscheck_run(struct sim_api *api, const json_t *pod, char **text);

#endif
