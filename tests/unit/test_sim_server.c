/* test_sim_server.c: unit tests of kaic-sim's front end: URL splitting, routing of
 * non-API paths, fault determinism, authentication, certificates, scenario.yaml and the
 * kubeconfig. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/status.h"
#include "objects/admin.h"
#include "runtime.h"
#include "scenario/scenario.h"
#include "server/auth.h"
#include "server/faults.h"
#include "server/kubeconfig.h"
#include "server/server.h"
#include "server/tls.h"
#include "sim.h"
#include "util/xmalloc.h"
#include "util/yaml.h"

static void test_url_split(void **state)
{
	char *path;
	json_t *q;

	(void)state;
	assert_int_equal(sim_url_split("/api/v1/pods?limit=50&labelSelector=a%3Db%2Cc+in+(x)&"
				       "watch&limit=7&bad=%zz",
				       &path, &q),
			 0);
	assert_string_equal(path, "/api/v1/pods");
	assert_string_equal(json_string_value(json_object_get(q, "limit")), "7");
	assert_string_equal(json_string_value(json_object_get(q, "labelSelector")), "a=b,c in (x)");
	assert_string_equal(json_string_value(json_object_get(q, "watch")), "");
	assert_null(json_object_get(q, "bad")); /* dropped like Go's ParseQuery */
	free(path);
	json_decref(q);

	assert_int_equal(sim_url_split("/api/v1/namespaces/a%2Fb/pods", &path, &q), 0);
	assert_string_equal(path, "/api/v1/namespaces/a/b/pods");
	assert_int_equal(json_object_size(q), 0);
	free(path);
	json_decref(q);

	assert_int_equal(sim_url_split("/api/v1/p%00ods", &path, &q), -1);
	assert_null(path);
	assert_null(q);
	assert_int_equal(sim_url_split("/api/%ZZ", &path, &q), -1);
	assert_int_equal(sim_url_split("/api/%f", &path, &q), -1);
	assert_int_equal(sim_url_split("/api/%ff%fe", &path, &q), -1); /* not UTF-8 */
	assert_int_equal(sim_url_split("api", &path, &q), -1);
	assert_int_equal(sim_url_split("/x?a=%ff", &path, &q), -1);
}

static void test_public_paths(void **state)
{
	(void)state;
	assert_true(sim_route_is_public("/healthz"));
	assert_true(sim_route_is_public("/readyz/ping"));
	assert_true(sim_route_is_public("/livez"));
	assert_true(sim_route_is_public("/version"));
	assert_false(sim_route_is_public("/healthzz"));
	assert_false(sim_route_is_public("/api"));
	assert_false(sim_route_is_public("/openapi/v3"));
	assert_false(sim_route_is_public("/version/x"));
}

static void route(const char *path, struct sim_response *resp)
{
	struct sim_settings s;
	struct sim_router r = {NULL, &s, NULL};
	struct sim_request req = {0};
	char *p;
	json_t *q;

	sim_settings_defaults(&s);
	free(s.version);
	s.version = xstrdup("v1.33.4");
	assert_int_equal(sim_url_split(path, &p, &q), 0);
	req.method = "GET";
	req.path = p;
	req.query = q;
	sim_route(&r, &req, resp);
	free(p);
	json_decref(q);
	sim_settings_release(&s);
}

static void test_route_non_api(void **state)
{
	struct sim_response resp;
	json_t *v;

	(void)state;
	route("/healthz", &resp);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.body, "ok");
	sim_response_release(&resp);

	route("/version", &resp);
	assert_int_equal(resp.status, 200);
	v = json_loadb(resp.body, resp.len, 0, NULL);
	assert_non_null(v);
	assert_string_equal(json_string_value(json_object_get(v, "gitVersion")), "v1.33.4");
	assert_string_equal(json_string_value(json_object_get(v, "major")), "1");
	assert_string_equal(json_string_value(json_object_get(v, "minor")), "33");
	json_decref(v);
	sim_response_release(&resp);

	route("/metrics", &resp);
	assert_int_equal(resp.status, 404);
	sim_response_release(&resp);

	route("/openapi/v3", &resp); /* no OpenAPI set: a Status, not a crash */
	assert_int_equal(resp.status, 404);
	assert_non_null(strstr(resp.body, "\"Status\""));
	sim_response_release(&resp);
}

static void plan_many(unsigned long seed, const char *path, enum sim_fault_kind *out, size_t n)
{
	struct sim_faults f = {0};
	struct sim_fault_state fs;
	struct sim_fault_plan p;

	f.error_rate = 0.2;
	f.throttle_rate = 0.2;
	f.drop_rate = 0.1;
	f.truncate_rate = 0.1;
	f.slow_ms = 5;
	sim_faults_init(&fs, &f, seed);
	for (size_t i = 0; i < n; i++) {
		sim_faults_plan(&fs, path, &p);
		out[i] = p.kind;
		assert_int_equal(p.slow_ms, strncmp(path, "/apis/", 6) == 0 ? 5 : 0);
	}
	sim_faults_release(&fs);
}

