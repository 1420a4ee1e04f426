/* http.c: authenticated HTTPS requests to the API server with libcurl: pooled easy
 * handles, a shared DNS cache, credentials, timeouts, cancellation, retries with backoff
 * and Retry-After, the body and total limits, streaming, statistics and one-line transport errors.
 */
#include "kube/internal.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/xmalloc.h"
#include "util/clock.h"

#define RETRY_AFTER_CAP_MS 30000L
#define BACKOFF_CAP_MS 10000L
#define TOKEN_REREAD_MS 60000LL

/* One transfer attempt. */
struct xfer {
	struct kube_client *c;
	const char *path;
	struct kube_stream *st;
	CURL *h;
	struct buf body;
	struct buf line;
	bool decided;	/* stream: whether the answer is a 2xx stream was checked */
	bool streaming; /* stream: lines go to st->fn */
	bool oversize;
	bool over_budget; /* the client's total_limit was reached */
	bool cancelled;
	bool deadline;
};

/* ---- the shared DNS cache ---- */

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *arg)
{
	(void)h;
	(void)access;
	struct kube_client *c = arg;
	pthread_mutex_lock(&c->share_lock[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *arg)
{
	(void)h;
	struct kube_client *c = arg;
	pthread_mutex_unlock(&c->share_lock[data]);
}

/* Builds url_base (and connect_to for tls-server-name) from the server URL. */
static int http_base(struct kube_client *c, char **cause)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *url = NULL;
	int rc = -1;
	if (curl_url_set(u, CURLUPART_URL, c->cfg.server, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
		*cause = xasprintf("server \"%s\" is not a valid URL", c->cfg.server);
		goto out;
	}
	curl_url_set(u, CURLUPART_QUERY, NULL, 0);
	curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
	if (c->cfg.tls_server_name && *c->cfg.tls_server_name) {
		/* connect to the server's address, but send SNI and verify the certificate
		 * for tls-server-name, as kubectl does */
		if (curl_url_set(u, CURLUPART_HOST, c->cfg.tls_server_name, 0) != CURLUE_OK) {
			*cause = xasprintf("tls-server-name \"%s\" is not a valid host name",
					   c->cfg.tls_server_name);
			goto out;
		}
		curl_url_set(u, CURLUPART_PORT, port, 0);
		c->connect_to = xasprintf("%s:%s:%s:%s", c->cfg.tls_server_name, port, host, port);
	}
	if (curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK) {
		*cause = xasprintf("server \"%s\" is not a valid URL", c->cfg.server);
		goto out;
	}
	size_t n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	c->url_base = xstrndup(url, n);
	rc = 0;
out:
	curl_free(host);
	curl_free(port);
	curl_free(url);
	curl_url_cleanup(u);
	return rc;
}

int kube_http_init(struct kube_client *c, char **cause)
{
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&c->share_lock[i], NULL);
	pthread_mutex_init(&c->pool_lock, NULL);
	pthread_mutex_init(&c->token_lock, NULL);
	kube_exec_init(&c->exec);
	c->share = curl_share_init();
	if (c->share == NULL) {
		*cause = xstrdup("cannot initialise libcurl");
		return -1;
	}
	/* Only the DNS cache is shared: libcurl 7.88 does not support sharing connections
	 * between concurrent threads, so each pooled easy handle keeps its own. */
	curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(c->share, CURLSHOPT_USERDATA, c);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	if (c->cfg.token)
		c->token = xstrdup(c->cfg.token);
	c->token_read_ms = now_ms();
	return http_base(c, cause);
}

void kube_http_release(struct kube_client *c)
{
	for (size_t i = 0; i < c->npool; i++)
		curl_easy_cleanup(c->pool[i]);
	c->npool = 0;
	if (c->share)
		curl_share_cleanup(c->share);
	c->share = NULL;
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&c->share_lock[i]);
	pthread_mutex_destroy(&c->pool_lock);
	pthread_mutex_destroy(&c->token_lock);
	if (c->token) {
		OPENSSL_cleanse(c->token, strlen(c->token));
		free(c->token);
	}
	kube_exec_release(&c->exec);
	free(c->url_base);
	free(c->connect_to);
}

