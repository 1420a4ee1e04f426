/* storage.c: the simulated CSI external-provisioner, PV binder and snapshot controller.
 *  - a Pending PVC with a storageClassName (or, when absent, the default class) whose
 *    provisioner has a CSIDriver object gets a PV `pvc-<uid>` (spec.csi {driver,
 *    volumeHandle}, claimRef, the class's reclaim policy) and is bound (spec.volumeName,
 *    status.phase Bound). WaitForFirstConsumer classes wait for a scheduled pod using
 *    the claim. A dataSource VolumeSnapshot (ready) or PersistentVolumeClaim (bound)
 *    pre-fills the new volume.
 *  - a VolumeSnapshot of a bound PVC whose VolumeSnapshotClass (named, or the default
 *    one) has the PV's driver gets a VolumeSnapshotContent `snapcontent-<uid>` holding a
 *    copy of the volume and becomes readyToUse (boundVolumeSnapshotContentName,
 *    restoreSize).
 *  - deleting a PVC deletes (reclaimPolicy Delete) or releases its PV; deleting a
 *    snapshot deletes its content (deletionPolicy Delete).
 * File contents written by the fs probe model live in the annotation kaic-sim/files of
 * the PV and the snapshot content (a JSON object: path inside the volume -> content).
 * controllers.storage: {provision: true, snapshot: true}. */

#include "controllers/storage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonx.h"
#include "base/meta.h"
#include "controllers/ctl_util.h"
#include "objects/admin.h"
#include "sim.h"
#include "util/xmalloc.h"

#define SNAP_GROUP "snapshot.storage.k8s.io"
#define FILES_ANNOTATION "kaic-sim/files"

/* The files of an object's annotation (new object, empty when none). */
static json_t *files_of(const json_t *obj)
{
	const char *text = json_string_value(
	    json_object_get(ctl_at(obj, "metadata.annotations"), FILES_ANNOTATION));
	json_t *f = text ? json_loads(text, 0, NULL) : NULL;
	if (!json_is_object(f)) {
		json_decref(f);
		f = json_object();
	}
	return f;
}

static void set_files(json_t *obj, const json_t *files)
{
	char *text = json_dumps(files, JSON_COMPACT | JSON_SORT_KEYS);
	json_t *ann = sim_json_object_at(sim_json_object_at(obj, "metadata"), "annotations");
	json_object_set_new(ann, FILES_ANNOTATION, json_string(text ? text : "{}"));
	free(text);
}

static json_t *bound_pv(struct sim_api *api, const char *ns, const char *claim)
{
	json_t *pvc = ctl_get(api, "", "persistentvolumeclaims", ns, claim);
	const char *vn = ctl_str(pvc, "spec.volumeName");
	json_t *pv = vn && !strcmp(ctl_s(pvc, "status.phase"), "Bound")
			 ? ctl_get(api, "", "persistentvolumes", NULL, vn)
			 : NULL;
	json_decref(pvc);
	return pv;
}

json_t *ctl_volume_files(struct sim_api *api, const char *ns, const char *claim)
{
	json_t *pv = bound_pv(api, ns, claim);
	json_t *f = pv ? files_of(pv) : NULL;
	json_decref(pv);
	return f;
}

int ctl_volume_write(struct sim_api *api, const char *ns, const char *claim, const char *rel,
		     const char *content)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		json_t *pv = bound_pv(api, ns, claim);
		if (!pv)
			return -1;
		json_t *files = files_of(pv);
		json_object_set_new(files, rel, json_string(content));
		json_t *next = json_deep_copy(pv);
		json_decref(pv);
		set_files(next, files);
		json_decref(files);
		if (ctl_replace(api, "", "persistentvolumes", next) == 0)
			return 0;
	}
	return -1;
}

/* ---- provisioning ---- */

static json_t *default_class(struct sim_api *api, const char *group, const char *resource,
			     const char *annotation, const char *driver)
{
	json_t *all = ctl_list(api, group, resource, NULL);
	json_t *r = NULL;
	size_t i;
	json_t *c;
	json_array_foreach(all, i, c) {
		const char *def = json_string_value(
		    json_object_get(ctl_at(c, "metadata.annotations"), annotation));
		if (r || !def || strcmp(def, "true") != 0)
			continue;
		if (driver && strcmp(ctl_s(c, "driver"), driver) != 0)
			continue;
		r = json_incref(c);
	}
	json_decref(all);
	return r;
}

