/* httpc.h: one bounded HTTP exchange with libcurl for kaic-agentd's probes: a time
 * limit for the whole exchange, a size limit on the answer, no redirects followed (the
 * caller decides, see httpc_same_origin), TLS verified, http and https only. */
#ifndef KAIC_AGENTD_HTTPC_H
#define KAIC_AGENTD_HTTPC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* Called with each piece of the body as it arrives; non-zero stops the transfer, which
 * then counts as complete (resp->stopped). */
typedef int (*httpc_data_fn)(const char *p, size_t n, void *arg);

struct httpc_req {
	const char *method; /* "GET", "POST" */
	const char *url;
	const char *body;	    /* NULL: none */
	const char *const *headers; /* NULL-terminated "Name: value" lines, may be NULL */
	long timeout_ms;	    /* the whole exchange */
	size_t max_bytes;	    /* the most body bytes read */
	httpc_data_fn on_data;	    /* NULL: the body is kept in resp->body */
	void *arg;
	const char *const *resolve; /* curl's "HOST:PORT:ADDR" overrides, may be NULL */
	const atomic_int *cancel;   /* non-zero stops the transfer */
};

struct httpc_resp {
	long code;
	char content_type[128];
	char session_id[256]; /* Mcp-Session-Id */
	char *redirect;	      /* absolute URL of a 3xx Location (caller frees) */
	struct buf body;
	bool stopped; /* on_data stopped it */
};

void httpc_resp_init(struct httpc_resp *r);
void httpc_resp_release(struct httpc_resp *r);
/* 0 when an HTTP answer came (any status); -1 with err on a transport error, a TLS
 * error, the time limit, an answer over max_bytes or cancellation. */
int httpc_do(const struct httpc_req *req, struct httpc_resp *resp, char *err, size_t errlen);
/* Whether b has a's scheme, host and port. */
bool httpc_same_origin(const char *a, const char *b);
/* Whether the content type's media type is mt (parameters and case ignored). */
bool httpc_media_is(const char *content_type, const char *mt);

#endif
