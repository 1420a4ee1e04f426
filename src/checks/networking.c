/* networking.c: the checks of the Networking domain. */
#include "check.h"

const struct check *const checks_networking[] = {
    NULL,
};
