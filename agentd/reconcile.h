/* reconcile.h: one AgentTool's reconcile (validate, resolve, probe when due, write the
 * status through the status subresource) and the worker pool that runs it. */
#ifndef KAIC_AGENTD_RECONCILE_H
#define KAIC_AGENTD_RECONCILE_H

#include <pthread.h>

#include "ctl.h"

/* Reconciles key ("NS/NAME"). 0: done; -1: retry with backoff (an API error). */
int reconcile_one(struct ctl *c, const char *key);

struct workers {
	pthread_t *threads;
	int n;
};
/* Starts c->opts.workers workers; they take keys while c->leading is set. */
void workers_start(struct workers *w, struct ctl *c);
/* Joins them (after queue_shutdown). */
void workers_join(struct workers *w);

#endif
