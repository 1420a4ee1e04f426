/* active_hw11.c: the active test of HW-1.1 (DRA for AI accelerators): a pod whose
 * ResourceClaimTemplate asks for one device of the accelerators' DeviceClass runs with
 * its claim allocated (driver/pool/device on the pod's node, reserved for the pod), the
 * device reached its container (`kaic probe devices` sees its UUID, its name or its
 * claim in what the driver's CDI spec injected), and a claim whose CEL selector matches
 * no device stays unallocated. */
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/known.h"
#include "checks/util.h"
#include "util/xmalloc.h"

#define DRA "resource.k8s.io"
#define DRA_API "resource.k8s.io/v1"
#define NOMATCH "no-match"
#define NOMATCH_CEL "device.driver == \"no-such-driver.kaic.io\""
#define NEGATIVE_WAIT_MS 15000

json_t *active_hw11_objects(const struct active_params *p)
{
	return json_pack("[o,o,o,o]", active_dra_claim_template(p, "dra-" ACTIVE_DRA_CLAIM, NULL),
			 active_dra_claim_template(p, "dra-" NOMATCH, NOMATCH_CEL),
			 active_dra_devices_pod(p, "dra", "dra-" ACTIVE_DRA_CLAIM),
			 active_dra_claim_pod(p, "dra-" NOMATCH, "dra-" NOMATCH));
}

static bool reserved_for(const json_t *claim, const char *pod)
{
	size_t i;
	const json_t *r;
	json_array_foreach(cutil_get(claim, "status.reservedFor"), i, r) {
		const char *n = cutil_str(r, "name");
		if (n && strcmp(n, pod) == 0)
			return true;
	}
	return false;
}

/* Where the report of pod dra shows device d of claim (its UUID attribute, its name or
 * the claim's uid in an injected variable, else a device file), or NULL. */
static char *reached(const json_t *report, const struct cutil_device *d, const json_t *claim)
{
	const char *tokens[] = {cutil_str(d->attrs, "uuid.string"), d->name,
				cutil_str(claim, "metadata.uid")};
	for (size_t i = 0; i < sizeof tokens / sizeof *tokens; i++) {
		char *where = active_dra_report_names(report, tokens[i]);
		if (where != NULL)
			return where;
	}
	const json_t *files = json_object_get(report, "device_nodes");
	if (json_array_size(files) == 0)
		return NULL;
	char *f = json_dumps(files, JSON_COMPACT);
	char *out = xasprintf("device files %s", f ? f : "?");
	free(f);
	return out;
}

/* Whether device d of claim reached the container of pod dra (evidence either way). */
static bool check_reached(struct check_result *res, const json_t *report,
			  const struct cutil_device *d, const json_t *claim)
{
	char *where = reached(report, d, claim);
	if (where != NULL) {
		check_evidence(res,
			       "the device reached the container: kaic probe devices in pod "
			       "dra sees %s",
			       where);
		free(where);
		return true;
	}
	char *seen = json_dumps(report, JSON_COMPACT);
	check_evidence(res,
		       "the device did not reach the container: kaic probe devices in pod dra "
		       "sees no device file, UUID or variable naming %s or its claim (%s)",
		       d->name, seen ? seen : "?");
	free(seen);
	return false;
}

/* Checks the running pod's claim and what its container sees. Returns 1 when the
 * allocation and the device in the container are demonstrated, 0 when the allocation
 * is wrong, -1 when the device did not reach the container (evidence either way). */
