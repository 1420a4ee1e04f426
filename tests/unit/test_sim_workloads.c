/* test_sim_workloads.c: kaic-sim's Deployment and ReplicaSet controllers as
 * kube-controller-manager's: a ReplicaSet per pod template (NAME-HASH, labelled
 * pod-template-hash), its pods, a rolling update to a new ReplicaSet with the old one
 * scaled down, proportional scaling, the Deployment's status and conditions, the
 * scheduler's pod limit, and the scenario's workloads left as loaded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "controllers/ctl_util.h"
#include "objects/admin.h"
#include "runtime.h"
#include "sim.h"
#include "sim_test_util.h"
#include "util/yaml.h"

#define WAIT_MS 8000

static const char nodes_yaml[] =
    "apiVersion: v1\nkind: Namespace\nmetadata: {name: t}\n---\n"
    "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n"
    "spec: {podCIDR: 10.244.1.0/24}\n"
    "status:\n  conditions: [{type: Ready, status: 'True'}]\n  allocatable: {pods: '%d'}\n";

static const char deploy_yaml[] =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: t}\n"
    "spec:\n  replicas: %d\n  selector: {matchLabels: {app: web}}\n"
    "  template:\n    metadata: {labels: {app: web}}\n"
    "    spec: {containers: [{name: c, image: '%s'}]}\n";

static void apply(struct sim_api *api, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void apply(struct sim_api *api, const char *fmt, ...)
{
	char *yaml = NULL;
	va_list ap;
	va_start(ap, fmt);
	assert_true(vasprintf(&yaml, fmt, ap) > 0);
	va_end(ap);
	json_t *docs = NULL;
	char *cause = NULL;
	assert_int_equal(yaml_to_json(yaml, strlen(yaml), &docs, &cause), 0);
	size_t i;
	json_t *d;
	json_array_foreach(docs, i, d) {
		if (sim_api_create(api, json_incref(d), &cause) < 0) {
			fprintf(stderr, "create failed: %s\n", cause);
			fail();
		}
	}
	json_decref(docs);
	free(yaml);
}

static long long int_at(const json_t *o, const char *path)
{
	return json_integer_value(ctl_at(o, path));
}

/* The ReplicaSets of namespace t, sorted by name. */
static json_t *replicasets(struct sim_api *api)
{
	return ctl_list(api, "apps", "replicasets", "t");
}

/* Waits until the Deployment's status shows want replicas, all updated and available,
 * and only its new ReplicaSet holds pods; returns the Deployment. */
static json_t *wait_complete(struct sim_api *api, long long want, size_t nrs)
{
	for (int i = 0; i < WAIT_MS / 20; i++) {
		json_t *d = sim_api_get(api, "apps", "deployments", "t", "web");
		json_t *rses = replicasets(api);
		bool done =
		    int_at(d, "status.replicas") == want &&
		    int_at(d, "status.updatedReplicas") == want &&
		    int_at(d, "status.availableReplicas") == want &&
		    int_at(d, "status.observedGeneration") == int_at(d, "metadata.generation") &&
		    json_array_size(rses) == nrs;
		json_decref(rses);
		if (done &&
		    !strcmp(ctl_s(d, "status.conditions.1.reason"), "NewReplicaSetAvailable"))
			return d;
		json_decref(d);
		usleep(20000);
	}
	json_t *d = sim_api_get(api, "apps", "deployments", "t", "web");
	char *s = json_dumps(d, JSON_INDENT(1));
	fprintf(stderr, "deployment never completed:\n%s\n", s);
	free(s);
	json_decref(d);
	fail();
	return NULL;
}

static const json_t *rs_with_image(const json_t *rses, const char *image)
{
	size_t i;
	json_t *rs;
	json_array_foreach(rses, i, rs) {
		if (!strcmp(ctl_s(rs, "spec.template.spec.containers.0.image"), image))
			return rs;
	}
	return NULL;
}

/* The pods of the ReplicaSet rs that are Running. */
static size_t running_pods(struct sim_api *api, const json_t *rs)
{
	json_t *pods = ctl_list(api, "", "pods", "t");
	size_t n = 0, i;
	json_t *p;
	json_array_foreach(pods, i, p) {
		if (!strcmp(ctl_s(p, "metadata.ownerReferences.0.uid"),
			    ctl_s(rs, "metadata.uid")) &&
		    !strcmp(ctl_s(p, "status.phase"), "Running"))
			n++;
	}
	json_decref(pods);
	return n;
}

