/* server.h: kaic-sim's HTTPS front end: TLS material, authentication, fault injection,
 * access log, proxy answers, OpenAPI documents, request routing, the kubeconfig it
 * writes and the large-scenario generator. */
#ifndef KAIC_SIM_SERVER_H
#define KAIC_SIM_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim.h"

/* Largest request body accepted, as kube-apiserver's 3 MiB. */
#define SIM_MAX_BODY (3u * 1024u * 1024u)

/* ---- tls.c: certificates ---- */
struct sim_tls {
	char *ca_pem;	       /* what clients trust (kubeconfig certificate-authority-data) */
	char *server_cert_pem; /* server certificate (chain) */
	char *server_key_pem;
	char *client_ca_pem;  /* CA that signs client certificates (always generated) */
	char *admin_cert_pem; /* CN=kubernetes-admin, O=system:masters */
	char *admin_key_pem;
	void *client_store; /* X509_STORE * holding the client CA */
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

/* ---- auth.c: who is asking ---- */
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

/* ---- faults.c: seeded fault injection ---- */
enum sim_fault_kind {
	SIM_FAULT_NONE = 0,
	SIM_FAULT_DROP,	    /* close the connection without an answer */
	SIM_FAULT_ERROR,    /* 500 InternalError */
	SIM_FAULT_THROTTLE, /* 429 TooManyRequests with Retry-After */
	SIM_FAULT_TRUNCATE, /* send half of the body, then close */
};

struct sim_fault_plan {
	enum sim_fault_kind kind;
	long slow_ms;	   /* pause before the body */
	long watch_cut_ms; /* cut a watch stream after this long; 0 = never */
};

struct sim_fault_state {
	pthread_mutex_t mu;
	uint64_t rng;
	const struct sim_faults *f;
};

void sim_faults_init(struct sim_fault_state *fs, const struct sim_faults *f, unsigned long seed);
void sim_faults_release(struct sim_fault_state *fs);
/* Decides what happens to one request for path. Deterministic for a seed and an order
 * of requests; paths outside /api and /apis (and the scenario's prefix) get none. */
void sim_faults_plan(struct sim_fault_state *fs, const char *path, struct sim_fault_plan *plan);

/* ---- accesslog.c ---- */
struct sim_accesslog {
	FILE *f; /* NULL: disabled */
	pthread_mutex_t mu;
};

/* Opens path for appending (NULL path: logging disabled). Returns 0, or -1 with *cause. */
int sim_accesslog_open(struct sim_accesslog *l, const char *path, char **cause);
/* Writes "METHOD URL STATUS BYTES MS" as one line; thread-safe. */
void sim_accesslog_write(struct sim_accesslog *l, const char *method, const char *url, int status,
			 uint64_t bytes, double ms);
void sim_accesslog_close(struct sim_accesslog *l);

/* ---- proxy.c: API-server proxy answers ---- */
/* Is path a service or pod proxy path (/api/v1/namespaces/NS/{services,pods}/N/proxy…)? */
bool sim_proxy_is_proxy_path(const char *path);
/* Answers a proxy request from the scenario: the configured answer, 404 when the service
 * or pod does not exist, 503 when it exists but has no answer. */
void sim_proxy_handle(struct sim_api *api, const struct sim_settings *s, const char *method,
		      const char *path, struct sim_response *resp);
/* Like sim_proxy_handle, with the request's query (may be NULL) for the dynamic proxy
 * hooks (sim_proxy_hooks), which are consulted first. */
void sim_proxy_handle_query(struct sim_api *api, const struct sim_settings *s,
			    const char *method, const char *path, const json_t *query,
			    struct sim_response *resp);

/* ---- openapi.c: /openapi/v3 ---- */
struct sim_openapi;

/* Indexes the OpenAPI v3 documents of dir (api/v1.json, apis/GROUP/VERSION.json); with dir
 * NULL, documents are generated from discovery on request. Returns NULL with *cause. */
struct sim_openapi *sim_openapi_load(const char *dir, char **cause);
void sim_openapi_free(struct sim_openapi *o);
/* Answers GET /openapi/v3 (the index) and /openapi/v3/PATH (one document); api serves
 * the discovery that generated documents come from. Never fails: errors are Statuses. */
void sim_openapi_handle(const struct sim_openapi *o, struct sim_api *api, const char *path,
			struct sim_response *resp);

/* ---- server.c: routing and the HTTPS server ---- */
struct sim_router {
	struct sim_api *api;
	const struct sim_settings *settings;
	const struct sim_openapi *openapi;
};

/* Paths answered without authentication: /healthz, /readyz, /livez (and below), /version. */
bool sim_route_is_public(const char *path);
/* Splits a raw request target into its decoded path and a query object (name -> decoded
 * value, last one wins). Returns 0, or -1 when the encoding is invalid (NUL bytes,
 * invalid UTF-8); *path and *query are then NULL. */
int sim_url_split(const char *raw, char **path, json_t **query);
/* Answers one authenticated request (req->path decoded, req->query parsed): non-API
 * paths, proxy, OpenAPI, then sim_api_handle for /api and /apis. Never fails. */
void sim_route(const struct sim_router *r, const struct sim_request *req,
	       struct sim_response *resp);

struct sim_server;

struct sim_server_config {
	struct sim_api *api;
	const struct sim_settings *settings;
	const struct sim_tls *tls;
	const struct sim_openapi *openapi;
	const char *log_path; /* access log or NULL */
	int port;	      /* 0: any free port */
};

/* Starts serving HTTPS on 127.0.0.1. Returns the server, or NULL with *cause. */
struct sim_server *sim_server_start(const struct sim_server_config *cfg, char **cause);
/* The port actually bound. */
int sim_server_port(const struct sim_server *srv);
/* Stops accepting, ends open streams, waits for connection threads, frees srv. */
void sim_server_stop(struct sim_server *srv);

/* ---- kubeconfig.c ---- */
/* Writes an admin kubeconfig for https://127.0.0.1:port atomically (temp + rename),
 * mode 0600. Returns 0, or -1 with *cause. */
int sim_kubeconfig_write(const char *path, const struct sim_tls *t, int port, char **cause);

/* ---- scenario.c ---- */
/* Fills s with the defaults of an empty scenario.yaml (release with sim_settings_release). */
void sim_settings_defaults(struct sim_settings *s);

/* ---- large.c: the generated scale scenario ---- */
/* Creates the nodes, ResourceSlices, namespaces and pods described by s->large (see
 * docs/scenarios.md) through sim_api_create. Returns 0, or -1 with *cause. */
int sim_large_generate(struct sim_api *api, const struct sim_settings *s, char **cause);

#endif
