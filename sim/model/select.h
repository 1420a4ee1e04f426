/* select.h: label and field selectors: parsing and matching. */
#ifndef KAIC_SIM_MODEL_SELECT_H
#define KAIC_SIM_MODEL_SELECT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "model/registry.h"

enum sim_sel_op { SEL_EQ, SEL_NE, SEL_IN, SEL_NOTIN, SEL_EXISTS, SEL_NOTEXISTS, SEL_GT, SEL_LT };
struct sim_req {
	char *key;
	enum sim_sel_op op;
	char **values; /* NULL-terminated */
};
struct sim_selector {
	struct sim_req *reqs;
	size_t n;
};
/* Parses a label selector. Returns 0, or -1 with *cause ("unable to parse requirement: ..."). */
int sim_labelsel_parse(const char *s, struct sim_selector *sel, char **cause);
/* Parses a field selector for rt (only registered fields). -1 with *cause. */
int sim_fieldsel_parse(const char *s, const struct sim_rtype *rt, struct sim_selector *sel,
		       char **cause);
bool sim_labelsel_match(const struct sim_selector *sel, const json_t *obj);
bool sim_fieldsel_match(const struct sim_selector *sel, const json_t *obj);
void sim_selector_release(struct sim_selector *sel);
/* The string value of a dotted field path in obj ("" when absent). */
char *sim_field_value(const json_t *obj, const char *path);

#endif