static CURL *pool_take(struct kube_client *c)
{
	CURL *h = NULL;
	pthread_mutex_lock(&c->pool_lock);
	if (c->npool > 0)
		h = c->pool[--c->npool];
	pthread_mutex_unlock(&c->pool_lock);
	return h ? h : curl_easy_init();
}

/* Returns a handle; it keeps its live connections for the next request. */
static void pool_give(struct kube_client *c, CURL *h)
{
	curl_easy_reset(h);
	pthread_mutex_lock(&c->pool_lock);
	if (c->npool < KUBE_POOL_MAX) {
		c->pool[c->npool++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&c->pool_lock);
	if (h)
		curl_easy_cleanup(h);
}

/* ---- credentials ---- */

/* Re-reads token_file; keeps the old token when the file cannot be read. */
static void token_reread(struct kube_client *c)
{
	char *data = NULL, *cause = NULL;
	size_t len;
	c->token_read_ms = now_ms();
	if (kube_read_file(c->cfg.token_file, (size_t)16 << 20, &data, &len, &cause) != 0) {
		log_debug("keeping the token: %s", cause);
		free(cause);
		return;
	}
	data[strcspn(data, "\r\n")] = '\0';
	if (*data == '\0') {
		free(data);
		return;
	}
	log_add_secret(data);
	if (c->token) {
		OPENSSL_cleanse(c->token, strlen(c->token));
		free(c->token);
	}
	c->token = data;
}

/* The credential for the next request; refresh after a 401. */
static int auth_get(struct kube_client *c, bool refresh, struct kube_cred *cred,
		    struct kube_error *err)
{
	memset(cred, 0, sizeof(*cred));
	if (c->cfg.exec) {
		char *cause = NULL;
		if (refresh)
			kube_exec_invalidate(&c->exec);
		if (kube_exec_credential(&c->exec, &c->cfg, cred, &cause) != 0) {
			kube_error_set(err, 0, "Unauthorized", "%s", cause);
			free(cause);
			return -1;
		}
		return 0;
	}
	pthread_mutex_lock(&c->token_lock);
	if (c->cfg.token_file && (refresh || now_ms() - c->token_read_ms > TOKEN_REREAD_MS))
		token_reread(c);
	cred->token = c->token ? xstrdup(c->token) : NULL;
	pthread_mutex_unlock(&c->token_lock);
	return 0;
}

/* ---- callbacks ---- */

static size_t stream_lines(struct xfer *x, const char *p, size_t n)
{
	buf_add(&x->line, p, n);
	for (;;) {
		char *nl = memchr(x->line.data, '\n', x->line.len);
		if (nl == NULL)
			break;
		size_t len = (size_t)(nl - x->line.data);
		size_t ll = len;
		if (ll > 0 && x->line.data[ll - 1] == '\r')
			ll--;
		x->line.data[ll] = '\0';
		int stop = ll > 0 ? x->st->fn(x->line.data, ll, x->st->arg) : 0;
		if (ll > 0)
			x->st->delivered = true;
		memmove(x->line.data, nl + 1, x->line.len - len - 1);
		x->line.len -= len + 1;
		x->line.data[x->line.len] = '\0';
		if (stop) {
			x->st->stopped = true;
			return 0;
		}
	}
	if (x->line.len > x->c->body_limit) {
		x->oversize = true;
		return 0;
	}
	return n;
}

static size_t on_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;
	unsigned long long before = atomic_fetch_add(&x->c->bytes_in, n);
	if (x->c->total_limit && before + n > x->c->total_limit) {
		x->over_budget = true;
		return 0;
	}
	if (x->st && !x->decided) {
		long code = 0;
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
		x->streaming = code >= 200 && code < 300;
		x->decided = true;
	}
	if (x->streaming)
		return stream_lines(x, p, n);
	if (n > x->c->body_limit - x->body.len) {
		x->oversize = true;
		return 0;
	}
	buf_add(&x->body, p, n);
	return n;
}

