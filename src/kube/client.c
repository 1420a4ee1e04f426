/* client.c: the client object and the JSON verbs on top of http.c: get, create, update,
 * patch, delete, paginated list, watch, API-proxy GET, and Status decoding. */
#include "kube/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/xmalloc.h"

#define LIST_PAGE 500
#define LIST_PAGE_MIN 5 /* a page over the response limit is asked again 10 times smaller */

static void global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct kube_client *kube_client_new(struct kube_config *cfg, const struct kube_client_opts *opts,
				    char **cause)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, global_init);
	if (cfg->server == NULL || *cfg->server == '\0') {
		*cause = xstrdup("kubeconfig: no server to connect to");
		return NULL;
	}
	if ((cfg->cert_pem == NULL) != (cfg->key_pem == NULL) ||
	    (cfg->key_pem && kube_pem_check("key", cfg->key_pem, cfg->key_len) != 0)) {
		*cause = xasprintf("kubeconfig \"%s\": the client key is missing or not a valid "
				   "unencrypted PEM private key",
				   cfg->source ? cfg->source : "");
		return NULL;
	}
	kube_config_secrets(cfg);
	struct kube_client *c = xcalloc(1, sizeof(*c));
	c->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	c->timeout_ms = opts && opts->request_timeout_ms > 0 ? opts->request_timeout_ms : 30000;
	c->max_retries = opts && opts->max_retries > 0 ? opts->max_retries : 5;
	c->user_agent =
	    opts && opts->user_agent ? xstrdup(opts->user_agent) : xstrdup("kaic/" KAIC_VERSION);
	c->cancel = opts ? opts->cancel : NULL;
	c->deadline_ms = opts ? opts->deadline_ms : 0;
	c->body_limit =
	    opts && opts->max_response_bytes ? opts->max_response_bytes : KUBE_RESPONSE_BYTES;
	c->total_limit = opts ? opts->max_total_bytes : 0;
	c->backoff_ms = 250;
	if (kube_http_init(c, cause) != 0) {
		kube_client_free(c);
		return NULL;
	}
	return c;
}

void kube_client_free(struct kube_client *c)
{
	if (c == NULL)
		return;
	kube_http_release(c);
	kube_config_release(&c->cfg);
	free(c->user_agent);
	free(c);
}

const struct kube_config *kube_client_config(const struct kube_client *c)
{
	return &c->cfg;
}

void kube_client_stats(struct kube_client *c, struct kube_stats *out)
{
	out->requests = atomic_load(&c->requests);
	out->retries = atomic_load(&c->retries);
	out->bytes_in = atomic_load(&c->bytes_in);
	out->bytes_out = atomic_load(&c->bytes_out);
}

/* ---- Status ---- */

const char *kube_reason_for(long code)
{
	static const struct {
		long code;
		const char *reason;
	} t[] = {{400, "BadRequest"},
		 {401, "Unauthorized"},
		 {403, "Forbidden"},
		 {404, "NotFound"},
		 {405, "MethodNotAllowed"},
		 {406, "NotAcceptable"},
		 {409, "Conflict"},
		 {410, "Gone"},
		 {413, "RequestEntityTooLarge"},
		 {415, "UnsupportedMediaType"},
		 {422, "Invalid"},
		 {429, "TooManyRequests"},
		 {500, "InternalError"},
		 {503, "ServiceUnavailable"},
		 {504, "Timeout"}};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].code == code)
			return t[i].reason;
	return "";
}

void kube_status_from_json(long http_code, const json_t *status, struct kube_error *err)
{
	long code = http_code;
	json_t *jc = json_object_get(status, "code");
	if (code == 0 && json_is_integer(jc))
		code = (long)json_integer_value(jc);
	const char *reason = json_string_value(json_object_get(status, "reason"));
	const char *msg = json_string_value(json_object_get(status, "message"));
	if (reason == NULL || *reason == '\0')
		reason = kube_reason_for(code);
	if (msg && *msg)
		kube_error_set(err, code, reason, "%s", msg);
	else
		kube_error_set(err, code, reason, "server answered %ld%s%s", code,
			       *reason ? " " : "", reason);
}

