/* test_sim_batch.c: kaic-sim's batch controllers driven through sim_api_*: the Job
 * controller (indexed pods, completion, backoff limit, suspend), the JobSet controller
 * (completion, restart of every Job under failurePolicy.maxRestarts, the failurePolicy
 * switch) and the Kueue model (admission against quota, a gang waiting whole, priority
 * preemption, the quota switch), with `kaic probe job` pods run by the kubelet model. */
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
#include "util/xmalloc.h"
#include "util/yaml.h"

#define WAIT_MS 5000

static struct sim_api *new_api(const char *controllers_json)
{
	struct sim_settings s;
	memset(&s, 0, sizeof(s));
	s.seed = 7;
	s.controllers = controllers_json ? json_loads(controllers_json, 0, NULL) : NULL;
	struct sim_api *api = sim_api_new(&s);
	json_decref(s.controllers);
	return api;
}

static void apply(struct sim_api *api, const char *yaml)
{
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
}

/* A minimal CRD of group/v1alpha2 or v1beta2 (preserving unknown fields, status). */
static void crd(struct sim_api *api, const char *group, const char *version, const char *kind,
		const char *plural, const char *scope)
{
	char *y =
	    xasprintf("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
		      "metadata: {name: %s.%s}\nspec:\n  group: %s\n  names: {kind: %s, "
		      "plural: %s}\n  scope: %s\n  versions:\n  - name: %s\n    served: true\n"
		      "    storage: true\n    schema: {openAPIV3Schema: {type: object, "
		      "x-kubernetes-preserve-unknown-fields: true}}\n    subresources: "
		      "{status: {}}\n",
		      plural, group, group, kind, plural, scope, version);
	apply(api, y);
	free(y);
}

static const char cluster_yaml[] =
    "apiVersion: v1\nkind: Namespace\nmetadata: {name: t, labels: {team: t}}\n---\n"
    "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nspec: {podCIDR: 10.244.1.0/24}\n"
    "status:\n  conditions: [{type: Ready, status: 'True'}]\n";

/* Waits until condition type of the object has status want; returns the object. */
static json_t *wait_cond(struct sim_api *api, const char *group, const char *res, const char *ns,
			 const char *name, const char *type, const char *want)
{
	for (int i = 0; i < WAIT_MS / 10; i++) {
		json_t *o = sim_api_get(api, group, res, ns, name);
		const char *s = ctl_condition_status(o, type);
		if (s && !strcmp(s, want))
			return o;
		json_decref(o);
		usleep(10000);
	}
	json_t *o = sim_api_get(api, group, res, ns, name);
	char *dump = o ? json_dumps(o, JSON_INDENT(1)) : NULL;
	fprintf(stderr, "%s %s: condition %s is not %s\n%s\n", res, name, type, want,
		dump ? dump : "(gone)");
	free(dump);
	json_decref(o);
	fail();
	return NULL;
}

/* A Job of `kaic probe job ARGS` pods (args a YAML flow list). */
static void job(struct sim_api *api, const char *name, int pods, const char *args,
		const char *labels, const char *cpu, bool suspend)
{
	char *y =
	    xasprintf("apiVersion: batch/v1\nkind: Job\nmetadata: {name: %s, namespace: t, "
		      "labels: %s}\nspec:\n  parallelism: %d\n  completions: %d\n  "
		      "completionMode: Indexed\n  backoffLimit: 0\n  suspend: %s\n  template:\n"
		      "    spec:\n      restartPolicy: Never\n      containers:\n      - name: c\n"
		      "        image: kaic:dev\n        command: [kaic, probe, %s]\n        "
		      "args: %s\n        resources: {requests: {cpu: %s}}\n",
		      name, labels, pods, pods, suspend ? "true" : "false", cpu ? "echo" : "job",
		      args, cpu ? cpu : "10m");
	apply(api, y);
	free(y);
}

static size_t pods_of(struct sim_api *api, const char *job_name, const char *phase)
{
	json_t *pods = sim_api_list(api, "", "pods");
	size_t n = 0, i;
	json_t *p;
	json_array_foreach(pods, i, p) {
		const char *j =
		    json_string_value(json_object_get(ctl_at(p, "metadata.labels"), "job-name"));
		if (j && !strcmp(j, job_name) && (!phase || !strcmp(ctl_pod_phase(p), phase)) &&
		    !ctl_str(p, "metadata.deletionTimestamp"))
			n++;
	}
	json_decref(pods);
	return n;
}