static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	struct xfer *x = arg;
	if (x->c->cancel && *x->c->cancel) {
		x->cancelled = true;
		return 1;
	}
	if (x->c->deadline_ms && now_ms() >= x->c->deadline_ms) {
		x->deadline = true;
		return 1;
	}
	return 0;
}

/* ---- one attempt ---- */

static struct curl_slist *headers_for(const struct kube_req *req, const char *token)
{
	struct curl_slist *hl = NULL;
	char *h = xasprintf("Accept: %s", req->accept ? req->accept : "application/json");
	hl = curl_slist_append(hl, h);
	free(h);
	if (req->content_type) {
		h = xasprintf("Content-Type: %s", req->content_type);
		hl = curl_slist_append(hl, h);
		free(h);
	}
	hl = curl_slist_append(hl, "Expect:");
	if (token) {
		h = xasprintf("Authorization: Bearer %s", token);
		hl = curl_slist_append(hl, h);
		OPENSSL_cleanse(h, strlen(h));
		free(h);
	}
	return hl;
}

static void headers_free(struct curl_slist *hl)
{
	for (struct curl_slist *p = hl; p; p = p->next)
		OPENSSL_cleanse(p->data, strlen(p->data));
	curl_slist_free_all(hl);
}

static void set_tls(struct kube_client *c, CURL *h, const struct kube_cred *cred)
{
	const struct kube_config *cfg = &c->cfg;
	if (cfg->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (cfg->ca_pem) {
		struct curl_blob ca = {cfg->ca_pem, cfg->ca_len, CURL_BLOB_COPY};
		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
	}
	const char *cert = cred->cert_pem ? cred->cert_pem : cfg->cert_pem;
	size_t cert_len = cred->cert_pem ? cred->cert_len : cfg->cert_len;
	const char *key = cred->cert_pem ? cred->key_pem : cfg->key_pem;
	size_t key_len = cred->cert_pem ? cred->key_len : cfg->key_len;
	if (cert && key) {
		struct curl_blob cb = {(void *)cert, cert_len, CURL_BLOB_COPY};
		struct curl_blob kb = {(void *)key, key_len, CURL_BLOB_COPY};
		curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cb);
		curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
		curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &kb);
		curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
	}
}

static void set_method(CURL *h, const struct kube_req *req)
{
	const char *m = req->method ? req->method : "GET";
	if (strcmp(m, "HEAD") == 0)
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	else if (strcmp(m, "GET") != 0)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
	if (req->body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
	}
}

struct attempt {
	CURLcode rc;
	char errbuf[CURL_ERROR_SIZE];
	long timeout_ms;
	bool capped; /* timeout_ms was cut to the run's deadline */
	bool connected;
	int os_errno;
	long retry_after_ms; /* -1 when absent */
};

static long retry_after(CURL *h)
{
	struct curl_header *hdr = NULL;
	if (curl_easy_header(h, "Retry-After", 0, CURLH_HEADER, -1, &hdr) != CURLHE_OK)
		return -1;
	char *end;
	long s = strtol(hdr->value, &end, 10);
	if (end != hdr->value && *end == '\0' && s >= 0)
		return s > RETRY_AFTER_CAP_MS / 1000 ? RETRY_AFTER_CAP_MS : s * 1000;
	time_t t = curl_getdate(hdr->value, NULL);
	if (t < 0)
		return -1;
	long d = (long)(t - time(NULL));
	return d <= 0 ? 0 : d > RETRY_AFTER_CAP_MS / 1000 ? RETRY_AFTER_CAP_MS : d * 1000;
}

static void attempt_setup(struct kube_client *c, struct xfer *x, const struct kube_req *req,
			  struct attempt *a, char *url, struct curl_slist *hl,
			  struct curl_slist *ct)
{
	CURL *h = x->h;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_SHARE, c->share);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, a->errbuf);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, a->timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, a->timeout_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
	if (ct)
		curl_easy_setopt(h, CURLOPT_CONNECT_TO, ct);
	if (c->cfg.proxy_url)
		curl_easy_setopt(h, CURLOPT_PROXY, c->cfg.proxy_url);
	set_method(h, req);
}

