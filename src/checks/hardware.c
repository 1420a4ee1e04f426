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

	const json_t *classes, *slices;
	size_t nclasses = 0;
	if (cutil_list_read(inv, DRA, NULL, "deviceclasses", res, &errors, &classes))
		nclasses = device_classes(classes, res);
	struct cutil_devices devs = {0};
	bool slices_read = cutil_list_read(inv, DRA, NULL, "resourceslices", res, &errors, &slices);
	cutil_devices_collect(slices, &devs);
	struct cutil_driver *drv = NULL;
	size_t ndrv = cutil_devices_by_driver(&devs, &drv);
	size_t accel = 0;
	for (size_t k = 0; k < ndrv; k++) {
		driver_evidence(res, &drv[k]);
		if (hw_accel_driver(drv[k].driver))
			accel += drv[k].devices;
	}
	if (ndrv == 0 && slices_read)
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

/* What HW-1.3 found. Full needs a tie: automated remediation that acts on an
 * accelerator fault signal (a node condition a detector sets for accelerators), or a
 * component that detects and remediates accelerator faults itself. */
struct faults {
	struct cutil_set detect, remediate; /* what was found, for evidence */
	struct cutil_set accel_types;	    /* accelerator fault condition types */
	struct cutil_set ties;		    /* remediation acting on such a signal */
	struct cutil_set untied;	    /* remediation acting on none: why */
};

static bool has_gpu_word(const char *s, const char *const *words)
{
	for (const char *const *w = words; *w != NULL; w++)
		if (cutil_contains_ci(s, *w))
			return true;
	return false;
}

/* The condition types an accelerator rule file of node-problem-detector sets: its
 * "conditions[].type" and "rules[].condition" when the file mentions accelerators. */
static void npd_condition_types(const char *config, struct faults *f)
{
	if (!has_gpu_word(config, known_gpu_rule_words))
		return;
	json_t *doc = json_loads(config, 0, NULL);
	size_t i;
	const json_t *c;
	json_array_foreach(json_object_get(doc, "conditions"), i, c) {
		const char *t = cutil_str(c, "type");
		if (t != NULL && *t != '\0')
			cutil_set_add(&f->accel_types, t);
	}
	json_array_foreach(json_object_get(doc, "rules"), i, c) {
		const char *t = cutil_str(c, "condition");
		if (t != NULL && *t != '\0')
			cutil_set_add(&f->accel_types, t);
	}
	json_decref(doc);
}

/* Whether a detector workload carries an accelerator rule: in its container args or in
 * the ConfigMaps it mounts (whose rule files' condition types go to f->accel_types). */
static bool gpu_rule(struct inventory *inv, const json_t *wl, struct faults *f,
		     struct check_result *res, int *errors)
{
	char *text = json_dumps(cutil_get(wl, "spec.template.spec.containers"), JSON_COMPACT);
	bool found = text != NULL && has_gpu_word(text, known_gpu_rule_words);
	free(text);
	/* the mounted ConfigMaps by name: no cluster-wide list of every ConfigMap's data */
	size_t i;
	const json_t *v;
	json_array_foreach(cutil_get(wl, "spec.template.spec.volumes"), i, v) {
		const char *name = cutil_str(v, "configMap.name");
		const json_t *cm = name ? cutil_get_named(inv, "", "v1", "configmaps", cutil_ns(wl),
							  name, res, errors)
					: NULL;
		const char *key;
		const json_t *val;
		json_object_foreach((json_t *)json_object_get(cm, "data"), key, val) {
			const char *t = json_string_value(val);
			if (t != NULL && has_gpu_word(t, known_gpu_rule_words)) {
				found = true;
				npd_condition_types(t, f);
			}
		}
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
			if (c->needs_gpu_rule && !gpu_rule(inv, wl, f, res, errors)) {
				check_evidence(res,
					       "%s (%s) has no accelerator rule in its "
					       "configuration",
					       c->name, ref);
			} else {
				if (c->roles & KNOWN_DETECT)
					cutil_set_addf(&f->detect, "%s (%s)", c->name, ref);
				if (c->roles & KNOWN_REMEDIATE)
					cutil_set_addf(&f->remediate, "%s (%s)", c->name, ref);
				if ((c->roles & KNOWN_DETECT) && (c->roles & KNOWN_REMEDIATE))
					cutil_set_addf(&f->ties,
						       "%s (%s) detects accelerator faults and "
						       "remediates them itself",
						       c->name, ref);
			}
			free(ref);
			break;
		}
	}
}

