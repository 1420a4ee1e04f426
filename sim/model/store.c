/* store.c: the in-memory object store: sorted collections, resourceVersions, uids,
 * timestamps, the event log that watches read, and the controller work queue. */

#include "model/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/meta.h"
#include "model/registry.h"
#include "sim.h"
#include "util/hmap.h"
#include "util/xmalloc.h"

const char *const sim_event_names[3] = {"ADDED", "MODIFIED", "DELETED"};

static int obj_cmp(const char *ns1, const char *n1, const char *ns2, const char *n2)
{
	int r = strcmp(ns1, ns2);
	if (r != 0)
		return r;
	return strcmp(n1, n2);
}

size_t sim_coll_lower(const struct sim_coll *c, const char *ns, const char *name)
{
	size_t lo = 0, hi = c->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (obj_cmp(c->v[mid].ns, c->v[mid].name, ns, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

long sim_coll_find(const struct sim_coll *c, const char *ns, const char *name)
{
	size_t i = sim_coll_lower(c, ns, name);
	if (i < c->n && !obj_cmp(c->v[i].ns, c->v[i].name, ns, name))
		return (long)i;
	return -1;
}

static uint64_t rng_next(struct sim_api *api)
{
	/* xorshift64* */
	uint64_t x = api->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	api->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

void sim_store_random(struct sim_api *api, char *out, size_t n)
{
	static const char alnum[] = "bcdfghjklmnpqrstvwxz2456789";
	for (size_t i = 0; i < n; i++)
		out[i] = alnum[rng_next(api) % (sizeof(alnum) - 1)];
	out[n] = '\0';
}

void sim_store_uuid(struct sim_api *api, char out[37])
{
	uint64_t a = rng_next(api), b = rng_next(api);
	snprintf(out, 37, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
		 (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff,
		 (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
		 (unsigned long long)(b & 0xffffffffffffULL));
}

void sim_store_now(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Makes obj safe to modify at the top level and in metadata, then sets its rv. */
static json_t *stamp(json_t *obj, uint64_t rv)
{
	if (obj->refcount > 1) {
		json_t *c = json_copy(obj);
		json_decref(obj);
		obj = c;
	}
	json_t *md = json_object_get(obj, "metadata");
	md = md ? json_copy(md) : json_object();
	char s[24];
	snprintf(s, sizeof(s), "%llu", (unsigned long long)rv);
	json_object_set_new(md, "resourceVersion", json_string(s));
	json_object_set_new(obj, "metadata", md);
	return obj;
}

static void event_clear(struct sim_event *e)
{
	free(e->group);
	free(e->resource);
	json_decref(e->obj);
	json_decref(e->old);
	memset(e, 0, sizeof(*e));
}

static void enqueue_controllers(struct sim_api *api, const struct sim_rtype *rt,
				enum sim_event_type type, json_t *obj)
{
	for (size_t i = 0; api->controllers && api->controllers[i]; i++) {
		const struct sim_controller *c = api->controllers[i];
		if (!c->on_change || strcmp(c->group, rt->group) != 0 ||
		    strcmp(c->resource, rt->resource) != 0)
			continue;
		struct sim_ctl_item *it = xcalloc(1, sizeof(*it));
		it->c = c;
		it->event = sim_event_names[type];
		it->obj = json_incref(obj);
		if (api->q_tail)
			api->q_tail->next = it;
		else
			api->q_head = it;
		api->q_tail = it;
		pthread_cond_signal(&api->ctl_wake);
	}
}

static void log_event(struct sim_api *api, const struct sim_rtype *rt, enum sim_event_type type,
		      json_t *obj, json_t *old)
{
	struct sim_evlog *l = &api->log;
	if (l->next_seq - l->first_seq == SIM_EVENT_WINDOW) {
		struct sim_event *o = &l->ring[l->first_seq % SIM_EVENT_WINDOW];
		api->window_rv = o->rv;
		event_clear(o);
		l->first_seq++;
	}
	struct sim_event *e = &l->ring[l->next_seq % SIM_EVENT_WINDOW];
	e->seq = l->next_seq++;
	e->rv = api->rv;
	e->type = type;
	e->group = xstrdup(rt->group);
	e->resource = xstrdup(rt->resource);
	e->obj = json_incref(obj);
	e->old = old ? json_incref(old) : NULL;
	enqueue_controllers(api, rt, type, obj);
	pthread_cond_broadcast(&api->changed);
}

static void set_slot(struct sim_obj *o, json_t *obj)
{
	o->obj = obj;
	o->ns = sim_meta_str(obj, "namespace");
	o->name = sim_meta_str(obj, "name");
	if (!o->ns)
		o->ns = "";
	if (!o->name)
		o->name = "";
}

json_t *sim_store_insert(struct sim_api *api, struct sim_rtype *rt, json_t *obj)
{
	obj = stamp(obj, ++api->rv);
	struct sim_coll *c = &rt->coll;
	struct sim_obj slot;
	set_slot(&slot, obj);
	size_t i = c->n;
	if (c->n && obj_cmp(c->v[c->n - 1].ns, c->v[c->n - 1].name, slot.ns, slot.name) > 0)
		i = sim_coll_lower(c, slot.ns, slot.name);
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->v = xreallocarray(c->v, c->cap, sizeof(*c->v));
	}
	memmove(&c->v[i + 1], &c->v[i], (c->n - i) * sizeof(*c->v));
	c->v[i] = slot;
	c->n++;
	api->nobjects++;
	log_event(api, rt, SIM_EV_ADDED, obj, NULL);
	return obj;
}

json_t *sim_store_replace(struct sim_api *api, struct sim_rtype *rt, size_t idx, json_t *obj)
{
	obj = stamp(obj, ++api->rv);
	json_t *old = rt->coll.v[idx].obj;
	set_slot(&rt->coll.v[idx], obj);
	log_event(api, rt, SIM_EV_MODIFIED, obj, old);
	json_decref(old);
	return obj;
}

/* Logs the deletion of old (reference stolen); returns the final state. */
static json_t *removed(struct sim_api *api, struct sim_rtype *rt, json_t *old)
{
	json_t *gone = stamp(json_copy(old), ++api->rv);
	json_decref(old);
	log_event(api, rt, SIM_EV_DELETED, gone, NULL);
	const char *uid = sim_meta_str(gone, "uid");
	if (uid) {
		hmap_put(&api->gc_uids, uid, api);
		api->gc_dirty = true;
	}
	api->nobjects--;
	return gone;
}

json_t *sim_store_remove(struct sim_api *api, struct sim_rtype *rt, size_t idx)
{
	struct sim_coll *c = &rt->coll;
	json_t *old = c->v[idx].obj;
	memmove(&c->v[idx], &c->v[idx + 1], (c->n - idx - 1) * sizeof(*c->v));
	c->n--;
	return removed(api, rt, old);
}

void sim_store_remove_range(struct sim_api *api, struct sim_rtype *rt, size_t lo, size_t hi)
{
	struct sim_coll *c = &rt->coll;
	if (hi > c->n)
		hi = c->n;
	if (lo >= hi)
		return;
	json_t **olds = xcalloc(hi - lo, sizeof(json_t *));
	for (size_t i = lo; i < hi; i++)
		olds[i - lo] = c->v[i].obj;
	memmove(&c->v[lo], &c->v[hi], (c->n - hi) * sizeof(*c->v));
	c->n -= hi - lo;
	for (size_t i = 0; i < hi - lo; i++)
		json_decref(removed(api, rt, olds[i]));
	free(olds);
}

void sim_store_clear_type(struct sim_api *api, struct sim_rtype *rt)
{
	sim_store_remove_range(api, rt, 0, rt->coll.n);
}

void sim_store_release(struct sim_api *api)
{
	struct sim_evlog *l = &api->log;
	for (uint64_t s = l->first_seq; s < l->next_seq; s++)
		event_clear(&l->ring[s % SIM_EVENT_WINDOW]);
	free(l->ring);
	l->ring = NULL;
	while (api->q_head) {
		struct sim_ctl_item *it = api->q_head;
		api->q_head = it->next;
		json_decref(it->obj);
		free(it);
	}
	api->q_tail = NULL;
}

const json_t *sim_api_controller_settings(struct sim_api *api, const char *name)
{
	return json_object_get(api->ctl_settings, name);
}
