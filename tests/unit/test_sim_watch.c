/* test_sim_watch.c: kaic-sim watches (initial events, ADDED/MODIFIED/DELETED, selectors,
 * resume, 410 Expired, bookmarks, timeouts), CRDs, discovery and RBAC. */
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
#include "objects/admin.h"
#include "rest/watch.h"
#include "runtime.h"
#include "sim.h"
#include "sim_test_util.h"
#include "util/xmalloc.h"

static struct sim_watch *start_watch(void **state, const char *url)
{
	json_t *q;
	char *path = sim_test_split(url, &q);
	struct sim_request req = {"GET", path, q, NULL, NULL, NULL, 0, &sim_test_admin};
	struct sim_response resp;
	sim_api_handle(*state, &req, &resp);
	assert_int_equal(resp.status, 200);
	struct sim_watch *w = resp.watch;
	assert_non_null(w);
	resp.watch = NULL;
	sim_response_release(&resp);
	json_decref(q);
	free(path);
	return w;
}

/* The next event as "TYPE name", or "" when nothing came within wait_ms. */
static void next_event(struct sim_watch *w, char *out, size_t n, long wait_ms, json_t **obj)
{
	char *line;
	size_t len;
	int rc = sim_watch_next(w, &line, &len, wait_ms);
	*out = '\0';
	if (rc == -1) {
		snprintf(out, n, "END");
		return;
	}
	if (rc == 0)
		return;
	assert_int_equal(line[len - 1], '\n');
	json_t *ev = json_loads(line, 0, NULL);
	assert_non_null(ev);
	const char *name = sim_test_str(json_object_get(ev, "object"), "metadata.name");
	snprintf(out, n, "%s %s", sim_test_str(ev, "type"), name ? name : "-");
	if (obj)
		*obj = json_incref(json_object_get(ev, "object"));
	json_decref(ev);
	free(line);
}

static void cm(void **state, const char *m, const char *name, const char *labels)
{
	char url[256], body[256];
	int st;
	snprintf(body, sizeof(body), "{\"metadata\":{\"name\":\"%s\",\"labels\":%s}}", name,
		 labels);
	if (!strcmp(m, "POST"))
		snprintf(url, sizeof(url), "/api/v1/namespaces/default/configmaps");
	else
		snprintf(url, sizeof(url), "/api/v1/namespaces/default/configmaps/%s", name);
	json_decref(sim_test_scall(state, m, url, strcmp(m, "DELETE") ? body : NULL, &st));
	assert_true(st == 200 || st == 201);
}

static void test_watch_events(void **state)
{
	char ev[128];
	cm(state, "POST", "pre", "{}");
	struct sim_watch *w = start_watch(state, "/api/v1/namespaces/default/configmaps?watch=1");
	next_event(w, ev, sizeof(ev), 100, NULL);
	assert_string_equal(ev, "ADDED pre");
	next_event(w, ev, sizeof(ev), 50, NULL);
	assert_string_equal(ev, "");
	cm(state, "POST", "w1", "{}");
	cm(state, "PUT", "w1", "{\"x\":\"y\"}");
	cm(state, "DELETE", "w1", "{}");
	json_t *obj = NULL;
	next_event(w, ev, sizeof(ev), 100, &obj);
	assert_string_equal(ev, "ADDED w1");
	assert_string_equal(sim_test_str(obj, "kind"), "ConfigMap");
	char *rv = strdup(sim_test_str(obj, "metadata.resourceVersion"));
	json_decref(obj);
	next_event(w, ev, sizeof(ev), 100, NULL);
	assert_string_equal(ev, "MODIFIED w1");
	next_event(w, ev, sizeof(ev), 100, NULL);
	assert_string_equal(ev, "DELETED w1");
	sim_watch_free(w);

	/* resume after the ADDED event: MODIFIED and DELETED follow */
	char url[256];
	snprintf(url, sizeof(url),
		 "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=%s", rv);
	w = start_watch(state, url);
	next_event(w, ev, sizeof(ev), 100, NULL);
	assert_string_equal(ev, "MODIFIED w1");
	next_event(w, ev, sizeof(ev), 100, NULL);
	assert_string_equal(ev, "DELETED w1");
	sim_watch_free(w);
	free(rv);

	/* a watch in another namespace sees nothing of default */
	w = start_watch(state, "/api/v1/namespaces/kube-system/configmaps?watch=1");
	cm(state, "POST", "w2", "{}");
	next_event(w, ev, sizeof(ev), 50, NULL);
	assert_string_equal(ev, "");
	sim_watch_free(w);
}

