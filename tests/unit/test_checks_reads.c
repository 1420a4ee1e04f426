/* test_checks_reads.c: a failed read decides nothing. Every passive check against an
 * inventory whose every list fails (500) is Error and writes no absence ("0 X", "none",
 * "no X") next to the failure; the active tests of STO-4.1 and OBS-6.1 stop with Error
 * when the lists they pick their objects from fail; an active test that cannot run
 * replaces a passive hint that asked for it; OBS-6.1 finds the scraped pod by the usual
 * target labels or --pod-label. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/checks.h"
#include "kube/inventory.h"
#include "run/run_opts.h"

/* What the reference scenario serves and kaic reads: group, version, resource, kind. */
static const char *const served[][4] = {
    {"", "v1", "nodes", "Node"},
    {"", "v1", "pods", "Pod"},
    {"", "v1", "services", "Service"},
    {"", "v1", "configmaps", "ConfigMap"},
    {"apps", "v1", "daemonsets", "DaemonSet"},
    {"apps", "v1", "deployments", "Deployment"},
    {"apps", "v1", "statefulsets", "StatefulSet"},
    {"admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations",
     "ValidatingWebhookConfiguration"},
    {"agents.kaic.io", "v1alpha1", "agenttools", "AgentTool"},
    {"apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition"},
    {"gateway.networking.k8s.io", "v1", "gatewayclasses", "GatewayClass"},
    {"gateway.networking.k8s.io", "v1", "gateways", "Gateway"},
    {"gateway.networking.k8s.io", "v1", "httproutes", "HTTPRoute"},
    {"inference.networking.k8s.io", "v1", "inferencepools", "InferencePool"},
    {"jobset.x-k8s.io", "v1alpha2", "jobsets", "JobSet"},
    {"k8s.cni.cncf.io", "v1", "network-attachment-definitions", "NetworkAttachmentDefinition"},
    {"kueue.x-k8s.io", "v1beta2", "clusterqueues", "ClusterQueue"},
    {"kueue.x-k8s.io", "v1beta2", "localqueues", "LocalQueue"},
    {"kueue.x-k8s.io", "v1beta2", "resourceflavors", "ResourceFlavor"},
    {"kueue.x-k8s.io", "v1beta2", "topologies", "Topology"},
    {"monitoring.coreos.com", "v1", "podmonitors", "PodMonitor"},
    {"monitoring.coreos.com", "v1", "prometheuses", "Prometheus"},
    {"monitoring.coreos.com", "v1", "servicemonitors", "ServiceMonitor"},
    {"networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy"},
    {"node.k8s.io", "v1", "runtimeclasses", "RuntimeClass"},
    {"opentelemetry.io", "v1alpha1", "instrumentations", "Instrumentation"},
    {"opentelemetry.io", "v1beta1", "opentelemetrycollectors", "OpenTelemetryCollector"},
    {"policy.sigstore.dev", "v1beta1", "clusterimagepolicies", "ClusterImagePolicy"},
    {"remediation.medik8s.io", "v1alpha1", "nodehealthchecks", "NodeHealthCheck"},
    {"resource.k8s.io", "v1", "deviceclasses", "DeviceClass"},
    {"resource.k8s.io", "v1", "resourceslices", "ResourceSlice"},
    {"resource.k8s.io", "v1", "resourceclaimtemplates", "ResourceClaimTemplate"},
    {"snapshot.storage.k8s.io", "v1", "volumesnapshotclasses", "VolumeSnapshotClass"},
    {"snapshot.storage.k8s.io", "v1", "volumesnapshots", "VolumeSnapshot"},
    {"spire.spiffe.io", "v1alpha1", "clusterspiffeids", "ClusterSPIFFEID"},
    {"sriovnetwork.openshift.io", "v1", "sriovnetworknodepolicies", "SriovNetworkNodePolicy"},
    {"storage.k8s.io", "v1", "csidrivers", "CSIDriver"},
    {"storage.k8s.io", "v1", "storageclasses", "StorageClass"},
    {"topology.node.k8s.io", "v1alpha2", "noderesourcetopologies", "NodeResourceTopology"},
};
#define NSERVED (sizeof(served) / sizeof(served[0]))

static bool cluster_scoped(const char *resource)
{
	static const char *const cs[] = {"nodes",
					 "validatingwebhookconfigurations",
					 "customresourcedefinitions",
					 "gatewayclasses",
					 "clusterqueues",
					 "resourceflavors",
					 "topologies",
					 "runtimeclasses",
					 "clusterimagepolicies",
					 "nodehealthchecks",
					 "deviceclasses",
					 "resourceslices",
					 "volumesnapshotclasses",
					 "clusterspiffeids",
					 "csidrivers",
					 "storageclasses",
					 "noderesourcetopologies",
					 NULL};
	for (size_t i = 0; cs[i] != NULL; i++)
		if (strcmp(cs[i], resource) == 0)
			return true;
	return false;
}

