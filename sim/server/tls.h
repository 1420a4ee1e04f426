/* tls.h: kaic-sim's certificates: a generated CA, server and admin client
 * certificates, and verification of client chains. */
#ifndef KAIC_SIM_SERVER_TLS_H
#define KAIC_SIM_SERVER_TLS_H

#include <pthread.h>
#include <stddef.h>

struct sim_tls {
	char *ca_pem;	       /* what clients trust (kubeconfig certificate-authority-data) */
	char *server_cert_pem; /* server certificate (chain) */
	char *server_key_pem;
	char *client_ca_pem;  /* CA that signs client certificates (always generated) */
	char *admin_cert_pem; /* CN=kubernetes-admin, O=system:masters */
	char *admin_key_pem;
	void *client_store; /* X509_STORE * holding the client CA */
	/* serializes client certificate verification: request threads share the store and
	 * its cached CA, which ThreadSanitizer saw written by concurrent verifications */
	pthread_mutex_t *verify_lock;
};

/* Generates a CA, a server certificate for 127.0.0.1/localhost and an admin client
 * certificate; with cert_file and key_file (both or neither) the server uses those
 * instead. Returns 0, or -1 with *cause (caller frees). */
int sim_tls_init(struct sim_tls *t, const char *cert_file, const char *key_file, char **cause);
void sim_tls_release(struct sim_tls *t);
/* Verifies a client chain (DER, leaf first) against the client CA. Returns 0 with the
 * subject's CN in *user and its O values in *groups (NULL-terminated; caller frees
 * both), or -1 when the chain does not verify. */
int sim_tls_verify_client(const struct sim_tls *t, const unsigned char *const *der,
			  const size_t *lens, size_t n, char **user, char ***groups);

#endif
