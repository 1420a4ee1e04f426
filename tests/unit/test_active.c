/* test_active.c: the active tests' object builders (kaic's labels on every object,
 * namespaced objects in the run namespace, the restricted Pod Security Standard on every
 * pod, names and paths) and the framework's parts that need no cluster. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "checks/active_tests.h"
#include "checks/checks.h"
#include "checks/cncf.h"
#include "checks/util.h"
#include "util/xmalloc.h"

#define RUN "0a1b2c3d"
#define NS "kaic-" RUN

static void params(struct active_params *p)
{
	active_params_init(p, RUN, NS, "registry.example/kaic:1", 0);
}

static void assert_labels(const json_t *obj)
{
	const char *m = cutil_label(obj, KAIC_LABEL_MANAGED_BY);
	const char *r = cutil_label(obj, KAIC_LABEL_RUN_ID);
	assert_non_null(m);
	assert_non_null(r);
	assert_string_equal(m, "kaic");
	assert_string_equal(r, RUN);
}

/* The restricted profile, for the pod and each container. */
static void assert_restricted(const json_t *pod)
{
	const json_t *spec = json_object_get(pod, "spec");
	assert_true(cutil_true(spec, "securityContext.runAsNonRoot"));
	assert_string_equal(cutil_str(spec, "securityContext.seccompProfile.type"),
			    "RuntimeDefault");
	assert_false(cutil_true(spec, "hostNetwork"));
	size_t i;
	const json_t *c;
	json_array_foreach(json_object_get(spec, "containers"), i, c) {
		const json_t *sc = json_object_get(c, "securityContext");
		assert_true(json_is_false(json_object_get(sc, "allowPrivilegeEscalation")));
		assert_true(cutil_true(sc, "runAsNonRoot"));
		const json_t *drop = cutil_get(sc, "capabilities.drop");
		assert_int_equal(json_array_size(drop), 1);
		assert_string_equal(json_string_value(json_array_get(drop, 0)), "ALL");
		assert_null(cutil_get(sc, "capabilities.add"));
		assert_true(json_is_false(json_object_get(sc, "privileged")) ||
			    json_object_get(sc, "privileged") == NULL);
		assert_string_equal(cutil_str(sc, "seccompProfile.type"), "RuntimeDefault");
		const char *image = json_string_value(json_object_get(c, "image"));
		/* the images the user names for STO-4.2 and SEC-5.5 run their own programs */
		if (strcmp(image, ACTIVE_PLACEHOLDER_GDS_IMAGE) == 0 ||
		    strcmp(image, ACTIVE_PLACEHOLDER_SIGNED_IMAGE) == 0 ||
		    strcmp(image, ACTIVE_PLACEHOLDER_UNSIGNED_IMAGE) == 0)
			continue;
		assert_string_equal(image, "registry.example/kaic:1");
		const json_t *cmd = json_object_get(c, "command");
		assert_string_equal(json_string_value(json_array_get(cmd, 0)), "kaic");
		assert_string_equal(json_string_value(json_array_get(cmd, 1)), "probe");
	}
	const json_t *v;
	json_array_foreach(json_object_get(spec, "volumes"), i, v) {
		assert_null(json_object_get(v, "hostPath"));
	}
}

/* pod_autoscaling: the Deployment's pods meet the restricted standard and carry kaic's
 * labels; its selector, the PodMonitor's and the HPA's target all name them. */
