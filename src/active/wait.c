/* active_wait.c: what the active tests read back from the cluster: waiting for an object
 * through watch (polling with backoff when watch fails), pod logs, termination messages
 * and the run namespace's Events. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "active/active.h"
#include "util/buf.h"
#include "util/xmalloc.h"
#include "util/clock.h"

#define WAIT_WINDOW_S 10 /* longest single watch request */
#define POLL_MIN_MS 200
#define POLL_MAX_MS 2000
#define LOG_LIMIT 65536
#define NORMAL_EVENTS_MAX 2 /* shown when there is no Warning */

struct wait_state {
	active_wait_pred pred;
	void *arg;
	atomic_int *cancel;
	json_t *last;
	char *rv;
	bool done;
	bool seen;  /* the object existed during this wait */
	char *gone; /* it was deleted after it existed: what was observed (owned) */
};

static void set_last(struct wait_state *w, const json_t *obj)
{
	if (obj != NULL)
		w->seen = true;
	json_decref(w->last);
	w->last = obj ? json_deep_copy(obj) : NULL;
	const char *rv =
	    json_string_value(json_object_get(json_object_get(obj, "metadata"), "resourceVersion"));
	if (rv != NULL) {
		free(w->rv);
		w->rv = xstrdup(rv);
	}
}

/* What a DELETED event's object says about who deleted it (new string): its
 * deletionTimestamp, the last manager in managedFields, and its kaic.io/run-id label,
 * each only when present. */
static char *deleted_by(const json_t *obj)
{
	const json_t *md = json_object_get(obj, "metadata");
	const char *ts = json_string_value(json_object_get(md, "deletionTimestamp"));
	const json_t *mf = json_object_get(md, "managedFields");
	const char *mgr = json_string_value(
	    json_object_get(json_array_get(mf, json_array_size(mf) - 1), "manager"));
	const char *run =
	    json_string_value(json_object_get(json_object_get(md, "labels"), KAIC_LABEL_RUN_ID));
	struct buf b = BUF_INIT;
	buf_init(&b);
	buf_adds(&b, "a DELETED event");
	if (ts != NULL)
		buf_addf(&b, ", deletionTimestamp %s", ts);
	if (mgr != NULL)
		buf_addf(&b, ", last manager \"%s\"", mgr);
	if (run != NULL)
		buf_addf(&b, ", labelled " KAIC_LABEL_RUN_ID "=%s", run);
	if (ts == NULL && mgr == NULL)
		buf_adds(&b, " (who deleted it is not recorded in the object)");
	return buf_detach(&b, NULL);
}

static int on_event(const char *type, const json_t *obj, void *arg)
{
	struct wait_state *w = arg;
	if (strcmp(type, "BOOKMARK") == 0) {
		const char *rv = json_string_value(
		    json_object_get(json_object_get(obj, "metadata"), "resourceVersion"));
		if (rv != NULL) {
			free(w->rv);
			w->rv = xstrdup(rv);
		}
	} else if (strcmp(type, "DELETED") == 0) {
		set_last(w, obj);
		json_decref(w->last);
		w->last = NULL;
		w->done = w->pred(NULL, w->arg) == ACTIVE_WAIT_DONE;
		if (!w->done) {
			free(w->gone);
			w->gone = deleted_by(obj);
			return 1;
		}
	} else {
		set_last(w, obj);
		w->done = w->pred(w->last, w->arg) == ACTIVE_WAIT_DONE;
	}
	return w->done || (w->cancel && *w->cancel);
}

bool active_nap(long ms, long long deadline_ms, atomic_int *cancel)
{
	long long until = now_ms() + ms;
	if (until > deadline_ms)
		until = deadline_ms;
	while (now_ms() < until) {
		if (cancel && *cancel)
			return false;
		struct timespec ts = {0, 50 * 1000000L};
		nanosleep(&ts, NULL);
	}
	return !(cancel && *cancel) && now_ms() < deadline_ms;
}

/* An error worth retrying until the deadline: no answer, throttling, server errors. */
static bool transient(const struct kube_error *e)
{
	if (strcmp(e->reason, "Cancelled") == 0)
		return false;
	return e->http_code == 0 || e->http_code == 429 || e->http_code >= 500;
}

/* Reads the object: 0 (w->last set, NULL when absent), or -1 with *err. */
static int read_object(struct active *a, const char *path, const char *name, struct wait_state *w,
		       struct kube_error *err)
{
	char *p = xasprintf("%s/%s", path, name);
	json_t *o = NULL;
	int rc = kube_get(active_client(a), p, &o, err);
	free(p);
	if (rc != 0 && err->http_code == 404) {
		json_decref(w->last);
		w->last = NULL;
		if (w->seen && w->gone == NULL)
			w->gone = xstrdup("404 Not Found on re-reading it; who deleted it is not "
					  "known");
		return 0;
	}
	if (rc == 0)
		set_last(w, o);
	json_decref(o);
	return rc;
}

