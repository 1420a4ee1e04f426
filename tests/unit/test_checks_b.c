/* test_checks_b.c: the passive Storage, Security and Observability checks against
 * inventory fixtures (tests/data/fixtures/checks-b-*.json), one case per verdict branch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/checks.h"
#include "kube/inventory.h"

/* Loads case kase of fixture file FILE: the file's common "resources" plus the case's
 * own resources, lists and errors. */
static struct inventory *load_case(const char *file, const char *kase)
{
	const char *top = getenv("TOP");
	char path[4096];
	snprintf(path, sizeof(path), "%s/tests/data/fixtures/checks-b-%s.json", top ? top : ".",
		 file);
	json_error_t jerr;
	json_t *doc = json_load_file(path, 0, &jerr);
	if (doc == NULL)
		fail_msg("cannot read \"%s\": %s", path, jerr.text);
	json_t *c = json_object_get(json_object_get(doc, "cases"), kase);
	if (c == NULL)
		fail_msg("no case \"%s\" in \"%s\"", kase, path);
	json_t *fx = json_deep_copy(c);
	json_t *res = json_deep_copy(json_object_get(doc, "resources"));
	json_t *own = json_object_get(c, "resources");
	if (own != NULL)
		json_array_extend(res, own);
	json_object_set_new(fx, "resources", res);
	json_decref(doc);
	return inventory_new_fixture(fx);
}

/* Runs the passive check id on a fixture case into r. */
static void run(const char *file, const char *kase, const char *id, struct check_result *r)
{
	struct inventory *inv = load_case(file, kase);
	const struct check *chk = checks_find(id);
	assert_non_null(chk);
	assert_non_null(chk->passive);
	struct check_ctx ctx = {.id = id, .inv = inv};
	check_result_init(r);
	chk->passive(&ctx, r);
	inventory_free(inv);
}

static bool has_evidence(const struct check_result *r, const char *needle)
{
	for (size_t i = 0; i < r->nevidence; i++)
		if (strstr(r->evidence[i], needle) != NULL)
			return true;
	return false;
}

static void dump(const char *kase, const struct check_result *r)
{
	fprintf(stderr, "-- %s: %s; remediation: %s\n", kase, verdict_name(r->verdict),
		r->remediation ? r->remediation : "(none)");
	for (size_t i = 0; i < r->nevidence; i++)
		fprintf(stderr, "   %s\n", r->evidence[i]);
}

/* Checks verdict, that every needle (NULL-terminated) is in some evidence line, and
 * that the remediation contains hint (NULL: no remediation expected, i.e. Full). */
static void expect(const char *file, const char *kase, const char *id, enum verdict v,
		   const char *hint, ...)
{
	struct check_result r;
	run(file, kase, id, &r);
	dump(kase, &r);
	assert_string_equal(verdict_name(r.verdict), verdict_name(v));
	assert_int_equal(r.mode, MODE_PASSIVE);
	if (hint != NULL) {
		assert_non_null(r.remediation);
		if (strstr(r.remediation, hint) == NULL)
			fail_msg("%s: remediation \"%s\" lacks \"%s\"", kase, r.remediation, hint);
	}
	va_list ap;
	va_start(ap, hint);
	for (const char *n = va_arg(ap, const char *); n != NULL; n = va_arg(ap, const char *))
		if (!has_evidence(&r, n))
			fail_msg("%s: no evidence line contains \"%s\"", kase, n);
	va_end(ap);
	check_result_release(&r);
}

static void test_registry(void **state)
{
	(void)state;
	static const char *const ids[] = {"STO-4.1", "SEC-5.1", "SEC-5.2", "SEC-5.3",
					  "SEC-5.4", "SEC-5.5", "OBS-6.1", "OBS-6.2"};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const struct check *c = checks_find(ids[i]);
		assert_non_null(c);
		assert_true(c->flags & CHECK_FULL_NEEDS_ACTIVE);
		assert_false(c->flags & CHECK_OPT_IN);
	}
	const struct check *gds = checks_find("STO-4.2");
	assert_non_null(gds);
	assert_true(gds->flags & CHECK_FULL_NEEDS_ACTIVE);
	assert_true(gds->flags & CHECK_OPT_IN);
}

