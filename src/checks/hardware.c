/* hardware.c: the checks of the Hardware domain: DRA for accelerators (HW-1.1),
 * accelerator utilization and memory metrics (HW-1.2) and automated fault detection
 * and remediation (HW-1.3). Passive parts only read the shared inventory. */
#include "checks/checks.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/hw_metrics.h"
#include "checks/known.h"
#include "checks/util.h"
#include "prom/prom.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#define DRA "resource.k8s.io"
#define MAX_NAMES 5 /* names shown in one evidence list */

static void driver_evidence(struct check_result *res, const struct cutil_driver *d)
{
	const struct known_dra_driver *k = known_dra_driver_find(d->driver);
	char *nodes = cutil_set_join(&d->nodes, MAX_NAMES);
	check_evidence(res, "%zu device%s on %zu node%s (%s) from driver %s (%s%s%s)", d->devices,
		       d->devices == 1 ? "" : "s", d->nodes.n, d->nodes.n == 1 ? "" : "s", nodes,
		       d->driver, k ? k->vendor : "unrecognised driver", k ? " " : "",
		       k ? k->what : "");
	free(nodes);
}

/* The DeviceClasses, with the drivers their CEL selectors name. */
static size_t device_classes(const json_t *classes, struct check_result *res)
{
	struct cutil_set names = CUTIL_SET_INIT;
	size_t i;
	const json_t *c;
	json_array_foreach(classes, i, c) {
		cutil_set_add(&names, cutil_name(c));
	}
	cutil_set_sort(&names);
	char *list = cutil_set_join(&names, MAX_NAMES);
	check_evidence(res, "%zu DeviceClass%s: %s", names.n, names.n == 1 ? "" : "es", list);
	free(list);
	size_t n = names.n;
	cutil_set_release(&names);
	return n;
}

/* HW-1.1: resource.k8s.io served (v1 = GA), DeviceClasses, devices by driver and node. */
static void hw_dra_passive(struct check_ctx *ctx, struct check_result *res)
{
	struct inventory *inv = ctx->inv;
	int errors = 0;
	char *versions = cutil_versions(inv, DRA, "resourceslices");
	if (versions == NULL) {
		check_evidence(res, "%s is not served: Dynamic Resource Allocation is disabled",
			       DRA);
		cutil_decide(res, 0, VERDICT_NO, VERDICT_FULL,
			     "enable DRA (served as resource.k8s.io/v1 since Kubernetes 1.34) and "
			     "install the accelerator vendor's DRA driver");
		return;
	}
	bool ga = inventory_served(inv, DRA, "v1", "resourceslices");
	if (ga)
		check_evidence(res, "%s/v1 served (versions: %s)", DRA, versions);
	else
		check_evidence(res, "%s/v1 not served, only %s: pre-GA DRA API", DRA, versions);
	free(versions);

	size_t nclasses =
	    device_classes(cutil_list(inv, DRA, NULL, "deviceclasses", res, &errors), res);
	struct cutil_devices devs = {0};
	cutil_devices_collect(cutil_list(inv, DRA, NULL, "resourceslices", res, &errors), &devs);
	struct cutil_driver *drv = NULL;
	size_t ndrv = cutil_devices_by_driver(&devs, &drv);
	size_t accel = 0;
	for (size_t k = 0; k < ndrv; k++) {
		driver_evidence(res, &drv[k]);
		if (hw_accel_driver(drv[k].driver))
			accel += drv[k].devices;
	}
	if (ndrv == 0)
		check_evidence(res, "no ResourceSlice publishes devices");
	cutil_drivers_free(drv, ndrv);
	cutil_devices_release(&devs);

	if (!ga)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "upgrade to Kubernetes 1.34 or later so that resource.k8s.io/v1 is "
			     "served, and use a DRA driver release for it");
	else if (accel == 0)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "install the accelerator vendor's DRA driver (gpu.nvidia.com, "
			     "gpu.amd.com, gpu.intel.com, ...) so that it publishes devices");
	else if (nclasses == 0)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "create a DeviceClass selecting the accelerator driver's devices");
	else
		cutil_decide(res, errors, VERDICT_FULL, VERDICT_FULL, NULL);
}

