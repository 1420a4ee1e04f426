/* mcp.c: `kaic probe mcp`: a tiny MCP tool server (streamable HTTP transport, JSON
 * answers only) for WL-2.1: a controller that probes an AgentTool pointing at it must
 * find exactly its tools. POST PATH (default "/") takes one JSON-RPC 2.0 message:
 *   initialize                 -> {protocolVersion (the client's when known, else
 *                                 2025-06-18), capabilities {tools {}}, serverInfo
 *                                 {name "kaic-probe-mcp", version kaic's}} and a new
 *                                 Mcp-Session-Id header
 *   notifications, responses   -> 202 without a body
 *   ping                       -> {}
 *   tools/list {cursor?}       -> kaic-tool-1 .. kaic-tool-N, --page-size per page with
 *                                 nextCursor (0: all at once)
 *   tools/call {name, arguments {text}} -> every tool echoes text
 * Every request but initialize must carry a known Mcp-Session-Id (missing: 400, unknown:
 * 404). Errors are JSON-RPC errors (-32700 parse, -32600 invalid request or batch,
 * -32601 unknown method, -32602 bad params); bodies over MCP_MAX_BODY get 413. GET
 * /healthz answers "ok". Stops on SIGTERM; its result is {"port", "tools", "requests",
 * "sessions", "calls"}. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/common.h"
#include "probe/server.h"
#include "util/xmalloc.h"

#define MCP_NAME "mcp"
#define MCP_SERVER_NAME "kaic-probe-mcp"
#define MCP_PROTOCOL "2025-06-18"
#define MCP_MAX_BODY (64 * 1024)
#define MCP_MAX_TOOLS 10000
#define MCP_MAX_SESSIONS 64
#define MCP_SESSION_LEN 32

/* JSON-RPC error codes */
#define RPC_PARSE (-32700)
#define RPC_INVALID (-32600)
#define RPC_METHOD (-32601)
#define RPC_PARAMS (-32602)

static const char *const mcp_versions[] = {"2025-06-18", "2025-03-26", "2024-11-05"};

struct mcp_ctx {
	const char *path;
	long tools;
	long page_size; /* 0: every tool on one page */
	pthread_mutex_t lock;
	char sessions[MCP_MAX_SESSIONS][MCP_SESSION_LEN + 1]; /* ring of live sessions */
	unsigned long nsessions;			      /* ever opened */
	unsigned long calls;
};

/* ---- sessions ---- */

static void mcp_session_new(struct mcp_ctx *c, char out[MCP_SESSION_LEN + 1])
{
	unsigned char raw[MCP_SESSION_LEN / 2];
	probe_random(raw, sizeof raw);
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	pthread_mutex_lock(&c->lock);
	memcpy(c->sessions[c->nsessions % MCP_MAX_SESSIONS], out, MCP_SESSION_LEN + 1);
	c->nsessions++;
	pthread_mutex_unlock(&c->lock);
}

static bool mcp_session_known(struct mcp_ctx *c, const char *id)
{
	bool found = false;
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < MCP_MAX_SESSIONS && !found; i++)
		found = c->sessions[i][0] != '\0' && strcmp(c->sessions[i], id) == 0;
	pthread_mutex_unlock(&c->lock);
	return found;
}

/* ---- answers ---- */

static void mcp_send(struct probe_http_response *resp, int status, json_t *msg)
{
	char *text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	resp->status = status;
	resp->content_type = "application/json";
	buf_adds(&resp->body, text ? text : "{}");
	buf_addc(&resp->body, '\n');
	free(text);
}

static void mcp_result(struct probe_http_response *resp, const json_t *id, json_t *result)
{
	mcp_send(resp, 200,
		 json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id, "result", result));
}

/* A JSON-RPC error (id NULL: null) with HTTP status. */
static void mcp_error(struct probe_http_response *resp, int status, const json_t *id, int code,
		      const char *message)
{
	json_t *idv = id ? json_incref((json_t *)id) : json_null();
	mcp_send(resp, status,
		 json_pack("{s:s, s:o, s:{s:i, s:s}}", "jsonrpc", "2.0", "id", idv, "error", "code",
			   code, "message", message));
}

/* ---- methods ---- */

static json_t *mcp_initialize(const json_t *params)
{
	const char *want = json_string_value(json_object_get(params, "protocolVersion"));
	const char *v = MCP_PROTOCOL;
	for (size_t i = 0; want && i < sizeof mcp_versions / sizeof *mcp_versions; i++)
		if (strcmp(want, mcp_versions[i]) == 0)
			v = mcp_versions[i];
	return json_pack("{s:s, s:{s:{}}, s:{s:s, s:s}}", "protocolVersion", v, "capabilities",
			 "tools", "serverInfo", "name", MCP_SERVER_NAME, "version", KAIC_VERSION);
}

static json_t *mcp_tool(long i)
{
	char name[32], desc[96];
	snprintf(name, sizeof name, "kaic-tool-%ld", i);
	snprintf(desc, sizeof desc, "kaic conformance test tool %ld: answers with its text", i);
	return json_pack("{s:s, s:s, s:{s:s, s:{s:{s:s}}, s:[s]}}", "name", name, "description",
			 desc, "inputSchema", "type", "object", "properties", "text", "type",
			 "string", "required", "text");
}

