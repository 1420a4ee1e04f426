/* test_sim_controllers.c: kaic-sim's simulated controllers driven through sim_api_*:
 * scheduling and the kubelet lifecycle, the probe models (http-load through a Gateway,
 * connect under NetworkPolicies, fs through snapshot and restore, sandbox), DRA
 * allocation and the CEL subset, PVC binding and snapshots, Gateway status, the
 * Prometheus query hook, the AgentTool controller, and malformed objects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/status.h"
#include "controllers/cel.h"
#include "controllers/ctl_util.h"
#include "controllers/dcgm.h"
#include "controllers/lws.h"
#include "controllers/registry.h"
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

/* Creates every document of a YAML text; fails the test on error. */
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

/* Waits until the string at path of the object equals want; returns the object. */
static json_t *wait_for(struct sim_api *api, const char *group, const char *res, const char *ns,
			const char *name, const char *path, const char *want)
{
	for (int i = 0; i < WAIT_MS / 10; i++) {
		json_t *o = sim_api_get(api, group, res, ns, name);
		const char *v = ctl_str(o, path);
		if (v && !strcmp(v, want))
			return o;
		json_decref(o);
		usleep(10000);
	}
	json_t *o = sim_api_get(api, group, res, ns, name);
	char *dump = o ? json_dumps(o, JSON_INDENT(1)) : NULL;
	fprintf(stderr, "%s %s/%s: %s is \"%s\", want \"%s\"\n%s\n", res, ns ? ns : "", name, path,
		ctl_s(o, path), want, dump ? dump : "(gone)");
	free(dump);
	json_decref(o);
	fail();
	return NULL;
}

/* The parsed termination message of a finished probe pod. */
static json_t *probe_result(struct sim_api *api, const char *ns, const char *pod, const char *phase)
{
	json_t *p = wait_for(api, "", "pods", ns, pod, "status.phase", phase);
	json_t *cs = json_array_get(ctl_at(p, "status.containerStatuses"), 0);
	const char *msg = ctl_str(cs, "state.terminated.message");
	assert_non_null(msg);
	json_t *r = json_loads(msg, 0, NULL);
	assert_non_null(r);
	const char *log =
	    json_string_value(json_object_get(ctl_at(p, "metadata.annotations"), "kaic-sim/log"));
	assert_non_null(log);
	assert_int_equal(strncmp(log, msg, strlen(msg)), 0);
	json_decref(p);
	return r;
}

static const char nodes_yaml[] =
    "apiVersion: v1\nkind: Namespace\nmetadata: {name: t}\n---\n"
    "apiVersion: v1\nkind: Node\nmetadata: {name: n1, labels: {gpu: 'true'}}\n"
    "spec: {podCIDR: 10.244.1.0/24}\n"
    "status:\n  conditions: [{type: Ready, status: 'True'}]\n"
    "  addresses: [{type: InternalIP, address: 10.0.0.11}]\n"
    "  nodeInfo: {kernelVersion: 6.8.0-60-generic}\n---\n"
    "apiVersion: v1\nkind: Node\nmetadata: {name: n2}\n"
    "spec: {podCIDR: 10.244.2.0/24, taints: [{key: x, effect: NoSchedule}]}\n"
    "status:\n  conditions: [{type: Ready, status: 'True'}]\n"
    "  nodeInfo: {kernelVersion: 6.8.0-60-generic}\n";

/* A pod manifest running `kaic probe NAME ARGS` (args a YAML flow list). */
static char *probe_pod(const char *name, const char *labels, const char *probe, const char *args,
		       const char *extra)
{
	char *s = NULL;
	int n = asprintf(&s,
			 "apiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: t, labels: "
			 "%s}\nspec:\n  restartPolicy: Never\n  containers:\n  - name: c\n    "
			 "image: kaic:dev\n    command: [kaic, probe, %s]\n    args: %s\n%s",
			 name, labels, probe, args, extra ? extra : "");
	assert_true(n > 0);
	return s;
}

static void apply_pod(struct sim_api *api, const char *name, const char *labels, const char *probe,
		      const char *args, const char *extra)
{
	char *y = probe_pod(name, labels, probe, args, extra);
	apply(api, y);
	free(y);
}

/* ---- scheduling and the kubelet ---- */

static void test_lifecycle(void **state)
{
	(void)state;
	struct sim_api *api = new_api(NULL);
	apply(api, nodes_yaml);
	apply_pod(api, "srv", "{app: srv}", "echo", "[--port, '8080']", NULL);
	json_t *p = wait_for(api, "", "pods", "t", "srv", "status.phase", "Running");
	assert_string_equal(ctl_s(p, "spec.nodeName"), "n1"); /* n2 is tainted */
	assert_int_equal(strncmp(ctl_s(p, "status.podIP"), "10.244.1.", 9), 0);
	assert_string_equal(ctl_s(p, "status.hostIP"), "10.0.0.11");
	assert_string_equal(ctl_condition_status(p, "Ready"), "True");
	json_decref(p);
	apply(api, "apiVersion: v1\nkind: Service\nmetadata: {name: srv, namespace: t}\n"
		   "spec: {selector: {app: srv}, ports: [{port: 80, targetPort: 8080}]}\n");
	apply_pod(api, "cli", "{}", "connect", "[--host, srv, --port, '80']", NULL);
	json_t *r = probe_result(api, "t", "cli", "Succeeded");
	assert_true(json_is_true(json_object_get(r, "connected")));
	assert_string_equal(ctl_s(r, "probe"), "connect");
	json_decref(r);
	/* a port nothing listens on: refused, the pod fails */
	apply_pod(api, "cli2", "{}", "connect", "[--host, srv.t.svc.cluster.local, --port, '81']",
		  NULL);
	r = probe_result(api, "t", "cli2", "Failed");
	assert_true(json_is_false(json_object_get(r, "connected")));
	json_decref(r);
	/* unschedulable: a nodeSelector no node has */
	apply(api, "apiVersion: v1\nkind: Pod\nmetadata: {name: nowhere, namespace: t}\n"
		   "spec: {nodeSelector: {zone: mars}, containers: [{name: c, image: x}]}\n");
	p = wait_for(api, "", "pods", "t", "nowhere", "status.conditions.0.reason",
		     "Unschedulable");
	json_decref(p);
	sim_api_free(api);

	api = new_api("{\"kubelet\": {\"enabled\": false}}");
	apply(api, nodes_yaml);
	apply_pod(api, "srv", "{app: srv}", "echo", "[]", NULL);
	usleep(400000);
	p = sim_api_get(api, "", "pods", "t", "srv");
	assert_string_equal(ctl_pod_phase(p), "Pending");
	assert_string_equal(ctl_s(p, "spec.nodeName"), "n1");
	json_decref(p);
	sim_api_free(api);
}

/* ---- http-load through a Gateway ---- */

static const char gateway_yaml[] =
    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
    "metadata: {name: gatewayclasses.gateway.networking.k8s.io, annotations: "
    "{api-approved.kubernetes.io: \"unapproved, test\"}}\n"
    "spec:\n  group: gateway.networking.k8s.io\n  scope: Cluster\n"
    "  names: {plural: gatewayclasses, singular: gatewayclass, kind: GatewayClass, listKind: "
    "GatewayClassList}\n"
    "  versions: [{name: v1, served: true, storage: true, subresources: {status: {}}, schema: "
    "{openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}]\n---\n"
    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
    "metadata: {name: gateways.gateway.networking.k8s.io, annotations: "
    "{api-approved.kubernetes.io: \"unapproved, test\"}}\n"
    "spec:\n  group: gateway.networking.k8s.io\n  scope: Namespaced\n"
    "  names: {plural: gateways, singular: gateway, kind: Gateway, listKind: GatewayList}\n"
    "  versions: [{name: v1, served: true, storage: true, subresources: {status: {}}, schema: "
    "{openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}]\n---\n"
    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
    "metadata: {name: httproutes.gateway.networking.k8s.io, annotations: "
    "{api-approved.kubernetes.io: \"unapproved, test\"}}\n"
    "spec:\n  group: gateway.networking.k8s.io\n  scope: Namespaced\n"
    "  names: {plural: httproutes, singular: httproute, kind: HTTPRoute, listKind: "
    "HTTPRouteList}\n"
    "  versions: [{name: v1, served: true, storage: true, subresources: {status: {}}, schema: "
    "{openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}]\n";

