/* kube.h: the Kubernetes API client: configuration, authenticated HTTPS requests,
 * discovery, paginated lists, watch and API-proxy GETs.
 *
 * Ownership: functions that return json_t * or char * give the caller a new
 * reference / new storage ("you now own it"); const json_t * results are borrowed.
 * Errors: functions return 0 on success and -1 on failure, filling *err (never NULL
 * on input). Every function of a kube_client is safe to call from several threads.
 * No error message, log line or stats entry ever contains a token, key or
 * exec-plugin output. */
#ifndef KAIC_KUBE_H
#define KAIC_KUBE_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

/* An API or transport failure. http_code 0 means no HTTP answer (connection, TLS,
 * timeout, config); otherwise reason/message come from the server's Status object
 * when it sent one (reason "NotFound", "Forbidden", ...). */
struct kube_error {
	long http_code;
	char reason[64];
	char message[512];
};

void kube_error_set(struct kube_error *err, long code, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* exec credential plugin (client.authentication.k8s.io/v1 and v1beta1) */
struct kube_exec {
	char *command;
	char **args; /* NULL-terminated */
	char **env;  /* NULL-terminated "NAME=value" pairs */
	char *api_version;
	char *interactive_mode; /* Never, IfAvailable, Always */
	bool provide_cluster_info;
};

struct kube_config {
	char *source; /* where it came from: file path(s) or "in-cluster" */
	char *context_name;
	char *cluster_name;
	char *user_name;
	char *namespace; /* context namespace, "default" when unset */
	char *server;	 /* https://host:port, no trailing slash */
	char *ca_pem;	 /* CA bundle (PEM), from file or data; NULL = system CAs */
	size_t ca_len;
	char *cert_pem; /* client certificate (PEM) */
	size_t cert_len;
	char *key_pem; /* client key (PEM); secret */
	size_t key_len;
	char *token;	  /* bearer token; secret */
	char *token_file; /* re-read when the token may have rotated */
	bool insecure;	  /* insecure-skip-tls-verify */
	char *tls_server_name;
	char *proxy_url;
	struct kube_exec *exec;
};

/* Loads kubeconfig: path, else every file of $KUBECONFIG merged (first wins), else
 * ~/.kube/config; context NULL = current-context. Relative file references resolve
 * against the file that names them. On error returns -1 and *cause holds a one-line
 * message naming the file and the problem (caller frees). */
int kube_config_load(struct kube_config *cfg, const char *path, const char *context, char **cause);
/* In-cluster service account config (KUBERNETES_SERVICE_HOST/PORT and
 * /var/run/secrets/kubernetes.io/serviceaccount); root overrides that directory for
 * tests (NULL = the real one). Same error contract as kube_config_load. */
int kube_config_in_cluster(struct kube_config *cfg, const char *root, char **cause);
void kube_config_release(struct kube_config *cfg);
/* Fills dst with a deep copy of src (release dst with kube_config_release). */
void kube_config_copy(struct kube_config *dst, const struct kube_config *src);
/* Parses one kubeconfig document from memory (the parser behind kube_config_load):
 * relative file references resolve against base_dir; messages name the source as
 * "<data>"; unlike kube_config_load it does not register the token and key with
 * log_add_secret (kube_client_new does). Same error contract as kube_config_load. */
int kube_config_parse(struct kube_config *cfg, const char *text, size_t len, const char *context,
		      const char *base_dir, char **cause);

struct kube_client_opts {
	long request_timeout_ms; /* per request; 0 = 30 s */
	int max_retries;	 /* on 429/5xx and resets; 0 = 5 */
	const char *user_agent;	 /* NULL = "kaic/VERSION" */
	atomic_int *cancel;	 /* when non-zero, requests in flight fail fast */
	long long deadline_ms;	 /* absolute CLOCK_MONOTONIC ms for the whole run; 0 = none */
	/* the largest response body accepted (decompressed); 0 = KUBE_RESPONSE_BYTES */
	size_t max_response_bytes;
	/* the most response-body bytes the client reads in all (watches included), which
	 * bounds what it can hold; past it every request fails; 0 = no limit */
	unsigned long long max_total_bytes;
};

/* The default of max_response_bytes: 64 MiB. A page of 500 pods or nodes is a few MiB;
 * one object is at most 1.5 MiB (etcd's default request limit), so a list whose page
 * is larger asks again for fewer items (see kube_list); discovery documents of large
 * clusters are a few MiB. */
#define KUBE_RESPONSE_BYTES ((size_t)64 << 20)

struct kube_client;

/* Takes ownership of *cfg's contents (cfg is left zeroed). Returns NULL with *cause on
 * error (for example an unreadable key). */
struct kube_client *kube_client_new(struct kube_config *cfg, const struct kube_client_opts *opts,
				    char **cause);
void kube_client_free(struct kube_client *c);
const struct kube_config *kube_client_config(const struct kube_client *c);

struct kube_stats {
	unsigned long requests; /* HTTP requests sent, retries included */
	unsigned long retries;
	unsigned long long bytes_in; /* response bodies */
	unsigned long long bytes_out;
};
void kube_client_stats(struct kube_client *c, struct kube_stats *out);

/* A raw request. path starts with '/' and may carry a query. Any HTTP answer is
 * success at this level (resp->code tells), except that 429/5xx are retried with
 * backoff honouring Retry-After. A body over max_response_bytes fails with reason
 * "ResponseTooLarge", one past max_total_bytes with "OverBudget" (neither retried). */
struct kube_req {
	const char *method;
	const char *path;
	const char *content_type; /* NULL when no body */
	const char *body;
	size_t body_len;
	const char *accept; /* NULL = application/json */
};
struct kube_resp {
	long code;
	char *body;
	size_t len;
	char *content_type;
};
int kube_request(struct kube_client *c, const struct kube_req *req, struct kube_resp *resp,
		 struct kube_error *err);
void kube_resp_release(struct kube_resp *resp);

/* JSON helpers: a non-2xx answer is an error decoded from the Status object. Bodies are
 * parsed a kilobyte at a time; the cancel flag stops a parse ("Cancelled"). Invalid JSON
 * (nesting deeper than 2048 levels included) is reason "InvalidJSON"; running out of
 * memory while parsing is "OutOfMemory". */
int kube_get(struct kube_client *c, const char *path, json_t **out, struct kube_error *err);
int kube_create(struct kube_client *c, const char *path, const json_t *obj, json_t **out,
		struct kube_error *err);
int kube_update(struct kube_client *c, const char *path, const json_t *obj, json_t **out,
		struct kube_error *err);
/* patch_type: "application/merge-patch+json", "application/json-patch+json",
 * "application/strategic-merge-patch+json" */
int kube_patch(struct kube_client *c, const char *path, const char *patch_type, const json_t *patch,
	       json_t **out, struct kube_error *err);
/* query may be NULL ("propagationPolicy=Background" etc. go in the path). */
int kube_delete(struct kube_client *c, const char *path, struct kube_error *err);

/* Lists a collection with limit+continue pagination (page size 500; a page larger than
 * max_response_bytes is asked again with limit 50, then 5). query is extra
 * query text without '?' ("labelSelector=a%3Db"), may be NULL. *items is a new array
 * whose objects carry apiVersion and kind; *resource_version the list's RV (may be
 * NULL). */
int kube_list(struct kube_client *c, const char *path, const char *query, json_t **items,
	      char **resource_version, struct kube_error *err);

/* kube_list, calling each(item, arg) on every item as its page arrives (before the next
 * page is fetched), so a caller can shrink items while the list is read. */
typedef void (*kube_item_fn)(json_t *item, void *arg);
int kube_list_each(struct kube_client *c, const char *path, const char *query, kube_item_fn each,
		   void *arg, json_t **items, char **resource_version, struct kube_error *err);

/* Watches path (a collection) from resource_version (NULL = now). fn gets each event
 * ("ADDED", "MODIFIED", "DELETED", "BOOKMARK"; obj borrowed) and returns non-zero to
 * stop. Returns 0 when fn stopped it or timeout_s passed, -1 on error (an ERROR event
 * becomes err with its Status, 410 Gone included). */
typedef int (*kube_watch_fn)(const char *type, const json_t *obj, void *arg);
int kube_watch(struct kube_client *c, const char *path, const char *query,
	       const char *resource_version, long timeout_s, kube_watch_fn fn, void *arg,
	       struct kube_error *err);

/* GET through the API server proxy, e.g.
 * /api/v1/namespaces/NS/services/NAME:PORT/proxy/metrics; the body is returned
 * as-is (caller frees). Non-2xx is an error. */
int kube_proxy_get(struct kube_client *c, const char *path, char **body, size_t *len,
		   struct kube_error *err);

/* ---- discovery ---- */

enum kube_verb {
	KUBE_VERB_GET = 1 << 0,
	KUBE_VERB_LIST = 1 << 1,
	KUBE_VERB_WATCH = 1 << 2,
	KUBE_VERB_CREATE = 1 << 3,
	KUBE_VERB_UPDATE = 1 << 4,
	KUBE_VERB_PATCH = 1 << 5,
	KUBE_VERB_DELETE = 1 << 6,
	KUBE_VERB_DELETECOLLECTION = 1 << 7,
};

struct kube_resource {
	char *group; /* "" for core */
	char *version;
	char *resource; /* plural, e.g. "deviceclasses"; subresources are not listed */
	char *kind;
	bool namespaced;
	bool preferred;	    /* version is the group's preferred version */
	unsigned verbs;	    /* enum kube_verb bits */
	char **short_names; /* NULL-terminated, may be NULL */
};

struct kube_discovery {
	struct kube_resource *items;
	size_t n;
	bool aggregated;   /* answered by apidiscovery.k8s.io/v2 */
	unsigned requests; /* discovery requests it took */
};

/* Aggregated discovery (/api and /apis, apidiscovery.k8s.io/v2), falling back to
 * legacy discovery (/api, /apis, /api/v1, /apis/G/V) when the server does not
 * answer in that form. */
int kube_discover(struct kube_client *c, struct kube_discovery *d, struct kube_error *err);
void kube_discovery_release(struct kube_discovery *d);
/* version NULL = the group's preferred version, else any served one. Borrowed. */
const struct kube_resource *kube_discovery_find(const struct kube_discovery *d, const char *group,
						const char *version, const char *resource);
bool kube_discovery_has_group(const struct kube_discovery *d, const char *group);
/* "/api/v1/namespaces/NS/pods/NAME" style path; ns and name may be NULL. Caller frees. */
char *kube_resource_path(const struct kube_resource *r, const char *ns, const char *name);
/* Same from parts: group "" = core. */
char *kube_path(const char *group, const char *version, const char *resource, const char *ns,
		const char *name);

#endif
