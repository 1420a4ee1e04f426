/* cncf_ops.c: the passive parts of robust_controller (an AI operator with a CRD: its
 * controller Ready, its webhooks, its custom resources; active test active_lws.c)
 * and workload_sandboxing (a RuntimeClass of a sandbox runtime; active test
 * active_sandbox.c). */
#include "checks/cncf.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/known.h"
#include "checks/util.h"

#define NAMES_MAX 5
#define ADMREG "admissionregistration.k8s.io"

/* ---- robust_controller ---- */

/* Whether a webhook configuration calls a Service of ns or has a rule for group. */
static bool webhook_of(const json_t *cfg, const char *ns, const char *group)
{
	size_t i, j, k;
	const json_t *w, *r, *g;
	json_array_foreach(cutil_get(cfg, "webhooks"), i, w) {
		const char *sns = cutil_str(w, "clientConfig.service.namespace");
		if (ns != NULL && sns != NULL && strcmp(sns, ns) == 0)
			return true;
		json_array_foreach(json_object_get(w, "rules"), j, r) {
			json_array_foreach(json_object_get(r, "apiGroups"), k, g) {
				if (json_is_string(g) && strcmp(json_string_value(g), group) == 0)
					return true;
			}
		}
	}
	return false;
}

static size_t webhooks(struct inventory *inv, const char *ns, const char *group,
		       struct check_result *res, int *errors)
{
	static const char *const kinds[] = {"validatingwebhookconfigurations",
					    "mutatingwebhookconfigurations"};
	struct cutil_set found = CUTIL_SET_INIT;
	for (size_t k = 0; k < 2; k++) {
		size_t i;
		const json_t *c;
		json_array_foreach(cutil_list(inv, ADMREG, "v1", kinds[k], res, errors), i, c) {
			if (webhook_of(c, ns, group))
				cutil_set_add(&found, cutil_name(c));
		}
	}
	if (found.n)
		cutil_evidence_set(res, &found, NAMES_MAX, "its webhook configurations: ");
	else
		check_evidence(res, "no webhook configuration calls it");
	size_t n = found.n;
	cutil_set_release(&found);
	return n;
}

/* One operator whose API is served: its controller and webhooks. Returns whether its
 * controller is Ready. */
static bool operator_state(struct inventory *inv, const struct known_ai_operator *op,
			   struct check_result *res, int *errors)
{
	char *v = cutil_versions(inv, op->group, op->resource);
	const json_t *crs = cutil_list(inv, op->group, NULL, op->resource, res, errors);
	check_evidence(res, "%s: %s %s served (%s), %zu object%s", op->product, op->group, op->kind,
		       v ? v : "?", json_array_size(crs), cutil_plural(json_array_size(crs)));
	free(v);
	bool ready = false;
	const char *ns = NULL;
	size_t i, found = 0;
	const json_t *d;
	json_array_foreach(cutil_list(inv, "apps", "v1", "deployments", res, errors), i, d) {
		if (!cutil_matches(d, op->workload_names, op->labels))
			continue;
		found++;
		ns = cutil_ns(d);
		ready |= cncf_workload_evidence(res, "controller Deployment", d);
	}
	if (found == 0)
		check_evidence(res, "no %s controller Deployment found", op->product);
	webhooks(inv, ns, op->group, res, errors);
	return ready;
}

static void rc_passive(struct check_ctx *ctx, struct check_result *res)
{
	int errors = 0;
	size_t served = 0, ready = 0;
	for (const struct known_ai_operator *op = known_ai_operators; op->product; op++) {
		if (!inventory_served(ctx->inv, op->group, NULL, op->resource))
			continue;
		served++;
		ready += operator_state(ctx->inv, op, res, &errors);
	}
	if (served == 0) {
		check_evidence(res, "no AI operator API served (KubeRay, Kubeflow Trainer, "
				    "Kubeflow Training Operator, LeaderWorkerSet, KServe)");
		cutil_decide(res, errors, VERDICT_NO, VERDICT_FULL,
			     "install an AI operator with a CRD (KubeRay, Kubeflow Trainer, "
			     "LeaderWorkerSet, ...)");
	} else if (ready == 0) {
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "the AI operator's controller is not Ready: see its Deployment");
	} else {
		cutil_decide(res, errors, VERDICT_FULL, VERDICT_FULL, NULL);
	}
}

const struct check cncf_robust_controller = {
    .id = "robust_controller",
    .passive = rc_passive,
    .active = active_lws_run,
    .flags = CHECK_NEEDS_NAMESPACE | CHECK_FULL_NEEDS_ACTIVE,
};

/* ---- workload_sandboxing ---- */

const struct known_runtime *cncf_sandbox_handler(const char *handler)
{
	for (const struct known_runtime *k = known_runtime_handlers; handler && k->pattern; k++)
		if (fnmatch(k->pattern, handler, 0) == 0)
			return (k->flags & RUNTIME_SANDBOX) ? k : NULL;
	return NULL;
}

static void ws_passive(struct check_ctx *ctx, struct check_result *res)
{
	int errors = 0;
	const json_t *rcs;
	struct cutil_set sandbox = CUTIL_SET_INIT, other = CUTIL_SET_INIT;
	if (cutil_list_read(ctx->inv, "node.k8s.io", "v1", "runtimeclasses", res, &errors, &rcs)) {
		size_t i;
		const json_t *rc;
		json_array_foreach(rcs, i, rc) {
			const char *h = cutil_str(rc, "handler");
			const struct known_runtime *k = cncf_sandbox_handler(h);
			if (k != NULL)
				cutil_set_addf(&sandbox, "%s (handler %s, %s)", cutil_name(rc), h,
					       k->product);
			else
				cutil_set_addf(&other, "%s (handler %s)", cutil_name(rc),
					       h ? h : "?");
		}
	}
	if (sandbox.n)
		cutil_evidence_set(res, &sandbox, NAMES_MAX, "sandbox RuntimeClasses: ");
	if (other.n)
		cutil_evidence_set(res, &other, NAMES_MAX, "other RuntimeClasses: ");
	for (const struct known_api *a = known_sandbox_apis; a->group; a++)
		if (inventory_served(ctx->inv, a->group, NULL, a->resource))
			check_evidence(res, "%s %s served (%s)", a->group, a->kind, a->what);
	if (sandbox.n > 0) {
		cutil_decide(res, errors, VERDICT_FULL, VERDICT_FULL, NULL);
	} else {
		if (errors == 0)
			check_evidence(res, "no RuntimeClass of a sandbox runtime (gVisor, Kata "
					    "Containers)");
		cutil_decide(res, errors, VERDICT_NO, VERDICT_FULL,
			     "install a sandbox runtime (gVisor, Kata Containers) and its "
			     "RuntimeClass");
	}
	cutil_set_release(&sandbox);
	cutil_set_release(&other);
}

const struct check cncf_workload_sandboxing = {
    .id = "workload_sandboxing",
    .passive = ws_passive,
    .active = active_sandbox_run,
    .flags = CHECK_NEEDS_NAMESPACE | CHECK_FULL_NEEDS_ACTIVE,
};
