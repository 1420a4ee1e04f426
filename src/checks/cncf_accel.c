/* cncf_accel.c: the CNCF accelerator checks that read the cluster only:
 * secure_accelerator_access (its passive part; the active test is active_saa.c),
 * driver_runtime_management, gpu_sharing and virtualized_accelerator. */
#include "checks/cncf.h"

#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/known.h"
#include "checks/util.h"

#define DRA "resource.k8s.io"
#define NAMES_MAX 5

/* Evidence of where the accelerators come from; returns whether there are any. */
static bool accel_evidence(struct check_result *res, const struct cncf_accel *a)
{
	if (a->dra > 0)
		cutil_evidence_set(res, &a->dra_drivers, NAMES_MAX,
				   "%zu accelerator device%s published through DRA by ", a->dra,
				   cutil_plural(a->dra));
	if (a->plugin.n > 0) {
		char *nodes = cutil_set_join(&a->plugin_nodes, NAMES_MAX);
		cutil_evidence_set(res, &a->plugin, NAMES_MAX,
				   "device plugins advertise accelerators on %zu node%s (%s): ",
				   a->plugin_nodes.n, cutil_plural(a->plugin_nodes.n), nodes);
		free(nodes);
	}
	return a->dra > 0 || a->plugin.n > 0;
}

/* ---- secure_accelerator_access ---- */

static void saa_passive(struct check_ctx *ctx, struct check_result *res)
{
	int errors = 0;
	struct cncf_accel a;
	cncf_accel_read(ctx->inv, &a, res, &errors);
	bool any = accel_evidence(res, &a);
	cncf_accel_release(&a);
	if (!any && errors > 0) {
		cutil_read_error(res, errors);
	} else if (!any) {
		check_evidence(res, "no accelerator is published through DRA or advertised by a "
				    "device plugin");
		check_verdict(res, VERDICT_NO,
			      "install the accelerator vendor's DRA driver (or device plugin) so "
			      "that access to accelerators is mediated by Kubernetes");
	} else {
		check_evidence(res, "access is mediated by Kubernetes resource management; the "
				    "isolation between pods needs the active test");
		cutil_decide(res, errors, VERDICT_FULL, VERDICT_FULL, NULL);
	}
}

const struct check cncf_secure_accelerator_access = {
    .id = "secure_accelerator_access",
    .passive = saa_passive,
    .active = active_saa_run,
    .flags = CHECK_NEEDS_NAMESPACE | CHECK_FULL_NEEDS_ACTIVE,
};

/* ---- driver_runtime_management ---- */

/* Driver versions the accelerator DRA devices publish; returns how many lack one. */
static size_t dra_versions(const struct cncf_accel *a, struct cutil_set *versions)
{
	size_t missing = 0;
	for (size_t i = 0; i < a->devs.n; i++) {
		const struct cutil_device *d = &a->devs.v[i];
		char buf[128];
		const json_t *v = cutil_device_attr(d, "driverVersion");
		if (!cncf_device_accel(d))
			continue;
		if (v != NULL && cutil_attr_text(v, buf, sizeof buf))
			cutil_set_addf(versions, "%s %s", d->driver, buf);
		else
			missing++;
	}
	return missing;
}

/* Driver managers (DaemonSets/Deployments by name) ready; returns how many are. */
static size_t driver_managers(struct inventory *inv, struct check_result *res, int *errors,
			      size_t *found)
{
	static const char *const kinds[][2] = {{"daemonsets", "DaemonSet"},
					       {"deployments", "Deployment"}};
	size_t ready = 0;
	for (size_t k = 0; k < 2; k++) {
		size_t i;
		const json_t *w;
		json_array_foreach(cutil_list(inv, "apps", "v1", kinds[k][0], res, errors), i, w) {
			for (const struct known_workload *m = known_driver_managers; m->name; m++) {
				if (strstr(cutil_name(w), m->name) == NULL)
					continue;
				(*found)++;
				ready += cncf_workload_evidence(res, m->product, w);
				break;
			}
		}
	}
	return ready;
}