/* Every resource of served[] is served; those whose "GROUP/VERSION/RESOURCE" key
 * contains one of fail (NULL-terminated; "" = all) answer 500; lists: extra fixture
 * lists (stolen, may be NULL). */
static struct inventory *inventory_failing(const char *const *fail, json_t *lists)
{
	json_t *res = json_array(), *errs = json_object();
	for (size_t i = 0; i < NSERVED; i++) {
		json_array_append_new(res, json_pack("{s:s, s:s, s:s, s:s, s:b}", "group",
						     served[i][0], "version", served[i][1],
						     "resource", served[i][2], "kind", served[i][3],
						     "namespaced", !cluster_scoped(served[i][2])));
		char key[256];
		snprintf(key, sizeof(key), "%s/%s/%s", served[i][0], served[i][1], served[i][2]);
		for (size_t k = 0; fail[k] != NULL; k++)
			if (strstr(key, fail[k]) != NULL)
				json_object_set_new(errs, key,
						    json_pack("{s:i, s:s, s:s}", "code", 500,
							      "reason", "InternalError", "message",
							      "injected"));
	}
	json_t *fx =
	    json_pack("{s:{s:s}, s:o, s:o, s:o}", "version", "gitVersion", "v1.34.1", "resources",
		      res, "errors", errs, "lists", lists ? lists : json_object());
	return inventory_new_fixture(fx);
}

static void dump(const char *id, const struct check_result *r)
{
	fprintf(stderr, "-- %s: %s; remediation: %s\n", id, verdict_name(r->verdict),
		r->remediation ? r->remediation : "(none)");
	for (size_t i = 0; i < r->nevidence; i++)
		fprintf(stderr, "   %s\n", r->evidence[i]);
}

static bool has_evidence(const struct check_result *r, const char *needle)
{
	for (size_t i = 0; i < r->nevidence; i++)
		if (strstr(r->evidence[i], needle) != NULL)
			return true;
	return false;
}

/* An evidence line that reports absence: "0 X", "N X: none", "no X", "X: 0 objects". */
static const char *absence_line(const struct check_result *r)
{
	regex_t re;
	assert_int_equal(regcomp(&re, "(^0 |[:(] ?0 [A-Za-z]|: none$|^no |, none |^none )",
				 REG_EXTENDED | REG_NOSUB),
			 0);
	const char *hit = NULL;
	for (size_t i = 0; i < r->nevidence && hit == NULL; i++)
		if (regexec(&re, r->evidence[i], 0, NULL, 0) == 0 &&
		    strstr(r->evidence[i], "not served") == NULL && /* discovery answered */
		    strstr(r->evidence[i], "no egress policy API") == NULL)
			hit = r->evidence[i];
	regfree(&re);
	return hit;
}

static const struct check *const *const domains[] = {
    checks_hardware, checks_workloads, checks_networking,
    checks_storage,  checks_security,  checks_observability,
};

/* Every passive check, every list failing: Error, the failure named, no absence. */
static void test_every_list_fails(void **state)
{
	(void)state;
	static const char *const all[] = {"", NULL};
	size_t n = 0;
	for (size_t d = 0; d < sizeof(domains) / sizeof(domains[0]); d++) {
		for (const struct check *const *c = domains[d]; *c != NULL; c++) {
			struct inventory *inv = inventory_failing(all, NULL);
			struct check_ctx ctx = {.id = (*c)->id, .inv = inv};
			struct check_result r;
			check_result_init(&r);
			(*c)->passive(&ctx, &r);
			dump((*c)->id, &r);
			if (r.verdict != VERDICT_ERROR)
				fail_msg("%s: %s although every list failed", (*c)->id,
					 verdict_name(r.verdict));
			if (!has_evidence(&r, "cannot list "))
				fail_msg("%s: no evidence names the failed list", (*c)->id);
			const char *bad = absence_line(&r);
			if (bad != NULL)
				fail_msg("%s: absence written next to a failed list: \"%s\"",
					 (*c)->id, bad);
			check_result_release(&r);
			inventory_free(inv);
			n++;
		}
	}
	assert_true(n >= 18);
}

