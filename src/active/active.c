/* active.c: the active-test framework: the labelled run namespace, creating objects with
 * kaic's labels, and the cleanup registry that deletes them all (newest first, then the
 * namespace) with requests that a cancelled run still sends. */
#include "active/active.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"
#include "util/xmalloc.h"
#include "util/clock.h"

#define CLEANUP_WAIT_MIN_MS 30000  /* how long the cleanup waits for deletions, at least */
#define CLEANUP_WAIT_MAX_MS 120000 /* and at most */
#define DELETE_TIMEOUT_MS 15000	   /* per delete request */
#define DELETE_THREADS 8
#define CREATE_ATTEMPTS 5
#define CREATE_BACKOFF_MS 200	 /* doubled after each failed attempt */
#define HEARTBEAT_EVERY_MS 10000 /* the run Lease's renewTime is refreshed this often */
#define LEASE_PATH_FMT "/apis/coordination.k8s.io/v1/namespaces/%s/leases"

struct entry {
	char *path; /* the object's path */
	char *what; /* "Pod kaic-x/name" */
	bool namespaced;
};

/* A change outside the run namespace and the patch that undoes it. */
struct restore {
	char *path, *type, *what;
	json_t *patch;
	bool done;
};

struct active {
	struct kube_client *client;	/* borrowed: creates, reads, waits */
	struct kube_client *del_client; /* owned, never cancelled: the deletes; or NULL */
	long test_timeout_ms;		/* bounds the cleanup's wait */
	char *run_id;
	char *ns;
	pthread_mutex_t lock;
	bool ns_created;
	bool ns_attempted; /* a create was sent: the cleanup deletes it */
	struct entry *v;
	size_t n;
	bool cleaned;
	pthread_t heartbeat; /* refreshes the run Lease while hb_running */
	bool hb_running;
	atomic_int hb_stop;
	struct restore *r; /* undone first by the cleanup, newest first */
	size_t nr;
};

/* ---- builders ---- */

char *active_namespace_name(const char *run_id)
{
	return xasprintf("kaic-%s", run_id);
}

void active_label(json_t *obj, const char *run_id)
{
	json_t *md = json_object_get(obj, "metadata");
	if (!json_is_object(md)) {
		md = json_object();
		json_object_set_new(obj, "metadata", md);
	}
	json_t *labels = json_object_get(md, "labels");
	if (!json_is_object(labels)) {
		labels = json_object();
		json_object_set_new(md, "labels", labels);
	}
	json_object_set_new(labels, KAIC_LABEL_MANAGED_BY, json_string("kaic"));
	json_object_set_new(labels, KAIC_LABEL_RUN_ID, json_string(run_id));
}

json_t *active_namespace_object(const char *run_id)
{
	char *name = active_namespace_name(run_id);
	json_t *ns = json_pack("{s:s, s:s, s:{s:s, s:{s:s, s:s, s:s, s:s}}}", "apiVersion", "v1",
			       "kind", "Namespace", "metadata", "name", name, "labels",
			       "pod-security.kubernetes.io/enforce", "restricted",
			       "pod-security.kubernetes.io/enforce-version", "latest",
			       "pod-security.kubernetes.io/audit", "restricted",
			       "pod-security.kubernetes.io/warn", "restricted");
	free(name);
	active_label(ns, run_id);
	return ns;
}

void active_heartbeat_time(char *buf, size_t len)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000);
}

json_t *active_heartbeat_object(const char *run_id, const char *renew_time)
{
	char *ns = active_namespace_name(run_id);
	json_t *l = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:i}}", "apiVersion",
			      "coordination.k8s.io/v1", "kind", "Lease", "metadata", "name",
			      KAIC_HEARTBEAT_LEASE, "namespace", ns, "spec", "holderIdentity", ns,
			      "leaseDurationSeconds", KAIC_HEARTBEAT_FRESH_S);
	if (renew_time != NULL) {
		json_t *spec = json_object_get(l, "spec");
		json_object_set_new(spec, "acquireTime", json_string(renew_time));
		json_object_set_new(spec, "renewTime", json_string(renew_time));
	}
	free(ns);
	active_label(l, run_id);
	return l;
}

/* ---- a second client for the deletes ---- */

/* A client like c that no cancel flag stops: a second Ctrl-C aborts the cleanup's wait
 * but the deletes still go out. NULL when it cannot be made (c is used then). */