static void test_faults(void **state)
{
	enum sim_fault_kind a[400], b[400], c[400];
	size_t count[5] = {0};

	(void)state;
	plan_many(7, "/apis/apps/v1/deployments", a, 400);
	plan_many(7, "/apis/apps/v1/deployments", b, 400);
	plan_many(8, "/apis/apps/v1/deployments", c, 400);
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, c, sizeof(a));
	for (size_t i = 0; i < 400; i++)
		count[a[i]]++;
	/* every kind shows up at roughly its rate */
	assert_in_range(count[SIM_FAULT_DROP], 15, 70);
	assert_in_range(count[SIM_FAULT_ERROR], 30, 110);
	assert_in_range(count[SIM_FAULT_THROTTLE], 20, 100);
	assert_in_range(count[SIM_FAULT_TRUNCATE], 5, 60);
	assert_in_range(count[SIM_FAULT_NONE], 100, 300);
	plan_many(7, "/healthz", a, 50);
	plan_many(7, "/apiz", b, 50);
	for (size_t i = 0; i < 50; i++) {
		assert_int_equal(a[i], SIM_FAULT_NONE);
		assert_int_equal(b[i], SIM_FAULT_NONE);
	}
}

static unsigned char *pem_to_der(const char *pem, size_t *len)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);

	assert_true(n > 0);
	*len = (size_t)n;
	X509_free(x);
	BIO_free(b);
	return der;
}

static void test_tls_and_auth(void **state)
{
	struct sim_tls t, other;
	struct sim_settings s;
	struct sim_who who;
	char *cause = NULL, *groups[] = {"g1", NULL};
	struct sim_token tok = {"secret-token-1", "alice", groups};
	const unsigned char *der[1];
	unsigned char *adm, *foreign;
	size_t len[1], flen;

	(void)state;
	assert_int_equal(sim_tls_init(&t, NULL, NULL, &cause), 0);
	assert_int_equal(sim_tls_init(&other, NULL, NULL, &cause), 0);
	assert_non_null(strstr(t.ca_pem, "BEGIN CERTIFICATE"));
	assert_non_null(strstr(t.admin_key_pem, "PRIVATE KEY"));
	sim_settings_defaults(&s);
	s.tokens = &tok;
	s.ntokens = 1;

	adm = pem_to_der(t.admin_cert_pem, &len[0]);
	der[0] = adm;
	assert_int_equal(sim_auth_identify(&t, &s, der, len, 1, NULL, &who), 0);
	assert_string_equal(who.id.user, "kubernetes-admin");
	assert_string_equal(who.id.groups[0], "system:masters");
	assert_string_equal(who.id.groups[1], "system:authenticated");
	assert_null(who.id.groups[2]);
	sim_who_release(&who);

	/* a certificate from another CA, even with system:masters, is nobody */
	foreign = pem_to_der(other.admin_cert_pem, &flen);
	der[0] = foreign;
	len[0] = flen;
	assert_int_equal(sim_auth_identify(&t, &s, der, len, 1, NULL, &who), -1);
	/* the server certificate is not a client certificate */
	free(foreign);
	foreign = pem_to_der(t.server_cert_pem, &flen);
	der[0] = foreign;
	len[0] = flen;
	assert_int_equal(sim_auth_identify(&t, &s, der, len, 1, NULL, &who), -1);

	assert_int_equal(sim_auth_identify(&t, &s, NULL, NULL, 0, "Bearer secret-token-1", &who),
			 0);
	assert_string_equal(who.id.user, "alice");
	assert_string_equal(who.id.groups[0], "g1");
	assert_string_equal(who.id.groups[1], "system:authenticated");
	sim_who_release(&who);
	assert_int_equal(sim_auth_identify(&t, &s, NULL, NULL, 0, "Bearer secret-token", &who), -1);
	assert_int_equal(sim_auth_identify(&t, &s, NULL, NULL, 0, "Basic c2VjcmV0", &who), -1);
	assert_int_equal(sim_auth_identify(&t, &s, NULL, NULL, 0, NULL, &who), -1);

	s.tokens = NULL;
	s.ntokens = 0;
	sim_settings_release(&s);
	free(adm);
	free(foreign);
	sim_tls_release(&other);
	sim_tls_release(&t);
	assert_int_equal(sim_tls_init(&t, "/nonexistent.pem", "/nonexistent.key", &cause), -1);
	assert_non_null(strstr(cause, "nonexistent.pem"));
	free(cause);
}