static void test_storage_csi(void **state)
{
	(void)state;
	expect("storage", "csi-snapshots", "STO-4.1", VERDICT_PARTIAL, "active test",
	       "2 CSIDrivers: csi.example.com and csi.spiffe.io (ephemeral only)",
	       "\"fast\" (csi.example.com, default)",
	       "\"standard\" (rancher.io/local-path, not CSI)",
	       "VolumeSnapshotClass: \"csi-snap\" (csi.example.com)", "not exercised", NULL);
	expect("storage", "csi-no-snapshots", "STO-4.1", VERDICT_PARTIAL,
	       "VolumeSnapshotClass for csi.example.com", "snapshot.storage.k8s.io not served",
	       NULL);
	expect("storage", "csi-snapshots-forbidden", "STO-4.1", VERDICT_PARTIAL, "snapshot",
	       "\"gp3\" (ebs.csi.aws.com, default)", "volumesnapshotclasses: 403 Forbidden", NULL);
	expect("storage", "local-path", "STO-4.1", VERDICT_NO, "install a CSI driver",
	       "no CSIDriver objects", "\"standard\" (rancher.io/local-path, not CSI, default)",
	       NULL);
	expect("storage", "ephemeral-only", "STO-4.1", VERDICT_NO, "install a CSI driver",
	       "csi.spiffe.io (ephemeral only)", NULL);
	expect("storage", "driver-without-class", "STO-4.1", VERDICT_PARTIAL,
	       "create a StorageClass", "1 CSIDriver: csi.example.com", "no StorageClass", NULL);
	expect("storage", "forbidden", "STO-4.1", VERDICT_ERROR, "read access",
	       "cannot list storage.k8s.io/csidrivers: 403 Forbidden",
	       "cannot list storage.k8s.io/storageclasses: 403", NULL);
}

static void test_storage_gds(void **state)
{
	(void)state;
	expect("storage", "gds-enabled", "STO-4.2", VERDICT_PARTIAL, "gdscheck",
	       "ClusterPolicy \"cluster-policy\": spec.gds.enabled true",
	       "not exercised: kaic has no GPUDirect Storage test yet",
	       "nvidia-fs containers in DaemonSet gpu-operator/nvidia-driver-daemonset", NULL);
	expect("storage", "gds-disabled", "STO-4.2", VERDICT_NO, "spec.gds.enabled",
	       "spec.gds.enabled false", NULL);
	expect("storage", "gds-node-label", "STO-4.2", VERDICT_PARTIAL, NULL,
	       "feature.node.kubernetes.io/kernel-loadedmodule.nvidia_fs on 1 node", NULL);
	expect("storage", "gds-forbidden", "STO-4.2", VERDICT_ERROR, NULL,
	       "cannot list apps/daemonsets: 403 Forbidden", NULL);
}

static void test_security_netpol(void **state)
{
	(void)state;
	expect("security", "cilium", "SEC-5.1", VERDICT_PARTIAL, "active test",
	       "CNI Cilium: DaemonSet kube-system/cilium (enforces NetworkPolicy)",
	       "cilium.io CiliumNetworkPolicy", "AdminNetworkPolicy",
	       "1 NetworkPolicy (1 with Egress rules)", "not exercised", NULL);
	expect("security", "flannel", "SEC-5.1", VERDICT_NO, "flannel does not enforce",
	       "CNI flannel: DaemonSet kube-flannel/kube-flannel-ds (no NetworkPolicy", NULL);
	expect("security", "flannel-with-policy-agent", "SEC-5.1", VERDICT_PARTIAL, NULL,
	       "kube-network-policies", NULL);
	expect("security", "kindnet-old", "SEC-5.1", VERDICT_NO, "kindnet does not enforce",
	       "kindest/kindnetd:v20240513-cd2ac642", NULL);
	expect("security", "kindnet-new", "SEC-5.1", VERDICT_PARTIAL, NULL,
	       "CNI kindnet: DaemonSet kube-system/kindnet (enforces NetworkPolicy", NULL);
	expect("security", "kindnet-policy-off", "SEC-5.1", VERDICT_NO, NULL,
	       "policy disabled by --network-policy=false", NULL);
	expect("security", "kindnet-untagged", "SEC-5.1", VERDICT_PARTIAL, NULL,
	       "NetworkPolicy support unknown", NULL);
	expect("security", "cni-unknown", "SEC-5.1", VERDICT_PARTIAL, "active test",
	       "CNI not identified", "no egress policy API", NULL);
	expect("security", "calico-crds-only", "SEC-5.1", VERDICT_PARTIAL, NULL,
	       "CNI Calico: API group crd.projectcalico.org served", "GlobalNetworkPolicy", NULL);
	expect("security", "daemonsets-forbidden", "SEC-5.1", VERDICT_ERROR, NULL,
	       "cannot list apps/daemonsets: 403 Forbidden", NULL);
}

