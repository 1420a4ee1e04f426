/* active_saa.c: the active test of secure_accelerator_access: two pods each holding its
 * own claim for one device of the accelerators' DeviceClass each see exactly one
 * device, not the same one, and a pod without a claim, placed on the node of the first
 * (spec.nodeName), sees no accelerator. Every pod
 * runs `kaic probe devices` (device files, GPU UUIDs, visible-devices variables). */
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/util.h"
#include "util/xmalloc.h"

#define DRA "resource.k8s.io"
#define DRA_API "resource.k8s.io/v1"

static const char *const pods[] = {"saa-a", "saa-b", "saa-none"};

json_t *active_saa_objects(const struct active_params *p)
{
	json_t *none = active_dra_devices_pod(p, "saa-none", NULL);
	json_object_set_new(json_object_get(none, "spec"), "nodeName", json_string(p->accel_node));
	return json_pack("[o,o,o,o,o]", active_dra_claim_template(p, "saa-claim-a", NULL),
			 active_dra_claim_template(p, "saa-claim-b", NULL),
			 active_dra_devices_pod(p, "saa-a", "saa-claim-a"),
			 active_dra_devices_pod(p, "saa-b", "saa-claim-b"), none);
}

/* What one pod saw: its devices as identities ("uuid" when the probe read UUIDs, else
 * "NODE:/dev/..." device files). */
struct seen {
	struct cutil_set ids;
	char *text; /* for evidence */
};

static void seen_release(struct seen *s)
{
	cutil_set_release(&s->ids);
	free(s->text);
}

/* Adds "NODE:DEVICE" for each device published on node whose name a variable of the
 * report's env lists (a DRA driver's CDI spec that names its device, as the example
 * driver's GPU_DEVICE_N=gpu-N does). */
static void seen_env(const json_t *out, const struct cutil_devices *devs, const char *node,
		     struct seen *s)
{
	for (size_t k = 0; node != NULL && k < devs->n; k++) {
		const struct cutil_device *d = &devs->v[k];
		if (d->node == NULL || strcmp(d->node, node) != 0)
			continue;
		char *where = active_dra_report_names(out, d->name);
		if (where != NULL)
			cutil_set_addf(&s->ids, "%s:%s", node, d->name);
		free(where);
	}
}

static void seen_from(const json_t *out, const json_t *pod, const struct cutil_devices *devs,
		      struct seen *s)
{
	memset(s, 0, sizeof *s);
	const json_t *uuids = json_object_get(out, "uuids");
	const json_t *nodes = json_object_get(out, "device_nodes");
	size_t i;
	const json_t *v;
	json_array_foreach(uuids, i, v) {
		cutil_set_add(&s->ids, json_string_value(v));
	}
	const char *node = cutil_str(pod, "spec.nodeName");
	if (json_array_size(uuids) == 0)
		json_array_foreach(nodes, i, v) {
			cutil_set_addf(&s->ids, "%s:%s", node ? node : "?", json_string_value(v));
		}
	if (s->ids.n == 0)
		seen_env(out, devs, node, s);
	char *u = json_dumps(uuids, JSON_COMPACT), *n = json_dumps(nodes, JSON_COMPACT);
	char *e = json_dumps(json_object_get(out, "env"), JSON_COMPACT);
	s->text = xasprintf("uuids %s, device files %s, env %s", u ? u : "[]", n ? n : "[]",
			    e ? e : "{}");
	free(u);
	free(n);
	free(e);
}

/* Waits for pod NAME to run and print its report; fills s. -1 after recording Error. */
static int read_one(struct check_ctx *ctx, struct check_result *res, const char *name,
		    const struct cutil_devices *devs, struct seen *s, char **node)
{
	json_t *pod = NULL, *out = NULL;
	struct kube_error err = {0};
	if (active_run_wait_pod(ctx, name, ACTIVE_POD_READY, ctx->deadline_ms, &pod, &err) != 0) {
		const char *stuck = active_run_pod_stuck(pod);
		char *what = xasprintf("pod %s%s%s", name, stuck ? ": " : "", stuck ? stuck : "");
		active_run_error(ctx, res, what, &err);
		free(what);
		json_decref(pod);
		return -1;
	}
	out = active_dra_read_report(ctx, res, name);
	if (out == NULL) {
		active_run_events(ctx, res);
		active_run_decide(res, VERDICT_ERROR,
				  "see the evidence: kaic probe devices failed");
		json_decref(pod);
		return -1;
	}
	seen_from(out, pod, devs, s);
	if (node != NULL && cutil_str(pod, "spec.nodeName") != NULL)
		*node = xstrdup(cutil_str(pod, "spec.nodeName"));
	check_evidence(res, "pod %s%s on node %s sees %zu device%s: %s", name,
		       strcmp(name, "saa-none") == 0 ? " (no claim)" : " (own claim)",
		       cutil_str(pod, "spec.nodeName") ? cutil_str(pod, "spec.nodeName") : "?",
		       s->ids.n, cutil_plural(s->ids.n), s->text);
	json_decref(out);
	json_decref(pod);
	return 0;
}

