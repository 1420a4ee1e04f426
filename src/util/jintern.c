/* jintern.c: sharing equal small JSON subtrees; see jintern.h.
 *
 * Each value gets a structural 64-bit hash, computed bottom-up in the same walk that
 * replaces children (objects hash order-independently, as json_equal compares them).
 * A map (util/hmap.h) keyed by the hash's 8 bytes holds the canonical values; a hash
 * match is confirmed with json_equal, so a collision only costs a missed share. */
#include "util/jintern.h"

#include <stdint.h>
#include <string.h>

#include "util/hmap.h"
#include "util/xmalloc.h"

struct jintern {
	struct hmap values; /* 8-byte structural hash -> canonical value (a reference) */
	size_t max;
	size_t shared;
};

/* What visit learns of a value: its hash and a lower bound of its serialized length. */
struct shape {
	uint64_t hash;
	size_t size;
};

struct jintern *jintern_new(size_t max_bytes)
{
	struct jintern *t = xcalloc(1, sizeof(*t));
	hmap_init(&t->values);
	t->max = max_bytes;
	return t;
}

static void drop_value(const char *key, size_t len, void *val, void *arg)
{
	(void)key;
	(void)len;
	(void)arg;
	json_decref(val);
}

void jintern_free(struct jintern *t)
{
	if (t == NULL)
		return;
	hmap_each(&t->values, drop_value, NULL);
	hmap_release(&t->values);
	free(t);
}

size_t jintern_shared(const struct jintern *t)
{
	return t->shared;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t hash_bytes(const char *s, size_t n, uint64_t seed)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return mix(h);
}

static size_t add_sat(size_t a, size_t b)
{
	return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* The canonical value equal to v: v itself when it is the first (or too big to share). */
static json_t *canonical(struct jintern *t, json_t *v, struct shape s)
{
	if (s.size > t->max)
		return v;
	char key[sizeof(s.hash)];
	memcpy(key, &s.hash, sizeof(key));
	json_t *c = hmap_getn(&t->values, key, sizeof(key));
	if (c != NULL)
		return json_equal(c, v) ? c : v;
	hmap_putn(&t->values, key, sizeof(key), json_incref(v));
	return v;
}

static struct shape visit(struct jintern *t, json_t *v);

/* Visits child c; sets *replace to its canonical value when that is another one. */
static struct shape child(struct jintern *t, json_t *c, json_t **replace)
{
	struct shape s = visit(t, c);
	json_t *k = canonical(t, c, s);
	*replace = k != c ? k : NULL;
	if (k != c)
		t->shared++;
	return s;
}

static struct shape visit_object(struct jintern *t, json_t *obj)
{
	struct shape s = {0x6f626a656374ULL, 2};
	for (void *it = json_object_iter(obj); it != NULL; it = json_object_iter_next(obj, it)) {
		const char *key = json_object_iter_key(it);
		size_t klen = json_object_iter_key_len(it);
		json_t *k;
		struct shape c = child(t, json_object_iter_value(it), &k);
		/* a sum: equal objects hash alike whatever their members' order */
		s.hash += mix(hash_bytes(key, klen, 0) ^ (c.hash * 0x9e3779b97f4a7c15ULL));
		s.size = add_sat(add_sat(s.size, c.size), klen + 3);
		if (k != NULL)
			json_object_iter_set(obj, it, k);
	}
	s.hash = mix(s.hash);
	return s;
}

static struct shape visit_array(struct jintern *t, json_t *arr)
{
	struct shape s = {0x6172726179ULL, 2};
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *k;
		struct shape c = child(t, json_array_get(arr, i), &k);
		s.hash = mix(s.hash * 31 + c.hash);
		s.size = add_sat(s.size, add_sat(c.size, 1));
		if (k != NULL)
			json_array_set(arr, i, k);
	}
	return s;
}

/* Interns the members of v; returns v's hash and size bound. */
static struct shape visit(struct jintern *t, json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return visit_object(t, v);
	case JSON_ARRAY:
		return visit_array(t, v);
	case JSON_STRING:
		return (struct shape){
		    hash_bytes(json_string_value(v), json_string_length(v), JSON_STRING),
		    add_sat(json_string_length(v), 2)};
	case JSON_INTEGER:
		return (struct shape){mix((uint64_t)json_integer_value(v) ^ 0x696e74ULL), 1};
	case JSON_REAL: {
		double d = json_real_value(v);
		uint64_t bits;
		memcpy(&bits, &d, sizeof(bits));
		return (struct shape){mix(bits ^ 0x7265616cULL), 1};
	}
	default: /* true, false, null: one instance each in jansson */
		return (struct shape){mix((uint64_t)json_typeof(v) + 1), 4};
	}
}

void jintern_tree(struct jintern *t, json_t *tree)
{
	if (tree != NULL)
		visit(t, tree);
}
