/* test_checks_a.c: the passive Hardware, Workloads and Networking checks against a
 * fixture inventory (tests/data/fixtures/checks_a.json), one test per verdict branch,
 * and the shared check helpers (checks/util.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/checks.h"
#include "checks/util.h"
#include "kube/inventory.h"
#include "run/run_opts.h"

/* ---- fixture handling ---- */

static json_t *load(void)
{
	const char *top = getenv("TOP");
	char path[4096];
	snprintf(path, sizeof(path), "%s/tests/data/fixtures/checks_a.json", top ? top : ".");
	json_error_t e;
	json_t *fx = json_load_file(path, 0, &e);
	if (fx == NULL)
		fail_msg("cannot load %s: %s", path, e.text);
	return fx;
}

/* Removes every discovery entry of group (resource NULL) or of one resource. */
static void drop(json_t *fx, const char *group, const char *version, const char *resource)
{
	json_t *res = json_object_get(fx, "resources");
	for (size_t i = json_array_size(res); i-- > 0;) {
		json_t *r = json_array_get(res, i);
		if (strcmp(json_string_value(json_object_get(r, "group")), group) != 0)
			continue;
		if (version && strcmp(json_string_value(json_object_get(r, "version")), version))
			continue;
		if (resource && strcmp(json_string_value(json_object_get(r, "resource")), resource))
			continue;
		json_array_remove(res, i);
	}
}

/* Makes a v1beta1 entry of group/resource the preferred one. */
static void prefer(json_t *fx, const char *group, const char *version)
{
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(fx, "resources"), i, r)
		if (!strcmp(json_string_value(json_object_get(r, "group")), group) &&
		    !strcmp(json_string_value(json_object_get(r, "version")), version))
			json_object_set_new(r, "preferred", json_true());
}

static void set_list(json_t *fx, const char *key, json_t *items)
{
	json_object_set_new(json_object_get(fx, "lists"), key, items);
}

static json_t *list(json_t *fx, const char *key)
{
	return json_object_get(json_object_get(fx, "lists"), key);
}

/* Makes reading key (a list key or a proxy path) fail with code. */
static void set_error(json_t *fx, const char *key, int code, const char *reason)
{
	json_object_del(json_object_get(fx, "lists"), key);
	json_object_del(json_object_get(fx, "proxy"), key);
	json_t *errs = json_object_get(fx, "errors");
	if (errs == NULL) {
		errs = json_object();
		json_object_set_new(fx, "errors", errs);
	}
	json_object_set_new(errs, key,
			    json_pack("{s:i,s:s,s:s}", "code", code, "reason", reason, "message",
				      "injected by the test"));
}

static void set_proxy(json_t *fx, const char *path, const char *body)
{
	json_object_set_new(json_object_get(fx, "proxy"), path, json_string(body));
}

#define METRICS_PATH "/api/v1/namespaces/gpu-operator/pods/dcgm-exporter-a:9400/proxy/metrics"

/* Runs the passive check id on fx (stolen) with opts (may be NULL). */
static void run(const char *id, json_t *fx, const struct run_opts *opts, struct check_result *r)
{
	static const struct run_opts none;
	struct inventory *inv = inventory_new_fixture(fx);
	const struct check *c = checks_find(id);
	assert_non_null(c);
	assert_non_null(c->passive);
	struct check_ctx ctx = {.id = id, .inv = inv, .opts = opts ? opts : &none};
	check_result_init(r);
	c->passive(&ctx, r);
	inventory_free(inv);
}

static bool has(const struct check_result *r, const char *needle)
{
	for (size_t i = 0; i < r->nevidence; i++)
		if (strstr(r->evidence[i], needle) != NULL)
			return true;
	return false;
}

static void dump(const struct check_result *r)
{
	fprintf(stderr, "verdict %s, remediation %s\n", verdict_name(r->verdict),
		r->remediation ? r->remediation : "(none)");
	for (size_t i = 0; i < r->nevidence; i++)
		fprintf(stderr, "  %s\n", r->evidence[i]);
}

/* Asserts the verdict and that each needle is in some evidence line. */
static void expect(struct check_result *r, enum verdict v, ...)
{
	if (r->verdict != v)
		dump(r);
	assert_string_equal(verdict_name(r->verdict), verdict_name(v));
	if (v != VERDICT_FULL)
		assert_non_null(r->remediation);
	else
		assert_null(r->remediation);
	va_list ap;
	va_start(ap, v);
	const char *needle;
	while ((needle = va_arg(ap, const char *)) != NULL) {
		if (!has(r, needle)) {
			dump(r);
			fail_msg("no evidence line contains \"%s\"", needle);
		}
	}
	va_end(ap);
	check_result_release(r);
}

