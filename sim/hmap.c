/* hmap.c: a small string-keyed hash map with open addressing (FNV-1a, linear probing). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "util/xmalloc.h"

static uint64_t hmap_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

void hmap_init(struct hmap *m)
{
	memset(m, 0, sizeof(*m));
}

void hmap_release(struct hmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

static struct hmap_slot *hmap_lookup(const struct hmap *m, const char *key)
{
	if (!m->cap)
		return NULL;
	size_t i = hmap_hash(key) & (m->cap - 1);
	for (;;) {
		struct hmap_slot *s = &m->slots[i];
		if (!s->key && !s->dead)
			return NULL;
		if (s->key && !strcmp(s->key, key))
			return s;
		i = (i + 1) & (m->cap - 1);
	}
}

void *hmap_get(const struct hmap *m, const char *key)
{
	struct hmap_slot *s = hmap_lookup(m, key);
	return s ? s->val : NULL;
}

static void hmap_insert_new(struct hmap *m, char *key, void *val)
{
	size_t i = hmap_hash(key) & (m->cap - 1);
	while (m->slots[i].key || m->slots[i].dead)
		i = (i + 1) & (m->cap - 1);
	m->slots[i].key = key;
	m->slots[i].val = val;
	m->len++;
	m->used++;
}

static void hmap_grow(struct hmap *m)
{
	struct hmap old = *m;
	m->cap = old.cap ? old.cap * 2 : 16;
	if (old.len * 4 < old.cap)
		m->cap = old.cap; /* many tombstones: rehash at the same size */
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	m->len = m->used = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i].key)
			hmap_insert_new(m, old.slots[i].key, old.slots[i].val);
	free(old.slots);
}

void hmap_put(struct hmap *m, const char *key, void *val)
{
	struct hmap_slot *s = hmap_lookup(m, key);
	if (s) {
		s->val = val;
		return;
	}
	if ((m->used + 1) * 4 >= m->cap * 3)
		hmap_grow(m);
	hmap_insert_new(m, xstrdup(key), val);
}

void *hmap_del(struct hmap *m, const char *key)
{
	struct hmap_slot *s = hmap_lookup(m, key);
	if (!s)
		return NULL;
	void *val = s->val;
	safefree(s->key);
	s->dead = true;
	s->val = NULL;
	m->len--;
	return val;
}