static void test_security_identity(void **state)
{
	(void)state;
	expect("security", "spire", "SEC-5.2", VERDICT_PARTIAL, "SVID", "CSIDriver csi.spiffe.io",
	       "ClusterSPIFFEID served", "1 object: default",
	       "SPIRE agent: DaemonSet spire-system/spire-agent", NULL);
	expect("security", "istio-only", "SEC-5.2", VERDICT_PARTIAL, "SPIFFE CSI driver",
	       "security.istio.io PeerAuthentication served", NULL);
	expect("security", "trust-bundle-only", "SEC-5.2", VERDICT_NO, "install SPIRE",
	       "ClusterTrustBundle served (Kubernetes trust distribution; issues no identities)",
	       NULL);
	expect("security", "csidrivers-forbidden", "SEC-5.2", VERDICT_ERROR, NULL,
	       "csidrivers: 403", NULL);
}

static void test_security_runtimes(void **state)
{
	(void)state;
	expect("security", "runtimes", "SEC-5.3", VERDICT_PARTIAL, "active test",
	       "RuntimeClass \"gvisor\" (handler runsc: gVisor)",
	       "RuntimeClass \"kata-qemu\" (handler kata-qemu: Kata Containers; nodeSelector "
	       "matches 1 node)",
	       "RuntimeClass \"kata-qemu-tdx\" (handler kata-qemu-tdx", NULL);
	expect("security", "runtime-plain", "SEC-5.3", VERDICT_NO, "gVisor",
	       "1 RuntimeClass, none with a sandbox handler", NULL);
	expect("security", "agent-sandbox-only", "SEC-5.3", VERDICT_PARTIAL, "add a RuntimeClass",
	       "agents.x-k8s.io Sandbox served", NULL);
	expect("security", "runtimeclasses-forbidden", "SEC-5.3", VERDICT_ERROR, NULL,
	       "runtimeclasses: 403", NULL);

	expect("security", "runtimes", "SEC-5.4", VERDICT_PARTIAL, "active test",
	       "RuntimeClass \"kata-qemu-tdx\" (handler kata-qemu-tdx: Kata Containers on Intel "
	       "TDX)",
	       "Intel TDX: feature.node.kubernetes.io/cpu-security.tdx.enabled=true on 1 node",
	       NULL);
	expect("security", "coco-dev", "SEC-5.4", VERDICT_PARTIAL, "kata-qemu-tdx",
	       "development handler without TEE", NULL);
	expect("security", "tee-labels", "SEC-5.4", VERDICT_PARTIAL, "Confidential Containers",
	       "AMD SEV-SNP", "no confidential RuntimeClass", NULL);
	expect("security", "runtime-plain", "SEC-5.4", VERDICT_NO, "TEE", NULL);
	expect("security", "runtimeclasses-forbidden", "SEC-5.4", VERDICT_ERROR, NULL, NULL);
}

