/* server.h: kaic-agentd's HTTP endpoints. The registry port serves GET /v1/tools (the
 * Registered and Ready tools, filtered by namespace and an equality-based label
 * selector, sorted by namespace/name); the metrics port serves /healthz, /readyz (the
 * informers have listed once) and /metrics. */
#ifndef KAIC_AGENTD_SERVER_H
#define KAIC_AGENTD_SERVER_H

#include <jansson.h>
#include <stdbool.h>

#include "ctl.h"

struct server {
	struct ctl *c;
	void *registry, *metrics; /* struct MHD_Daemon */
};

/* Starts both listeners on addr (NULL = all); 0 or -1 with a message in err. */
int server_start(struct server *s, struct ctl *c, const char *addr, int registry_port,
		 int metrics_port, char *err, size_t errlen);
void server_stop(struct server *s);
/* The ports actually bound (port 0 asks the kernel for a free one). */
void server_ports(const struct server *s, int *registry_port, int *metrics_port);

/* The registry answer for tools (an array of AgentTool objects): {"tools":[...]}, or
 * NULL with err when the selector is invalid. (For tests.) */
json_t *server_registry(const json_t *tools, const char *ns, const char *selector, char *err,
			size_t errlen);
/* Whether labels (an object, may be NULL) match the selector; -1 when it is invalid. */
int server_selector_match(const char *selector, const json_t *labels, char *err, size_t errlen);

#endif
