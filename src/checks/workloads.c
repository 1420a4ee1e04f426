/* workloads.c: the checks of the Workloads domain. */
#include "check.h"

const struct check *const checks_workloads[] = {
    NULL,
};