static bool has_consumer(struct sim_api *api, const char *ns, const char *claim)
{
	json_t *pods = ctl_list(api, "", "pods", ns);
	bool r = false;
	size_t i, j;
	json_t *p, *v;
	json_array_foreach(pods, i, p) {
		if (!*ctl_s(p, "spec.nodeName"))
			continue;
		json_array_foreach(ctl_at(p, "spec.volumes"), j, v) {
			r = r || !strcmp(ctl_s(v, "persistentVolumeClaim.claimName"), claim);
		}
	}
	json_decref(pods);
	return r;
}

/* The initial files for the PVC's dataSource; NULL while the source is not ready.
 * *bad gets a message when the source can never serve. */
static json_t *source_files(struct sim_api *api, const json_t *pvc, const char *driver, char **bad)
{
	json_t *ds = ctl_at(pvc, "spec.dataSourceRef");
	if (!json_is_object(ds))
		ds = ctl_at(pvc, "spec.dataSource");
	if (!json_is_object(ds))
		return json_object();
	const char *ns = ctl_s(pvc, "metadata.namespace");
	const char *kind = ctl_s(ds, "kind"), *name = ctl_s(ds, "name");
	if (!strcmp(kind, "PersistentVolumeClaim"))
		return ctl_volume_files(api, ns, name);
	if (strcmp(kind, "VolumeSnapshot") != 0) {
		*bad = xasprintf("data source kind \"%s\" is not supported", kind);
		return NULL;
	}
	json_t *snap = ctl_get(api, SNAP_GROUP, "volumesnapshots", ns, name);
	json_t *content = NULL;
	if (json_is_true(ctl_at(snap, "status.readyToUse")))
		content = ctl_get(api, SNAP_GROUP, "volumesnapshotcontents", NULL,
				  ctl_str(snap, "status.boundVolumeSnapshotContentName"));
	json_t *f = NULL;
	if (content && strcmp(ctl_s(content, "spec.driver"), driver) != 0)
		*bad = xasprintf("snapshot \"%s\" is of driver \"%s\", not \"%s\"", name,
				 ctl_s(content, "spec.driver"), driver);
	else if (content)
		f = files_of(content);
	json_decref(content);
	json_decref(snap);
	return f;
}

static void bind(struct sim_api *api, const json_t *pvc, const json_t *pv)
{
	json_t *next = json_deep_copy(pvc);
	json_t *spec = sim_json_object_at(next, "spec");
	json_object_set_new(spec, "volumeName", json_string(ctl_s(pv, "metadata.name")));
	json_t *ann = sim_json_object_at(sim_json_object_at(next, "metadata"), "annotations");
	json_object_set_new(ann, "pv.kubernetes.io/bind-completed", json_string("yes"));
	json_object_set_new(ann, "pv.kubernetes.io/bound-by-controller", json_string("yes"));
	const char *driver = ctl_str(pv, "spec.csi.driver");
	if (driver) {
		json_object_set_new(ann, "volume.kubernetes.io/storage-provisioner",
				    json_string(driver));
		json_object_set_new(ann, "volume.beta.kubernetes.io/storage-provisioner",
				    json_string(driver));
	}
	json_t *st = sim_json_object_at(next, "status");
	json_object_set_new(st, "phase", json_string("Bound"));
	json_object_set(st, "accessModes", ctl_at(pv, "spec.accessModes"));
	json_object_set(st, "capacity", ctl_at(pv, "spec.capacity"));
	ctl_replace(api, "", "persistentvolumeclaims", next);
}

