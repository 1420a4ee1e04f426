/* auth.h: the credentials a probe sends: a service-account token for an audience (a
 * TokenRequest, cached until 80% of its life has passed) or a bearer token from a
 * Secret's key "token". */
#ifndef KAIC_AGENTD_AUTH_H
#define KAIC_AGENTD_AUTH_H

#include <pthread.h>

#include "kube/kube.h"
#include "util/hmap.h"

struct auth {
	struct kube_client *kc;
	const char *sa_ns, *sa_name; /* whose tokens are requested */
	pthread_mutex_t mu;
	struct hmap tokens; /* audience -> struct auth_token * */
};

void auth_init(struct auth *a, struct kube_client *kc, const char *sa_ns, const char *sa_name);
void auth_release(struct auth *a);
/* A token for audience (caller frees), or NULL with err. */
char *auth_sa_token(struct auth *a, const char *audience, struct kube_error *err);
/* Secret ns/name's key "token": 0 with *token (caller frees); 1 when the Secret or its
 * key does not exist (msg says which); -1 on an API error (err). */
int auth_secret_token(struct auth *a, const char *ns, const char *name, char **token, char *msg,
		      size_t msglen, struct kube_error *err);

#endif