void kube_status_decode(long code, const char *path, const char *body, size_t len,
			struct kube_error *err)
{
	json_t *doc = body && len ? json_loadb(body, len, 0, NULL) : NULL;
	const char *kind = json_string_value(json_object_get(doc, "kind"));
	if (json_is_object(doc) && kind && strcmp(kind, "Status") == 0)
		kube_status_from_json(code, doc, err);
	else
		kube_error_set(err, code, kube_reason_for(code),
			       "server answered %ld with a non-Status body for \"%s\"", code, path);
	json_decref(doc);
}

/* ---- JSON verbs ---- */

/* A body handed to jansson a slice at a time, so that a cancel stops the parse. */
struct feed {
	const char *p;
	size_t len;
	size_t off;
	atomic_int *cancel;
	bool cancelled;
};

static size_t feed_read(void *buffer, size_t size, void *arg)
{
	struct feed *f = arg;
	if (f->cancel && atomic_load(f->cancel)) {
		f->cancelled = true;
		return (size_t)-1;
	}
	size_t n = f->len - f->off < size ? f->len - f->off : size;
	memcpy(buffer, f->p + f->off, n);
	f->off += n;
	return n;
}

int kube_json_parse(struct kube_client *c, const char *path, const struct kube_resp *r,
		    json_t **out, struct kube_error *err)
{
	json_error_t je;
	struct feed f = {.p = r->body ? r->body : "", .len = r->len, .cancel = c->cancel};
	json_t *v = json_load_callback(feed_read, &f, 0, &je);
	if (v != NULL) {
		*out = v;
		return 0;
	}
	size_t n = strcspn(path, "?");
	if (f.cancelled)
		kube_error_set(err, 0, "Cancelled", "reading the answer of GET %.*s cancelled",
			       (int)n, path);
	else if (json_error_code(&je) == json_error_out_of_memory)
		kube_error_set(err, r->code, "OutOfMemory",
			       "not enough memory to read the answer of GET %.*s (%zu bytes)",
			       (int)n, path, r->len);
	else
		kube_error_set(err, r->code, "InvalidJSON",
			       "invalid JSON from \"%.*s\": line %d: %s", (int)n, path, je.line,
			       je.text);
	return -1;
}

/* Sends a JSON request; a 2xx answer is parsed into *out (when out is not NULL). */
static int json_call(struct kube_client *c, const char *method, const char *path, const char *ctype,
		     const json_t *obj, json_t **out, struct kube_error *err)
{
	char *body = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	struct kube_req req = {.method = method,
			       .path = path,
			       .content_type = body ? ctype : NULL,
			       .body = body,
			       .body_len = body ? strlen(body) : 0};
	struct kube_resp r;
	if (out)
		*out = NULL;
	int rc = kube_request(c, &req, &r, err);
	free(body);
	if (rc != 0)
		return -1;
	if (r.code < 200 || r.code > 299) {
		kube_status_decode(r.code, path, r.body, r.len, err);
		rc = -1;
	} else if (out) {
		rc = kube_json_parse(c, path, &r, out, err);
	}
	kube_resp_release(&r);
	return rc;
}

int kube_get(struct kube_client *c, const char *path, json_t **out, struct kube_error *err)
{
	return json_call(c, "GET", path, NULL, NULL, out, err);
}

int kube_create(struct kube_client *c, const char *path, const json_t *obj, json_t **out,
		struct kube_error *err)
{
	return json_call(c, "POST", path, "application/json", obj, out, err);
}

int kube_update(struct kube_client *c, const char *path, const json_t *obj, json_t **out,
		struct kube_error *err)
{
	return json_call(c, "PUT", path, "application/json", obj, out, err);
}