static void test_jobs(void **state)
{
	(void)state;
	struct sim_api *api = new_api(NULL);
	apply(api, cluster_yaml);
	job(api, "ok", 2, "[--fail-if, JOB_COMPLETION_INDEX=7]", "{}", NULL, false);
	json_t *j = wait_cond(api, "batch", "jobs", "t", "ok", "Complete", "True");
	assert_int_equal(json_integer_value(ctl_at(j, "status.succeeded")), 2);
	json_decref(j);
	assert_int_equal(pods_of(api, "ok", "Succeeded"), 2);
	/* pod index 1 fails: backoffLimit 0 fails the Job */
	job(api, "bad", 2, "[--fail-if, JOB_COMPLETION_INDEX=1]", "{}", NULL, false);
	j = wait_cond(api, "batch", "jobs", "t", "bad", "Failed", "True");
	assert_int_equal(json_integer_value(ctl_at(j, "status.failed")), 1);
	json_decref(j);
	/* a suspended Job starts no pod */
	job(api, "held", 2, "[]", "{}", NULL, true);
	json_decref(wait_cond(api, "batch", "jobs", "t", "held", "Suspended", "True"));
	assert_int_equal(pods_of(api, "held", NULL), 0);
	sim_api_free(api);
}

static void jobset(struct sim_api *api, const char *name, int max_restarts, const char *args)
{
	char *y = xasprintf(
	    "apiVersion: jobset.x-k8s.io/v1alpha2\nkind: JobSet\nmetadata: {name: %s, namespace: "
	    "t}\nspec:\n  failurePolicy: {maxRestarts: %d}\n  replicatedJobs:\n  - name: w\n"
	    "    replicas: 2\n    template:\n      spec:\n        parallelism: 2\n        "
	    "completions: 2\n        backoffLimit: 0\n        template:\n          spec:\n"
	    "            restartPolicy: Never\n            containers:\n            - name: c\n"
	    "              image: kaic:dev\n              command: [kaic, probe, job]\n"
	    "              args: %s\n              env:\n              - name: JI\n"
	    "                valueFrom: {fieldRef: {fieldPath: "
	    "\"metadata.labels['jobset.sigs.k8s.io/"
	    "job-index']\"}}\n              - name: RA\n                valueFrom: {fieldRef: "
	    "{fieldPath: \"metadata.labels['jobset.sigs.k8s.io/restart-attempt']\"}}\n",
	    name, max_restarts, args);
	apply(api, y);
	free(y);
}

#define FAIL_ONCE "[--fail-if, JI=1, --fail-if, JOB_COMPLETION_INDEX=1, --fail-if, RA=0]"

static void test_jobset(void **state)
{
	(void)state;
	struct sim_api *api = new_api(NULL);
	apply(api, cluster_yaml);
	crd(api, "jobset.x-k8s.io", "v1alpha2", "JobSet", "jobsets", "Namespaced");
	jobset(api, "good", 0, "[]");
	json_t *js = wait_cond(api, "jobset.x-k8s.io", "jobsets", "t", "good", "Completed", "True");
	assert_string_equal(ctl_s(js, "status.terminalState"), "Completed");
	assert_int_equal(json_integer_value(ctl_at(js, "status.replicatedJobsStatus.0.succeeded")),
			 2);
	json_decref(js);
	/* one pod fails in attempt 0: every Job is recreated at attempt 1, then it completes */
	jobset(api, "again", 1, FAIL_ONCE);
	js = wait_cond(api, "jobset.x-k8s.io", "jobsets", "t", "again", "Completed", "True");
	assert_int_equal(json_integer_value(ctl_at(js, "status.restarts")), 1);
	json_decref(js);
	for (int i = 0; i < 2; i++) {
		char *n = xasprintf("again-w-%d", i);
		json_t *j = sim_api_get(api, "batch", "jobs", "t", n);
		assert_string_equal(
		    json_string_value(json_object_get(ctl_at(j, "metadata.labels"),
						      "jobset.sigs.k8s.io/restart-attempt")),
		    "1");
		json_decref(j);
		free(n);
	}
	/* without restarts left the JobSet fails */
	jobset(api, "once", 0, FAIL_ONCE);
	js = wait_cond(api, "jobset.x-k8s.io", "jobsets", "t", "once", "Failed", "True");
	assert_string_equal(ctl_s(js, "status.terminalState"), "Failed");
	json_decref(js);
	sim_api_free(api);
	/* failurePolicy: false: the first failure fails it although a restart is allowed */
	api = new_api("{\"jobset\": {\"failurePolicy\": false}}");
	apply(api, cluster_yaml);
	crd(api, "jobset.x-k8s.io", "v1alpha2", "JobSet", "jobsets", "Namespaced");
	jobset(api, "again", 1, FAIL_ONCE);
	js = wait_cond(api, "jobset.x-k8s.io", "jobsets", "t", "again", "Failed", "True");
	assert_int_equal(json_integer_value(ctl_at(js, "status.restarts")), 0);
	json_decref(js);
	sim_api_free(api);
}