/* The deadline passed. Only when the server's latest answer was read is that a
 * "Timeout" (the object never got there); after an unanswered read it is that error, so
 * that a check reports it as an error rather than as the platform's failure. */
static void deadline_error(struct kube_error *err, const char *name, const struct kube_error *last)
{
	if (last == NULL) {
		kube_error_set(err, 0, "Timeout", "waiting for \"%s\": deadline passed", name);
		return;
	}
	kube_error_set(err, last->http_code, last->http_code == 0 ? "NoAnswer" : last->reason,
		       "waiting for \"%s\": no answer before the deadline: %s", name,
		       last->message);
}

/* The object existed during the wait and is gone, and pred does not want that. */
static void deleted_error(struct kube_error *err, const char *name, const struct wait_state *w)
{
	kube_error_set(err, 404, "Deleted",
		       "\"%s\" was deleted by another actor while kaic waited for it: %s", name,
		       w->gone);
}

static int finish(struct wait_state *w, json_t **out, int rc)
{
	free(w->gone);
	if (out != NULL)
		*out = w->last;
	else
		json_decref(w->last);
	free(w->rv);
	return rc;
}

int active_wait(struct active *a, const char *path, const char *name, active_wait_pred pred,
		void *arg, long long deadline_ms, atomic_int *cancel, json_t **out,
		struct kube_error *err)
{
	struct wait_state w = {.pred = pred, .arg = arg, .cancel = cancel};
	char *query = xasprintf("fieldSelector=metadata.name%%3D%s", name);
	bool need_read = true, use_watch = true;
	bool failing = false; /* the latest read got no answer: last holds why */
	struct kube_error last = {0};
	int watch_failures = 0;
	long delay = POLL_MIN_MS;
	int rc = -1;
	for (;;) {
		if (cancel && *cancel) {
			kube_error_set(err, 0, "Cancelled", "waiting for \"%s\": cancelled", name);
			break;
		}
		if (now_ms() >= deadline_ms) {
			deadline_error(err, name, failing ? &last : NULL);
			break;
		}
		if (need_read) {
			failing = false;
			if (read_object(a, path, name, &w, err) != 0) {
				if (!transient(err))
					break;
				failing = true;
				last = *err;
				active_nap(delay, deadline_ms, cancel); /* the loop's top decides */
				delay = delay * 2 > POLL_MAX_MS ? POLL_MAX_MS : delay * 2;
				continue;
			}
			if (pred(w.last, arg) == ACTIVE_WAIT_DONE) {
				rc = 0;
				break;
			}
			if (w.last == NULL && w.gone != NULL) {
				deleted_error(err, name, &w);
				break;
			}
			need_read = false;
		}
		if (use_watch && w.rv != NULL) {
			long long left = deadline_ms - now_ms();
			long t = (long)((left + 999) / 1000);
			if (t > WAIT_WINDOW_S)
				t = WAIT_WINDOW_S;
			if (t < 1)
				t = 1;
			struct kube_error werr = {0};
			int wr =
			    kube_watch(active_client(a), path, query, w.rv, t, on_event, &w, &werr);
			if (w.done) {
				rc = 0;
				break;
			}
			if (w.gone != NULL) {
				deleted_error(err, name, &w);
				break;
			}
			/* the window ended quietly: ask again about the last state seen (a
			 * predicate may count time, as a condition that must last) */
			if (wr == 0 && w.last != NULL && pred(w.last, arg) == ACTIVE_WAIT_DONE) {
				rc = 0;
				break;
			}
			if (wr == 0)
				continue;
			if (strcmp(werr.reason, "Cancelled") == 0) {
				*err = werr;
				break;
			}
			if (werr.http_code != 410 && ++watch_failures >= 3)
				use_watch = false;
			if (transient(&werr)) {
				failing = true; /* until the read below gets an answer */
				last = werr;
			}
			need_read = true;
			continue;
		}
		if (!active_nap(delay, deadline_ms, cancel))
			continue;
		delay = delay * 2 > POLL_MAX_MS ? POLL_MAX_MS : delay * 2;
		need_read = true;
	}
	free(query);
	return finish(&w, out, rc);
}

