/* active_sandbox.c: the active test of workload_sandboxing: a pod under a sandbox
 * RuntimeClass (gVisor, Kata Containers) runs `kaic probe sandbox`; it is sandboxed when
 * it sees gVisor's kernel or a kernel other than its node's (its own guest kernel). */
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/cncf.h"
#include "checks/util.h"
#include "util/xmalloc.h"

json_t *active_sandbox_objects(const struct active_params *p)
{
	json_t *pod = active_build_pod(p, "sandbox", "sandbox", json_array(), true);
	json_object_set_new(json_object_get(pod, "spec"), "runtimeClassName",
			    json_string(p->runtime_class));
	return json_pack("[o]", pod);
}

/* The first RuntimeClass of a sandbox runtime (borrowed name), or NULL. */
static const char *sandbox_class(struct check_ctx *ctx, struct check_result *res, int *errors)
{
	const json_t *rcs;
	if (!cutil_list_read(ctx->inv, "node.k8s.io", "v1", "runtimeclasses", res, errors, &rcs))
		return NULL;
	size_t i;
	const json_t *rc;
	json_array_foreach(rcs, i, rc) {
		if (cncf_sandbox_handler(cutil_str(rc, "handler")) != NULL)
			return cutil_name(rc);
	}
	return NULL;
}

/* The kernel release of node name as the node reports it, borrowed, or NULL. */
static const char *node_kernel(struct check_ctx *ctx, const char *name, struct check_result *res,
			       int *errors)
{
	size_t i;
	const json_t *n;
	json_array_foreach(cutil_list(ctx->inv, "", "v1", "nodes", res, errors), i, n) {
		if (name != NULL && strcmp(cutil_name(n), name) == 0)
			return cutil_str(n, "status.nodeInfo.kernelVersion");
	}
	return NULL;
}

static void decide(struct check_ctx *ctx, struct check_result *res, const char *rc,
		   const struct active_probe_result *r)
{
	const char *kernel = cutil_str(r->out, "kernel");
	const char *node = cutil_str(r->pod, "spec.nodeName");
	int errors = 0;
	const char *host = node_kernel(ctx, node, res, &errors);
	bool gvisor = cutil_true(r->out, "gvisor");
	check_evidence(res,
		       "pod sandbox (RuntimeClass %s) on node %s sees kernel %s%s; the node "
		       "runs %s",
		       rc, node ? node : "?", kernel ? kernel : "(unknown)",
		       gvisor ? " (gVisor)" : "", host ? host : "(unknown)");
	if (kernel == NULL) {
		active_run_decide(res, VERDICT_ERROR,
				  "kaic probe sandbox could not read the kernel");
	} else if (gvisor || (host != NULL && strcmp(kernel, host) != 0)) {
		check_evidence(res, "the pod runs on its own kernel, isolated from the node's");
		active_run_decide(res, VERDICT_FULL, NULL);
	} else if (host == NULL) {
		active_run_decide(res, VERDICT_ERROR,
				  "the node's kernel is unknown: the sandbox cannot be compared");
	} else {
		check_evidence(res, "the pod shares the node's kernel: not sandboxed");
		active_run_decide(res, VERDICT_NO,
				  "the RuntimeClass's handler runs containers on the host kernel: "
				  "check the sandbox runtime's configuration on the node");
	}
}

void active_sandbox_run(struct check_ctx *ctx, struct check_result *res)
{
	int errors = 0;
	const char *rc = sandbox_class(ctx, res, &errors);
	if (errors > 0) {
		active_run_read_failed(res, errors);
		return;
	}
	if (rc == NULL) {
		active_run_not_run(res, "no RuntimeClass of a sandbox runtime", NULL);
		return;
	}
	struct active_params p;
	active_run_params(ctx, &p);
	p.runtime_class = rc;
	json_t *objs = active_sandbox_objects(&p);
	struct active_probe_result r;
	res->mode = MODE_ACTIVE;
	if (active_run_probe(ctx, res, json_array_get(objs, 0), &r) == 0) {
		if (r.out == NULL) {
			check_evidence(res, "pod sandbox (exit %d) wrote no report", r.exit_code);
			active_run_events(ctx, res);
			active_run_decide(res, VERDICT_ERROR, "see the evidence");
		} else {
			decide(ctx, res, rc, &r);
		}
		active_probe_result_release(&r);
	}
	json_decref(objs);
}
