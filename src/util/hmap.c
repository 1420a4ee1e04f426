/* hmap.c: the string-keyed open-addressing hash map; see hmap.h. */
#include "util/hmap.h"

#include <stdlib.h>
#include <string.h>

#include "util/siphash.h"
#include "util/xmalloc.h"

/* The key of a deleted slot: probing continues past it. */
static const char hmap_tomb[1];

void hmap_init(struct hmap *m)
{
	memset(m, 0, sizeof(*m));
}

void hmap_init_borrowed(struct hmap *m)
{
	memset(m, 0, sizeof(*m));
	m->borrow = true;
}

static bool live(const struct hmap_slot *s)
{
	return s->key != NULL && s->key != hmap_tomb;
}

void hmap_release(struct hmap *m)
{
	bool borrow = m->borrow;
	if (!borrow)
		for (size_t i = 0; i < m->cap; i++)
			if (live(&m->slots[i]))
				free((char *)m->slots[i].key);
	free(m->slots);
	memset(m, 0, sizeof(*m));
	m->borrow = borrow;
}

/* The slot holding key[0..len) with hash h, or NULL. */
static struct hmap_slot *find(const struct hmap *m, const char *key, size_t len, uint64_t h)
{
	if (m->len == 0)
		return NULL;
	size_t mask = m->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct hmap_slot *s = &m->slots[i];
		if (s->key == NULL)
			return NULL;
		if (s->hash == h && s->len == len && s->key != hmap_tomb &&
		    memcmp(s->key, key, len) == 0)
			return s;
	}
}

void *hmap_getn(const struct hmap *m, const char *key, size_t len)
{
	if (m->len == 0)
		return NULL;
	struct hmap_slot *s = find(m, key, len, siphash_keyed(key, len));
	return s ? s->val : NULL;
}

void *hmap_get(const struct hmap *m, const char *key)
{
	return hmap_getn(m, key, strlen(key));
}

/* Stores a new entry in the first free slot of its probe sequence (no tombstone may be
 * reused before the search for an existing key has ended: callers ran find first). */
static void place(struct hmap *m, const char *key, size_t len, uint64_t h, void *val)
{
	size_t mask = m->cap - 1, i = h & mask;
	while (m->slots[i].key != NULL && m->slots[i].key != hmap_tomb)
		i = (i + 1) & mask;
	if (m->slots[i].key == NULL)
		m->used++;
	m->slots[i] = (struct hmap_slot){key, len, h, val};
	m->len++;
}

/* A NUL-terminated copy of key[0..len), which may hold NUL bytes itself. */
static char *key_copy(const char *key, size_t len)
{
	char *k = xmalloc(len + 1);
	memcpy(k, key, len);
	k[len] = '\0';
	return k;
}

/* Rehashes into a table twice as large (the same size when most slots are tombstones). */
static void grow(struct hmap *m)
{
	struct hmap_slot *old = m->slots;
	size_t oldcap = m->cap;
	m->cap = oldcap == 0 ? 16 : m->len * 2 < oldcap ? oldcap : oldcap * 2;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	m->len = m->used = 0;
	for (size_t i = 0; i < oldcap; i++)
		if (live(&old[i]))
			place(m, old[i].key, old[i].len, old[i].hash, old[i].val);
	free(old);
}

void hmap_putn(struct hmap *m, const char *key, size_t len, void *val)
{
	uint64_t h = siphash_keyed(key, len);
	struct hmap_slot *s = find(m, key, len, h);
	if (s != NULL) {
		s->val = val;
		return;
	}
	if ((m->used + 1) * 4 > m->cap * 3)
		grow(m);
	place(m, m->borrow ? key : key_copy(key, len), len, h, val);
}

void hmap_put(struct hmap *m, const char *key, void *val)
{
	hmap_putn(m, key, strlen(key), val);
}

void *hmap_deln(struct hmap *m, const char *key, size_t len)
{
	if (m->len == 0)
		return NULL;
	struct hmap_slot *s = find(m, key, len, siphash_keyed(key, len));
	if (s == NULL)
		return NULL;
	void *val = s->val;
	if (!m->borrow)
		free((char *)s->key);
	*s = (struct hmap_slot){hmap_tomb, 0, 0, NULL};
	m->len--;
	return val;
}

void *hmap_del(struct hmap *m, const char *key)
{
	return hmap_deln(m, key, strlen(key));
}

size_t hmap_len(const struct hmap *m)
{
	return m->len;
}

void hmap_each(const struct hmap *m, void (*fn)(const char *key, size_t len, void *val, void *arg),
	       void *arg)
{
	for (size_t i = 0; i < m->cap; i++)
		if (live(&m->slots[i]))
			fn(m->slots[i].key, m->slots[i].len, m->slots[i].val, arg);
}