/* The condition types a remediation object acts on: medik8s NodeHealthCheck and Cluster
 * API MachineHealthCheck v1beta1 spec.unhealthyConditions[].type, MachineHealthCheck
 * v1beta2 spec.checks.unhealthyNodeConditions[].type. */
static void acted_types(const json_t *o, struct cutil_set *types)
{
	static const char *const paths[] = {"spec.unhealthyConditions",
					    "spec.checks.unhealthyNodeConditions"};
	for (size_t k = 0; k < sizeof(paths) / sizeof(paths[0]); k++) {
		size_t i;
		const json_t *c;
		json_array_foreach(cutil_get(o, paths[k]), i, c) {
			const char *t = cutil_str(c, "type");
			if (t != NULL)
				cutil_set_add(types, t);
		}
	}
}

/* Whether a condition type is an accelerator fault signal: one a detector's accelerator
 * rule sets, or an accelerator condition observed on a node (a name alone is not). */
static bool accel_type(const struct faults *f, const char *t)
{
	return cutil_set_has(&f->accel_types, t);
}

/* Ties one remediation object to the accelerator fault signals it acts on. */
static void tie_remediation(struct faults *f, const char *what, const json_t *o)
{
	struct cutil_set types = CUTIL_SET_INIT, accel = CUTIL_SET_INIT;
	acted_types(o, &types);
	for (size_t i = 0; i < types.n; i++)
		if (accel_type(f, types.v[i]))
			cutil_set_add(&accel, types.v[i]);
	char *on = cutil_set_join(accel.n > 0 ? &accel : &types, MAX_NAMES);
	if (accel.n > 0)
		cutil_set_addf(&f->ties, "%s %s remediates on %s", what, cutil_name(o), on);
	else
		cutil_set_addf(&f->untied,
			       "%s %s acts on no accelerator fault condition (its "
			       "unhealthy conditions: %s)",
			       what, cutil_name(o), on);
	free(on);
	cutil_set_release(&types);
	cutil_set_release(&accel);
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

/* After detection is known: which remediation objects act on accelerator signals. */
static void fault_ties(struct inventory *inv, struct faults *f, struct check_result *res,
		       int *errors)
{
	for (const struct known_fault_api *a = known_fault_apis; a->group != NULL; a++) {
		if (!inventory_served(inv, a->group, NULL, a->resource))
			continue;
		size_t i;
		const json_t *o;
		json_array_foreach(cutil_list(inv, a->group, NULL, a->resource, res, errors), i,
				   o) {
			tie_remediation(f, a->name, o);
		}
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
		const json_t *rules;
		if (cutil_list_read(inv, DRA, NULL, "devicetaintrules", res, errors, &rules))
			check_evidence(res, "%s DeviceTaintRule served: %zu rule%s", DRA,
				       json_array_size(rules),
				       json_array_size(rules) == 1 ? "" : "s");
	}
	struct cutil_set cordoned = CUTIL_SET_INIT, conds = CUTIL_SET_INIT;
	size_t i, j;
	const json_t *node, *c, *nodes;
	bool nodes_read = cutil_list_read(inv, "", "v1", "nodes", res, errors, &nodes);
	json_array_foreach(nodes, i, node) {
		if (json_is_true(cutil_get(node, "spec.unschedulable")))
			cutil_set_add(&cordoned, cutil_name(node));
		json_array_foreach(cutil_get(node, "status.conditions"), j, c) {
			const char *t = json_string_value(json_object_get(c, "type"));
			if (t != NULL && has_gpu_word(t, known_gpu_condition_words)) {
				cutil_set_addf(&conds, "%s=%s on %s", t,
					       json_string_value(json_object_get(c, "status")),
					       cutil_name(node));
				cutil_set_add(&f->accel_types, t);
			}
		}
	}
	char *l = cutil_set_join(&cordoned, MAX_NAMES);
	if (nodes_read)
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

static void faults_evidence(struct check_result *res, struct faults *f, int errors)
{
	char *d = cutil_set_join(&f->detect, MAX_NAMES);
	char *r = cutil_set_join(&f->remediate, MAX_NAMES);
	if (f->detect.n > 0 || errors == 0) /* "none" only when everything was read */
		check_evidence(res, "detection: %s", d);
	if (f->remediate.n > 0 || errors == 0)
		check_evidence(res, "automated cordon/drain: %s", r);
	free(d);
	free(r);
	if (f->accel_types.n > 0) {
		char *t = cutil_set_join(&f->accel_types, MAX_NAMES);
		check_evidence(res, "accelerator fault condition types: %s", t);
		free(t);
	}
	for (size_t i = 0; i < f->ties.n; i++)
		check_evidence(res, "fault signal tied to remediation: %s", f->ties.v[i]);
	for (size_t i = 0; i < f->untied.n; i++)
		check_evidence(res, "not tied to an accelerator fault: %s", f->untied.v[i]);
}

static void faults_verdict(struct check_result *res, int errors, const struct faults *f)
{
	if (f->ties.n > 0)
		cutil_decide(res, errors, VERDICT_FULL, VERDICT_FULL, NULL);
	else if (f->detect.n > 0 && f->remediate.n > 0)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "make the remediation act on the accelerator fault condition (add "
			     "the detector's GPU condition type, e.g. GPUXidError, to the "
			     "NodeHealthCheck's unhealthyConditions)");
	else if (f->detect.n > 0)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "add automated remediation that cordons and drains faulty nodes "
			     "(medik8s NodeHealthCheck on the GPU condition, NVSentinel)");
	else if (f->remediate.n > 0)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "add accelerator fault detection (node-problem-detector with a GPU "
			     "rule, NVSentinel, a DRA driver that taints unhealthy devices)");
	else
		cutil_decide(res, errors, VERDICT_NO, VERDICT_FULL,
			     "install accelerator fault detection with automated cordon and drain "
			     "(NVSentinel, or node-problem-detector plus medik8s NodeHealthCheck)");
}

