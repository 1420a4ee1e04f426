/* httpc.c: bounded HTTP exchanges with libcurl (httpc.h). */
#include "httpc.h"

#include <curl/curl.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/xmalloc.h"

struct xfer {
	const struct httpc_req *req;
	struct httpc_resp *resp;
	size_t got;
	bool too_large;
};

void httpc_resp_init(struct httpc_resp *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->body);
}

void httpc_resp_release(struct httpc_resp *r)
{
	free(r->redirect);
	buf_release(&r->body);
	memset(r, 0, sizeof(*r));
}

static void header_value(const char *line, size_t n, const char *name, char *out, size_t outlen)
{
	size_t k = strlen(name);
	if (n <= k + 1 || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return;
	const char *v = line + k + 1;
	const char *end = line + n;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && isspace((unsigned char)end[-1]))
		end--;
	size_t len = (size_t)(end - v) < outlen - 1 ? (size_t)(end - v) : outlen - 1;
	memcpy(out, v, len);
	out[len] = '\0';
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;
	if (len > 5 && !strncmp(p, "HTTP/", 5)) { /* a new answer (after 100 Continue) */
		x->resp->content_type[0] = '\0';
		x->resp->session_id[0] = '\0';
	}
	header_value(p, len, "Content-Type", x->resp->content_type, sizeof(x->resp->content_type));
	header_value(p, len, "Mcp-Session-Id", x->resp->session_id, sizeof(x->resp->session_id));
	return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;
	if (x->got + len > x->req->max_bytes) {
		x->too_large = true;
		return 0;
	}
	x->got += len;
	if (x->req->on_data) {
		if (x->req->on_data(p, len, x->req->arg)) {
			x->resp->stopped = true;
			return 0;
		}
		return len;
	}
	buf_add(&x->resp->body, p, len);
	return len;
}

static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)dt, (void)dn, (void)ut, (void)un;
	const struct xfer *x = arg;
	return x->req->cancel && atomic_load(x->req->cancel) ? 1 : 0;
}

static struct curl_slist *slist(const char *const *v)
{
	struct curl_slist *l = NULL;
	for (size_t i = 0; v && v[i]; i++) {
		struct curl_slist *t = curl_slist_append(l, v[i]);
		if (!t)
			break;
		l = t;
	}
	return l;
}

static void setup(CURL *h, struct xfer *x, struct curl_slist *hdrs, struct curl_slist *res)
{
	const struct httpc_req *req = x->req;
	curl_easy_setopt(h, CURLOPT_URL, req->url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : 10000L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "kaic-agentd/" KAIC_VERSION);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_bytes);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
	if (hdrs)
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	if (res)
		curl_easy_setopt(h, CURLOPT_RESOLVE, res);
	if (req->body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(req->body));
	}
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
}

int httpc_do(const struct httpc_req *req, struct httpc_resp *resp, char *err, size_t errlen)
{
	CURL *h = curl_easy_init();
	if (!h) {
		snprintf(err, errlen, "cannot start an HTTP client");
		return -1;
	}
	struct xfer x = {.req = req, .resp = resp};
	struct curl_slist *hdrs = slist(req->headers);
	struct curl_slist *res = slist(req->resolve);
	char cerr[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	setup(h, &x, hdrs, res);
	CURLcode rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->code);
	int out = 0;
	if (x.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(err, errlen, "%s %s: the answer is larger than %zu bytes", req->method,
			 req->url, req->max_bytes);
		out = -1;
	} else if (rc == CURLE_WRITE_ERROR && resp->stopped) {
		out = 0;
	} else if (rc == CURLE_ABORTED_BY_CALLBACK) {
		snprintf(err, errlen, "%s %s: cancelled", req->method, req->url);
		out = -1;
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		snprintf(err, errlen, "%s %s: no complete answer within %ld ms", req->method,
			 req->url, req->timeout_ms);
		out = -1;
	} else if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s %s: %s", req->method, req->url,
			 cerr[0] ? cerr : curl_easy_strerror(rc));
		out = -1;
	}
	char *loc = NULL;
	if (out == 0 && resp->code >= 300 && resp->code < 400 &&
	    curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc)
		resp->redirect = xstrdup(loc);
	curl_slist_free_all(hdrs);
	curl_slist_free_all(res);
	curl_easy_cleanup(h);
	return out;
}

static bool origin(const char *url, char **scheme, char **host, char **port)
{
	CURLU *u = curl_url();
	bool ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_SCHEME, scheme, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_HOST, host, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_PORT, port, CURLU_DEFAULT_PORT) == CURLUE_OK;
	curl_url_cleanup(u);
	return ok;
}

bool httpc_same_origin(const char *a, const char *b)
{
	char *s1 = NULL, *h1 = NULL, *p1 = NULL, *s2 = NULL, *h2 = NULL, *p2 = NULL;
	bool same = origin(a, &s1, &h1, &p1) && origin(b, &s2, &h2, &p2) && !strcasecmp(s1, s2) &&
		    !strcasecmp(h1, h2) && !strcmp(p1, p2);
	curl_free(s1), curl_free(h1), curl_free(p1);
	curl_free(s2), curl_free(h2), curl_free(p2);
	return same;
}

bool httpc_media_is(const char *ct, const char *mt)
{
	size_t n = strlen(mt);
	if (!ct || strncasecmp(ct, mt, n) != 0)
		return false;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}
