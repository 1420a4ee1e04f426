/* table.h: meta.k8s.io Table answers (kubectl get's columns). */
#ifndef KAIC_SIM_REST_TABLE_H
#define KAIC_SIM_REST_TABLE_H

#include <jansson.h>
#include <stdbool.h>

#include "model/registry.h"

/* True when Accept asks for a meta.k8s.io Table. */
bool sim_table_wanted(const char *accept);
/* The Table of a list or single object answer of rt; include is the includeObject
 * query value (None, Metadata (default), Object). */
json_t *sim_table_from(const struct sim_rtype *rt, const json_t *answer, const char *include,
		       const char *version);

#endif
