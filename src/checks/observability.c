/* observability.c: the checks of the Observability domain. */
#include "check.h"

const struct check *const checks_observability[] = {
    NULL,
};