static void test_security_signatures(void **state)
{
	(void)state;
	expect("security", "sigstore-enforce", "SEC-5.5", VERDICT_PARTIAL, "unsigned image",
	       "Sigstore policy-controller: ValidatingWebhookConfiguration policy.sigstore.dev "
	       "(failurePolicy Fail)",
	       "1 ClusterImagePolicy object verifying images: signed-only (enforce)", NULL);
	expect("security", "sigstore-warn", "SEC-5.5", VERDICT_PARTIAL, "enforcing",
	       "signed-only (audit/warn)", NULL);
	expect("security", "kyverno-enforce", "SEC-5.5", VERDICT_PARTIAL, "unsigned image",
	       "Kyverno: 1 ClusterPolicy object verifying images: check-image (enforce)",
	       "kyverno-resource-validating-webhook-cfg", NULL);
	expect("security", "cni-unknown", "SEC-5.5", VERDICT_NO, "install Sigstore",
	       "no image-signature admission engine", NULL);
	expect("security", "webhooks-forbidden", "SEC-5.5", VERDICT_ERROR, NULL,
	       "validatingwebhookconfigurations: 403", NULL);
}

static void test_observability_metrics(void **state)
{
	(void)state;
	expect("observability", "prometheus-operator", "OBS-6.1", VERDICT_PARTIAL, "active test",
	       "Prometheus Operator: 1 Prometheus: monitoring/k8s",
	       "1 ServiceMonitor: inference/vllm", "1 PodMonitor: inference/triton", NULL);
	expect("observability", "operator-crds-only", "OBS-6.1", VERDICT_PARTIAL,
	       "deploy a collector", "0 Prometheuses", "no collector found", NULL);
	expect("observability", "annotations", "OBS-6.1", VERDICT_PARTIAL, "active test",
	       "Prometheus: Deployment monitoring/prometheus-server",
	       "prometheus.io/scrape=true on 1 workload pod template and 0 Services", NULL);
	expect("observability", "annotations-no-collector", "OBS-6.1", VERDICT_NO,
	       "Prometheus Operator", "on 0 workload pod templates and 1 Service",
	       "no metrics collector", NULL);
	expect("observability", "gmp", "OBS-6.1", VERDICT_PARTIAL, NULL,
	       "Google Managed Prometheus: 0 PodMonitorings (managed collection)", NULL);
	expect("observability", "otel-prometheus", "OBS-6.1", VERDICT_PARTIAL, NULL,
	       "OpenTelemetryCollector observability/metrics with a prometheus receiver", NULL);
	expect("observability", "nothing", "OBS-6.1", VERDICT_NO, "Prometheus Operator",
	       "no metrics collector", NULL);
	expect("observability", "deployments-forbidden", "OBS-6.1", VERDICT_ERROR, NULL,
	       "cannot list apps/deployments: 403 Forbidden", NULL);
}

static void test_observability_tracing(void **state)
{
	(void)state;
	expect("observability", "tracing-full", "OBS-6.2", VERDICT_PARTIAL, "can be read back",
	       "1 OpenTelemetryCollector: observability/otel (OTLP receiver)",
	       "Service observability/otel-collector: 4317 OTLP/gRPC and 4318 OTLP/HTTP",
	       "Service observability/jaeger-query: 16686 Jaeger query", NULL);
	expect("observability", "tracing-no-backend", "OBS-6.2", VERDICT_PARTIAL,
	       "add a trace backend", "no trace backend found", NULL);
	expect("observability", "instrumentation-only", "OBS-6.2", VERDICT_PARTIAL,
	       "create an OpenTelemetryCollector", "1 Instrumentation: inference/python",
	       "no Service on the OTLP ports", NULL);
	expect("observability", "nothing", "OBS-6.2", VERDICT_NO, "OpenTelemetry operator", NULL);
	expect("observability", "services-forbidden", "OBS-6.2", VERDICT_ERROR, NULL,
	       "cannot list services: 403", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_registry),
	    cmocka_unit_test(test_storage_csi),
	    cmocka_unit_test(test_storage_gds),
	    cmocka_unit_test(test_security_netpol),
	    cmocka_unit_test(test_security_identity),
	    cmocka_unit_test(test_security_runtimes),
	    cmocka_unit_test(test_security_signatures),
	    cmocka_unit_test(test_observability_metrics),
	    cmocka_unit_test(test_observability_tracing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
