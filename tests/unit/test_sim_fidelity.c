/* test_sim_fidelity.c: what the lab (a real kube-apiserver, tests/lab/FINDINGS.md) showed
 * kaic-sim getting wrong, as the real server answers it: CRD approval in protected groups
 * (S1), discovery of the built-in resources (S3), metadata.continue on custom resource
 * lists (S6), the default/kubernetes Service (S8), defaults (S4, S7, S9). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "runtime.h"
#include "sim.h"
#include "sim_test_util.h"

#define CRD(name, group, ann)                                                                      \
	"{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\","       \
	"\"metadata\":{\"name\":\"" name "\"" ann "},\"spec\":{\"group\":\"" group "\","           \
	"\"scope\":\"Namespaced\",\"names\":{\"plural\":\"things\",\"singular\":\"thing\","        \
	"\"kind\":\"Thing\",\"listKind\":\"ThingList\"},\"versions\":[{\"name\":\"v1\","           \
	"\"served\":true,\"storage\":true,\"schema\":{\"openAPIV3Schema\":{\"type\":\"object\","   \
	"\"x-kubernetes-preserve-unknown-fields\":true}}}]}}"
#define APPROVED(v) ",\"annotations\":{\"api-approved.kubernetes.io\":\"" v "\"}"
#define CRDS "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"

static void expect_invalid(void **state, const char *body, const char *message)
{
	int st;
	json_t *v = sim_test_scall(state, "POST", CRDS, body, &st);
	assert_int_equal(st, 422);
	assert_string_equal(sim_test_str(v, "message"), message);
	json_decref(v);
}

static void expect_created(void **state, const char *body)
{
	int st;
	json_t *v = sim_test_scall(state, "POST", CRDS, body, &st);
	if (st != 201)
		print_error("%s\n", sim_test_str(v, "message"));
	assert_int_equal(st, 201);
	json_decref(v);
}

/* S1: protected groups need api-approved.kubernetes.io (a URL or "unapproved…"). */
static void test_crd_approval(void **state)
{
	expect_invalid(state, CRD("things.x.k8s.io", "x.k8s.io", ""),
		       "CustomResourceDefinition.apiextensions.k8s.io \"things.x.k8s.io\" is "
		       "invalid: metadata.annotations[api-approved.kubernetes.io]: Required value: "
		       "protected groups must have approval annotation "
		       "\"api-approved.kubernetes.io\", see "
		       "https://github.com/kubernetes/enhancements/pull/1111");
	expect_invalid(state, CRD("things.kubernetes.io", "kubernetes.io", APPROVED("yes")),
		       "CustomResourceDefinition.apiextensions.k8s.io \"things.kubernetes.io\" is "
		       "invalid: metadata.annotations[api-approved.kubernetes.io]: Invalid value: "
		       "\"yes\": protected groups must have approval annotation "
		       "\"api-approved.kubernetes.io\" with either a URL or a reason starting with "
		       "\"unapproved\", see https://github.com/kubernetes/enhancements/pull/1111");
	expect_created(state,
		       CRD("things.x.k8s.io", "x.k8s.io",
			   APPROVED("https://github.com/kubernetes/enhancements/pull/1111")));
	expect_created(state, CRD("things.y.kubernetes.io", "y.kubernetes.io",
				  APPROVED("unapproved, experimental")));
	/* other groups need nothing; k8s.io must be the whole label */
	expect_created(state, CRD("things.example.com", "example.com", ""));
	expect_created(state, CRD("things.notk8s.io", "notk8s.io", ""));
}

/* S6: a custom resource list carries metadata.continue, "" on the last page; the
 * built-in lists omit it. */
static void test_cr_list_continue(void **state)
{
	expect_created(state, CRD("things.example.com", "example.com", ""));
	int st;
	json_t *v = sim_test_scall(state, "GET", "/apis/example.com/v1/namespaces/default/things",
				   NULL, &st);
	assert_int_equal(st, 200);
	json_t *md = json_object_get(v, "metadata");
	assert_string_equal(json_string_value(json_object_get(md, "continue")), "");
	assert_non_null(json_object_get(md, "resourceVersion"));
	json_decref(v);
	v = sim_test_scall(state, "GET", "/api/v1/namespaces/default/configmaps", NULL, &st);
	assert_null(json_object_get(json_object_get(v, "metadata"), "continue"));
	json_decref(v);
}

/* S8: the API server's own Service. */
static void test_kubernetes_service(void **state)
{
	int st;
	json_t *v = sim_test_scall(state, "GET", "/api/v1/namespaces/default/services/kubernetes",
				   NULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(sim_test_str(v, "metadata.labels.component"), "apiserver");
	assert_string_equal(sim_test_str(v, "metadata.labels.provider"), "kubernetes");
	assert_string_equal(sim_test_str(v, "spec.clusterIP"), "10.96.0.1");
	json_decref(v);
}

/* S3: the built-in resources the lab's discovery lists. */
static void test_discovery(void **state)
{
	static const char *const want[][2] = {
	    {"/api/v1", "bindings"},
	    {"/api/v1", "componentstatuses"},
	    {"/apis/authentication.k8s.io/v1", "selfsubjectreviews"},
	    {"/apis/authentication.k8s.io/v1", "tokenreviews"},
	    {"/apis/authorization.k8s.io/v1", "localsubjectaccessreviews"},
	    {"/apis/authorization.k8s.io/v1", "selfsubjectrulesreviews"},
	    {"/apis/authorization.k8s.io/v1", "subjectaccessreviews"},
	    {"/apis/certificates.k8s.io/v1", "certificatesigningrequests"},
	    {"/apis/flowcontrol.apiserver.k8s.io/v1", "flowschemas"},
	    {"/apis/flowcontrol.apiserver.k8s.io/v1", "prioritylevelconfigurations"},
	    {"/apis/networking.k8s.io/v1", "ipaddresses"},
	    {"/apis/networking.k8s.io/v1", "servicecidrs"},
	    {"/apis/storage.k8s.io/v1", "volumeattributesclasses"},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		int st;
		json_t *v = sim_test_scall(state, "GET", want[i][0], NULL, &st);
		assert_int_equal(st, 200);
		bool found = false;
		size_t j;
		json_t *r;
		json_array_foreach(json_object_get(v, "resources"), j, r) {
			found = found || !strcmp(sim_test_str(r, "name"), want[i][1]);
		}
		if (!found)
			print_error("%s lacks %s\n", want[i][0], want[i][1]);
		assert_true(found);
		json_decref(v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_crd_approval, sim_test_setup, sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_cr_list_continue, sim_test_setup,
					    sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_kubernetes_service, sim_test_setup,
					    sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_discovery, sim_test_setup, sim_test_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
