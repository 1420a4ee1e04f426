/* workloads.c: the checks of the Workloads domain: AI-native workload CRDs with the
 * AgentTool (WL-2.1), JobSet (WL-2.2), Kueue (WL-2.3) and topology-aware scheduling
 * (WL-2.4). Passive parts only read the shared inventory. */
#include "checks/checks.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks/active_tests.h"
#include "checks/known.h"
#include "checks/util.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#define MAX_NAMES 5

/* Lists a set as evidence "what: a, b and N more" (nothing when empty). */
static void set_evidence(struct check_result *res, const char *what, struct cutil_set *s)
{
	if (s->n == 0)
		return;
	cutil_set_sort(s);
	char *l = cutil_set_join(s, MAX_NAMES);
	check_evidence(res, "%s: %s", what, l);
	free(l);
}

/* The ready state of a known controller's Deployments: 1 ready, 0 found but not ready,
 * -1 not found or not read (failed read recorded). Adds an evidence line either way. */
static int controller_ready(struct inventory *inv, const struct known_controller *kc,
			    struct check_result *res, int *errors)
{
	int state = -1;
	size_t i;
	const json_t *d, *deps;
	if (!cutil_list_read(inv, "apps", "v1", "deployments", res, errors, &deps))
		return -1; /* no "not found": it was not read */
	json_array_foreach(deps, i, d) {
		if (!cutil_matches(d, kc->workload_names, kc->labels))
			continue;
		json_int_t want = json_integer_value(cutil_get(d, "spec.replicas"));
		json_int_t ready = json_integer_value(cutil_get(d, "status.readyReplicas"));
		if (cutil_get(d, "spec.replicas") == NULL)
			want = 1;
		char *ref = cutil_ref(d);
		check_evidence(res, "%s controller %s: %lld/%lld replicas ready", kc->product, ref,
			       (long long)ready, (long long)want);
		free(ref);
		if (ready > 0)
			state = 1;
		else if (state < 0)
			state = 0;
	}
	if (state < 0)
		check_evidence(res, "no %s controller Deployment found", kc->product);
	return state;
}

/* ---- WL-2.1 ---- */

static bool agenttool_reconciled(const json_t *o, const char **cond)
{
	for (const char *const *c = known_agenttool_conditions; *c != NULL; c++)
		if (cutil_condition_true(o, *c)) {
			*cond = *c;
			return true;
		}
	return false;
}

/* AgentTool objects: how many, and which a controller reconciled. Returns the count of
 * reconciled ones; *total gets the object count. */
static size_t agenttools(struct inventory *inv, const struct kube_resource *r,
			 struct check_result *res, int *errors, size_t *total)
{
	struct cutil_set all = CUTIL_SET_INIT, done = CUTIL_SET_INIT;
	size_t i;
	const json_t *o, *items;
	*total = 0;
	if (!cutil_list_read(inv, r->group, r->version, r->resource, res, errors, &items))
		return 0;
	json_array_foreach(items, i, o) {
		char *ref = cutil_ref(o);
		const char *cond = NULL;
		cutil_set_add(&all, ref);
		if (agenttool_reconciled(o, &cond))
			cutil_set_addf(&done, "%s (%s=True)", ref, cond);
		free(ref);
	}
	check_evidence(res, "%zu AgentTool object%s", all.n, all.n == 1 ? "" : "s");
	set_evidence(res, "AgentTools", &all);
	set_evidence(res, "reconciled by a controller", &done);
	size_t n = done.n;
	*total = all.n;
	cutil_set_release(&all);
	cutil_set_release(&done);
	return n;
}

static size_t agentic_groups(struct inventory *inv, struct check_result *res)
{
	size_t found = 0;
	for (const struct known_crd_group *g = known_agentic_groups; g->group != NULL; g++) {
		struct cutil_set kinds = CUTIL_SET_INIT;
		cutil_group_kinds(inv, g->group, &kinds);
		if (kinds.n > 0) {
			char *l = cutil_set_join(&kinds, MAX_NAMES);
			check_evidence(res, "%s (%s): %s", g->product, g->group, l);
			free(l);
			found++;
		}
		cutil_set_release(&kinds);
	}
	return found;
}