static void update_deployment(struct sim_api *api, const char *path, json_t *v)
{
	json_t *d = sim_api_get(api, "apps", "deployments", "t", "web");
	json_t *cur = d;
	char *copy = strdup(path), *save = NULL;
	char *last = NULL;
	for (char *k = strtok_r(copy, ".", &save); k; k = strtok_r(NULL, ".", &save)) {
		if (last)
			cur = json_is_array(cur) ? json_array_get(cur, (size_t)atoi(last))
						 : json_object_get(cur, last);
		last = k;
	}
	json_object_set_new(cur, last, v);
	char *cause = NULL;
	if (sim_api_put(api, d, &cause) < 0) {
		fprintf(stderr, "update failed: %s\n", cause);
		fail();
	}
	free(copy);
}

static void test_rollout(void **state)
{
	(void)state;
	struct sim_api *api = sim_api_new(NULL);
	apply(api, nodes_yaml, 110);
	apply(api, deploy_yaml, 2, "a:1");
	json_t *d = wait_complete(api, 2, 1);
	assert_string_equal(ctl_s(d, "status.conditions.0.type"), "Available");
	assert_string_equal(ctl_s(d, "status.conditions.0.status"), "True");
	assert_string_equal(ctl_s(d, "status.conditions.0.reason"), "MinimumReplicasAvailable");
	assert_string_equal(ctl_s(d, "status.conditions.1.type"), "Progressing");
	assert_non_null(ctl_str(d, "status.conditions.1.lastUpdateTime"));
	assert_int_equal(int_at(d, "status.readyReplicas"), 2);
	assert_null(ctl_at(d, "status.unavailableReplicas"));
	assert_string_equal(json_string_value(json_object_get(ctl_at(d, "metadata.annotations"),
							      "deployment.kubernetes.io/revision")),
			    "1");
	json_decref(d);

	json_t *rses = replicasets(api);
	const json_t *rs = json_array_get(rses, 0);
	const char *hash = ctl_s(rs, "metadata.labels.pod-template-hash");
	char want[64];
	snprintf(want, sizeof(want), "web-%s", hash);
	assert_true(strlen(hash) >= 6);
	assert_string_equal(ctl_s(rs, "metadata.name"), want);
	assert_string_equal(ctl_s(rs, "spec.selector.matchLabels.pod-template-hash"), hash);
	assert_string_equal(ctl_s(rs, "spec.template.metadata.labels.pod-template-hash"), hash);
	assert_string_equal(ctl_s(rs, "metadata.ownerReferences.0.kind"), "Deployment");
	assert_true(json_is_true(ctl_at(rs, "metadata.ownerReferences.0.controller")));
	assert_int_equal(int_at(rs, "status.replicas"), 2);
	assert_int_equal(int_at(rs, "status.readyReplicas"), 2);
	/* pod templates carry no ServiceAccount (the admission plugin sets it on pods) */
	assert_null(ctl_at(rs, "spec.template.spec.serviceAccountName"));
	assert_int_equal(running_pods(api, rs), 2);
	json_decref(rses);

	/* a new template: a second ReplicaSet takes over, the first is scaled to 0 */
	update_deployment(api, "spec.template.spec.containers.0.image", json_string("a:2"));
	d = wait_complete(api, 2, 2);
	assert_string_equal(json_string_value(json_object_get(ctl_at(d, "metadata.annotations"),
							      "deployment.kubernetes.io/revision")),
			    "2");
	json_decref(d);
	for (int i = 0; i < WAIT_MS / 20; i++) {
		rses = replicasets(api);
		const json_t *old = rs_with_image(rses, "a:1");
		if (int_at(old, "status.replicas") == 0)
			break;
		json_decref(rses);
		rses = NULL;
		usleep(20000);
	}
	assert_non_null(rses);
	const json_t *old = rs_with_image(rses, "a:1"), *cur = rs_with_image(rses, "a:2");
	assert_int_equal(int_at(old, "spec.replicas"), 0);
	assert_int_equal(int_at(cur, "spec.replicas"), 2);
	assert_int_equal(running_pods(api, cur), 2);
	assert_string_equal(json_string_value(json_object_get(ctl_at(cur, "metadata.annotations"),
							      "deployment.kubernetes.io/revision")),
			    "2");
	json_decref(rses);

	/* scaling keeps the ReplicaSet */
	update_deployment(api, "spec.replicas", json_integer(3));
	json_decref(wait_complete(api, 3, 2));
	sim_api_free(api);
}

