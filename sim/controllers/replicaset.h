/* replicaset.h: the ReplicaSet controller (replicaset.c; switch controllers.replicaset)
 * and the helpers it shares with the Deployment controller (deployment.c). */
#ifndef KAIC_SIM_CONTROLLERS_REPLICASET_H
#define KAIC_SIM_CONTROLLERS_REPLICASET_H

#include <jansson.h>
#include <stdbool.h>

#include "sim.h"

extern const struct sim_controller sim_controller_replicasets;
extern const struct sim_controller sim_controller_replicaset_pods;

/* Whether obj was written through the API after the scenario was loaded (the workload
 * controllers leave the scenario's objects as loaded). */
bool wl_managed(struct sim_api *api, const json_t *obj);
/* The integer at a dotted path of obj, dflt when absent. */
long long wl_int(const json_t *obj, const char *path, long long dflt);
/* The controller ownerReference of obj when it is of kind, else NULL (borrowed). */
const json_t *wl_controller_ref(const json_t *obj, const char *kind);
/* Whether owner (of kind) is obj's controller. */
bool wl_owned_by(const json_t *obj, const char *kind, const json_t *owner);
/* A new ownerReferences array naming owner (apps/v1 kind) as controller. */
json_t *wl_owner_ref(const json_t *owner, const char *kind);
/* An IntOrString of a rolling update against n replicas ("25%": rounded up when up, else
 * down; dflt_pct when absent). */
long long wl_scaled(const json_t *v, long long n, bool up, long long dflt_pct);
/* The annotation key of obj (keys hold dots: ctl_at cannot reach them), or NULL. */
const char *wl_annotation(const json_t *obj, const char *key);
/* Brings the ReplicaSet ns/name to its number of pods and updates its status. */
void wl_rs_sync(struct sim_api *api, const char *ns, const char *name);

#endif