static void wl_crds_passive(struct check_ctx *ctx, struct check_result *res)
{
	struct inventory *inv = ctx->inv;
	int errors = 0;
	const struct kube_resource *r = cutil_find_kind(inv, known_agenttool_kind);
	size_t total = 0, reconciled = 0;
	if (r != NULL) {
		check_evidence(res, "AgentTool served as %s/%s (%s)", r->group, r->version,
			       r->resource);
		reconciled = agenttools(inv, r, res, &errors, &total);
	} else
		check_evidence(res, "no AgentTool kind served");
	size_t others = agentic_groups(inv, res);
	if (others == 0)
		check_evidence(res,
			       "no other AI workload API served (kagent, agent-sandbox, KServe, "
			       "LeaderWorkerSet, Ray, Kubeflow, ToolHive, InferencePool)");
	if (r != NULL && reconciled > 0)
		cutil_decide(res, errors, VERDICT_FULL, VERDICT_FULL, NULL);
	else if (r != NULL)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     total == 0 ? "no AgentTool shows a reconciling controller: deploy an "
					  "AgentTool controller (see docs/agenttool.md)"
					: "AgentTools exist but none is Registered or Ready: check "
					  "the AgentTool controller");
	else if (others > 0)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "install the AgentTool CRD (deploy/crds/agenttool.yaml) and a "
			     "controller that registers AgentTools");
	else
		cutil_decide(res, errors, VERDICT_NO, VERDICT_FULL,
			     "install the AgentTool CRD (deploy/crds/agenttool.yaml) with its "
			     "controller, or another AI workload operator (KServe, Ray, kagent)");
}

/* ---- WL-2.2 ---- */

static void wl_jobset_passive(struct check_ctx *ctx, struct check_result *res)
{
	struct inventory *inv = ctx->inv;
	int errors = 0;
	const char *group = "jobset.x-k8s.io";
	char *versions = cutil_versions(inv, group, "jobsets");
	if (versions == NULL) {
		check_evidence(res, "%s is not served", group);
		cutil_decide(res, 0, VERDICT_NO, VERDICT_FULL,
			     "install JobSet (jobset.x-k8s.io) and its controller");
		return;
	}
	check_evidence(res, "%s served (versions: %s)", group, versions);
	free(versions);
	bool v1a2 = inventory_served(inv, group, "v1alpha2", "jobsets");
	int ctl = controller_ready(inv, &known_jobset_controller, res, &errors);
	struct cutil_set withstatus = CUTIL_SET_INIT;
	size_t i, n = 0;
	const json_t *o, *jobsets;
	bool read = cutil_list_read(inv, group, NULL, "jobsets", res, &errors, &jobsets);
	json_array_foreach(jobsets, i, o) {
		n++;
		if (json_array_size(cutil_get(o, "status.conditions")) > 0 ||
		    cutil_get(o, "status.replicatedJobsStatus") != NULL) {
			char *ref = cutil_ref(o);
			cutil_set_add(&withstatus, ref);
			free(ref);
		}
	}
	if (read)
		check_evidence(res, "%zu JobSet%s, %zu with controller status", n,
			       n == 1 ? "" : "s", withstatus.n);
	set_evidence(res, "reconciled JobSets", &withstatus);
	bool alive = ctl == 1 || withstatus.n > 0;
	cutil_set_release(&withstatus);
	if (!v1a2)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "upgrade JobSet to a release serving jobset.x-k8s.io/v1alpha2");
	else if (!alive)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     ctl == 0 ? "the JobSet controller has no ready replica: check its "
					"Deployment"
				      : "deploy the JobSet controller (jobset-controller-manager)");
	else
		cutil_decide(res, errors, VERDICT_FULL, VERDICT_FULL, NULL);
}

/* ---- WL-2.3 ---- */

