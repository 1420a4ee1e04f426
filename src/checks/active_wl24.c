/* active_wl24.c: the active test of WL-2.4 (topology-aware allocation): a ResourceClaim
 * whose request of 2 accelerators carries a `matchAttribute` constraint on a topology
 * attribute (resource.kubernetes.io/pcieRoot, else the driver's numaNode) is allocated
 * devices that share the attribute's value, read back from the ResourceSlices; and a
 * claim of one device more than any single value holds on a node (but no more than the
 * node publishes), with the same constraint, stays unallocated. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks/active_tests.h"
#include "checks/util.h"
#include "util/xmalloc.h"

#define DRA "resource.k8s.io"
#define DRA_API "resource.k8s.io/v1"
#define PCIE_ROOT "resource.kubernetes.io/pcieRoot"
#define ALIGNED "topo-aligned"
#define UNSAT "topo-unsatisfiable"
#define ALIGNED_COUNT 2
#define EXAMPLE_OVER 5 /* `kaic manifests`: the unsatisfiable count shown */
#define NEGATIVE_WAIT_MS 15000
#define VAL_MAX 256
#define SERVING "kaic probe echo: serving as \"" ALIGNED "\""

static json_t *template(const struct active_params *p, const char *name, long count)
{
	json_t *t = active_build_object(p, DRA_API, "ResourceClaimTemplate", name, true);
	json_t *exactly = json_pack("{s:s, s:s, s:I}", "deviceClassName", p->device_class,
				    "allocationMode", "ExactCount", "count", (json_int_t)count);
	json_t *devices =
	    json_pack("{s:[{s:s, s:o}], s:[{s:[s], s:s}]}", "requests", "name", ACTIVE_DRA_CLAIM,
		      "exactly", exactly, "constraints", "requests", ACTIVE_DRA_CLAIM,
		      "matchAttribute", p->match_attribute ? p->match_attribute : PCIE_ROOT);
	json_object_set_new(t, "spec", json_pack("{s:{s:o}}", "spec", "devices", devices));
	return t;
}

json_t *active_wl24_objects(const struct active_params *p)
{
	long over = p->match_over > 0 ? p->match_over : EXAMPLE_OVER;
	return json_pack("[o,o,o,o]", template(p, UNSAT, over), template(p, ALIGNED, ALIGNED_COUNT),
			 active_dra_claim_pod(p, UNSAT, UNSAT),
			 active_dra_claim_pod(p, ALIGNED, ALIGNED));
}

/* ---- choosing the attribute ---- */

/* The value of attribute qname (fully qualified) of d as text into buf; false when
 * absent. An unqualified attribute is in the driver's domain. */
static bool attr_value(const struct cutil_device *d, const char *qname, char *buf, size_t size)
{
	const json_t *v = json_object_get(d->attrs, qname);
	const char *slash = strrchr(qname, '/');
	size_t dl = strlen(d->driver);
	if (v == NULL && slash && (size_t)(slash - qname) == dl && !strncmp(qname, d->driver, dl))
		v = json_object_get(d->attrs, slash + 1);
	return v != NULL && cutil_attr_text(v, buf, size);
}

/* How the devices of driver spread over one attribute: the most devices sharing one
 * value on a node (*group), and the most devices of a node that has at least two values
 * (*node_total, 0 when no node has two). */
static void spread(const struct cutil_devices *devs, const char *driver, const char *qname,
		   long *group, long *node_total)
{
	*group = *node_total = 0;
	for (size_t i = 0; i < devs->n; i++) {
		const struct cutil_device *a = &devs->v[i];
		char va[VAL_MAX], vb[VAL_MAX];
		if (strcmp(a->driver, driver) != 0 || !attr_value(a, qname, va, sizeof va))
			continue;
		long same = 0, total = 0;
		bool other = false;
		for (size_t k = 0; k < devs->n; k++) {
			const struct cutil_device *b = &devs->v[k];
			if (strcmp(b->driver, driver) != 0 ||
			    !attr_value(b, qname, vb, sizeof vb) ||
			    (a->node == NULL) != (b->node == NULL) ||
			    (a->node && strcmp(a->node, b->node) != 0))
				continue;
			total++;
			if (strcmp(va, vb) == 0)
				same++;
			else
				other = true;
		}
		if (same > *group)
			*group = same;
		if (other && total > *node_total)
			*node_total = total;
	}
}

