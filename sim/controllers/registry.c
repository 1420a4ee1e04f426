/* registry.c: the table of simulated controllers. A controller file defines one
 * `const struct sim_controller sim_controller_NAME`; list it here to enable it. */
#include <stddef.h>

#include "sim.h"

extern const struct sim_controller sim_controller_namespace;

const struct sim_controller *const sim_controllers[] = {
    &sim_controller_namespace,
    NULL,
};
