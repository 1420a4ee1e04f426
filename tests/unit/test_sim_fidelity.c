/* test_sim_fidelity.c: what the lab (a real kube-apiserver, tests/lab/FINDINGS.md) showed
 * kaic-sim getting wrong, as the real server answers it: CRD approval in protected groups
 * (S1), discovery of the built-in resources (S3), metadata.continue on custom resource
 * lists (S6), the default/kubernetes Service (S8), defaults (S4, S7, S9), the aggregator's
 * local APIServices (S10), the pod admission plugins' token volume and tolerations (S4). */
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
#include "objects/admin.h"
#include "runtime.h"
#include "scenario/scenario.h"
#include "sim.h"
#include "sim_test_util.h"
#include "util/xmalloc.h"

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

static json_t *create(void **state, const char *url, const char *body)
{
	int st;
	json_t *v = sim_test_scall(state, "POST", url, body, &st);
	if (st != 201)
		print_error("%s\n", sim_test_str(v, "message"));
	assert_int_equal(st, 201);
	return v;
}

/* The value at a dotted path ("spec.containers.0.image": numbers index arrays). */
static const json_t *at(const json_t *v, const char *path)
{
	char *copy = strdup(path), *save = NULL;
	for (char *k = strtok_r(copy, ".", &save); k && v; k = strtok_r(NULL, ".", &save))
		v = json_is_array(v) ? json_array_get(v, strtoul(k, NULL, 10))
				     : json_object_get(v, k);
	free(copy);
	return v;
}

static const char *str(const json_t *v, const char *path)
{
	return json_string_value(at(v, path));
}

