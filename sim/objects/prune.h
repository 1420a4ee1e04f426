/* prune.h: pruning of unknown fields from custom resources, as the API server does: every
 * field the CRD's structural schema (of the version written) does not declare is dropped,
 * unless x-kubernetes-preserve-unknown-fields keeps its subtree. */
#ifndef KAIC_SIM_OBJECTS_PRUNE_H
#define KAIC_SIM_OBJECTS_PRUNE_H

#include <jansson.h>

#include "model/registry.h"
#include "model/store.h"

/* The openAPIV3Schema that prunes obj, a custom resource of rt written in the version its
 * apiVersion names (rt's storage version when it names none that rt serves): a new
 * reference, or NULL when nothing is pruned (not a custom resource, no CRD, the CRD's
 * preserveUnknownFields, a version without schema). api->mu held. */
json_t *sim_prune_schema(struct sim_api *api, const struct sim_rtype *rt, const json_t *obj);
/* obj (stolen) without the fields schema does not declare (a new reference; subtrees it
 * leaves alone are shared, nothing of obj is changed in place). A NULL schema keeps all. */
json_t *sim_prune(const json_t *schema, json_t *obj);

#endif