/* "cohort ai, preemption withinClusterQueue=LowerPriority ..., Active=True" */
static char *cq_summary(const json_t *cq)
{
	struct buf b = BUF_INIT;
	buf_init(&b);
	const char *cohort = cutil_str(cq, "spec.cohort");
	if (cohort == NULL)
		cohort = cutil_str(cq, "spec.cohortName");
	buf_addf(&b, "%s: cohort %s", cutil_name(cq), cohort ? cohort : "none");
	const json_t *pre = cutil_get(cq, "spec.preemption");
	const char *within = cutil_str(pre, "withinClusterQueue");
	const char *reclaim = cutil_str(pre, "reclaimWithinCohort");
	const char *borrow = cutil_str(pre, "borrowWithinCohort.policy");
	if (within || reclaim || borrow) {
		buf_adds(&b, ", preemption");
		if (within)
			buf_addf(&b, " withinClusterQueue=%s", within);
		if (reclaim)
			buf_addf(&b, " reclaimWithinCohort=%s", reclaim);
		if (borrow)
			buf_addf(&b, " borrowWithinCohort=%s", borrow);
	} else
		buf_adds(&b, ", no preemption");
	if (cutil_get(cq, "spec.fairSharing") != NULL)
		buf_adds(&b, ", fair sharing");
	const char *active = cutil_condition(cq, "Active");
	buf_addf(&b, ", Active=%s", active ? active : "unknown");
	return buf_detach(&b, NULL);
}

/* Appends "N KIND(s)" to b for an answered list; nothing when it failed (recorded). */
static void count_items(struct inventory *inv, const char *group, const char *resource,
			const char *kind, struct buf *b, struct check_result *res, int *errors)
{
	const json_t *items;
	if (!cutil_list_read(inv, group, NULL, resource, res, errors, &items))
		return;
	size_t n = json_array_size(items);
	buf_addf(b, "%s%zu %s%s", b->len ? ", " : "", n, kind, n == 1 ? "" : "s");
}

static void wl_kueue_passive(struct check_ctx *ctx, struct check_result *res)
{
	struct inventory *inv = ctx->inv;
	int errors = 0;
	const char *group = "kueue.x-k8s.io";
	size_t alt = 0;
	for (const struct known_crd_group *g = known_queueing_groups; g->group != NULL; g++)
		if (inventory_group_served(inv, g->group)) {
			check_evidence(res, "%s served (%s)", g->group, g->product);
			alt++;
		}
	char *versions = cutil_versions(inv, group, "clusterqueues");
	if (versions == NULL) {
		check_evidence(res, "%s is not served", group);
		cutil_decide(res, 0, alt ? VERDICT_PARTIAL : VERDICT_NO, VERDICT_FULL,
			     "install Kueue (kueue.x-k8s.io) and configure a ClusterQueue");
		return;
	}
	check_evidence(res, "%s served (versions: %s)", group, versions);
	free(versions);
	int ctl = controller_ready(inv, &known_kueue_controller, res, &errors);
	size_t i, active = 0;
	const json_t *cq;
	const json_t *cqs;
	struct buf counts = BUF_INIT;
	buf_init(&counts);
	if (cutil_list_read(inv, group, NULL, "clusterqueues", res, &errors, &cqs))
		buf_addf(&counts, "%zu ClusterQueue%s", json_array_size(cqs),
			 json_array_size(cqs) == 1 ? "" : "s");
	count_items(inv, group, "localqueues", "LocalQueue", &counts, res, &errors);
	count_items(inv, group, "resourceflavors", "ResourceFlavor", &counts, res, &errors);
	if (counts.len > 0)
		check_evidence(res, "%s", counts.data);
	buf_release(&counts);
	json_array_foreach(cqs, i, cq) {
		if (cutil_condition_true(cq, "Active"))
			active++;
		if (i < MAX_NAMES) {
			char *s = cq_summary(cq);
			check_evidence(res, "ClusterQueue %s", s);
			free(s);
		}
	}
	if (ctl != 1 && active == 0)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     ctl == 0 ? "the Kueue controller has no ready replica: check its "
					"Deployment"
				      : "deploy the Kueue controller (kueue-controller-manager)");
	else
		cutil_decide(res, errors, VERDICT_FULL, VERDICT_FULL, NULL);
}

