/* test_util.c: buffers, redaction, the YAML <-> JSON conversion, hash-consing, SipHash
 * and the hash map. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/hmap.h"
#include "util/siphash.h"
#include "util/jintern.h"
#include "util/log.h"
#include "util/yaml.h"

static void test_buf(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	for (int i = 0; i < 1000; i++)
		buf_addf(&b, "%d,", i);
	assert_int_equal(b.len, strlen(b.data));
	assert_true(strncmp(b.data, "0,1,2,", 6) == 0);
	size_t len;
	char *s = buf_detach(&b, &len);
	assert_null(b.data);
	assert_int_equal(len, strlen(s));
	free(s);
}

static void test_redact(void **state)
{
	(void)state;
	log_add_secret("s3cr3t-token-value");
	char *r = log_redact("token s3cr3t-token-value and Authorization: Bearer abc");
	assert_null(strstr(r, "s3cr3t"));
	assert_null(strstr(r, "abc"));
	free(r);
}

static void test_yaml_types(void **state)
{
	(void)state;
	const char *y = "a: 1\nb: '1'\nc: true\nd: null\ne: 1.5\nf: [x, y]\ng: {h: i}\n"
			"---\n- &x {k: v}\n- *x\n";
	json_t *docs = NULL;
	char *cause = NULL;
	assert_int_equal(yaml_to_json(y, strlen(y), &docs, &cause), 0);
	assert_int_equal(json_array_size(docs), 2);
	json_t *d = json_array_get(docs, 0);
	assert_true(json_is_integer(json_object_get(d, "a")));
	assert_true(json_is_string(json_object_get(d, "b")));
	assert_true(json_is_true(json_object_get(d, "c")));
	assert_true(json_is_null(json_object_get(d, "d")));
	assert_true(json_is_real(json_object_get(d, "e")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(d, "g"), "h")), "i");
	json_t *d2 = json_array_get(docs, 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(d2, 1), "k")), "v");
	json_decref(docs);
}

static void test_yaml_error(void **state)
{
	(void)state;
	const char *y = "a: b: c\n";
	json_t *docs = NULL;
	char *cause = NULL;
	assert_int_equal(yaml_to_json(y, strlen(y), &docs, &cause), -1);
	assert_non_null(strstr(cause, "line 1"));
	free(cause);
}

/* A mapping as a key has no JSON form: an error, also when nested deep as keys of keys. */
static void test_yaml_complex_key(void **state)
{
	(void)state;
	const char *inputs[] = {
	    "{a: 1}: x\n", "? [1, 2]\n: x\n",
	    "k: {{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{a: b}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}"
	    "}}}}}}}}\n"};
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		json_t *docs = NULL;
		char *cause = NULL;
		assert_int_equal(yaml_to_json(inputs[i], strlen(inputs[i]), &docs, &cause), -1);
		assert_null(docs);
		assert_non_null(strstr(cause, "mapping key is a mapping or sequence"));
		free(cause);
	}
}

static void test_yaml_roundtrip(void **state)
{
	(void)state;
	json_t *v = json_pack("{s:s,s:s,s:i,s:[{s:s,s:[s]},s],s:{},s:s,s:s}", "plain", "hello",
			      "num", "42", "int", 7, "list", "name", "x", "args", "--a", "y",
			      "empty", "colon", "a: b", "multi", "l1\nl2");
	struct buf out = BUF_INIT;
	yaml_emit(&out, v);
	json_t *docs = NULL;
	char *cause = NULL;
	assert_int_equal(yaml_to_json(out.data, out.len, &docs, &cause), 0);
	assert_true(json_equal(json_array_get(docs, 0), v));
	json_decref(docs);
	json_decref(v);
	buf_release(&out);
}

static json_t *load(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);
	assert_non_null(v);
	return v;
}

/* Equal small values inside a list end up as one shared instance; the list still reads
 * exactly as before. */