/* ---- HW-1.3: fault detection and remediation ---- */

struct faults {
	struct cutil_set detect, remediate; /* what was found, for evidence */
};

static bool has_gpu_word(const char *s, const char *const *words)
{
	for (const char *const *w = words; *w != NULL; w++)
		if (cutil_contains_ci(s, *w))
			return true;
	return false;
}

/* Whether a detector workload carries an accelerator rule: in its container args or in
 * the ConfigMaps it mounts. */
static bool gpu_rule(struct inventory *inv, const json_t *wl, struct check_result *res, int *errors)
{
	char *text = json_dumps(cutil_get(wl, "spec.template.spec.containers"), JSON_COMPACT);
	bool found = text != NULL && has_gpu_word(text, known_gpu_rule_words);
	free(text);
	if (found)
		return true;
	/* the mounted ConfigMaps by name: no cluster-wide list of every ConfigMap's data */
	size_t i;
	const json_t *v;
	json_array_foreach(cutil_get(wl, "spec.template.spec.volumes"), i, v) {
		const char *name = cutil_str(v, "configMap.name");
		const json_t *cm = name ? cutil_get_named(inv, "", "v1", "configmaps", cutil_ns(wl),
							  name, res, errors)
					: NULL;
		char *data = cm ? json_dumps(json_object_get(cm, "data"), JSON_COMPACT) : NULL;
		found = data != NULL && has_gpu_word(data, known_gpu_rule_words);
		free(data);
		if (found)
			break;
	}
	return found;
}

static void fault_workloads(struct inventory *inv, const json_t *items, struct faults *f,
			    struct check_result *res, int *errors)
{
	size_t i;
	const json_t *wl;
	json_array_foreach(items, i, wl) {
		for (const struct known_fault_component *c = known_fault_components; c->name; c++) {
			if (!cutil_matches(wl, c->workload_names, c->labels))
				continue;
			char *ref = cutil_ref(wl);
			if (c->needs_gpu_rule && !gpu_rule(inv, wl, res, errors)) {
				check_evidence(res,
					       "%s (%s) has no accelerator rule in its "
					       "configuration",
					       c->name, ref);
			} else {
				if (c->roles & KNOWN_DETECT)
					cutil_set_addf(&f->detect, "%s (%s)", c->name, ref);
				if (c->roles & KNOWN_REMEDIATE)
					cutil_set_addf(&f->remediate, "%s (%s)", c->name, ref);
			}
			free(ref);
			break;
		}
	}
}

static void fault_apis(struct inventory *inv, struct faults *f, struct check_result *res,
		       int *errors)
{
	for (const struct known_fault_api *a = known_fault_apis; a->group != NULL; a++) {
		if (!inventory_served(inv, a->group, NULL, a->resource))
			continue;
		const json_t *items = cutil_list(inv, a->group, NULL, a->resource, res, errors);
		struct cutil_set names = CUTIL_SET_INIT;
		size_t i;
		const json_t *o;
		json_array_foreach(items, i, o) {
			cutil_set_add(&names, cutil_name(o));
		}
		if (names.n == 0 && items != NULL)
			check_evidence(res, "%s (%s) served but no objects configure it", a->name,
				       a->group);
		else if (names.n > 0) {
			char *l = cutil_set_join(&names, MAX_NAMES);
			cutil_set_addf(&f->remediate, "%s (%s)", a->name, l);
			free(l);
		}
		cutil_set_release(&names);
	}
}

/* DRA device taints (a driver marking unhealthy devices), DeviceTaintRules, cordoned
 * nodes and accelerator-related node conditions. */
