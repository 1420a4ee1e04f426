/* watch.h: WATCH streams read from the store's event log. */
#ifndef KAIC_SIM_REST_WATCH_H
#define KAIC_SIM_REST_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "model/registry.h"
#include "model/select.h"
#include "model/store.h"
#include "sim.h"

struct sim_watch_opts {
	const char *version;
	const char *ns; /* NULL: all namespaces */
	const char *resource_version;
	bool bookmarks;
	bool initial_events_end;
	long timeout_s;
};
/* Starts a watch on rt (api->mu held). Steals the selectors. Returns the watch, or NULL
 * with an error answer in resp. */
struct sim_watch *sim_watch_start(struct sim_api *api, struct sim_rtype *rt,
				  const struct sim_watch_opts *o, struct sim_selector *labels,
				  struct sim_selector *fields, struct sim_response *resp);

/* Watch streaming: the server calls next until it returns -1. Returns 1 with one JSON
 * event line in *line (caller frees, ends with '\n'), 0 when nothing arrived within
 * wait_ms, -1 when the watch ended (timeoutSeconds reached or closed). Call without
 * api->mu held. */
int sim_watch_next(struct sim_watch *w, char **line, size_t *len, long wait_ms);
void sim_watch_free(struct sim_watch *w);

#endif
