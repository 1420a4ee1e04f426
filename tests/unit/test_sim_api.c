/* test_sim_api.c: kaic-sim's REST semantics through sim_api_handle: CRUD, generateName,
 * conflicts, patches, selectors, pagination, errors, dry runs, subresources, discovery. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "base/status.h"
#include "controllers/registry.h"
#include "objects/admin.h"
#include "runtime.h"
#include "sim.h"
#include "sim_test_util.h"
#include "util/xmalloc.h"

#define POD(name, labels)                                                                          \
	"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" name                   \
	"\",\"labels\":" labels                                                                    \
	"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1\"}]}}"

/* REST semantics: every controller but the namespace one (its cascade is API behaviour)
 * is off, so none changes an object, and its resourceVersion, between two requests. */
static int setup(void **state)
{
	struct sim_settings s = {.controllers = json_object()};
	for (size_t i = 0; sim_controllers[i]; i++)
		if (strcmp(sim_controllers[i]->name, "namespace"))
			json_object_set_new(s.controllers, sim_controllers[i]->name, json_false());
	*state = sim_api_new(&s);
	json_decref(s.controllers);
	return 0;
}

static void expect_status(json_t *v, int code, const char *reason)
{
	assert_non_null(v);
	assert_string_equal(sim_test_str(v, "kind"), "Status");
	assert_string_equal(sim_test_str(v, "reason"), reason);
	assert_int_equal(json_integer_value(json_object_get(v, "code")), code);
}