static void test_hpa_objects(void **state)
{
	(void)state;
	struct active_params p;
	params(&p);
	json_t *objs = active_hpa_objects(&p);
	json_t *d = active_build_find(objs, "Deployment", "hpa");
	json_t *pm = active_build_find(objs, "PodMonitor", "hpa");
	json_t *h = active_build_find(objs, "HorizontalPodAutoscaler", "hpa");
	assert_non_null(d);
	assert_non_null(pm);
	assert_non_null(h);
	json_t *tmpl = json_deep_copy(cutil_get(d, "spec.template"));
	assert_labels(tmpl);
	assert_restricted(tmpl);
	const json_t *labels = cutil_get(tmpl, "metadata.labels");
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)cutil_get(d, "spec.selector.matchLabels"), k, v)
		assert_true(json_equal(json_object_get(labels, k), v));
	assert_true(json_equal(cutil_get(d, "spec.selector"), cutil_get(pm, "spec.selector")));
	assert_string_equal(cutil_str(h, "spec.scaleTargetRef.kind"), "Deployment");
	assert_string_equal(cutil_str(h, "spec.scaleTargetRef.name"), "hpa");
	const json_t *m = json_array_get(cutil_get(h, "spec.metrics"), 0);
	assert_string_equal(cutil_str(m, "type"), "Pods");
	assert_string_equal(cutil_str(m, "pods.metric.name"), "vllm:num_requests_running");
	char *path = active_build_path(h);
	assert_string_equal(path,
			    "/apis/autoscaling/v2/namespaces/" NS "/horizontalpodautoscalers");
	free(path);
	json_decref(tmpl);
	json_decref(objs);
}

/* robust_controller: the LeaderWorkerSet's pods meet the restricted standard and carry
 * kaic's labels (so that cleanup finds them); the invalid one differs only in its size. */
static void test_lws_objects(void **state)
{
	(void)state;
	struct active_params p;
	params(&p);
	json_t *objs = active_lws_objects(&p);
	json_t *ok = active_build_find(objs, "LeaderWorkerSet", "lws");
	json_t *bad = active_build_find(objs, "LeaderWorkerSet", "lws-invalid");
	assert_non_null(ok);
	assert_non_null(bad);
	assert_int_equal(json_integer_value(cutil_get(ok, "spec.leaderWorkerTemplate.size")), 1);
	assert_int_equal(json_integer_value(cutil_get(ok, "spec.replicas")), 1);
	assert_int_equal(json_integer_value(cutil_get(bad, "spec.leaderWorkerTemplate.size")), 0);
	json_t *tmpl = json_deep_copy(cutil_get(ok, "spec.leaderWorkerTemplate.workerTemplate"));
	assert_labels(tmpl);
	assert_restricted(tmpl);
	json_decref(tmpl);
	char *path = active_build_path(ok);
	assert_string_equal(path,
			    "/apis/leaderworkerset.x-k8s.io/v1/namespaces/" NS "/leaderworkersets");
	free(path);
	json_decref(objs);
}