/* ---- HW-1.1 ---- */

static void test_dra_full(void **state)
{
	(void)state;
	struct check_result r;
	run("HW-1.1", load(), NULL, &r);
	expect(&r, VERDICT_FULL, "resource.k8s.io/v1 served (versions: v1, v1beta1)",
	       "1 DeviceClass: gpu.example.com",
	       "2 devices on 1 node (gpu-node-1) from driver gpu.example.com", NULL);
}

static void test_dra_beta_only(void **state)
{
	(void)state;
	json_t *fx = load();
	drop(fx, "resource.k8s.io", "v1", NULL);
	prefer(fx, "resource.k8s.io", "v1beta1");
	struct check_result r;
	run("HW-1.1", fx, NULL, &r);
	expect(&r, VERDICT_PARTIAL, "pre-GA DRA API", NULL);
}

static void test_dra_no_devices(void **state)
{
	(void)state;
	json_t *fx = load();
	set_list(fx, "resource.k8s.io/v1/resourceslices", json_array());
	struct check_result r;
	run("HW-1.1", fx, NULL, &r);
	expect(&r, VERDICT_PARTIAL, "no ResourceSlice publishes devices", NULL);
}

static void test_dra_network_driver_only(void **state)
{
	(void)state;
	json_t *fx = load();
	json_t *slice = json_array_get(list(fx, "resource.k8s.io/v1/resourceslices"), 0);
	json_object_set_new(json_object_get(slice, "spec"), "driver", json_string("dra.net"));
	struct check_result r;
	run("HW-1.1", fx, NULL, &r);
	expect(&r, VERDICT_PARTIAL, "from driver dra.net (DRANET NIC)", NULL);
}

static void test_dra_no_classes(void **state)
{
	(void)state;
	json_t *fx = load();
	set_list(fx, "resource.k8s.io/v1/deviceclasses", json_array());
	struct check_result r;
	run("HW-1.1", fx, NULL, &r);
	expect(&r, VERDICT_PARTIAL, "0 DeviceClasses: none", NULL);
}

static void test_dra_not_served(void **state)
{
	(void)state;
	json_t *fx = load();
	drop(fx, "resource.k8s.io", NULL, NULL);
	struct check_result r;
	run("HW-1.1", fx, NULL, &r);
	expect(&r, VERDICT_NO, "resource.k8s.io is not served", NULL);
}

static void test_dra_forbidden(void **state)
{
	(void)state;
	json_t *fx = load();
	set_error(fx, "resource.k8s.io/v1/resourceslices", 403, "Forbidden");
	struct check_result r;
	run("HW-1.1", fx, NULL, &r);
	expect(&r, VERDICT_ERROR, "cannot list resource.k8s.io/resourceslices: 403 Forbidden",
	       NULL);
}

/* ---- HW-1.2 ---- */

static void test_metrics_full(void **state)
{
	(void)state;
	struct check_result r;
	run("HW-1.2", load(), NULL, &r);
	expect(&r, VERDICT_FULL, "2 accelerators known from ResourceSlices",
	       "exporter NVIDIA DCGM exporter: 1 of 1 endpoint scraped",
	       "utilization: DCGM_FI_DEV_GPU_UTIL for 2 devices",
	       "memory: DCGM_FI_DEV_FB_USED for 2 devices", "other families: DCGM_FI_DEV_GPU_TEMP",
	       "coverage: 2 of 2 accelerators", NULL);
}

static void test_metrics_memory_only(void **state)
{
	(void)state;
	json_t *fx = load();
	set_proxy(fx, METRICS_PATH,
		  "DCGM_FI_DEV_FB_USED{gpu=\"0\",UUID=\"GPU-aaaa\"} 1\n"
		  "DCGM_FI_DEV_FB_USED{gpu=\"1\",UUID=\"GPU-bbbb\"} 1\n");
	struct check_result r;
	run("HW-1.2", fx, NULL, &r);
	expect(&r, VERDICT_PARTIAL, "utilization: no known family found", NULL);
	assert_true(strstr(r.remediation ? r.remediation : "", "") != NULL);
}