static void test_crud(void **state)
{
	int st;
	json_t *v =
	    sim_test_scall(state, "POST", "/api/v1/namespaces/default/pods", POD("p1", "{}"), &st);
	assert_int_equal(st, 201);
	assert_string_equal(sim_test_str(v, "metadata.name"), "p1");
	assert_string_equal(sim_test_str(v, "metadata.namespace"), "default");
	assert_non_null(sim_test_str(v, "metadata.uid"));
	assert_non_null(sim_test_str(v, "metadata.creationTimestamp"));
	assert_string_equal(sim_test_str(v, "status.phase"), "Pending");
	char *rv = strdup(sim_test_str(v, "metadata.resourceVersion"));
	json_decref(v);

	v = sim_test_scall(state, "GET", "/api/v1/namespaces/default/pods/p1", NULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(sim_test_str(v, "kind"), "Pod");
	assert_string_equal(sim_test_str(v, "metadata.resourceVersion"), rv);
	json_decref(v);

	v = sim_test_scall(state, "POST", "/api/v1/namespaces/default/pods", POD("p1", "{}"), &st);
	assert_int_equal(st, 409);
	expect_status(v, 409, "AlreadyExists");
	assert_string_equal(sim_test_str(v, "message"), "pods \"p1\" already exists");
	assert_string_equal(sim_test_str(v, "details.name"), "p1");
	assert_string_equal(sim_test_str(v, "details.kind"), "pods");
	json_decref(v);

	/* update with the current resourceVersion, then with the stale one */
	char body[512];
	snprintf(body, sizeof(body),
		 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p1\","
		 "\"resourceVersion\":\"%s\",\"labels\":{\"x\":\"1\"}},\"spec\":{\"containers\":"
		 "[{\"name\":\"c\",\"image\":\"nginx:2\"}]}}",
		 rv);
	v = sim_test_scall(state, "PUT", "/api/v1/namespaces/default/pods/p1", body, &st);
	assert_int_equal(st, 200);
	assert_string_not_equal(sim_test_str(v, "metadata.resourceVersion"), rv);
	assert_string_equal(sim_test_str(v, "metadata.labels.x"), "1");
	json_decref(v);
	v = sim_test_scall(state, "PUT", "/api/v1/namespaces/default/pods/p1", body, &st);
	assert_int_equal(st, 409);
	expect_status(v, 409, "Conflict");
	assert_string_equal(sim_test_str(v, "message"),
			    "Operation cannot be fulfilled on pods \"p1\": the object has been "
			    "modified; please apply your changes to the latest version and try "
			    "again");
	json_decref(v);
	/* unconditional update */
	v = sim_test_scall(state, "PUT", "/api/v1/namespaces/default/pods/p1",
			   POD("p1", "{\"y\":\"2\"}"), &st);
	assert_int_equal(st, 200);
	assert_string_equal(sim_test_str(v, "metadata.labels.y"), "2");
	json_decref(v);

	v = sim_test_scall(state, "DELETE", "/api/v1/namespaces/default/pods/p1", NULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(sim_test_str(v, "metadata.name"), "p1");
	json_decref(v);
	v = sim_test_scall(state, "GET", "/api/v1/namespaces/default/pods/p1", NULL, &st);
	assert_int_equal(st, 404);
	expect_status(v, 404, "NotFound");
	assert_string_equal(sim_test_str(v, "message"), "pods \"p1\" not found");
	json_decref(v);
	v = sim_test_scall(state, "DELETE", "/api/v1/namespaces/default/pods/p1", NULL, &st);
	assert_int_equal(st, 404);
	json_decref(v);
	free(rv);
}

static void test_generate_name(void **state)
{
	int st;
	const char *body = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
			   "{\"generateName\":\"web-\"},\"data\":{\"a\":\"b\"}}";
	json_t *a =
	    sim_test_scall(state, "POST", "/api/v1/namespaces/default/configmaps", body, &st);
	assert_int_equal(st, 201);
	json_t *b =
	    sim_test_scall(state, "POST", "/api/v1/namespaces/default/configmaps", body, &st);
	assert_int_equal(st, 201);
	const char *na = sim_test_str(a, "metadata.name"), *nb = sim_test_str(b, "metadata.name");
	assert_int_equal(strlen(na), 9);
	assert_memory_equal(na, "web-", 4);
	for (const char *p = na + 4; *p; p++)
		assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'));
	assert_string_not_equal(na, nb);
	json_decref(a);
	json_decref(b);
	/* neither name nor generateName */
	json_t *v =
	    sim_test_scall(state, "POST", "/api/v1/namespaces/default/configmaps",
			   "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{}}", &st);
	assert_int_equal(st, 422);
	expect_status(v, 422, "Invalid");
	assert_non_null(strstr(sim_test_str(v, "message"), "name or generateName is required"));
	json_decref(v);
	/* invalid name */
	v = sim_test_scall(
	    state, "POST", "/api/v1/namespaces/default/configmaps",
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"Bad_Name\"}}",
	    &st);
	assert_int_equal(st, 422);
	assert_non_null(strstr(sim_test_str(v, "message"), "ConfigMap \"Bad_Name\" is invalid"));
	json_decref(v);
}

static void test_bad_requests(void **state)
{
	int st;
	json_t *v =
	    sim_test_scall(state, "POST", "/api/v1/namespaces/nope/pods", POD("x", "{}"), &st);
	assert_int_equal(st, 404);
	assert_string_equal(sim_test_str(v, "message"), "namespaces \"nope\" not found");
	assert_string_equal(sim_test_str(v, "details.kind"), "namespaces");
	json_decref(v);
	v = sim_test_scall(state, "POST", "/api/v1/namespaces/default/pods",
			   "{\"apiVersion\":", &st);
	assert_int_equal(st, 400);
	expect_status(v, 400, "BadRequest");
	json_decref(v);
	v = sim_test_scall(state, "POST", "/api/v1/namespaces/default/pods", "[1,2]", &st);
	assert_int_equal(st, 400);
	json_decref(v);
	v = sim_test_scall(
	    state, "POST", "/api/v1/namespaces/default/pods",
	    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\"}}", &st);
	assert_int_equal(st, 400);
	assert_non_null(strstr(sim_test_str(v, "message"), "does not match the expected"));
	json_decref(v);
	v = sim_test_scall(state, "POST", "/api/v1/namespaces/other/pods",
			   "{\"metadata\":{\"name\":\"x\",\"namespace\":\"default\"}}", &st);
	assert_int_equal(st, 400);
	json_decref(v);
	/* oversized body */
	size_t big = 4 * 1024 * 1024;
	char *huge = malloc(big + 1);
	memset(huge, ' ', big);
	huge[big] = '\0';
	v = sim_test_scall(state, "POST", "/api/v1/namespaces/default/configmaps", huge, &st);
	assert_int_equal(st, 413);
	expect_status(v, 413, "RequestEntityTooLarge");
	json_decref(v);
	free(huge);
	/* deeply nested JSON is rejected, not a crash */
	struct buf_like {
		char *s;
	} deep = {malloc(200001)};
	for (int i = 0; i < 100000; i++)
		deep.s[i] = '[';
	for (int i = 0; i < 100000; i++)
		deep.s[100000 + i] = ']';
	deep.s[200000] = '\0';
	v = sim_test_scall(state, "POST", "/api/v1/namespaces/default/configmaps", deep.s, &st);
	assert_int_equal(st, 400);
	json_decref(v);
	free(deep.s);
	/* unknown resources and groups, methods */
	v = sim_test_scall(state, "GET", "/api/v1/widgets", NULL, &st);
	assert_int_equal(st, 404);
	assert_string_equal(sim_test_str(v, "message"),
			    "the server could not find the requested resource");
	json_decref(v);
	v = sim_test_scall(state, "GET", "/apis/nope.example.com/v1/things", NULL, &st);
	assert_int_equal(st, 404);
	json_decref(v);
	v = sim_test_scall(state, "POST", "/api/v1/namespaces/default/pods/x", POD("x", "{}"), &st);
	assert_int_equal(st, 405);
	expect_status(v, 405, "MethodNotAllowed");
	json_decref(v);
	/* protobuf is decoded (test_sim_protobuf): one without its magic prefix is a 400 */
	v = sim_test_call_as(*state, &sim_test_admin, "POST", "/api/v1/namespaces/default/pods",
			     "application/vnd.kubernetes.protobuf", "xx", &st);
	assert_int_equal(st, 400);
	json_decref(v);
	v = sim_test_call_as(*state, &sim_test_admin, "POST", "/api/v1/namespaces/default/pods",
			     "application/cbor", "xx", &st);
	assert_int_equal(st, 415);
	json_decref(v);
	v = sim_test_scall(state, "GET",
			   "/api/v1/namespaces/default/pods?labelSelector=a%20in%20(b", NULL, &st);
	assert_int_equal(st, 400);
	json_decref(v);
	v = sim_test_scall(state, "GET", "/api/v1/pods?fieldSelector=spec.bogus%3Dx", NULL, &st);
	assert_int_equal(st, 400);
	assert_string_equal(sim_test_str(v, "message"), "field label not supported: spec.bogus");
	json_decref(v);
}

static void test_dry_run(void **state)
{
	int st;
	json_t *v = sim_test_scall(state, "POST", "/api/v1/namespaces/default/pods?dryRun=All",
				   POD("dry", "{}"), &st);
	assert_int_equal(st, 201);
	assert_string_equal(sim_test_str(v, "metadata.name"), "dry");
	json_decref(v);
	v = sim_test_scall(state, "GET", "/api/v1/namespaces/default/pods/dry", NULL, &st);
	assert_int_equal(st, 404);
	json_decref(v);
	json_decref(sim_test_scall(state, "POST", "/api/v1/namespaces/default/pods",
				   POD("dry", "{}"), &st));
	assert_int_equal(st, 201);
	json_decref(sim_test_scall(state, "DELETE",
				   "/api/v1/namespaces/default/pods/dry?dryRun=All", NULL, &st));
	assert_int_equal(st, 200);
	v = sim_test_scall(state, "GET", "/api/v1/namespaces/default/pods/dry", NULL, &st);
	assert_int_equal(st, 200);
	json_decref(v);
}

static void test_patches(void **state)
{
	int st;
	const char *dep =
	    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\","
	    "\"labels\":{\"a\":\"1\",\"b\":\"2\"}},\"spec\":{\"replicas\":1,\"selector\":"
	    "{\"matchLabels\":{\"app\":\"d\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":"
	    "\"d\"}},\"spec\":{\"containers\":[{\"name\":\"one\",\"image\":\"i:1\",\"env\":[{"
	    "\"name\":\"E\",\"value\":\"1\"}]},{\"name\":\"two\",\"image\":\"j:1\"}]}}}}";
	json_t *v =
	    sim_test_scall(state, "POST", "/apis/apps/v1/namespaces/default/deployments", dep, &st);
	assert_int_equal(st, 201);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(v, "metadata"), "generation")), 1);
	json_decref(v);
	const char *url = "/apis/apps/v1/namespaces/default/deployments/d";
	/* merge patch: null deletes a key */
	v = sim_test_call_as(*state, &sim_test_admin, "PATCH", url, "application/merge-patch+json",
			     "{\"metadata\":{\"labels\":{\"a\":null,\"c\":\"3\"}}}", &st);
	assert_int_equal(st, 200);
	assert_null(sim_test_str(v, "metadata.labels.a"));
	assert_string_equal(sim_test_str(v, "metadata.labels.c"), "3");
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(v, "metadata"), "generation")), 1);
	json_decref(v);
	/* strategic merge: containers by name, env by name, $patch delete */
	v = sim_test_scall(
	    state, "PATCH", url,
	    "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"one\",\"image\":"
	    "\"i:2\",\"env\":[{\"name\":\"F\",\"value\":\"2\"}]},{\"name\":\"two\",\"$patch\":"
	    "\"delete\"}]}}}}",
	    &st);
	assert_int_equal(st, 200);
	json_t *cs = json_object_get(
	    json_object_get(json_object_get(json_object_get(v, "spec"), "template"), "spec"),
	    "containers");
	assert_int_equal(json_array_size(cs), 1);
	json_t *one = json_array_get(cs, 0);
	assert_string_equal(sim_test_str(one, "image"), "i:2");
	assert_int_equal(json_array_size(json_object_get(one, "env")), 2);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(v, "metadata"), "generation")), 2);
	json_decref(v);
	/* JSON patch */
	v = sim_test_call_as(*state, &sim_test_admin, "PATCH", url, "application/json-patch+json",
			     "[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":3},"
			     "{\"op\":\"add\",\"path\":\"/metadata/labels/x~1y\",\"value\":\"z\"},"
			     "{\"op\":\"remove\",\"path\":\"/metadata/labels/b\"}]",
			     &st);
	assert_int_equal(st, 200);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(v, "spec"), "replicas")), 3);
	assert_string_equal(sim_test_str(v, "metadata.labels.x/y"), "z");
	assert_null(sim_test_str(v, "metadata.labels.b"));
	json_decref(v);
	v = sim_test_call_as(*state, &sim_test_admin, "PATCH", url, "application/json-patch+json",
			     "[{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":9}]", &st);
	assert_int_equal(st, 422);
	json_decref(v);
	v = sim_test_call_as(*state, &sim_test_admin, "PATCH", url, "application/json-patch+json",
			     "{\"op\":\"x\"}", &st);
	assert_int_equal(st, 400);
	json_decref(v);
	v = sim_test_call_as(*state, &sim_test_admin, "PATCH", url, "text/plain", "{}", &st);
	assert_int_equal(st, 415);
	expect_status(v, 415, "UnsupportedMediaType");
	json_decref(v);
	/* the scale subresource */
	v = sim_test_scall(state, "GET", "/apis/apps/v1/namespaces/default/deployments/d/scale",
			   NULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(sim_test_str(v, "kind"), "Scale");
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(v, "spec"), "replicas")), 3);
	json_decref(v);
	v = sim_test_call_as(*state, &sim_test_admin, "PATCH",
			     "/apis/apps/v1/namespaces/default/deployments/d/scale",
			     "application/merge-patch+json", "{\"spec\":{\"replicas\":5}}", &st);
	assert_int_equal(st, 200);
	json_decref(v);
	v = sim_test_scall(state, "GET", url, NULL, &st);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(v, "spec"), "replicas")), 5);
	json_decref(v);
	/* PATCH of a missing object */
	v = sim_test_call_as(*state, &sim_test_admin, "PATCH",
			     "/apis/apps/v1/namespaces/default/deployments/zz",
			     "application/merge-patch+json", "{}", &st);
	assert_int_equal(st, 404);
	json_decref(v);
}

