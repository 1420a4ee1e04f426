/* informer.c: the list/watch loops (informer.h). */
#include "informer.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"
#include "util/xmalloc.h"

#define WATCH_SECONDS 300

static const char *kind_name(enum informer_kind k)
{
	return k == INF_TOOLS ? "agenttools" : k == INF_SERVICES ? "services" : "endpointslices";
}

/* Queues the tools whose serviceRef names Service ns/name. */
static void requeue_service(struct ctl *c, const char *ns, const char *name)
{
	json_t *all = cache_all(&c->cache, CACHE_TOOLS);
	size_t i;
	json_t *t;
	json_array_foreach(all, i, t) {
		const json_t *ref = json_object_get(json_object_get(t, "spec"), "serviceRef");
		const char *rn = json_string_value(json_object_get(ref, "name"));
		const char *rns = json_string_value(json_object_get(ref, "namespace"));
		const char *tns =
		    json_string_value(json_object_get(json_object_get(t, "metadata"), "namespace"));
		if (!rn || !tns || strcmp(rn, name) != 0 || strcmp(rns ? rns : tns, ns) != 0)
			continue;
		char *key = cache_key(t);
		if (key)
			ctl_invalidate(c, key);
		free(key);
	}
	json_decref(all);
}

/* The Service an object concerns: itself, or an EndpointSlice's owner label. */
static void service_event(struct informer *in, const json_t *obj)
{
	const json_t *md = json_object_get(obj, "metadata");
	const char *ns = json_string_value(json_object_get(md, "namespace"));
	const char *name = json_string_value(json_object_get(md, "name"));
	if (in->kind == INF_SLICES)
		name = json_string_value(
		    json_object_get(json_object_get(md, "labels"), "kubernetes.io/service-name"));
	if (ns && name)
		requeue_service(in->c, ns, name);
}

static void apply(struct informer *in, const char *type, json_t *obj)
{
	char *key = cache_key(obj);
	if (!key)
		return;
	bool gone = !strcmp(type, "DELETED");
	if (in->kind == INF_TOOLS) {
		if (gone) {
			cache_del(&in->c->cache, CACHE_TOOLS, key);
			ctl_forget(in->c, key);
		} else {
			cache_put(&in->c->cache, CACHE_TOOLS, key, obj);
			queue_add(&in->c->queue, key);
		}
	} else {
		if (in->kind == INF_SERVICES && gone)
			cache_del(&in->c->cache, CACHE_SERVICES, key);
		else if (in->kind == INF_SERVICES)
			cache_put(&in->c->cache, CACHE_SERVICES, key, obj);
		service_event(in, obj);
	}
	free(key);
}

static void set_rv(struct informer *in, const json_t *obj)
{
	const char *rv =
	    json_string_value(json_object_get(json_object_get(obj, "metadata"), "resourceVersion"));
	if (rv && *rv) {
		free(in->rv);
		in->rv = xstrdup(rv);
	}
}

static int on_event(const char *type, const json_t *obj, void *arg)
{
	struct informer *in = arg;
	set_rv(in, obj);
	if (strcmp(type, "BOOKMARK") != 0)
		apply(in, type, (json_t *)obj);
	return atomic_load(&in->c->cancel) ? 1 : 0;
}

static void gone_tool(const char *key, void *arg)
{
	ctl_forget(arg, key);
}

static int list(struct informer *in)
{
	json_t *items = NULL;
	char *rv = NULL;
	struct kube_error err = {0};
	if (kube_list(in->c->kc, in->path, NULL, &items, &rv, &err) != 0) {
		if (!atomic_load(&in->c->cancel))
			log_warn("list %s: %s", in->path, err.message);
		return -1;
	}
	json_t *keep = json_object();
	size_t i;
	json_t *o;
	json_array_foreach(items, i, o) {
		char *key = cache_key(o);
		if (key)
			json_object_set_new(keep, key, json_true());
		free(key);
		apply(in, "ADDED", o);
	}
	if (in->kind == INF_TOOLS)
		cache_prune(&in->c->cache, CACHE_TOOLS, in->ns, keep, gone_tool, in->c);
	else if (in->kind == INF_SERVICES)
		cache_prune(&in->c->cache, CACHE_SERVICES, in->ns, keep, NULL, NULL);
	json_decref(keep);
	json_decref(items);
	free(in->rv);
	in->rv = rv;
	if (!in->counted) {
		in->counted = true;
		atomic_fetch_add(&in->c->synced, 1);
	}
	return 0;
}

static void pause_ms(struct ctl *c, long ms)
{
	for (long waited = 0; waited < ms && !atomic_load(&c->cancel); waited += 100)
		usleep(100 * 1000);
}

static void *run(void *arg)
{
	struct informer *in = arg;
	struct ctl *c = in->c;
	long backoff = 500;
	bool listed = false;
	while (!atomic_load(&c->cancel)) {
		if (!listed) {
			if (list(in) != 0) {
				pause_ms(c, backoff);
				backoff = backoff < 30000 ? backoff * 2 : 30000;
				continue;
			}
			listed = true;
			backoff = 500;
		}
		struct kube_error err = {0};
		int rc =
		    kube_watch(c->kc, in->path, NULL, in->rv, WATCH_SECONDS, on_event, in, &err);
		if (rc == 0 || atomic_load(&c->cancel))
			continue; /* timed out: watch again from the last resourceVersion */
		if (err.http_code == 410)
			log_info("watch %s: 410 Gone, listing again", in->path);
		else
			log_warn("watch %s: %s; listing again", in->path, err.message);
		metrics_relist(&c->metrics);
		listed = false;
		pause_ms(c, err.http_code == 410 ? 0 : 1000);
	}
	return NULL;
}

void informer_start(struct informer *in, struct ctl *c, enum informer_kind kind, const char *ns)
{
	memset(in, 0, sizeof(*in));
	in->c = c;
	in->kind = kind;
	in->ns = ns;
	if (kind == INF_TOOLS)
		in->path = kube_path("agents.kaic.io", "v1alpha1", "agenttools", ns, NULL);
	else if (kind == INF_SERVICES)
		in->path = kube_path("", "v1", "services", ns, NULL);
	else
		in->path = kube_path("discovery.k8s.io", "v1", "endpointslices", ns, NULL);
	log_debug("informer %s: %s", kind_name(kind), in->path);
	pthread_create(&in->thread, NULL, run, in);
}

void informer_join(struct informer *in)
{
	pthread_join(in->thread, NULL);
	free(in->path);
	free(in->rv);
}

void informer_resync(struct ctl *c)
{
	json_t *all = cache_all(&c->cache, CACHE_TOOLS);
	size_t i;
	json_t *t;
	json_array_foreach(all, i, t) {
		char *key = cache_key(t);
		if (key)
			queue_add(&c->queue, key);
		free(key);
	}
	json_decref(all);
}