char *active_pod_log(struct active *a, const char *ns, const char *pod, struct kube_error *err)
{
	char *path =
	    xasprintf("/api/v1/namespaces/%s/pods/%s/log?limitBytes=%d", ns, pod, LOG_LIMIT);
	char *body = NULL;
	size_t len = 0;
	int rc = kube_proxy_get(active_client(a), path, &body, &len, err);
	free(path);
	if (rc != 0)
		return NULL;
	char *s = xstrndup(body, len);
	free(body);
	return s;
}

const char *active_termination_message(const json_t *pod)
{
	const json_t *cs =
	    json_array_get(json_object_get(json_object_get(pod, "status"), "containerStatuses"), 0);
	static const char *const where[] = {"state", "lastState"};
	for (size_t i = 0; i < 2; i++) {
		const json_t *t = json_object_get(json_object_get(cs, where[i]), "terminated");
		const char *m = json_string_value(json_object_get(t, "message"));
		if (m != NULL && *m != '\0')
			return m;
	}
	return NULL;
}

/* The event's time: lastTimestamp, eventTime, or creationTimestamp ("" when none). */
static const char *event_time(const json_t *ev)
{
	static const char *const keys[] = {"lastTimestamp", "eventTime"};
	for (size_t i = 0; i < 2; i++) {
		const char *t = json_string_value(json_object_get(ev, keys[i]));
		if (t != NULL && *t != '\0')
			return t;
	}
	const char *t = json_string_value(
	    json_object_get(json_object_get(ev, "metadata"), "creationTimestamp"));
	return t ? t : "";
}

/* An event of the list, for sorting (borrowed). */
struct event_ref {
	const json_t *ev;
};

static int by_time_desc(const void *x, const void *y)
{
	const struct event_ref *a = x, *b = y;
	return strcmp(event_time(b->ev), event_time(a->ev));
}

static char *event_line(const json_t *ev)
{
	const json_t *io = json_object_get(ev, "involvedObject");
	if (io == NULL)
		io = json_object_get(ev, "regarding");
	const char *kind = json_string_value(json_object_get(io, "kind"));
	const char *name = json_string_value(json_object_get(io, "name"));
	const char *msg = json_string_value(json_object_get(ev, "message"));
	if (msg == NULL)
		msg = json_string_value(json_object_get(ev, "note"));
	const char *type = json_string_value(json_object_get(ev, "type"));
	const char *reason = json_string_value(json_object_get(ev, "reason"));
	char *lk = xstrdup(kind ? kind : "object");
	for (char *p = lk; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	char *s = xasprintf("%s %s %s/%s: %s", type ? type : "Normal", reason ? reason : "-", lk,
			    name ? name : "?", msg ? msg : "");
	free(lk);
	return s;
}

static bool warning(const json_t *ev)
{
	const char *type = json_string_value(json_object_get(ev, "type"));
	return type != NULL && strcmp(type, "Warning") == 0;
}

/* Whether the event is about an object named prefix or "prefix-...". */
static bool about(const json_t *ev, const char *prefix)
{
	if (prefix == NULL)
		return true;
	const json_t *io = json_object_get(ev, "involvedObject");
	if (io == NULL)
		io = json_object_get(ev, "regarding");
	const char *name = json_string_value(json_object_get(io, "name"));
	size_t n = strlen(prefix);
	return name != NULL && strncmp(name, prefix, n) == 0 && (name[n] == '\0' || name[n] == '-');
}

char **active_events(struct active *a, const char *ns, const char *prefix, size_t max)
{
	char *path = xasprintf("/api/v1/namespaces/%s/events", ns);
	json_t *items = NULL;
	struct kube_error err = {0};
	int rc = kube_list(active_client(a), path, NULL, &items, NULL, &err);
	free(path);
	size_t n = json_array_size(items);
	if (rc != 0 || n == 0 || max == 0) {
		json_decref(items);
		return NULL;
	}
	struct event_ref *v = xcalloc(n, sizeof(*v));
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (about(json_array_get(items, i), prefix))
			v[m++].ev = json_array_get(items, i);
	n = m;
	if (n == 0) {
		free(v);
		json_decref(items);
		return NULL;
	}
	qsort(v, n, sizeof(*v), by_time_desc);
	char **out = xcalloc(max + 1, sizeof(*out));
	size_t k = 0;
	for (size_t i = 0; i < n && k < max; i++)
		if (warning(v[i].ev))
			out[k++] = event_line(v[i].ev);
	/* no Warning: the latest few others say how far things got */
	for (size_t i = 0; k == 0 && i < n && i < NORMAL_EVENTS_MAX && i < max; i++)
		out[i] = event_line(v[i].ev);
	free(v);
	json_decref(items);
	return out;
}