/* A list read twice by one check is named once. */
static void test_failure_named_once(void **state)
{
	(void)state;
	static const char *const nodes[] = {"/v1/nodes", NULL};
	struct inventory *inv = inventory_failing(nodes, NULL);
	const struct check *c = checks_find("SEC-5.4"); /* reads nodes twice */
	struct check_ctx ctx = {.id = "SEC-5.4", .inv = inv};
	struct check_result r;
	check_result_init(&r);
	c->passive(&ctx, &r);
	dump("SEC-5.4", &r);
	size_t lines = 0;
	for (size_t i = 0; i < r.nevidence; i++)
		lines += strstr(r.evidence[i], "cannot list nodes") != NULL;
	assert_int_equal(lines, 1);
	assert_int_equal(r.verdict, VERDICT_ERROR);
	check_result_release(&r);
	inventory_free(inv);
}

/* Runs the active part of id on a passive Partial with the passive hint, on inv. */
static void run_active(const char *id, struct inventory *inv, const struct run_opts *opts,
		       struct check_result *r)
{
	const struct check *c = checks_find(id);
	assert_non_null(c);
	assert_non_null(c->active);
	struct check_ctx ctx = {
	    .id = id, .inv = inv, .opts = opts, .run_id = "r1", .ns = "kaic-r1"};
	check_result_init(r);
	check_evidence(r, "not exercised: needs the active test (kaic run without --passive)");
	check_verdict(r, VERDICT_PARTIAL, "run the active test to demonstrate it");
	c->active(&ctx, r);
	dump(id, r);
}

/* STO-4.1's active test: a failed list of StorageClasses, CSIDrivers or
 * VolumeSnapshotClasses is Error naming it, never "no StorageClass is backed by a CSI
 * driver" or "no VolumeSnapshotClass". */
static void test_sto41_failed_reads(void **state)
{
	(void)state;
	static const char *const which[] = {"csidrivers", "storageclasses",
					    "volumesnapshotclasses"};
	for (size_t k = 0; k < 3; k++) {
		const char *fail[] = {which[k], NULL};
		json_t *lists = json_pack(
		    "{s:[{s:{s:s, s:{s:s}}, s:s}], s:[{s:{s:s}}], s:[{s:{s:s}, s:s}]}",
		    "storage.k8s.io/v1/storageclasses", "metadata", "name", "fast", "annotations",
		    "storageclass.kubernetes.io/is-default-class", "true", "provisioner",
		    "csi.example.com", "storage.k8s.io/v1/csidrivers", "metadata", "name",
		    "csi.example.com", "snapshot.storage.k8s.io/v1/volumesnapshotclasses",
		    "metadata", "name", "snap", "driver", "csi.example.com");
		/* a list in the fixture would answer: the failing one is left out */
		const char *key;
		void *tmp;
		json_t *v;
		json_object_foreach_safe(lists, tmp, key, v) {
			if (strstr(key, which[k]) != NULL)
				json_object_del(lists, key);
		}
		struct inventory *inv = inventory_failing(fail, lists);
		struct check_result r;
		run_active("STO-4.1", inv, NULL, &r);
		char want[128];
		snprintf(want, sizeof(want), "/%s: 500 InternalError", which[k]);
		assert_string_equal(verdict_name(r.verdict), "Error");
		assert_true(has_evidence(&r, want));
		assert_false(has_evidence(&r, "no StorageClass"));
		assert_false(has_evidence(&r, "no VolumeSnapshotClass"));
		assert_false(has_evidence(&r, "not exercised: needs the active test"));
		check_result_release(&r);
		inventory_free(inv);
	}
}

/* OBS-6.1's active test: Prometheus objects that cannot be listed are Error, never "no
 * monitoring query API found". */
static void test_obs61_failed_reads(void **state)
{
	(void)state;
	static const char *const fail[] = {"prometheuses", "/v1/services", NULL};
	struct inventory *inv = inventory_failing(fail, NULL);
	struct check_result r;
	run_active("OBS-6.1", inv, NULL, &r);
	assert_string_equal(verdict_name(r.verdict), "Error");
	assert_true(has_evidence(&r, "cannot list monitoring.coreos.com/prometheuses: 500"));
	assert_false(has_evidence(&r, "no monitoring query API found"));
	check_result_release(&r);
	inventory_free(inv);
}

/* OBS-6.1 without a query API: the active test did run, so the advice is the missing
 * query API (--prometheus-url), not "run the active test". */
