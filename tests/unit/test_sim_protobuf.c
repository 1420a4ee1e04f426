/* test_sim_protobuf.c: kaic-sim's decoding of Kubernetes protobuf bodies (what kubectl's
 * typed clients send for built-in types): the JSON each message gives, as kube-apiserver
 * decodes it and Go's encoding/json writes it, the refusal of malformed bodies, and the
 * answers of sim_api_handle to protobuf requests (201, 400, 415 for custom resources). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "base/protobuf.h"
#include "base/status.h"
#include "runtime.h"
#include "sim.h"
#include "sim_test_util.h"
#include "util/buf.h"

/* ---- a small protobuf writer ---- */

static void put_varint(struct buf *b, uint64_t v)
{
	while (v >= 0x80) {
		buf_addc(b, (char)(v | 0x80));
		v >>= 7;
	}
	buf_addc(b, (char)v);
}

static void put_key(struct buf *b, unsigned num, unsigned wt)
{
	put_varint(b, (uint64_t)num << 3 | wt);
}

static void put_bytes(struct buf *b, unsigned num, const void *p, size_t n)
{
	put_key(b, num, 2);
	put_varint(b, n);
	buf_add(b, p, n);
}

static void put_str(struct buf *b, unsigned num, const char *s)
{
	put_bytes(b, num, s, strlen(s));
}

/* A field holding the message in m (released). */
static void put_msg(struct buf *b, unsigned num, struct buf *m)
{
	put_bytes(b, num, m->data ? m->data : "", m->len);
	buf_release(m); /* empty again: buf_add allocates anew if m is reused */
}

static void put_int(struct buf *b, unsigned num, int64_t v)
{
	put_key(b, num, 0);
	put_varint(b, (uint64_t)v);
}

static void put_map(struct buf *b, unsigned num, const char *k, const char *v)
{
	struct buf e = BUF_INIT;
	buf_init(&e);
	put_str(&e, 1, k);
	put_str(&e, 2, v);
	put_msg(b, num, &e);
}

/* "k8s\0" + runtime.Unknown{typeMeta{apiVersion, kind}, raw}; raw is released. */
static void envelope(struct buf *out, const char *av, const char *kind, struct buf *raw)
{
	struct buf tm = BUF_INIT;
	buf_init(&tm);
	buf_init(out);
	buf_add(out, "k8s\0", 4);
	put_str(&tm, 1, av);
	put_str(&tm, 2, kind);
	put_msg(out, 1, &tm);
	put_msg(out, 2, raw);
	put_str(out, 3, "");
	put_str(out, 4, "");
}

/* ObjectMeta as Go's gogo marshaller writes it: every non-pointer field, zero or not. */
static void object_meta(struct buf *b, const char *name, const char *ns)
{
	struct buf m = BUF_INIT, t = BUF_INIT;
	buf_init(&m);
	buf_init(&t);
	put_str(&m, 1, name);
	put_str(&m, 2, "");
	put_str(&m, 3, ns);
	put_str(&m, 4, "");
	put_str(&m, 5, "");
	put_str(&m, 6, "");
	put_int(&m, 7, 0);
	put_msg(&m, 8, &t); /* creationTimestamp: zero Time */
	put_map(&m, 11, "app", "web");
	put_msg(b, 1, &m);
}

static json_t *decode(struct buf *body, char **cause)
{
	json_t *v = sim_pb_decode(body->data, body->len, cause);
	buf_release(body);
	return v;
}

static void assert_json(json_t *got, const char *want)
{
	json_t *w = json_loads(want, 0, NULL);
	assert_non_null(w);
	if (!json_equal(got, w)) {
		char *g = json_dumps(got, JSON_SORT_KEYS);
		print_error("got  %s\nwant %s\n", g, want);
		free(g);
		fail();
	}
	json_decref(w);
}

/* kubectl create namespace: the empty spec and status are kept, zero strings dropped,
 * the zero creationTimestamp is null, as Go writes the decoded struct. */