static void test_metrics_partial_coverage(void **state)
{
	(void)state;
	json_t *fx = load();
	set_proxy(fx, METRICS_PATH,
		  "DCGM_FI_DEV_GPU_UTIL{gpu=\"0\",UUID=\"GPU-aaaa\"} 1\n"
		  "DCGM_FI_DEV_FB_USED{gpu=\"0\",UUID=\"GPU-aaaa\"} 1\n");
	struct check_result r;
	run("HW-1.2", fx, NULL, &r);
	expect(&r, VERDICT_PARTIAL, "coverage: 1 of 2 accelerators",
	       "devices without both metrics: GPU-bbbb", NULL);
}

static void test_metrics_no_exporter(void **state)
{
	(void)state;
	json_t *fx = load();
	set_list(fx, "/v1/pods", json_array());
	set_list(fx, "/v1/services", json_array());
	struct check_result r;
	run("HW-1.2", fx, NULL, &r);
	expect(&r, VERDICT_NO, "no accelerator metrics exporter found", NULL);
}

static void test_metrics_service_fallback(void **state)
{
	(void)state;
	json_t *fx = load();
	set_list(fx, "/v1/pods", json_array());
	set_proxy(fx,
		  "/api/v1/namespaces/gpu-operator/services/nvidia-dcgm-exporter:9400/proxy/"
		  "metrics",
		  json_string_value(json_object_get(json_object_get(fx, "proxy"), METRICS_PATH)));
	struct check_result r;
	run("HW-1.2", fx, NULL, &r);
	expect(&r, VERDICT_FULL, "service gpu-operator/nvidia-dcgm-exporter:9400", NULL);
}

static void test_metrics_found_by_port(void **state)
{
	(void)state;
	json_t *fx = load();
	/* neither the DaemonSet nor its pod has a known name or label: port 9400 tells */
	json_t *ds = json_array_get(list(fx, "apps/v1/daemonsets"), 1);
	json_t *spec = json_object_get(ds, "spec");
	json_t *pod = json_array_get(list(fx, "/v1/pods"), 0);
	json_t *label = json_pack("{s:s}", "app", "gpu-telemetry");
	json_object_set_new(json_object_get(ds, "metadata"), "name", json_string("gpu-telemetry"));
	json_object_set(json_object_get(ds, "metadata"), "labels", label);
	json_object_set(json_object_get(spec, "selector"), "matchLabels", label);
	json_object_set(json_object_get(json_object_get(spec, "template"), "metadata"), "labels",
			label);
	json_object_set(json_object_get(pod, "metadata"), "labels", label);
	json_decref(label);
	json_object_set_new(json_object_get(pod, "metadata"), "name",
			    json_string("gpu-telemetry-a"));
	set_proxy(fx, "/api/v1/namespaces/gpu-operator/pods/gpu-telemetry-a:9400/proxy/metrics",
		  json_string_value(json_object_get(json_object_get(fx, "proxy"), METRICS_PATH)));
	struct check_result r;
	run("HW-1.2", fx, NULL, &r);
	expect(&r, VERDICT_FULL, "pod gpu-operator/gpu-telemetry-a:9400", NULL);
}

static void test_metrics_proxy_forbidden(void **state)
{
	(void)state;
	json_t *fx = load();
	set_error(fx, METRICS_PATH, 403, "Forbidden");
	struct check_result r;
	run("HW-1.2", fx, NULL, &r);
	expect(&r, VERDICT_ERROR, "cannot scrape pod gpu-operator/dcgm-exporter-a:9400", "403",
	       NULL);
}

static void test_metrics_pods_unreadable(void **state)
{
	(void)state;
	json_t *fx = load();
	set_error(fx, "/v1/pods", 500, "InternalError");
	set_error(fx, "/v1/services", 500, "InternalError");
	struct check_result r;
	run("HW-1.2", fx, NULL, &r);
	expect(&r, VERDICT_ERROR,
	       "cannot list pods of gpu-operator/nvidia-dcgm-exporter: 500 InternalError", NULL);
}

