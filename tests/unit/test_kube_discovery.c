/* test_kube_discovery.c: discovery document parsing (aggregated v2/v2beta1 and legacy),
 * lookups, resource paths and Status decoding, fed canned JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "kube/internal.h"

static const char *aggregated_apis =
    "{\"kind\":\"APIGroupDiscoveryList\",\"apiVersion\":\"apidiscovery.k8s.io/v2\","
    "\"items\":[{\"metadata\":{\"name\":\"resource.k8s.io\"},\"versions\":["
    "{\"version\":\"v1\",\"resources\":[{\"resource\":\"deviceclasses\","
    "\"responseKind\":{\"group\":\"resource.k8s.io\",\"version\":\"v1\","
    "\"kind\":\"DeviceClass\"},\"scope\":\"Cluster\",\"verbs\":[\"get\",\"list\","
    "\"watch\",\"create\",\"delete\",\"deletecollection\",\"patch\",\"update\"]},"
    "{\"resource\":\"resourceclaims\",\"responseKind\":{\"kind\":\"ResourceClaim\"},"
    "\"scope\":\"Namespaced\",\"verbs\":[\"get\",\"list\"],\"shortNames\":[\"rc\",\"claim\"],"
    "\"subresources\":[{\"subresource\":\"status\",\"verbs\":[\"get\",\"patch\"]}]}]},"
    "{\"version\":\"v1beta1\",\"freshness\":\"Current\",\"resources\":[{\"resource\":"
    "\"deviceclasses\",\"responseKind\":{\"kind\":\"DeviceClass\"},\"scope\":\"Cluster\","
    "\"verbs\":[\"get\"]}]}]},"
    "{\"metadata\":{\"name\":\"apps\"},\"versions\":[{\"version\":\"v1\",\"resources\":["
    "{\"resource\":\"deployments\",\"responseKind\":{\"kind\":\"Deployment\"},"
    "\"scope\":\"Namespaced\",\"verbs\":[\"get\"]},{\"resource\":\"deployments/scale\","
    "\"responseKind\":{\"kind\":\"Scale\"},\"scope\":\"Namespaced\",\"verbs\":[\"get\"]}]}]}]}";

static const char *aggregated_core =
    "{\"kind\":\"APIGroupDiscoveryList\",\"apiVersion\":\"apidiscovery.k8s.io/v2beta1\","
    "\"items\":[{\"metadata\":{\"creationTimestamp\":null},\"versions\":[{\"version\":\"v1\","
    "\"resources\":[{\"resource\":\"pods\",\"responseKind\":{\"kind\":\"Pod\"},"
    "\"scope\":\"Namespaced\",\"verbs\":[\"get\",\"list\",\"watch\"],\"shortNames\":[\"po\"]},"
    "{\"resource\":\"nodes\",\"responseKind\":{\"kind\":\"Node\"},\"scope\":\"Cluster\","
    "\"verbs\":[\"get\",\"list\"]}]}]}]}";

static void test_aggregated(void **state)
{
	(void)state;
	struct kube_discovery d = {0};
	char *cause = NULL;
	assert_int_equal(
	    kube_discovery_parse_aggregated(&d, aggregated_core, strlen(aggregated_core), &cause),
	    0);
	assert_int_equal(
	    kube_discovery_parse_aggregated(&d, aggregated_apis, strlen(aggregated_apis), &cause),
	    0);
	assert_int_equal(d.n, 6); /* subresources skipped */

	const struct kube_resource *pods = kube_discovery_find(&d, "", NULL, "pods");
	assert_non_null(pods);
	assert_string_equal(pods->kind, "Pod");
	assert_string_equal(pods->version, "v1");
	assert_true(pods->namespaced);
	assert_true(pods->preferred);
	assert_int_equal(pods->verbs, KUBE_VERB_GET | KUBE_VERB_LIST | KUBE_VERB_WATCH);
	assert_string_equal(pods->short_names[0], "po");
	assert_null(pods->short_names[1]);

	const struct kube_resource *nodes = kube_discovery_find(&d, "", "v1", "nodes");
	assert_non_null(nodes);
	assert_false(nodes->namespaced);
	assert_null(nodes->short_names);

	const struct kube_resource *dc =
	    kube_discovery_find(&d, "resource.k8s.io", NULL, "deviceclasses");
	assert_string_equal(dc->version, "v1"); /* the first version is preferred */
	assert_true(dc->preferred);
	assert_int_equal(dc->verbs, 0xff);
	dc = kube_discovery_find(&d, "resource.k8s.io", "v1beta1", "deviceclasses");
	assert_non_null(dc);
	assert_false(dc->preferred);
	assert_int_equal(dc->verbs, KUBE_VERB_GET);
	assert_null(kube_discovery_find(&d, "resource.k8s.io", "v1alpha3", "deviceclasses"));
	assert_null(kube_discovery_find(&d, "apps", NULL, "deployments/scale"));
	assert_null(kube_discovery_find(&d, "apps", NULL, "statefulsets"));

	const struct kube_resource *rc =
	    kube_discovery_find(&d, "resource.k8s.io", NULL, "resourceclaims");
	assert_string_equal(rc->short_names[1], "claim");
	assert_true(kube_discovery_has_group(&d, "apps"));
	assert_true(kube_discovery_has_group(&d, ""));
	assert_false(kube_discovery_has_group(&d, "batch"));
	kube_discovery_release(&d);
	assert_int_equal(d.n, 0);
}