static void test_namespace(void **state)
{
	(void)state;
	struct buf raw = BUF_INIT, spec = BUF_INIT, body;
	buf_init(&raw);
	buf_init(&spec);
	object_meta(&raw, "lab-diff", "");
	put_msg(&raw, 2, &spec);
	put_msg(&raw, 3, &spec);
	envelope(&body, "v1", "Namespace", &raw);
	char *cause = NULL;
	json_t *v = decode(&body, &cause);
	assert_null(cause);
	assert_json(v, "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":"
		       "\"lab-diff\",\"creationTimestamp\":null,\"labels\":{\"app\":\"web\"}},"
		       "\"spec\":{},\"status\":{}}");
	/* apiVersion and kind come first, as the API server writes them */
	void *it = json_object_iter(v);
	assert_string_equal(json_object_iter_key(it), "apiVersion");
	json_decref(v);
}

/* A Deployment: pointer zero kept (replicas 0), omitempty zero dropped (minReadySeconds),
 * non-omitempty zero kept (containerPort), Quantity and IntOrString in their JSON forms,
 * an inline VolumeSource merged, a set Time in RFC 3339, a packed repeated int. */
static void test_deployment(void **state)
{
	(void)state;
	struct buf raw = BUF_INIT, spec = BUF_INIT, sel = BUF_INIT, tpl = BUF_INIT, pod = BUF_INIT,
		   c = BUF_INIT, port = BUF_INIT, res = BUF_INIT, q = BUF_INIT, vol = BUF_INIT,
		   src = BUF_INIT, ed = BUF_INIT, strat = BUF_INIT, ru = BUF_INIT, ios = BUF_INIT,
		   meta = BUF_INIT, ts = BUF_INIT, sc = BUF_INIT, body;
	struct buf *all[] = {&raw, &spec, &sel, &tpl,	&pod, &c,   &port, &res, &q,
			     &vol, &src,  &ed,	&strat, &ru,  &ios, &meta, &ts,	 &sc};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		buf_init(all[i]);
	put_int(&ts, 1, 1700000000);
	put_str(&meta, 1, "app");
	put_msg(&meta, 9, &ts); /* deletionTimestamp */
	put_msg(&raw, 1, &meta);
	put_int(&spec, 1, 0); /* replicas: *int32 0 */
	put_map(&sel, 1, "app", "app");
	put_msg(&spec, 2, &sel);
	put_str(&c, 1, "app");
	put_str(&c, 2, "x:2");
	put_int(&port, 3, 0); /* containerPort: int32, not omitempty */
	put_str(&port, 4, "TCP");
	put_msg(&c, 6, &port);
	put_str(&q, 1, "500m");
	struct buf ent = BUF_INIT;
	buf_init(&ent);
	put_str(&ent, 1, "cpu");
	put_msg(&ent, 2, &q);
	put_msg(&res, 1, &ent); /* limits */
	put_msg(&c, 8, &res);
	put_msg(&pod, 2, &c); /* containers */
	put_str(&vol, 1, "scratch");
	put_str(&ed, 1, "Memory");
	put_msg(&src, 2, &ed);	/* emptyDir */
	put_msg(&vol, 2, &src); /* inline VolumeSource */
	put_msg(&pod, 1, &vol);
	/* supplementalGroups, packed */
	struct buf pk = BUF_INIT;
	buf_init(&pk);
	put_varint(&pk, 1000);
	put_varint(&pk, 2000);
	put_msg(&sc, 4, &pk);
	put_msg(&pod, 14, &sc);
	put_msg(&tpl, 2, &pod);
	put_msg(&spec, 3, &tpl);
	put_str(&strat, 1, "RollingUpdate");
	put_int(&ios, 1, 1);
	put_int(&ios, 2, 0);
	put_str(&ios, 3, "25%");
	put_msg(&ru, 1, &ios);
	put_msg(&strat, 2, &ru);
	put_msg(&spec, 4, &strat);
	put_int(&spec, 5, 0); /* minReadySeconds: int32 omitempty */
	put_msg(&raw, 2, &spec);
	envelope(&body, "apps/v1", "Deployment", &raw);
	char *cause = NULL;
	json_t *v = decode(&body, &cause);
	assert_null(cause);
	assert_json(
	    v,
	    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"app\","
	    "\"deletionTimestamp\":\"2023-11-14T22:13:20Z\"},\"spec\":{\"replicas\":0,"
	    "\"selector\":{\"matchLabels\":{\"app\":\"app\"}},\"template\":{\"spec\":{"
	    "\"volumes\":[{\"name\":\"scratch\",\"emptyDir\":{\"medium\":\"Memory\"}}],"
	    "\"containers\":[{\"name\":\"app\",\"image\":\"x:2\",\"ports\":[{\"containerPort\":0,"
	    "\"protocol\":\"TCP\"}],\"resources\":{\"limits\":{\"cpu\":\"500m\"}}}],"
	    "\"securityContext\":{\"supplementalGroups\":[1000,2000]}}},\"strategy\":{\"type\":"
	    "\"RollingUpdate\",\"rollingUpdate\":{\"maxUnavailable\":\"25%\"}}}}");
	json_decref(v);
}