static void test_status_subresource(void **state)
{
	int st;
	json_decref(
	    sim_test_scall(state, "POST", "/api/v1/namespaces/default/pods", POD("sp", "{}"), &st));
	assert_int_equal(st, 201);
	const char *url = "/api/v1/namespaces/default/pods/sp";
	/* the main resource ignores status */
	json_t *v =
	    sim_test_call_as(*state, &sim_test_admin, "PATCH", url, "application/merge-patch+json",
			     "{\"status\":{\"phase\":\"Running\"}}", &st);
	assert_int_equal(st, 200);
	assert_string_equal(sim_test_str(v, "status.phase"), "Pending");
	json_decref(v);
	v = sim_test_call_as(*state, &sim_test_admin, "PATCH",
			     "/api/v1/namespaces/default/pods/sp/status",
			     "application/merge-patch+json",
			     "{\"status\":{\"phase\":\"Running\"},\"metadata\":{\"labels\":{\"q\":"
			     "\"1\"}}}",
			     &st);
	assert_int_equal(st, 200);
	assert_string_equal(sim_test_str(v, "status.phase"), "Running");
	assert_null(sim_test_str(v, "metadata.labels.q"));
	json_decref(v);
	/* an unchanged update keeps the resourceVersion */
	v = sim_test_scall(state, "GET", url, NULL, &st);
	char *rv = strdup(sim_test_str(v, "metadata.resourceVersion"));
	json_decref(v);
	v = sim_test_call_as(*state, &sim_test_admin, "PATCH", url, "application/merge-patch+json",
			     "{}", &st);
	assert_string_equal(sim_test_str(v, "metadata.resourceVersion"), rv);
	json_decref(v);
	free(rv);
	/* pods/log from the annotation */
	json_t *q;
	char *path = sim_test_split("/api/v1/namespaces/default/pods/sp/log", &q);
	struct sim_request req = {"GET", path, q, NULL, NULL, NULL, 0, &sim_test_admin};
	struct sim_response resp;
	sim_api_handle(*state, &req, &resp);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.content_type, "text/plain");
	sim_response_release(&resp);
	json_decref(q);
	free(path);
}