static const char routing_yaml[] =
    "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: eg}\n"
    "spec: {controllerName: example.com/gw}\n---\n"
    "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: t}\n"
    "spec: {gatewayClassName: eg, listeners: [{name: http, port: 80, protocol: HTTP}]}\n---\n"
    "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: t}\n"
    "spec: {selector: {app: a}, ports: [{port: 8080}]}\n---\n"
    "apiVersion: v1\nkind: Service\nmetadata: {name: b, namespace: t}\n"
    "spec: {selector: {app: b}, ports: [{port: 8080}]}\n---\n"
    "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, namespace: t}\n"
    "spec:\n  parentRefs: [{name: gw}]\n  rules:\n"
    "  - backendRefs: [{name: a, port: 8080, weight: 80}, {name: b, port: 8080, weight: 20}]\n"
    "  - matches: [{headers: [{name: x-model-variant, value: b}]}]\n"
    "    backendRefs: [{name: b, port: 8080}]\n";

/* Runs an http-load client against the gateway's address; returns its result. */
static json_t *load(struct sim_api *api, const char *name, const char *header)
{
	json_t *gw = wait_for(api, "gateway.networking.k8s.io", "gateways", "t", "gw",
			      "status.conditions.1.status", "True");
	const char *addr = ctl_str(json_array_get(ctl_at(gw, "status.addresses"), 0), "value");
	assert_non_null(addr);
	char args[256];
	snprintf(args, sizeof(args), "[--url, 'http://%s/v1/chat', --requests, '400'%s%s]", addr,
		 header ? ", --header, " : "", header ? header : "");
	json_decref(gw);
	apply_pod(api, name, "{}", "http-load", args, NULL);
	json_t *r = probe_result(api, "t", name, "Succeeded");
	return r;
}

static double share(const json_t *r, const char *pod)
{
	return (double)json_integer_value(json_object_get(json_object_get(r, "backends"), pod)) /
	       400.0;
}

static void setup_routing(struct sim_api *api)
{
	apply(api, nodes_yaml);
	apply(api, gateway_yaml);
	apply(api, routing_yaml);
	apply_pod(api, "echo-a", "{app: a}", "echo", "[--port, '8080']", NULL);
	apply_pod(api, "echo-b", "{app: b}", "echo", "[--port, '8080']", NULL);
	json_decref(wait_for(api, "", "pods", "t", "echo-a", "status.phase", "Running"));
	json_decref(wait_for(api, "", "pods", "t", "echo-b", "status.phase", "Running"));
}

static void test_http_load(void **state)
{
	(void)state;
	struct sim_api *api = new_api("{\"gateway\": {\"controllerName\": \"example.com/gw\"}}");
	setup_routing(api);
	json_t *r = load(api, "load", NULL);
	assert_int_equal(json_integer_value(json_object_get(r, "answered")), 400);
	assert_int_equal(json_integer_value(json_object_get(r, "errors")), 0);
	assert_true(fabs(share(r, "echo-a") - 0.8) <= 0.05);
	assert_true(fabs(share(r, "echo-b") - 0.2) <= 0.05);
	json_decref(r);
	r = load(api, "load-b", "'x-model-variant: b'");
	assert_true(share(r, "echo-b") == 1.0);
	json_decref(r);
	/* the route's status names the parent */
	json_t *route = wait_for(api, "gateway.networking.k8s.io", "httproutes", "t", "r",
				 "status.parents.0.parentRef.name", "gw");
	json_decref(route);
	sim_api_free(api);

	api = new_api("{\"gateway\": {\"controllerName\": \"example.com/gw\", "
		      "\"honorWeights\": false}}");
	setup_routing(api);
	r = load(api, "load", NULL);
	assert_true(fabs(share(r, "echo-a") - 0.5) <= 0.02);
	assert_true(fabs(share(r, "echo-b") - 0.5) <= 0.02);
	json_decref(r);
	sim_api_free(api);
}

static void test_gateway_not_accepted(void **state)
{
	(void)state;
	struct sim_api *api = new_api("{\"gateway\": {\"controllerName\": \"example.com/gw\", "
				      "\"accept\": false}}");
	apply(api, nodes_yaml);
	apply(api, gateway_yaml);
	apply(api, routing_yaml);
	json_t *c = wait_for(api, "gateway.networking.k8s.io", "gatewayclasses", NULL, "eg",
			     "status.conditions.0.reason", "Pending");
	json_decref(c);
	usleep(300000);
	json_t *gw = sim_api_get(api, "gateway.networking.k8s.io", "gateways", "t", "gw");
	assert_null(ctl_at(gw, "status.addresses"));
	json_decref(gw);
	sim_api_free(api);
}

/* ---- connect and NetworkPolicies ---- */

static const char deny_yaml[] =
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
    "metadata: {name: deny, namespace: t}\n"
    "spec:\n  podSelector: {matchLabels: {role: client}}\n  policyTypes: [Egress]\n"
    "  egress:\n  - ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]\n";

static const char allow_yaml[] =
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
    "metadata: {name: allow, namespace: t}\n"
    "spec:\n  podSelector: {matchLabels: {role: client}}\n  policyTypes: [Egress]\n"
    "  egress:\n  - to: [{podSelector: {matchLabels: {app: srv}}}]\n    ports: [{port: http}]\n";

static void connect_case(const char *settings, bool enforced)
{
	struct sim_api *api = new_api(settings);
	apply(api, nodes_yaml);
	char *y = probe_pod("srv", "{app: srv}", "echo", "[]",
			    "    ports: [{name: http, containerPort: 8080}]\n");
	apply(api, y);
	free(y);
	apply(api, "apiVersion: v1\nkind: Service\nmetadata: {name: srv, namespace: t}\n"
		   "spec: {selector: {app: srv}, ports: [{port: 80, targetPort: http}]}\n");
	json_decref(wait_for(api, "", "pods", "t", "srv", "status.phase", "Running"));
	apply_pod(api, "c1", "{role: client}", "connect", "[--host, srv, --port, '80']", NULL);
	json_t *r = probe_result(api, "t", "c1", "Succeeded");
	json_decref(r);
	apply(api, deny_yaml);
	apply_pod(api, "c2", "{role: client}", "connect",
		  "[--host, srv, --port, '80', --expect, closed, --timeout, 1s]", NULL);
	r = probe_result(api, "t", "c2", enforced ? "Succeeded" : "Failed");
	assert_true(json_is_boolean(json_object_get(r, "connected")));
	assert_int_equal(json_is_true(json_object_get(r, "connected")), !enforced);
	if (enforced)
		assert_string_equal(ctl_s(r, "reason"), "timeout");
	json_decref(r);
	/* a pod the policy does not select still connects */
	apply_pod(api, "c3", "{role: other}", "connect", "[--host, srv.t, --port, '80']", NULL);
	json_decref(probe_result(api, "t", "c3", "Succeeded"));
	apply(api, allow_yaml);
	apply_pod(api, "c4", "{role: client}", "connect", "[--host, srv, --port, '80']", NULL);
	json_decref(probe_result(api, "t", "c4", "Succeeded"));
	sim_api_free(api);
}

static void test_connect_policies(void **state)
{
	(void)state;
	connect_case(NULL, true);
	connect_case("{\"networkPolicy\": {\"enforce\": false}}", false);
}

/* networkPolicy.programDelaySeconds: a new pod is unprotected for a while; a single
 * attempt connects despite the deny policy, --within past the delay sees it enforced. */
