/* sim.h: kaic-sim's internal interfaces, shared by its parts.
 *
 *   server.c   HTTPS (libmicrohttpd + OpenSSL certificates), authentication, access
 *              log, fault injection, routing of non-API paths (/version, /healthz,
 *              proxy, /openapi), streaming of watches
 *   api.c ...  the REST semantics of /api and /apis: registry of resource types,
 *              object store, CRUD, patch, selectors, pagination, watch, discovery,
 *              CRDs, RBAC authorization
 *   scenario.c loading a scenario directory and scenario.yaml; large.c generator
 *   controllers/  simulated controllers, one file each, hooked per resource type
 *
 * Ownership: sim_response fields are owned by the response (sim_response_release).
 * All sim_api functions are thread-safe (one store lock). */
#ifndef KAIC_SIM_H
#define KAIC_SIM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct sim_api;
struct sim_watch;

struct sim_identity {
	const char *user;     /* "kubernetes-admin", "system:serviceaccount:ns:name" */
	const char **groups;  /* NULL-terminated */
};

struct sim_request {
	const char *method;       /* GET, POST, PUT, PATCH, DELETE */
	const char *path;         /* without the query */
	json_t *query;            /* object: name -> string value (last one wins) */
	const char *content_type; /* may be NULL */
	const char *accept;       /* may be NULL */
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
};

void sim_response_release(struct sim_response *r);
/* Fills r with a Status object (kind Status, status Failure, reason, code, message and,
 * when name/kind given, details {name, group, kind}). */
void sim_status_error(struct sim_response *r, int code, const char *reason, const char *group,
		      const char *kind, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* ---- scenario settings (scenario.yaml) ---- */
struct sim_token {
	char *token;
	char *user;
	char **groups; /* NULL-terminated */
};
struct sim_proxy_answer {
	char *path;         /* "/api/v1/namespaces/NS/services/NAME:PORT/proxy/metrics" */
	char *body;         /* file contents */
	size_t len;
	char *content_type;
	int status;
};
struct sim_faults {
	double error_rate;       /* fraction of API requests answered 500 */
	double throttle_rate;    /* fraction answered 429 with Retry-After */
	int retry_after_s;
	double drop_rate;        /* fraction whose connection is closed without answer */
	double truncate_rate;    /* fraction whose body is cut in half */
	long slow_ms;            /* extra latency on every request */
	long watch_cut_after_s;  /* close watch streams after this long; 0 = never */
	char *only_path_prefix;  /* faults only for paths with this prefix, NULL = all */
};
struct sim_settings {
	char *version;            /* gitVersion, default "v1.34.1" */
	char **resource_versions; /* served resource.k8s.io versions, NULL-terminated */
	struct sim_token *tokens;
	size_t ntokens;
	struct sim_proxy_answer *proxy;
	size_t nproxy;
	long latency_ms;
	struct sim_faults faults;
	unsigned long seed;
	json_t *large;            /* generator parameters, or NULL */
	json_t *controllers;      /* per-controller behaviour switches, object or NULL */
};

/* ---- the API (api.c and friends) ---- */
struct sim_api *sim_api_new(const struct sim_settings *settings);
void sim_api_free(struct sim_api *api);
/* Answers one request under /api or /apis. Never fails: errors are Status answers. */
void sim_api_handle(struct sim_api *api, const struct sim_request *req, struct sim_response *resp);
/* Creates obj as the admin would (scenario loading, controllers); steals obj. Returns 0,
 * or -1 with *cause (caller frees) naming the object and the problem. */
int sim_api_create(struct sim_api *api, json_t *obj, char **cause);
/* Borrowed-free lookup for controllers: returns a new reference or NULL. */
json_t *sim_api_get(struct sim_api *api, const char *group, const char *resource,
		    const char *ns, const char *name);
/* Replaces an object (and its status) as a controller would; steals obj. */
int sim_api_put(struct sim_api *api, json_t *obj, char **cause);
int sim_api_delete(struct sim_api *api, const char *group, const char *resource, const char *ns,
		   const char *name);
/* A new array of all objects of group/resource (any namespace), each a new reference. */
json_t *sim_api_list(struct sim_api *api, const char *group, const char *resource);
/* Number of objects in the store. */
size_t sim_api_count(struct sim_api *api);
/* RBAC for a non-resource path (/version, /healthz, /metrics, ...): verb is the lower-case
 * HTTP verb ("get"). Returns true when who may; otherwise false with the real 403 Status
 * in resp ("forbidden: User \"x\" cannot get path \"/version\""). who NULL = admin. */
bool sim_api_authorize_path(struct sim_api *api, const struct sim_identity *who,
			    const char *verb, const char *path, struct sim_response *resp);

/* Watch streaming: the server calls next until it returns -1. Returns 1 with one JSON
 * event line in *line (caller frees, ends with '\n'), 0 when nothing arrived within
 * wait_ms, -1 when the watch ended (timeoutSeconds reached or closed). */
int sim_watch_next(struct sim_watch *w, char **line, size_t *len, long wait_ms);
void sim_watch_free(struct sim_watch *w);

/* ---- controllers ---- */
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
/* NULL-terminated table of every controller (controllers/registry.c). */
extern const struct sim_controller *const sim_controllers[];
/* Settings the scenario gave for a controller (object or NULL); borrowed. */
const json_t *sim_api_controller_settings(struct sim_api *api, const char *name);

/* A dynamic answer for the API server's service and pod proxy (GET
 * /api/v1/namespaces/NS/{services,pods}/NAME[:PORT]/proxy/PATH; path decoded, query the
 * parsed query object or NULL). Fills resp and returns true when it answers; false
 * leaves the request to the next hook and then the scenario's static answers. Runs on
 * the server's threads: must be thread-safe. */
typedef bool (*sim_proxy_hook)(struct sim_api *api, const char *method, const char *path,
			       const json_t *query, struct sim_response *resp);
/* NULL-terminated table of the proxy hooks, consulted in order (controllers/registry.c). */
extern const sim_proxy_hook sim_proxy_hooks[];

/* ---- scenarios (scenario.c, large.c) ---- */
/* Reads DIR/scenario.yaml (optional) into s; defaults when absent. -1 with *cause. */
int sim_scenario_settings(const char *dir, struct sim_settings *s, char **cause);
/* Loads every manifest of DIR (YAML multi-doc, JSON, kind List; CRDs first) into api,
 * then generates the large objects when settings ask. -1 with *cause. */
int sim_scenario_load(struct sim_api *api, const char *dir, const struct sim_settings *s,
		      char **cause);
void sim_settings_release(struct sim_settings *s);
/* YAML: use util/yaml.h (yaml_to_json) from kaic's util, which kaic-sim links. */

#endif