static void test_selectors(void **state)
{
	int st;
	const char *pods[][2] = {{"s1", "{\"app\":\"a\",\"tier\":\"web\"}"},
				 {"s2", "{\"app\":\"b\"}"},
				 {"s3", "{\"app\":\"c\",\"tier\":\"db\"}"},
				 {"s4", "{}"}};
	json_decref(sim_test_scall(state, "POST", "/api/v1/namespaces",
				   "{\"metadata\":{\"name\":\"sel\"}}", &st));
	for (size_t i = 0; i < 4; i++) {
		char body[512];
		snprintf(body, sizeof(body),
			 "{\"metadata\":{\"name\":\"%s\",\"labels\":%s},\"spec\":{\"nodeName\":"
			 "\"%s\",\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}",
			 pods[i][0], pods[i][1], i % 2 ? "n2" : "n1");
		json_decref(
		    sim_test_scall(state, "POST", "/api/v1/namespaces/sel/pods", body, &st));
		assert_int_equal(st, 201);
	}
	struct {
		const char *q;
		const char *want;
	} cases[] = {
	    {"labelSelector=app%3Da", "s1"},
	    {"labelSelector=app%3D%3Da", "s1"},
	    {"labelSelector=app!%3Da", "s2,s3,s4"},
	    {"labelSelector=app%20in%20(a,%20c)", "s1,s3"},
	    {"labelSelector=app%20notin%20(a,c)", "s2,s4"},
	    {"labelSelector=tier", "s1,s3"},
	    {"labelSelector=!tier", "s2,s4"},
	    {"labelSelector=app,tier%3Ddb", "s3"},
	    {"fieldSelector=metadata.name%3Ds2", "s2"},
	    {"fieldSelector=spec.nodeName%3Dn1", "s1,s3"},
	    {"fieldSelector=spec.nodeName!%3Dn1,metadata.namespace%3Dsel", "s2,s4"},
	    {"fieldSelector=status.phase%3DPending&labelSelector=app%3Db", "s2"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char url[256];
		snprintf(url, sizeof(url), "/api/v1/namespaces/sel/pods?%s", cases[i].q);
		json_t *v = sim_test_scall(state, "GET", url, NULL, &st);
		assert_int_equal(st, 200);
		char got[64] = "";
		size_t j;
		json_t *it;
		json_array_foreach(json_object_get(v, "items"), j, it) {
			size_t len = strlen(got);
			snprintf(got + len, sizeof(got) - len, "%s%s", len ? "," : "",
				 sim_test_str(it, "metadata.name"));
		}
		if (strcmp(got, cases[i].want))
			fail_msg("%s: got %s, want %s", cases[i].q, got, cases[i].want);
		json_decref(v);
	}
	json_t *v = sim_test_scall(state, "GET", "/api/v1/namespaces/sel/pods", NULL, &st);
	assert_string_equal(sim_test_str(v, "kind"), "PodList");
	assert_string_equal(sim_test_str(v, "apiVersion"), "v1");
	assert_non_null(sim_test_str(v, "metadata.resourceVersion"));
	json_t *first = json_array_get(json_object_get(v, "items"), 0);
	assert_null(json_object_get(first, "kind"));
	json_decref(v);
}

static void test_pagination(void **state)
{
	int st;
	json_decref(sim_test_scall(state, "POST", "/api/v1/namespaces",
				   "{\"metadata\":{\"name\":\"page\"}}", &st));
	for (int i = 0; i < 500; i++) {
		char body[256];
		snprintf(body, sizeof(body), "{\"metadata\":{\"name\":\"cm-%03d\"},\"data\":{}}",
			 i);
		json_decref(
		    sim_test_scall(state, "POST", "/api/v1/namespaces/page/configmaps", body, &st));
		assert_int_equal(st, 201);
	}
	char url[1024] = "/api/v1/namespaces/page/configmaps?limit=50";
	int pages = 0, seen = 0;
	char names[500][16];
	for (;;) {
		json_t *v = sim_test_scall(state, "GET", url, NULL, &st);
		assert_int_equal(st, 200);
		pages++;
		json_t *items = json_object_get(v, "items");
		size_t i;
		json_t *it;
		json_array_foreach(items, i, it) {
			assert_true(seen < 500);
			snprintf(names[seen++], 16, "%s", sim_test_str(it, "metadata.name"));
		}
		const char *cont = sim_test_str(v, "metadata.continue");
		if (!cont || !*cont) {
			assert_null(
			    json_object_get(json_object_get(v, "metadata"), "remainingItemCount"));
			json_decref(v);
			break;
		}
		assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "metadata"),
								    "remainingItemCount")),
				 500 - seen);
		snprintf(url, sizeof(url),
			 "/api/v1/namespaces/page/configmaps?limit=50&continue=%s", cont);
		json_decref(v);
	}
	assert_int_equal(pages, 10);
	assert_int_equal(seen, 500);
	for (int i = 1; i < 500; i++)
		assert_true(strcmp(names[i - 1], names[i]) < 0);
	json_t *v = sim_test_scall(
	    state, "GET", "/api/v1/namespaces/page/configmaps?limit=5&continue=junk!", NULL, &st);
	assert_int_equal(st, 400);
	json_decref(v);
	/* a selector with pagination */
	v = sim_test_scall(
	    state, "GET",
	    "/api/v1/namespaces/page/configmaps?limit=7&fieldSelector=metadata.name%3Dcm-499", NULL,
	    &st);
	assert_int_equal(json_array_size(json_object_get(v, "items")), 1);
	json_decref(v);
}