static void provision(struct sim_api *api, const json_t *pvc)
{
	const char *ns = ctl_s(pvc, "metadata.namespace"), *name = ctl_s(pvc, "metadata.name");
	const char *vn = ctl_str(pvc, "spec.volumeName");
	if (vn && *vn) {
		json_t *pv = ctl_get(api, "", "persistentvolumes", NULL, vn);
		if (pv)
			bind(api, pvc, pv);
		json_decref(pv);
		return;
	}
	json_t *cn = ctl_at(pvc, "spec.storageClassName");
	json_t *cls = json_is_string(cn) ? ctl_get(api, "storage.k8s.io", "storageclasses", NULL,
						   json_string_value(cn))
		      : cn && !json_is_null(cn)
			  ? NULL
			  : default_class(api, "storage.k8s.io", "storageclasses",
					  "storageclass.kubernetes.io/is-default-class", NULL);
	const char *driver = ctl_str(cls, "provisioner");
	json_t *csi = driver ? ctl_get(api, "storage.k8s.io", "csidrivers", NULL, driver) : NULL;
	bool wffc = !strcmp(ctl_s(cls, "volumeBindingMode"), "WaitForFirstConsumer");
	char *bad = NULL;
	json_t *files = NULL;
	if (!csi || (wffc && !has_consumer(api, ns, name)) ||
	    !(files = source_files(api, pvc, driver, &bad))) {
		json_decref(cls);
		json_decref(csi);
		free(bad);
		return;
	}
	const char *uid = ctl_s(pvc, "metadata.uid");
	char *pvname = xasprintf("pvc-%s", uid);
	char *handle = xasprintf("%s-%s", driver, uid);
	json_t *size = ctl_at(pvc, "spec.resources.requests.storage");
	json_t *modes = ctl_at(pvc, "spec.accessModes");
	size = json_is_string(size) ? json_incref(size) : json_string("1Gi");
	modes = json_is_array(modes) ? json_incref(modes) : json_pack("[s]", "ReadWriteOnce");
	const char *reclaim = ctl_str(cls, "reclaimPolicy");
	const char *fstype = json_string_value(
	    json_object_get(ctl_at(cls, "parameters"), "csi.storage.k8s.io/fstype"));
	json_t *attrs = json_object();
	const char *k;
	json_t *v;
	json_object_foreach(ctl_at(cls, "parameters"), k, v) {
		if (strncmp(k, "csi.storage.k8s.io/", 19) != 0 && json_is_string(v))
			json_object_set(attrs, k, v);
	}
	json_t *csispec = json_pack("{s:s, s:s, s:o}", "driver", driver, "volumeHandle", handle,
				    "volumeAttributes", attrs);
	if (fstype)
		json_object_set_new(csispec, "fsType", json_string(fstype));
	json_t *pv = json_pack(
	    "{s:s, s:s, s:{s:s, s:{s:s}}, s:{s:{s:o}, s:o, s:s, s:s, s:s, s:o, "
	    "s:{s:s, s:s, s:s, s:s, s:s}}, s:{s:s}}",
	    "apiVersion", "v1", "kind", "PersistentVolume", "metadata", "name", pvname,
	    "annotations", "pv.kubernetes.io/provisioned-by", driver, "spec", "capacity", "storage",
	    size, "accessModes", modes, "persistentVolumeReclaimPolicy",
	    reclaim ? reclaim : "Delete", "storageClassName", ctl_s(cls, "metadata.name"),
	    "volumeMode",
	    ctl_str(pvc, "spec.volumeMode") ? ctl_str(pvc, "spec.volumeMode") : "Filesystem", "csi",
	    csispec, "claimRef", "kind", "PersistentVolumeClaim", "apiVersion", "v1", "namespace",
	    ns, "name", name, "uid", uid, "status", "phase", "Bound");
	set_files(pv, files);
	json_decref(files);
	if (ctl_create_status(api, "", "persistentvolumes", pv) == 0) {
		json_t *made = ctl_get(api, "", "persistentvolumes", NULL, pvname);
		if (made) {
			bind(api, pvc, made);
			char *msg = xasprintf("Successfully provisioned volume %s", pvname);
			ctl_event(api, pvc, "PersistentVolumeClaim", "Normal",
				  "ProvisioningSucceeded", msg);
			free(msg);
		}
		json_decref(made);
	}
	free(pvname);
	free(handle);
	json_decref(cls);
	json_decref(csi);
}

/* ---- snapshots ---- */

static void snapshot_error(struct sim_api *api, const json_t *snap, const char *msg)
{
	if (!strcmp(ctl_s(snap, "status.error.message"), msg))
		return;
	json_t *next = json_deep_copy(snap);
	json_t *st = sim_json_object_at(next, "status");
	char now[32];
	ctl_now(now);
	json_object_set_new(st, "readyToUse", json_false());
	json_object_set_new(st, "error", json_pack("{s:s, s:s}", "message", msg, "time", now));
	ctl_replace(api, SNAP_GROUP, "volumesnapshots", next);
}