static int check_allocation(struct check_ctx *ctx, struct check_result *res,
			    const struct cutil_devices *devs, const json_t *pod,
			    const json_t *report)
{
	const char *node = cutil_str(pod, "spec.nodeName");
	const char *cname = active_dra_generated_claim(pod);
	if (cname == NULL) {
		check_evidence(res, "pod dra runs but names no generated claim "
				    "(status.resourceClaimStatuses)");
		return 0;
	}
	struct kube_error err = {0};
	json_t *claim = active_dra_get_claim(ctx, cname, &err);
	if (claim == NULL) {
		active_run_error(ctx, res, "cannot read the generated ResourceClaim", &err);
		return 0;
	}
	const json_t *r = json_array_get(cutil_get(claim, "status.allocation.devices.results"), 0);
	int ok = 0;
	if (r == NULL) {
		check_evidence(res, "pod dra runs but its claim %s has no allocation", cname);
	} else {
		const struct cutil_device *d = active_dra_published(devs, r);
		bool same_node = d != NULL && (d->node == NULL || (node && !strcmp(d->node, node)));
		check_evidence(res,
			       "allocated device %s/%s/%s on node %s (claim %s, reserved for "
			       "pod dra: %s)",
			       cutil_str(r, "driver"), cutil_str(r, "pool"), cutil_str(r, "device"),
			       node ? node : "?", cname, reserved_for(claim, "dra") ? "yes" : "no");
		if (d == NULL)
			check_evidence(res, "no ResourceSlice publishes the allocated device");
		else if (!same_node)
			check_evidence(res, "the device is published by node %s, not the pod's",
				       d->node);
		if (same_node && reserved_for(claim, "dra"))
			ok = check_reached(res, report, d, claim) ? 1 : -1;
	}
	json_decref(claim);
	return ok;
}

/* Whether the node reported that it could not prepare the claim of pod dra (kubelet's
 * FailedPrepareDynamicResources event, in the evidence): the driver's node plugin is
 * missing or failing. */
static bool prepare_failed(const struct check_result *res)
{
	for (size_t i = 0; i < res->nevidence; i++)
		if (strstr(res->evidence[i], "FailedPrepareDynamicResources pod/dra:") != NULL)
			return true;
	return false;
}

/* True when the scheduler's reason for not placing pod names its claims (the
 * DynamicResources plugin: "cannot allocate all claims", a claim not found or not
 * allocatable): DRA was tried and refused. Anything else (no node at all, taints, too
 * little CPU) means the test never reached DRA, so it cannot judge it. */
static bool claims_refused(const json_t *pod)
{
	const char *why = active_run_unschedulable(pod);
	return why != NULL && strcasestr(why, "claim") != NULL;
}

/* Done when the scheduler has decided: unschedulable, or running. */
static enum active_wait_answer negative_pred(const json_t *pod, void *arg)
{
	(void)arg;
	const char *phase = active_run_phase(pod);
	if (active_run_unschedulable(pod) != NULL || strcmp(phase, "Running") == 0 ||
	    strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0)
		return ACTIVE_WAIT_DONE;
	return ACTIVE_WAIT_MORE;
}

/* Negative: the claim whose selector matches nothing must stay unallocated. Returns 1
 * when shown, 0 when it was allocated, -1 on an error (recorded). */
static int check_negative(struct check_ctx *ctx, struct check_result *res)
{
	long long deadline = active_run_deadline(ctx, NEGATIVE_WAIT_MS);
	json_t *pod = NULL;
	struct kube_error err = {0};
	char *path = xasprintf("/api/v1/namespaces/%s/pods", ctx->ns);
	int rc = active_wait(ctx->act, path, "dra-" NOMATCH, negative_pred, NULL, deadline,
			     ctx->cancel, &pod, &err);
	free(path);
	if (rc != 0 && strcmp(err.reason, "Timeout") != 0) {
		json_decref(pod);
		active_run_error(ctx, res, "pod dra-" NOMATCH, &err);
		return -1;
	}
	bool running = rc == 0 && strcmp(active_run_phase(pod), "Running") == 0;
	const char *cname = active_dra_generated_claim(pod);
	json_t *claim = cname ? active_dra_get_claim(ctx, cname, &err) : NULL;
	if (cname != NULL && claim == NULL && err.http_code != 404) {
		json_decref(pod);
		active_run_error(ctx, res, "cannot read the claim of pod dra-" NOMATCH, &err);
		return -1;
	}
	bool allocated = cutil_get(claim, "status.allocation") != NULL;
	const char *stuck = active_run_pod_stuck(pod);
	int out = 1;
	if (running || allocated) {
		check_evidence(res, "negative test failed: claim %s (selector %s) was allocated",
			       cname ? cname : NOMATCH, NOMATCH_CEL);
		out = 0;
	} else {
		check_evidence(res,
			       "negative: claim with selector %s stays unallocated (pod "
			       "dra-" NOMATCH ": %s)",
			       NOMATCH_CEL, stuck ? stuck : "Pending");
	}
	json_decref(claim);
	json_decref(pod);
	return out;
}