/* S4, S7: the defaults and admission mutations the API server applies. */
static void test_defaults(void **state)
{
	json_t *v =
	    create(state, "/api/v1/namespaces/default/pods",
		   "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},"
		   "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i:1\",\"ports\":[{"
		   "\"containerPort\":80}]}],\"volumes\":[{\"name\":\"v\",\"configMap\":{\"name\":"
		   "\"cm\"}},{\"name\":\"h\",\"hostPath\":{\"path\":\"/x\"}}]}}");
	assert_true(json_is_object(at(v, "spec.containers.0.resources")));
	assert_true(json_is_object(at(v, "spec.securityContext")));
	assert_string_equal(str(v, "spec.containers.0.ports.0.protocol"), "TCP");
	assert_int_equal(json_integer_value(at(v, "spec.volumes.0.configMap.defaultMode")), 420);
	assert_string_equal(str(v, "spec.volumes.1.hostPath.type"), "");
	assert_true(json_is_true(at(v, "spec.enableServiceLinks")));
	assert_string_equal(str(v, "spec.preemptionPolicy"), "PreemptLowerPriority");
	assert_int_equal(json_integer_value(at(v, "spec.priority")), 0);
	assert_non_null(at(v, "spec.priority"));
	assert_string_equal(str(v, "spec.serviceAccountName"), "default");
	assert_string_equal(str(v, "status.qosClass"), "BestEffort");
	json_decref(v);
	/* templates get the pod spec's defaults, not the admission plugins' */
	v = create(state, "/apis/apps/v1/namespaces/default/deployments",
		   "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":"
		   "\"d\"},\"spec\":{\"selector\":{\"matchLabels\":{\"a\":\"b\"}},\"strategy\":{},"
		   "\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{"
		   "\"containers\":[{\"name\":\"c\",\"image\":\"i:1\"}]}}}}");
	assert_null(at(v, "spec.template.spec.serviceAccountName"));
	assert_null(at(v, "spec.template.spec.enableServiceLinks"));
	assert_true(json_is_object(at(v, "spec.template.spec.securityContext")));
	assert_string_equal(str(v, "spec.strategy.type"), "RollingUpdate");
	assert_string_equal(str(v, "spec.strategy.rollingUpdate.maxSurge"), "25%");
	json_decref(v);
	/* a template's serviceAccountName is mirrored into serviceAccount (v1 conversion) */
	v = create(state, "/apis/apps/v1/namespaces/default/daemonsets",
		   "{\"apiVersion\":\"apps/v1\",\"kind\":\"DaemonSet\",\"metadata\":{\"name\":"
		   "\"ds\"},\"spec\":{\"selector\":{\"matchLabels\":{\"a\":\"b\"}},"
		   "\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{"
		   "\"serviceAccountName\":\"sa\",\"containers\":[{\"name\":\"c\",\"image\":"
		   "\"i:1\"}]}}}}");
	assert_string_equal(str(v, "spec.template.spec.serviceAccount"), "sa");
	assert_string_equal(str(v, "spec.updateStrategy.type"), "RollingUpdate");
	json_decref(v);
	v = create(state, "/api/v1/namespaces/default/services",
		   "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"s\"},"
		   "\"spec\":{\"ports\":[{\"port\":80}]}}");
	assert_string_equal(str(v, "spec.internalTrafficPolicy"), "Cluster");
	assert_true(json_is_object(at(v, "status.loadBalancer")));
	json_decref(v);
	v = create(state, "/apis/storage.k8s.io/v1/csidrivers",
		   "{\"apiVersion\":\"storage.k8s.io/v1\",\"kind\":\"CSIDriver\",\"metadata\":{"
		   "\"name\":\"x.example.com\"},\"spec\":{}}");
	assert_true(json_is_false(at(v, "spec.requiresRepublish")));
	assert_true(json_is_true(at(v, "spec.attachRequired")));
	json_decref(v);
	v = create(
	    state, "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
	    "{\"apiVersion\":\"admissionregistration.k8s.io/v1\",\"kind\":"
	    "\"ValidatingWebhookConfiguration\",\"metadata\":{\"name\":\"w\"},\"webhooks\":[{"
	    "\"name\":\"w.example.com\",\"clientConfig\":{\"service\":{\"name\":\"s\","
	    "\"namespace\":\"default\"}},\"rules\":[{\"operations\":[\"CREATE\"]}],"
	    "\"sideEffects\":\"None\",\"admissionReviewVersions\":[\"v1\"]}]}");
	assert_string_equal(str(v, "webhooks.0.matchPolicy"), "Equivalent");
	assert_string_equal(str(v, "webhooks.0.rules.0.scope"), "*");
	assert_int_equal(json_integer_value(at(v, "webhooks.0.clientConfig.service.port")), 443);
	json_decref(v);
	v = create(state, CRDS, CRD("things.example.com", "example.com", ""));
	assert_string_equal(str(v, "spec.conversion.strategy"), "None");
	json_decref(v);
}

/* S9: what Go's types drop on decoding: zero values of omitempty non-pointer fields. */
static void test_prune(void **state)
{
	char *cause = NULL;
	json_t *d = json_loads(
	    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\","
	    "\"namespace\":\"default\",\"generateName\":\"\"},\"spec\":{\"replicas\":0,"
	    "\"paused\":false,\"minReadySeconds\":0,\"selector\":{\"matchLabels\":{\"a\":\"b\"}},"
	    "\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{\"containers\":[{"
	    "\"name\":\"c\",\"image\":\"i:1\",\"workingDir\":\"\"}]}}},\"status\":{"
	    "\"replicas\":0,\"conditions\":[{\"type\":\"Available\",\"status\":\"True\","
	    "\"message\":\"\",\"reason\":\"\"}]}}",
	    0, NULL);
	/* as a scenario's: the Deployment controller leaves it (and its status) alone */
	sim_api_scenario_mark(*state, true);
	assert_int_equal(sim_api_create(*state, d, &cause), 0);
	sim_api_scenario_mark(*state, false);
	json_t *v = sim_api_get(*state, "apps", "deployments", "default", "d");
	assert_null(at(v, "metadata.generateName"));
	assert_non_null(at(v, "spec.replicas")); /* a pointer: 0 is kept */
	assert_null(at(v, "spec.paused"));
	assert_null(at(v, "spec.minReadySeconds"));
	assert_null(at(v, "spec.template.spec.containers.0.workingDir"));
	assert_null(at(v, "status.replicas"));
	assert_null(at(v, "status.conditions.0.message"));
	assert_string_equal(str(v, "status.conditions.0.status"), "True");
	json_decref(v);
	/* a non-omitempty zero stays: a container's ready */
	json_t *p = json_loads(
	    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"namespace\":"
	    "\"default\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i:1\"}]},"
	    "\"status\":{\"phase\":\"Running\",\"containerStatuses\":[{\"name\":\"c\",\"ready\":"
	    "false,\"restartCount\":0,\"image\":\"i:1\",\"imageID\":\"\"}]}}",
	    0, NULL);
	assert_int_equal(sim_api_create(*state, p, &cause), 0);
	v = sim_api_get(*state, "", "pods", "default", "p");
	assert_true(json_is_false(at(v, "status.containerStatuses.0.ready")));
	assert_non_null(at(v, "status.containerStatuses.0.restartCount"));
	assert_non_null(at(v, "status.containerStatuses.0.imageID"));
	json_decref(v);
}