static void test_every_object(void **state)
{
	(void)state;
	struct active_params p;
	params(&p);
	size_t tests = 0, pods = 0;
	for (const struct active_test *t = active_tests; t->id != NULL; t++, tests++) {
		json_t *objs = t->objects(&p);
		assert_true(json_array_size(objs) > 0);
		size_t i;
		json_t *o;
		size_t tl = strlen(t->tag);
		json_array_foreach(objs, i, o) {
			assert_labels(o);
			const char *name = cutil_name(o);
			if (strcmp(json_string_value(json_object_get(o, "kind")), "Namespace") ==
			    0) {
				/* SEC-5.5's own namespace */
				assert_string_equal(t->id, "SEC-5.5");
				assert_string_equal(name, NS "-sig");
				continue;
			}
			/* named with the test's tag, so that its Events can be told apart */
			assert_true(strncmp(name, t->tag, tl) == 0 &&
				    (name[tl] == '\0' || name[tl] == '-'));
			/* every object the tests create is in the run namespace, but for the
			 * cluster-scoped Kueue objects of WL-2.3, named with the run ID */
			const char *kind = json_string_value(json_object_get(o, "kind"));
			char *path = active_build_path(o);
			assert_non_null(path);
			if (!strcmp(kind, "ClusterQueue") || !strcmp(kind, "ResourceFlavor") ||
			    !strcmp(kind, "WorkloadPriorityClass")) {
				assert_string_equal(t->id, "WL-2.3");
				assert_null(cutil_get(o, "metadata.namespace"));
				assert_non_null(strstr(name, RUN));
				assert_null(strstr(path, "/namespaces/"));
			} else { /* SEC-5.5's dry-run pods in its own namespace */
				bool sig = strcmp(t->id, "SEC-5.5") == 0;
				assert_string_equal(cutil_ns(o), sig ? NS "-sig" : NS);
				assert_non_null(strstr(path, sig ? "/namespaces/" NS "-sig/"
								 : "/namespaces/" NS "/"));
			}
			free(path);
			if (strcmp(json_string_value(json_object_get(o, "kind")), "Pod") == 0) {
				assert_restricted(o);
				pods++;
			}
		}
		json_decref(objs);
	}
	assert_true(pods >= 11);
	/* at most one active test per requirement, in catalogue order; every MUST has one; */
	const struct requirement *r = catalog_all();
	const struct active_test *t = active_tests;
	size_t found = 0;
	for (size_t i = 0; i < catalog_count(); i++) {
		bool has = t->id != NULL && strcmp(t->id, r[i].id) == 0;
		assert_true(has || r[i].level != LEVEL_MUST);
		if (has) {
			t++;
			found++;
		}
	}
	/* then the CNCF-only checks' tests, each the active part of its check */
	size_t cncf = 0;
	for (; t->id != NULL; t++, cncf++) {
		const struct check *c = checks_find(t->id);
		bool listed = false;
		for (const struct check *const *k = checks_cncf; *k != NULL; k++)
			listed |= *k == c;
		assert_true(listed);
		assert_true(c->active == t->run);
	}
	assert_int_equal(tests, found + cncf);
	/* NET-3.2 with --secondary-nic: its own macvlan NAD on that interface, in the run
	 * namespace, at Multus' irregular plural */
	p.secondary_nic = "ens9f0";
	json_t *objs = active_net32_objects(&p);
	json_t *nad = active_build_find(objs, "NetworkAttachmentDefinition", "nic");
	assert_non_null(nad);
	char *path = active_build_path(nad);
	assert_string_equal(path, "/apis/k8s.cni.cncf.io/v1/namespaces/" NS
				  "/network-attachment-definitions");
	free(path);
	assert_non_null(strstr(cutil_str(nad, "spec.config"), "\"master\":\"ens9f0\""));
	json_t *pod = active_build_find(objs, "Pod", "nic");
	assert_string_equal(cutil_annotation(pod, "k8s.v1.cni.cncf.io/networks"), "nic");
	json_decref(objs);
}

static void test_namespace(void **state)
{
	(void)state;
	json_t *ns = active_namespace_object(RUN);
	assert_string_equal(cutil_name(ns), NS);
	assert_labels(ns);
	assert_string_equal(cutil_label(ns, "pod-security.kubernetes.io/enforce"), "restricted");
	json_decref(ns);
	char *n = active_namespace_name("x");
	assert_string_equal(n, "kaic-x");
	free(n);
}

static void test_paths(void **state)
{
	(void)state;
	struct active_params p;
	params(&p);
	static const struct {
		const char *api, *kind, *want;
	} t[] = {
	    {"v1", "Pod", "/api/v1/namespaces/" NS "/pods"},
	    {"networking.k8s.io/v1", "NetworkPolicy",
	     "/apis/networking.k8s.io/v1/namespaces/" NS "/networkpolicies"},
	    {"gateway.networking.k8s.io/v1", "HTTPRoute",
	     "/apis/gateway.networking.k8s.io/v1/namespaces/" NS "/httproutes"},
	    {"v1", "PersistentVolumeClaim", "/api/v1/namespaces/" NS "/persistentvolumeclaims"},
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		json_t *o = active_build_object(&p, t[i].api, t[i].kind, "x", true);
		char *path = active_build_path(o);
		assert_string_equal(path, t[i].want);
		free(path);
		json_decref(o);
	}
	json_t *o = active_build_object(&p, "scheduling.k8s.io/v1", "PriorityClass",
					"kaic-" RUN "-x", false);
	char *path = active_build_path(o);
	assert_string_equal(path, "/apis/scheduling.k8s.io/v1/priorityclasses");
	assert_null(cutil_get(o, "metadata.namespace"));
	free(path);
	json_decref(o);
}