/* NVIDIA GPU Operator ClusterPolicies: returns how many report state ready. */
static size_t cluster_policies(struct inventory *inv, struct check_result *res, int *errors)
{
	size_t ready = 0, i;
	const json_t *cp;
	json_array_foreach(cutil_list(inv, "nvidia.com", NULL, "clusterpolicies", res, errors), i,
			   cp) {
		const char *state = cutil_str(cp, "status.state");
		check_evidence(res, "NVIDIA GPU Operator ClusterPolicy %s: state %s",
			       cutil_name(cp), state ? state : "(none)");
		ready += state != NULL && strcmp(state, "ready") == 0;
	}
	return ready;
}

/* Container runtimes of the accelerator nodes (evidence). */
static void runtimes(struct check_result *res, const struct cncf_accel *a)
{
	struct cutil_set accel_nodes = CUTIL_SET_INIT, rt = CUTIL_SET_INIT;
	for (size_t i = 0; i < a->devs.n; i++)
		if (cncf_device_accel(&a->devs.v[i]))
			cutil_set_add(&accel_nodes, a->devs.v[i].node);
	size_t i;
	const json_t *node;
	json_array_foreach(a->nodes, i, node) {
		const char *v = cutil_str(node, "status.nodeInfo.containerRuntimeVersion");
		if (v != NULL && (cutil_set_has(&accel_nodes, cutil_name(node)) ||
				  cutil_set_has(&a->plugin_nodes, cutil_name(node))))
			cutil_set_add(&rt, v);
	}
	if (rt.n)
		cutil_evidence_set(res, &rt, NAMES_MAX,
				   "container runtimes of the accelerator nodes: ");
	cutil_set_release(&accel_nodes);
	cutil_set_release(&rt);
}

static void drm_passive(struct check_ctx *ctx, struct check_result *res)
{
	int errors = 0;
	struct cncf_accel a;
	cncf_accel_read(ctx->inv, &a, res, &errors);
	bool any = accel_evidence(res, &a);
	struct cutil_set versions = CUTIL_SET_INIT;
	size_t missing = dra_versions(&a, &versions);
	if (a.dra > 0)
		cutil_evidence_set(res, &versions, NAMES_MAX,
				   "%zu of %zu accelerator DRA devices publish driverVersion%s",
				   a.dra - missing, a.dra, versions.n ? ": " : "");
	size_t found = 0;
	size_t managed = driver_managers(ctx->inv, res, &errors, &found);
	managed += cluster_policies(ctx->inv, res, &errors);
	if (found == 0 && managed == 0)
		check_evidence(res, "no accelerator driver manager (GPU Operator, driver "
				    "DaemonSet) found");
	runtimes(res, &a);
	bool dra_ok = a.dra > 0 && missing == 0;
	if (!any)
		cutil_decide(res, errors, VERDICT_NO, VERDICT_FULL,
			     "no accelerator found: install the accelerator's driver and its "
			     "DRA driver or device plugin");
	else if (managed > 0 && (dra_ok || a.dra == 0))
		cutil_decide(res, errors, VERDICT_FULL, VERDICT_FULL, NULL);
	else if (managed > 0 || dra_ok)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     managed > 0 ? "publish the driver version of every accelerator "
					   "device as a DRA attribute (driverVersion)"
					 : "manage the accelerator drivers and runtime with an "
					   "operator (e.g. the NVIDIA GPU Operator) whose "
					   "workloads are Ready");
	else
		cutil_decide(res, errors, VERDICT_NO, VERDICT_FULL,
			     "manage the accelerator drivers with an operator and publish their "
			     "versions through DRA (driverVersion)");
	cutil_set_release(&versions);
	cncf_accel_release(&a);
}

const struct check cncf_driver_runtime_management = {
    .id = "driver_runtime_management",
    .passive = drm_passive,
};

/* ---- gpu_sharing ---- */

/* DRA sharing: partitionable devices (sharedCounters / consumesCounters) and devices
 * that allow several allocations; into found. */