static char *scratch_dir(void)
{
	char tmpl[] = "/tmp/kaic-sim-unit.XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	return xstrdup(tmpl);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static void test_settings(void **state)
{
	char *dir = scratch_dir(), *cause = NULL;
	struct sim_settings s;
	char *cmd;

	(void)state;
	assert_int_equal(sim_scenario_settings(dir, &s, &cause), 0);
	assert_string_equal(s.version, "v1.34.1");
	assert_string_equal(s.resource_versions[0], "v1");
	assert_string_equal(s.resource_versions[2], "v1beta1");
	assert_null(s.resource_versions[3]);
	assert_int_equal(s.seed, 1);
	assert_null(s.large);
	sim_settings_release(&s);

	write_file(dir, "m.txt", "up 1\n");
	write_file(dir, "scenario.yaml",
		   "version: v1.35.0\nresourceAPIVersions: [v1beta2]\nseed: 42\n"
		   "tokens:\n  - {token: t0k3n-abc, user: bob, groups: [a, b]}\n"
		   "proxy:\n  - {path: /api/v1/namespaces/x/services/y:1/proxy/m, file: m.txt}\n"
		   "latencyMs: 3\nfaults: {errorRate: 0.5, throttleRate: 0.25, retryAfterSeconds: "
		   "4, slowMs: 10, watchCutAfterSeconds: 2, pathPrefix: /apis}\n"
		   "large: {nodes: 3}\ncontrollers: {pods: {startupSeconds: 1}}\n");
	assert_int_equal(sim_scenario_settings(dir, &s, &cause), 0);
	assert_string_equal(s.version, "v1.35.0");
	assert_string_equal(s.resource_versions[0], "v1beta2");
	assert_null(s.resource_versions[1]);
	assert_int_equal(s.seed, 42);
	assert_int_equal(s.ntokens, 1);
	assert_string_equal(s.tokens[0].user, "bob");
	assert_string_equal(s.tokens[0].groups[1], "b");
	assert_int_equal(s.nproxy, 1);
	assert_int_equal(s.proxy[0].len, 5);
	assert_int_equal(s.proxy[0].status, 200);
	assert_int_equal(s.latency_ms, 3);
	assert_true(s.faults.error_rate == 0.5);
	assert_int_equal(s.faults.retry_after_s, 4);
	assert_int_equal(s.faults.watch_cut_after_s, 2);
	assert_string_equal(s.faults.only_path_prefix, "/apis");
	assert_int_equal(json_integer_value(json_object_get(s.large, "nodes")), 3);
	assert_non_null(json_object_get(s.controllers, "pods"));
	sim_settings_release(&s);

	write_file(dir, "scenario.yaml", "faults: {errorRate: 1.5}\n");
	assert_int_equal(sim_scenario_settings(dir, &s, &cause), -1);
	assert_non_null(strstr(cause, "faults.errorRate"));
	safefree(cause);
	write_file(dir, "scenario.yaml", "proxy: [{path: /x, file: missing.txt}]\n");
	assert_int_equal(sim_scenario_settings(dir, &s, &cause), -1);
	assert_non_null(strstr(cause, "missing.txt"));
	safefree(cause);
	write_file(dir, "scenario.yaml", "[1, 2]\n");
	assert_int_equal(sim_scenario_settings(dir, &s, &cause), -1);
	safefree(cause);

	cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(dir);
}

static void test_kubeconfig(void **state)
{
	char *dir = scratch_dir(), *cause = NULL, *path = xasprintf("%s/kc", dir), *cmd;
	struct sim_tls t;
	json_t *docs, *kc;

	(void)state;
	assert_int_equal(sim_tls_init(&t, NULL, NULL, &cause), 0);
	assert_int_equal(sim_kubeconfig_write(path, &t, 6443, &cause), 0);
	assert_int_equal(access(path, R_OK), 0);
	assert_int_equal(yaml_load_file(path, &docs, &cause), 0);
	kc = json_array_get(docs, 0);
	assert_string_equal(json_string_value(json_object_get(kc, "current-context")), "kaic-sim");
	assert_string_equal(
	    json_string_value(json_object_get(
		json_object_get(json_array_get(json_object_get(kc, "clusters"), 0), "cluster"),
		"server")),
	    "https://127.0.0.1:6443");
	json_decref(docs);
	free(path);
	path = xasprintf("%s/no/such/dir/kc", dir);
	assert_int_equal(sim_kubeconfig_write(path, &t, 1, &cause), -1);
	assert_non_null(strstr(cause, "cannot write"));
	free(cause);
	sim_tls_release(&t);
	cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(path);
	free(dir);
}

static size_t count_of(struct sim_api *api, const char *group, const char *resource)
{
	json_t *all = sim_api_list(api, group, resource);
	size_t n = json_array_size(all);

	json_decref(all);
	return n;
}

static void test_scenario_load(void **state)
{
	char *dir = scratch_dir(), *cause = NULL, *cmd, *sub;
	struct sim_settings s;
	struct sim_api *api;
	json_t *o;

	(void)state;
	/* the custom resource's file sorts before its CRD's, the ConfigMap before its
	 * Namespace: loading must still order CRDs, then Namespaces, then the rest */
	write_file(dir, "a-widget.yaml",
		   "apiVersion: example.com/v1\nkind: Widget\n"
		   "metadata: {name: w1, namespace: team}\nspec: {size: 2}\n");
	write_file(dir, "b-team.yaml",
		   "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c1, namespace: team}\n"
		   "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n---\n"
		   "apiVersion: v1\nkind: Namespace\nmetadata: {name: default}\n");
	write_file(dir, "list.json",
		   "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": ["
		   "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": "
		   "{\"name\": \"c2\", \"namespace\": \"team\"}},"
		   "{\"apiVersion\": \"v1\", \"kind\": \"Node\", \"metadata\": "
		   "{\"name\": \"n1\"}, \"status\": {\"capacity\": {\"cpu\": \"4\"}}}]}");
	write_file(dir, "z-crd.yml",
		   "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
		   "metadata: {name: widgets.example.com}\nspec:\n  group: example.com\n"
		   "  scope: Namespaced\n  names: {plural: widgets, singular: widget, kind: "
		   "Widget, listKind: WidgetList}\n  versions:\n  - name: v1\n    served: true\n"
		   "    storage: true\n    schema:\n      openAPIV3Schema: {type: object, "
		   "x-kubernetes-preserve-unknown-fields: true}\n");
	sub = xasprintf("%s/files", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	write_file(sub, "not-a-manifest.yaml", "this: [is not loaded\n");
	free(sub);
	write_file(dir, "scenario.yaml",
		   "large: {nodes: 2, devicesPerSlice: 3, pods: 5, namespaces: 2}\n");

	assert_int_equal(sim_scenario_settings(dir, &s, &cause), 0);
	api = sim_api_new(&s);
	assert_int_equal(sim_scenario_load(api, dir, &s, &cause), 0);
	o = sim_api_get(api, "example.com", "widgets", "team", "w1");
	assert_non_null(o);
	json_decref(o);
	o = sim_api_get(api, "", "configmaps", "team", "c2");
	assert_non_null(o);
	json_decref(o);
	o = sim_api_get(api, "", "nodes", NULL, "n1");
	assert_non_null(o); /* scenario objects keep their status */
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(json_object_get(o, "status"), "capacity"), "cpu")),
			    "4");
	json_decref(o);
	/* large: 2 generated nodes besides n1, one slice of 3 devices each, 5 pods */
	assert_int_equal(count_of(api, "", "nodes"), 3);
	assert_int_equal(count_of(api, "resource.k8s.io", "resourceslices"), 2);
	o = sim_api_get(api, "resource.k8s.io", "resourceslices", NULL,
			"node-00001-gpu.example.com");
	assert_non_null(o);
	assert_int_equal(json_array_size(json_object_get(json_object_get(o, "spec"), "devices")),
			 3);
	json_decref(o);
	assert_int_equal(count_of(api, "", "pods"), 5);
	o = sim_api_get(api, "", "pods", "load-001", "pod-000003");
	assert_non_null(o);
	json_decref(o);
	sim_api_free(api);
	sim_settings_release(&s);

	/* an unknown kind names the file and the document */
	write_file(dir, "c-bad.yaml",
		   "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok, "
		   "namespace: team}\n---\napiVersion: example.com/v1\n"
		   "kind: Gadget\nmetadata: {name: g, namespace: team}\n");
	assert_int_equal(sim_scenario_settings(dir, &s, &cause), 0);
	api = sim_api_new(&s);
	assert_int_equal(sim_scenario_load(api, dir, &s, &cause), -1);
	assert_non_null(strstr(cause, "c-bad.yaml\": document 2"));
	assert_null(strchr(cause, '\n'));
	free(cause);
	sim_api_free(api);
	sim_settings_release(&s);

	cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_url_split),	  cmocka_unit_test(test_public_paths),
	    cmocka_unit_test(test_route_non_api), cmocka_unit_test(test_faults),
	    cmocka_unit_test(test_tls_and_auth),  cmocka_unit_test(test_settings),
	    cmocka_unit_test(test_kubeconfig),	  cmocka_unit_test(test_scenario_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