/* What the tests send the workloads: the HW-1.1 negative claim, the NET-3.1 weights and
 * header rule, the SEC-5.1 policies, STO-4.1's restore source. */

/* Whether policy's podSelector.matchLabels all hold on pod's labels. */
static bool selects(const json_t *policy, const json_t *pod)
{
	const json_t *want = cutil_get(policy, "spec.podSelector.matchLabels");
	const json_t *have = cutil_get(pod, "metadata.labels");
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)want, k, v) {
		const char *h = json_string_value(json_object_get(have, k));
		if (h == NULL || strcmp(h, json_string_value(v)) != 0)
			return false;
	}
	return json_object_size(want) > 0;
}

static void test_contents(void **state)
{
	(void)state;
	struct active_params p;
	params(&p);
	p.device_class = "gpu.example.com";
	p.gateway_address = "10.96.0.7";
	p.requests = 250;
	json_t *hw = active_hw11_objects(&p);
	json_t *nm = active_build_find(hw, "ResourceClaimTemplate", "dra-no-match");
	const json_t *req = json_array_get(cutil_get(nm, "spec.spec.devices.requests"), 0);
	assert_string_equal(cutil_str(req, "exactly.deviceClassName"), "gpu.example.com");
	assert_non_null(json_array_get(cutil_get(req, "exactly.selectors"), 0));
	assert_non_null(active_build_find(hw, "Pod", "dra"));
	json_decref(hw);

	json_t *net = active_net31_objects(&p);
	json_t *route = active_build_find(net, "HTTPRoute", "gw-route");
	const json_t *rules = cutil_get(route, "spec.rules");
	assert_int_equal(json_array_size(rules), 2);
	const json_t *split = json_object_get(json_array_get(rules, 1), "backendRefs");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(split, 0), "weight")),
			 80);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(split, 1), "weight")),
			 20);
	json_t *load = active_build_find(net, "Pod", "gw-load-split");
	const json_t *args =
	    json_object_get(json_array_get(cutil_get(load, "spec.containers"), 0), "args");
	assert_string_equal(json_string_value(json_array_get(args, 1)), "http://10.96.0.7/");
	/* fewer than ACTIVE_NET31_MIN_REQUESTS asked for: the minimum, for the test's power */
	assert_string_equal(json_string_value(json_array_get(args, 3)), "2000");
	assert_string_equal(cutil_str(load, "spec.restartPolicy"), "Never");
	json_decref(net);

	json_t *sec = active_sec51_objects(&p);
	json_t *deny = active_build_find(sec, "NetworkPolicy", "np-deny-egress");
	assert_string_equal(
	    json_string_value(json_array_get(cutil_get(deny, "spec.policyTypes"), 0)), "Egress");
	const json_t *ports =
	    json_object_get(json_array_get(cutil_get(deny, "spec.egress"), 0), "ports");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(ports, 0), "port")), 53);
	/* the clients start together: the policies' selectors alone tell them apart */
	json_t *allow = active_build_find(sec, "NetworkPolicy", "np-allow-server");
	assert_non_null(allow);
	static const char *const client[] = {"np-client-reach", "np-client-denied",
					     "np-client-allowed"};
	static const bool denied[] = {false, true, true}, allowed[] = {false, false, true};
	for (size_t i = 0; i < 3; i++) {
		json_t *pod = active_build_find(sec, "Pod", client[i]);
		assert_non_null(pod);
		assert_int_equal(selects(deny, pod), denied[i]);
		assert_int_equal(selects(allow, pod), allowed[i]);
	}
	json_decref(sec);

	json_t *sto = active_sto41_objects(&p);
	json_t *restored = active_build_find(sto, "PersistentVolumeClaim", "csi-restored");
	assert_string_equal(cutil_str(restored, "spec.dataSource.kind"), "VolumeSnapshot");
	json_decref(sto);
	p.snapshot_class = NULL; /* no VolumeSnapshotClass: provisioning objects only */
	sto = active_sto41_objects(&p);
	assert_int_equal(json_array_size(sto), 2);
	json_decref(sto);

	json_t *wl = active_wl21_objects(&p);
	json_t *tool = active_build_find(wl, "AgentTool", "tool");
	assert_string_equal(json_string_value(json_object_get(tool, "apiVersion")),
			    "agents.kaic.io/v1alpha1");
	assert_string_equal(cutil_str(tool, "spec.serviceRef.name"), "tool");
	json_t *missing = active_build_find(wl, "AgentTool", "tool-missing");
	assert_string_equal(cutil_str(missing, "spec.serviceRef.name"), "tool-absent");
	assert_null(active_build_find(wl, "Service", "tool-absent"));
	json_t *server = active_build_find(wl, "Pod", "tool");
	char *argv = json_dumps(cutil_get(server, "spec.containers"), JSON_COMPACT);
	assert_non_null(strstr(argv, "\"mcp\""));
	assert_non_null(strstr(argv, "\"--tools\",\"3\",\"--page-size\",\"2\""));
	free(argv);
	json_decref(wl);
}