static void take_snapshot(struct sim_api *api, const json_t *snap)
{
	const char *ns = ctl_s(snap, "metadata.namespace");
	const char *src = ctl_str(snap, "spec.source.persistentVolumeClaimName");
	json_t *pv = src ? bound_pv(api, ns, src) : NULL;
	if (!pv)
		return; /* waits for the claim to be bound */
	const char *driver = ctl_s(pv, "spec.csi.driver");
	const char *cname = ctl_str(snap, "spec.volumeSnapshotClassName");
	json_t *cls =
	    cname ? ctl_get(api, SNAP_GROUP, "volumesnapshotclasses", NULL, cname)
		  : default_class(api, SNAP_GROUP, "volumesnapshotclasses",
				  "snapshot.storage.kubernetes.io/is-default-class", driver);
	char *err = NULL;
	if (!cls)
		err = cname ? xasprintf("Failed to get snapshot class with error "
					"volumesnapshotclasses.snapshot.storage.k8s.io \"%s\" not "
					"found",
					cname)
			    : xstrdup("Failed to get default snapshot class");
	else if (strcmp(ctl_s(cls, "driver"), driver) != 0)
		err = xasprintf("snapshot class \"%s\" is of driver \"%s\", the volume of \"%s\"",
				ctl_s(cls, "metadata.name"), ctl_s(cls, "driver"), driver);
	if (err) {
		snapshot_error(api, snap, err);
		free(err);
		json_decref(cls);
		json_decref(pv);
		return;
	}
	const char *uid = ctl_s(snap, "metadata.uid");
	char *cname2 = xasprintf("snapcontent-%s", uid);
	char *handle = xasprintf("snap-%s", uid);
	char now[32];
	ctl_now(now);
	json_t *size = ctl_at(pv, "spec.capacity.storage");
	json_t *content = json_pack(
	    "{s:s, s:s, s:{s:s}, s:{s:s, s:s, s:{s:s}, s:s, s:{s:s, s:s, s:s, s:s, s:s}}, "
	    "s:{s:b, s:s, s:I, s:I}}",
	    "apiVersion", "snapshot.storage.k8s.io/v1", "kind", "VolumeSnapshotContent", "metadata",
	    "name", cname2, "spec", "deletionPolicy",
	    ctl_str(cls, "deletionPolicy") ? ctl_str(cls, "deletionPolicy") : "Delete", "driver",
	    driver, "source", "volumeHandle", ctl_s(pv, "spec.csi.volumeHandle"),
	    "volumeSnapshotClassName", ctl_s(cls, "metadata.name"), "volumeSnapshotRef",
	    "apiVersion", "snapshot.storage.k8s.io/v1", "kind", "VolumeSnapshot", "name",
	    ctl_s(snap, "metadata.name"), "namespace", ns, "uid", uid, "status", "readyToUse", 1,
	    "snapshotHandle", handle, "restoreSize", (json_int_t)1073741824, "creationTime",
	    (json_int_t)1748779200000000000LL);
	json_t *files = files_of(pv);
	set_files(content, files);
	json_decref(files);
	json_t *have = ctl_get(api, SNAP_GROUP, "volumesnapshotcontents", NULL, cname2);
	int rc = have ? 0 : ctl_create_status(api, SNAP_GROUP, "volumesnapshotcontents", content);
	if (have)
		json_decref(content);
	json_decref(have);
	if (rc == 0) {
		json_t *next = json_deep_copy(snap);
		json_t *st = sim_json_object_at(next, "status");
		json_object_set_new(st, "boundVolumeSnapshotContentName", json_string(cname2));
		json_object_set_new(st, "creationTime", json_string(now));
		json_object_set_new(st, "readyToUse", json_true());
		json_object_set(st, "restoreSize",
				json_is_string(size) ? size : json_string("1Gi"));
		json_object_del(st, "error");
		ctl_replace(api, SNAP_GROUP, "volumesnapshots", next);
	}
	free(cname2);
	free(handle);
	json_decref(cls);
	json_decref(pv);
}

/* ---- reclaiming ---- */

static void reclaim_pvs(struct sim_api *api)
{
	json_t *pvs = ctl_list(api, "", "persistentvolumes", NULL);
	size_t i;
	json_t *pv;
	json_array_foreach(pvs, i, pv) {
		const char *cns = ctl_str(pv, "spec.claimRef.namespace");
		const char *cn = ctl_str(pv, "spec.claimRef.name");
		const char *cuid = ctl_str(pv, "spec.claimRef.uid");
		if (!cn || !cuid || strcmp(ctl_s(pv, "status.phase"), "Bound") != 0)
			continue;
		json_t *pvc = ctl_get(api, "", "persistentvolumeclaims", cns, cn);
		bool gone = !pvc || strcmp(ctl_s(pvc, "metadata.uid"), cuid) != 0;
		json_decref(pvc);
		if (!gone)
			continue;
		if (!strcmp(ctl_s(pv, "spec.persistentVolumeReclaimPolicy"), "Delete")) {
			sim_api_delete(api, "", "persistentvolumes", NULL,
				       ctl_s(pv, "metadata.name"));
		} else {
			json_t *next = json_deep_copy(pv);
			json_object_set_new(sim_json_object_at(next, "status"), "phase",
					    json_string("Released"));
			ctl_replace(api, "", "persistentvolumes", next);
		}
	}
	json_decref(pvs);
}