int kube_patch(struct kube_client *c, const char *path, const char *patch_type, const json_t *patch,
	       json_t **out, struct kube_error *err)
{
	return json_call(c, "PATCH", path, patch_type, patch, out, err);
}

int kube_delete(struct kube_client *c, const char *path, struct kube_error *err)
{
	return json_call(c, "DELETE", path, NULL, NULL, NULL, err);
}

/* ---- list ---- */

static char *url_escape(const char *s)
{
	struct buf b = BUF_INIT;
	buf_init(&b);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~')
			buf_addc(&b, (char)*p);
		else
			buf_addf(&b, "%%%02X", *p);
	}
	return buf_detach(&b, NULL);
}

static char *list_url(const char *path, const char *query, const char *cont, int limit)
{
	struct buf b = BUF_INIT;
	buf_init(&b);
	buf_addf(&b, "%s%climit=%d", path, strchr(path, '?') ? '&' : '?', limit);
	if (query && *query)
		buf_addf(&b, "&%s", query);
	if (cont && *cont) {
		char *e = url_escape(cont);
		buf_addf(&b, "&continue=%s", e);
		free(e);
	}
	return buf_detach(&b, NULL);
}

/* Adds a page's items to items, giving each the list's apiVersion and item kind. */
static void list_take(json_t *page, json_t *items, kube_item_fn each, void *arg)
{
	const char *lk = json_string_value(json_object_get(page, "kind"));
	const char *av = json_string_value(json_object_get(page, "apiVersion"));
	char *kind = NULL;
	size_t n = lk ? strlen(lk) : 0;
	if (n > 4 && strcmp(lk + n - 4, "List") == 0)
		kind = xstrndup(lk, n - 4);
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(page, "items"), i, it) {
		if (!json_is_object(it))
			continue;
		if (kind && !json_is_string(json_object_get(it, "kind")))
			json_object_set_new(it, "kind", json_string(kind));
		if (av && !json_is_string(json_object_get(it, "apiVersion")))
			json_object_set_new(it, "apiVersion", json_string(av));
		if (each != NULL)
			each(it, arg);
		json_array_append(items, it);
	}
	free(kind);
}

int kube_list(struct kube_client *c, const char *path, const char *query, json_t **items,
	      char **resource_version, struct kube_error *err)
{
	return kube_list_each(c, path, query, NULL, NULL, items, resource_version, err);
}

int kube_list_each(struct kube_client *c, const char *path, const char *query, kube_item_fn each,
		   void *arg, json_t **items, char **resource_version, struct kube_error *err)
{
	json_t *all = json_array();
	char *cont = NULL, *rv = NULL;
	bool restarted = false;
	int limit = LIST_PAGE;
	*items = NULL;
	if (resource_version)
		*resource_version = NULL;
	for (;;) {
		char *url = list_url(path, query, cont, limit);
		json_t *page = NULL;
		int rc = kube_get(c, url, &page, err);
		free(url);
		if (rc != 0 && strcmp(err->reason, "ResponseTooLarge") == 0 &&
		    limit > LIST_PAGE_MIN) {
			/* objects this large: the same page again, with fewer of them */
			limit /= 10;
			continue;
		}
		if (rc != 0 && cont && err->http_code == 410 && !restarted) {
			/* the continue token expired: start the list again, once */
			restarted = true;
			json_array_clear(all);
			safefree(cont);
			continue;
		}
		if (rc != 0)
			break;
		if (!json_is_object(page) || !json_is_array(json_object_get(page, "items"))) {
			kube_error_set(err, 200, "InvalidList",
				       "invalid JSON from \"%s\": not a list", path);
			json_decref(page);
			break;
		}
		list_take(page, all, each, arg);
		json_t *meta = json_object_get(page, "metadata");
		const char *next = json_string_value(json_object_get(meta, "continue"));
		const char *prv = json_string_value(json_object_get(meta, "resourceVersion"));
		free(rv);
		rv = prv ? xstrdup(prv) : NULL;
		free(cont);
		cont = next && *next ? xstrdup(next) : NULL;
		json_decref(page);
		if (cont == NULL) {
			*items = all;
			if (resource_version)
				*resource_version = rv;
			else
				free(rv);
			return 0;
		}
	}
	free(cont);
	free(rv);
	json_decref(all);
	return -1;
}

