/* cache.c: the informers' object store (cache.h). */
#include "cache.h"

#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

void cache_init(struct cache *c)
{
	pthread_mutex_init(&c->mu, NULL);
	for (int k = 0; k < CACHE_KINDS; k++)
		hmap_init(&c->m[k]);
}

static void drop(const char *key, size_t len, void *val, void *arg)
{
	(void)key, (void)len, (void)arg;
	json_decref(val);
}

void cache_release(struct cache *c)
{
	for (int k = 0; k < CACHE_KINDS; k++) {
		hmap_each(&c->m[k], drop, NULL);
		hmap_release(&c->m[k]);
	}
	pthread_mutex_destroy(&c->mu);
}

char *cache_key(const json_t *obj)
{
	const json_t *md = json_object_get(obj, "metadata");
	const char *ns = json_string_value(json_object_get(md, "namespace"));
	const char *name = json_string_value(json_object_get(md, "name"));
	if (!name)
		return NULL;
	return xasprintf("%s/%s", ns ? ns : "", name);
}

void cache_put(struct cache *c, enum cache_kind k, const char *key, json_t *obj)
{
	pthread_mutex_lock(&c->mu);
	json_t *old = hmap_get(&c->m[k], key);
	hmap_put(&c->m[k], key, json_incref(obj));
	pthread_mutex_unlock(&c->mu);
	json_decref(old);
}

void cache_del(struct cache *c, enum cache_kind k, const char *key)
{
	pthread_mutex_lock(&c->mu);
	json_t *old = hmap_del(&c->m[k], key);
	pthread_mutex_unlock(&c->mu);
	json_decref(old);
}

json_t *cache_get(struct cache *c, enum cache_kind k, const char *key)
{
	pthread_mutex_lock(&c->mu);
	json_t *o = json_deep_copy(hmap_get(&c->m[k], key));
	pthread_mutex_unlock(&c->mu);
	return o;
}

static void collect(const char *key, size_t len, void *val, void *arg)
{
	(void)key, (void)len;
	json_array_append_new(arg, json_deep_copy(val));
}

json_t *cache_all(struct cache *c, enum cache_kind k)
{
	json_t *a = json_array();
	pthread_mutex_lock(&c->mu);
	hmap_each(&c->m[k], collect, a);
	pthread_mutex_unlock(&c->mu);
	return a;
}

struct prune {
	const char *ns;
	size_t nslen;
	const json_t *keep;
	json_t *gone;
};

static void find_gone(const char *key, size_t len, void *val, void *arg)
{
	(void)val;
	struct prune *p = arg;
	if (p->ns &&
	    (len <= p->nslen || strncmp(key, p->ns, p->nslen) != 0 || key[p->nslen] != '/'))
		return;
	char *k = xstrndup(key, len);
	if (!json_object_get(p->keep, k))
		json_array_append_new(p->gone, json_string(k));
	free(k);
}

void cache_prune(struct cache *c, enum cache_kind k, const char *ns, const json_t *keep,
		 void (*gone)(const char *key, void *arg), void *arg)
{
	struct prune p = {
	    .ns = ns, .nslen = ns ? strlen(ns) : 0, .keep = keep, .gone = json_array()};
	pthread_mutex_lock(&c->mu);
	hmap_each(&c->m[k], find_gone, &p);
	pthread_mutex_unlock(&c->mu);
	size_t i;
	json_t *v;
	json_array_foreach(p.gone, i, v) {
		cache_del(c, k, json_string_value(v));
		if (gone)
			gone(json_string_value(v), arg);
	}
	json_decref(p.gone);
}