/* Sends the request once. Returns 0 when an HTTP answer came (resp filled), -1 on a
 * transport failure (a->rc says which). */
static int attempt_once(struct kube_client *c, const struct kube_req *req, struct kube_stream *st,
			const struct kube_cred *cred, struct attempt *a, struct xfer *x,
			struct kube_resp *resp)
{
	memset(x, 0, sizeof(*x));
	x->c = c;
	x->path = req->path;
	x->st = st;
	buf_init(&x->body);
	buf_init(&x->line);
	x->h = pool_take(c);
	char *url = xasprintf("%s%s", c->url_base, req->path);
	struct curl_slist *hl = headers_for(req, cred->token);
	struct curl_slist *ct = c->connect_to ? curl_slist_append(NULL, c->connect_to) : NULL;
	attempt_setup(c, x, req, a, url, hl, ct);
	set_tls(c, x->h, cred);
	atomic_fetch_add(&c->requests, 1);
	atomic_fetch_add(&c->bytes_out, req->body_len);
	a->errbuf[0] = '\0';
	a->rc = curl_easy_perform(x->h);
	long code = 0;
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
	curl_off_t conn = 0;
	curl_easy_getinfo(x->h, CURLINFO_CONNECT_TIME_T, &conn);
	a->connected = conn > 0 || code > 0;
	long oserr = 0;
	curl_easy_getinfo(x->h, CURLINFO_OS_ERRNO, &oserr);
	a->os_errno = (int)oserr;
	a->retry_after_ms = code ? retry_after(x->h) : -1;
	char *ctype = NULL;
	curl_easy_getinfo(x->h, CURLINFO_CONTENT_TYPE, &ctype);
	resp->code = code;
	resp->content_type = ctype ? xstrdup(ctype) : NULL;
	pool_give(c, x->h);
	x->h = NULL;
	headers_free(hl);
	curl_slist_free_all(ct);
	free(url);
	bool stream_end = st && (a->rc == CURLE_OK ||
				 (a->rc == CURLE_OPERATION_TIMEDOUT && x->streaming && !a->capped));
	if (stream_end && x->streaming && x->line.len > 0 && !st->stopped) {
		st->fn(x->line.data, x->line.len, st->arg); /* a last line without newline */
		st->delivered = true;
	}
	if (st && x->streaming && a->rc == CURLE_OPERATION_TIMEDOUT && !a->capped)
		st->timed_out = true;
	bool ok = a->rc == CURLE_OK || (st && (st->stopped || st->timed_out) && !x->oversize &&
					!x->over_budget && !x->cancelled && !x->deadline);
	buf_release(&x->line);
	if (!ok) {
		free(resp->content_type);
		resp->content_type = NULL;
		return -1;
	}
	resp->body = buf_detach(&x->body, &resp->len);
	return 0;
}

/* ---- errors ---- */

static void fmt_size(size_t n, char *out, size_t outlen)
{
	if (n % ((size_t)1 << 30) == 0)
		snprintf(out, outlen, "%zu GiB", n >> 30);
	else if (n % ((size_t)1 << 20) == 0)
		snprintf(out, outlen, "%zu MiB", n >> 20);
	else if (n % 1024 == 0)
		snprintf(out, outlen, "%zu KiB", n >> 10);
	else
		snprintf(out, outlen, "%zu bytes", n);
}

/* "GET /api/v1/pods": the method and the path without its query. */
static void req_name(const struct kube_req *req, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s %.*s", req->method ? req->method : "GET",
		 (int)strcspn(req->path, "?"), req->path);
}

static void budget_error(struct kube_client *c, const struct kube_req *req, bool sent,
			 struct kube_error *err)
{
	char size[32], what[300];
	fmt_size((size_t)c->total_limit, size, sizeof(size));
	req_name(req, what, sizeof(what));
	kube_error_set(err, 0, "OverBudget",
		       "%s %s: the run has read --max-total-bytes (%s) from the server", what,
		       sent ? "stopped" : "not sent", size);
}