static void test_watch_selectors(void **state)
{
	char ev[128];
	struct sim_watch *w = start_watch(
	    state, "/api/v1/configmaps?watch=1&labelSelector=app%3Dweb&resourceVersion=0");
	cm(state, "POST", "a", "{\"app\":\"db\"}");
	cm(state, "POST", "b", "{\"app\":\"web\"}");
	cm(state, "PUT", "a", "{\"app\":\"web\"}"); /* enters the selection */
	cm(state, "PUT", "b", "{\"app\":\"db\"}");  /* leaves it */
	next_event(w, ev, sizeof(ev), 100, NULL);
	assert_string_equal(ev, "ADDED b");
	next_event(w, ev, sizeof(ev), 100, NULL);
	assert_string_equal(ev, "ADDED a");
	next_event(w, ev, sizeof(ev), 100, NULL);
	assert_string_equal(ev, "DELETED b");
	sim_watch_free(w);
	/* fieldSelector metadata.name, as kubectl wait uses it */
	w = start_watch(state, "/api/v1/namespaces/default/configmaps?watch=1&fieldSelector="
			       "metadata.name%3Da");
	next_event(w, ev, sizeof(ev), 100, NULL);
	assert_string_equal(ev, "ADDED a");
	cm(state, "DELETE", "b", "{}");
	cm(state, "DELETE", "a", "{}");
	next_event(w, ev, sizeof(ev), 100, NULL);
	assert_string_equal(ev, "DELETED a");
	sim_watch_free(w);
}

static void test_watch_gone_and_timeout(void **state)
{
	char ev[128];
	cm(state, "POST", "first", "{}");
	json_t *v = sim_api_get(*state, "", "configmaps", "default", "first");
	char *rv = strdup(sim_test_str(v, "metadata.resourceVersion"));
	json_decref(v);
	for (int i = 0; i < 10100; i++) {
		char name[32];
		snprintf(name, sizeof(name), "churn-%d", i);
		json_t *o = json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion", "v1", "kind",
				      "Secret", "metadata", "name", name, "namespace", "default");
		char *cause = NULL;
		assert_int_equal(sim_api_create(*state, o, &cause), 0);
	}
	char url[256];
	snprintf(url, sizeof(url),
		 "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=%s", rv);
	struct sim_watch *w = start_watch(state, url);
	char *line;
	size_t len;
	assert_int_equal(sim_watch_next(w, &line, &len, 100), 1);
	json_t *e = json_loads(line, 0, NULL);
	assert_string_equal(sim_test_str(e, "type"), "ERROR");
	json_t *st = json_object_get(e, "object");
	assert_int_equal(json_integer_value(json_object_get(st, "code")), 410);
	assert_string_equal(sim_test_str(st, "reason"), "Expired");
	json_decref(e);
	free(line);
	assert_int_equal(sim_watch_next(w, &line, &len, 10), -1);
	sim_watch_free(w);
	free(rv);
	/* an expired continue token answers 410 too */
	int code;
	json_decref(sim_test_scall(state, "GET", "/api/v1/namespaces/default/configmaps?limit=1",
				   NULL, &code));
	/* timeoutSeconds ends the stream; bookmarks arrive when asked for */
	w = start_watch(state, "/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1&"
			       "allowWatchBookmarks=true&resourceVersion=999999999");
	bool bookmark = false, ended = false;
	for (int i = 0; i < 40 && !ended; i++) {
		next_event(w, ev, sizeof(ev), 100, NULL);
		bookmark = bookmark || !strncmp(ev, "BOOKMARK", 8);
		ended = !strcmp(ev, "END");
	}
	assert_true(ended);
	assert_true(bookmark);
	sim_watch_free(w);
}

