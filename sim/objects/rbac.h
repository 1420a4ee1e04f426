/* rbac.h: authorization against the RBAC objects in the store (Roles, ClusterRoles and
 * their bindings), the real server's 403 answer, and the default cluster roles. */
#ifndef KAIC_SIM_OBJECTS_RBAC_H
#define KAIC_SIM_OBJECTS_RBAC_H

#include <stdbool.h>

#include "model/store.h"
#include "sim.h"

struct sim_authz {
	const char *verb;
	const char *group;
	const char *resource;
	const char *subresource; /* NULL or "" */
	const char *ns;		 /* NULL or "" for cluster scope */
	const char *name;	 /* NULL or "" */
	const char *path;	 /* non-resource requests: the path; resource NULL */
};
/* True when who may do a (api->mu held). */
bool sim_rbac_allowed(struct sim_api *api, const struct sim_identity *who,
		      const struct sim_authz *a);
/* Fills resp with the real server's 403 for a denied request. */
void sim_rbac_forbidden(struct sim_response *resp, const struct sim_identity *who,
			const struct sim_authz *a);
/* Seeds the default cluster roles and bindings (api->mu held). */
void sim_rbac_seed(struct sim_api *api);

#endif
