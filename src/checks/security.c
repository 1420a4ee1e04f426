/* security.c: the checks of the Security domain. */
#include "check.h"

const struct check *const checks_security[] = {
    NULL,
};