static struct kube_client *delete_client(struct kube_client *c)
{
	struct kube_config cfg;
	kube_config_copy(&cfg, kube_client_config(c));
	struct kube_client_opts o = {.request_timeout_ms = DELETE_TIMEOUT_MS, .max_retries = 3};
	char *cause = NULL;
	struct kube_client *d = kube_client_new(&cfg, &o, &cause);
	if (d == NULL) {
		log_warn("cleanup uses the run's client: %s", cause ? cause : "unknown error");
		free(cause);
		kube_config_release(&cfg);
	}
	return d;
}

/* ---- the heartbeat ---- */

/* Refreshes the run Lease's renewTime every HEARTBEAT_EVERY_MS until hb_stop. */
static void *heartbeat_main(void *arg)
{
	struct active *a = arg;
	char *path = xasprintf(LEASE_PATH_FMT "/%s", a->ns, KAIC_HEARTBEAT_LEASE);
	while (!a->hb_stop) {
		long long until = now_ms() + HEARTBEAT_EVERY_MS;
		while (!a->hb_stop && now_ms() < until) {
			struct timespec ts = {0, 100 * 1000000L};
			nanosleep(&ts, NULL);
		}
		if (a->hb_stop)
			break;
		json_t *l = NULL;
		struct kube_error err = {0};
		if (kube_get(a->client, path, &l, &err) == 0) {
			char now[40];
			active_heartbeat_time(now, sizeof(now));
			json_t *spec = json_object_get(l, "spec");
			if (json_is_object(spec))
				json_object_set_new(spec, "renewTime", json_string(now));
			if (kube_update(a->client, path, l, NULL, &err) != 0)
				log_warn("heartbeat: cannot renew the run Lease: %s", err.message);
		} else {
			log_warn("heartbeat: cannot read the run Lease: %s", err.message);
		}
		json_decref(l);
	}
	free(path);
	return NULL;
}

/* Creates the run Lease and starts refreshing it; a run without one still runs (a
 * warning: an unscoped `kaic cleanup` then cannot tell that it is alive). */
static void heartbeat_start(struct active *a)
{
	char now[40];
	active_heartbeat_time(now, sizeof(now));
	json_t *l = active_heartbeat_object(a->run_id, now);
	char *path = xasprintf(LEASE_PATH_FMT, a->ns);
	struct kube_error err = {0};
	int rc = active_create(a, path, l, NULL, &err);
	free(path);
	json_decref(l);
	if (rc != 0) {
		log_warn("cannot create the run Lease %s/%s: %s", a->ns, KAIC_HEARTBEAT_LEASE,
			 err.message);
		return;
	}
	pthread_mutex_lock(&a->lock);
	if (!a->hb_running && !a->cleaned &&
	    pthread_create(&a->heartbeat, NULL, heartbeat_main, a) == 0)
		a->hb_running = true;
	pthread_mutex_unlock(&a->lock);
}

static void heartbeat_stop(struct active *a)
{
	pthread_mutex_lock(&a->lock);
	bool running = a->hb_running;
	a->hb_running = false;
	pthread_mutex_unlock(&a->lock);
	if (!running)
		return;
	a->hb_stop = 1;
	pthread_join(a->heartbeat, NULL);
}

/* ---- the run ---- */

struct active *active_new(struct kube_client *c, const char *run_id, long test_timeout_ms)
{
	struct active *a = xcalloc(1, sizeof(*a));
	a->client = c;
	a->test_timeout_ms = test_timeout_ms;
	a->run_id = xstrdup(run_id);
	a->ns = active_namespace_name(run_id);
	pthread_mutex_init(&a->lock, NULL);
	if (c != NULL)
		a->del_client = delete_client(c);
	return a;
}

const char *active_run_id(const struct active *a)
{
	return a->run_id;
}

struct kube_client *active_client(const struct active *a)
{
	return a->client;
}

static int create_retrying(struct active *a, const char *path, const json_t *obj, json_t **out,
			   struct kube_error *err);

const char *active_namespace(struct active *a, struct kube_error *err)
{
	bool start = false;
	pthread_mutex_lock(&a->lock);
	if (!a->ns_created && a->client != NULL && !a->cleaned) {
		json_t *ns = active_namespace_object(a->run_id);
		a->ns_attempted = true;
		if (create_retrying(a, "/api/v1/namespaces", ns, NULL, err) == 0)
			a->ns_created = start = true;
		json_decref(ns);
	} else if (!a->ns_created) {
		kube_error_set(err, 0, a->cleaned ? "Gone" : "NoClient",
			       a->cleaned ? "the run is cleaned up" : "no cluster client");
	}
	const char *ns = a->ns_created ? a->ns : NULL;
	pthread_mutex_unlock(&a->lock);
	if (start)
		heartbeat_start(a);
	return ns;
}