static void hw_faults_passive(struct check_ctx *ctx, struct check_result *res)
{
	struct inventory *inv = ctx->inv;
	int errors = 0;
	struct faults f = {CUTIL_SET_INIT, CUTIL_SET_INIT, CUTIL_SET_INIT, CUTIL_SET_INIT,
			   CUTIL_SET_INIT};
	fault_workloads(inv, cutil_list(inv, "apps", "v1", "daemonsets", res, &errors), &f, res,
			&errors);
	fault_workloads(inv, cutil_list(inv, "apps", "v1", "deployments", res, &errors), &f, res,
			&errors);
	fault_apis(inv, &f, res, &errors);
	fault_state(inv, &f, res, &errors);
	if (f.detect.n > 0)
		fault_ties(inv, &f, res, &errors);
	faults_evidence(res, &f, errors);
	faults_verdict(res, errors, &f);
	cutil_set_release(&f.detect);
	cutil_set_release(&f.remediate);
	cutil_set_release(&f.accel_types);
	cutil_set_release(&f.ties);
	cutil_set_release(&f.untied);
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
    .active = active_hw13_run,
    /* Full needs the fault to be shown handled: passively, a tie tops out at Partial */
    .flags = CHECK_NEEDS_NAMESPACE | CHECK_FULL_NEEDS_ACTIVE | CHECK_OPT_IN,
    .disruption = "sets an accelerator fault condition on one node that a NodeHealthCheck "
		  "watches: its automation cordons and drains the node (evicting its "
		  "workloads), then kaic removes the condition and uncordons it",
};

const struct check *const checks_hardware[] = {
    &hw_dra,
    &hw_metrics,
    &hw_faults,
    NULL,
};