/* ---- WL-2.4 ---- */

/* The topology manager policy an NRT object reports ("single-numa-node"), or NULL. */
static const char *nrt_policy(const json_t *nrt)
{
	size_t i;
	const json_t *a;
	json_array_foreach(json_object_get(nrt, "attributes"), i, a) {
		const char *name = json_string_value(json_object_get(a, "name"));
		if (name != NULL && strcmp(name, "topologyManagerPolicy") == 0)
			return json_string_value(json_object_get(a, "value"));
	}
	return json_string_value(json_array_get(json_object_get(nrt, "topologyPolicies"), 0));
}

static bool policy_none(const char *p)
{
	return p == NULL || strcasecmp(p, "none") == 0;
}

struct topo {
	size_t sched; /* signals a scheduler or allocator can act on */
	size_t info;  /* published topology only */
};

static void topo_nrt(struct inventory *inv, struct topo *t, struct check_result *res, int *errors)
{
	const char *g = "topology.node.k8s.io";
	if (!inventory_served(inv, g, NULL, "noderesourcetopologies"))
		return;
	struct cutil_set aligned = CUTIL_SET_INIT, none = CUTIL_SET_INIT;
	size_t i;
	const json_t *o, *nrts;
	if (!cutil_list_read(inv, g, NULL, "noderesourcetopologies", res, errors, &nrts))
		return;
	json_array_foreach(nrts, i, o) {
		const char *p = nrt_policy(o);
		if (policy_none(p))
			cutil_set_add(&none, cutil_name(o));
		else
			cutil_set_addf(&aligned, "%s (%s, %zu zones)", cutil_name(o), p,
				       json_array_size(json_object_get(o, "zones")));
	}
	check_evidence(res,
		       "NodeResourceTopology (%s) served: %zu node%s with a topology "
		       "manager policy, %zu with none",
		       g, aligned.n, aligned.n == 1 ? "" : "s", none.n);
	set_evidence(res, "NUMA-aligned nodes", &aligned);
	t->sched += aligned.n;
	t->info += none.n;
	cutil_set_release(&aligned);
	cutil_set_release(&none);
}

static void topo_dra(struct inventory *inv, struct topo *t, struct check_result *res, int *errors)
{
	struct cutil_devices devs = {0};
	cutil_devices_collect(
	    cutil_list(inv, "resource.k8s.io", NULL, "resourceslices", res, errors), &devs);
	struct cutil_set attrs = CUTIL_SET_INIT;
	size_t n = 0;
	for (size_t i = 0; i < devs.n; i++) {
		bool any = false;
		for (const char *const *a = known_topology_attributes; *a != NULL; a++) {
			if (cutil_device_attr(&devs.v[i], *a) == NULL)
				continue;
			const char *key;
			const json_t *v;
			json_object_foreach((json_t *)devs.v[i].attrs, key, v) {
				const char *slash = strrchr(key, '/');
				if (strcmp(key, *a) == 0 ||
				    (strchr(*a, '/') == NULL && slash && !strcmp(slash + 1, *a)))
					cutil_set_add(&attrs, key);
			}
			any = true;
		}
		n += any;
	}
	if (n > 0) {
		char *l = (cutil_set_sort(&attrs), cutil_set_join(&attrs, MAX_NAMES));
		check_evidence(res, "%zu of %zu DRA devices publish topology attributes (%s)", n,
			       devs.n, l);
		free(l);
	} else if (devs.n > 0)
		check_evidence(res,
			       "none of %zu DRA devices publishes a topology attribute "
			       "(resource.kubernetes.io/pcieRoot, numaNode)",
			       devs.n);
	t->sched += n;
	cutil_set_release(&attrs);
	cutil_devices_release(&devs);
}