/* The offset a cursor names (a decimal string in [1, tools)), or -1. */
static long mcp_cursor(const struct mcp_ctx *c, const json_t *cursor)
{
	long off;
	if (!json_is_string(cursor) ||
	    probe_parse_long(json_string_value(cursor), 1, c->tools - 1, &off) < 0)
		return -1;
	return off;
}

static void mcp_tools_list(const struct mcp_ctx *c, const json_t *id, const json_t *params,
			   struct probe_http_response *resp)
{
	const json_t *cursor = json_object_get(params, "cursor");
	long off = 0;
	if (cursor != NULL && !json_is_null(cursor) && (off = mcp_cursor(c, cursor)) < 0) {
		mcp_error(resp, 200, id, RPC_PARAMS, "invalid cursor");
		return;
	}
	long end =
	    c->page_size > 0 && off + c->page_size < c->tools ? off + c->page_size : c->tools;
	json_t *tools = json_array();
	for (long i = off; i < end; i++)
		json_array_append_new(tools, mcp_tool(i + 1));
	json_t *result = json_pack("{s:o}", "tools", tools);
	if (end < c->tools) {
		char next[32];
		snprintf(next, sizeof next, "%ld", end);
		json_object_set_new(result, "nextCursor", json_string(next));
	}
	mcp_result(resp, id, result);
}

/* The tool number of name ("kaic-tool-I", 1 <= I <= tools), or 0. */
static long mcp_tool_number(const struct mcp_ctx *c, const char *name)
{
	static const char prefix[] = "kaic-tool-";
	long i;
	if (name == NULL || strncmp(name, prefix, sizeof prefix - 1) != 0 ||
	    probe_parse_long(name + sizeof prefix - 1, 1, c->tools, &i) < 0)
		return 0;
	return i;
}

static void mcp_tools_call(struct mcp_ctx *c, const json_t *id, const json_t *params,
			   struct probe_http_response *resp)
{
	const char *name = json_string_value(json_object_get(params, "name"));
	const json_t *args = json_object_get(params, "arguments");
	const char *text = json_string_value(json_object_get(args, "text"));
	if (mcp_tool_number(c, name) == 0) {
		mcp_error(resp, 200, id, RPC_PARAMS, "unknown tool");
		return;
	}
	if (text == NULL) {
		mcp_error(resp, 200, id, RPC_PARAMS, "arguments.text (a string) is required");
		return;
	}
	pthread_mutex_lock(&c->lock);
	c->calls++;
	pthread_mutex_unlock(&c->lock);
	mcp_result(resp, id,
		   json_pack("{s:[{s:s, s:o}], s:b}", "content", "type", "text", "text",
			     probe_json_string(text), "isError", 0));
}

/* ---- the HTTP side ---- */

/* Whether msg is a JSON-RPC 2.0 request or notification with a string method and a
 * string or integer id (when it has one). */
static bool mcp_valid(const json_t *msg)
{
	if (!json_is_object(msg))
		return false;
	const char *v = json_string_value(json_object_get(msg, "jsonrpc"));
	const json_t *id = json_object_get(msg, "id");
	const json_t *params = json_object_get(msg, "params");
	if (v == NULL || strcmp(v, "2.0") != 0 || !json_is_string(json_object_get(msg, "method")))
		return false;
	if (id != NULL && !json_is_string(id) && !json_is_integer(id))
		return false;
	return params == NULL || json_is_object(params);
}

static void mcp_message(struct mcp_ctx *c, const struct probe_http_request *req, const json_t *msg,
			struct probe_http_response *resp)
{
	const char *method = json_string_value(json_object_get(msg, "method"));
	const json_t *id = json_object_get(msg, "id");
	const json_t *params = json_object_get(msg, "params");
	const char *sid = probe_http_header(req, "Mcp-Session-Id");
	if (strcmp(method, "initialize") == 0 && id != NULL) {
		char s[MCP_SESSION_LEN + 1];
		mcp_session_new(c, s);
		buf_addf(&resp->headers, "Mcp-Session-Id: %s\r\n", s);
		mcp_result(resp, id, mcp_initialize(params));
		return;
	}
	if (sid == NULL) {
		mcp_error(resp, 400, id, RPC_INVALID, "missing Mcp-Session-Id: initialize first");
		return;
	}
	if (!mcp_session_known(c, sid)) {
		mcp_error(resp, 404, id, RPC_INVALID, "unknown Mcp-Session-Id");
		return;
	}
	if (id == NULL) { /* a notification (notifications/initialized, ...) */
		resp->status = 202;
		return;
	}
	if (strcmp(method, "ping") == 0)
		mcp_result(resp, id, json_object());
	else if (strcmp(method, "tools/list") == 0)
		mcp_tools_list(c, id, params, resp);
	else if (strcmp(method, "tools/call") == 0)
		mcp_tools_call(c, id, params, resp);
	else
		mcp_error(resp, 200, id, RPC_METHOD, "method not found");
}

