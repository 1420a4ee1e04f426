/* jsonx.h: a child of a JSON object, made when it is missing or of another type (the
 * "get or create" that building and defaulting objects needs). */
#ifndef KAIC_SIM_BASE_JSONX_H
#define KAIC_SIM_BASE_JSONX_H

#include <jansson.h>

/* parent[key], made an empty object when it is not one (borrowed). */
json_t *sim_json_object_at(json_t *parent, const char *key);
/* parent[key], made an empty array when it is not one (borrowed). */
json_t *sim_json_array_at(json_t *parent, const char *key);

#endif
