/* watch.c: WATCH streams read from the store's event log: initial ADDED events, then
 * ADDED/MODIFIED/DELETED filtered by namespace and selectors, BOOKMARKs, timeouts,
 * resume from a resourceVersion and 410 Expired when it is older than the log. */

#include "rest/watch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/meta.h"
#include "base/status.h"
#include "model/registry.h"
#include "model/select.h"
#include "model/store.h"
#include "sim.h"
#include "util/clock.h"
#include "util/xmalloc.h"

#define BOOKMARK_EVERY_MS 1000

struct sim_watch {
	struct sim_api *api;
	char *group, *resource, *version, *kind, *ns;
	struct sim_selector ls, fs;
	json_t *initial; /* objects to send as ADDED first */
	size_t init_idx;
	bool end_bookmark; /* send the initial-events-end bookmark next */
	uint64_t next_seq;
	bool bookmarks;
	long long deadline_ms, last_bookmark_ms;
	bool ended;
	bool final_bookmark; /* the bookmark before the timeout was sent */
	char *error_line;    /* an ERROR event to send, then end */
};

static char *event_line(const char *type, json_t *obj, size_t *len)
{
	json_t *ev = json_pack("{s:s, s:O}", "type", type, "object", obj);
	char *s = json_dumps(ev, JSON_COMPACT);
	json_decref(ev);
	size_t n = strlen(s);
	s = xrealloc(s, n + 2);
	s[n] = '\n';
	s[n + 1] = '\0';
	*len = n + 1;
	return s;
}

static char *expired_line(uint64_t rv, uint64_t oldest, size_t *len)
{
	char *msg = xasprintf("too old resource version: %llu (%llu)", (unsigned long long)rv,
			      (unsigned long long)oldest);
	json_t *st = json_pack("{s:s, s:s, s:{}, s:s, s:s, s:s, s:i}", "kind", "Status",
			       "apiVersion", "v1", "metadata", "status", "Failure", "message", msg,
			       "reason", "Expired", "code", 410);
	free(msg);
	char *line = event_line("ERROR", st, len);
	json_decref(st);
	return line;
}

static bool obj_visible(const struct sim_watch *w, const json_t *obj)
{
	if (!obj)
		return false;
	if (w->ns) {
		const char *ns = sim_meta_str(obj, "namespace");
		if (!ns || strcmp(ns, w->ns) != 0)
			return false;
	}
	return sim_labelsel_match(&w->ls, obj) && sim_fieldsel_match(&w->fs, obj);
}