static void test_metrics_endpoint_option(void **state)
{
	(void)state;
	json_t *fx = load();
	set_list(fx, "/v1/pods", json_array());
	set_list(fx, "/v1/services", json_array());
	set_proxy(fx, "/api/v1/namespaces/mon/services/gpu-metrics:8080/proxy/m",
		  json_string_value(json_object_get(json_object_get(fx, "proxy"), METRICS_PATH)));
	struct run_opts o = {.metrics_endpoint = "mon/gpu-metrics:8080/m"};
	struct check_result r;
	run("HW-1.2", fx, &o, &r);
	expect(&r, VERDICT_FULL, "--metrics-endpoint", "coverage: 2 of 2", NULL);

	struct run_opts bad = {.metrics_endpoint = "no-port"};
	run("HW-1.2", load(), &bad, &r);
	expect(&r, VERDICT_ERROR, "is neither a proxy path", NULL);
}

static void test_metrics_allocatable_fallback(void **state)
{
	(void)state;
	json_t *fx = load();
	drop(fx, "resource.k8s.io", NULL, NULL);
	json_t *node = json_array_get(list(fx, "/v1/nodes"), 0);
	json_object_set_new(json_object_get(json_object_get(node, "status"), "allocatable"),
			    "nvidia.com/gpu", json_string("4"));
	struct check_result r;
	run("HW-1.2", fx, NULL, &r);
	expect(&r, VERDICT_PARTIAL, "4 accelerators known from node allocatable",
	       "coverage: 2 of 4", NULL);
}

/* ---- HW-1.3 ---- */

/* The fixture's NodeHealthCheck with these unhealthy condition types. */
static json_t *nhc_on(const char *t1, const char *t2)
{
	json_t *fx = load();
	json_t *nhc =
	    json_array_get(list(fx, "remediation.medik8s.io/v1alpha1/nodehealthchecks"), 0);
	json_t *conds = json_array();
	json_array_append_new(conds, json_pack("{s:s, s:s}", "type", t1, "status", "True"));
	if (t2 != NULL)
		json_array_append_new(conds,
				      json_pack("{s:s, s:s}", "type", t2, "status", "False"));
	json_object_set_new(nhc, "spec", json_pack("{s:o}", "unhealthyConditions", conds));
	return fx;
}

static void test_faults_full(void **state)
{
	(void)state;
	struct check_result r;
	run("HW-1.3", nhc_on("GpuXidError", "Ready"), NULL, &r);
	expect(&r, VERDICT_FULL, "detection: node-problem-detector (kube-system/node-problem-det",
	       "and accelerator node conditions set by a detector",
	       "automated cordon/drain: medik8s NodeHealthCheck (gpu-nodes)",
	       "accelerator node conditions: GpuXidError=False on gpu-node-1",
	       "fault signal tied to remediation: medik8s NodeHealthCheck gpu-nodes remediates "
	       "on GpuXidError",
	       NULL);
	assert_true(checks_find("HW-1.3")->flags & CHECK_FULL_NEEDS_ACTIVE);
}

/* Presence is not enough: a NodeHealthCheck that acts on no accelerator condition leaves
 * the detector's GPU condition unhandled. */
static void test_faults_not_tied(void **state)
{
	(void)state;
	struct check_result r;
	run("HW-1.3", nhc_on("Ready", NULL), NULL, &r);
	assert_non_null(r.remediation);
	assert_non_null(strstr(r.remediation, "unhealthyConditions"));
	expect(&r, VERDICT_PARTIAL, "automated cordon/drain: medik8s NodeHealthCheck (gpu-nodes)",
	       "not tied to an accelerator fault: medik8s NodeHealthCheck gpu-nodes acts on no "
	       "accelerator fault condition (its unhealthy conditions: Ready)",
	       NULL);
	/* a GPU-sounding name that no detector sets and no node shows is no signal */
	run("HW-1.3", nhc_on("GpuFellOver", NULL), NULL, &r);
	expect(&r, VERDICT_PARTIAL, "acts on no accelerator fault condition", NULL);
}

/* The condition types node-problem-detector's accelerator rule file declares are
 * signals even before any node shows them. */
static void test_faults_npd_condition_types(void **state)
{
	(void)state;
	json_t *fx = nhc_on("GPUXidError", NULL);
	json_t *node = json_array_get(list(fx, "/v1/nodes"), 0);
	json_array_remove(json_object_get(json_object_get(node, "status"), "conditions"), 1);
	json_t *cm = json_array_get(list(fx, "/v1/configmaps"), 0);
	json_object_set_new(
	    cm, "data",
	    json_pack("{s:s, s:s}", "gpu.json",
		      "{\"conditions\":[{\"type\":\"GPUXidError\"}],\"rules\":[{\"condition\":"
		      "\"GPUXidError\",\"pattern\":\"NVRM: Xid.*\"}]}",
		      "kernel.json", "{\"conditions\":[{\"type\":\"KernelDeadlock\"}]}"));
	struct check_result r;
	run("HW-1.3", fx, NULL, &r);
	expect(&r, VERDICT_FULL, "accelerator fault condition types: GPUXidError",
	       "remediates on GPUXidError", NULL);
}