static void test_connect_program_delay(void **state)
{
	(void)state;
	struct sim_api *api = new_api("{\"networkPolicy\": {\"programDelaySeconds\": 2}}");
	apply(api, nodes_yaml);
	char *y = probe_pod("srv", "{app: srv}", "echo", "[]",
			    "    ports: [{name: http, containerPort: 8080}]\n");
	apply(api, y);
	free(y);
	apply(api, "apiVersion: v1\nkind: Service\nmetadata: {name: srv, namespace: t}\n"
		   "spec: {selector: {app: srv}, ports: [{port: 80, targetPort: http}]}\n");
	json_decref(wait_for(api, "", "pods", "t", "srv", "status.phase", "Running"));
	apply(api, deny_yaml);
	apply_pod(api, "once", "{role: client}", "connect",
		  "[--host, srv, --port, '80', --expect, closed]", NULL);
	json_t *r = probe_result(api, "t", "once", "Failed");
	assert_true(json_is_true(json_object_get(r, "connected")));
	assert_int_equal(json_integer_value(json_object_get(r, "attempts")), 1);
	json_decref(r);
	apply_pod(api, "retry", "{role: client}", "connect",
		  "[--host, srv, --port, '80', --expect, closed, --within, 5s]", NULL);
	r = probe_result(api, "t", "retry", "Succeeded");
	assert_true(json_is_false(json_object_get(r, "connected")));
	assert_true(json_is_true(json_object_get(r, "first_connected")));
	assert_true(json_integer_value(json_object_get(r, "attempts")) > 1);
	assert_int_equal(json_integer_value(json_object_get(r, "elapsed_ms")), 2000);
	json_decref(r);
	/* a window shorter than the delay ends on the unprotected outcome */
	apply_pod(api, "short", "{role: client}", "connect",
		  "[--host, srv, --port, '80', --expect, closed, --within, 1s]", NULL);
	json_decref(probe_result(api, "t", "short", "Failed"));
	sim_api_free(api);
}

static void test_dns_blocked(void **state)
{
	(void)state;
	struct sim_api *api = new_api(NULL);
	apply(api, nodes_yaml);
	apply(api, "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
		   "metadata: {name: deny-all, namespace: t}\n"
		   "spec: {podSelector: {}, policyTypes: [Egress]}\n");
	apply(api, "apiVersion: v1\nkind: Service\nmetadata: {name: srv, namespace: t}\n"
		   "spec: {selector: {app: srv}, ports: [{port: 80}]}\n");
	apply_pod(api, "c", "{}", "connect", "[--host, srv, --port, '80', --expect, closed]", NULL);
	json_t *r = probe_result(api, "t", "c", "Failed");
	assert_string_equal(ctl_s(r, "reason"), "resolve");
	json_decref(r);
	sim_api_free(api);
}

/* ---- storage ---- */

static const char storage_yaml[] =
    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
    "metadata: {name: volumesnapshotclasses.snapshot.storage.k8s.io, annotations: "
    "{api-approved.kubernetes.io: \"unapproved, test\"}}\n"
    "spec:\n  group: snapshot.storage.k8s.io\n  scope: Cluster\n"
    "  names: {plural: volumesnapshotclasses, singular: volumesnapshotclass, kind: "
    "VolumeSnapshotClass, listKind: VolumeSnapshotClassList}\n"
    "  versions: [{name: v1, served: true, storage: true, schema: "
    "{openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}]\n---\n"
    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
    "metadata: {name: volumesnapshots.snapshot.storage.k8s.io, annotations: "
    "{api-approved.kubernetes.io: \"unapproved, test\"}}\n"
    "spec:\n  group: snapshot.storage.k8s.io\n  scope: Namespaced\n"
    "  names: {plural: volumesnapshots, singular: volumesnapshot, kind: VolumeSnapshot, "
    "listKind: VolumeSnapshotList}\n"
    "  versions: [{name: v1, served: true, storage: true, subresources: {status: {}}, schema: "
    "{openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}]\n---\n"
    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
    "metadata: {name: volumesnapshotcontents.snapshot.storage.k8s.io, annotations: "
    "{api-approved.kubernetes.io: \"unapproved, test\"}}\n"
    "spec:\n  group: snapshot.storage.k8s.io\n  scope: Cluster\n"
    "  names: {plural: volumesnapshotcontents, singular: volumesnapshotcontent, kind: "
    "VolumeSnapshotContent, listKind: VolumeSnapshotContentList}\n"
    "  versions: [{name: v1, served: true, storage: true, subresources: {status: {}}, schema: "
    "{openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}]\n---\n"
    "apiVersion: storage.k8s.io/v1\nkind: CSIDriver\nmetadata: {name: csi.example.com}\n"
    "spec: {}\n---\n"
    "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: fast, annotations: "
    "{storageclass.kubernetes.io/is-default-class: 'true'}}\nprovisioner: csi.example.com\n---\n"
    "apiVersion: snapshot.storage.k8s.io/v1\nkind: VolumeSnapshotClass\nmetadata: {name: snap}\n"
    "driver: csi.example.com\ndeletionPolicy: Delete\n---\n"
    "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: t}\n"
    "spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n";

static const char mount[] = "    volumeMounts: [{name: v, mountPath: /data}]\n"
			    "  volumes: [{name: v, persistentVolumeClaim: {claimName: %s}}]\n";

static void fs_pod(struct sim_api *api, const char *name, const char *claim, const char *args)
{
	char extra[256];
	snprintf(extra, sizeof(extra), mount, claim);
	apply_pod(api, name, "{}", "fs", args, extra);
}

static void test_storage(void **state)
{
	(void)state;
	struct sim_api *api = new_api(NULL);
	apply(api, nodes_yaml);
	apply(api, storage_yaml);
	json_t *pvc =
	    wait_for(api, "", "persistentvolumeclaims", "t", "data", "status.phase", "Bound");
	const char *pvname = ctl_str(pvc, "spec.volumeName");
	assert_non_null(pvname);
	json_t *pv = sim_api_get(api, "", "persistentvolumes", NULL, pvname);
	assert_string_equal(ctl_s(pv, "spec.csi.driver"), "csi.example.com");
	assert_string_equal(ctl_s(pv, "spec.claimRef.name"), "data");
	json_decref(pv);
	json_decref(pvc);
	fs_pod(api, "w", "data", "[--write, /data/f.txt, --content, hello]");
	json_t *r = probe_result(api, "t", "w", "Succeeded");
	assert_int_equal(json_integer_value(json_object_get(r, "bytes")), 5);
	json_decref(r);
	apply(api,
	      "apiVersion: snapshot.storage.k8s.io/v1\nkind: VolumeSnapshot\n"
	      "metadata: {name: s1, namespace: t}\n"
	      "spec: {volumeSnapshotClassName: snap, source: {persistentVolumeClaimName: data}}\n");
	json_t *snap = wait_for(api, "snapshot.storage.k8s.io", "volumesnapshots", "t", "s1",
				"status.restoreSize", "1Gi");
	assert_true(json_is_true(ctl_at(snap, "status.readyToUse")));
	json_decref(snap);
	/* writing after the snapshot does not change it */
	fs_pod(api, "w2", "data", "[--write, /data/f.txt, --content, later]");
	json_decref(probe_result(api, "t", "w2", "Succeeded"));
	apply(
	    api,
	    "apiVersion: v1\nkind: PersistentVolumeClaim\n"
	    "metadata: {name: restored, namespace: t}\n"
	    "spec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n"
	    "  dataSource: {apiGroup: snapshot.storage.k8s.io, kind: VolumeSnapshot, name: s1}\n");
	json_decref(
	    wait_for(api, "", "persistentvolumeclaims", "t", "restored", "status.phase", "Bound"));
	fs_pod(api, "v", "restored", "[--verify, /data/f.txt, --content, hello]");
	r = probe_result(api, "t", "v", "Succeeded");
	assert_true(json_is_true(json_object_get(r, "match")));
	json_decref(r);
	fs_pod(api, "v2", "restored", "[--verify, /data/f.txt, --content, later]");
	r = probe_result(api, "t", "v2", "Failed");
	assert_true(json_is_false(json_object_get(r, "match")));
	json_decref(r);
	/* deleting the claim deletes its volume */
	json_t *rp = sim_api_get(api, "", "persistentvolumeclaims", "t", "restored");
	char *rpv = strdup(ctl_s(rp, "spec.volumeName"));
	json_decref(rp);
	assert_int_equal(sim_api_delete(api, "", "persistentvolumeclaims", "t", "restored"), 0);
	json_t *gone = NULL;
	for (int i = 0; i < 200; i++) {
		gone = sim_api_get(api, "", "persistentvolumes", NULL, rpv);
		if (!gone)
			break;
		json_decref(gone);
		usleep(10000);
	}
	assert_null(gone);
	free(rpv);
	sim_api_free(api);

	api = new_api("{\"storage\": {\"snapshot\": false}}");
	apply(api, nodes_yaml);
	apply(api, storage_yaml);
	json_decref(
	    wait_for(api, "", "persistentvolumeclaims", "t", "data", "status.phase", "Bound"));
	apply(api,
	      "apiVersion: snapshot.storage.k8s.io/v1\nkind: VolumeSnapshot\n"
	      "metadata: {name: s1, namespace: t}\n"
	      "spec: {volumeSnapshotClassName: snap, source: {persistentVolumeClaimName: data}}\n");
	usleep(400000);
	snap = sim_api_get(api, "snapshot.storage.k8s.io", "volumesnapshots", "t", "s1");
	assert_null(ctl_at(snap, "status.readyToUse"));
	json_decref(snap);
	sim_api_free(api);
}