static void dra_sharing(struct inventory *inv, struct check_result *res, int *errors,
			struct cutil_set *found)
{
	size_t i, j;
	const json_t *s, *d;
	json_array_foreach(cutil_list(inv, DRA, NULL, "resourceslices", res, errors), i, s) {
		const char *drv = cutil_str(s, "spec.driver");
		struct cutil_device probe = {.driver = drv ? drv : ""};
		if (!cncf_device_accel(&probe))
			continue;
		if (json_array_size(cutil_get(s, "spec.sharedCounters")) > 0)
			cutil_set_addf(found, "partitionable devices (sharedCounters) from %s",
				       probe.driver);
		json_array_foreach(cutil_get(s, "spec.devices"), j, d) {
			if (json_array_size(json_object_get(d, "consumesCounters")) > 0 ||
			    json_array_size(cutil_get(d, "basic.consumesCounters")) > 0)
				cutil_set_addf(found,
					       "partitions consuming shared counters from %s",
					       probe.driver);
			if (json_is_true(json_object_get(d, "allowMultipleAllocations")))
				cutil_set_addf(found,
					       "devices allowing multiple allocations from %s",
					       probe.driver);
		}
	}
}

static bool shared_resource(const char *name)
{
	return strstr(name, "/mig-") != NULL || strstr(name, ".shared") != NULL ||
	       cutil_contains_ci(name, "vgpu-share") || strstr(name, "gpumem") != NULL;
}

/* Device-plugin sharing: fractional resources and sharing labels on nodes; returns
 * whether a schedulable fractional resource or oversubscription is exposed. */
static bool plugin_sharing(const json_t *nodes, struct cutil_set *found)
{
	bool schedulable = false;
	size_t i;
	const json_t *n;
	json_array_foreach(nodes, i, n) {
		const char *key;
		const json_t *q;
		json_object_foreach((json_t *)cutil_get(n, "status.allocatable"), key, q) {
			const char *v = json_string_value(q);
			if (!shared_resource(key) || v == NULL || strcmp(v, "0") == 0)
				continue;
			cutil_set_addf(found, "fractional resource %s", key);
			schedulable = true;
		}
		for (const struct known_label *l = known_sharing_node_labels; l->key; l++) {
			const char *v = cutil_label(n, l->key);
			if (v == NULL)
				continue;
			cutil_set_addf(found, "%s %s=%s", l->what, l->key, v);
			if (strcmp(v, "time-slicing") == 0 || strcmp(v, "mps") == 0 ||
			    (strcmp(l->key, "nvidia.com/gpu.replicas") == 0 &&
			     strtol(v, NULL, 10) > 1))
				schedulable = true;
		}
	}
	return schedulable;
}

static void sharing_passive(struct check_ctx *ctx, struct check_result *res)
{
	int errors = 0;
	struct cncf_accel a;
	cncf_accel_read(ctx->inv, &a, res, &errors);
	bool any = accel_evidence(res, &a);
	struct cutil_set dra = CUTIL_SET_INIT, plugin = CUTIL_SET_INIT;
	dra_sharing(ctx->inv, res, &errors, &dra);
	bool schedulable = plugin_sharing(a.nodes, &plugin) || dra.n > 0;
	if (dra.n)
		cutil_evidence_set(res, &dra, 0, "DRA sharing: ");
	if (plugin.n)
		cutil_evidence_set(res, &plugin, NAMES_MAX, "device-plugin sharing: ");
	if (dra.n + plugin.n == 0)
		check_evidence(res, "no GPU sharing mechanism (partitionable DRA devices, MIG, "
				    "time-slicing, MPS) found");
	if (!any)
		cutil_decide(res, errors, VERDICT_NO, VERDICT_FULL,
			     "no accelerator found: install the accelerator's DRA driver or "
			     "device plugin");
	else if (schedulable)
		cutil_decide(res, errors, VERDICT_FULL, VERDICT_FULL, NULL);
	else if (plugin.n > 0)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "expose the configured sharing as schedulable resources (MIG "
			     "resources, time-slicing replicas)");
	else
		cutil_decide(res, errors, VERDICT_NO, VERDICT_FULL,
			     "enable a GPU sharing strategy: partitionable devices through DRA, "
			     "MIG, time-slicing or MPS");
	cutil_set_release(&dra);
	cutil_set_release(&plugin);
	cncf_accel_release(&a);
}