static void test_aggregated_bad(void **state)
{
	(void)state;
	struct kube_discovery d = {0};
	char *cause = NULL;
	assert_int_equal(kube_discovery_parse_aggregated(&d, "{\"items\":", 9, &cause), -1);
	assert_non_null(strstr(cause, "invalid JSON"));
	free(cause);
	assert_int_equal(kube_discovery_parse_aggregated(&d, "{}", 2, &cause), -1);
	assert_non_null(strstr(cause, "no items"));
	free(cause);
	assert_int_equal(kube_discovery_parse_aggregated(&d, "[1]", 3, &cause), -1);
	free(cause);
	/* odd members are skipped, not fatal */
	const char *odd = "{\"items\":[1,{\"versions\":[{\"resources\":[{}]},{\"version\":\"v1\","
			  "\"resources\":[{\"resource\":7},{\"resource\":\"x\"}]}]}]}";
	assert_int_equal(kube_discovery_parse_aggregated(&d, odd, strlen(odd), &cause), 0);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.items[0].kind, "");
	assert_false(d.items[0].preferred); /* v1 is not the first version listed */
	kube_discovery_release(&d);
}

static void test_legacy(void **state)
{
	(void)state;
	json_t *versions = NULL, *gvs = NULL;
	char *cause = NULL;
	const char *api = "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],"
			  "\"serverAddressByClientCIDRs\":[]}";
	assert_int_equal(kube_discovery_parse_versions(api, strlen(api), &versions, &cause), 0);
	assert_int_equal(json_array_size(versions), 1);
	assert_string_equal(json_string_value(json_array_get(versions, 0)), "v1");
	json_decref(versions);

	const char *apis =
	    "{\"kind\":\"APIGroupList\",\"groups\":[{\"name\":\"batch\",\"versions\":["
	    "{\"groupVersion\":\"batch/v1beta1\",\"version\":\"v1beta1\"},"
	    "{\"groupVersion\":\"batch/v1\",\"version\":\"v1\"}],\"preferredVersion\":"
	    "{\"groupVersion\":\"batch/v1\",\"version\":\"v1\"}},{\"name\":\"x.io\","
	    "\"versions\":[{\"version\":\"v2\"}]},{\"versions\":[]}]}";
	assert_int_equal(kube_discovery_parse_groups(apis, strlen(apis), &gvs, &cause), 0);
	assert_int_equal(json_array_size(gvs), 3);
	json_t *g0 = json_array_get(gvs, 0), *g1 = json_array_get(gvs, 1);
	assert_string_equal(json_string_value(json_object_get(g0, "version")), "v1");
	assert_true(json_is_true(json_object_get(g0, "preferred")));
	assert_string_equal(json_string_value(json_object_get(g1, "version")), "v1beta1");
	assert_true(json_is_false(json_object_get(g1, "preferred")));
	json_t *g2 = json_array_get(gvs, 2);
	assert_string_equal(json_string_value(json_object_get(g2, "group")), "x.io");
	assert_true(json_is_true(json_object_get(g2, "preferred")));
	json_decref(gvs);

	struct kube_discovery d = {0};
	const char *res =
	    "{\"kind\":\"APIResourceList\",\"groupVersion\":\"batch/v1\",\"resources\":["
	    "{\"name\":\"jobs\",\"singularName\":\"job\",\"namespaced\":true,\"kind\":\"Job\","
	    "\"verbs\":[\"create\",\"delete\",\"get\",\"list\"]},{\"name\":\"jobs/status\","
	    "\"namespaced\":true,\"kind\":\"Job\",\"verbs\":[\"get\"]},{\"name\":"
	    "\"cronjobs\",\"namespaced\":true,\"kind\":\"CronJob\",\"verbs\":[\"get\"],"
	    "\"shortNames\":[\"cj\"]}]}";
	assert_int_equal(
	    kube_discovery_parse_resources(&d, "batch", "v1", true, res, strlen(res), &cause), 0);
	assert_int_equal(d.n, 2);
	const struct kube_resource *jobs = kube_discovery_find(&d, "batch", NULL, "jobs");
	assert_non_null(jobs);
	assert_true(jobs->preferred);
	assert_int_equal(jobs->verbs,
			 KUBE_VERB_CREATE | KUBE_VERB_DELETE | KUBE_VERB_GET | KUBE_VERB_LIST);
	assert_null(kube_discovery_find(&d, "batch", NULL, "jobs/status"));

	/* a resource only served at a non-preferred version is still found */
	const char *beta = "{\"resources\":[{\"name\":\"betas\",\"kind\":\"Beta\"}]}";
	assert_int_equal(kube_discovery_parse_resources(&d, "batch", "v1beta1", false, beta,
							strlen(beta), &cause),
			 0);
	const struct kube_resource *b = kube_discovery_find(&d, "batch", NULL, "betas");
	assert_non_null(b);
	assert_string_equal(b->version, "v1beta1");
	assert_false(b->namespaced);
	kube_discovery_release(&d);

	assert_int_equal(
	    kube_discovery_parse_resources(&d, "g", "v", true, "{\"resources\":1}", 15, &cause),
	    -1);
	free(cause);
	assert_int_equal(kube_discovery_parse_groups("{}", 2, &gvs, &cause), -1);
	assert_non_null(strstr(cause, "no groups"));
	free(cause);
	assert_int_equal(kube_discovery_parse_versions("nope", 4, &versions, &cause), -1);
	assert_non_null(strstr(cause, "invalid JSON"));
	free(cause);
}