static void test_delete_collection_and_gc(void **state)
{
	int st;
	json_t *rs = sim_test_scall(
	    state, "POST", "/apis/apps/v1/namespaces/default/replicasets",
	    "{\"metadata\":{\"name\":\"owner\"},\"spec\":{\"selector\":{"
	    "\"matchLabels\":{\"a\":\"b\"}},\"template\":{\"metadata\":{\"labels\":{"
	    "\"a\":\"b\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}}}",
	    &st);
	assert_int_equal(st, 201);
	char body[512];
	snprintf(body, sizeof(body),
		 "{\"metadata\":{\"name\":\"child\",\"ownerReferences\":[{\"apiVersion\":"
		 "\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"owner\",\"uid\":\"%s\"}]},"
		 "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}",
		 sim_test_str(rs, "metadata.uid"));
	json_decref(rs);
	json_decref(sim_test_scall(state, "POST", "/api/v1/namespaces/default/pods", body, &st));
	assert_int_equal(st, 201);
	json_decref(sim_test_scall(
	    state, "DELETE", "/apis/apps/v1/namespaces/default/replicasets/owner", NULL, &st));
	assert_int_equal(st, 200);
	int code = 200;
	for (int i = 0; i < 100 && code == 200; i++) {
		usleep(20000);
		json_decref(sim_test_scall(state, "GET", "/api/v1/namespaces/default/pods/child",
					   NULL, &code));
	}
	assert_int_equal(code, 404);
	for (int i = 0; i < 3; i++) {
		snprintf(body, sizeof(body),
			 "{\"metadata\":{\"name\":\"dc%d\",\"labels\":{\"grp\":\"%s\"}}}", i,
			 i < 2 ? "x" : "y");
		json_decref(sim_test_scall(state, "POST", "/api/v1/namespaces/default/configmaps",
					   body, &st));
	}
	json_t *v = sim_test_scall(state, "DELETE",
				   "/api/v1/namespaces/default/configmaps?labelSelector=grp%3Dx",
				   NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(v, "items")), 2);
	json_decref(v);
	json_decref(
	    sim_test_scall(state, "GET", "/api/v1/namespaces/default/configmaps/dc2", NULL, &st));
	assert_int_equal(st, 200);
}