/* First seq whose event rv is > rv (events are in rv order). */
static uint64_t seq_after(const struct sim_evlog *l, uint64_t rv)
{
	uint64_t lo = l->first_seq, hi = l->next_seq;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (l->ring[mid % SIM_EVENT_WINDOW].rv <= rv)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct sim_watch *sim_watch_start(struct sim_api *api, struct sim_rtype *rt,
				  const struct sim_watch_opts *o, struct sim_selector *labels,
				  struct sim_selector *fields, struct sim_response *resp)
{
	const char *rvs = o->resource_version;
	uint64_t rv = 0;
	bool initial = !rvs || !*rvs || !strcmp(rvs, "0");
	if (!initial) {
		char *end;
		rv = strtoull(rvs, &end, 10);
		if (*end || *rvs == '-') {
			sim_status_error(resp, 400, "BadRequest", NULL, NULL, NULL,
					 "invalid resource version: \"%s\"", rvs);
			sim_selector_release(labels);
			sim_selector_release(fields);
			return NULL;
		}
	}
	struct sim_watch *w = xcalloc(1, sizeof(*w));
	w->api = api;
	w->group = xstrdup(rt->group);
	w->resource = xstrdup(rt->resource);
	w->version = xstrdup(o->version);
	w->kind = xstrdup(rt->kind);
	w->ns = o->ns ? xstrdup(o->ns) : NULL;
	w->ls = *labels;
	w->fs = *fields;
	memset(labels, 0, sizeof(*labels));
	memset(fields, 0, sizeof(*fields));
	w->bookmarks = o->bookmarks;
	w->deadline_ms = now_ms() + o->timeout_s * 1000;
	w->last_bookmark_ms = now_ms();
	w->initial = json_array();
	if (initial) {
		for (size_t i = 0; i < rt->coll.n; i++)
			if (obj_visible(w, rt->coll.v[i].obj))
				json_array_append(w->initial, rt->coll.v[i].obj);
		w->next_seq = api->log.next_seq;
		w->end_bookmark = o->initial_events_end && o->bookmarks;
	} else if (rv < api->window_rv) {
		size_t len;
		w->error_line = expired_line(rv, api->window_rv, &len);
	} else {
		w->next_seq = seq_after(&api->log, rv);
	}
	return w;
}

static char *bookmark_line(struct sim_watch *w, uint64_t rv, bool end, size_t *len)
{
	char *av = sim_api_version_str(w->group, w->version);
	char rvs[24];
	snprintf(rvs, sizeof(rvs), "%llu", (unsigned long long)rv);
	json_t *md = json_pack("{s:s}", "resourceVersion", rvs);
	if (end)
		json_object_set_new(md, "annotations",
				    json_pack("{s:s}", "k8s.io/initial-events-end", "true"));
	json_t *o = json_pack("{s:s, s:s, s:o}", "kind", w->kind, "apiVersion", av, "metadata", md);
	free(av);
	char *line = event_line("BOOKMARK", o, len);
	json_decref(o);
	w->last_bookmark_ms = now_ms();
	return line;
}

static char *object_line(struct sim_watch *w, const char *type, json_t *obj, size_t *len)
{
	char *av = sim_api_version_str(w->group, w->version);
	json_t *o = obj;
	const char *cur = json_string_value(json_object_get(obj, "apiVersion"));
	if (!cur || strcmp(cur, av) != 0) {
		o = json_copy(obj);
		json_object_set_new(o, "apiVersion", json_string(av));
	} else {
		json_incref(o);
	}
	free(av);
	char *line = event_line(type, o, len);
	json_decref(o);
	return line;
}

/* The next event of the log for w, or NULL when the log is drained (mu held). */
static char *next_from_log(struct sim_watch *w, size_t *len)
{
	struct sim_api *api = w->api;
	struct sim_evlog *l = &api->log;
	if (w->next_seq < l->first_seq) {
		w->ended = true;
		return expired_line(l->ring[l->first_seq % SIM_EVENT_WINDOW].rv, api->window_rv,
				    len);
	}
	while (w->next_seq < l->next_seq) {
		struct sim_event *e = &l->ring[w->next_seq % SIM_EVENT_WINDOW];
		w->next_seq++;
		if (strcmp(e->group, w->group) != 0 || strcmp(e->resource, w->resource) != 0)
			continue;
		bool now = obj_visible(w, e->obj);
		const char *type = NULL;
		if (e->type == SIM_EV_ADDED) {
			type = now ? "ADDED" : NULL;
		} else if (e->type == SIM_EV_DELETED) {
			type = now ? "DELETED" : NULL;
		} else {
			bool before = obj_visible(w, e->old);
			type = now && before ? "MODIFIED"
			       : now	     ? "ADDED"
			       : before	     ? "DELETED"
					     : NULL;
		}
		if (type)
			return object_line(w, type, e->obj, len);
	}
	return NULL;
}

int sim_watch_next(struct sim_watch *w, char **line, size_t *len, long wait_ms)
{
	*line = NULL;
	*len = 0;
	if (!w || w->ended)
		return -1;
	struct sim_api *api = w->api;
	if (w->error_line) {
		*line = w->error_line;
		*len = strlen(*line);
		w->error_line = NULL;
		w->ended = true;
		return 1;
	}
	if (w->init_idx < json_array_size(w->initial)) {
		*line = object_line(w, "ADDED", json_array_get(w->initial, w->init_idx++), len);
		if (w->init_idx == json_array_size(w->initial)) {
			json_decref(w->initial);
			w->initial = json_array();
			w->init_idx = 0;
		}
		return 1;
	}
	long long until = now_ms() + (wait_ms > 0 ? wait_ms : 0);
	if (until > w->deadline_ms)
		until = w->deadline_ms;
	pthread_mutex_lock(&api->mu);
	if (w->end_bookmark) {
		w->end_bookmark = false;
		*line = bookmark_line(w, api->rv, true, len);
		pthread_mutex_unlock(&api->mu);
		return 1;
	}
	for (;;) {
		*line = next_from_log(w, len);
		if (*line)
			break;
		long long now = now_ms();
		if (now >= w->deadline_ms) {
			if (w->bookmarks && !w->final_bookmark) {
				w->final_bookmark = true;
				*line = bookmark_line(w, api->rv, false, len);
			} else {
				w->ended = true;
			}
			break;
		}
		if (w->bookmarks && now - w->last_bookmark_ms >= BOOKMARK_EVERY_MS) {
			*line = bookmark_line(w, api->rv, false, len);
			break;
		}
		if (now >= until)
			break;
		long long target = until;
		if (w->bookmarks && w->last_bookmark_ms + BOOKMARK_EVERY_MS < target)
			target = w->last_bookmark_ms + BOOKMARK_EVERY_MS;
		struct timespec ts = {(time_t)(target / 1000), (long)(target % 1000) * 1000000};
		int rc = pthread_cond_timedwait(&api->changed, &api->mu, &ts);
		if (rc && rc != ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&api->mu);
	if (*line)
		return 1;
	return w->ended ? -1 : 0;
}

void sim_watch_free(struct sim_watch *w)
{
	if (!w)
		return;
	free(w->group);
	free(w->resource);
	free(w->version);
	free(w->kind);
	free(w->ns);
	free(w->error_line);
	sim_selector_release(&w->ls);
	sim_selector_release(&w->fs);
	json_decref(w->initial);
	free(w);
}