static void test_content_type(void **state)
{
	(void)state;
	assert_true(kube_discovery_is_aggregated(
	    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"));
	assert_true(kube_discovery_is_aggregated(
	    "application/json; g=apidiscovery.k8s.io; v=v2beta1; as=APIGroupDiscoveryList"));
	assert_false(kube_discovery_is_aggregated("application/json"));
	assert_false(kube_discovery_is_aggregated(NULL));
}

static void test_paths(void **state)
{
	(void)state;
	char *p = kube_path("", "v1", "pods", "ns", "name");
	assert_string_equal(p, "/api/v1/namespaces/ns/pods/name");
	free(p);
	p = kube_path("apps", "v1", "deployments", NULL, NULL);
	assert_string_equal(p, "/apis/apps/v1/deployments");
	free(p);
	p = kube_path(NULL, "v1", "nodes", NULL, "n1");
	assert_string_equal(p, "/api/v1/nodes/n1");
	free(p);
	struct kube_resource dc = {.group = "resource.k8s.io",
				   .version = "v1",
				   .resource = "deviceclasses",
				   .namespaced = false};
	p = kube_resource_path(&dc, "ignored", "gpu");
	assert_string_equal(p, "/apis/resource.k8s.io/v1/deviceclasses/gpu");
	free(p);
	dc.namespaced = true;
	p = kube_resource_path(&dc, "team", NULL);
	assert_string_equal(p, "/apis/resource.k8s.io/v1/namespaces/team/deviceclasses");
	free(p);
}

static void test_status(void **state)
{
	(void)state;
	struct kube_error e;
	const char *st = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
			 "\"message\":\"pods \\\"x\\\" is forbidden: no\",\"reason\":\"Forbidden\","
			 "\"code\":403}";
	kube_status_decode(403, "/api/v1/pods", st, strlen(st), &e);
	assert_int_equal(e.http_code, 403);
	assert_string_equal(e.reason, "Forbidden");
	assert_string_equal(e.message, "pods \"x\" is forbidden: no");

	kube_status_decode(502, "/api/v1/pods", "<html>bad gateway</html>", 24, &e);
	assert_int_equal(e.http_code, 502);
	assert_non_null(strstr(e.message, "server answered 502 with a non-Status body"));
	assert_non_null(strstr(e.message, "/api/v1/pods"));
	kube_status_decode(404, "/x", "{\"kind\":\"Pod\"}", 14, &e);
	assert_non_null(strstr(e.message, "non-Status body"));
	assert_string_equal(e.reason, "NotFound");
	kube_status_decode(500, "/x", NULL, 0, &e);
	assert_string_equal(e.reason, "InternalError");

	/* a bare Status: reason from the code, a message anyway */
	kube_status_decode(409, "/x", "{\"kind\":\"Status\"}", 17, &e);
	assert_string_equal(e.reason, "Conflict");
	assert_string_equal(e.message, "server answered 409 Conflict");

	/* a watch ERROR object: the code comes from the Status */
	json_t *obj = json_pack("{s:s, s:i, s:s, s:s}", "kind", "Status", "code", 410, "reason",
				"Expired", "message", "too old resource version");
	kube_status_from_json(0, obj, &e);
	assert_int_equal(e.http_code, 410);
	assert_string_equal(e.reason, "Expired");
	json_decref(obj);

	/* long messages are cut, not overflowed */
	char big[2000];
	int n = snprintf(big, sizeof(big), "{\"kind\":\"Status\",\"message\":\"");
	memset(big + n, 'm', 1500);
	snprintf(big + n + 1500, sizeof(big) - (size_t)n - 1500, "\"}");
	kube_status_decode(500, "/x", big, strlen(big), &e);
	assert_int_equal(strlen(e.message), sizeof(e.message) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_aggregated), cmocka_unit_test(test_aggregated_bad),
	    cmocka_unit_test(test_legacy),     cmocka_unit_test(test_content_type),
	    cmocka_unit_test(test_paths),      cmocka_unit_test(test_status),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