/* ---- sandbox ---- */

static void test_sandbox(void **state)
{
	(void)state;
	struct sim_api *api = new_api(NULL);
	apply(api, nodes_yaml);
	apply(api, "apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: gvisor}\n"
		   "handler: runsc\n---\n"
		   "apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: tdx}\n"
		   "handler: kata-qemu-tdx\n");
	apply_pod(api, "plain", "{}", "sandbox", "[]", NULL);
	apply_pod(api, "gv", "{}", "sandbox", "[]", "  runtimeClassName: gvisor\n");
	apply_pod(api, "cc", "{}", "sandbox", "[]", "  runtimeClassName: tdx\n");
	json_t *r = probe_result(api, "t", "plain", "Succeeded");
	assert_string_equal(ctl_s(r, "kernel"), "6.8.0-60-generic");
	assert_true(json_is_false(json_object_get(r, "gvisor")));
	json_decref(r);
	r = probe_result(api, "t", "gv", "Succeeded");
	assert_string_equal(ctl_s(r, "kernel"), "4.4.0");
	assert_true(json_is_true(json_object_get(r, "gvisor")));
	json_decref(r);
	r = probe_result(api, "t", "cc", "Succeeded");
	assert_true(json_is_true(json_object_get(r, "tdx_guest")));
	assert_true(json_is_false(json_object_get(r, "sev_guest")));
	json_decref(r);
	sim_api_free(api);
}

/* ---- DRA ---- */

static const char dra_yaml[] =
    "apiVersion: resource.k8s.io/v1\nkind: DeviceClass\nmetadata: {name: gpu.example.com}\n"
    "spec: {selectors: [{cel: {expression: 'device.driver == \"gpu.example.com\"'}}]}\n---\n"
    "apiVersion: resource.k8s.io/v1\nkind: ResourceSlice\nmetadata: {name: n1-gpu}\n"
    "spec:\n  driver: gpu.example.com\n  nodeName: n1\n"
    "  pool: {name: n1, generation: 1, resourceSliceCount: 1}\n  devices:\n"
    "  - {name: gpu-0, attributes: {model: {string: H100}, root: {string: pci0}}, capacity: "
    "{memory: {value: 80Gi}}}\n"
    "  - {name: gpu-1, attributes: {model: {string: H100}, root: {string: pci1}}, capacity: "
    "{memory: {value: 80Gi}}}\n"
    "  - {name: gpu-2, attributes: {model: {string: A10}, root: {string: pci1}}, capacity: "
    "{memory: {value: 24Gi}}}\n---\n"
    "apiVersion: resource.k8s.io/v1\nkind: ResourceClaimTemplate\n"
    "metadata: {name: one, namespace: t}\n"
    "spec: {spec: {devices: {requests: [{name: gpu, exactly: {deviceClassName: gpu.example.com, "
    "selectors: [{cel: {expression: "
    "'device.attributes[\"gpu.example.com\"].model == \"H100\"'}}]}}]}}}\n";

static void test_dra(void **state)
{
	(void)state;
	struct sim_api *api = new_api(NULL);
	apply(api, nodes_yaml);
	apply(api, dra_yaml);
	apply(api, "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: t}\n"
		   "spec:\n  resourceClaims: [{name: gpu, resourceClaimTemplateName: one}]\n"
		   "  containers: [{name: c, image: x, resources: {claims: [{name: gpu}]}}]\n");
	json_t *pod = wait_for(api, "", "pods", "t", "p", "status.phase", "Running");
	const char *cn = ctl_str(json_array_get(ctl_at(pod, "status.resourceClaimStatuses"), 0),
				 "resourceClaimName");
	assert_non_null(cn);
	assert_int_equal(strncmp(cn, "p-gpu-", 6), 0);
	json_t *claim = sim_api_get(api, "resource.k8s.io", "resourceclaims", "t", cn);
	json_t *res = json_array_get(ctl_at(claim, "status.allocation.devices.results"), 0);
	assert_string_equal(ctl_s(res, "driver"), "gpu.example.com");
	assert_string_equal(ctl_s(res, "pool"), "n1");
	assert_string_equal(ctl_s(res, "device"), "gpu-0");
	assert_string_equal(ctl_s(json_array_get(ctl_at(claim, "status.reservedFor"), 0), "name"),
			    "p");
	assert_string_equal(ctl_s(pod, "spec.nodeName"), "n1");
	assert_string_equal(
	    json_string_value(json_object_get(ctl_at(claim, "metadata.annotations"),
					      "resource.kubernetes.io/pod-claim-name")),
	    "gpu");
	json_decref(claim);
	json_decref(pod);
	/* a selector matching nothing: no allocation, the pod is unschedulable */
	apply(api,
	      "apiVersion: resource.k8s.io/v1\nkind: ResourceClaim\n"
	      "metadata: {name: none, namespace: t}\n"
	      "spec: {devices: {requests: [{name: r, exactly: {deviceClassName: gpu.example.com, "
	      "selectors: [{cel: {expression: 'device.attributes[\"gpu.example.com\"].model == "
	      "\"B200\"'}}]}}]}}\n---\n"
	      "apiVersion: v1\nkind: Pod\nmetadata: {name: neg, namespace: t}\n"
	      "spec:\n  resourceClaims: [{name: r, resourceClaimName: none}]\n"
	      "  containers: [{name: c, image: x}]\n");
	pod = wait_for(api, "", "pods", "t", "neg", "status.conditions.0.reason", "Unschedulable");
	assert_non_null(
	    strstr(ctl_s(json_array_get(ctl_at(pod, "status.conditions"), 0), "message"),
		   "cannot allocate all claims"));
	json_decref(pod);
	claim = sim_api_get(api, "resource.k8s.io", "resourceclaims", "t", "none");
	assert_null(ctl_at(claim, "status.allocation"));
	json_decref(claim);
	/* two devices sharing an attribute: gpu-1 and gpu-2 (gpu-0 is taken) */
	apply(api,
	      "apiVersion: resource.k8s.io/v1\nkind: ResourceClaim\n"
	      "metadata: {name: pair, namespace: t}\n"
	      "spec: {devices: {requests: [{name: r, exactly: {deviceClassName: gpu.example.com, "
	      "count: 2}}], constraints: [{matchAttribute: gpu.example.com/root}]}}\n");
	claim = wait_for(api, "resource.k8s.io", "resourceclaims", "t", "pair",
			 "status.allocation.devices.results.0.driver", "gpu.example.com");
	json_t *rs = ctl_at(claim, "status.allocation.devices.results");
	assert_int_equal(json_array_size(rs), 2);
	assert_string_equal(ctl_s(json_array_get(rs, 0), "device"), "gpu-1");
	assert_string_equal(ctl_s(json_array_get(rs, 1), "device"), "gpu-2");
	json_decref(claim);
	/* count beyond what is free stays unallocated */
	apply(api,
	      "apiVersion: resource.k8s.io/v1\nkind: ResourceClaim\n"
	      "metadata: {name: many, namespace: t}\n"
	      "spec: {devices: {requests: [{name: r, exactly: {deviceClassName: gpu.example.com, "
	      "count: 2}}]}}\n");
	usleep(300000);
	claim = sim_api_get(api, "resource.k8s.io", "resourceclaims", "t", "many");
	assert_null(ctl_at(claim, "status.allocation"));
	json_decref(claim);
	sim_api_free(api);

	api = new_api("{\"dra\": {\"allocate\": false}}");
	apply(api, nodes_yaml);
	apply(api, dra_yaml);
	apply(api, "apiVersion: resource.k8s.io/v1\nkind: ResourceClaim\n"
		   "metadata: {name: c, namespace: t}\n"
		   "spec: {devices: {requests: [{name: r, exactly: {deviceClassName: "
		   "gpu.example.com}}]}}\n");
	usleep(300000);
	claim = sim_api_get(api, "resource.k8s.io", "resourceclaims", "t", "c");
	assert_non_null(claim);
	assert_null(ctl_at(claim, "status.allocation"));
	json_decref(claim);
	sim_api_free(api);
}