/* The attribute to constrain on (pcieRoot, else DRIVER/numaNode) with the count of the
 * unsatisfiable claim; NULL with *why when no attribute can show alignment. The name is a
 * new string. */
static char *pick_attribute(const struct cutil_devices *devs, const char *driver, long *over,
			    struct check_result *res, const char **why)
{
	char *cands[] = {xstrdup(PCIE_ROOT), xasprintf("%s/numaNode", driver)};
	char *found = NULL;
	for (size_t i = 0; i < 2; i++) {
		long group, node_total;
		spread(devs, driver, cands[i], &group, &node_total);
		if (found == NULL && group >= ALIGNED_COUNT && node_total > group) {
			check_evidence(res,
				       "driver %s publishes %s: at most %ld devices share a value "
				       "on a node; a node has %ld devices over several values",
				       driver, cands[i], group, node_total);
			found = cands[i];
			cands[i] = NULL;
			*over = group + 1;
		}
		free(cands[i]);
	}
	if (found == NULL)
		*why = "no node has accelerators of one DRA driver that differ in "
		       "resource.kubernetes.io/pcieRoot or numaNode, two of them sharing a value";
	return found;
}

/* ---- reading back ---- */

/* The generated claim of pod (new reference), NULL when it has none; -1 after an error
 * (recorded). */
static int pod_claim(struct check_ctx *ctx, struct check_result *res, const json_t *pod,
		     const char *name, json_t **claim)
{
	*claim = NULL;
	const char *cname = active_dra_generated_claim(pod);
	if (cname == NULL)
		return 0;
	struct kube_error err = {0};
	*claim = active_dra_get_claim(ctx, cname, &err);
	if (*claim == NULL && err.http_code != 404) {
		char *what = xasprintf("cannot read the claim of pod %s", name);
		active_run_error(ctx, res, what, &err);
		free(what);
		return -1;
	}
	return 0;
}

/* "gpu-0=pci0000:00, gpu-1=pci0000:00" for the claim's allocation into *list (new);
 * returns whether every device is published and shares one value. */
static bool allocated_values(const json_t *claim, const struct cutil_devices *devs,
			     const char *qname, char **list, size_t *n)
{
	struct cutil_set s = CUTIL_SET_INIT;
	char first[VAL_MAX] = "";
	bool same = true;
	size_t i;
	const json_t *r;
	*n = 0;
	json_array_foreach(cutil_get(claim, "status.allocation.devices.results"), i, r) {
		const struct cutil_device *d = active_dra_published(devs, r);
		char v[VAL_MAX] = "?";
		bool has = d != NULL && attr_value(d, qname, v, sizeof v);
		if (!has || (*n > 0 && strcmp(v, first) != 0))
			same = false;
		if (*n == 0)
			snprintf(first, sizeof first, "%s", v);
		cutil_set_addf(&s, "%s=%s", cutil_str(r, "device") ? cutil_str(r, "device") : "?",
			       has ? v : "(not published)");
		(*n)++;
	}
	*list = cutil_set_join(&s, 16);
	cutil_set_release(&s);
	return same && *n > 0;
}

/* Whether the scheduler refused the pod for its claims (kube-scheduler's DRA plugin:
 * "cannot allocate all claims"): anything else (no node at all, taints) never reached
 * DRA and judges nothing. */
static bool claims_refused(const json_t *pod)
{
	const char *why = active_run_unschedulable(pod);
	return why != NULL && strcasestr(why, "claim") != NULL;
}