static void test_faults_detect_only(void **state)
{
	(void)state;
	json_t *fx = load();
	set_list(fx, "remediation.medik8s.io/v1alpha1/nodehealthchecks", json_array());
	struct check_result r;
	run("HW-1.3", fx, NULL, &r);
	expect(&r, VERDICT_PARTIAL, "served but no objects configure it",
	       "automated cordon/drain: none", NULL);
}

static void test_faults_none(void **state)
{
	(void)state;
	json_t *fx = load();
	drop(fx, "remediation.medik8s.io", NULL, NULL);
	set_list(fx, "/v1/configmaps", json_array()); /* NPD without a GPU rule */
	json_t *node = json_array_get(list(fx, "/v1/nodes"), 0);
	json_array_remove(json_object_get(json_object_get(node, "status"), "conditions"), 1);
	json_object_set_new(json_object_get(node, "spec"), "unschedulable", json_true());
	struct check_result r;
	run("HW-1.3", fx, NULL, &r);
	expect(&r, VERDICT_NO, "has no accelerator rule", "cordoned nodes: gpu-node-1",
	       "detection: none", NULL);
}

static void test_faults_forbidden(void **state)
{
	(void)state;
	json_t *fx = load();
	drop(fx, "remediation.medik8s.io", NULL, NULL);
	set_error(fx, "apps/v1/daemonsets", 403, "Forbidden");
	struct check_result r;
	run("HW-1.3", fx, NULL, &r);
	expect(&r, VERDICT_ERROR, "cannot list apps/daemonsets: 403 Forbidden", NULL);
}

/* ---- WL-2.1 .. WL-2.4 ---- */

static void test_agenttool(void **state)
{
	(void)state;
	struct check_result r;
	run("WL-2.1", load(), NULL, &r);
	expect(&r, VERDICT_FULL, "AgentTool served as agents.kaic.io/v1alpha1",
	       "reconciled by a controller: default/weather (Registered=True)",
	       "kagent (kagent.dev): Agent and ModelConfig", NULL);

	json_t *fx = load();
	json_object_del(json_array_get(list(fx, "agents.kaic.io/v1alpha1/agenttools"), 0),
			"status");
	run("WL-2.1", fx, NULL, &r);
	expect(&r, VERDICT_PARTIAL, "1 AgentTool object", NULL);

	fx = load();
	drop(fx, "agents.kaic.io", NULL, NULL);
	run("WL-2.1", fx, NULL, &r);
	expect(&r, VERDICT_PARTIAL, "no AgentTool kind served", NULL);

	fx = load();
	drop(fx, "agents.kaic.io", NULL, NULL);
	drop(fx, "kagent.dev", NULL, NULL);
	drop(fx, "inference.networking.k8s.io", NULL, NULL);
	run("WL-2.1", fx, NULL, &r);
	expect(&r, VERDICT_NO, "no other AI workload API served", NULL);

	fx = load();
	set_error(fx, "agents.kaic.io/v1alpha1/agenttools", 403, "Forbidden");
	run("WL-2.1", fx, NULL, &r);
	expect(&r, VERDICT_ERROR, "403 Forbidden", NULL);
}

static void test_jobset(void **state)
{
	(void)state;
	struct check_result r;
	run("WL-2.2", load(), NULL, &r);
	expect(&r, VERDICT_FULL, "jobset.x-k8s.io served (versions: v1alpha2)",
	       "JobSet controller jobset-system/jobset-controller-manager: 1/1 replicas ready",
	       NULL);

	json_t *fx = load();
	set_list(fx, "apps/v1/deployments", json_array());
	run("WL-2.2", fx, NULL, &r);
	expect(&r, VERDICT_PARTIAL, "no JobSet controller Deployment found", NULL);

	fx = load();
	drop(fx, "jobset.x-k8s.io", NULL, NULL);
	run("WL-2.2", fx, NULL, &r);
	expect(&r, VERDICT_NO, "jobset.x-k8s.io is not served", NULL);

	fx = load();
	set_error(fx, "apps/v1/deployments", 403, "Forbidden");
	run("WL-2.2", fx, NULL, &r);
	expect(&r, VERDICT_ERROR, "cannot list apps/deployments: 403", NULL);
}

