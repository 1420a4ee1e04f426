/* cel.h: the subset of CEL that DRA device selectors use. */
#ifndef KAIC_SIM_CONTROLLERS_CEL_H
#define KAIC_SIM_CONTROLLERS_CEL_H

#include <jansson.h>
#include <stdbool.h>

#include "sim.h"

/* Evaluates a DRA CEL selector against device (the ResourceSlice device with
 * "driver" added); anything outside the supported subset evaluates to false. */
bool ctl_cel_match(const char *expr, const json_t *device);
/* Parses a Kubernetes quantity ("80Gi", "1.5", "500m") into a number; false when s is
 * NULL or not a quantity. */
bool ctl_cel_quantity(const char *s, double *out);

#endif
