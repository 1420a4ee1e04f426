/* storage.c: the checks of the Storage domain. */
#include "check.h"

const struct check *const checks_storage[] = {
    NULL,
};