static void test_termination_message(void **state)
{
	(void)state;
	json_t *pod = json_loads("{\"status\":{\"containerStatuses\":[{\"state\":{\"terminated\":"
				 "{\"exitCode\":0,\"message\":\"{\\\"probe\\\":\\\"fs\\\"}\"}}}]}}",
				 0, NULL);
	assert_non_null(pod);
	assert_string_equal(active_termination_message(pod), "{\"probe\":\"fs\"}");
	json_decref(pod);
	json_t *none = json_pack("{s:{}}", "status");
	assert_null(active_termination_message(none));
	json_decref(none);
}

static void test_pod_stuck(void **state)
{
	(void)state;
	json_t *pod = json_loads("{\"status\":{\"phase\":\"Pending\",\"conditions\":[{\"type\":"
				 "\"PodScheduled\",\"status\":\"False\",\"message\":\"0/3 nodes "
				 "are available\"}]}}",
				 0, NULL);
	assert_string_equal(active_run_pod_stuck(pod), "0/3 nodes are available");
	assert_string_equal(active_run_phase(pod), "Pending");
	json_decref(pod);
	pod = json_loads("{\"status\":{\"containerStatuses\":[{\"state\":{\"waiting\":{\"reason\":"
			 "\"ImagePullBackOff\"}}}]}}",
			 0, NULL);
	assert_string_equal(active_run_pod_stuck(pod), "ImagePullBackOff");
	json_decref(pod);
}

/* Without a cluster the framework creates nothing and cleans up nothing. */
static void test_no_client(void **state)
{
	(void)state;
	struct active *a = active_new(NULL, RUN, 0);
	struct kube_error err = {0};
	assert_null(active_namespace(a, &err));
	json_t *o = json_pack("{s:{s:s}}", "metadata", "name", "x");
	assert_int_equal(active_create(a, "/api/v1/namespaces/" NS "/configmaps", o, NULL, &err),
			 -1);
	json_decref(o);
	char **notes = NULL;
	assert_int_equal(active_cleanup(a, &notes), 0);
	assert_int_equal(active_cleanup(a, &notes), 0);
	assert_null(notes);
	assert_string_equal(active_run_id(a), RUN);
	active_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_object),
	    cmocka_unit_test(test_hpa_objects),
	    cmocka_unit_test(test_lws_objects),
	    cmocka_unit_test(test_namespace),
	    cmocka_unit_test(test_paths),
	    cmocka_unit_test(test_contents),
	    cmocka_unit_test(test_termination_message),
	    cmocka_unit_test(test_pod_stuck),
	    cmocka_unit_test(test_no_client),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