static void test_obs61_no_api_advice(void **state)
{
	(void)state;
	static const char *const none[] = {NULL};
	struct inventory *inv = inventory_failing(none, NULL);
	struct check_result r;
	run_active("OBS-6.1", inv, NULL, &r);
	assert_string_equal(verdict_name(r.verdict), "Partial");
	assert_true(has_evidence(&r, "active test not run: no monitoring query API found"));
	assert_false(has_evidence(&r, "not exercised: needs the active test"));
	assert_non_null(r.remediation);
	if (strstr(r.remediation, "--prometheus-url") == NULL ||
	    strstr(r.remediation, "active test") != NULL)
		fail_msg("remediation \"%s\"", r.remediation);
	check_result_release(&r);
	inventory_free(inv);
}

/* One series of the run's model with the labels given as "k=v" strings (NULL-ended). */
static json_t *series(const char *first, ...)
{
	json_t *m = json_pack("{s:s, s:s}", "__name__", "vllm:num_requests_running", "model_name",
			      "kaic-r1");
	va_list ap;
	va_start(ap, first);
	for (const char *kv = first; kv != NULL; kv = va_arg(ap, const char *)) {
		const char *eq = strchr(kv, '=');
		json_object_setn_new(m, kv, (size_t)(eq - kv), json_string(eq + 1));
	}
	va_end(ap);
	return json_pack("[{s:o, s:[f, s]}]", "metric", m, "value", 1.0, "3");
}

static void expect_series(json_t *result, const char *pod_label, enum verdict v, const char *needle)
{
	struct run_opts opts;
	memset(&opts, 0, sizeof(opts));
	opts.pod_label = pod_label;
	struct check_ctx ctx = {.id = "OBS-6.1", .opts = &opts, .run_id = "r1", .ns = "kaic-r1"};
	struct check_result r;
	check_result_init(&r);
	active_obs61_decide(&ctx, &r, "Prometheus monitoring/k8s", result, 2.0);
	dump("OBS-6.1", &r);
	assert_string_equal(verdict_name(r.verdict), verdict_name(v));
	assert_int_equal(r.mode, MODE_ACTIVE);
	if (!has_evidence(&r, needle))
		fail_msg("no evidence line contains \"%s\"", needle);
	check_result_release(&r);
	json_decref(result);
}

/* The scraped pod is found by any usual target label pair, or by --pod-label. */
static void test_obs61_pod_labels(void **state)
{
	(void)state;
	expect_series(series("namespace=kaic-r1", "pod=metrics", NULL), NULL, VERDICT_FULL,
		      "named by label pod");
	expect_series(series("namespace=monitoring", "pod=prometheus-0",
			     "exported_namespace=kaic-r1", "exported_pod=metrics", NULL),
		      NULL, VERDICT_FULL, "named by label exported_pod");
	expect_series(series("kubernetes_namespace=kaic-r1", "kubernetes_pod_name=metrics", NULL),
		      NULL, VERDICT_FULL, "named by label kubernetes_pod_name");
	expect_series(series("pod_name=metrics", NULL), NULL, VERDICT_FULL,
		      "named by label pod_name");
	expect_series(series("workload_pod=metrics", NULL), NULL, VERDICT_PARTIAL,
		      "but no label names pod kaic-r1/metrics");
	expect_series(series("workload_pod=metrics", NULL), "workload_pod", VERDICT_FULL,
		      "named by label workload_pod");
	/* a pod of another name is not the scraped pod */
	expect_series(series("pod=other", NULL), NULL, VERDICT_PARTIAL, "but no label names");
}

/* --pod-label takes a Prometheus label name; anything else is a one-line error. */
static void test_pod_label_option(void **state)
{
	(void)state;
	char *argv[] = {(char *)"run", (char *)"--pod-label", (char *)"workload_pod", NULL};
	struct run_opts o;
	char *cause = NULL;
	assert_int_equal(run_opts_parse(&o, 3, argv, &cause), 0);
	assert_string_equal(o.pod_label, "workload_pod");
	run_opts_release(&o);
	static const char *const bad[] = {"", "1pod", "pod-name", "pod name"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *av[] = {(char *)"run", (char *)"--pod-label", (char *)bad[i], NULL};
		cause = NULL;
		assert_int_equal(run_opts_parse(&o, 3, av, &cause), -1);
		char want[80];
		snprintf(want, sizeof(want), "invalid value \"%s\" for --pod-label", bad[i]);
		assert_string_equal(cause, want);
		free(cause);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_list_fails),	cmocka_unit_test(test_failure_named_once),
	    cmocka_unit_test(test_sto41_failed_reads),	cmocka_unit_test(test_obs61_failed_reads),
	    cmocka_unit_test(test_obs61_no_api_advice), cmocka_unit_test(test_obs61_pod_labels),
	    cmocka_unit_test(test_pod_label_option),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