/* Unknown fields are skipped, as Go's generated decoders do; the last value wins. */
static void test_unknown_fields(void **state)
{
	(void)state;
	struct buf raw = BUF_INIT, body;
	buf_init(&raw);
	struct buf m = BUF_INIT;
	buf_init(&m);
	put_str(&m, 1, "first");
	put_int(&m, 900, 7);
	put_str(&m, 1, "cm");
	put_msg(&raw, 1, &m);
	put_map(&raw, 2, "k", "v");
	put_int(&raw, 77, 1);
	envelope(&body, "v1", "ConfigMap", &raw);
	char *cause = NULL;
	json_t *v = decode(&body, &cause);
	assert_null(cause);
	assert_json(v, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
		       "\"cm\"},\"data\":{\"k\":\"v\"}}");
	json_decref(v);
}

static void expect_refused(struct buf *body, const char *want)
{
	char *cause = NULL;
	json_t *v = decode(body, &cause);
	assert_null(v);
	assert_non_null(cause);
	if (!strstr(cause, want)) {
		print_error("cause \"%s\" lacks \"%s\"\n", cause, want);
		fail();
	}
	free(cause);
}

/* Malformed bodies are refused with a cause, never read past their end. */
static void test_malformed(void **state)
{
	(void)state;
	struct buf b, raw;
	buf_init(&b);
	buf_add(&b, "{\"a\":1}", 7);
	expect_refused(&b, "expected prefix [107 56 115 0]");

	buf_init(&raw);
	put_str(&raw, 1, "x");
	envelope(&b, "v1", "NoSuchKind", &raw);
	expect_refused(&b, "no kind \"NoSuchKind\" is registered for version \"v1\"");

	/* a length beyond the end */
	buf_init(&raw);
	put_key(&raw, 1, 2);
	put_varint(&raw, 1000);
	envelope(&b, "v1", "ConfigMap", &raw);
	expect_refused(&b, "unexpected EOF");

	/* a truncated varint */
	buf_init(&raw);
	put_key(&raw, 2, 0);
	buf_addc(&raw, (char)0x80);
	envelope(&b, "v1", "Namespace", &raw);
	expect_refused(&b, "truncated");

	/* a string field sent as a varint */
	buf_init(&raw);
	struct buf m = BUF_INIT;
	buf_init(&m);
	put_int(&m, 1, 5);
	put_msg(&raw, 1, &m);
	envelope(&b, "v1", "ConfigMap", &raw);
	expect_refused(&b, "wrong wireType = 0 for field name");

	/* groups (wire types 3, 4) are not part of proto3/gogo bodies */
	buf_init(&raw);
	put_key(&raw, 5, 3);
	envelope(&b, "v1", "ConfigMap", &raw);
	expect_refused(&b, "illegal wireType 3");

	/* field number 0 */
	buf_init(&raw);
	put_key(&raw, 0, 0);
	put_varint(&raw, 1);
	envelope(&b, "v1", "ConfigMap", &raw);
	expect_refused(&b, "illegal field number 0");

	/* invalid embedded JSON (a ControllerRevision's data, a RawExtension) */
	buf_init(&raw);
	struct buf re = BUF_INIT;
	buf_init(&re);
	put_str(&re, 1, "{not json");
	put_msg(&raw, 2, &re);
	envelope(&b, "apps/v1", "ControllerRevision", &raw);
	expect_refused(&b, "embedded JSON is invalid");

	/* a content encoding */
	buf_init(&b);
	buf_add(&b, "k8s\0", 4);
	put_str(&b, 3, "gzip");
	expect_refused(&b, "unsupported content encoding");

	/* nesting deeper than the limit: JSONSchemaProps.not inside itself */
	struct buf props = BUF_INIT;
	buf_init(&props);
	for (int i = 0; i < SIM_PB_MAX_DEPTH + 5; i++) {
		struct buf outer = BUF_INIT;
		buf_init(&outer);
		put_msg(&outer, 28, &props); /* not */
		buf_release(&props);
		props = outer;
	}
	struct buf val = BUF_INIT, ver = BUF_INIT, spec = BUF_INIT;
	buf_init(&val);
	buf_init(&ver);
	buf_init(&spec);
	put_msg(&val, 1, &props);
	put_str(&ver, 1, "v1");
	put_msg(&ver, 4, &val);
	put_msg(&spec, 7, &ver);
	buf_init(&raw);
	put_msg(&raw, 2, &spec);
	envelope(&b, "apiextensions.k8s.io/v1", "CustomResourceDefinition", &raw);
	expect_refused(&b, "nesting deeper than");
}