static void transport_error(struct kube_client *c, const struct kube_req *req,
			    const struct attempt *a, const struct xfer *x, struct kube_error *err)
{
	const char *srv = c->cfg.server;
	const char *eb = a->errbuf[0] ? a->errbuf : curl_easy_strerror(a->rc);
	char size[32], what[300];
	if (x->oversize) {
		fmt_size(c->body_limit, size, sizeof(size));
		req_name(req, what, sizeof(what));
		kube_error_set(err, 0, "ResponseTooLarge",
			       "response from %s exceeds --max-response-bytes (%s)", what, size);
	} else if (x->over_budget) {
		budget_error(c, req, true, err);
	} else if (x->cancelled) {
		kube_error_set(err, 0, "Cancelled", "request to \"%s\" cancelled", req->path);
	} else if (x->deadline) {
		kube_error_set(err, 0, "Timeout",
			       "request to \"%s\" stopped: the run's deadline "
			       "passed",
			       req->path);
	} else if (a->rc == CURLE_COULDNT_CONNECT) {
		kube_error_set(err, 0, "ConnectionFailed", "cannot connect to \"%s\": %s", srv,
			       a->os_errno == ECONNREFUSED ? "connection refused"
			       : a->os_errno		   ? strerror(a->os_errno)
							   : eb);
	} else if (a->rc == CURLE_COULDNT_RESOLVE_HOST || a->rc == CURLE_COULDNT_RESOLVE_PROXY) {
		kube_error_set(err, 0, "ConnectionFailed", "cannot connect to \"%s\": %s", srv, eb);
	} else if (a->rc == CURLE_PEER_FAILED_VERIFICATION) {
		kube_error_set(err, 0, "TLSError",
			       "cannot connect to \"%s\": TLS certificate verification failed (%s)",
			       srv, eb);
	} else if (a->rc == CURLE_SSL_CONNECT_ERROR || a->rc == CURLE_SSL_CERTPROBLEM ||
		   a->rc == CURLE_SSL_CIPHER || a->rc == CURLE_SSL_ENGINE_INITFAILED) {
		kube_error_set(err, 0, "TLSError",
			       "cannot connect to \"%s\": TLS handshake failed "
			       "(%s)",
			       srv, eb);
	} else if (a->rc == CURLE_OPERATION_TIMEDOUT && !a->connected) {
		kube_error_set(err, 0, "Timeout",
			       "cannot connect to \"%s\": timed out after %ld ms", srv,
			       a->timeout_ms);
	} else if (a->rc == CURLE_OPERATION_TIMEDOUT) {
		kube_error_set(err, 0, "Timeout", "request to \"%s%s\" timed out after %ld ms", srv,
			       req->path, a->timeout_ms);
	} else {
		kube_error_set(err, 0, "ConnectionFailed", "request to \"%s%s\" failed: %s", srv,
			       req->path, eb);
	}
}

/* ---- the retry loop ---- */

static bool idempotent(const char *m)
{
	return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "DELETE") == 0 ||
	       strcmp(m, "OPTIONS") == 0;
}

static bool retry_code(long code, bool idem)
{
	return code == 429 || (idem && (code == 500 || code == 502 || code == 503 || code == 504));
}

static bool retry_transport(CURLcode rc, bool idem)
{
	return idem &&
	       (rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING ||
		rc == CURLE_PARTIAL_FILE || rc == CURLE_HTTP2 || rc == CURLE_HTTP2_STREAM);
}