/* Pods that can never run: the rollout stops within maxSurge and scales the old
 * ReplicaSet proportionally, as upstream (the lab: kwok nodes full, "Too many pods"). */
static void test_pods_limit_and_proportional_scaling(void **state)
{
	(void)state;
	struct sim_api *api = sim_api_new(NULL);
	apply(api, nodes_yaml, 0);
	apply(api, deploy_yaml, 2, "a:1");
	update_deployment(api, "spec.replicas", json_integer(3));
	usleep(300000);
	update_deployment(api, "spec.template.spec.containers.0.image", json_string("a:2"));
	usleep(300000);
	update_deployment(api, "spec.replicas", json_integer(1));
	json_t *rses = NULL;
	for (int i = 0; i < WAIT_MS / 20; i++) {
		json_decref(rses);
		rses = replicasets(api);
		const json_t *a = rs_with_image(rses, "a:1"), *b = rs_with_image(rses, "a:2");
		if (a && b && int_at(a, "spec.replicas") == 1 && int_at(b, "spec.replicas") == 1)
			break;
		usleep(20000);
	}
	/* 3 old + 1 new (maxSurge 1 of 3, nothing available), then 4 to 2 (1 + surge):
	 * 3 * 2/4 rounds to 2, 1 * 2/4 to 1, the leftover off the largest */
	assert_int_equal(int_at(rs_with_image(rses, "a:1"), "spec.replicas"), 1);
	assert_int_equal(int_at(rs_with_image(rses, "a:2"), "spec.replicas"), 1);
	json_decref(rses);
	json_t *pods = ctl_list(api, "", "pods", "t");
	assert_true(json_array_size(pods) > 0);
	json_t *p = json_array_get(pods, 0);
	for (int i = 0; i < WAIT_MS / 20 && !ctl_str(p, "status.conditions.0.message"); i++) {
		usleep(20000);
		json_decref(pods);
		pods = ctl_list(api, "", "pods", "t");
		p = json_array_get(pods, 0);
	}
	assert_string_equal(
	    ctl_s(p, "status.conditions.0.message"),
	    "0/1 nodes are available: 1 Too many pods. no new claims to deallocate, "
	    "preemption: 0/1 nodes are available: 1 No preemption victims found for "
	    "incoming pod.");
	json_decref(pods);
	json_t *d = sim_api_get(api, "apps", "deployments", "t", "web");
	assert_string_equal(ctl_s(d, "status.conditions.0.status"), "False");
	assert_string_equal(ctl_s(d, "status.conditions.0.reason"), "MinimumReplicasUnavailable");
	json_decref(d);
	sim_api_free(api);
}

/* A scenario's Deployment stays the snapshot it is until written through the API. */
static void test_scenario_workloads_static(void **state)
{
	(void)state;
	struct sim_api *api = sim_api_new(NULL);
	sim_api_scenario_mark(api, true);
	apply(api, nodes_yaml, 110);
	apply(api, deploy_yaml, 2, "a:1");
	sim_api_scenario_mark(api, false);
	usleep(500000);
	json_t *rses = replicasets(api);
	assert_int_equal(json_array_size(rses), 0);
	json_decref(rses);
	json_t *d = sim_api_get(api, "apps", "deployments", "t", "web");
	assert_null(json_object_get(d, "status"));
	json_decref(d);
	update_deployment(api, "spec.replicas", json_integer(1));
	json_decref(wait_complete(api, 1, 1));
	sim_api_free(api);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rollout),
	    cmocka_unit_test(test_pods_limit_and_proportional_scaling),
	    cmocka_unit_test(test_scenario_workloads_static),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