static void test_namespace_cascade(void **state)
{
	int st;
	json_t *v = sim_test_scall(state, "POST", "/api/v1/namespaces",
				   "{\"metadata\":{\"name\":\"doomed\"}}", &st);
	assert_int_equal(st, 201);
	assert_string_equal(sim_test_str(v, "status.phase"), "Active");
	json_decref(v);
	for (int i = 0; i < 20; i++) {
		char body[128];
		snprintf(body, sizeof(body), "{\"metadata\":{\"name\":\"c%d\"}}", i);
		json_decref(sim_test_scall(state, "POST", "/api/v1/namespaces/doomed/configmaps",
					   body, &st));
		assert_int_equal(st, 201);
	}
	v = sim_test_scall(state, "DELETE", "/api/v1/namespaces/doomed", NULL, &st);
	assert_int_equal(st, 200);
	assert_non_null(sim_test_str(v, "metadata.deletionTimestamp"));
	assert_string_equal(sim_test_str(v, "status.phase"), "Terminating");
	json_decref(v);
	int code = 200;
	for (int i = 0; i < 100 && code == 200; i++) {
		usleep(20000);
		json_decref(sim_test_scall(state, "GET", "/api/v1/namespaces/doomed", NULL, &code));
	}
	assert_int_equal(code, 404);
	v = sim_test_scall(state, "GET",
			   "/api/v1/configmaps?fieldSelector=metadata.namespace%3Ddoomed", NULL,
			   &st);
	assert_int_equal(json_array_size(json_object_get(v, "items")), 0);
	json_decref(v);
	/* the default namespaces exist; a new one gets its default ServiceAccount */
	json_decref(sim_test_scall(state, "GET", "/api/v1/namespaces/kube-system", NULL, &st));
	assert_int_equal(st, 200);
	json_decref(sim_test_scall(state, "POST", "/api/v1/namespaces",
				   "{\"metadata\":{\"name\":\"sa\"}}", &st));
	code = 404;
	for (int i = 0; i < 100 && code == 404; i++) {
		usleep(20000);
		json_decref(sim_test_scall(
		    state, "GET", "/api/v1/namespaces/sa/serviceaccounts/default", NULL, &code));
	}
	assert_int_equal(code, 200);
}

