/* storage.h: storage: PVC provisioning and binding, snapshots, and the files of each
 * volume for the probe models. */
#ifndef KAIC_SIM_CONTROLLERS_STORAGE_H
#define KAIC_SIM_CONTROLLERS_STORAGE_H

#include <jansson.h>
#include <stdbool.h>

#include "sim.h"

/* The file contents of the volume behind the PVC ns/claim (a new reference
 * to an object path -> content, or NULL when the claim is not bound to a PV); and a
 * write of one file. Returns 0 or -1. */
json_t *ctl_volume_files(struct sim_api *api, const char *ns, const char *claim);
int ctl_volume_write(struct sim_api *api, const char *ns, const char *claim, const char *rel,
		     const char *content);

extern const struct sim_controller sim_controller_storage_pvcs;
extern const struct sim_controller sim_controller_storage_snapshots;

#endif