static void test_cel(void **state)
{
	(void)state;
	json_t *dev = json_loads(
	    "{\"driver\": \"gpu.example.com\", \"name\": \"gpu-0\", \"attributes\": {"
	    "\"model\": {\"string\": \"H100\"}, \"index\": {\"int\": 3}, \"mig\": {\"bool\": true},"
	    "\"driverVersion\": {\"version\": \"1.2.0\"},"
	    "\"resource.kubernetes.io/pcieRoot\": {\"string\": \"pci0\"}},"
	    "\"capacity\": {\"memory\": {\"value\": \"80Gi\"}}}",
	    0, NULL);
	assert_non_null(dev);
	assert_true(ctl_cel_match("device.driver == \"gpu.example.com\"", dev));
	assert_false(ctl_cel_match("device.driver == \"other\"", dev));
	assert_true(ctl_cel_match("true", dev));
	assert_true(ctl_cel_match("device.attributes[\"gpu.example.com\"].model == 'H100' && "
				  "device.attributes[\"gpu.example.com\"].index == 3",
				  dev));
	assert_true(ctl_cel_match("device.attributes[\"gpu.example.com\"].mig == true", dev));
	assert_true(ctl_cel_match("device.attributes[\"gpu.example.com\"].driverVersion == "
				  "\"1.2.0\"",
				  dev));
	assert_true(ctl_cel_match("device.attributes[\"resource.kubernetes.io\"].pcieRoot == "
				  "\"pci0\"",
				  dev));
	assert_true(
	    ctl_cel_match("device.driver == \"x\" || (device.attributes[\"gpu.example.com\"]"
			  ".index > 2)",
			  dev));
	assert_true(ctl_cel_match("device.capacity[\"gpu.example.com\"].memory.compareTo("
				  "quantity(\"40Gi\")) >= 0",
				  dev));
	assert_false(ctl_cel_match("device.capacity[\"gpu.example.com\"].memory.compareTo("
				   "quantity(\"100Gi\")) >= 0",
				   dev));
	/* a missing attribute is an error: no match, unless || rescues it */
	assert_false(ctl_cel_match("device.attributes[\"gpu.example.com\"].nope == \"x\"", dev));
	assert_true(
	    ctl_cel_match("device.attributes[\"gpu.example.com\"].nope == \"x\" || true", dev));
	/* outside the subset */
	assert_false(ctl_cel_match("device.attributes.exists(a, true)", dev));
	assert_false(ctl_cel_match("device.driver ==", dev));
	assert_false(ctl_cel_match("", dev));
	assert_false(ctl_cel_match(NULL, dev));
	json_decref(dev);
}

/* ---- Prometheus ---- */

static const char prom_yaml[] =
    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
    "metadata: {name: prometheuses.monitoring.coreos.com}\n"
    "spec:\n  group: monitoring.coreos.com\n  scope: Namespaced\n"
    "  names: {plural: prometheuses, singular: prometheus, kind: Prometheus, listKind: "
    "PrometheusList}\n"
    "  versions: [{name: v1, served: true, storage: true, schema: "
    "{openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}]\n---\n"
    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
    "metadata: {name: podmonitors.monitoring.coreos.com}\n"
    "spec:\n  group: monitoring.coreos.com\n  scope: Namespaced\n"
    "  names: {plural: podmonitors, singular: podmonitor, kind: PodMonitor, listKind: "
    "PodMonitorList}\n"
    "  versions: [{name: v1, served: true, storage: true, schema: "
    "{openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}]\n---\n"
    "apiVersion: v1\nkind: Namespace\nmetadata: {name: monitoring}\n---\n"
    "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k8s, namespace: "
    "monitoring}\nspec: {podMonitorSelector: {}, podMonitorNamespaceSelector: {}}\n---\n"
    "apiVersion: v1\nkind: Service\nmetadata: {name: prometheus-operated, namespace: monitoring}\n"
    "spec: {clusterIP: None, selector: {app: prometheus}, ports: [{name: web, port: 9090}]}\n---\n"
    "apiVersion: monitoring.coreos.com/v1\nkind: PodMonitor\nmetadata: {name: m, namespace: t}\n"
    "spec: {selector: {matchLabels: {app: model}}, podMetricsEndpoints: [{port: metrics}]}\n";

static json_t *prom_query(struct sim_api *api, const char *q, int *status)
{
	json_t *query = json_pack("{s:s}", "query", q);
	struct sim_response resp;
	memset(&resp, 0, sizeof(resp));
	bool hit = false;
	for (size_t i = 0; sim_proxy_hooks[i] && !hit; i++)
		hit = sim_proxy_hooks[i](api, "GET",
					 "/api/v1/namespaces/monitoring/services/"
					 "prometheus-operated:9090/proxy/api/v1/query",
					 query, &resp);
	assert_true(hit);
	*status = resp.status;
	json_t *v = json_loadb(resp.body, resp.len, 0, NULL);
	sim_response_release(&resp);
	json_decref(query);
	return v;
}

static void test_prometheus(void **state)
{
	(void)state;
	struct sim_api *api = new_api(NULL);
	apply(api, nodes_yaml);
	apply(api, prom_yaml);
	apply_pod(api, "model", "{app: model}", "metrics", "[--model, llama]",
		  "    ports: [{name: metrics, containerPort: 9090}]\n");
	apply_pod(api, "other", "{app: other}", "metrics", "[]",
		  "    ports: [{name: metrics, containerPort: 9090}]\n");
	json_decref(wait_for(api, "", "pods", "t", "model", "status.phase", "Running"));
	json_decref(wait_for(api, "", "pods", "t", "other", "status.phase", "Running"));
	int st;
	json_t *v = prom_query(api, "vllm:num_requests_running{namespace=\"t\"}", &st);
	assert_int_equal(st, 200);
	assert_string_equal(ctl_s(v, "status"), "success");
	assert_string_equal(ctl_s(v, "data.resultType"), "vector");
	json_t *res = ctl_at(v, "data.result");
	assert_int_equal(json_array_size(res), 1);
	json_t *m = json_object_get(json_array_get(res, 0), "metric");
	assert_string_equal(ctl_s(m, "pod"), "model");
	assert_string_equal(ctl_s(m, "namespace"), "t");
	assert_string_equal(ctl_s(m, "model_name"), "llama");
	assert_string_equal(ctl_s(m, "job"), "t/m");
	json_decref(v);
	v = prom_query(api, "vllm:num_requests_running{pod=\"other\"}", &st);
	assert_int_equal(json_array_size(ctl_at(v, "data.result")), 0);
	json_decref(v);
	v = prom_query(api, "rate(x[5m])", &st);
	assert_int_equal(st, 400);
	assert_string_equal(ctl_s(v, "errorType"), "bad_data");
	json_decref(v);
	sim_api_free(api);

	api = new_api("{\"prometheus\": {\"scrape\": false}}");
	apply(api, nodes_yaml);
	apply(api, prom_yaml);
	apply_pod(api, "model", "{app: model}", "metrics", "[]",
		  "    ports: [{name: metrics, containerPort: 9090}]\n");
	json_decref(wait_for(api, "", "pods", "t", "model", "status.phase", "Running"));
	v = prom_query(api, "vllm:num_requests_running", &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(ctl_at(v, "data.result")), 0);
	json_decref(v);
	sim_api_free(api);
}

