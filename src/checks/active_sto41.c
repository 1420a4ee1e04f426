/* active_sto41.c: the active test of STO-4.1 (CSI): a PVC of a CSI StorageClass is bound
 * to a CSI volume that a pod writes a file to; a VolumeSnapshot of it becomes readyToUse;
 * a PVC restored from the snapshot holds the file (`kaic probe fs --verify`). */
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/util.h"
#include "util/xmalloc.h"

#define SNAP_GROUP "snapshot.storage.k8s.io"
#define SNAP_API SNAP_GROUP "/v1"
#define FILE_PATH "/data/kaic.txt"
#define DEFAULT_SC "storageclass.kubernetes.io/is-default-class"
#define DEFAULT_SC_BETA "storageclass.beta.kubernetes.io/is-default-class"
#define DEFAULT_VSC "snapshot.storage.kubernetes.io/is-default-class"

static json_t *pvc(const struct active_params *p, const char *name, bool restore)
{
	json_t *c = active_build_object(p, "v1", "PersistentVolumeClaim", name, true);
	json_t *spec =
	    json_pack("{s:s, s:[s], s:{s:{s:s}}}", "storageClassName", p->storage_class,
		      "accessModes", "ReadWriteOnce", "resources", "requests", "storage", "1Gi");
	if (restore)
		json_object_set_new(spec, "dataSource",
				    json_pack("{s:s, s:s, s:s}", "apiGroup", SNAP_GROUP, "kind",
					      "VolumeSnapshot", "name", "csi-snapshot"));
	json_object_set_new(c, "spec", spec);
	return c;
}

static json_t *fs_pod(const struct active_params *p, const char *name, const char *claim,
		      bool write)
{
	char *content = xasprintf("kaic-%s", p->run_id);
	json_t *pod = active_build_pod(
	    p, name, "fs",
	    json_pack("[s,s,s,s]", write ? "--write" : "--verify", FILE_PATH, "--content", content),
	    true);
	free(content);
	json_t *spec = json_object_get(pod, "spec");
	json_object_set_new(spec, "volumes",
			    json_pack("[{s:s, s:{s:s}}]", "name", "data", "persistentVolumeClaim",
				      "claimName", claim));
	json_t *c = json_array_get(json_object_get(spec, "containers"), 0);
	json_object_set_new(c, "volumeMounts",
			    json_pack("[{s:s, s:s}]", "name", "data", "mountPath", "/data"));
	return pod;
}

static json_t *snapshot(const struct active_params *p)
{
	json_t *s = active_build_object(p, SNAP_API, "VolumeSnapshot", "csi-snapshot", true);
	json_object_set_new(s, "spec",
			    json_pack("{s:s, s:{s:s}}", "volumeSnapshotClassName",
				      p->snapshot_class, "source", "persistentVolumeClaimName",
				      "csi-data"));
	return s;
}

json_t *active_sto41_objects(const struct active_params *p)
{
	json_t *objs = json_pack("[o,o]", pvc(p, "csi-data", false),
				 fs_pod(p, "csi-writer", "csi-data", true));
	if (p->snapshot_class != NULL) {
		json_array_append_new(objs, snapshot(p));
		json_array_append_new(objs, pvc(p, "csi-restored", true));
		json_array_append_new(objs, fs_pod(p, "csi-reader", "csi-restored", false));
	}
	return objs;
}

static bool is_default(const json_t *obj, const char *key)
{
	const char *v = cutil_annotation(obj, key);
	return v != NULL && strcmp(v, "true") == 0;
}

static bool has_csi_driver(const json_t *drivers, const char *name)
{
	size_t i;
	const json_t *d;
	json_array_foreach(drivers, i, d)
		if (strcmp(cutil_name(d), name) == 0)
			return true;
	return false;
}

/* The StorageClass to use: the default one when a CSI driver backs it, else the first CSI
 * class. Borrowed; NULL with *why, or NULL after a failed read (evidence, *errors). */
static const json_t *pick_class(struct check_ctx *ctx, struct check_result *res, int *errors,
				const char **why)
{
	const json_t *classes, *drivers;
	bool ok = cutil_list_read(ctx->inv, "storage.k8s.io", NULL, "storageclasses", res, errors,
				  &classes);
	ok &=
	    cutil_list_read(ctx->inv, "storage.k8s.io", NULL, "csidrivers", res, errors, &drivers);
	if (!ok)
		return NULL;
	const json_t *first_csi = NULL;
	bool any_default = false;
	size_t i;
	const json_t *sc;
	json_array_foreach(classes, i, sc) {
		const char *prov = cutil_str(sc, "provisioner");
		bool csi = prov != NULL && has_csi_driver(drivers, prov);
		bool def = is_default(sc, DEFAULT_SC) || is_default(sc, DEFAULT_SC_BETA);
		any_default |= def;
		if (csi && def)
			return sc;
		if (csi && first_csi == NULL)
			first_csi = sc;
	}
	if (first_csi == NULL)
		*why = any_default ? "no StorageClass is backed by a CSI driver"
				   : "no default StorageClass and none backed by a CSI driver";
	return first_csi;
}

