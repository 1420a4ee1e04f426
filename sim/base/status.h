/* status.h: answers in the real API server's shapes: JSON bodies, Status errors, and the
 * release of a response. */
#ifndef KAIC_SIM_BASE_STATUS_H
#define KAIC_SIM_BASE_STATUS_H

#include <jansson.h>

#include "sim.h"

/* Frees what r owns (body, content type, a watch through r->watch_free); r is zeroed. */
void sim_response_release(struct sim_response *r);
/* Serializes v into resp (status code, JSON); steals v. */
void sim_respond_json(struct sim_response *resp, int status, json_t *v);
/* Fills r with a Status object (kind Status, status Failure, reason, code, message and,
 * when name/kind given, details {name, group, kind}). */
void sim_status_error(struct sim_response *r, int code, const char *reason, const char *group,
		      const char *kind, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

#endif
