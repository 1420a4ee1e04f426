/* cncf_util.c: what the CNCF-only checks share: the cluster's accelerators (DRA devices
 * and device-plugin resources) and the readiness of a controller's workload. */
#include "checks/cncf.h"

#include <stdlib.h>
#include <string.h>

#include "checks/known.h"

#define DRA "resource.k8s.io"

bool cncf_device_accel(const struct cutil_device *d)
{
	const struct known_dra_driver *k = known_dra_driver_find(d->driver);
	return k == NULL || k->accelerator;
}

void cncf_accel_read(struct inventory *inv, struct cncf_accel *a, struct check_result *res,
		     int *errors)
{
	memset(a, 0, sizeof *a);
	cutil_devices_collect(cutil_list(inv, DRA, NULL, "resourceslices", res, errors), &a->devs);
	for (size_t i = 0; i < a->devs.n; i++) {
		if (!cncf_device_accel(&a->devs.v[i]))
			continue;
		a->dra++;
		cutil_set_add(&a->dra_drivers, a->devs.v[i].driver);
	}
	a->nodes = cutil_list(inv, "", "v1", "nodes", res, errors);
	size_t i;
	const json_t *node;
	json_array_foreach(a->nodes, i, node) {
		const char *key;
		const json_t *q;
		json_object_foreach((json_t *)cutil_get(node, "status.allocatable"), key, q) {
			const char *v = json_string_value(q);
			if (known_accel_resource_find(key) == NULL || v == NULL || !strcmp(v, "0"))
				continue;
			cutil_set_add(&a->plugin, key);
			cutil_set_add(&a->plugin_nodes, cutil_name(node));
		}
	}
}

void cncf_accel_release(struct cncf_accel *a)
{
	cutil_devices_release(&a->devs);
	cutil_set_release(&a->dra_drivers);
	cutil_set_release(&a->plugin);
	cutil_set_release(&a->plugin_nodes);
}

void cncf_workload_replicas(const json_t *w, long long *ready, long long *want)
{
	if (cutil_get(w, "status.desiredNumberScheduled") != NULL ||
	    strcmp(cutil_str(w, "kind") ? cutil_str(w, "kind") : "", "DaemonSet") == 0) {
		*want = json_integer_value(cutil_get(w, "status.desiredNumberScheduled"));
		*ready = json_integer_value(cutil_get(w, "status.numberReady"));
		return;
	}
	const json_t *r = cutil_get(w, "spec.replicas");
	*want = r ? json_integer_value(r) : 1;
	*ready = json_integer_value(cutil_get(w, "status.readyReplicas"));
}

bool cncf_workload_evidence(struct check_result *res, const char *kind, const json_t *w)
{
	long long ready, want;
	cncf_workload_replicas(w, &ready, &want);
	char *ref = cutil_ref(w);
	check_evidence(res, "%s %s: %lld/%lld ready", kind, ref, ready, want);
	free(ref);
	return want > 0 && ready >= want;
}