static void test_kueue(void **state)
{
	(void)state;
	struct check_result r;
	run("WL-2.3", load(), NULL, &r);
	expect(&r, VERDICT_FULL,
	       "ClusterQueue team-a: cohort ai, preemption withinClusterQueue=LowerPriority "
	       "reclaimWithinCohort=Any, Active=True",
	       "1 ClusterQueue, 0 LocalQueues, 0 ResourceFlavors", NULL);

	json_t *fx = load();
	set_list(fx, "apps/v1/deployments", json_array());
	json_object_del(json_array_get(list(fx, "kueue.x-k8s.io/v1beta1/clusterqueues"), 0),
			"status");
	run("WL-2.3", fx, NULL, &r);
	expect(&r, VERDICT_PARTIAL, "Active=unknown", NULL);

	fx = load();
	drop(fx, "kueue.x-k8s.io", NULL, NULL);
	run("WL-2.3", fx, NULL, &r);
	expect(&r, VERDICT_NO, "kueue.x-k8s.io is not served", NULL);

	fx = load();
	drop(fx, "kueue.x-k8s.io", NULL, NULL);
	json_array_append_new(json_object_get(fx, "resources"),
			      json_pack("{s:s,s:s,s:s,s:s,s:b}", "group", "scheduling.volcano.sh",
					"version", "v1beta1", "resource", "podgroups", "kind",
					"PodGroup", "namespaced", 1));
	run("WL-2.3", fx, NULL, &r);
	expect(&r, VERDICT_PARTIAL, "scheduling.volcano.sh served (Volcano)", NULL);
}

static void test_topology(void **state)
{
	(void)state;
	struct check_result r;
	run("WL-2.4", load(), NULL, &r);
	expect(&r, VERDICT_FULL, "gpu-node-1 (single-numa-node, 2 zones)",
	       "2 of 2 DRA devices publish topology attributes (resource.kubernetes.io/pcieRoot)",
	       "NVLink clique label nvidia.com/gpu.clique on 1 node", NULL);

	json_t *fx = load();
	drop(fx, "resource.k8s.io", NULL, NULL);
	drop(fx, "topology.node.k8s.io", NULL, NULL);
	run("WL-2.4", fx, NULL, &r);
	expect(&r, VERDICT_PARTIAL, "NUMA nodes (NFD) label", NULL);

	fx = load();
	drop(fx, "resource.k8s.io", NULL, NULL);
	json_t *nrt =
	    json_array_get(list(fx, "topology.node.k8s.io/v1alpha2/noderesourcetopologies"), 0);
	json_object_del(nrt, "attributes");
	json_object_set_new(nrt, "topologyPolicies", json_pack("[s]", "None"));
	json_object_del(json_array_get(list(fx, "/v1/nodes"), 0), "metadata");
	run("WL-2.4", fx, NULL, &r);
	expect(&r, VERDICT_PARTIAL, "0 nodes with a topology manager policy, 1 with none", NULL);

	fx = load();
	drop(fx, "resource.k8s.io", NULL, NULL);
	drop(fx, "topology.node.k8s.io", NULL, NULL);
	drop(fx, "kueue.x-k8s.io", NULL, NULL);
	set_list(fx, "/v1/nodes", json_array());
	run("WL-2.4", fx, NULL, &r);
	expect(&r, VERDICT_NO, "no topology published", NULL);

	fx = load();
	drop(fx, "topology.node.k8s.io", NULL, NULL);
	drop(fx, "kueue.x-k8s.io", NULL, NULL);
	set_list(fx, "/v1/nodes", json_array());
	set_error(fx, "resource.k8s.io/v1/resourceslices", 503, "ServiceUnavailable");
	run("WL-2.4", fx, NULL, &r);
	expect(&r, VERDICT_ERROR, "503 ServiceUnavailable", NULL);
}

/* ---- NET-3.1, NET-3.2 ---- */