static void topo_kueue(struct inventory *inv, struct topo *t, struct check_result *res, int *errors)
{
	if (!inventory_served(inv, "kueue.x-k8s.io", NULL, "topologies"))
		return;
	struct cutil_set names = CUTIL_SET_INIT;
	size_t i;
	const json_t *o;
	json_array_foreach(cutil_list(inv, "kueue.x-k8s.io", NULL, "topologies", res, errors), i,
			   o) {
		cutil_set_addf(&names, "%s (%zu levels)", cutil_name(o),
			       json_array_size(cutil_get(o, "spec.levels")));
	}
	set_evidence(res, "Kueue Topologies (topology-aware scheduling)", &names);
	t->sched += names.n;
	cutil_set_release(&names);
}

static void topo_labels(struct inventory *inv, struct topo *t, struct check_result *res,
			int *errors)
{
	const json_t *nodes = cutil_list(inv, "", "v1", "nodes", res, errors);
	for (const struct known_topology_label *l = known_topology_labels; l->key != NULL; l++) {
		struct cutil_set on = CUTIL_SET_INIT;
		size_t i;
		const json_t *n;
		json_array_foreach(nodes, i, n) {
			if (cutil_label(n, l->key) != NULL)
				cutil_set_add(&on, cutil_name(n));
		}
		if (on.n > 0) {
			char *s = cutil_set_join(&on, MAX_NAMES);
			check_evidence(res, "%s label %s on %zu node%s (%s)", l->what, l->key, on.n,
				       on.n == 1 ? "" : "s", s);
			free(s);
			t->info++;
		}
		cutil_set_release(&on);
	}
}

static void wl_topology_passive(struct check_ctx *ctx, struct check_result *res)
{
	struct inventory *inv = ctx->inv;
	int errors = 0;
	struct topo t = {0, 0};
	topo_nrt(inv, &t, res, &errors);
	topo_dra(inv, &t, res, &errors);
	topo_kueue(inv, &t, res, &errors);
	topo_labels(inv, &t, res, &errors);
	if (t.sched > 0)
		cutil_decide(res, errors, VERDICT_FULL, VERDICT_FULL, NULL);
	else if (t.info > 0)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "publish topology a scheduler acts on: NodeResourceTopology with a "
			     "kubelet topology manager policy, DRA pcieRoot attributes, or Kueue "
			     "Topologies");
	else {
		if (errors == 0)
			check_evidence(res, "no topology published (NodeResourceTopology, DRA "
					    "topology attributes, Kueue Topology, NFD NUMA or "
					    "NVLink labels)");
		cutil_decide(res, errors, VERDICT_NO, VERDICT_FULL,
			     "publish node topology: NFD with the NodeResourceTopology exporter "
			     "and a topology-aware scheduler, or a DRA driver publishing "
			     "resource.kubernetes.io/pcieRoot");
	}
}

static const struct check wl_crds = {
    .id = "WL-2.1",
    .passive = wl_crds_passive,
    .active = active_wl21_run,
    .flags = CHECK_NEEDS_NAMESPACE | CHECK_FULL_NEEDS_ACTIVE,
};

static const struct check wl_jobset = {
    .id = "WL-2.2",
    .passive = wl_jobset_passive,
    .active = active_wl22_run,
    .flags = CHECK_NEEDS_NAMESPACE | CHECK_FULL_NEEDS_ACTIVE,
};

static const struct check wl_kueue = {
    .id = "WL-2.3",
    .passive = wl_kueue_passive,
    .active = active_wl23_run,
    .flags = CHECK_NEEDS_NAMESPACE | CHECK_FULL_NEEDS_ACTIVE,
};

static const struct check wl_topology = {
    .id = "WL-2.4",
    .passive = wl_topology_passive,
    .active = active_wl24_run,
    .flags = CHECK_NEEDS_NAMESPACE | CHECK_FULL_NEEDS_ACTIVE,
};

const struct check *const checks_workloads[] = {
    &wl_crds, &wl_jobset, &wl_kueue, &wl_topology, NULL,
};