static void reclaim_contents(struct sim_api *api)
{
	json_t *cs = ctl_list(api, SNAP_GROUP, "volumesnapshotcontents", NULL);
	size_t i;
	json_t *c;
	json_array_foreach(cs, i, c) {
		const char *uid = ctl_str(c, "spec.volumeSnapshotRef.uid");
		if (!uid || strcmp(ctl_s(c, "spec.deletionPolicy"), "Delete") != 0)
			continue;
		json_t *snap = ctl_get(api, SNAP_GROUP, "volumesnapshots",
				       ctl_s(c, "spec.volumeSnapshotRef.namespace"),
				       ctl_s(c, "spec.volumeSnapshotRef.name"));
		if (!snap || strcmp(ctl_s(snap, "metadata.uid"), uid) != 0)
			sim_api_delete(api, SNAP_GROUP, "volumesnapshotcontents", NULL,
				       ctl_s(c, "metadata.name"));
		json_decref(snap);
	}
	json_decref(cs);
}

/* ---- the controllers ---- */

static bool pvc_pending(const json_t *pvc)
{
	return strcmp(ctl_s(pvc, "status.phase"), "Bound") != 0 &&
	       !sim_meta_str(pvc, "deletionTimestamp");
}

static bool snap_pending(const json_t *snap)
{
	return !json_is_true(ctl_at(snap, "status.readyToUse")) &&
	       !sim_meta_str(snap, "deletionTimestamp");
}

static void pvc_on_change(struct sim_api *api, const char *event, const json_t *obj)
{
	if (!strcmp(event, "DELETED")) {
		reclaim_pvs(api);
		return;
	}
	if (!ctl_setting_bool(api, "storage", "provision", true) || !pvc_pending(obj))
		return;
	json_t *pvc = ctl_get(api, "", "persistentvolumeclaims", sim_meta_str(obj, "namespace"),
			      sim_meta_str(obj, "name"));
	if (pvc && pvc_pending(pvc))
		provision(api, pvc);
	json_decref(pvc);
}

static void snap_on_change(struct sim_api *api, const char *event, const json_t *obj)
{
	if (!strcmp(event, "DELETED")) {
		reclaim_contents(api);
		return;
	}
	if (!ctl_setting_bool(api, "storage", "snapshot", true) || !snap_pending(obj))
		return;
	json_t *snap = ctl_get(api, SNAP_GROUP, "volumesnapshots", sim_meta_str(obj, "namespace"),
			       sim_meta_str(obj, "name"));
	if (snap && snap_pending(snap))
		take_snapshot(api, snap);
	json_decref(snap);
}

static bool pvc_keep(const json_t *o, void *arg)
{
	(void)arg;
	return pvc_pending(o);
}

static bool snap_keep(const json_t *o, void *arg)
{
	(void)arg;
	return snap_pending(o) && !ctl_str(o, "status.error.message");
}

static void storage_tick(struct sim_api *api)
{
	size_t i;
	json_t *o;
	if (ctl_setting_bool(api, "storage", "provision", true)) {
		json_t *pvcs = ctl_list_filter(api, "", "persistentvolumeclaims", pvc_keep, NULL);
		json_array_foreach(pvcs, i, o) {
			provision(api, o);
		}
		json_decref(pvcs);
	}
	if (ctl_setting_bool(api, "storage", "snapshot", true)) {
		json_t *snaps =
		    ctl_list_filter(api, SNAP_GROUP, "volumesnapshots", snap_keep, NULL);
		json_array_foreach(snaps, i, o) {
			take_snapshot(api, o);
		}
		json_decref(snaps);
	}
}

const struct sim_controller sim_controller_storage_pvcs = {
    .name = "storage",
    .group = "",
    .resource = "persistentvolumeclaims",
    .on_change = pvc_on_change,
    .tick = storage_tick,
};

const struct sim_controller sim_controller_storage_snapshots = {
    .name = "storage",
    .group = SNAP_GROUP,
    .resource = "volumesnapshots",
    .on_change = snap_on_change,
    .tick = NULL,
};