static void mcp_handle(const struct probe_http_request *req, struct probe_http_response *resp,
		       void *arg)
{
	struct mcp_ctx *c = arg;
	if (strcmp(req->path, "/healthz") == 0 && strcmp(c->path, "/healthz") != 0) {
		buf_adds(&resp->body, "ok\n");
		return;
	}
	if (strcmp(req->path, c->path) != 0) {
		resp->status = 404;
		buf_adds(&resp->body, "not found: the MCP endpoint is POST ");
		buf_adds(&resp->body, c->path);
		buf_addc(&resp->body, '\n');
		return;
	}
	if (strcmp(req->method, "POST") != 0) {
		resp->status = 405;
		buf_adds(&resp->headers, "Allow: POST\r\n");
		buf_adds(&resp->body, "only POST is served (no SSE stream)\n");
		return;
	}
	if (req->body_len > MCP_MAX_BODY) {
		mcp_error(resp, 413, NULL, RPC_INVALID, "request body too large");
		return;
	}
	json_error_t jerr;
	json_t *msg = json_loadb(req->body, req->body_len, 0, &jerr);
	if (msg == NULL)
		mcp_error(resp, 400, NULL, RPC_PARSE, "parse error");
	else if (json_is_array(msg))
		mcp_error(resp, 400, NULL, RPC_INVALID, "batches are not supported");
	else if (json_is_object(msg) && json_object_get(msg, "method") == NULL &&
		 (json_object_get(msg, "result") != NULL || json_object_get(msg, "error") != NULL))
		resp->status = 202; /* a response from the client: accepted */
	else if (!mcp_valid(msg))
		mcp_error(resp, 400, json_object_get(msg, "id"), RPC_INVALID, "invalid request");
	else
		mcp_message(c, req, msg, resp);
	json_decref(msg);
}

int probe_mcp_run(int argc, char **argv)
{
	const char *port_s = "8080", *bind = NULL, *path = "/", *tools_s = "1", *page_s = "0";
	for (int i = 1; i < argc; i++) {
		const char *v;
		int m;
		if ((m = probe_opt(argc, argv, &i, "port", &v)) != 0)
			port_s = v;
		else if ((m = probe_opt(argc, argv, &i, "bind", &v)) != 0)
			bind = v;
		else if ((m = probe_opt(argc, argv, &i, "path", &v)) != 0)
			path = v;
		else if ((m = probe_opt(argc, argv, &i, "tools", &v)) != 0)
			tools_s = v;
		else if ((m = probe_opt(argc, argv, &i, "page-size", &v)) != 0)
			page_s = v;
		else
			return probe_usage_error(MCP_NAME, "unknown argument \"%s\"", argv[i]);
		if (m < 0)
			return probe_usage_error(MCP_NAME, "%s needs a value", argv[i]);
	}
	long port, tools, page;
	if (probe_parse_long(port_s, 0, 65535, &port) < 0)
		return probe_usage_error(MCP_NAME, "invalid port \"%s\"", port_s);
	if (probe_parse_long(tools_s, 1, MCP_MAX_TOOLS, &tools) < 0)
		return probe_usage_error(MCP_NAME, "--tools must be 1 to %d, not \"%s\"",
					 MCP_MAX_TOOLS, tools_s);
	if (probe_parse_long(page_s, 0, MCP_MAX_TOOLS, &page) < 0)
		return probe_usage_error(MCP_NAME, "--page-size must be 0 to %d, not \"%s\"",
					 MCP_MAX_TOOLS, page_s);
	if (path[0] != '/' || strpbrk(path, "?# ") != NULL)
		return probe_usage_error(MCP_NAME, "--path must be an absolute path, not \"%s\"",
					 path);
	struct mcp_ctx *ctx = xcalloc(1, sizeof *ctx);
	ctx->path = path;
	ctx->tools = tools;
	ctx->page_size = page;
	pthread_mutex_init(&ctx->lock, NULL);
	struct probe_server srv;
	char *cause = NULL;
	json_t *res = json_pack("{s:I}", "tools", (json_int_t)tools);
	int status = PROBE_EXIT_OK;
	if (probe_server_open(&srv, bind, (int)port, mcp_handle, ctx, &cause) < 0) {
		status = PROBE_EXIT_FAILED;
	} else {
		fprintf(stderr, "kaic probe mcp: serving %ld tools on port %d, POST %s\n", tools,
			srv.port, path);
		if (probe_server_run(&srv, true, &cause) < 0)
			status = PROBE_EXIT_FAILED;
		json_object_set_new(res, "port", json_integer(srv.port));
		json_object_set_new(res, "requests", json_integer((json_int_t)srv.requests));
		probe_server_close(&srv);
	}
	json_object_set_new(res, "sessions", json_integer((json_int_t)ctx->nsessions));
	json_object_set_new(res, "calls", json_integer((json_int_t)ctx->calls));
	if (cause != NULL) {
		fprintf(stderr, "kaic probe mcp: %s\n", cause);
		json_object_set_new(res, "error", probe_json_string(cause));
	}
	free(cause);
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
	return probe_emit(MCP_NAME, res, status);
}
