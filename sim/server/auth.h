/* auth.h: who is asking: client certificates and the scenario's bearer tokens. */
#ifndef KAIC_SIM_SERVER_AUTH_H
#define KAIC_SIM_SERVER_AUTH_H

#include <stddef.h>

#include "server/tls.h"
#include "sim.h"

struct sim_who {
	struct sim_identity id; /* points into user/groups below */
	char *user;
	char **groups; /* NULL-terminated, owned */
};

/* Identifies a request: a client certificate chain that verifies wins, then a bearer
 * token from the scenario. Returns 0 with *who filled (release it), -1 for anonymous or
 * bad credentials (the caller answers 401). */
int sim_auth_identify(const struct sim_tls *tls, const struct sim_settings *s,
		      const unsigned char *const *der, const size_t *lens, size_t nder,
		      const char *authorization, struct sim_who *who);
/* Fills *who with the admin identity (kubernetes-admin in system:masters). */
void sim_auth_admin(struct sim_who *who);
void sim_who_release(struct sim_who *who);

#endif