static void kueue_setup(struct sim_api *api)
{
	apply(api, cluster_yaml);
	const char *kinds[][3] = {{"ClusterQueue", "clusterqueues", "Cluster"},
				  {"ResourceFlavor", "resourceflavors", "Cluster"},
				  {"WorkloadPriorityClass", "workloadpriorityclasses", "Cluster"},
				  {"LocalQueue", "localqueues", "Namespaced"},
				  {"Workload", "workloads", "Namespaced"}};
	for (size_t i = 0; i < 5; i++)
		crd(api, "kueue.x-k8s.io", "v1beta2", kinds[i][0], kinds[i][1], kinds[i][2]);
	apply(api,
	      "apiVersion: kueue.x-k8s.io/v1beta2\nkind: ResourceFlavor\nmetadata: {name: f}\n"
	      "---\napiVersion: kueue.x-k8s.io/v1beta2\nkind: WorkloadPriorityClass\n"
	      "metadata: {name: high}\nvalue: 1000\n---\n"
	      "apiVersion: kueue.x-k8s.io/v1beta2\nkind: ClusterQueue\nmetadata: {name: q}\n"
	      "spec:\n  namespaceSelector: {matchLabels: {team: t}}\n  preemption: "
	      "{withinClusterQueue: LowerPriority}\n  resourceGroups:\n  - coveredResources: "
	      "[cpu]\n    flavors:\n    - name: f\n      resources: [{name: cpu, nominalQuota: "
	      "'1'}]\n---\napiVersion: kueue.x-k8s.io/v1beta2\nkind: LocalQueue\n"
	      "metadata: {name: lq, namespace: t}\nspec: {clusterQueue: q}\n");
}

/* The Workload of Job name (new reference) once it has condition type=want. */
static json_t *workload(struct sim_api *api, const char *job_name, const char *type,
			const char *want)
{
	for (int i = 0; i < WAIT_MS / 10; i++) {
		json_t *wls = sim_api_list(api, "kueue.x-k8s.io", "workloads");
		size_t k;
		json_t *w;
		json_array_foreach(wls, k, w) {
			const char *s = ctl_condition_status(w, type);
			if (!strcmp(ctl_s(w, "metadata.ownerReferences.0.name"), job_name) && s &&
			    !strcmp(s, want)) {
				json_incref(w);
				json_decref(wls);
				return w;
			}
		}
		json_decref(wls);
		usleep(10000);
	}
	fprintf(stderr, "no Workload of Job %s with %s=%s\n", job_name, type, want);
	fail();
	return NULL;
}

static bool job_suspended(struct sim_api *api, const char *name)
{
	json_t *j = sim_api_get(api, "batch", "jobs", "t", name);
	bool s = json_is_true(ctl_at(j, "spec.suspend"));
	json_decref(j);
	return s;
}

static void test_kueue(void **state)
{
	(void)state;
	struct sim_api *api = new_api(NULL);
	kueue_setup(api);
	json_decref(wait_cond(api, "kueue.x-k8s.io", "clusterqueues", NULL, "q", "Active", "True"));
	job(api, "a", 2, "[]", "{kueue.x-k8s.io/queue-name: lq}", "250m", true);
	json_t *w = workload(api, "a", "Admitted", "True");
	assert_string_equal(ctl_s(w, "status.admission.clusterQueue"), "q");
	json_decref(w);
	assert_false(job_suspended(api, "a"));
	/* the gang of 3 x 250m does not fit next to a: it waits whole */
	job(api, "b", 3, "[]", "{kueue.x-k8s.io/queue-name: lq}", "250m", true);
	w = workload(api, "b", "QuotaReserved", "False");
	assert_non_null(strstr(ctl_s(w, "status.conditions.0.message"),
			       "insufficient unused quota for cpu in flavor f, 250m more needed"));
	json_decref(w);
	assert_true(job_suspended(api, "b"));
	assert_int_equal(pods_of(api, "b", NULL), 0);
	/* a higher priority preempts a */
	job(api, "h", 4, "[]",
	    "{kueue.x-k8s.io/queue-name: lq, kueue.x-k8s.io/priority-class: high}", "250m", true);
	json_decref(workload(api, "h", "Admitted", "True"));
	json_decref(workload(api, "a", "Preempted", "True"));
	assert_true(job_suspended(api, "a"));
	assert_true(job_suspended(api, "b"));
	sim_api_free(api);
	/* quota: false admits the gang beyond the quota */
	api = new_api("{\"kueue\": {\"quota\": false}}");
	kueue_setup(api);
	job(api, "a", 2, "[]", "{kueue.x-k8s.io/queue-name: lq}", "250m", true);
	job(api, "b", 3, "[]", "{kueue.x-k8s.io/queue-name: lq}", "250m", true);
	json_decref(workload(api, "b", "Admitted", "True"));
	sim_api_free(api);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_jobs),
	    cmocka_unit_test(test_jobset),
	    cmocka_unit_test(test_kueue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