/* Done when the scheduler has decided: unschedulable, or running. */
static enum active_wait_answer decided(const json_t *pod, void *arg)
{
	(void)arg;
	const char *phase = active_run_phase(pod);
	if (active_run_unschedulable(pod) != NULL || strcmp(phase, "Pending") != 0)
		return ACTIVE_WAIT_DONE;
	return ACTIVE_WAIT_MORE;
}

/* The unsatisfiable claim stays unallocated: 1 shown (the scheduler refused it for its
 * claim), 0 allocated, 2 not judged (never reached DRA), -1 error. */
static int check_unsat(struct check_ctx *ctx, struct check_result *res,
		       const struct cutil_devices *devs, const struct active_params *p)
{
	json_t *pod = NULL, *claim = NULL;
	struct kube_error err = {0};
	char *path = xasprintf("/api/v1/namespaces/%s/pods", ctx->ns);
	int rc = active_wait(ctx->act, path, UNSAT, decided, NULL,
			     active_run_deadline(ctx, NEGATIVE_WAIT_MS), ctx->cancel, &pod, &err);
	free(path);
	if (rc != 0 && strcmp(err.reason, "Timeout") != 0) {
		json_decref(pod);
		active_run_error(ctx, res, "pod " UNSAT, &err);
		return -1;
	}
	if (pod_claim(ctx, res, pod, UNSAT, &claim) != 0) {
		json_decref(pod);
		return -1;
	}
	int out = 1;
	if (cutil_get(claim, "status.allocation") != NULL) {
		char *list;
		size_t n;
		allocated_values(claim, devs, p->match_attribute, &list, &n);
		check_evidence(res,
			       "wrong: the claim of %ld devices with matchAttribute %s, which no "
			       "node can satisfy, was allocated %zu devices: %s",
			       p->match_over, p->match_attribute, n, list);
		free(list);
		out = 0;
	} else if (claims_refused(pod)) {
		check_evidence(res,
			       "negative: a claim of %ld devices sharing %s stays unallocated "
			       "(pod " UNSAT ": %s)",
			       p->match_over, p->match_attribute, active_run_unschedulable(pod));
	} else {
		const char *stuck = active_run_pod_stuck(pod);
		check_evidence(res,
			       "pod " UNSAT " was not refused for its claim (%s): the negative "
			       "test never reached DRA",
			       stuck ? stuck : "Pending");
		out = 2;
	}
	json_decref(claim);
	json_decref(pod);
	return out;
}

/* The aligned claim: 1 its devices share the value, 0 they do not or it never ran
 * (decided), -1 error (decided). */
static int check_aligned(struct check_ctx *ctx, struct check_result *res,
			 const struct cutil_devices *devs, const struct active_params *p)
{
	json_t *pod = NULL, *claim = NULL;
	struct kube_error err = {0};
	if (active_run_wait_pod(ctx, ALIGNED, ACTIVE_POD_READY, ctx->deadline_ms, &pod, &err) !=
	    0) {
		const char *stuck = active_run_pod_stuck(pod);
		if (strcmp(err.reason, "Timeout") == 0 && stuck != NULL) {
			check_evidence(res,
				       "pod " ALIGNED " (2 devices sharing %s) was never "
				       "scheduled: %s",
				       p->match_attribute, stuck);
			active_run_events(ctx, res);
			if (claims_refused(pod))
				active_run_decide(
				    res, VERDICT_PARTIAL,
				    "the DRA allocator could not satisfy a matchAttribute "
				    "constraint that the published devices allow: check the "
				    "scheduler's DRA support");
			else
				active_run_decide(
				    res, VERDICT_ERROR,
				    "the pod could not be placed for a reason other "
				    "than its claim (no node that runs pods?): see the "
				    "evidence");
			json_decref(pod);
			return 0;
		}
		json_decref(pod);
		active_run_error(ctx, res, "pod " ALIGNED, &err);
		return -1;
	}
	if (!active_run_container_started(ctx, res, ALIGNED, SERVING)) {
		json_decref(pod);
		active_run_decide(res, VERDICT_ERROR,
				  "kaic saw no sign that the pod's container ran: check that the "
				  "node runs containers and serves pod logs");
		return 0;
	}
	if (pod_claim(ctx, res, pod, ALIGNED, &claim) != 0) {
		json_decref(pod);
		return -1;
	}
	char *list = NULL;
	size_t n = 0;
	bool same = allocated_values(claim, devs, p->match_attribute, &list, &n);
	int out = 1;
	if (claim == NULL || n != ALIGNED_COUNT) {
		check_evidence(res, "pod " ALIGNED " is %s but its claim has %zu allocated devices",
			       active_run_phase(pod), n);
		active_run_decide(res, VERDICT_PARTIAL,
				  "the claim's allocation is not reported as the DRA API "
				  "specifies: check the DRA driver");
		out = 0;
	} else if (!same) {
		check_evidence(res, "wrong: claim %s with matchAttribute %s got devices %s",
			       cutil_name(claim), p->match_attribute, list);
		active_run_decide(res, VERDICT_PARTIAL,
				  "the allocator ignores matchAttribute constraints: devices of "
				  "different topology were allocated together");
		out = 0;
	} else {
		check_evidence(
		    res, "aligned: claim %s with matchAttribute %s allocated %s on node %s",
		    cutil_name(claim), p->match_attribute, list,
		    cutil_str(pod, "spec.nodeName") ? cutil_str(pod, "spec.nodeName") : "?");
	}
	free(list);
	json_decref(claim);
	json_decref(pod);
	return out;
}