/* "Pod kaic-x/name" from the object and the collection path. */
static char *describe(const json_t *obj, const char *path)
{
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	const json_t *md = json_object_get(obj, "metadata");
	const char *name = json_string_value(json_object_get(md, "name"));
	const char *ns = json_string_value(json_object_get(md, "namespace"));
	if (ns == NULL && strstr(path, "/namespaces/") != NULL) {
		const char *p = strstr(path, "/namespaces/") + strlen("/namespaces/");
		const char *e = strchr(p, '/');
		if (e != NULL)
			return xasprintf("%s %.*s/%s", kind ? kind : "object", (int)(e - p), p,
					 name ? name : "?");
	}
	if (ns != NULL)
		return xasprintf("%s %s/%s", kind ? kind : "object", ns, name ? name : "?");
	return xasprintf("%s %s", kind ? kind : "object", name ? name : "?");
}

static void registry_add(struct active *a, const char *path, const json_t *obj)
{
	const char *name =
	    json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
	char *full = xasprintf("%s/%s", path, name);
	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i].path, full) == 0) { /* registered already */
			pthread_mutex_unlock(&a->lock);
			free(full);
			return;
		}
	a->v = xreallocarray(a->v, a->n + 1, sizeof(*a->v));
	a->v[a->n].path = full;
	a->v[a->n].what = describe(obj, path);
	a->v[a->n].namespaced = strstr(path, "/namespaces/") != NULL;
	a->n++;
	pthread_mutex_unlock(&a->lock);
}

/* After 409 AlreadyExists: our own earlier attempt (a retry after a lost answer) when the
 * object there carries this run's label. */
