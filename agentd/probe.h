/* probe.h: probes one tool endpoint as the AgentTool contract says (docs/agenttool.md):
 * MCP over streamable HTTP (initialize, notifications/initialized, tools/list with every
 * page) or over the SSE transport, HTTP GET, and GRPC (ProtocolMismatch: kaic-agentd
 * does not speak grpc.health.v1). Every exchange is bounded in time and size. */
#ifndef KAIC_AGENTD_PROBE_H
#define KAIC_AGENTD_PROBE_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

struct probe_target {
	const char *protocol;  /* "MCP", "HTTP", "GRPC" */
	const char *transport; /* MCP: "streamable-http" (NULL) or "sse" */
	const char *url;
	const char *token;	    /* bearer token, NULL = none */
	long timeout_ms;	    /* each exchange */
	size_t max_bytes;	    /* each answer */
	const char *const *resolve; /* curl "HOST:PORT:ADDR" overrides, may be NULL */
	const atomic_int *cancel;
};

struct probe_result {
	bool ok;
	char reason[32];   /* "ProbeSucceeded", "ProbeFailed", "ProtocolMismatch" */
	char message[512]; /* what was observed */
	json_t *tools;	   /* MCP: tool names in server order */
	json_t *server;	   /* MCP: {name, version} or NULL */
	double seconds;	   /* how long the probe took */
};

/* The most tools/list pages the probe follows. */
#define PROBE_MAX_PAGES 100

void probe_run(const struct probe_target *t, struct probe_result *r);
void probe_result_release(struct probe_result *r);

#endif