static void test_jintern_shares(void **state)
{
	(void)state;
	json_t *items = load("[{\"a\":{\"string\":\"x\"},\"b\":{\"int\":1},\"c\":[1,2]},"
			     "{\"b\":{\"int\":1},\"a\":{\"string\":\"x\"},\"c\":[1,2]},"
			     "{\"a\":{\"string\":\"y\"},\"b\":{\"real\":1.0},\"c\":[2,1]}]");
	json_t *copy = json_deep_copy(items);
	struct jintern *t = jintern_new(512);
	for (size_t i = 0; i < json_array_size(items); i++)
		jintern_tree(t, json_array_get(items, i));
	assert_true(json_equal(items, copy));
	json_t *i0 = json_array_get(items, 0), *i1 = json_array_get(items, 1);
	json_t *i2 = json_array_get(items, 2);
	/* the second item is the first with its members in another order */
	assert_ptr_equal(json_object_get(i0, "a"), json_object_get(i1, "a"));
	assert_ptr_equal(json_object_get(i0, "b"), json_object_get(i1, "b"));
	assert_ptr_equal(json_object_get(i0, "c"), json_object_get(i1, "c"));
	/* different values, types or orders of array elements are not merged */
	assert_ptr_not_equal(json_object_get(i0, "a"), json_object_get(i2, "a"));
	assert_ptr_not_equal(json_object_get(i0, "c"), json_object_get(i2, "c"));
	assert_true(jintern_shared(t) >= 3);
	jintern_free(t);
	/* the shared values outlive the table */
	assert_string_equal(json_string_value(json_object_get(json_object_get(i1, "a"), "string")),
			    "x");
	json_decref(copy);
	json_decref(items);
}

/* Integers, reals and strings of the same text stay apart; values over the size limit
 * are not shared. */
static void test_jintern_limits(void **state)
{
	(void)state;
	json_t *items = load("[[1, 1.0, \"1\", 1, \"1\"],"
			     "{\"big\":\"0123456789012345678901234567890123456789\"},"
			     "{\"big\":\"0123456789012345678901234567890123456789\"}]");
	struct jintern *t = jintern_new(16);
	jintern_tree(t, items);
	json_t *a = json_array_get(items, 0);
	assert_ptr_not_equal(json_array_get(a, 0), json_array_get(a, 1));
	assert_ptr_not_equal(json_array_get(a, 0), json_array_get(a, 2));
	assert_ptr_equal(json_array_get(a, 0), json_array_get(a, 3));
	assert_ptr_equal(json_array_get(a, 2), json_array_get(a, 4));
	assert_true(json_is_real(json_array_get(a, 1)));
	assert_ptr_not_equal(json_object_get(json_array_get(items, 1), "big"),
			     json_object_get(json_array_get(items, 2), "big"));
	jintern_free(t);
	json_decref(items);
}

/* SipHash-2-4's reference vector: key 00..0f, message 00..0e (15 bytes). */
static void test_siphash_vector(void **state)
{
	(void)state;
	unsigned char msg[15];
	for (int i = 0; i < 15; i++)
		msg[i] = (unsigned char)i;
	assert_true(siphash24(0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL, msg, sizeof msg) ==
		    0xa129ca6149be45e5ULL);
	assert_true(siphash_keyed("abc", 3) == siphash_keyed("abc", 3));
}

static void test_hmap_basic(void **state)
{
	(void)state;
	struct hmap m = HMAP_INIT;
	int a, b, c;
	assert_null(hmap_get(&m, "x"));
	assert_null(hmap_del(&m, "x"));
	hmap_put(&m, "apps/deployments", &a);
	hmap_put(&m, "/pods", &b);
	assert_ptr_equal(hmap_get(&m, "apps/deployments"), &a);
	assert_ptr_equal(hmap_get(&m, "/pods"), &b);
	hmap_put(&m, "/pods", &c); /* overwrite */
	assert_ptr_equal(hmap_get(&m, "/pods"), &c);
	assert_int_equal(hmap_len(&m), 2);
	assert_ptr_equal(hmap_del(&m, "/pods"), &c);
	assert_null(hmap_get(&m, "/pods"));
	assert_int_equal(hmap_len(&m), 1);
	hmap_put(&m, "", &a); /* the empty key is a key */
	assert_ptr_equal(hmap_get(&m, ""), &a);
	hmap_release(&m);
	assert_null(hmap_get(&m, "apps/deployments"));
}

