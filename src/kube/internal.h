/* internal.h: what the files of the Kubernetes client share with each other and with
 * their tests and fuzz targets; not part of the client's public API (kube.h). */
#ifndef KAIC_KUBE_INTERNAL_H
#define KAIC_KUBE_INTERNAL_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "kube/kube.h"

/* ---- config.c ---- */

/* Largest file of credential data (certificate, key, token) kaic reads. */
#define KC_DATA_LIMIT ((size_t)16 << 20)
/* Reads a regular file of at most limit bytes into new NUL-terminated storage. Returns
 * 0, or -1 with *cause like `cannot read "path": No such file or directory`. */
int kube_read_file(const char *path, size_t limit, char **data, size_t *len, char **cause);
/* Decodes base64 (whitespace ignored) into new NUL-terminated storage. Returns 0, or -1
 * when the text is not valid base64. */
int kube_base64_decode(const char *text, char **out, size_t *len);
/* Encodes bytes as one line of base64; the caller owns the result. */
char *kube_base64_encode(const void *data, size_t len);
/* Checks PEM text: what is "ca" (one or more certificates), "cert" (a certificate) or
 * "key" (an unencrypted private key). Returns 0 or -1 (OpenSSL's error queue cleared). */
int kube_pem_check(const char *what, const char *pem, size_t len);
/* Registers cfg's token and key with log_add_secret (kube_config_load, in-cluster
 * loading and kube_client_new do; kube_config_parse does not, so that fuzzing it does
 * not grow the registry). */
void kube_config_secrets(const struct kube_config *cfg);
/* Registers every line of key material (PEM bodies, base64 data) with log_add_secret. */
void kube_secret_lines(const char *text);

/* ---- exec.c: exec credential plugins ---- */

/* A credential: each field may be NULL. */
struct kube_cred {
	char *token;
	char *cert_pem;
	size_t cert_len;
	char *key_pem;
	size_t key_len;
};
void kube_cred_release(struct kube_cred *cred);

/* The plugin's cached answer, one per client; runs are serialised by the lock. */
struct kube_exec_state {
	pthread_mutex_t lock;
	struct kube_cred cred;
	bool have;
	bool expires; /* expiry is meaningful */
	time_t expiry;
	long timeout_ms;   /* plugin run limit: 30 s */
	size_t max_output; /* plugin stdout limit: 1 MiB */
	unsigned runs;	   /* how often the plugin ran */
};
void kube_exec_init(struct kube_exec_state *st);
void kube_exec_release(struct kube_exec_state *st);
/* Forgets the cached credential (after a 401). */
void kube_exec_invalidate(struct kube_exec_state *st);
/* Fills *out with copies of the plugin's credential, running the plugin of cfg->exec
 * when nothing is cached or the cached answer expired. Returns 0, or -1 with *cause
 * (never containing plugin output). Thread-safe. */
int kube_exec_credential(struct kube_exec_state *st, const struct kube_config *cfg,
			 struct kube_cred *out, char **cause);
/* Parses a plugin's stdout (an ExecCredential of ex->api_version). *expiry is 0 when the
 * credential does not expire. Returns 0, or -1 with *cause naming the problem but never
 * quoting the output. */
int kube_exec_parse(const struct kube_exec *ex, const char *out, size_t len, struct kube_cred *cred,
		    time_t *expiry, char **cause);
/* Parses an RFC 3339 time ("2024-05-01T10:00:00Z", fractions and offsets allowed).
 * Returns 0, or -1 when malformed. */
int kube_time_parse(const char *s, time_t *t);

/* ---- http.c / client.c ---- */

#define KUBE_POOL_MAX 16

struct kube_client {
	struct kube_config cfg;
	long timeout_ms;
	int max_retries;
	char *user_agent;
	atomic_int *cancel;
	long long deadline_ms;
	size_t body_limit;		/* max_response_bytes; tests lower it */
	unsigned long long total_limit; /* max_total_bytes; 0 = none */
	long backoff_ms;		/* first retry delay; doubles per attempt */

	char *url_base;	  /* scheme://host:port[/prefix]; host = tls-server-name if set */
	char *connect_to; /* CURLOPT_CONNECT_TO entry when tls-server-name is set */
	CURLSH *share;	  /* DNS cache shared by all transfers */
	pthread_mutex_t share_lock[CURL_LOCK_DATA_LAST];
	pthread_mutex_t pool_lock; /* idle easy handles, reused for their connections */
	CURL *pool[KUBE_POOL_MAX];
	size_t npool;

	pthread_mutex_t token_lock; /* token re-read from token_file */
	char *token;
	long long token_read_ms;
	struct kube_exec_state exec;

	atomic_ulong requests;
	atomic_ulong retries;
	atomic_ullong bytes_in;
	atomic_ullong bytes_out;
};

/* Streaming: when a request carries one, each line of a 2xx body goes to fn (without
 * its newline) instead of into resp->body; fn returns non-zero to stop the transfer,
 * which then counts as success. */
struct kube_stream {
	int (*fn)(const char *line, size_t len, void *arg);
	void *arg;
	long timeout_ms; /* whole-transfer limit instead of the per-request timeout */
	bool stopped;	 /* fn asked to stop */
	bool timed_out;	 /* the transfer ran for timeout_ms */
	bool delivered;	 /* at least one line went to fn */
};

int kube_http_init(struct kube_client *c, char **cause);
void kube_http_release(struct kube_client *c);
/* kube_request with an optional stream. */
int kube_http_request(struct kube_client *c, const struct kube_req *req, struct kube_stream *st,
		      struct kube_resp *resp, struct kube_error *err);

/* Parses the body of r (an answer to GET path) into *out a kilobyte at a time, checking
 * c's cancel flag between slices. Returns 0, or -1 with err: "Cancelled",
 * "OutOfMemory", or "InvalidJSON" naming the line and jansson's message (nesting
 * deeper than jansson's 2048 levels included). */
int kube_json_parse(struct kube_client *c, const char *path, const struct kube_resp *r,
		    json_t **out, struct kube_error *err);

/* Fills err from a non-2xx answer: the Status object when the body is one, else
 * "server answered CODE with a non-Status body". */
void kube_status_decode(long code, const char *path, const char *body, size_t len,
			struct kube_error *err);
/* Fills err from a Status object (code taken from it when http_code is 0). */
void kube_status_from_json(long http_code, const json_t *status, struct kube_error *err);
/* The usual reason for an HTTP code ("NotFound"), "" when none. */
const char *kube_reason_for(long code);

/* ---- discovery.c: document parsers, fed canned JSON by the tests ---- */

/* Appends the resources of an APIGroupDiscoveryList (apidiscovery.k8s.io v2 or v2beta1);
 * the first version of each group is the preferred one. */
int kube_discovery_parse_aggregated(struct kube_discovery *d, const char *body, size_t len,
				    char **cause);
/* /api's APIVersions: *versions becomes a new array of strings. */
int kube_discovery_parse_versions(const char *body, size_t len, json_t **versions, char **cause);
/* /apis's APIGroupList: *gvs becomes a new array of {"group","version","preferred"}, the
 * preferred version of each group first. */
int kube_discovery_parse_groups(const char *body, size_t len, json_t **gvs, char **cause);
/* Appends the resources of an APIResourceList of group/version ("x/y" subresources
 * skipped). */
int kube_discovery_parse_resources(struct kube_discovery *d, const char *group, const char *version,
				   bool preferred, const char *body, size_t len, char **cause);
/* Whether a Content-Type names aggregated discovery (as=APIGroupDiscoveryList). */
bool kube_discovery_is_aggregated(const char *content_type);

#endif