static const char *crd_body =
    "{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\","
    "\"metadata\":{\"name\":\"widgets.example.com\"},\"spec\":{\"group\":\"example.com\","
    "\"scope\":\"Namespaced\",\"names\":{\"plural\":\"widgets\",\"kind\":\"Widget\","
    "\"shortNames\":[\"wd\"]},\"versions\":[{\"name\":\"v1\",\"served\":true,\"storage\":true,"
    "\"subresources\":{\"status\":{}},\"schema\":{\"openAPIV3Schema\":{\"type\":\"object\","
    "\"properties\":{\"spec\":{\"type\":\"object\",\"properties\":{\"size\":{\"type\":"
    "\"integer\"}}},\"status\":{\"type\":\"object\",\"x-kubernetes-preserve-unknown-fields\":"
    "true}}}}},"
    "{\"name\":\"v1alpha1\",\"served\":false,\"storage\":false}]}}";

static bool has_resource(const json_t *list, const char *name)
{
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(list, "resources"), i, r) {
		if (!strcmp(sim_test_str(r, "name"), name))
			return true;
	}
	return false;
}

static const char *AGG = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
			 "application/json";

static json_t *get_accept(void **state, const char *path, const char *accept, char **ctype)
{
	struct sim_request req = {"GET", path, NULL, NULL, accept, NULL, 0, &sim_test_admin};
	struct sim_response resp;
	sim_api_handle(*state, &req, &resp);
	assert_int_equal(resp.status, 200);
	*ctype = resp.content_type ? strdup(resp.content_type) : NULL;
	json_t *v = json_loadb(resp.body, resp.len, 0, NULL);
	sim_response_release(&resp);
	return v;
}

static json_t *agg_group(json_t *list, const char *name)
{
	size_t i;
	json_t *g;
	json_array_foreach(json_object_get(list, "items"), i, g) {
		const char *n = sim_test_str(g, "metadata.name");
		if (!strcmp(n ? n : "", name))
			return g;
	}
	return NULL;
}