static void test_gateway(void **state)
{
	(void)state;
	struct check_result r;
	run("NET-3.1", load(), NULL, &r);
	expect(&r, VERDICT_FULL, "gateway.networking.k8s.io/v1 served",
	       "Gateway API CRD bundle v1.4.0 (standard channel)",
	       "accepted GatewayClasses: eg (gateway.envoyproxy.io/gatewayclass-controller)",
	       "InferencePool served (inference.networking.k8s.io v1", NULL);

	json_t *fx = load();
	json_object_del(json_array_get(list(fx, "gateway.networking.k8s.io/v1/gatewayclasses"), 0),
			"status");
	run("NET-3.1", fx, NULL, &r);
	expect(&r, VERDICT_PARTIAL, "GatewayClasses not accepted: eg", NULL);

	fx = load();
	drop(fx, "gateway.networking.k8s.io", NULL, NULL);
	run("NET-3.1", fx, NULL, &r);
	expect(&r, VERDICT_NO, "no Gateway API CRDs", NULL);

	fx = load();
	set_error(fx, "gateway.networking.k8s.io/v1/gatewayclasses", 403, "Forbidden");
	run("NET-3.1", fx, NULL, &r);
	expect(&r, VERDICT_ERROR, "cannot list gateway.networking.k8s.io/gatewayclasses: 403",
	       NULL);
}

static void test_nics(void **state)
{
	(void)state;
	struct check_result r;
	run("NET-3.2", load(), NULL, &r);
	expect(&r, VERDICT_FULL, "default/sriov-net (sriov)",
	       "rdma/hca_shared_devices_a (RDMA) on 1 node (gpu-node-1)", NULL);

	json_t *fx = load();
	set_list(fx, "/v1/nodes", json_array());
	set_list(fx, "k8s.cni.cncf.io/v1/network-attachment-definitions",
		 json_pack("[{s:{s:s,s:s},s:{s:s}}]", "metadata", "name", "macvlan", "namespace",
			   "default", "spec", "config", "{\"type\":\"macvlan\"}"));
	run("NET-3.2", fx, NULL, &r);
	expect(&r, VERDICT_PARTIAL, "default/macvlan (macvlan)", NULL);

	fx = load();
	drop(fx, "k8s.cni.cncf.io", NULL, NULL);
	set_list(fx, "/v1/nodes", json_array());
	run("NET-3.2", fx, NULL, &r);
	expect(&r, VERDICT_NO, "not served", NULL);

	fx = load();
	drop(fx, "k8s.cni.cncf.io", NULL, NULL);
	set_error(fx, "/v1/nodes", 403, "Forbidden");
	run("NET-3.2", fx, NULL, &r);
	expect(&r, VERDICT_ERROR, "cannot list nodes: 403 Forbidden", NULL);
}

/* ---- helpers ---- */

static void test_util_sets(void **state)
{
	(void)state;
	struct cutil_set s = CUTIL_SET_INIT;
	char *j = cutil_set_join(&s, 3);
	assert_string_equal(j, "none");
	free(j);
	assert_true(cutil_set_add(&s, "b"));
	assert_false(cutil_set_add(&s, "b"));
	j = cutil_set_join(&s, 3);
	assert_string_equal(j, "b");
	free(j);
	cutil_set_add(&s, "a");
	j = cutil_set_join(&s, 3);
	assert_string_equal(j, "b and a");
	free(j);
	cutil_set_addf(&s, "%s", "d");
	cutil_set_add(&s, "c");
	cutil_set_add(&s, "e");
	cutil_set_sort(&s);
	j = cutil_set_join(&s, 3);
	assert_string_equal(j, "a, b, c and 2 more");
	free(j);
	j = cutil_set_join(&s, 0);
	assert_string_equal(j, "a, b, c, d and e");
	free(j);
	assert_true(cutil_set_has(&s, "d")); /* the index follows the sort */
	assert_false(cutil_set_has(&s, "f"));
	cutil_set_release(&s);

	/* many entries: every one found once, duplicates refused */
	char key[32];
	for (int i = 0; i < 50000; i++) {
		snprintf(key, sizeof(key), "GPU-%08d", i);
		assert_true(cutil_set_add(&s, key));
	}
	for (int i = 0; i < 50000; i += 7) {
		snprintf(key, sizeof(key), "GPU-%08d", i);
		assert_false(cutil_set_add(&s, key));
		assert_true(cutil_set_has(&s, key));
	}
	assert_int_equal(s.n, 50000);
	assert_false(cutil_set_has(&s, "GPU-00050000"));
	cutil_set_release(&s);
}