/* Creates pod NAME in default with the spec given (JSON) and returns the stored pod. */
static json_t *admitted(void **state, const char *name, const char *spec)
{
	char *text = xasprintf("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":"
			       "\"%s\",\"namespace\":\"default\"},\"spec\":%s}",
			       name, spec);
	json_t *p = json_loads(text, 0, NULL);
	free(text);
	assert_non_null(p);
	char *cause = NULL;
	assert_int_equal(sim_api_create(*state, p, &cause), 0);
	return sim_api_get(*state, "", "pods", "default", name);
}

/* S4: the ServiceAccount and DefaultTolerationSeconds admission plugins, as the lab's
 * kube-apiserver applies them to every created pod. */
static void test_pod_admission(void **state)
{
	json_t *v = admitted(state, "plain",
			     "{\"containers\":[{\"name\":\"c\",\"image\":\"i:1\"}],"
			     "\"initContainers\":[{\"name\":\"i\",\"image\":\"i:1\"}]}");
	assert_string_equal(str(v, "spec.serviceAccountName"), "default");
	const char *vol = str(v, "spec.volumes.0.name");
	assert_non_null(vol);
	assert_int_equal(strncmp(vol, "kube-api-access-", 16), 0);
	assert_int_equal(strlen(vol), 21);
	assert_string_equal(str(v, "spec.volumes.0.projected.sources.0.serviceAccountToken.path"),
			    "token");
	assert_string_equal(str(v, "spec.volumes.0.projected.sources.1.configMap.name"),
			    "kube-root-ca.crt");
	assert_string_equal(
	    str(v, "spec.volumes.0.projected.sources.2.downwardAPI.items.0.fieldRef.fieldPath"),
	    "metadata.namespace");
	assert_int_equal(json_integer_value(at(v, "spec.volumes.0.projected.defaultMode")), 420);
	for (int k = 0; k < 2; k++) {
		const char *c =
		    k ? "spec.initContainers.0.volumeMounts.0" : "spec.containers.0.volumeMounts.0";
		char *name = xasprintf("%s.name", c), *path = xasprintf("%s.mountPath", c);
		assert_string_equal(str(v, name), vol);
		assert_string_equal(str(v, path), "/var/run/secrets/kubernetes.io/serviceaccount");
		free(name);
		free(path);
	}
	assert_string_equal(str(v, "spec.tolerations.0.key"), "node.kubernetes.io/not-ready");
	assert_string_equal(str(v, "spec.tolerations.1.key"), "node.kubernetes.io/unreachable");
	assert_string_equal(str(v, "spec.tolerations.1.effect"), "NoExecute");
	assert_int_equal(json_integer_value(at(v, "spec.tolerations.1.tolerationSeconds")), 300);
	json_decref(v);

	/* opted out: no volume; a toleration of every key: nothing added */
	v = admitted(state, "optout",
		     "{\"automountServiceAccountToken\":false,\"tolerations\":[{\"operator\":"
		     "\"Exists\"}],\"containers\":[{\"name\":\"c\",\"image\":\"i:1\"}]}");
	assert_null(at(v, "spec.volumes"));
	assert_null(at(v, "spec.containers.0.volumeMounts"));
	assert_int_equal(json_array_size(at(v, "spec.tolerations")), 1);
	json_decref(v);

	/* the account opts out; not-ready tolerated already (any effect): unreachable added */
	char *cause = NULL;
	assert_int_equal(
	    sim_api_create(*state,
			   json_pack("{s:s, s:s, s:{s:s, s:s}, s:b}", "apiVersion", "v1", "kind",
				     "ServiceAccount", "metadata", "name", "quiet", "namespace",
				     "default", "automountServiceAccountToken", 0),
			   &cause),
	    0);
	v = admitted(state, "quiet",
		     "{\"serviceAccountName\":\"quiet\",\"tolerations\":[{\"key\":"
		     "\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\"}],"
		     "\"containers\":[{\"name\":\"c\",\"image\":\"i:1\"}]}");
	assert_null(at(v, "spec.volumes"));
	assert_int_equal(json_array_size(at(v, "spec.tolerations")), 2);
	assert_string_equal(str(v, "spec.tolerations.1.key"), "node.kubernetes.io/unreachable");
	json_decref(v);
}

