/* probe.c: the endpoint probes (probe.h). */
#include "probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpc.h"
#include "mcp.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/xmalloc.h"

#define MAX_REDIRECTS 3

/* ---- MCP over streamable HTTP ---- */

struct mcp_ctx {
	const struct probe_target *t;
	char url[2048];
	char session[256];
	char err[400];
};

/* What one POST is waiting for: the response to id, seen in a JSON body or an SSE
 * stream. */
struct wait {
	struct httpc_resp *resp;
	long id;
	struct mcp_sse sse;
	struct buf json;
	json_t *result;
	int state; /* 0 waiting, 1 got result, -1 error */
	char err[300];
};

static int on_sse_event(const char *event, const char *data, size_t len, void *arg)
{
	struct wait *w = arg;
	if (strcmp(event, "message") != 0)
		return 0;
	int rc = mcp_response(data, len, w->id, &w->result, w->err, sizeof(w->err));
	if (rc == 0)
		return 0;
	w->state = rc;
	return 1;
}

static int on_data(const char *p, size_t n, void *arg)
{
	struct wait *w = arg;
	if (httpc_media_is(w->resp->content_type, "text/event-stream")) {
		int rc = mcp_sse_feed(&w->sse, p, n, on_sse_event, w);
		if (rc < 0) {
			snprintf(w->err, sizeof(w->err), "an SSE event over %zu bytes",
				 MCP_SSE_EVENT_MAX);
			w->state = -1;
			return 1;
		}
		return rc;
	}
	buf_add(&w->json, p, n);
	return 0;
}

static void headers(const struct mcp_ctx *m, bool initialized, const char **h, char *auth,
		    size_t alen, char *sess, size_t slen)
{
	size_t k = 0;
	h[k++] = "Content-Type: application/json";
	h[k++] = "Accept: application/json, text/event-stream";
	if (initialized)
		h[k++] = "MCP-Protocol-Version: " MCP_PROTOCOL_VERSION;
	if (m->session[0]) {
		snprintf(sess, slen, "Mcp-Session-Id: %s", m->session);
		h[k++] = sess;
	}
	if (m->t->token) {
		snprintf(auth, alen, "Authorization: Bearer %s", m->t->token);
		h[k++] = auth;
	}
	h[k] = NULL;
}

/* One POST of body; follows same-origin redirects. id < 0: a notification (any 2xx
 * will do). Returns 0 with *result for a request, -1 with m->err. */
static int post(struct mcp_ctx *m, const char *body, long id, bool initialized, json_t **result)
{
	const char *h[8];
	char auth[4200], sess[300];
	headers(m, initialized, h, auth, sizeof(auth), sess, sizeof(sess));
	for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
		struct httpc_resp resp;
		httpc_resp_init(&resp);
		struct wait w = {.resp = &resp, .id = id};
		mcp_sse_init(&w.sse);
		buf_init(&w.json);
		struct httpc_req req = {.method = "POST",
					.url = m->url,
					.body = body,
					.headers = h,
					.timeout_ms = m->t->timeout_ms,
					.max_bytes = m->t->max_bytes,
					.on_data = on_data,
					.arg = &w,
					.resolve = m->t->resolve,
					.cancel = m->t->cancel};
		int rc = httpc_do(&req, &resp, m->err, sizeof(m->err));
		bool redirect = false;
		if (rc == 0 && resp.code >= 300 && resp.code < 400) {
			if (resp.redirect && httpc_same_origin(m->url, resp.redirect) &&
			    strlen(resp.redirect) < sizeof(m->url)) {
				snprintf(m->url, sizeof(m->url), "%s", resp.redirect);
				redirect = true;
			} else {
				snprintf(
				    m->err, sizeof(m->err),
				    "POST answered HTTP %ld redirecting to %.180s: redirects to "
				    "another host are refused",
				    resp.code, resp.redirect ? resp.redirect : "(no Location)");
				rc = -1;
			}
		} else if (rc == 0 && (resp.code < 200 || resp.code > 299)) {
			snprintf(m->err, sizeof(m->err), "%.200s answered HTTP %ld", m->url,
				 resp.code);
			rc = -1;
		} else if (rc == 0 && id >= 0) {
			if (resp.session_id[0] && !m->session[0])
				snprintf(m->session, sizeof(m->session), "%s", resp.session_id);
			if (w.state == 0 && w.json.len > 0)
				w.state = mcp_response(w.json.data, w.json.len, id, &w.result,
						       w.err, sizeof(w.err));
			if (w.state == 1) {
				*result = w.result;
				w.result = NULL;
			} else {
				snprintf(m->err, sizeof(m->err), "%s",
					 w.state < 0
					     ? w.err
					     : "the answer held no response to the request");
				rc = -1;
			}
		}
		json_decref(w.result);
		mcp_sse_release(&w.sse);
		buf_release(&w.json);
		httpc_resp_release(&resp);
		if (!redirect)
			return rc;
	}
	snprintf(m->err, sizeof(m->err), "more than %d redirects", MAX_REDIRECTS);
	return -1;
}

