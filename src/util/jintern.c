/* jintern.c: sharing equal small JSON subtrees; see jintern.h.
 *
 * Each value gets a structural 64-bit hash, computed bottom-up in the same walk that
 * replaces children (objects hash order-independently, as json_equal compares them).
 * An open-addressing table maps hashes to canonical values; a hash match is confirmed
 * with json_equal, so a collision only costs a missed share. */
#include "util/jintern.h"

#include <stdint.h>
#include <string.h>

#include "util/xmalloc.h"

struct slot {
	uint64_t hash;
	json_t *value; /* a reference; NULL = empty */
};

struct jintern {
	struct slot *slots;
	size_t cap; /* a power of two */
	size_t used;
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
	t->cap = 1024;
	t->slots = xcalloc(t->cap, sizeof(*t->slots));
	t->max = max_bytes;
	return t;
}

void jintern_free(struct jintern *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->cap; i++)
		json_decref(t->slots[i].value);
	free(t->slots);
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

static void grow(struct jintern *t)
{
	struct slot *old = t->slots;
	size_t n = t->cap;
	t->cap *= 2;
	t->slots = xcalloc(t->cap, sizeof(*t->slots));
	for (size_t i = 0; i < n; i++) {
		if (old[i].value == NULL)
			continue;
		size_t j = old[i].hash & (t->cap - 1);
		while (t->slots[j].value != NULL)
			j = (j + 1) & (t->cap - 1);
		t->slots[j] = old[i];
	}
	free(old);
}

/* The canonical value equal to v: v itself when it is the first (or too big to share). */
static json_t *canonical(struct jintern *t, json_t *v, struct shape s)
{
	if (s.size > t->max)
		return v;
	size_t j = s.hash & (t->cap - 1);
	for (; t->slots[j].value != NULL; j = (j + 1) & (t->cap - 1))
		if (t->slots[j].hash == s.hash && json_equal(t->slots[j].value, v))
			return t->slots[j].value;
	t->slots[j].hash = s.hash;
	t->slots[j].value = json_incref(v);
	if (++t->used * 2 > t->cap)
		grow(t);
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