#define APISERVICES "/apis/apiregistration.k8s.io/v1/apiservices"

/* GET of one APIService: the object, or NULL when the answer is not 200. */
static json_t *apiservice(struct sim_api *api, const char *name)
{
	char *url = xasprintf(APISERVICES "/%s", name);
	int st;
	json_t *v = sim_test_call(api, "GET", url, NULL, &st);
	free(url);
	if (st != 200) {
		json_decref(v);
		return NULL;
	}
	return v;
}

/* A local APIService as kube-aggregator keeps it: label, priorities, Available=True
 * Local, no service. */
static void expect_local(struct sim_api *api, const char *name, const char *group,
			 const char *version, const char *label, int group_min, int version_prio)
{
	json_t *v = apiservice(api, name);
	if (!v)
		print_error("APIService %s is missing\n", name);
	assert_non_null(v);
	const json_t *labels = at(v, "metadata.labels");
	assert_int_equal(json_object_size(labels), 1);
	assert_string_equal(
	    json_string_value(json_object_get(labels, "kube-aggregator.kubernetes.io/automanaged")),
	    label);
	assert_non_null(sim_test_str(v, "metadata.uid"));
	assert_non_null(sim_test_str(v, "metadata.resourceVersion"));
	assert_non_null(sim_test_str(v, "metadata.creationTimestamp"));
	const json_t *spec = at(v, "spec");
	if (*group)
		assert_string_equal(sim_test_str(spec, "group"), group);
	else
		assert_null(json_object_get(spec, "group"));
	assert_string_equal(sim_test_str(spec, "version"), version);
	assert_int_equal(json_integer_value(json_object_get(spec, "groupPriorityMinimum")),
			 group_min);
	assert_int_equal(json_integer_value(json_object_get(spec, "versionPriority")),
			 version_prio);
	assert_null(json_object_get(spec, "service"));
	const json_t *conds = at(v, "status.conditions");
	assert_int_equal(json_array_size(conds), 1);
	const json_t *c = json_array_get(conds, 0);
	assert_string_equal(sim_test_str(c, "type"), "Available");
	assert_string_equal(sim_test_str(c, "status"), "True");
	assert_string_equal(sim_test_str(c, "reason"), "Local");
	assert_string_equal(sim_test_str(c, "message"), "Local APIServices are always available");
	assert_non_null(sim_test_str(c, "lastTransitionTime"));
	json_decref(v);
}