/* Whether both claim pods are still Running (they held their claims at the same time). */
static bool overlapped(struct check_ctx *ctx)
{
	for (size_t i = 0; i < 2; i++) {
		char *path = xasprintf("/api/v1/namespaces/%s/pods/%s", ctx->ns, pods[i]);
		json_t *pod = NULL;
		struct kube_error err = {0};
		bool running = kube_get(ctx->client, path, &pod, &err) == 0 &&
			       strcmp(active_run_phase(pod), "Running") == 0;
		free(path);
		json_decref(pod);
		if (!running)
			return false;
	}
	return true;
}

/* The verdict from what the three pods saw. */
static void decide(struct check_result *res, const struct seen *none, const struct seen *a,
		   const struct seen *b)
{
	bool shared = false;
	for (size_t i = 0; i < a->ids.n; i++)
		shared |= cutil_set_has(&b->ids, a->ids.v[i]);
	if (none->ids.n > 0) {
		check_evidence(res, "isolation broken: a pod without a claim sees accelerators");
		active_run_decide(res, VERDICT_NO,
				  "pods without a claim must see no accelerator: check the "
				  "container runtime's default (e.g. NVIDIA_VISIBLE_DEVICES=all, "
				  "accept-nvidia-visible-devices-envvar-when-unprivileged)");
	} else if (shared || a->ids.n > 1 || b->ids.n > 1) {
		check_evidence(res, "isolation broken: %s",
			       shared ? "two pods with separate claims see the same device"
				      : "a pod sees more devices than its claim holds");
		active_run_decide(res, VERDICT_NO,
				  "each pod must see only the devices allocated to its claims: "
				  "check the DRA driver's CDI injection");
	} else if (a->ids.n == 0 || b->ids.n == 0) {
		check_evidence(res, "a pod holding a claim sees no device: isolation between "
				    "pods could not be shown");
		active_run_decide(res, VERDICT_PARTIAL,
				  "the allocated device is not visible in the container: check "
				  "the DRA driver's CDI injection");
	} else {
		check_evidence(res,
			       "each pod sees only its own device (%s vs %s); the pod "
			       "without a claim sees none",
			       a->ids.v[0], b->ids.v[0]);
		active_run_decide(res, VERDICT_FULL, NULL);
	}
}

void active_saa_run(struct check_ctx *ctx, struct check_result *res)
{
	if (!inventory_served(ctx->inv, DRA, "v1", "resourceclaimtemplates")) {
		active_run_not_run(res, DRA_API " ResourceClaimTemplate is not served", NULL);
		return;
	}
	int errors = 0;
	struct cutil_devices devs = {0};
	cutil_devices_collect(cutil_list(ctx->inv, DRA, "v1", "resourceslices", res, &errors),
			      &devs);
	const char *why = NULL;
	const char *dc = active_dra_device_class(ctx, &devs, res, &errors, &why);
	if (errors > 0 || dc == NULL) {
		if (errors > 0)
			active_run_read_failed(res, errors);
		else
			active_run_not_run(res, why,
					   "create a DeviceClass selecting the accelerator "
					   "driver's devices");
		cutil_devices_release(&devs);
		return;
	}
	struct active_params p;
	active_run_params(ctx, &p);
	p.device_class = dc;
	json_t *objs = active_saa_objects(&p);
	struct seen seen[3] = {
	    {CUTIL_SET_INIT, NULL}, {CUTIL_SET_INIT, NULL}, {CUTIL_SET_INIT, NULL}};
	static const char *const first[] = {"saa-claim-a", "saa-claim-b", "saa-a", "saa-b", NULL};
	char *node = NULL;
	if (active_run_create_all(ctx, res, objs, first) != 0)
		goto out;
	res->mode = MODE_ACTIVE;
	for (size_t i = 0; i < 2; i++)
		if (read_one(ctx, res, pods[i], &devs, &seen[i], i == 0 ? &node : NULL) != 0)
			goto out;
	if (!overlapped(ctx)) {
		check_evidence(res, "pods saa-a and saa-b did not hold their claims at the same "
				    "time (one is no longer Running)");
		active_run_decide(res, VERDICT_ERROR,
				  "run kaic again: the two claim pods must run together");
		goto out;
	}
	p.accel_node = node ? node : ACTIVE_PLACEHOLDER_ACCEL_NODE;
	json_decref(objs);
	objs = active_saa_objects(&p);
	if (active_run_create(ctx, res, active_build_find(objs, "Pod", "saa-none"), NULL) != 0 ||
	    read_one(ctx, res, "saa-none", &devs, &seen[2], NULL) != 0)
		goto out;
	decide(res, &seen[2], &seen[0], &seen[1]);
out:
	free(node);
	for (size_t i = 0; i < 3; i++)
		seen_release(&seen[i]);
	json_decref(objs);
	cutil_devices_release(&devs);
}