static void test_util_json(void **state)
{
	(void)state;
	json_t *o = json_pack("{s:{s:s,s:s,s:{s:s}},s:{s:[{s:s,s:s}]}}", "metadata", "name", "x",
			      "namespace", "ns", "labels", "app", "npd", "status", "conditions",
			      "type", "Ready", "status", "True");
	assert_string_equal(cutil_name(o), "x");
	assert_string_equal(cutil_ns(o), "ns");
	char *ref = cutil_ref(o);
	assert_string_equal(ref, "ns/x");
	free(ref);
	assert_true(cutil_has_label(o, "app=npd"));
	assert_true(cutil_has_label(o, "app"));
	assert_false(cutil_has_label(o, "app=np"));
	assert_true(cutil_matches(o, NULL, (const char *const[]){"app=npd", NULL}));
	assert_true(cutil_matches(o, (const char *const[]){"x", NULL}, NULL));
	assert_true(cutil_condition_true(o, "Ready"));
	assert_null(cutil_condition(o, "Other"));
	assert_null(cutil_get(o, "metadata.name.deeper"));
	json_decref(o);
}

static void test_util_devices(void **state)
{
	(void)state;
	/* v1beta1 shape: attributes under "basic" */
	json_t *slices =
	    json_pack("[{s:{s:s,s:s,s:{s:s},s:[{s:s,s:{s:{s:{s:s},s:{s:i}}}},{s:s}]}}]", "spec",
		      "driver", "gpu.nvidia.com", "nodeName", "n1", "pool", "name", "p", "devices",
		      "name", "gpu-0", "basic", "attributes", "gpu.nvidia.com/numaNode", "string",
		      "x", "uuid", "int", 7, "name", "gpu-1");
	struct cutil_devices d = {0};
	cutil_devices_collect(slices, &d);
	assert_int_equal(d.n, 2);
	char buf[32];
	assert_true(cutil_attr_text(cutil_device_attr(&d.v[0], "uuid"), buf, sizeof(buf)));
	assert_string_equal(buf, "7");
	assert_non_null(cutil_device_attr(&d.v[0], "numaNode"));
	assert_null(cutil_device_attr(&d.v[1], "numaNode"));
	struct cutil_driver *drv;
	size_t n = cutil_devices_by_driver(&d, &drv);
	assert_int_equal(n, 1);
	assert_int_equal(drv[0].devices, 2);
	assert_int_equal(drv[0].nodes.n, 1);
	cutil_drivers_free(drv, n);
	cutil_devices_release(&d);
	json_decref(slices);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dra_full),
	    cmocka_unit_test(test_dra_beta_only),
	    cmocka_unit_test(test_dra_no_devices),
	    cmocka_unit_test(test_dra_network_driver_only),
	    cmocka_unit_test(test_dra_no_classes),
	    cmocka_unit_test(test_dra_not_served),
	    cmocka_unit_test(test_dra_forbidden),
	    cmocka_unit_test(test_metrics_full),
	    cmocka_unit_test(test_metrics_memory_only),
	    cmocka_unit_test(test_metrics_partial_coverage),
	    cmocka_unit_test(test_metrics_no_exporter),
	    cmocka_unit_test(test_metrics_service_fallback),
	    cmocka_unit_test(test_metrics_found_by_port),
	    cmocka_unit_test(test_metrics_proxy_forbidden),
	    cmocka_unit_test(test_metrics_pods_unreadable),
	    cmocka_unit_test(test_metrics_endpoint_option),
	    cmocka_unit_test(test_metrics_allocatable_fallback),
	    cmocka_unit_test(test_faults_full),
	    cmocka_unit_test(test_faults_not_tied),
	    cmocka_unit_test(test_faults_npd_condition_types),
	    cmocka_unit_test(test_faults_detect_only),
	    cmocka_unit_test(test_faults_none),
	    cmocka_unit_test(test_faults_forbidden),
	    cmocka_unit_test(test_agenttool),
	    cmocka_unit_test(test_jobset),
	    cmocka_unit_test(test_kueue),
	    cmocka_unit_test(test_topology),
	    cmocka_unit_test(test_gateway),
	    cmocka_unit_test(test_nics),
	    cmocka_unit_test(test_util_sets),
	    cmocka_unit_test(test_util_json),
	    cmocka_unit_test(test_util_devices),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
