/* hmap.h: kaic's one hash map: string keys (NUL-terminated, or bytes with an explicit
 * length) to pointers, open addressing with linear probing, SipHash under the process's
 * random key (util/siphash.h), tombstones on delete, doubling when three quarters full.
 *
 * Ownership: a map made by hmap_init (or zeroed, or HMAP_INIT) copies its keys and frees
 * them; one made by hmap_init_borrowed keeps the caller's key pointers, which must stay
 * valid and unchanged while their entry exists. Values are never freed by the map. Not
 * thread-safe: the owner locks. NULL is not a storable value (it means absent). */
#ifndef KAIC_UTIL_HMAP_H
#define KAIC_UTIL_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hmap_slot {
	const char *key; /* NULL: empty; hmap_tomb: deleted */
	size_t len;
	uint64_t hash;
	void *val;
};

struct hmap {
	struct hmap_slot *slots;
	size_t cap;  /* a power of two, or 0 before the first put */
	size_t len;  /* live entries */
	size_t used; /* live entries plus tombstones */
	bool borrow; /* keys are the caller's */
};
#define HMAP_INIT                                                                                  \
	{                                                                                          \
		NULL, 0, 0, 0, false                                                               \
	}

/* A map that copies its keys. */
void hmap_init(struct hmap *m);
/* A map that keeps the caller's key pointers (see above). */
void hmap_init_borrowed(struct hmap *m);
/* Frees the slots and copied keys (not the values); m is empty and reusable after. */
void hmap_release(struct hmap *m);
/* The value of key (or of key[0..len)), or NULL when absent. */
void *hmap_get(const struct hmap *m, const char *key);
void *hmap_getn(const struct hmap *m, const char *key, size_t len);
/* Sets key to val (not NULL), replacing any old value (the stored key is kept). */
void hmap_put(struct hmap *m, const char *key, void *val);
void hmap_putn(struct hmap *m, const char *key, size_t len, void *val);
/* Removes key, leaving a tombstone; returns its old value or NULL. */
void *hmap_del(struct hmap *m, const char *key);
void *hmap_deln(struct hmap *m, const char *key, size_t len);
/* The number of entries. */
size_t hmap_len(const struct hmap *m);
/* Calls fn for each entry, in no particular order; fn must not change m. */
void hmap_each(const struct hmap *m, void (*fn)(const char *key, size_t len, void *val, void *arg),
	       void *arg);

#endif