/* ---- LeaderWorkerSet ---- */

/* The LeaderWorkerSet model: an LWS created through the API gets its leader StatefulSet,
 * leader and worker pods and a status (Available once every pod is Ready); one loaded with
 * a status and no StatefulSet is left alone; with lws: false nothing is reconciled. The
 * webhook denies size 0 and negative replicas while a configuration registers it. */
static const char lws_crd_yaml[] =
    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
    "metadata: {name: leaderworkersets.leaderworkerset.x-k8s.io}\n"
    "spec:\n  group: leaderworkerset.x-k8s.io\n  scope: Namespaced\n"
    "  names: {plural: leaderworkersets, singular: leaderworkerset, kind: LeaderWorkerSet, "
    "listKind: LeaderWorkerSetList}\n"
    "  versions: [{name: v1, served: true, storage: true, subresources: {status: {}}, schema: "
    "{openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}]\n";

static const char lws_yaml[] =
    "apiVersion: leaderworkerset.x-k8s.io/v1\nkind: LeaderWorkerSet\n"
    "metadata: {name: g, namespace: t}\n"
    "spec:\n  replicas: 2\n  leaderWorkerTemplate:\n    size: 2\n    workerTemplate:\n"
    "      metadata: {labels: {app: g}}\n"
    "      spec: {containers: [{name: c, image: kaic, command: [kaic], args: [probe, echo]}]}\n"
    "---\napiVersion: leaderworkerset.x-k8s.io/v1\nkind: LeaderWorkerSet\n"
    "metadata: {name: old, namespace: t}\n"
    "spec: {replicas: 1, leaderWorkerTemplate: {size: 1}}\n"
    "status: {replicas: 1, readyReplicas: 1}\n";

static const char lws_webhook_yaml[] =
    "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\n"
    "metadata: {name: lws}\n"
    "webhooks: [{name: vleaderworkerset.kb.io, admissionReviewVersions: [v1], sideEffects: "
    "None, clientConfig: {service: {name: lws, namespace: lws-system}}, rules: [{apiGroups: "
    "[leaderworkerset.x-k8s.io], apiVersions: [v1], operations: [CREATE], resources: "
    "[leaderworkersets]}]}]\n";

static void test_lws(void **state)
{
	(void)state;
	struct sim_api *api = new_api(NULL);
	apply(api, nodes_yaml);
	apply(api, lws_crd_yaml);
	apply(api, lws_yaml);
	json_t *g = wait_for(api, "leaderworkerset.x-k8s.io", "leaderworkersets", "t", "g",
			     "status.conditions.0.status", "True");
	assert_string_equal(ctl_s(g, "status.conditions.0.type"), "Available");
	assert_int_equal(json_integer_value(ctl_at(g, "status.readyReplicas")), 2);
	assert_string_equal(ctl_s(g, "status.hpaPodSelector"),
			    "leaderworkerset.sigs.k8s.io/name=g");
	json_decref(g);
	json_t *sts = sim_api_get(api, "apps", "statefulsets", "t", "g");
	assert_int_equal(json_integer_value(ctl_at(sts, "spec.replicas")), 2);
	json_decref(sts);
	static const char *const pods[] = {"g-0", "g-0-1", "g-1", "g-1-1"};
	for (size_t i = 0; i < 4; i++) {
		json_t *p = sim_api_get(api, "", "pods", "t", pods[i]);
		assert_non_null(p);
		assert_string_equal(ctl_s(p, "metadata.labels.app"), "g");
		json_decref(p);
	}
	json_t *old = sim_api_get(api, "apps", "statefulsets", "t", "old");
	assert_null(old);
	old = sim_api_get(api, "leaderworkerset.x-k8s.io", "leaderworkersets", "t", "old");
	assert_null(ctl_at(old, "status.conditions"));
	json_decref(old);
	sim_api_free(api);

	api = new_api("{\"lws\": false}");
	apply(api, lws_crd_yaml);
	apply(api, lws_yaml);
	usleep(300000);
	g = sim_api_get(api, "leaderworkerset.x-k8s.io", "leaderworkersets", "t", "g");
	assert_null(ctl_at(g, "status"));
	json_decref(g);
	sim_api_free(api);

	api = new_api(NULL);
	json_t *bad = json_pack("{s:{s:i, s:{s:i}}}", "spec", "replicas", 1, "leaderWorkerTemplate",
				"size", 0);
	struct sim_response resp = {0};
	assert_true(ctl_lws_admit(api, "leaderworkerset.x-k8s.io", "leaderworkersets", "t", bad,
				  true, &resp)); /* no webhook registered */
	apply(api, lws_webhook_yaml);
	assert_false(ctl_lws_admit(api, "leaderworkerset.x-k8s.io", "leaderworkersets", "t", bad,
				   true, &resp));
	assert_int_equal(resp.status, 403);
	assert_non_null(strstr(resp.body, "admission webhook \\\"vleaderworkerset.kb.io\\\" "
					  "denied the request: the Size 0 is invalid"));
	sim_response_release(&resp);
	json_object_set_new(json_object_get(bad, "spec"), "leaderWorkerTemplate",
			    json_pack("{s:i}", "size", 1));
	assert_true(ctl_lws_admit(api, "leaderworkerset.x-k8s.io", "leaderworkersets", "t", bad,
				  true, &resp));
	json_decref(bad);
	sim_api_free(api);
}

/* ---- AgentTool ---- */

/* The HPA model: with the custom metrics APIService Available, an HPA on the Pods metric
 * the simulated Prometheus scrapes from a Deployment's pods reads it and scales the
 * Deployment (clamped to maxReplicas); without the APIService, or with hpa.serve false,
 * ScalingActive=False FailedGetPodsMetric and the Deployment is left alone. */
static const char hpa_yaml[] =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: model, namespace: t}\n"
    "spec:\n  replicas: 1\n  selector: {matchLabels: {app: model}}\n"
    "  template:\n    metadata: {labels: {app: model}}\n"
    "    spec: {containers: [{name: c, image: kaic, command: [kaic], args: [probe, metrics],"
    " ports: [{name: metrics, containerPort: 9090}]}]}\n---\n"
    "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n"
    "metadata: {name: model, namespace: t}\n"
    "spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: model}\n"
    "  minReplicas: 1\n  maxReplicas: 3\n"
    "  metrics: [{type: Pods, pods: {metric: {name: 'vllm:num_requests_running'},"
    " target: {type: AverageValue, averageValue: 500m}}}]\n";

