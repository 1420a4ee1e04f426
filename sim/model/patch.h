/* patch.h: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge
 * patch. */
#ifndef KAIC_SIM_MODEL_PATCH_H
#define KAIC_SIM_MODEL_PATCH_H

#include <jansson.h>

/* Each returns a new object; sim_patch_json and sim_patch_strategic return NULL with
 * *cause (caller frees) and *code (400, 415 or 422) when the patch does not apply. */
json_t *sim_patch_merge(const json_t *target, const json_t *patch);
json_t *sim_patch_json(const json_t *target, const json_t *patch, char **cause, int *code);
json_t *sim_patch_strategic(const json_t *target, const json_t *patch, char **cause, int *code);

#endif