/* Sleeps ms, waking early when cancelled. Returns -1 when cancelled. */
static int nap(struct kube_client *c, long ms)
{
	long long end = now_ms() + ms;
	for (;;) {
		if (c->cancel && *c->cancel)
			return -1;
		long long left = end - now_ms();
		if (left <= 0)
			return 0;
		long slice = left > 50 ? 50 : (long)left;
		struct timespec ts = {slice / 1000, (slice % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
}

static long backoff(struct kube_client *c, int attempt, unsigned *seed)
{
	long d = c->backoff_ms;
	for (int i = 0; i < attempt && d < BACKOFF_CAP_MS; i++)
		d *= 2;
	if (d > BACKOFF_CAP_MS)
		d = BACKOFF_CAP_MS;
	return d / 2 + (long)(rand_r(seed) % (unsigned)(d / 2 + 1));
}

/* The attempt's time limit; -1 when the run's deadline already passed, -2 when the run
 * was cancelled. */
static long attempt_timeout(struct kube_client *c, const struct kube_stream *st, struct attempt *a)
{
	if (c->cancel && *c->cancel)
		return -2;
	long t = st && st->timeout_ms > 0 ? st->timeout_ms : c->timeout_ms;
	a->capped = false;
	if (c->deadline_ms) {
		long long left = c->deadline_ms - now_ms();
		if (left <= 0)
			return -1;
		if (left < t) {
			t = (long)left;
			a->capped = true;
		}
	}
	return t;
}

int kube_http_request(struct kube_client *c, const struct kube_req *req, struct kube_stream *st,
		      struct kube_resp *resp, struct kube_error *err)
{
	const char *method = req->method ? req->method : "GET";
	bool idem = idempotent(method);
	bool refreshed = false;
	unsigned seed = (unsigned)now_ms() ^ (unsigned)(uintptr_t)&seed;
	memset(resp, 0, sizeof(*resp));
	struct kube_cred cred;
	if (auth_get(c, false, &cred, err) != 0)
		return -1;
	for (int attempt = 0;; attempt++) {
		struct attempt a = {0};
		struct xfer x;
		a.timeout_ms = attempt_timeout(c, st, &a);
		if (a.timeout_ms == -2) {
			kube_error_set(err, 0, "Cancelled", "request to \"%s\" cancelled",
				       req->path);
			break;
		}
		if (a.timeout_ms < 0) {
			kube_error_set(err, 0, "Timeout",
				       "request to \"%s\" not sent: the run's "
				       "deadline passed",
				       req->path);
			break;
		}
		if (c->total_limit && atomic_load(&c->bytes_in) >= c->total_limit) {
			budget_error(c, req, false, err);
			break;
		}
		long long t0 = now_ms();
		int rc = attempt_once(c, req, st, &cred, &a, &x, resp);
		bool delivered = st && st->delivered;
		long delay = -1;
		if (rc == 0) {
			log_debug("%s %s: %ld (%lld ms, %zu bytes)", method, req->path, resp->code,
				  now_ms() - t0, resp->len);
			if (resp->code == 401 && !refreshed && (c->cfg.exec || c->cfg.token_file)) {
				refreshed = true;
				kube_cred_release(&cred);
				kube_resp_release(resp);
				if (auth_get(c, true, &cred, err) != 0)
					return -1;
				attempt--;
				continue;
			}
			if (retry_code(resp->code, idem) && !delivered)
				delay = a.retry_after_ms >= 0 ? a.retry_after_ms
							      : backoff(c, attempt, &seed);
		} else {
			transport_error(c, req, &a, &x, err);
			buf_release(&x.body);
			log_debug("%s %s: %s", method, req->path, err->message);
			if (retry_transport(a.rc, idem) && !delivered && !x.oversize &&
			    !x.over_budget && !x.cancelled && !x.deadline)
				delay = backoff(c, attempt, &seed);
		}
		if (delay < 0 || attempt >= c->max_retries ||
		    (c->deadline_ms && now_ms() + delay >= c->deadline_ms)) {
			kube_cred_release(&cred);
			return rc;
		}
		log_debug("retrying %s %s in %ld ms", method, req->path, delay);
		if (rc == 0)
			kube_resp_release(resp);
		if (nap(c, delay) != 0) {
			kube_error_set(err, 0, "Cancelled", "request to \"%s\" cancelled",
				       req->path);
			break;
		}
		atomic_fetch_add(&c->retries, 1);
	}
	kube_cred_release(&cred);
	return -1;
}

int kube_request(struct kube_client *c, const struct kube_req *req, struct kube_resp *resp,
		 struct kube_error *err)
{
	return kube_http_request(c, req, NULL, resp, err);
}

void kube_resp_release(struct kube_resp *resp)
{
	if (resp == NULL)
		return;
	free(resp->body);
	free(resp->content_type);
	memset(resp, 0, sizeof(*resp));
}
