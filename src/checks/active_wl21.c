/* active_wl21.c: the active test of WL-2.1 (AI-native workload CRDs): an AgentTool
 * (agents.kaic.io, deploy/crds/agenttool.yaml) naming an echo Service as its endpoint must
 * be reconciled by a controller: a Registered (or Discoverable/Ready/Available) condition
 * True within the timeout. */
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/known.h"
#include "checks/util.h"
#include "util/xmalloc.h"

static json_t *agenttool(const struct active_params *p)
{
	char *api = xasprintf(ACTIVE_AGENTTOOL_GROUP "/%s", p->agenttool_version);
	json_t *t = active_build_object(p, api, known_agenttool_kind, "tool", true);
	free(api);
	json_object_set_new(t, "spec",
			    json_pack("{s:s, s:s, s:{s:s, s:i, s:s}, s:i}", "description",
				      "kaic conformance test tool: answers with its pod name",
				      "protocol", "HTTP", "serviceRef", "name", "tool", "port",
				      8080, "path", "/", "timeoutSeconds", 10));
	return t;
}

json_t *active_wl21_objects(const struct active_params *p)
{
	return json_pack(
	    "[o,o,o]",
	    active_build_pod(p, "tool", "echo", json_pack("[s,s]", "--port", "8080"), false),
	    active_build_service(p, "tool", "tool", 8080, 8080), agenttool(p));
}

/* The first reconciliation condition that is True, or NULL. */
static const char *reconciled(const json_t *t)
{
	for (const char *const *c = known_agenttool_conditions; *c != NULL; c++)
		if (cutil_condition_true(t, *c))
			return *c;
	return NULL;
}

/* A reconciliation condition set False (the controller refused it), or NULL. */
static const json_t *refused(const json_t *t)
{
	size_t i;
	const json_t *c;
	json_array_foreach(cutil_get(t, "status.conditions"), i, c) {
		const char *type = cutil_str(c, "type"), *s = cutil_str(c, "status");
		if (type && s && strcmp(type, "Registered") == 0 && strcmp(s, "False") == 0)
			return c;
	}
	return NULL;
}

static enum active_wait_answer tool_pred(const json_t *t, void *arg)
{
	(void)arg;
	return reconciled(t) || refused(t) ? ACTIVE_WAIT_DONE : ACTIVE_WAIT_MORE;
}

void active_wl21_run(struct check_ctx *ctx, struct check_result *res)
{
	const struct kube_resource *r = cutil_find_kind(ctx->inv, known_agenttool_kind);
	if (r == NULL || strcmp(r->group, ACTIVE_AGENTTOOL_GROUP) != 0) {
		active_run_not_run(
		    res, "the AgentTool CRD (" ACTIVE_AGENTTOOL_GROUP ") is not served",
		    "install deploy/crds/agenttool.yaml and an AgentTool controller");
		return;
	}
	struct active_params p;
	active_run_params(ctx, &p);
	p.agenttool_version = r->version;
	json_t *objs = active_wl21_objects(&p);
	json_t *t = NULL;
	if (active_run_create_all(ctx, res, objs, NULL) != 0)
		goto out;
	res->mode = MODE_ACTIVE;
	char *path =
	    xasprintf("/apis/%s/%s/namespaces/%s/%s", r->group, r->version, ctx->ns, r->resource);
	struct kube_error err = {0};
	int rc = active_wait(ctx->act, path, "tool", tool_pred, NULL, ctx->deadline_ms, ctx->cancel,
			     &t, &err);
	free(path);
	const char *cond = reconciled(t);
	const json_t *no = refused(t);
	if (rc == 0 && cond != NULL) {
		const char *ep = cutil_str(t, "status.endpoint");
		const json_t *og = cutil_get(t, "status.observedGeneration");
		check_evidence(res,
			       "AgentTool %s/tool reconciled: %s=True, endpoint %s, "
			       "observedGeneration %lld",
			       ctx->ns, cond, ep ? ep : "(none)",
			       og ? (long long)json_integer_value(og) : -1LL);
		active_run_decide(res, VERDICT_FULL, NULL);
	} else if (rc == 0 && no != NULL) {
		check_evidence(res,
			       "AgentTool %s/tool refused by its controller: Registered=False "
			       "(%s: %s)",
			       ctx->ns, cutil_str(no, "reason") ? cutil_str(no, "reason") : "-",
			       cutil_str(no, "message") ? cutil_str(no, "message") : "");
		active_run_decide(res, VERDICT_PARTIAL,
				  "the AgentTool controller did not register a valid AgentTool: "
				  "check its logs");
	} else if (strcmp(err.reason, "Timeout") == 0) {
		check_evidence(res,
			       "AgentTool %s/tool was not reconciled within the timeout: no "
			       "controller set a Registered/Ready condition",
			       ctx->ns);
		active_run_events(ctx, res);
		active_run_decide(res, VERDICT_PARTIAL,
				  "deploy an AgentTool controller (see docs/agenttool.md)");
	} else {
		active_run_error(ctx, res, "AgentTool tool", &err);
	}
out:
	json_decref(t);
	json_decref(objs);
}