/* A VolumeSnapshotClass of driver (the default one first), borrowed name, or NULL (also
 * after a failed read: evidence, *errors). */
static const char *pick_snapshot_class(struct check_ctx *ctx, const char *driver,
				       struct check_result *res, int *errors)
{
	if (!inventory_served(ctx->inv, SNAP_GROUP, "v1", "volumesnapshots"))
		return NULL;
	const json_t *vscs;
	if (!cutil_list_read(ctx->inv, SNAP_GROUP, "v1", "volumesnapshotclasses", res, errors,
			     &vscs))
		return NULL;
	const char *found = NULL;
	size_t i;
	const json_t *v;
	json_array_foreach(vscs, i, v) {
		const char *d = cutil_str(v, "driver");
		if (d == NULL || strcmp(d, driver) != 0)
			continue;
		if (is_default(v, DEFAULT_VSC))
			return cutil_name(v);
		if (found == NULL)
			found = cutil_name(v);
	}
	return found;
}

static json_t *get(struct check_ctx *ctx, const char *path, struct kube_error *err)
{
	json_t *o = NULL;
	if (kube_get(ctx->client, path, &o, err) != 0)
		return NULL;
	return o;
}

/* Runs a fs probe pod; returns 1 when it succeeded, 0 when the probe failed (recorded),
 * -1 after deciding Error. */
static int run_fs(struct check_ctx *ctx, struct check_result *res, const json_t *objs,
		  const char *name)
{
	struct active_probe_result r;
	if (active_run_probe(ctx, res, active_build_find(objs, "Pod", name), &r) != 0)
		return -1;
	const json_t *match = json_object_get(r.out, "match");
	int ok = r.exit_code == 0 && (match == NULL || json_is_true(match));
	if (!ok) {
		const char *e = json_string_value(json_object_get(r.out, "error"));
		check_evidence(res, "pod %s: probe failed (exit %d)%s%s", name, r.exit_code,
			       e ? ": " : "", e ? e : "");
	}
	active_probe_result_release(&r);
	return ok;
}

/* After the writer: PVC bound to a CSI PV. Returns the driver-backed evidence or decides. */
static bool check_bound(struct check_ctx *ctx, struct check_result *res)
{
	struct kube_error err = {0};
	char *path = xasprintf("/api/v1/namespaces/%s/persistentvolumeclaims/csi-data", ctx->ns);
	json_t *c = get(ctx, path, &err);
	free(path);
	if (c == NULL) {
		active_run_error(ctx, res, "cannot read PVC csi-data", &err);
		return false;
	}
	const char *phase = cutil_str(c, "status.phase"), *vol = cutil_str(c, "spec.volumeName");
	json_t *pv = NULL;
	if (vol != NULL) {
		char *pp = xasprintf("/api/v1/persistentvolumes/%s", vol);
		pv = get(ctx, pp, &err);
		free(pp);
	}
	if (vol != NULL && pv == NULL) {
		json_decref(c);
		active_run_error(ctx, res, "cannot read the PersistentVolume of PVC csi-data",
				 &err);
		return false;
	}
	const char *drv = cutil_str(pv, "spec.csi.driver");
	bool ok = phase && strcmp(phase, "Bound") == 0 && drv != NULL;
	if (ok)
		check_evidence(
		    res,
		    "PVC csi-data Bound to PV %s (CSI driver %s, volume %s); pod csi-writer "
		    "wrote " FILE_PATH,
		    vol, drv, cutil_str(pv, "spec.csi.volumeHandle"));
	else
		check_evidence(res, "PVC csi-data is %s%s%s, without a CSI volume",
			       phase ? phase : "?", vol ? " on PV " : "", vol ? vol : "");
	json_decref(pv);
	json_decref(c);
	if (!ok) {
		active_run_events(ctx, res);
		active_run_decide(res, VERDICT_NO,
				  "the StorageClass did not provision a CSI "
				  "volume: check the CSI driver");
	}
	return ok;
}

