/* cel.h: the subset of CEL that DRA device selectors use. */
#ifndef KAIC_SIM_CONTROLLERS_CEL_H
#define KAIC_SIM_CONTROLLERS_CEL_H

#include <jansson.h>
#include <stdbool.h>

#include "sim.h"

/* Evaluates a DRA CEL selector against device (the ResourceSlice device with
 * "driver" added); anything outside the supported subset evaluates to false. */
bool ctl_cel_match(const char *expr, const json_t *device);

#endif
