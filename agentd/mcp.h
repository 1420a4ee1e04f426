/* mcp.h: the parsing half of kaic-agentd's MCP probe, with no I/O: JSON-RPC 2.0
 * responses, Server-Sent Events (incrementally, bounded), the initialize result and
 * tools/list pages. Everything here is fed untrusted bytes (fuzz/fuzz_agentd_mcp.c). */
#ifndef KAIC_AGENTD_MCP_H
#define KAIC_AGENTD_MCP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* MCP's protocol version the probe asks for. */
#define MCP_PROTOCOL_VERSION "2025-06-18"
/* The largest SSE event (its data lines together) the parser keeps. */
#define MCP_SSE_EVENT_MAX ((size_t)4 << 20)

/* One SSE event: its type ("message" when the stream named none) and its data. */
typedef int (*mcp_sse_fn)(const char *event, const char *data, size_t len, void *arg);

/* An incremental text/event-stream parser. Feed it bytes as they arrive; it calls fn
 * for each complete event. fn returns non-zero to stop: mcp_sse_feed then returns 1. */
struct mcp_sse {
	struct buf line; /* the line being read */
	struct buf data; /* the event's data lines, joined by '\n' */
	char event[64];	 /* the event's type */
	bool cr;	 /* the last byte was '\r' */
	bool overflow;	 /* a line or event passed MCP_SSE_EVENT_MAX */
	bool stopped;	 /* fn asked to stop */
};
void mcp_sse_init(struct mcp_sse *s);
void mcp_sse_release(struct mcp_sse *s);
/* 0: fed (more wanted); 1: fn stopped it; -1: an event or line over MCP_SSE_EVENT_MAX. */
int mcp_sse_feed(struct mcp_sse *s, const char *p, size_t n, mcp_sse_fn fn, void *arg);

/* A JSON-RPC 2.0 request (or, with id < 0, a notification); the caller frees. */
char *mcp_request(long id, const char *method, json_t *params /* stolen, may be NULL */);

/* Parses one JSON-RPC 2.0 message and decides whether it is the response to id:
 * 1 with *result (a new reference) when it is a success response to id; 0 when it is
 * some other message (a request, a notification, another id's answer); -1 when it is
 * not valid JSON-RPC or is an error response to id, with why in err. */
int mcp_response(const char *text, size_t len, long id, json_t **result, char *err, size_t errlen);

/* From an initialize result: serverInfo {name, version} (new reference, or NULL when
 * absent) and the protocol version. Returns -1 with err when the result is not an
 * initialize result (no protocolVersion string, or serverInfo not an object). */
int mcp_initialize_result(const json_t *result, json_t **server, char *err, size_t errlen);

/* From a tools/list result: appends each tool's name to names (a JSON array) and sets
 * *next (caller frees) to nextCursor or NULL. -1 with err when the result has no tools
 * array or a tool has no string name. */
int mcp_tools_page(const json_t *result, json_t *names, char **next, char *err, size_t errlen);

#endif
