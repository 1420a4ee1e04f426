/* tool.h: an AgentTool's spec as kaic-agentd reads it (validation, the endpoint it
 * resolves to) and the status it writes (metav1.Condition rules). No I/O. */
#ifndef KAIC_AGENTD_TOOL_H
#define KAIC_AGENTD_TOOL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define TOOL_TIMEOUT_DEFAULT_S 10

struct tool_spec {
	const char *ns, *name; /* borrowed from the object */
	long long generation;
	const char *protocol, *transport;
	const char *url;		      /* endpoint.url, or NULL */
	const char *svc_name, *svc_ns, *path; /* serviceRef (svc_ns defaulted, path "/") */
	long port;
	const char *auth;     /* "None", "ServiceAccountToken", "Bearer" */
	const char *audience; /* ServiceAccountToken */
	const char *secret;   /* Bearer: the Secret's name */
	long timeout_s;
};

/* Reads and validates obj's spec. -1: InvalidSpec, why in msg. */
int tool_spec_parse(const json_t *obj, struct tool_spec *s, char *msg, size_t msglen);
/* Whether svc (a Service, may be NULL) exists with port s->port. -1 with msg if not. */
int tool_service_check(const struct tool_spec *s, const json_t *svc, char *msg, size_t msglen);
/* The URL probed: endpoint.url or http://NAME.NS.svc:PORT/PATH (caller frees). */
char *tool_endpoint(const struct tool_spec *s);

/* Appends condition type to conds (a new array being built), keeping old's
 * lastTransitionTime when old has that type with the same status. now: RFC 3339. */
void tool_condition(json_t *conds, const json_t *old, const char *type, bool status,
		    const char *reason, const char *message, long long gen, const char *now);
/* The condition type of obj's status, borrowed, or NULL. */
const json_t *tool_get_condition(const json_t *obj, const char *type);
/* Whether obj's condition type is "True". */
bool tool_condition_true(const json_t *obj, const char *type);
/* The current time in RFC 3339 (seconds, UTC) into buf (at least 32 bytes). */
void tool_now(char *buf, size_t len);

#endif
