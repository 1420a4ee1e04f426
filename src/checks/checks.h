/* checks.h: kaic's checks, one table per domain file in checks/, and the lookup the
 * runner is given (the run part knows checks only through struct check). */
#ifndef KAIC_CHECKS_CHECKS_H
#define KAIC_CHECKS_CHECKS_H

#include "run/check.h"

/* Domain tables (NULL-terminated), one per file in checks/. */
extern const struct check *const checks_hardware[];
extern const struct check *const checks_workloads[];
extern const struct check *const checks_networking[];
extern const struct check *const checks_storage[];
extern const struct check *const checks_security[];
extern const struct check *const checks_observability[];

/* The check registered for id, or NULL (then the requirement is reported
 * "Error: not implemented"). */
const struct check *checks_find(const char *id);

#endif