static void expect_absent(struct sim_api *api, const char *name)
{
	json_t *v = apiservice(api, name);
	if (v)
		print_error("APIService %s should not exist\n", name);
	assert_null(v);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

static const char apisvc_crd[] =
    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
    "metadata: {name: widgets.example.com}\n"
    "spec:\n  group: example.com\n  scope: Namespaced\n"
    "  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}\n"
    "  versions:\n"
    "  - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}\n"
    "  - {name: v1beta1, served: true, storage: false, schema: {openAPIV3Schema: {type: "
    "object}}}\n"
    "  - {name: v1alpha1, served: false, storage: false, schema: {openAPIV3Schema: {type: "
    "object}}}\n";

/* the scenario's own APIService named as a local one: kept as given */
static const char apisvc_own[] =
    "apiVersion: apiregistration.k8s.io/v1\nkind: APIService\nmetadata: {name: v1.batch}\n"
    "spec: {group: batch, version: v1, groupPriorityMinimum: 5, versionPriority: 7,\n"
    "  service: {name: batch-api, namespace: default, port: 443}}\n";

/* S10: one local APIService per served group/version after a scenario's load (built-in:
 * automanaged=onstart and upstream's priorities; CRDs': automanaged=true, 1000/100), the
 * scenario's own kept, CRDs created and deleted later followed. */
static void test_local_apiservices(void **state)
{
	struct sim_api *api = *state;
	/* nothing before the aggregator starts (sim_api_new alone: the unit tests' API) */
	int st;
	json_t *v = sim_test_call(api, "GET", APISERVICES, NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(v, "items")), 0);
	json_decref(v);

	char dir[] = "/tmp/kaic-apisvc-XXXXXX";
	assert_non_null(mkdtemp(dir));
	write_file(dir, "crd.yaml", apisvc_crd);
	write_file(dir, "own.yaml", apisvc_own);
	char *cause = NULL;
	int rc = sim_scenario_load(api, dir, NULL, &cause);
	if (rc < 0)
		print_error("load: %s\n", cause);
	assert_int_equal(rc, 0);
	char *p = xasprintf("%s/crd.yaml", dir);
	unlink(p);
	free(p);
	p = xasprintf("%s/own.yaml", dir);
	unlink(p);
	free(p);
	rmdir(dir);

	expect_local(api, "v1.", "", "v1", "onstart", 18000, 1);
	expect_local(api, "v1.apps", "apps", "v1", "onstart", 17800, 15);
	expect_local(api, "v2.autoscaling", "autoscaling", "v2", "onstart", 17500, 30);
	expect_local(api, "v1beta2.resource.k8s.io", "resource.k8s.io", "v1beta2", "onstart", 16200,
		     15);
	expect_local(api, "v1.example.com", "example.com", "v1", "true", 1000, 100);
	expect_local(api, "v1beta1.example.com", "example.com", "v1beta1", "true", 1000, 100);
	expect_absent(api, "v1alpha1.example.com");	 /* not served */
	expect_absent(api, "v1.apiregistration.k8s.io"); /* the aggregator registers none */

	v = apiservice(api, "v1.batch");
	assert_non_null(v);
	assert_null(at(v, "metadata.labels"));
	assert_int_equal(json_integer_value(at(v, "spec.groupPriorityMinimum")), 5);
	assert_int_equal(json_integer_value(at(v, "spec.versionPriority")), 7);
	assert_string_equal(sim_test_str(v, "spec.service.name"), "batch-api");
	json_decref(v);

	/* a CRD created later gets its APIService; deleting it takes it away */
	v = sim_test_call(api, "POST", CRDS, CRD("things.example.org", "example.org", ""), &st);
	assert_int_equal(st, 201);
	json_decref(v);
	expect_local(api, "v1.example.org", "example.org", "v1", "true", 1000, 100);
	v = sim_test_call(api, "DELETE", CRDS "/things.example.org", NULL, &st);
	assert_int_equal(st, 200);
	json_decref(v);
	expect_absent(api, "v1.example.org");
	expect_local(api, "v1.example.com", "example.com", "v1", "true", 1000, 100);
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
	    cmocka_unit_test_setup_teardown(test_defaults, sim_test_setup, sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_prune, sim_test_setup, sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_pod_admission, sim_test_setup, sim_test_teardown),
	    cmocka_unit_test_setup_teardown(test_local_apiservices, sim_test_setup,
					    sim_test_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
