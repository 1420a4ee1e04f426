/* sim.h: the types every layer of kaic-sim shares: identities, requests, responses,
 * the scenario's settings and the interfaces controllers and proxy hooks implement. No
 * functions: each .c file declares its own in the header beside it; the layers are
 * listed in docs/sim-layers.md.
 *
 * Ownership: sim_response fields are owned by the response (base/status.h:
 * sim_response_release). */
#ifndef KAIC_SIM_H
#define KAIC_SIM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Largest request body accepted, as kube-apiserver's 3 MiB. */
#define SIM_MAX_BODY (3u * 1024u * 1024u)

struct sim_api;
struct sim_watch;

struct sim_identity {
	const char *user;    /* "kubernetes-admin", "system:serviceaccount:ns:name" */
	const char **groups; /* NULL-terminated */
};

struct sim_request {
	const char *method;	  /* GET, POST, PUT, PATCH, DELETE */
	const char *path;	  /* without the query */
	json_t *query;		  /* object: name -> string value (last one wins) */
	const char *content_type; /* may be NULL */
	const char *accept;	  /* may be NULL */
	const char *body;
	size_t body_len;
	const struct sim_identity *who;
};

struct sim_response {
	int status;
	char *content_type; /* NULL = application/json */
	char *body;
	size_t len;
	struct sim_watch *watch; /* non-NULL: stream this watch after the headers */
	/* frees watch; set with it by the layer that made it (rest/verbs.c) */
	void (*watch_free)(struct sim_watch *w);
};

/* ---- scenario settings (scenario.yaml) ---- */
struct sim_token {
	char *token;
	char *user;
	char **groups; /* NULL-terminated */
};
struct sim_proxy_answer {
	char *path; /* "/api/v1/namespaces/NS/services/NAME:PORT/proxy/metrics" */
	char *body; /* file contents */
	size_t len;
	char *content_type;
	int status;
};
struct sim_faults {
	double error_rate;    /* fraction of API requests answered 500 */
	double throttle_rate; /* fraction answered 429 with Retry-After */
	int retry_after_s;
	double drop_rate;	/* fraction whose connection is closed without answer */
	double truncate_rate;	/* fraction whose body is cut in half */
	long slow_ms;		/* extra latency on every request */
	long watch_cut_after_s; /* close watch streams after this long; 0 = never */
	char *only_path_prefix; /* faults only for paths with this prefix, NULL = all */
};
struct sim_settings {
	char *version;		  /* gitVersion, default "v1.34.1" */
	char **resource_versions; /* served resource.k8s.io versions, NULL-terminated */
	struct sim_token *tokens;
	size_t ntokens;
	struct sim_proxy_answer *proxy;
	size_t nproxy;
	long latency_ms;
	struct sim_faults faults;
	unsigned long seed;
	json_t *large;	     /* generator parameters, or NULL */
	json_t *controllers; /* per-controller behaviour switches, object or NULL */
};

/* ---- what controllers and proxy hooks implement (tables: controllers/registry.h) ---- */
/* A controller reacts to writes of one resource type. It runs after the write is
 * committed, outside the store lock, and may call sim_api_* itself. */
struct sim_controller {
	const char *name;
	const char *group;
	const char *resource;
	void (*on_change)(struct sim_api *api, const char *event, const json_t *obj);
	/* periodic work (every 100 ms on the controller thread), may be NULL */
	void (*tick)(struct sim_api *api);
};

/* A dynamic answer for the API server's service and pod proxy (GET
 * /api/v1/namespaces/NS/{services,pods}/NAME[:PORT]/proxy/PATH; path decoded, query the
 * parsed query object or NULL). Fills resp and returns true when it answers; false
 * leaves the request to the next hook and then the scenario's static answers. Runs on
 * the server's threads: must be thread-safe. */
typedef bool (*sim_proxy_hook)(struct sim_api *api, const char *method, const char *path,
			       const json_t *query, struct sim_response *resp);

/* A validating admission webhook's model: called for a create (POST to a namespaced
 * collection of group/resource in namespace ns, obj the decoded body) after RBAC allowed
 * it and before the store applies it; dry_run when ?dryRun=All. True admits; false
 * denies, with resp filled as the API server answers a denial. Runs on the server's
 * threads without the store's lock: must be thread-safe. */
typedef bool (*sim_admit_hook)(struct sim_api *api, const char *group, const char *resource,
			       const char *ns, const json_t *obj, bool dry_run,
			       struct sim_response *resp);

#endif