static void mcp_fail(struct probe_result *r, const char *step, const char *why)
{
	r->ok = false;
	snprintf(r->reason, sizeof(r->reason), "ProbeFailed");
	snprintf(r->message, sizeof(r->message), "MCP %s: %s", step, why);
}

static int mcp_initialize(struct mcp_ctx *m, struct probe_result *r)
{
	json_t *params =
	    json_pack("{s:s, s:{}, s:{s:s, s:s}}", "protocolVersion", MCP_PROTOCOL_VERSION,
		      "capabilities", "clientInfo", "name", "kaic-agentd", "version", KAIC_VERSION);
	char *body = mcp_request(1, "initialize", params);
	json_t *res = NULL;
	int rc = post(m, body, 1, false, &res);
	free(body);
	if (rc != 0) {
		mcp_fail(r, "initialize", m->err);
		return -1;
	}
	rc = mcp_initialize_result(res, &r->server, m->err, sizeof(m->err));
	json_decref(res);
	if (rc != 0) {
		mcp_fail(r, "initialize", m->err);
		return -1;
	}
	body = mcp_request(-1, "notifications/initialized", NULL);
	rc = post(m, body, -1, true, NULL);
	free(body);
	if (rc != 0) {
		mcp_fail(r, "notifications/initialized", m->err);
		return -1;
	}
	return 0;
}

static int mcp_list(struct mcp_ctx *m, struct probe_result *r)
{
	char *cursor = NULL;
	r->tools = json_array();
	for (long page = 0; page < PROBE_MAX_PAGES; page++) {
		json_t *params = cursor ? json_pack("{s:s}", "cursor", cursor) : NULL;
		char *body = mcp_request(2 + page, "tools/list", params);
		json_t *res = NULL;
		free(cursor);
		cursor = NULL;
		int rc = post(m, body, 2 + page, true, &res);
		free(body);
		if (rc == 0)
			rc = mcp_tools_page(res, r->tools, &cursor, m->err, sizeof(m->err));
		json_decref(res);
		if (rc != 0) {
			mcp_fail(r, "tools/list", m->err);
			return -1;
		}
		if (!cursor)
			return 0;
	}
	free(cursor);
	char why[64];
	snprintf(why, sizeof(why), "more than %d pages", PROBE_MAX_PAGES);
	mcp_fail(r, "tools/list", why);
	return -1;
}

static void probe_mcp_http(const struct probe_target *t, struct probe_result *r)
{
	struct mcp_ctx m = {.t = t};
	snprintf(m.url, sizeof(m.url), "%s", t->url);
	if (mcp_initialize(&m, r) != 0 || mcp_list(&m, r) != 0)
		return;
	r->ok = true;
	snprintf(r->reason, sizeof(r->reason), "ProbeSucceeded");
	snprintf(r->message, sizeof(r->message),
		 "MCP initialize and tools/list answered at %.180s: %zu tools", m.url,
		 json_array_size(r->tools));
}

