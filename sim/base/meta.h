/* meta.h: reading and writing an object's metadata. */
#ifndef KAIC_SIM_BASE_META_H
#define KAIC_SIM_BASE_META_H

#include <jansson.h>

/* The string metadata.KEY of obj, or NULL. */
const char *sim_meta_str(const json_t *obj, const char *key);
/* The metadata object of obj, created when missing, copied first when shared (obj must
 * be a private object: the copy is put in its place). */
json_t *sim_meta(json_t *obj);

#endif