static enum active_wait_answer snap_pred(const json_t *s, void *arg)
{
	(void)arg;
	if (cutil_true(s, "status.readyToUse") || cutil_get(s, "status.error") != NULL)
		return ACTIVE_WAIT_DONE;
	return ACTIVE_WAIT_MORE;
}

/* Snapshot and restore; decides the verdict. */
static void snapshot_restore(struct check_ctx *ctx, struct check_result *res, const json_t *objs)
{
	static const char *const snap[] = {"csi-snapshot", NULL};
	if (active_run_create_all(ctx, res, objs, snap) != 0)
		return;
	char *path = xasprintf("/apis/" SNAP_API "/namespaces/%s/volumesnapshots", ctx->ns);
	json_t *s = NULL;
	struct kube_error err = {0};
	int rc = active_wait(ctx->act, path, "csi-snapshot", snap_pred, NULL, ctx->deadline_ms,
			     ctx->cancel, &s, &err);
	free(path);
	if (rc != 0 || !cutil_true(s, "status.readyToUse")) {
		const char *msg = cutil_str(s, "status.error.message");
		if (rc != 0 && strcmp(err.reason, "Timeout") != 0) {
			active_run_error(ctx, res, "VolumeSnapshot csi-snapshot", &err);
		} else {
			check_evidence(res, "provisioning only: VolumeSnapshot csi-snapshot %s%s",
				       msg ? "failed: " : "never became readyToUse",
				       msg ? msg : (rc != 0 ? " within the timeout" : ""));
			active_run_events(ctx, res);
			active_run_decide(res, VERDICT_PARTIAL,
					  "the CSI driver's snapshots do not work: check the "
					  "snapshot controller and the VolumeSnapshotClass");
		}
		json_decref(s);
		return;
	}
	check_evidence(res, "VolumeSnapshot csi-snapshot readyToUse (content %s, restoreSize %s)",
		       cutil_str(s, "status.boundVolumeSnapshotContentName")
			   ? cutil_str(s, "status.boundVolumeSnapshotContentName")
			   : "?",
		       cutil_str(s, "status.restoreSize") ? cutil_str(s, "status.restoreSize")
							  : "?");
	json_decref(s);
	static const char *const restore[] = {"csi-restored", NULL};
	if (active_run_create_all(ctx, res, objs, restore) != 0)
		return;
	int ok = run_fs(ctx, res, objs, "csi-reader");
	if (ok < 0)
		return;
	if (ok) {
		check_evidence(res,
			       "snapshot restored into PVC csi-restored and read back: " FILE_PATH
			       " matches");
		active_run_decide(res, VERDICT_FULL, NULL);
	} else {
		active_run_events(ctx, res);
		active_run_decide(res, VERDICT_PARTIAL,
				  "a PVC restored from a VolumeSnapshot does not hold the "
				  "snapshot's data: check the CSI driver's restore");
	}
}

void active_sto41_run(struct check_ctx *ctx, struct check_result *res)
{
	const char *why = NULL;
	int errors = 0;
	const json_t *sc = pick_class(ctx, res, &errors, &why);
	if (sc == NULL && errors == 0) {
		active_run_not_run(res, why, "mark a CSI-backed StorageClass as the default");
		return;
	}
	const char *driver = cutil_str(sc, "provisioner");
	struct active_params p;
	active_run_params(ctx, &p);
	p.storage_class = cutil_name(sc);
	p.snapshot_class = sc ? pick_snapshot_class(ctx, driver, res, &errors) : NULL;
	if (errors > 0) {
		active_run_read_failed(res, errors);
		return;
	}
	json_t *objs = active_sto41_objects(&p);
	static const char *const first[] = {"csi-data", NULL};
	if (active_run_create_all(ctx, res, objs, first) != 0)
		goto out;
	res->mode = MODE_ACTIVE;
	check_evidence(res, "StorageClass %s (CSI driver %s)", p.storage_class, driver);
	int w = run_fs(ctx, res, objs, "csi-writer");
	if (w < 0)
		goto out;
	if (w == 0) {
		active_run_events(ctx, res);
		active_run_decide(res, VERDICT_NO,
				  "a pod could not write to a volume of the CSI "
				  "StorageClass: check the CSI driver");
		goto out;
	}
	if (!check_bound(ctx, res))
		goto out;
	if (p.snapshot_class == NULL) {
		check_evidence(res, "provisioning only: no VolumeSnapshotClass for driver %s",
			       driver);
		active_run_decide(res, VERDICT_PARTIAL,
				  "install the CSI snapshot controller and a VolumeSnapshotClass "
				  "for the driver");
		goto out;
	}
	snapshot_restore(ctx, res, objs);
out:
	json_decref(objs);
}