static int adopt_existing(struct active *a, const char *path, const char *name, json_t **out,
			  struct kube_error *err)
{
	char *p = xasprintf("%s/%s", path, name);
	json_t *cur = NULL;
	struct kube_error gerr = {0};
	int rc = -1;
	if (kube_get(a->client, p, &cur, &gerr) == 0) {
		const json_t *labels = json_object_get(json_object_get(cur, "metadata"), "labels");
		const char *rid = json_string_value(json_object_get(labels, KAIC_LABEL_RUN_ID));
		if (rid != NULL && strcmp(rid, a->run_id) == 0) {
			rc = 0;
			if (out != NULL)
				*out = json_incref(cur);
		}
	}
	if (rc != 0)
		log_debug("cannot adopt \"%s\": %s", p, err->message);
	json_decref(cur);
	free(p);
	return rc;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* A failure a retry may cure: no answer, throttling, server errors (not cancellation). */
static bool retryable(const struct kube_error *e)
{
	return strcmp(e->reason, "Cancelled") != 0 &&
	       (e->http_code == 0 || e->http_code == 429 || e->http_code >= 500);
}

/* POSTs obj, retrying transient failures (the client retries no POST itself): names are
 * unique to the run, so a retry after an answer that got lost finds 409 and adopts the
 * object its earlier attempt created. */
static int create_retrying(struct active *a, const char *path, const json_t *obj, json_t **out,
			   struct kube_error *err)
{
	const char *name =
	    json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
	for (int attempt = 0;; attempt++) {
		if (kube_create(a->client, path, obj, out, err) == 0)
			return 0;
		if (err->http_code == 409 && adopt_existing(a, path, name, out, err) == 0)
			return 0;
		if (!retryable(err) || attempt + 1 >= CREATE_ATTEMPTS)
			return -1;
		sleep_ms(CREATE_BACKOFF_MS << attempt);
	}
}

int active_create(struct active *a, const char *path, json_t *obj, json_t **out,
		  struct kube_error *err)
{
	if (out != NULL)
		*out = NULL;
	const char *name =
	    json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
	if (a->client == NULL || name == NULL) {
		kube_error_set(err, 0, a->client ? "Invalid" : "NoClient",
			       a->client ? "object without metadata.name" : "no cluster client");
		return -1;
	}
	pthread_mutex_lock(&a->lock);
	bool cleaned = a->cleaned;
	pthread_mutex_unlock(&a->lock);
	if (cleaned) {
		kube_error_set(err, 0, "Gone", "the run is cleaned up");
		return -1;
	}
	active_label(obj, a->run_id);
	registry_add(a, path, obj); /* first: a create whose answer is lost is deleted too */
	return create_retrying(a, path, obj, out, err);
}

/* ---- restoring changes outside the run namespace ---- */

static void add_note(char ***notes, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int active_on_cleanup_patch(struct active *a, const char *path, const char *patch_type,
			    const json_t *patch, const char *what)
{
	pthread_mutex_lock(&a->lock);
	if (a->cleaned) {
		pthread_mutex_unlock(&a->lock);
		return -1;
	}
	a->r = xreallocarray(a->r, a->nr + 1, sizeof(*a->r));
	a->r[a->nr] = (struct restore){xstrdup(path), xstrdup(patch_type), xstrdup(what),
				       json_deep_copy(patch), false};
	int id = (int)a->nr++;
	pthread_mutex_unlock(&a->lock);
	return id;
}

/* Sends restore i unless it went through before; notes why when it fails. */
static int restore_one(struct active *a, size_t i, char ***notes)
{
	pthread_mutex_lock(&a->lock);
	struct restore *r = &a->r[i];
	bool done = r->done;
	pthread_mutex_unlock(&a->lock);
	if (done)
		return 0;
	struct kube_client *c = a->del_client ? a->del_client : a->client;
	struct kube_error err = {0};
	int rc = -1;
	for (int attempt = 0; attempt < CREATE_ATTEMPTS && rc != 0; attempt++) {
		if (attempt > 0)
			sleep_ms(CREATE_BACKOFF_MS << attempt);
		rc = kube_patch(c, r->path, r->type, r->patch, NULL, &err);
		if (rc != 0 && err.http_code == 404)
			rc = 0; /* gone: nothing left to restore */
		if (rc != 0 && !retryable(&err))
			break;
	}
	if (rc != 0) {
		add_note(notes, "cannot restore %s: %s", r->what, err.message);
		return -1;
	}
	pthread_mutex_lock(&a->lock);
	r->done = true;
	pthread_mutex_unlock(&a->lock);
	return 0;
}

int active_restore(struct active *a, int id, char ***notes)
{
	int rc = 0;
	for (size_t i = a->nr; i-- > 0;)
		if ((id < 0 || (size_t)id == i) && restore_one(a, i, notes) != 0)
			rc = -1;
	return rc;
}

/* ---- cleanup ---- */

static void add_note(char ***notes, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add_note(char ***notes, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	size_t n = 0;
	while (*notes != NULL && (*notes)[n] != NULL)
		n++;
	*notes = xreallocarray(*notes, n + 2, sizeof(**notes));
	(*notes)[n] = s;
	(*notes)[n + 1] = NULL;
}

/* Sends one delete. Returns 0 when it was accepted or the object is gone. */
static int delete_one(struct active *a, const char *path, const char *what, char ***notes)
{
	struct kube_client *c = a->del_client ? a->del_client : a->client;
	char *full = xasprintf("%s?propagationPolicy=Background", path);
	struct kube_error err = {0};
	int rc = kube_delete(c, full, &err);
	free(full);
	if (rc != 0 && err.http_code != 404) {
		add_note(notes, "cannot delete %s: %s", what, err.message);
		return -1;
	}
	return 0;
}

/* Whether the object at path is gone (404). *cancelled when the wait was aborted. */
static bool gone(struct active *a, const char *path, bool *cancelled)
{
	json_t *o = NULL;
	struct kube_error err = {0};
	int rc = kube_get(a->client, path, &o, &err);
	json_decref(o);
	if (rc != 0 && strcmp(err.reason, "Cancelled") == 0)
		*cancelled = true;
	return rc != 0 && err.http_code == 404;
}

/* Waits until every object in paths (n, NULL entries already gone) is gone. */
static int wait_gone(struct active *a, char **paths, char **whats, size_t n, char ***notes)
{
	long budget = a->test_timeout_ms > 0 ? a->test_timeout_ms : 0;
	if (budget < CLEANUP_WAIT_MIN_MS)
		budget = CLEANUP_WAIT_MIN_MS;
	if (budget > CLEANUP_WAIT_MAX_MS)
		budget = CLEANUP_WAIT_MAX_MS;
	long long deadline = now_ms() + budget;
	long delay = 100;
	for (;;) {
		size_t left = 0;
		bool cancelled = false;
		for (size_t i = 0; i < n; i++) {
			if (paths[i] == NULL)
				continue;
			if (gone(a, paths[i], &cancelled))
				paths[i] = NULL;
			else
				left++;
			if (cancelled)
				break;
		}
		if (left == 0 && !cancelled)
			return 0;
		if (cancelled || now_ms() >= deadline) {
			for (size_t i = 0; i < n; i++)
				if (paths[i] != NULL)
					add_note(notes, "%s %s", whats[i],
						 cancelled
						     ? "deleted, not waited for (interrupted)"
						     : "still there after the cleanup's wait");
			add_note(notes, "remove what is left with \"kaic cleanup --run-id %s\"",
				 a->run_id);
			return -1;
		}
		sleep_ms(delay);
		delay = delay * 2 > 1000 ? 1000 : delay * 2;
	}
}

/* The registered objects' deletes, shared by a few threads: taken newest first. */
struct delete_pool {
	struct active *a;
	pthread_mutex_t mu;
	size_t next; /* entries left: the next one taken is next - 1 */
	bool *failed;
	char ***notes;
};

static void *delete_worker(void *arg)
{
	struct delete_pool *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		if (p->next == 0) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		size_t i = --p->next;
		pthread_mutex_unlock(&p->mu);
		struct entry *e = &p->a->v[i];
		char **mine = NULL;
		if (delete_one(p->a, e->path, e->what, &mine) != 0) {
			pthread_mutex_lock(&p->mu);
			p->failed[i] = true;
			for (size_t k = 0; mine[k] != NULL; k++)
				add_note(p->notes, "%s", mine[k]);
			pthread_mutex_unlock(&p->mu);
		}
		for (size_t k = 0; mine != NULL && mine[k] != NULL; k++)
			free(mine[k]);
		free(mine);
	}
}

/* Sends the deletes of every registered object, newest first, from up to
 * DELETE_THREADS threads; failed[i] is set for the entries that could not be deleted. */
static void delete_registered(struct active *a, bool *failed, char ***notes)
{
	struct delete_pool p = {.a = a, .next = a->n, .failed = failed, .notes = notes};
	pthread_mutex_init(&p.mu, NULL);
	size_t nt = a->n < DELETE_THREADS ? a->n : DELETE_THREADS;
	pthread_t t[DELETE_THREADS];
	size_t started = 0;
	for (; started < nt; started++)
		if (pthread_create(&t[started], NULL, delete_worker, &p) != 0)
			break;
	delete_worker(&p); /* this thread helps (and does it all without threads) */
	for (size_t i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	pthread_mutex_destroy(&p.mu);
}

int active_cleanup(struct active *a, char ***notes)
{
	heartbeat_stop(a);
	pthread_mutex_lock(&a->lock);
	if (a->cleaned || a->client == NULL) {
		a->cleaned = true;
		pthread_mutex_unlock(&a->lock);
		return 0;
	}
	a->cleaned = true;
	bool ns = a->ns_attempted;
	pthread_mutex_unlock(&a->lock);

	int rc = active_restore(a, -1, notes);
	size_t n = 0;
	char **paths = xcalloc(a->n + 2, sizeof(*paths));
	char **whats = xcalloc(a->n + 2, sizeof(*whats));
	bool *failed = xcalloc(a->n + 1, sizeof(*failed));
	delete_registered(a, failed, notes);
	for (size_t i = a->n; i-- > 0;) {
		struct entry *e = &a->v[i];
		if (failed[i])
			rc = -1;
		else if (!e->namespaced || !ns) {
			paths[n] = e->path;
			whats[n++] = e->what;
		}
	}
	free(failed);
	char *ns_path = xasprintf("/api/v1/namespaces/%s", a->ns);
	char *ns_what = xasprintf("Namespace %s", a->ns);
	if (ns) {
		if (delete_one(a, ns_path, ns_what, notes) != 0)
			rc = -1;
		else {
			paths[n] = ns_path;
			whats[n++] = ns_what;
		}
	}
	if (wait_gone(a, paths, whats, n, notes) != 0)
		rc = -1;
	free(ns_path);
	free(ns_what);
	free(paths);
	free(whats);
	return rc;
}

void active_cleanup_stats(struct active *a, struct kube_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (a->del_client != NULL)
		kube_client_stats(a->del_client, out);
}

void active_free(struct active *a)
{
	if (a == NULL)
		return;
	heartbeat_stop(a);
	for (size_t i = 0; i < a->n; i++) {
		free(a->v[i].path);
		free(a->v[i].what);
	}
	free(a->v);
	for (size_t i = 0; i < a->nr; i++) {
		free(a->r[i].path);
		free(a->r[i].type);
		free(a->r[i].what);
		json_decref(a->r[i].patch);
	}
	free(a->r);
	kube_client_free(a->del_client);
	pthread_mutex_destroy(&a->lock);
	free(a->run_id);
	free(a->ns);
	free(a);
}