void active_wl24_run(struct check_ctx *ctx, struct check_result *res)
{
	if (!inventory_served(ctx->inv, DRA, "v1", "resourceclaimtemplates")) {
		active_run_not_run(res, DRA_API " ResourceClaimTemplate is not served", NULL);
		return;
	}
	struct cutil_devices devs = {0};
	int errors = 0;
	cutil_devices_collect(cutil_list(ctx->inv, DRA, "v1", "resourceslices", res, &errors),
			      &devs);
	const char *why = NULL;
	char driver[256] = "";
	const char *dc = active_dra_device_class(ctx, &devs, res, &errors, &why);
	if (dc != NULL && !active_dra_class_driver(ctx, dc, driver, sizeof driver)) {
		dc = NULL;
		why = "the accelerators' DeviceClass names no driver";
	}
	struct active_params p;
	active_run_params(ctx, &p);
	char *attr = NULL;
	json_t *objs = NULL;
	if (errors > 0) {
		active_run_read_failed(res, errors);
		goto out;
	}
	if (dc != NULL)
		attr = pick_attribute(&devs, driver, &p.match_over, res, &why);
	if (attr == NULL) {
		active_run_not_run(res, why,
				   "publish resource.kubernetes.io/pcieRoot (or numaNode) on the "
				   "accelerators' DRA devices");
		goto out;
	}
	p.device_class = dc;
	p.match_attribute = attr;
	objs = active_wl24_objects(&p);
	if (active_run_create_all(ctx, res, objs, (const char *const[]){UNSAT, NULL}) != 0)
		goto out;
	res->mode = MODE_ACTIVE;
	int neg = check_unsat(ctx, res, &devs, &p);
	if (neg < 0 ||
	    active_run_create_all(ctx, res, objs, (const char *const[]){ALIGNED, NULL}) != 0)
		goto out;
	int pos = check_aligned(ctx, res, &devs, &p);
	if (pos == 1 && neg == 1)
		active_run_decide(res, VERDICT_FULL, NULL);
	else if (pos == 1 && neg == 2)
		active_run_decide(res, VERDICT_ERROR,
				  "the unsatisfiable claim's pod was not refused for its claim: "
				  "kaic cannot tell whether the constraint was honoured");
	else if (pos == 1)
		active_run_decide(res, VERDICT_PARTIAL,
				  "the allocator ignores matchAttribute constraints: a claim no "
				  "topology group can satisfy was allocated");
out:
	free(attr);
	json_decref(objs);
	cutil_devices_release(&devs);
}