/* ---- through the API ---- */

static int setup(void **state)
{
	struct sim_settings s = {0};
	*state = sim_api_new(&s);
	return 0;
}

static json_t *post(struct sim_api *api, const char *path, const char *ct, struct buf *body,
		    int *status)
{
	json_t *query = json_object();
	struct sim_request req = {"POST", path,	      query,	 ct,
				  NULL,	  body->data, body->len, &sim_test_admin};
	struct sim_response resp;
	sim_api_handle(api, &req, &resp);
	*status = resp.status;
	json_t *v = resp.body ? json_loadb(resp.body, resp.len, 0, NULL) : NULL;
	sim_response_release(&resp);
	json_decref(query);
	buf_release(body);
	return v;
}

#define PB "application/vnd.kubernetes.protobuf"

static void test_api(void **state)
{
	struct sim_api *api = *state;
	struct buf raw = BUF_INIT, m = BUF_INIT, body;
	int status;

	/* kubectl create configmap: 201, stored as JSON and answered in JSON */
	buf_init(&raw);
	buf_init(&m);
	put_str(&m, 1, "cm1");
	put_msg(&raw, 1, &m);
	put_map(&raw, 2, "a", "b");
	envelope(&body, "v1", "ConfigMap", &raw);
	json_t *v = post(api, "/api/v1/namespaces/default/configmaps", PB, &body, &status);
	assert_int_equal(status, 201);
	assert_string_equal(sim_test_str(json_object_get(v, "data"), "a"), "b");
	assert_string_equal(sim_test_str(json_object_get(v, "metadata"), "namespace"), "default");
	json_decref(v);
	v = sim_test_call(api, "GET", "/api/v1/namespaces/default/configmaps/cm1", NULL, &status);
	assert_int_equal(status, 200);
	json_decref(v);

	/* a body of another kind than the URL's: the API server's 400 */
	buf_init(&raw);
	put_msg(&raw, 1, &m);
	envelope(&body, "v1", "Namespace", &raw);
	v = post(api, "/api/v1/namespaces/default/configmaps", PB, &body, &status);
	assert_int_equal(status, 400);
	json_decref(v);

	/* malformed: 400 BadRequest naming the kind */
	buf_init(&body);
	buf_add(&body, "k8s\0\x0a\x7f", 6);
	v = post(api, "/api/v1/namespaces/default/configmaps", PB, &body, &status);
	assert_int_equal(status, 400);
	assert_string_equal(sim_test_str(v, "reason"), "BadRequest");
	assert_non_null(strstr(sim_test_str(v, "message"), "must be of type ConfigMap"));
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_namespace),
	    cmocka_unit_test(test_deployment),
	    cmocka_unit_test(test_unknown_fields),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test_setup_teardown(test_api, setup, sim_test_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