/* ---- watch ---- */

struct watch_ctx {
	const char *path;
	kube_watch_fn fn;
	void *arg;
	struct kube_error *err;
	bool failed;
};

static int watch_line(const char *line, size_t len, void *arg)
{
	struct watch_ctx *w = arg;
	json_error_t je;
	json_t *ev = json_loadb(line, len, 0, &je);
	const char *type = json_string_value(json_object_get(ev, "type"));
	json_t *obj = json_object_get(ev, "object");
	int stop = 0;
	if (ev == NULL || type == NULL || !json_is_object(obj)) {
		kube_error_set(w->err, 200, "InvalidJSON", "invalid JSON from \"%s\": %s", w->path,
			       ev ? "not a watch event" : je.text);
		w->failed = true;
		stop = 1;
	} else if (strcmp(type, "ERROR") == 0) {
		kube_status_from_json(0, obj, w->err);
		w->failed = true;
		stop = 1;
	} else {
		stop = w->fn(type, obj, w->arg) != 0;
	}
	json_decref(ev);
	return stop;
}

#define WATCH_GRACE_MS 3000

int kube_watch(struct kube_client *c, const char *path, const char *query,
	       const char *resource_version, long timeout_s, kube_watch_fn fn, void *arg,
	       struct kube_error *err)
{
	if (timeout_s <= 0)
		timeout_s = 60;
	struct buf b = BUF_INIT;
	buf_init(&b);
	buf_addf(&b, "%s%cwatch=1&allowWatchBookmarks=true&timeoutSeconds=%ld", path,
		 strchr(path, '?') ? '&' : '?', timeout_s);
	if (query && *query)
		buf_addf(&b, "&%s", query);
	if (resource_version && *resource_version) {
		char *e = url_escape(resource_version);
		buf_addf(&b, "&resourceVersion=%s", e);
		free(e);
	}
	char *url = buf_detach(&b, NULL);
	struct watch_ctx w = {.path = path, .fn = fn, .arg = arg, .err = err};
	/* The server ends the watch after timeoutSeconds, counted from when the request
	 * reached it: the client waits a little longer, so that a watch that simply saw
	 * no event ends as the server ends it (rc 0), not as a client-side timeout. */
	struct kube_stream st = {
	    .fn = watch_line, .arg = &w, .timeout_ms = timeout_s * 1000 + WATCH_GRACE_MS};
	struct kube_req req = {.method = "GET", .path = url};
	struct kube_resp r;
	int rc = kube_http_request(c, &req, &st, &r, err);
	free(url);
	if (rc != 0)
		return -1;
	if (r.code < 200 || r.code > 299) {
		kube_status_decode(r.code, path, r.body, r.len, err);
		rc = -1;
	} else if (w.failed) {
		rc = -1;
	}
	kube_resp_release(&r);
	return rc;
}

/* ---- API proxy ---- */

int kube_proxy_get(struct kube_client *c, const char *path, char **body, size_t *len,
		   struct kube_error *err)
{
	struct kube_req req = {.method = "GET", .path = path, .accept = "*/*"};
	struct kube_resp r;
	*body = NULL;
	*len = 0;
	if (kube_request(c, &req, &r, err) != 0)
		return -1;
	if (r.code < 200 || r.code > 299) {
		kube_status_decode(r.code, path, r.body, r.len, err);
		kube_resp_release(&r);
		return -1;
	}
	*body = r.body;
	*len = r.len;
	r.body = NULL;
	kube_resp_release(&r);
	return 0;
}