static void put_apiservice(struct sim_api *api)
{
	char *cause = NULL;
	json_t *s = json_pack(
	    "{s:s, s:s, s:{s:s}, s:{s:s, s:s, s:{s:s, s:s}}, s:{s:[{s:s, s:s, s:s}]}}",
	    "apiVersion", "apiregistration.k8s.io/v1", "kind", "APIService", "metadata", "name",
	    "v1beta1.custom.metrics.k8s.io", "spec", "group", "custom.metrics.k8s.io", "version",
	    "v1beta1", "service", "name", "prometheus-adapter", "namespace", "monitoring", "status",
	    "conditions", "type", "Available", "status", "True", "reason", "Passed");
	assert_int_equal(sim_api_create(api, json_incref(s), &cause), 0);
	json_t *got = sim_api_get(api, "apiregistration.k8s.io", "apiservices", NULL,
				  "v1beta1.custom.metrics.k8s.io");
	json_object_set(got, "status", json_object_get(s, "status"));
	assert_int_equal(sim_api_put(api, got, &cause), 0);
	json_decref(s);
}

static void test_hpa(void **state)
{
	(void)state;
	struct sim_api *api = new_api(NULL);
	apply(api, nodes_yaml);
	apply(api, prom_yaml);
	put_apiservice(api);
	apply(api, hpa_yaml);
	json_t *h = wait_for(api, "autoscaling", "horizontalpodautoscalers", "t", "model",
			     "status.conditions.1.status", "True");
	assert_string_equal(ctl_s(h, "status.conditions.1.type"), "ScalingActive");
	assert_string_equal(ctl_s(h, "status.conditions.1.reason"), "ValidMetricFound");
	assert_string_equal(ctl_s(h, "status.currentMetrics.0.pods.metric.name"),
			    "vllm:num_requests_running");
	assert_string_equal(ctl_s(h, "status.currentMetrics.0.pods.current.averageValue"), "2");
	assert_int_equal(json_integer_value(ctl_at(h, "status.desiredReplicas")), 3);
	json_decref(h);
	json_t *d = sim_api_get(api, "apps", "deployments", "t", "model");
	assert_int_equal(json_integer_value(ctl_at(d, "spec.replicas")), 3);
	json_decref(d);
	sim_api_free(api);

	for (int k = 0; k < 2; k++) { /* no APIService; an adapter without the metric */
		api = new_api(k ? "{\"hpa\": {\"serve\": false}}" : NULL);
		apply(api, nodes_yaml);
		apply(api, prom_yaml);
		if (k)
			put_apiservice(api);
		apply(api, hpa_yaml);
		h = wait_for(api, "autoscaling", "horizontalpodautoscalers", "t", "model",
			     "status.conditions.1.reason", "FailedGetPodsMetric");
		assert_string_equal(ctl_s(h, "status.conditions.1.status"), "False");
		assert_non_null(strstr(ctl_s(h, "status.conditions.1.message"),
				       k ? "could not find the metric vllm:num_requests_running"
					 : "could not find the requested resource"));
		assert_null(ctl_at(h, "status.currentMetrics"));
		json_decref(h);
		d = sim_api_get(api, "apps", "deployments", "t", "model");
		assert_int_equal(json_integer_value(ctl_at(d, "spec.replicas")), 1);
		json_decref(d);
		sim_api_free(api);
	}
}

static void test_agenttool(void **state)
{
	(void)state;
	struct sim_api *api = new_api(NULL);
	char *cause = NULL;
	json_t *docs = NULL;
	char path[4096];
	snprintf(path, sizeof(path), "%s/deploy/crds/agenttool.yaml",
		 getenv("TOP") ? getenv("TOP") : ".");
	if (yaml_load_file(path, &docs, &cause) < 0) {
		free(cause);
		assert_int_equal(yaml_load_file("../deploy/crds/agenttool.yaml", &docs, &cause), 0);
	}
	assert_int_equal(sim_api_create(api, json_incref(json_array_get(docs, 0)), &cause), 0);
	json_decref(docs);
	apply(api, "apiVersion: v1\nkind: Namespace\nmetadata: {name: t}\n---\n"
		   "apiVersion: agents.kaic.io/v1alpha1\nkind: AgentTool\n"
		   "metadata: {name: tool, namespace: t}\n"
		   "spec: {protocol: MCP, serviceRef: {name: mcp, port: 8080, path: /mcp}}\n");
	json_t *t = wait_for(api, "agents.kaic.io", "agenttools", "t", "tool", "status.endpoint",
			     "http://mcp.t.svc:8080/mcp");
	/* the Service does not exist: refused, never probed */
	assert_string_equal(ctl_condition_status(t, "Registered"), "False");
	assert_string_equal(ctl_s(ctl_at(t, "status.conditions.0"), "reason"), "ServiceNotFound");
	assert_string_equal(ctl_condition_status(t, "Ready"), "False");
	assert_string_equal(ctl_s(ctl_at(t, "status.conditions.1"), "reason"), "NotRegistered");
	assert_null(ctl_at(t, "status.tools"));
	json_decref(t);
	/* an MCP server behind the Service: probed, its tools listed, found in the registry */
	apply(api, strstr(nodes_yaml, "---\n") + 4); /* the nodes: namespace t exists */
	apply(api, "apiVersion: v1\nkind: Service\nmetadata: {name: mcp, namespace: t}\n"
		   "spec: {selector: {app: mcp}, ports: [{port: 8080, targetPort: 8080}]}\n---\n"
		   "apiVersion: v1\nkind: Service\nmetadata: {name: reg, namespace: t, labels: "
		   "{agents.kaic.io/registry: 'true'}}\n"
		   "spec: {ports: [{name: registry, port: 8080}]}\n");
	apply_pod(api, "mcp", "{app: mcp}", "mcp", "[--tools, '3', --page-size, '2', --path, /mcp]",
		  "");
	t = wait_for(api, "agents.kaic.io", "agenttools", "t", "tool", "status.conditions.1.reason",
		     "ProbeSucceeded");
	assert_string_equal(ctl_condition_status(t, "Registered"), "True");
	assert_string_equal(ctl_condition_status(t, "Ready"), "True");
	assert_string_equal(ctl_s(t, "status.tools.2"), "kaic-tool-3");
	assert_int_equal(json_array_size(ctl_at(t, "status.tools")), 3);
	assert_string_equal(ctl_s(t, "status.server.name"), "kaic-probe-mcp");
	json_decref(t);
	struct sim_response resp;
	memset(&resp, 0, sizeof(resp));
	json_t *q = json_pack("{s:s}", "namespace", "t");
	bool hit = false;
	for (size_t i = 0; sim_proxy_hooks[i] && !hit; i++)
		hit = sim_proxy_hooks[i](
		    api, "GET", "/api/v1/namespaces/t/services/reg:registry/proxy/v1/tools", q,
		    &resp);
	json_decref(q);
	assert_true(hit);
	assert_int_equal(resp.status, 200);
	json_t *doc = json_loadb(resp.body, resp.len, 0, NULL);
	sim_response_release(&resp);
	assert_string_equal(ctl_s(doc, "tools.0.name"), "tool");
	assert_string_equal(ctl_s(doc, "tools.0.toolNames.0"), "kaic-tool-1");
	json_decref(doc);
	sim_api_free(api);

	/* a stamping controller: Ready on everything, no tools */
	api = new_api("{\"agenttool\": {\"stamp\": true}}");
	docs = NULL;
	if (yaml_load_file(path, &docs, &cause) < 0) {
		free(cause);
		assert_int_equal(yaml_load_file("../deploy/crds/agenttool.yaml", &docs, &cause), 0);
	}
	assert_int_equal(sim_api_create(api, json_incref(json_array_get(docs, 0)), &cause), 0);
	json_decref(docs);
	apply(api, "apiVersion: v1\nkind: Namespace\nmetadata: {name: t}\n---\n"
		   "apiVersion: agents.kaic.io/v1alpha1\nkind: AgentTool\n"
		   "metadata: {name: tool, namespace: t}\n"
		   "spec: {protocol: MCP, serviceRef: {name: absent, port: 8080}}\n");
	t = wait_for(api, "agents.kaic.io", "agenttools", "t", "tool", "status.conditions.1.status",
		     "True");
	assert_null(ctl_at(t, "status.tools"));
	json_decref(t);
	sim_api_free(api);

	api = new_api("{\"agenttool\": {\"enabled\": false}}");
	docs = NULL;
	if (yaml_load_file(path, &docs, &cause) < 0) {
		free(cause);
		assert_int_equal(yaml_load_file("../deploy/crds/agenttool.yaml", &docs, &cause), 0);
	}
	assert_int_equal(sim_api_create(api, json_incref(json_array_get(docs, 0)), &cause), 0);
	json_decref(docs);
	apply(api, "apiVersion: v1\nkind: Namespace\nmetadata: {name: t}\n---\n"
		   "apiVersion: agents.kaic.io/v1alpha1\nkind: AgentTool\n"
		   "metadata: {name: tool, namespace: t}\n"
		   "spec: {protocol: HTTP, endpoint: {url: 'https://example.com/tool'}}\n");
	usleep(300000);
	t = sim_api_get(api, "agents.kaic.io", "agenttools", "t", "tool");
	assert_null(ctl_at(t, "status"));
	json_decref(t);
	sim_api_free(api);
}