/* Deleting leaves tombstones that lookups probe past; churn reuses or purges them. */
static void test_hmap_tombstones(void **state)
{
	(void)state;
	struct hmap m;
	hmap_init(&m);
	char k[32];
	static int v;
	for (int i = 0; i < 12; i++) {
		snprintf(k, sizeof k, "k%d", i);
		hmap_put(&m, k, &v);
	}
	size_t cap = m.cap;
	for (int i = 0; i < 12; i += 2) {
		snprintf(k, sizeof k, "k%d", i);
		assert_ptr_equal(hmap_del(&m, k), &v);
	}
	for (int i = 0; i < 12; i++) {
		snprintf(k, sizeof k, "k%d", i);
		assert_true((hmap_get(&m, k) != NULL) == (i % 2 == 1));
	}
	/* a long insert/delete churn at a constant size must not grow the table */
	for (int i = 0; i < 10000; i++) {
		snprintf(k, sizeof k, "churn%d", i);
		hmap_put(&m, k, &v);
		assert_ptr_equal(hmap_del(&m, k), &v);
	}
	assert_int_equal(hmap_len(&m), 6);
	assert_true(m.cap <= cap * 2);
	for (int i = 1; i < 12; i += 2) {
		snprintf(k, sizeof k, "k%d", i);
		assert_ptr_equal(hmap_get(&m, k), &v);
	}
	hmap_release(&m);
}

/* Keys with an explicit length: prefixes of one buffer, bytes after them ignored. */
static void test_hmap_length_keys(void **state)
{
	(void)state;
	struct hmap m;
	hmap_init_borrowed(&m);
	const char *text = "http_requests_total_bucket{le=1}";
	int a, b;
	hmap_putn(&m, text, 19, &a); /* "http_requests_total" */
	hmap_putn(&m, text, 4, &b);  /* "http" */
	assert_ptr_equal(hmap_get(&m, "http_requests_total"), &a);
	assert_ptr_equal(hmap_getn(&m, "http_requests_total_sum", 19), &a);
	assert_ptr_equal(hmap_getn(&m, "httpd", 4), &b);
	assert_null(hmap_getn(&m, "http_", 5));
	assert_null(hmap_getn(&m, text, 20));
	assert_ptr_equal(hmap_deln(&m, "http!", 4), &b);
	assert_null(hmap_get(&m, "http"));
	/* binary keys (NUL bytes inside) in a copying map */
	struct hmap bin = HMAP_INIT;
	uint64_t h1 = 0, h2 = 1;
	hmap_putn(&bin, (const char *)&h1, sizeof h1, &a);
	hmap_putn(&bin, (const char *)&h2, sizeof h2, &b);
	assert_ptr_equal(hmap_getn(&bin, (const char *)&h1, sizeof h1), &a);
	assert_ptr_equal(hmap_getn(&bin, (const char *)&h2, sizeof h2), &b);
	hmap_release(&bin);
	hmap_release(&m);
}

static void count_entry(const char *key, size_t len, void *val, void *arg)
{
	(void)key;
	(void)len;
	*(size_t *)arg += (size_t)(uintptr_t)val;
}

/* Growth keeps every entry; many keys all stay reachable. */
static void test_hmap_many(void **state)
{
	(void)state;
	struct hmap m;
	hmap_init(&m);
	char k[32];
	const size_t n = 100000;
	for (size_t i = 0; i < n; i++) {
		snprintf(k, sizeof k, "node-%zu", i);
		hmap_put(&m, k, (void *)(uintptr_t)(i + 1));
		if (i == 15)
			assert_int_equal(m.cap, 32); /* grew past three quarters of 16 */
	}
	assert_int_equal(hmap_len(&m), n);
	assert_true(m.used * 4 <= m.cap * 3);
	for (size_t i = 0; i < n; i++) {
		snprintf(k, sizeof k, "node-%zu", i);
		assert_int_equal((uintptr_t)hmap_get(&m, k), i + 1);
	}
	assert_null(hmap_get(&m, "node-100000"));
	size_t sum = 0;
	hmap_each(&m, count_entry, &sum);
	assert_int_equal(sum, n * (n + 1) / 2);
	for (size_t i = 0; i < n; i += 3) {
		snprintf(k, sizeof k, "node-%zu", i);
		assert_non_null(hmap_del(&m, k));
	}
	assert_int_equal(hmap_len(&m), n - (n + 2) / 3);
	hmap_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_buf),
	    cmocka_unit_test(test_redact),
	    cmocka_unit_test(test_yaml_types),
	    cmocka_unit_test(test_yaml_error),
	    cmocka_unit_test(test_yaml_complex_key),
	    cmocka_unit_test(test_yaml_roundtrip),
	    cmocka_unit_test(test_jintern_shares),
	    cmocka_unit_test(test_jintern_limits),
	    cmocka_unit_test(test_siphash_vector),
	    cmocka_unit_test(test_hmap_basic),
	    cmocka_unit_test(test_hmap_tombstones),
	    cmocka_unit_test(test_hmap_length_keys),
	    cmocka_unit_test(test_hmap_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