static void fault_state(struct inventory *inv, struct faults *f, struct check_result *res,
			int *errors)
{
	struct cutil_devices devs = {0};
	cutil_devices_collect(cutil_list(inv, DRA, NULL, "resourceslices", res, errors), &devs);
	size_t tainted = 0;
	for (size_t i = 0; i < devs.n; i++)
		if (json_array_size(devs.v[i].taints) > 0)
			tainted++;
	cutil_devices_release(&devs);
	if (tainted > 0)
		cutil_set_addf(&f->detect, "DRA device taints (%zu tainted device%s)", tainted,
			       tainted == 1 ? "" : "s");
	if (inventory_served(inv, DRA, NULL, "devicetaintrules")) {
		const json_t *rules = cutil_list(inv, DRA, NULL, "devicetaintrules", res, errors);
		check_evidence(res, "%s DeviceTaintRule served: %zu rule%s", DRA,
			       json_array_size(rules), json_array_size(rules) == 1 ? "" : "s");
	}
	struct cutil_set cordoned = CUTIL_SET_INIT, conds = CUTIL_SET_INIT;
	size_t i, j;
	const json_t *node, *c;
	json_array_foreach(cutil_list(inv, "", "v1", "nodes", res, errors), i, node) {
		if (json_is_true(cutil_get(node, "spec.unschedulable")))
			cutil_set_add(&cordoned, cutil_name(node));
		json_array_foreach(cutil_get(node, "status.conditions"), j, c) {
			const char *t = json_string_value(json_object_get(c, "type"));
			if (t != NULL && has_gpu_word(t, known_gpu_condition_words))
				cutil_set_addf(&conds, "%s=%s on %s", t,
					       json_string_value(json_object_get(c, "status")),
					       cutil_name(node));
		}
	}
	char *l = cutil_set_join(&cordoned, MAX_NAMES);
	check_evidence(res, "cordoned nodes: %s", l);
	free(l);
	if (conds.n > 0) {
		l = cutil_set_join(&conds, MAX_NAMES);
		check_evidence(res, "accelerator node conditions: %s", l);
		free(l);
		cutil_set_add(&f->detect, "accelerator node conditions set by a detector");
	}
	cutil_set_release(&cordoned);
	cutil_set_release(&conds);
}

static void hw_faults_passive(struct check_ctx *ctx, struct check_result *res)
{
	struct inventory *inv = ctx->inv;
	int errors = 0;
	struct faults f = {CUTIL_SET_INIT, CUTIL_SET_INIT};
	fault_workloads(inv, cutil_list(inv, "apps", "v1", "daemonsets", res, &errors), &f, res,
			&errors);
	fault_workloads(inv, cutil_list(inv, "apps", "v1", "deployments", res, &errors), &f, res,
			&errors);
	fault_apis(inv, &f, res, &errors);
	fault_state(inv, &f, res, &errors);
	char *d = cutil_set_join(&f.detect, MAX_NAMES);
	char *r = cutil_set_join(&f.remediate, MAX_NAMES);
	check_evidence(res, "detection: %s", d);
	check_evidence(res, "automated cordon/drain: %s", r);
	free(d);
	free(r);
	if (f.detect.n > 0 && f.remediate.n > 0)
		cutil_decide(res, errors, VERDICT_FULL, VERDICT_FULL, NULL);
	else if (f.detect.n > 0)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "add automated remediation that cordons and drains faulty nodes "
			     "(medik8s NodeHealthCheck on the GPU condition, NVSentinel)");
	else if (f.remediate.n > 0)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "add accelerator fault detection (node-problem-detector with a GPU "
			     "rule, NVSentinel, a DRA driver that taints unhealthy devices)");
	else
		cutil_decide(res, errors, VERDICT_NO, VERDICT_FULL,
			     "install accelerator fault detection with automated cordon and drain "
			     "(NVSentinel, or node-problem-detector plus medik8s NodeHealthCheck)");
	cutil_set_release(&f.detect);
	cutil_set_release(&f.remediate);
}

static const struct check hw_dra = {
    .id = "HW-1.1",
    .passive = hw_dra_passive,
    .active = active_hw11_run,
    .flags = CHECK_NEEDS_NAMESPACE | CHECK_FULL_NEEDS_ACTIVE,
};

static const struct check hw_metrics = {
    .id = "HW-1.2",
    .passive = hw_metrics_passive,
    .active = active_hw12_run,
    .flags = CHECK_NEEDS_NAMESPACE,
};

static const struct check hw_faults = {
    .id = "HW-1.3",
    .passive = hw_faults_passive,
    .flags = CHECK_NEEDS_NAMESPACE | CHECK_OPT_IN,
};

const struct check *const checks_hardware[] = {
    &hw_dra,
    &hw_metrics,
    &hw_faults,
    NULL,
};