static void test_crd(void **state)
{
	int st;
	json_t *v =
	    sim_test_scall(state, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
			   crd_body, &st);
	assert_int_equal(st, 201);
	json_t *conds = json_object_get(json_object_get(v, "status"), "conditions");
	bool established = false;
	size_t i;
	json_t *c;
	json_array_foreach(conds, i, c) {
		established = established || (!strcmp(sim_test_str(c, "type"), "Established") &&
					      !strcmp(sim_test_str(c, "status"), "True"));
	}
	assert_true(established);
	assert_string_equal(sim_test_str(v, "status.acceptedNames.kind"), "Widget");
	json_decref(v);
	/* discovery, legacy and aggregated */
	v = sim_test_scall(state, "GET", "/apis/example.com/v1", NULL, &st);
	assert_int_equal(st, 200);
	assert_true(has_resource(v, "widgets"));
	assert_true(has_resource(v, "widgets/status"));
	json_decref(v);
	json_decref(sim_test_scall(state, "GET", "/apis/example.com/v1alpha1", NULL, &st));
	assert_int_equal(st, 404);
	char *ct = NULL;
	v = get_accept(state, "/apis", AGG, &ct);
	assert_string_equal(ct,
			    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
	free(ct);
	assert_string_equal(sim_test_str(v, "kind"), "APIGroupDiscoveryList");
	json_t *g = agg_group(v, "example.com");
	assert_non_null(g);
	json_t *ver = json_array_get(json_object_get(g, "versions"), 0);
	assert_string_equal(sim_test_str(ver, "version"), "v1");
	json_t *res = json_array_get(json_object_get(ver, "resources"), 0);
	assert_string_equal(sim_test_str(res, "resource"), "widgets");
	assert_string_equal(sim_test_str(res, "scope"), "Namespaced");
	assert_string_equal(sim_test_str(res, "responseKind.kind"), "Widget");
	json_decref(v);
	/* custom resources: status subresource, merge patch, no strategic merge */
	v = sim_test_scall(
	    state, "POST", "/apis/example.com/v1/namespaces/default/widgets",
	    "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":"
	    "\"w\"},\"spec\":{\"size\":1},\"status\":{\"ok\":true}}",
	    &st);
	assert_int_equal(st, 201);
	assert_null(json_object_get(v, "status"));
	json_decref(v);
	v = sim_test_call_as(*state, &sim_test_admin, "PATCH",
			     "/apis/example.com/v1/namespaces/default/widgets/w",
			     "application/strategic-merge-patch+json", "{}", &st);
	assert_int_equal(st, 415);
	json_decref(v);
	v = sim_test_call_as(*state, &sim_test_admin, "PATCH",
			     "/apis/example.com/v1/namespaces/default/widgets/w",
			     "application/merge-patch+json", "{\"spec\":{\"size\":2}}", &st);
	assert_int_equal(st, 200);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(v, "metadata"), "generation")), 2);
	json_decref(v);
	v = sim_test_scall(state, "GET", "/apis/example.com/v1/widgets", NULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(sim_test_str(v, "kind"), "WidgetList");
	json_t *item = json_array_get(json_object_get(v, "items"), 0);
	assert_string_equal(sim_test_str(item, "kind"), "Widget");
	json_decref(v);
	/* deleting the CRD stops serving it and removes its objects */
	json_decref(sim_test_scall(
	    state, "DELETE",
	    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com", NULL,
	    &st));
	assert_int_equal(st, 200);
	json_decref(sim_test_scall(state, "GET", "/apis/example.com/v1/widgets", NULL, &st));
	assert_int_equal(st, 404);
	v = sim_test_scall(state, "GET", "/apis", NULL, &st);
	char *dump = json_dumps(v, 0);
	assert_null(strstr(dump, "example.com"));
	free(dump);
	json_decref(v);
	/* a CRD with a wrong name is invalid */
	v = sim_test_scall(
	    state, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
	    "{\"metadata\":{\"name\":\"x.example.com\"},\"spec\":{\"group\":\"example.com\","
	    "\"scope\":\"Cluster\",\"names\":{\"plural\":\"ys\",\"kind\":\"Y\"},\"versions\":"
	    "[{\"name\":\"v1\",\"served\":true,\"storage\":true}]}}",
	    &st);
	assert_int_equal(st, 422);
	json_decref(v);
}

