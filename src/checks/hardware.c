/* hardware.c: the checks of the Hardware domain. */
#include "check.h"

const struct check *const checks_hardware[] = {
    NULL,
};