void active_hw11_run(struct check_ctx *ctx, struct check_result *res)
{
	if (!inventory_served(ctx->inv, DRA, "v1", "resourceclaimtemplates")) {
		active_run_not_run(res, DRA_API " ResourceClaimTemplate is not served", NULL);
		return;
	}
	struct kube_error err = {0};
	struct cutil_devices devs = {0};
	int errors = 0;
	cutil_devices_collect(cutil_list(ctx->inv, DRA, "v1", "resourceslices", res, &errors),
			      &devs);
	const char *why = NULL;
	const char *dc = active_dra_device_class(ctx, &devs, res, &errors, &why);
	if (errors > 0) {
		active_run_read_failed(res, errors);
		cutil_devices_release(&devs);
		return;
	}
	if (dc == NULL) {
		active_run_not_run(res, why,
				   "create a DeviceClass selecting the accelerator "
				   "driver's devices");
		cutil_devices_release(&devs);
		return;
	}
	struct active_params p;
	active_run_params(ctx, &p);
	p.device_class = dc;
	json_t *objs = active_hw11_objects(&p);
	json_t *pod = NULL, *report = NULL;
	if (active_run_create_all(ctx, res, objs, NULL) != 0)
		goto out;
	res->mode = MODE_ACTIVE;
	if (active_run_wait_pod(ctx, "dra", ACTIVE_POD_READY, ctx->deadline_ms, &pod, &err) != 0) {
		const char *stuck = active_run_pod_stuck(pod);
		bool placed = strcmp(err.reason, "Timeout") == 0 && cutil_str(pod, "spec.nodeName");
		if (placed)
			active_run_events(ctx, res);
		if (placed && prepare_failed(res)) {
			check_evidence(res,
				       "pod dra was given a device on node %s, which never "
				       "prepared it: the container did not start",
				       cutil_str(pod, "spec.nodeName"));
			active_run_decide(res, VERDICT_PARTIAL,
					  "the node could not prepare the allocated device (see "
					  "the event): check the DRA driver's kubelet plugin on "
					  "that node");
		} else if (strcmp(err.reason, "Timeout") == 0 && stuck != NULL) {
			check_evidence(res,
				       "pod dra asking for one device of DeviceClass %s was "
				       "never scheduled: %s",
				       dc, stuck);
			active_run_events(ctx, res);
			if (claims_refused(pod))
				active_run_decide(
				    res, VERDICT_PARTIAL,
				    "the DRA driver did not allocate a device for a "
				    "ResourceClaim: check the driver and the scheduler");
			else
				active_run_decide(
				    res, VERDICT_ERROR,
				    "the pod could not be placed for a reason other "
				    "than its claim (no node that runs pods?): see the "
				    "evidence");
		} else {
			active_run_error(ctx, res, "pod dra", &err);
		}
		goto out;
	}
	if (strcmp(active_run_phase(pod), "Failed") == 0) {
		check_evidence(res, "pod dra failed");
		active_run_events(ctx, res);
		active_run_decide(res, VERDICT_ERROR, "see the evidence");
		goto out;
	}
	check_evidence(res, "pod dra with a claim from DeviceClass %s is %s", dc,
		       active_run_phase(pod));
	report = active_dra_read_report(ctx, res, "dra");
	if (report == NULL) {
		active_run_events(ctx, res);
		active_run_decide(res, VERDICT_ERROR,
				  "kaic saw no sign that the pod's container ran: check that "
				  "the node runs containers and serves pod logs");
		goto out;
	}
	int alloc = check_allocation(ctx, res, &devs, pod, report);
	if (alloc != 1) {
		if (res->verdict != VERDICT_ERROR)
			active_run_decide(
			    res, VERDICT_PARTIAL,
			    alloc == 0 ? "the allocated device is not reported as the DRA API "
					 "specifies: check the DRA driver"
				       : "the allocated device is not visible in the container: "
					 "check the DRA driver's CDI spec and the runtime's CDI "
					 "support");
		goto out;
	}
	int neg = check_negative(ctx, res);
	if (neg == 1)
		active_run_decide(res, VERDICT_FULL, NULL);
	else if (neg == 0)
		active_run_decide(res, VERDICT_PARTIAL,
				  "the DRA driver allocated a device that the claim's CEL selector "
				  "excludes: check the driver's selector support");
out:
	json_decref(report);
	json_decref(pod);
	json_decref(objs);
	cutil_devices_release(&devs);
}
