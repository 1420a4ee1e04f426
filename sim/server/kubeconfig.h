/* kubeconfig.h: the admin kubeconfig kaic-sim writes for its clients. */
#ifndef KAIC_SIM_SERVER_KUBECONFIG_H
#define KAIC_SIM_SERVER_KUBECONFIG_H

#include "server/tls.h"

/* Writes an admin kubeconfig for https://127.0.0.1:port atomically (temp + rename),
 * mode 0600. Returns 0, or -1 with *cause. */
int sim_kubeconfig_write(const char *path, const struct sim_tls *t, int port, char **cause);

#endif
