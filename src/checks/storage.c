/* storage.c: the checks of the Storage domain: STO-4.1 (CSI with snapshots) and
 * STO-4.2 (GPUDirect Storage), passive parts. */
#include <string.h>

#include "checks/checks.h"
#include "checks/active_tests.h"
#include "checks/known.h"
#include "checks/util.h"
#include "kube/inventory.h"

#define NAMES_MAX 8

#define NOT_EXERCISED "not exercised: needs the active test (kaic run without --passive)"

static const struct known_csi_driver *known_csi(const char *name)
{
	for (const struct known_csi_driver *k = known_csi_drivers; k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

static const struct known_provisioner *known_non_csi(const char *name)
{
	for (const struct known_provisioner *k = known_non_csi_provisioners; k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

static const json_t *find_by_name(const json_t *items, const char *name)
{
	size_t i;
	const json_t *o;
	json_array_foreach(items, i, o)
		if (strcmp(cutil_name(o), name) == 0)
			return o;
	return NULL;
}

/* Whether a CSIDriver object serves persistent volumes: volumeLifecycleModes
 * absent means Persistent, unless the catalogue knows the driver as ephemeral-only. */
static bool csidriver_persistent(const json_t *d)
{
	const json_t *modes = cutil_get(d, "spec.volumeLifecycleModes");
	if (json_array_size(modes) > 0) {
		size_t i;
		const json_t *m;
		json_array_foreach(modes, i, m)
			if (json_is_string(m) && strcmp(json_string_value(m), "Persistent") == 0)
				return true;
		return false;
	}
	const struct known_csi_driver *k = known_csi(cutil_name(d));
	return k == NULL || k->storage;
}

enum prov_kind { PROV_CSI, PROV_CSI_EPHEMERAL, PROV_NOT_CSI };

/* How a StorageClass provisioner is classified: a CSIDriver object of that name
 * decides; without one, the catalogue; else a name containing "csi". */
static enum prov_kind classify(const json_t *drivers, const char *prov)
{
	const json_t *d = find_by_name(drivers, prov);
	if (d != NULL)
		return csidriver_persistent(d) ? PROV_CSI : PROV_CSI_EPHEMERAL;
	const struct known_csi_driver *k = known_csi(prov);
	if (k != NULL)
		return k->storage ? PROV_CSI : PROV_CSI_EPHEMERAL;
	if (known_non_csi(prov) == NULL && strstr(prov, "csi") != NULL)
		return PROV_CSI;
	return PROV_NOT_CSI;
}

static bool is_default_class(const json_t *sc)
{
	const char *a = cutil_annotation(sc, "storageclass.kubernetes.io/is-default-class");
	const char *b = cutil_annotation(sc, "storageclass.beta.kubernetes.io/is-default-class");
	return (a && strcmp(a, "true") == 0) || (b && strcmp(b, "true") == 0);
}

static void describe_drivers(struct check_result *res, const json_t *drivers, size_t *persistent)
{
	struct cutil_set l = CUTIL_SET_INIT;
	size_t i;
	const json_t *d;
	json_array_foreach(drivers, i, d) {
		bool p = csidriver_persistent(d);
		*persistent += p;
		cutil_set_addf(&l, "%s%s", cutil_name(d), p ? "" : " (ephemeral only)");
	}
	if (l.n > 0)
		cutil_evidence_set(res, &l, NAMES_MAX, "%zu CSIDriver%s: ", l.n, cutil_plural(l.n));
	else
		check_evidence(res, "no CSIDriver objects");
	cutil_set_release(&l);
}

struct sc_summary {
	size_t csi;	    /* StorageClasses of persistent CSI drivers */
	bool csi_default;   /* one of them is the default */
	const char *driver; /* a CSI provisioner, for hints */
	const char *any_default;
};

static void describe_classes(struct check_result *res, const json_t *drivers, const json_t *classes,
			     struct sc_summary *s)
{
	struct cutil_set l = CUTIL_SET_INIT;
	size_t i;
	const json_t *sc;
	json_array_foreach(classes, i, sc) {
		const char *prov = cutil_str(sc, "provisioner");
		prov = prov ? prov : "";
		bool def = is_default_class(sc);
		enum prov_kind k = classify(drivers, prov);
		const char *what = k == PROV_CSI	     ? ""
				   : k == PROV_CSI_EPHEMERAL ? ", ephemeral-only CSI driver"
							     : ", not CSI";
		if (k == PROV_CSI) {
			s->csi++;
			s->csi_default |= def;
			if (s->driver == NULL || def)
				s->driver = prov;
		}
		if (def)
			s->any_default = cutil_name(sc);
		cutil_set_addf(&l, "\"%s\" (%s%s%s)", cutil_name(sc), prov, what,
			       def ? ", default" : "");
	}
	if (l.n > 0)
		cutil_evidence_set(res, &l, NAMES_MAX, "%zu StorageClass%s: ", l.n,
				   l.n == 1 ? "" : "es");
	else
		check_evidence(res, "no StorageClass objects");
	cutil_set_release(&l);
}

/* Counts VolumeSnapshotClasses whose driver has a CSI StorageClass. */
static size_t describe_snapshots(struct check_ctx *ctx, struct check_result *res,
				 const json_t *classes, const json_t *drivers, int *errors)
{
	if (!inventory_served(ctx->inv, "snapshot.storage.k8s.io", NULL, "volumesnapshotclasses")) {
		check_evidence(res, "snapshot.storage.k8s.io not served (no CSI snapshot CRDs)");
		return 0;
	}
	const json_t *vscs;
	if (!cutil_list_read(ctx->inv, "snapshot.storage.k8s.io", NULL, "volumesnapshotclasses",
			     res, errors, &vscs))
		return 0;
	struct cutil_set l = CUTIL_SET_INIT;
	size_t usable = 0, i, j;
	const json_t *v, *sc;
	json_array_foreach(vscs, i, v) {
		const char *drv = cutil_str(v, "driver");
		drv = drv ? drv : "";
		bool match = false;
		json_array_foreach(classes, j, sc) {
			const char *prov = cutil_str(sc, "provisioner");
			if (prov && strcmp(prov, drv) == 0 && classify(drivers, prov) == PROV_CSI)
				match = true;
		}
		usable += match;
		cutil_set_addf(&l, "\"%s\" (%s%s)", cutil_name(v), drv,
			       match ? "" : ", no CSI StorageClass uses this driver");
	}
	if (l.n > 0)
		cutil_evidence_set(res, &l, NAMES_MAX, "%zu VolumeSnapshotClass%s: ", l.n,
				   l.n == 1 ? "" : "es");
	else
		check_evidence(res, "snapshot.storage.k8s.io served, but no VolumeSnapshotClass");
	cutil_set_release(&l);
	return usable;
}

static void sto_csi_decide(struct check_result *res, const struct sc_summary *s, size_t snaps)
{
	if (!s->csi_default)
		check_evidence(res, s->any_default ? "the default StorageClass is not CSI"
						   : "no default StorageClass");
	check_evidence(res, NOT_EXERCISED);
	if (snaps == 0)
		check_verdict(res, VERDICT_PARTIAL,
			      "install the CSI snapshot controller and a "
			      "VolumeSnapshotClass for %s",
			      s->driver);
	else if (!s->csi_default)
		check_verdict(
		    res, VERDICT_PARTIAL,
		    "mark the CSI StorageClass as default "
		    "(storageclass.kubernetes.io/is-default-class) and run the active test");
	else
		check_verdict(res, VERDICT_PARTIAL,
			      "run the active test to demonstrate "
			      "provisioning and snapshot/restore");
}

static void sto_csi_passive(struct check_ctx *ctx, struct check_result *res)
{
	int errors = 0;
	const json_t *drivers, *classes;
	bool drivers_ok =
	    cutil_list_read(ctx->inv, "storage.k8s.io", NULL, "csidrivers", res, &errors, &drivers);
	bool classes_ok = cutil_list_read(ctx->inv, "storage.k8s.io", NULL, "storageclasses", res,
					  &errors, &classes);
	json_t *empty = json_array();
	size_t persistent = 0;
	if (drivers_ok)
		describe_drivers(res, drivers ? drivers : empty, &persistent);
	struct sc_summary s = {0};
	if (classes_ok)
		describe_classes(res, drivers ? drivers : empty, classes ? classes : empty, &s);
	size_t snaps = describe_snapshots(ctx, res, classes ? classes : empty,
					  drivers ? drivers : empty, &errors);
	json_decref(empty);

	/* only the best passive finding stands on a failed read: the rest could be what the
	 * unread list would have changed (a CSIDriver, a class, a VolumeSnapshotClass) */
	if (errors > 0 && !(s.csi > 0 && snaps > 0 && s.csi_default))
		cutil_read_error(res, errors);
	else if (s.csi > 0)
		sto_csi_decide(res, &s, snaps);
	else if (persistent > 0)
		check_verdict(res, VERDICT_PARTIAL,
			      "create a StorageClass whose provisioner is "
			      "the CSI driver");
	else
		cutil_decide(res, errors, VERDICT_NO, VERDICT_PARTIAL,
			     "install a CSI driver with "
			     "a StorageClass and the CSI snapshot controller with a "
			     "VolumeSnapshotClass");
}

/* ---- STO-4.2 GPUDirect Storage ---- */

static size_t gds_cluster_policies(struct check_ctx *ctx, struct check_result *res, int *errors)
{
	const json_t *cps =
	    cutil_list(ctx->inv, "nvidia.com", NULL, "clusterpolicies", res, errors);
	size_t enabled = 0, i;
	const json_t *cp;
	json_array_foreach(cps, i, cp) {
		bool on = cutil_true(cp, "spec.gds.enabled");
		enabled += on;
		check_evidence(res, "NVIDIA ClusterPolicy \"%s\": spec.gds.enabled %s",
			       cutil_name(cp), on ? "true" : "false");
	}
	return enabled;
}

static size_t gds_daemonsets(struct check_ctx *ctx, struct check_result *res, int *errors)
{
	const json_t *dss = cutil_list(ctx->inv, "apps", "v1", "daemonsets", res, errors);
	struct cutil_set l = CUTIL_SET_INIT;
	size_t i;
	const json_t *ds;
	json_array_foreach(dss, i, ds) {
		for (const char *const *c = known_gds_containers; *c; c++) {
			if (cutil_pod_spec_mentions(cutil_pod_spec(ds), *c)) {
				cutil_set_addf(&l, "%s/%s", cutil_ns(ds), cutil_name(ds));
				break;
			}
		}
	}
	size_t n = l.n;
	if (n > 0)
		cutil_evidence_set(res, &l, NAMES_MAX, "nvidia-fs containers in DaemonSet%s ",
				   cutil_plural(n));
	cutil_set_release(&l);
	return n;
}

static size_t gds_node_labels(struct check_ctx *ctx, struct check_result *res, int *errors)
{
	const json_t *nodes = cutil_list(ctx->inv, "", "v1", "nodes", res, errors);
	size_t n = 0, i;
	const char *example = NULL;
	const json_t *node;
	json_array_foreach(nodes, i, node) {
		const char *key;
		const json_t *v;
		bool hit = false;
		json_object_foreach((json_t *)cutil_get(node, "metadata.labels"), key, v) {
			for (const char *const *m = known_gds_node_labels; *m && !hit; m++) {
				if (strstr(key, *m) != NULL && json_is_string(v) &&
				    strcmp(json_string_value(v), "false") != 0) {
					hit = true;
					example = key;
				}
			}
		}
		n += hit;
	}
	if (n > 0)
		check_evidence(res, "node label %s on %zu node%s", example, n, cutil_plural(n));
	return n;
}

static void sto_gds_passive(struct check_ctx *ctx, struct check_result *res)
{
	int errors = 0;
	size_t cp = gds_cluster_policies(ctx, res, &errors);
	size_t ds = gds_daemonsets(ctx, res, &errors);
	size_t nodes = gds_node_labels(ctx, res, &errors);
	if (cp + ds + nodes > 0) {
		check_evidence(res, "not exercised: needs the opt-in active test (kaic run "
				    "--gds-image REF)");
		check_verdict(res, VERDICT_PARTIAL,
			      "run the active test with --gds-image REF (an image holding "
			      "gdscheck) to run gdscheck -p in a pod with an accelerator");
	} else if (errors) {
		cutil_decide(res, errors, VERDICT_NO, VERDICT_PARTIAL, NULL);
	} else {
		check_evidence(res, "no GPUDirect Storage signal (ClusterPolicy spec.gds, "
				    "nvidia-fs containers, nvidia_fs node labels)");
		check_verdict(res, VERDICT_NO,
			      "enable GPUDirect Storage in the NVIDIA GPU "
			      "operator (ClusterPolicy spec.gds.enabled: true)");
	}
}

static const struct check sto_csi = {
    .id = "STO-4.1",
    .passive = sto_csi_passive,
    .active = active_sto41_run,
    .flags = CHECK_NEEDS_NAMESPACE | CHECK_FULL_NEEDS_ACTIVE,
};

static const struct check sto_gds = {
    .id = "STO-4.2",
    .passive = sto_gds_passive,
    .active = active_sto42_run,
    .flags = CHECK_NEEDS_NAMESPACE | CHECK_FULL_NEEDS_ACTIVE | CHECK_OPT_IN,
};

const struct check *const checks_storage[] = {
    &sto_csi,
    &sto_gds,
    NULL,
};