static void test_finalizers(void **state)
{
	int st;
	json_decref(sim_test_scall(
	    state, "POST", "/api/v1/namespaces/default/configmaps",
	    "{\"metadata\":{\"name\":\"fin\",\"finalizers\":[\"example.com/x\"]}}", &st));
	json_t *v =
	    sim_test_scall(state, "DELETE", "/api/v1/namespaces/default/configmaps/fin", NULL, &st);
	assert_int_equal(st, 200);
	assert_non_null(sim_test_str(v, "metadata.deletionTimestamp"));
	json_decref(v);
	json_decref(
	    sim_test_scall(state, "GET", "/api/v1/namespaces/default/configmaps/fin", NULL, &st));
	assert_int_equal(st, 200);
	v = sim_test_call_as(
	    *state, &sim_test_admin, "PATCH", "/api/v1/namespaces/default/configmaps/fin",
	    "application/merge-patch+json", "{\"metadata\":{\"finalizers\":null}}", &st);
	assert_int_equal(st, 200);
	json_decref(v);
	json_decref(
	    sim_test_scall(state, "GET", "/api/v1/namespaces/default/configmaps/fin", NULL, &st));
	assert_int_equal(st, 404);
}

static void test_cluster_scoped_and_versions(void **state)
{
	int st;
	json_t *v = sim_test_scall(
	    state, "POST", "/api/v1/nodes",
	    "{\"metadata\":{\"name\":\"n1\"},\"status\":{\"capacity\":{\"cpu\":\"4\"}}}", &st);
	assert_int_equal(st, 201);
	assert_null(sim_test_str(v, "metadata.namespace"));
	assert_string_equal(sim_test_str(v, "status.capacity.cpu"), "4");
	json_decref(v);
	json_decref(sim_test_scall(state, "GET", "/api/v1/namespaces/default/nodes/n1", NULL, &st));
	assert_int_equal(st, 404);
	/* one object, served at every resource.k8s.io version */
	v = sim_test_scall(
	    state, "POST", "/apis/resource.k8s.io/v1beta1/resourceslices",
	    "{\"apiVersion\":\"resource.k8s.io/v1beta1\",\"kind\":\"ResourceSlice\","
	    "\"metadata\":{\"name\":\"rs1\"},\"spec\":{\"nodeName\":\"n1\",\"driver\":\"d\"}}",
	    &st);
	assert_int_equal(st, 201);
	assert_string_equal(sim_test_str(v, "apiVersion"), "resource.k8s.io/v1beta1");
	json_decref(v);
	v = sim_test_scall(state, "GET", "/apis/resource.k8s.io/v1/resourceslices/rs1", NULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(sim_test_str(v, "apiVersion"), "resource.k8s.io/v1");
	json_decref(v);
	v = sim_test_scall(
	    state, "GET",
	    "/apis/resource.k8s.io/v1beta2/resourceslices?fieldSelector=spec.driver%3Dd", NULL,
	    &st);
	assert_int_equal(json_array_size(json_object_get(v, "items")), 1);
	assert_string_equal(sim_test_str(v, "apiVersion"), "resource.k8s.io/v1beta2");
	json_decref(v);
}

static void test_object_api(void **state)
{
	char *cause = NULL;
	json_t *o = json_loads("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{"
			       "\"name\":\"api1\",\"namespace\":\"fresh\"},\"data\":{\"k\":\"v\"}}",
			       0, NULL);
	assert_int_equal(sim_api_create(*state, o, &cause), 0);
	json_t *got = sim_api_get(*state, "", "configmaps", "fresh", "api1");
	assert_non_null(got);
	json_object_set_new(json_object_get(got, "data"), "k", json_string("w"));
	assert_int_equal(sim_api_put(*state, got, &cause), 0);
	got = sim_api_get(*state, "", "namespaces", NULL, "fresh");
	assert_non_null(got);
	json_decref(got);
	got = sim_api_get(*state, "", "configmaps", "fresh", "api1");
	assert_string_equal(sim_test_str(got, "data.k"), "w");
	json_decref(got);
	o = json_loads("{\"apiVersion\":\"v9\",\"kind\":\"Nope\",\"metadata\":{\"name\":\"x\"}}", 0,
		       NULL);
	assert_int_equal(sim_api_create(*state, o, &cause), -1);
	assert_non_null(strstr(cause, "no matches for kind"));
	free(cause);
	json_t *all = sim_api_list(*state, "", "configmaps");
	assert_true(json_array_size(all) >= 1);
	json_decref(all);
	/* the object is gone (a count would race the controllers, which fill the new
	 * namespace with its ServiceAccount and root CA ConfigMap in the background) */
	assert_int_equal(sim_api_delete(*state, "", "configmaps", "fresh", "api1"), 0);
	assert_null(sim_api_get(*state, "", "configmaps", "fresh", "api1"));
	assert_int_equal(sim_api_delete(*state, "", "configmaps", "fresh", "api1"), -1);
}

/* The review APIs answer without storing; bindings bind the pod they name. */
static void test_reviews_and_bindings(void **state)
{
	int st;
	json_t *v =
	    sim_test_scall(state, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
			   "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":"
			   "\"SelfSubjectReview\"}",
			   &st);
	assert_int_equal(st, 201);
	assert_string_equal(sim_test_str(v, "status.userInfo.username"), "kubernetes-admin");
	json_decref(v);
	const char *sar = "{\"spec\":{\"user\":\"nobody\",\"resourceAttributes\":{\"verb\":"
			  "\"list\",\"resource\":\"secrets\",\"namespace\":\"default\"}}}";
	v = sim_test_scall(state, "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", sar,
			   &st);
	assert_int_equal(st, 201);
	assert_true(json_is_false(json_object_get(json_object_get(v, "status"), "allowed")));
	json_decref(v);
	const char *masters = "{\"spec\":{\"user\":\"x\",\"groups\":[\"system:masters\"],"
			      "\"resourceAttributes\":{\"verb\":\"list\",\"resource\":"
			      "\"secrets\",\"namespace\":\"default\"}}}";
	v = sim_test_scall(state, "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews",
			   masters, &st);
	assert_true(json_is_true(json_object_get(json_object_get(v, "status"), "allowed")));
	json_decref(v);
	/* a LocalSubjectAccessReview about another namespace is invalid */
	v = sim_test_scall(
	    state, "POST",
	    "/apis/authorization.k8s.io/v1/namespaces/other/localsubjectaccessreviews", masters,
	    &st);
	assert_int_equal(st, 422);
	json_decref(v);
	/* nothing was stored: reviews cannot be listed */
	v = sim_test_scall(state, "GET", "/apis/authorization.k8s.io/v1/subjectaccessreviews", NULL,
			   &st);
	assert_int_equal(st, 405);
	json_decref(v);
	/* a Binding posted to the namespace's bindings binds the pod */
	v = sim_test_scall(state, "POST", "/api/v1/namespaces/default/pods", POD("b1", "{}"), &st);
	assert_int_equal(st, 201);
	json_decref(v);
	v = sim_test_scall(state, "POST", "/api/v1/namespaces/default/bindings",
			   "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":"
			   "\"b1\"},\"target\":{\"kind\":\"Node\",\"name\":\"n9\"}}",
			   &st);
	assert_int_equal(st, 201);
	json_decref(v);
	v = sim_test_scall(state, "GET", "/api/v1/namespaces/default/pods/b1", NULL, &st);
	assert_string_equal(sim_test_str(v, "spec.nodeName"), "n9");
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_crud, setup, sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_reviews_and_bindings, setup, sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_generate_name, setup, sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_bad_requests, setup, sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_dry_run, setup, sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_patches, setup, sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_status_subresource, setup, sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_selectors, setup, sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_pagination, setup, sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_delete_collection_and_gc, setup,
					    sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_namespace_cascade, setup, sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_finalizers, setup, sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_cluster_scoped_and_versions, setup,
					    sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_object_api, setup, sim_test_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