/* ---- MCP over the SSE transport ---- */

static void probe_mcp_sse(const struct probe_target *t, struct probe_result *r)
{
	(void)t;
	snprintf(r->reason, sizeof(r->reason), "ProbeFailed");
	snprintf(r->message, sizeof(r->message),
		 "MCP over the sse transport: kaic-agentd does not probe it yet");
}

/* ---- HTTP ---- */

static int discard(const char *p, size_t n, void *arg)
{
	(void)p, (void)n, (void)arg;
	return 1; /* the status line and headers are all the probe needs */
}

static void probe_http(const struct probe_target *t, struct probe_result *r)
{
	char url[2048], err[400], auth[4200];
	snprintf(url, sizeof(url), "%s", t->url);
	const char *h[2] = {NULL, NULL};
	if (t->token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", t->token);
		h[0] = auth;
	}
	snprintf(r->reason, sizeof(r->reason), "ProbeFailed");
	for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
		struct httpc_resp resp;
		httpc_resp_init(&resp);
		struct httpc_req req = {.method = "GET",
					.url = url,
					.headers = h,
					.timeout_ms = t->timeout_ms,
					.max_bytes = t->max_bytes,
					.on_data = discard,
					.resolve = t->resolve,
					.cancel = t->cancel};
		int rc = httpc_do(&req, &resp, err, sizeof(err));
		long code = resp.code;
		bool follow = false;
		if (rc != 0) {
			snprintf(r->message, sizeof(r->message), "HTTP %s", err);
		} else if (code >= 200 && code <= 299) {
			r->ok = true;
			snprintf(r->reason, sizeof(r->reason), "ProbeSucceeded");
			snprintf(r->message, sizeof(r->message), "GET %.180s answered HTTP %ld",
				 url, code);
		} else if (code >= 300 && code <= 399 && resp.redirect &&
			   httpc_same_origin(url, resp.redirect) &&
			   strlen(resp.redirect) < sizeof(url)) {
			snprintf(url, sizeof(url), "%s", resp.redirect);
			follow = true;
		} else if (code >= 300 && code <= 399) {
			snprintf(r->message, sizeof(r->message),
				 "GET %.180s answered HTTP %ld redirecting to %.180s: redirects to "
				 "another host are refused",
				 url, code, resp.redirect ? resp.redirect : "(no Location)");
		} else {
			snprintf(r->message, sizeof(r->message), "GET %.180s answered HTTP %ld",
				 url, code);
		}
		httpc_resp_release(&resp);
		if (!follow)
			return;
	}
	snprintf(r->message, sizeof(r->message), "GET %.180s: more than %d redirects", t->url,
		 MAX_REDIRECTS);
}

void probe_run(const struct probe_target *t, struct probe_result *r)
{
	memset(r, 0, sizeof(*r));
	double start = now_s();
	if (!strcmp(t->protocol, "GRPC")) {
		snprintf(r->reason, sizeof(r->reason), "ProtocolMismatch");
		snprintf(r->message, sizeof(r->message),
			 "kaic-agentd does not speak grpc.health.v1, so a GRPC tool cannot be "
			 "probed");
	} else if (!strcmp(t->protocol, "HTTP")) {
		probe_http(t, r);
	} else if (t->transport && !strcmp(t->transport, "sse")) {
		probe_mcp_sse(t, r);
	} else {
		probe_mcp_http(t, r);
	}
	r->seconds = now_s() - start;
	if (!r->ok) {
		json_decref(r->tools);
		json_decref(r->server);
		r->tools = r->server = NULL;
	}
}

void probe_result_release(struct probe_result *r)
{
	json_decref(r->tools);
	json_decref(r->server);
	r->tools = r->server = NULL;
}