const struct check cncf_gpu_sharing = {
    .id = "gpu_sharing",
    .passive = sharing_passive,
};

/* ---- virtualized_accelerator ---- */

static bool vgpu_word(const char *s)
{
	for (const char *const *w = known_vgpu_words; *w; w++)
		if (cutil_contains_ci(s, *w))
			return true;
	return false;
}

/* Accelerator DRA devices whose attribute names or values mark a virtual device. */
static void dra_vgpu(const struct cncf_accel *a, struct cutil_set *found)
{
	for (size_t i = 0; i < a->devs.n; i++) {
		const struct cutil_device *d = &a->devs.v[i];
		if (!cncf_device_accel(d))
			continue;
		const char *key;
		const json_t *v;
		json_object_foreach((json_t *)d->attrs, key, v) {
			char buf[256];
			if (vgpu_word(key) ||
			    (cutil_attr_text(v, buf, sizeof buf) && vgpu_word(buf))) {
				cutil_set_addf(found, "DRA device %s/%s (%s)", d->driver, d->name,
					       key);
				break;
			}
		}
	}
}

static void vgpu_nodes(const json_t *nodes, struct cutil_set *resources, struct cutil_set *labels)
{
	size_t i;
	const json_t *n;
	json_array_foreach(nodes, i, n) {
		const char *key;
		const json_t *q;
		json_object_foreach((json_t *)cutil_get(n, "status.allocatable"), key, q) {
			const char *v = json_string_value(q);
			if (vgpu_word(key) && v != NULL && strcmp(v, "0") != 0)
				cutil_set_addf(resources, "%s on %s", key, cutil_name(n));
		}
		for (const struct known_label *l = known_vgpu_node_labels; l->key; l++)
			if (cutil_label(n, l->key) != NULL)
				cutil_set_addf(labels, "%s (%s=%s)", l->what, l->key,
					       cutil_label(n, l->key));
		const char *product = cutil_label(n, "nvidia.com/gpu.product");
		if (product != NULL && vgpu_word(product))
			cutil_set_addf(labels, "vGPU product %s", product);
	}
}

static void vgpu_passive(struct check_ctx *ctx, struct check_result *res)
{
	int errors = 0;
	struct cncf_accel a;
	cncf_accel_read(ctx->inv, &a, res, &errors);
	bool any = accel_evidence(res, &a);
	struct cutil_set dra = CUTIL_SET_INIT, resources = CUTIL_SET_INIT, labels = CUTIL_SET_INIT;
	dra_vgpu(&a, &dra);
	vgpu_nodes(a.nodes, &resources, &labels);
	if (dra.n)
		cutil_evidence_set(res, &dra, NAMES_MAX, "virtual accelerators through DRA: ");
	if (resources.n)
		cutil_evidence_set(res, &resources, NAMES_MAX, "virtual accelerator resources: ");
	if (labels.n)
		cutil_evidence_set(res, &labels, NAMES_MAX, "vGPU node signals: ");
	if (dra.n + resources.n + labels.n == 0)
		check_evidence(res, "no virtualized accelerator (vGPU device, resource or "
				    "node label) found");
	const char *na = "if the accelerators support no virtualization, report N/A with notes";
	if (!any)
		cutil_decide(res, errors, VERDICT_NO, VERDICT_FULL,
			     "no accelerator found; if the accelerators support no "
			     "virtualization, report N/A with notes");
	else if (dra.n + resources.n > 0)
		cutil_decide(res, errors, VERDICT_FULL, VERDICT_FULL, NULL);
	else if (labels.n > 0)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "expose the vGPUs as schedulable resources (DRA devices or "
			     "extended resources)");
	else
		cutil_decide(res, errors, VERDICT_NO, VERDICT_FULL, na);
	cutil_set_release(&dra);
	cutil_set_release(&resources);
	cutil_set_release(&labels);
	cncf_accel_release(&a);
}

const struct check cncf_virtualized_accelerator = {
    .id = "virtualized_accelerator",
    .passive = vgpu_passive,
};
