/* fuzz_agentd_mcp.c: kaic-agentd's MCP answer parsing (agentd/mcp.h) on arbitrary bytes:
 * the SSE parser fed in pieces, each event's data as a JSON-RPC response, and the
 * initialize and tools/list results it yields. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "mcp.h"

struct ctx {
	int events;
};

static void results(const json_t *res)
{
	char err[256], *next = NULL;
	json_t *server = NULL;
	json_t *names = json_array();
	mcp_initialize_result(res, &server, err, sizeof(err));
	mcp_tools_page(res, names, &next, err, sizeof(err));
	free(next);
	json_decref(server);
	json_decref(names);
}

static int on_event(const char *event, const char *data, size_t len, void *arg)
{
	struct ctx *c = arg;
	(void)event;
	char err[256];
	json_t *res = NULL;
	if (mcp_response(data, len, 1, &res, err, sizeof(err)) == 1)
		results(res);
	json_decref(res);
	return ++c->events > 1000;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	json_t *res = NULL;
	if (mcp_response((const char *)data, size, 1, &res, err, sizeof(err)) == 1)
		results(res);
	json_decref(res);
	struct mcp_sse s;
	struct ctx c = {0};
	mcp_sse_init(&s);
	/* in two pieces split at the first byte's value, so chunk borders vary */
	size_t cut = size ? data[0] % (size + 1) : 0;
	if (mcp_sse_feed(&s, (const char *)data, cut, on_event, &c) == 0)
		mcp_sse_feed(&s, (const char *)data + cut, size - cut, on_event, &c);
	mcp_sse_release(&s);
	return 0;
}