static void test_discovery(void **state)
{
	int st;
	json_t *v = sim_test_scall(state, "GET", "/api", NULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(sim_test_str(v, "kind"), "APIVersions");
	json_decref(v);
	v = sim_test_scall(state, "GET", "/api/v1", NULL, &st);
	assert_string_equal(sim_test_str(v, "kind"), "APIResourceList");
	assert_true(has_resource(v, "pods"));
	assert_true(has_resource(v, "pods/status"));
	assert_true(has_resource(v, "namespaces"));
	json_t *r;
	size_t i;
	json_array_foreach(json_object_get(v, "resources"), i, r) {
		if (!strcmp(sim_test_str(r, "name"), "pods")) {
			assert_string_equal(sim_test_str(r, "kind"), "Pod");
			assert_true(json_is_true(json_object_get(r, "namespaced")));
			assert_string_equal(
			    json_string_value(json_array_get(json_object_get(r, "shortNames"), 0)),
			    "po");
		}
	}
	json_decref(v);
	v = sim_test_scall(state, "GET", "/apis", NULL, &st);
	assert_string_equal(sim_test_str(v, "kind"), "APIGroupList");
	bool apps = false, dra = false;
	json_t *g;
	json_array_foreach(json_object_get(v, "groups"), i, g) {
		apps = apps || !strcmp(sim_test_str(g, "name"), "apps");
		if (!strcmp(sim_test_str(g, "name"), "resource.k8s.io")) {
			dra = true;
			assert_string_equal(sim_test_str(g, "preferredVersion.version"), "v1");
			assert_int_equal(json_array_size(json_object_get(g, "versions")), 3);
		}
	}
	assert_true(apps && dra);
	json_decref(v);
	v = sim_test_scall(state, "GET", "/apis/apps", NULL, &st);
	assert_string_equal(sim_test_str(v, "kind"), "APIGroup");
	json_decref(v);
	char *ct;
	v = get_accept(state, "/api",
		       "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList",
		       &ct);
	assert_string_equal(
	    ct, "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList");
	free(ct);
	assert_string_equal(sim_test_str(v, "apiVersion"), "apidiscovery.k8s.io/v2beta1");
	json_t *core = agg_group(v, "");
	assert_non_null(core);
	json_decref(v);
	v = get_accept(state, "/apis", "application/json", &ct);
	assert_null(ct);
	assert_string_equal(sim_test_str(v, "kind"), "APIGroupList");
	json_decref(v);
	/* settings choose the resource.k8s.io versions */
	char *versions[] = {"v1beta1", NULL};
	struct sim_settings s = {0};
	s.resource_versions = versions;
	struct sim_api *api = sim_api_new(&s);
	v = sim_test_call(api, "GET", "/apis/resource.k8s.io/v1/resourceslices", NULL, &st);
	assert_int_equal(st, 404);
	json_decref(v);
	v = sim_test_call(api, "GET", "/apis/resource.k8s.io/v1beta1/resourceslices", NULL, &st);
	assert_int_equal(st, 200);
	json_decref(v);
	sim_api_free(api);
}

static const char *alice_groups[] = {"devs", NULL};
static const struct sim_identity alice = {"alice", alice_groups};

static void test_rbac(void **state)
{
	int st;
	json_t *v = sim_test_call_as(*state, &alice, "GET", "/api/v1/namespaces/default/pods", NULL,
				     NULL, &st);
	assert_int_equal(st, 403);
	assert_string_equal(sim_test_str(v, "reason"), "Forbidden");
	assert_string_equal(
	    sim_test_str(v, "message"),
	    "pods is forbidden: User \"alice\" cannot list resource \"pods\" in API "
	    "group \"\" in the namespace \"default\"");
	assert_string_equal(sim_test_str(v, "details.kind"), "pods");
	json_decref(v);
	v = sim_test_call_as(*state, &alice, "GET", "/apis/apps/v1/deployments", NULL, NULL, &st);
	assert_string_equal(sim_test_str(v, "message"),
			    "deployments.apps is forbidden: User \"alice\" cannot list resource "
			    "\"deployments\" in API group \"apps\" at the cluster scope");
	json_decref(v);
	v = sim_test_call_as(*state, &alice, "GET", "/api/v1/namespaces/default/pods/x/log", NULL,
			     NULL, &st);
	assert_string_equal(
	    sim_test_str(v, "message"),
	    "pods \"x\" is forbidden: User \"alice\" cannot get resource \"pods/log\" "
	    "in API group \"\" in the namespace \"default\"");
	json_decref(v);
	/* discovery is open to every authenticated user */
	json_decref(sim_test_call_as(*state, &alice, "GET", "/apis", NULL, NULL, &st));
	assert_int_equal(st, 200);
	/* grant: a Role for the group, bound in default */
	json_decref(sim_test_scall(
	    state, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
	    "{\"metadata\":{\"name\":\"reader\"},\"rules\":[{\"apiGroups\":[\"\"],"
	    "\"resources\":[\"pods\",\"configmaps\"],\"verbs\":[\"get\",\"list\"]},"
	    "{\"apiGroups\":[\"\"],\"resources\":[\"secrets\"],\"resourceNames\":"
	    "[\"open\"],\"verbs\":[\"get\"]}]}",
	    &st));
	assert_int_equal(st, 201);
	json_decref(sim_test_scall(
	    state, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
	    "{\"metadata\":{\"name\":\"devs-read\"},\"roleRef\":{\"apiGroup\":"
	    "\"rbac.authorization.k8s.io\",\"kind\":\"Role\",\"name\":\"reader\"},"
	    "\"subjects\":[{\"kind\":\"Group\",\"name\":\"devs\"}]}",
	    &st));
	assert_int_equal(st, 201);
	json_decref(sim_test_call_as(*state, &alice, "GET", "/api/v1/namespaces/default/pods", NULL,
				     NULL, &st));
	assert_int_equal(st, 200);
	json_decref(sim_test_call_as(*state, &alice, "GET", "/api/v1/namespaces/kube-system/pods",
				     NULL, NULL, &st));
	assert_int_equal(st, 403);
	json_decref(sim_test_call_as(*state, &alice, "DELETE", "/api/v1/namespaces/default/pods/x",
				     NULL, NULL, &st));
	assert_int_equal(st, 403);
	json_decref(sim_test_call_as(*state, &alice, "GET",
				     "/api/v1/namespaces/default/secrets/open", NULL, NULL, &st));
	assert_int_equal(st, 404); /* allowed, but there is no such secret */
	json_decref(sim_test_call_as(*state, &alice, "GET",
				     "/api/v1/namespaces/default/secrets/closed", NULL, NULL, &st));
	assert_int_equal(st, 403);
	json_decref(sim_test_call_as(*state, &alice, "GET", "/api/v1/namespaces/default/secrets",
				     NULL, NULL, &st));
	assert_int_equal(st, 403);
	/* service accounts through a ClusterRoleBinding */
	const char *sa_groups[] = {NULL};
	struct sim_identity sa = {"system:serviceaccount:ci:runner", sa_groups};
	json_decref(sim_test_call_as(*state, &sa, "GET", "/api/v1/nodes", NULL, NULL, &st));
	assert_int_equal(st, 403);
	json_decref(sim_test_scall(
	    state, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles",
	    "{\"metadata\":{\"name\":\"node-reader\"},\"rules\":[{\"apiGroups\":[\"\"],"
	    "\"resources\":[\"nodes\"],\"verbs\":[\"*\"]}]}",
	    &st));
	json_decref(
	    sim_test_scall(state, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
			   "{\"metadata\":{\"name\":\"ci-nodes\"},\"roleRef\":{\"apiGroup\":"
			   "\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\",\"name\":"
			   "\"node-reader\"},\"subjects\":[{\"kind\":\"ServiceAccount\",\"name\":"
			   "\"runner\",\"namespace\":\"ci\"}]}",
			   &st));
	assert_int_equal(st, 201);
	json_decref(sim_test_call_as(*state, &sa, "GET", "/api/v1/nodes", NULL, NULL, &st));
	assert_int_equal(st, 200);
	/* SelfSubjectAccessReview answers from the same rules */
	v = sim_test_call_as(*state, &alice, "POST",
			     "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
			     "application/json",
			     "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":"
			     "\"SelfSubjectAccessReview\",\"spec\":{\"resourceAttributes\":{"
			     "\"namespace\":\"default\",\"verb\":\"list\",\"resource\":\"pods\"}}}",
			     &st);
	assert_int_equal(st, 201);
	assert_true(json_is_true(json_object_get(json_object_get(v, "status"), "allowed")));
	json_decref(v);
	v = sim_test_call_as(*state, &alice, "POST",
			     "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
			     "application/json",
			     "{\"spec\":{\"resourceAttributes\":{\"verb\":\"delete\",\"resource\":"
			     "\"nodes\"}}}",
			     &st);
	assert_false(json_is_true(json_object_get(json_object_get(v, "status"), "allowed")));
	json_decref(v);
	/* non-resource paths */
	struct sim_response resp = {0};
	assert_true(sim_api_authorize_path(*state, &alice, "get", "/version", &resp));
	assert_false(sim_api_authorize_path(*state, &alice, "get", "/metrics", &resp));
	assert_int_equal(resp.status, 403);
	assert_non_null(strstr(resp.body, "cannot get path \\\"/metrics\\\""));
	sim_response_release(&resp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_watch_events, sim_test_setup, sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_watch_selectors, sim_test_setup,
					    sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_watch_gone_and_timeout, sim_test_setup,
					    sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_crd, sim_test_setup, sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_discovery, sim_test_setup, sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_rbac, sim_test_setup, sim_test_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