/* ---- malformed objects ---- */

static void test_malformed(void **state)
{
	(void)state;
	struct sim_api *api = new_api("{\"gateway\": {\"controllerName\": \"example.com/gw\"}}");
	apply(api, nodes_yaml);
	apply(api, gateway_yaml);
	apply(api, dra_yaml);
	apply(api,
	      "apiVersion: v1\nkind: Pod\nmetadata: {name: m1, namespace: t}\n"
	      "spec: {containers: [{name: c, image: x, command: [kaic, probe]}], nodeSelector: 3,"
	      " tolerations: 'x', resourceClaims: [{name: 7}, 'x', {name: r, "
	      "resourceClaimTemplateName: missing}], volumes: [{name: v, persistentVolumeClaim: "
	      "{}}]}\n---\n"
	      "apiVersion: v1\nkind: Pod\nmetadata: {name: m2, namespace: t}\n"
	      "spec: {restartPolicy: Never, containers: [{name: c, image: x, command: [kaic, "
	      "probe, connect], args: "
	      "[--host]}]}\n---\n"
	      "apiVersion: v1\nkind: Pod\nmetadata: {name: m3, namespace: t}\n"
	      "spec: {restartPolicy: Never, containers: [{name: c, image: x, command: [kaic, "
	      "probe, nosuch]}]}\n---\n"
	      "apiVersion: v1\nkind: Pod\nmetadata: {name: m4, namespace: t}\n"
	      "spec: {restartPolicy: Never, containers: [{name: c, image: x, command: [kaic, "
	      "probe, http-load], args: "
	      "[--url, 'http://[::1', --requests, many]}]}\n---\n"
	      "apiVersion: resource.k8s.io/v1\nkind: ResourceClaim\nmetadata: {name: bad, "
	      "namespace: t}\nspec: {devices: {requests: [{name: r, exactly: {deviceClassName: "
	      "gpu.example.com, selectors: [{cel: {expression: '((((('}}, 5]}}], constraints: "
	      "[{matchAttribute: 9}]}}\n---\n"
	      "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: g}\n"
	      "spec: {controllerName: example.com/gw}\n---\n"
	      "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, "
	      "namespace: t}\nspec: {gatewayClassName: g, listeners: 'none'}\n---\n"
	      "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, "
	      "namespace: t}\nspec: {parentRefs: [{name: gw, port: x}, 3], rules: [{matches: 'x', "
	      "backendRefs: [{weight: many}]}]}\n---\n"
	      "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, "
	      "namespace: t}\nspec: {podSelector: {}, policyTypes: [Egress], egress: [{to: "
	      "[{ipBlock: {cidr: nonsense}}], ports: [{port: {}}]}]}\n");
	json_t *r = probe_result(api, "t", "m2", "Failed");
	assert_non_null(ctl_str(r, "error"));
	json_decref(r);
	r = probe_result(api, "t", "m3", "Failed");
	json_decref(r);
	r = probe_result(api, "t", "m4", "Failed");
	json_decref(r);
	usleep(300000);
	/* the simulator still works */
	apply_pod(api, "ok", "{}", "sandbox", "[]", NULL);
	json_decref(probe_result(api, "t", "ok", "Succeeded"));
	sim_api_free(api);
}

/* The exporter model: a sample of the device a running pod holds gets the pod's labels;
 * the other devices' samples keep empty ones; dcgm.attribute false leaves the body. */
static void test_dcgm_attribution(void **state)
{
	(void)state;
	static const char body[] = "# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n"
				   "DCGM_FI_DEV_GPU_UTIL{gpu=\"0\",UUID=\"GPU-A\",container=\"\","
				   "namespace=\"\",pod=\"\"} 5\n"
				   "DCGM_FI_DEV_GPU_UTIL{gpu=\"1\",UUID=\"GPU-B\",container=\"\","
				   "namespace=\"\",pod=\"\"} 7\n";
	static const char slice[] =
	    "apiVersion: resource.k8s.io/v1\nkind: DeviceClass\nmetadata: {name: gpu.example.com}\n"
	    "spec: {selectors: [{cel: {expression: 'device.driver == "
	    "\"gpu.example.com\"'}}]}\n---\n"
	    "apiVersion: resource.k8s.io/v1\nkind: ResourceSlice\nmetadata: {name: n1-gpu}\n"
	    "spec:\n  driver: gpu.example.com\n  nodeName: n1\n"
	    "  pool: {name: n1, generation: 1, resourceSliceCount: 1}\n  devices:\n"
	    "  - {name: gpu-0, attributes: {uuid: {string: GPU-A}}}\n"
	    "  - {name: gpu-1, attributes: {uuid: {string: GPU-B}}}\n---\n"
	    "apiVersion: resource.k8s.io/v1\nkind: ResourceClaimTemplate\n"
	    "metadata: {name: one, namespace: t}\n"
	    "spec: {spec: {devices: {requests: [{name: gpu, exactly: {deviceClassName: "
	    "gpu.example.com}}]}}}\n";
	struct sim_api *api = new_api(NULL);
	apply(api, nodes_yaml);
	apply(api, slice);
	size_t len = 0;
	assert_null(ctl_dcgm_attribute(api, body, strlen(body), &len)); /* no pod holds one */
	apply(api, "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: t}\n"
		   "spec:\n  resourceClaims: [{name: gpu, resourceClaimTemplateName: one}]\n"
		   "  containers: [{name: main, image: x, resources: {claims: [{name: gpu}]}}]\n");
	json_decref(wait_for(api, "", "pods", "t", "p", "status.phase", "Running"));
	char *out = ctl_dcgm_attribute(api, body, strlen(body), &len);
	assert_non_null(out);
	assert_int_equal(len, strlen(out));
	assert_non_null(
	    strstr(out, "UUID=\"GPU-A\",container=\"main\",namespace=\"t\",pod=\"p\"} 5\n"));
	assert_non_null(strstr(out, "UUID=\"GPU-B\",container=\"\",namespace=\"\",pod=\"\"} 7\n"));
	assert_non_null(strstr(out, "# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n"));
	free(out);
	sim_api_free(api);
	api = new_api("{\"dcgm\": {\"attribute\": false}}");
	assert_null(ctl_dcgm_attribute(api, body, strlen(body), &len));
	sim_api_free(api);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lifecycle),
	    cmocka_unit_test(test_dcgm_attribution),
	    cmocka_unit_test(test_http_load),
	    cmocka_unit_test(test_gateway_not_accepted),
	    cmocka_unit_test(test_connect_policies),
	    cmocka_unit_test(test_connect_program_delay),
	    cmocka_unit_test(test_dns_blocked),
	    cmocka_unit_test(test_storage),
	    cmocka_unit_test(test_sandbox),
	    cmocka_unit_test(test_dra),
	    cmocka_unit_test(test_cel),
	    cmocka_unit_test(test_prometheus),
	    cmocka_unit_test(test_hpa),
	    cmocka_unit_test(test_lws),
	    cmocka_unit_test(test_agenttool),
	    cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
