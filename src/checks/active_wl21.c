/* active_wl21.c: the active test of WL-2.1 (AI-native workload CRDs): registration and
 * discovery of an AgentTool (agents.kaic.io, deploy/crds/agenttool.yaml, the contract in
 * docs/agenttool.md). In the run namespace it runs an MCP tool server (`kaic probe mcp
 * --tools 3 --page-size 2`) behind the Service "tool", an AgentTool "tool" naming it
 * and an AgentTool "tool-missing" naming a Service that does not exist. Full needs all of:
 *   - tool: Registered=True and Ready=True with observedGeneration current, status.tools
 *     exactly the server's tools (all pages) and status.server.name its serverInfo name;
 *   - tool-missing: Registered=False reason ServiceNotFound, and not Ready=True;
 *   - the registry (a Service labelled agents.kaic.io/registry=true, read through the
 *     API server's service proxy at NAME:registry/proxy/v1/tools?namespace=RUN-NS) lists
 *     tool with those toolNames and not tool-missing.
 * A controller that answers some of it wrongly (Ready without probing) is Partial, each
 * wrong answer an evidence line; no condition at all within the timeout is Partial (no
 * controller); a read that failed is Error naming the request. */
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/known.h"
#include "checks/util.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/xmalloc.h"

#define WL21_PORT 8080
#define WL21_SERVER "kaic-probe-mcp"
#define WL21_SERVING "kaic probe mcp: serving" /* the MCP server's log line */
#define WL21_MISSING "tool-missing"
#define WL21_ABSENT_SERVICE "tool-absent"
#define WL21_REGISTRY_LABEL "agents.kaic.io/registry"
#define WL21_REGISTRY_QUERY "labelSelector=agents.kaic.io%2Fregistry%3Dtrue"
/* the MCP server's tools, in its order, served two per page */
static const char *const wl21_tools[] = {"kaic-tool-1", "kaic-tool-2", "kaic-tool-3", NULL};
#define WL21_NTOOLS "3"
#define WL21_PAGE "2"

static json_t *agenttool(const struct active_params *p, const char *name, const char *service)
{
	char *api = xasprintf(ACTIVE_AGENTTOOL_GROUP "/%s", p->agenttool_version);
	json_t *t = active_build_object(p, api, known_agenttool_kind, name, true);
	free(api);
	json_object_set_new(
	    t, "spec",
	    json_pack("{s:s, s:s, s:s, s:{s:s, s:i, s:s}, s:i}", "description",
		      "kaic conformance test tool: an MCP server with three echo tools", "protocol",
		      "MCP", "transport", "streamable-http", "serviceRef", "name", service, "port",
		      WL21_PORT, "path", "/", "timeoutSeconds", 10));
	return t;
}

json_t *active_wl21_objects(const struct active_params *p)
{
	json_t *args = json_pack("[s,s,s,s,s,s]", "--port", "8080", "--tools", WL21_NTOOLS,
				 "--page-size", WL21_PAGE);
	return json_pack("[o,o,o,o]", active_build_pod(p, "tool", "mcp", args, false),
			 active_build_service(p, "tool", "tool", WL21_PORT, WL21_PORT),
			 agenttool(p, "tool", "tool"),
			 agenttool(p, WL21_MISSING, WL21_ABSENT_SERVICE));
}

/* ---- reading an AgentTool ---- */

static const json_t *condition(const json_t *t, const char *type)
{
	size_t i;
	const json_t *c;
	json_array_foreach(cutil_get(t, "status.conditions"), i, c) {
		const char *ct = cutil_str(c, "type");
		if (ct && strcmp(ct, type) == 0)
			return c;
	}
	return NULL;
}

static bool cond_is(const json_t *t, const char *type, const char *status)
{
	const char *s = cutil_str(condition(t, type), "status");
	return s != NULL && strcmp(s, status) == 0;
}

static const char *cond_field(const json_t *t, const char *type, const char *field)
{
	const char *s = cutil_str(condition(t, type), field);
	return s ? s : "-";
}

static long long integer(const json_t *obj, const char *path)
{
	const json_t *v = cutil_get(obj, path);
	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

/* Whether status.observedGeneration and Ready's observedGeneration (when set) are the
 * object's generation. */
static bool generation_current(const json_t *t)
{
	long long g = integer(t, "metadata.generation");
	const json_t *rog = json_object_get(condition(t, "Ready"), "observedGeneration");
	return g > 0 && integer(t, "status.observedGeneration") == g &&
	       (rog == NULL || json_integer_value(rog) == g);
}

/* A controller may refuse the tool for a moment: its Service informer may not yet have
 * seen the Service kaic created just before the AgentTool (they are separate watches; the
 * lab's kaic-agentd did so under load, and registered it a moment later). A refusal
 * counts once it has lasted this long. */
#define REFUSAL_SETTLE_MS 5000

/* Ready=True with the generation observed, or a refusal (Registered=False) that has lasted
 * REFUSAL_SETTLE_MS; arg: the time (ms) the refusal was first seen, 0 when none is. */
static enum active_wait_answer tool_pred(const json_t *t, void *arg)
{
	long long *refused_since = arg;
	if (cond_is(t, "Ready", "True") && generation_current(t))
		return ACTIVE_WAIT_DONE;
	if (!cond_is(t, "Registered", "False")) {
		*refused_since = 0;
		return ACTIVE_WAIT_MORE;
	}
	long long now = now_ms();
	if (*refused_since == 0)
		*refused_since = now;
	return now - *refused_since >= REFUSAL_SETTLE_MS ? ACTIVE_WAIT_DONE : ACTIVE_WAIT_MORE;
}

static enum active_wait_answer missing_pred(const json_t *t, void *arg)
{
	(void)arg;
	return condition(t, "Registered") != NULL || cond_is(t, "Ready", "True") ? ACTIVE_WAIT_DONE
										 : ACTIVE_WAIT_MORE;
}

/* "a, b, c" of a JSON array of strings (non-strings as "?"), "(none)" when empty. */
static char *join(const json_t *arr)
{
	struct buf b = BUF_INIT;
	buf_init(&b);
	size_t i;
	const json_t *v;
	json_array_foreach(arr, i, v)
		buf_addf(&b, "%s%s", i ? ", " : "", json_is_string(v) ? json_string_value(v) : "?");
	if (b.len == 0)
		buf_adds(&b, "(none)");
	return buf_detach(&b, NULL);
}

/* Whether arr is exactly the server's tool names, in order. */
static bool tools_exact(const json_t *arr)
{
	size_t n = 0;
	while (wl21_tools[n] != NULL)
		n++;
	if (!json_is_array(arr) || json_array_size(arr) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(arr, i));
		if (s == NULL || strcmp(s, wl21_tools[i]) != 0)
			return false;
	}
	return true;
}

/* ---- the judgements: each adds evidence and returns how many things were wrong ---- */

static int judge_tool(struct check_ctx *ctx, struct check_result *res, const json_t *t)
{
	int wrong = 0;
	const char *ep = cutil_str(t, "status.endpoint");
	check_evidence(res,
		       "AgentTool %s/tool: Registered=%s (%s), Ready=%s (%s), observedGeneration "
		       "%lld of generation %lld, endpoint %s",
		       ctx->ns, cond_field(t, "Registered", "status"),
		       cond_field(t, "Registered", "reason"), cond_field(t, "Ready", "status"),
		       cond_field(t, "Ready", "reason"), integer(t, "status.observedGeneration"),
		       integer(t, "metadata.generation"), ep ? ep : "(none)");
	if (!cond_is(t, "Registered", "True")) {
		check_evidence(res,
			       "wrong: AgentTool %s/tool names a serving MCP server but is "
			       "not Registered=True",
			       ctx->ns);
		wrong++;
	}
	json_t *wantj = json_pack("[s,s,s]", wl21_tools[0], wl21_tools[1], wl21_tools[2]);
	char *want = join(wantj);
	json_decref(wantj);
	const json_t *tools = cutil_get(t, "status.tools");
	char *got = join(tools);
	if (tools_exact(tools)) {
		check_evidence(res,
			       "AgentTool %s/tool status.tools: %s (the MCP server's tools over "
			       "its pages of " WL21_PAGE ")",
			       ctx->ns, got);
	} else {
		check_evidence(res,
			       "wrong: AgentTool %s/tool status.tools is %s, not the MCP server's "
			       "tools %s (tools/list over pages of " WL21_PAGE
			       "): Ready set without listing the server's tools",
			       ctx->ns, tools ? got : "absent", want);
		wrong++;
	}
	free(want);
	free(got);
	const char *srv = cutil_str(t, "status.server.name");
	if (srv == NULL || strcmp(srv, WL21_SERVER) != 0) {
		check_evidence(
		    res,
		    "wrong: AgentTool %s/tool status.server.name is %s, not the server's "
		    "serverInfo name " WL21_SERVER,
		    ctx->ns, srv ? srv : "absent");
		wrong++;
	}
	return wrong;
}

static int judge_missing(struct check_ctx *ctx, struct check_result *res, const json_t *t)
{
	int wrong = 0;
	const char *reason = cond_field(t, "Registered", "reason");
	check_evidence(res,
		       "AgentTool %s/" WL21_MISSING
		       " (serviceRef to the absent Service " WL21_ABSENT_SERVICE
		       "): Registered=%s (%s: %s), Ready=%s (%s)",
		       ctx->ns, cond_field(t, "Registered", "status"), reason,
		       cond_field(t, "Registered", "message"), cond_field(t, "Ready", "status"),
		       cond_field(t, "Ready", "reason"));
	if (!cond_is(t, "Registered", "False") || strcmp(reason, "ServiceNotFound") != 0) {
		check_evidence(res,
			       "wrong: AgentTool %s/" WL21_MISSING
			       " should be Registered=False reason ServiceNotFound",
			       ctx->ns);
		wrong++;
	}
	if (cond_is(t, "Ready", "True")) {
		check_evidence(res,
			       "wrong: AgentTool %s/" WL21_MISSING
			       " is Ready=True although its Service does not exist: Ready set "
			       "without probing",
			       ctx->ns);
		wrong++;
	}
	return wrong;
}

/* ---- the registry ---- */

/* The entry NS/NAME of a registry answer, borrowed, or NULL. */
static const json_t *registry_entry(const json_t *doc, const char *ns, const char *name)
{
	size_t i;
	const json_t *e;
	json_array_foreach(json_object_get(doc, "tools"), i, e) {
		const char *ens = cutil_str(e, "namespace"), *en = cutil_str(e, "name");
		if (ens && en && strcmp(ens, ns) == 0 && strcmp(en, name) == 0)
			return e;
	}
	return NULL;
}

/* Whether svc has a port named "registry". */
static bool has_registry_port(const json_t *svc)
{
	size_t i;
	const json_t *p;
	json_array_foreach(cutil_get(svc, "spec.ports"), i, p) {
		const char *n = cutil_str(p, "name");
		if (n && strcmp(n, "registry") == 0)
			return true;
	}
	return false;
}

/* Reads one registry; 0 with *doc (new), or -1 with *err and *what (the request). */
static int registry_read(struct check_ctx *ctx, const json_t *svc, json_t **doc, char **what,
			 struct kube_error *err)
{
	char *path = xasprintf("/api/v1/namespaces/%s/services/%s:registry/proxy/v1/"
			       "tools?namespace=%s",
			       cutil_ns(svc), cutil_name(svc), ctx->ns);
	char *body = NULL;
	size_t len = 0;
	*doc = NULL;
	int rc = kube_proxy_get(ctx->client, path, &body, &len, err);
	if (rc == 0) {
		json_error_t jerr;
		*doc = json_loadb(body, len, 0, &jerr);
		if (!json_is_object(*doc)) {
			kube_error_set(err, 0, "InvalidJSON", "the answer is not a JSON object: %s",
				       *doc ? "another JSON value" : jerr.text);
			json_decref(*doc);
			*doc = NULL;
			rc = -1;
		}
	}
	free(body);
	*what = rc == 0 ? NULL : xasprintf("registry GET %s", path);
	free(path);
	return rc;
}

/* Judges one registry's answer: 0 when it lists tool rightly (and not tool-missing). */
static int judge_registry(struct check_ctx *ctx, struct check_result *res, const json_t *svc,
			  const json_t *doc)
{
	const json_t *e = registry_entry(doc, ctx->ns, "tool");
	int wrong = 0;
	if (e == NULL) {
		check_evidence(
		    res,
		    "wrong: registry %s/%s does not list AgentTool %s/tool (it lists %zu "
		    "tool%s of the namespace)",
		    cutil_ns(svc), cutil_name(svc), ctx->ns,
		    json_array_size(json_object_get(doc, "tools")),
		    cutil_plural(json_array_size(json_object_get(doc, "tools"))));
		wrong++;
	} else {
		char *names = join(json_object_get(e, "toolNames"));
		bool ok = tools_exact(json_object_get(e, "toolNames"));
		check_evidence(res, "%sregistry %s/%s lists %s/tool with toolNames %s",
			       ok ? "" : "wrong: ", cutil_ns(svc), cutil_name(svc), ctx->ns, names);
		free(names);
		wrong += !ok;
	}
	if (registry_entry(doc, ctx->ns, WL21_MISSING) != NULL) {
		check_evidence(res,
			       "wrong: registry %s/%s lists %s/" WL21_MISSING
			       ", whose Service does not exist",
			       cutil_ns(svc), cutil_name(svc), ctx->ns);
		wrong++;
	}
	return wrong;
}

/* Finds and reads the registries. Returns the number of wrong answers (the first
 * registry that lists tool rightly decides), or -1 after deciding Error. */
static int check_registry(struct check_ctx *ctx, struct check_result *res)
{
	struct kube_error err = {0};
	json_t *svcs = NULL;
	if (kube_list(ctx->client, "/api/v1/services", WL21_REGISTRY_QUERY, &svcs, NULL, &err) !=
	    0) {
		active_run_error(
		    ctx, res,
		    "list of registry Services (GET /api/v1/services?" WL21_REGISTRY_QUERY ")",
		    &err);
		return -1;
	}
	int wrong = -1;
	char *failed = NULL;
	struct kube_error ferr = {0};
	size_t i;
	const json_t *svc;
	json_array_foreach(svcs, i, svc) {
		if (!has_registry_port(svc)) {
			check_evidence(res, "registry Service %s/%s has no port named registry",
				       cutil_ns(svc), cutil_name(svc));
			continue;
		}
		json_t *doc = NULL;
		char *what = NULL;
		if (registry_read(ctx, svc, &doc, &what, &err) != 0) {
			if (failed == NULL) {
				failed = what;
				ferr = err;
			} else {
				free(what);
			}
			continue;
		}
		int w = judge_registry(ctx, res, svc, doc);
		json_decref(doc);
		if (wrong < 0 || w < wrong)
			wrong = w;
		if (w == 0)
			break;
	}
	if (wrong != 0 && failed != NULL) {
		active_run_error(ctx, res, failed, &ferr);
		wrong = -1;
	} else if (wrong < 0) {
		check_evidence(res,
			       "wrong: no Service labelled " WL21_REGISTRY_LABEL
			       "=true with a port named registry: AgentTools cannot be discovered");
		wrong = 1;
	}
	free(failed);
	json_decref(svcs);
	return wrong;
}

/* ---- the test ---- */

/* Waits for AgentTool name; 0 with *t, or -1 after deciding (Partial without any
 * controller, else Error). */
static int wait_tool(struct check_ctx *ctx, struct check_result *res, const char *path,
		     const char *name, active_wait_pred pred, void *arg, long long deadline,
		     json_t **t)
{
	struct kube_error err = {0};
	if (active_wait(ctx->act, path, name, pred, arg, deadline, ctx->cancel, t, &err) == 0)
		return 0;
	char *what = xasprintf("AgentTool %s", name);
	if (strcmp(err.reason, "Timeout") == 0 && condition(*t, "Registered") == NULL &&
	    condition(*t, "Ready") == NULL) {
		check_evidence(res,
			       "AgentTool %s/%s was not reconciled within the timeout: no "
			       "controller set a Registered/Ready condition",
			       ctx->ns, name);
		active_run_events(ctx, res);
		active_run_decide(res, VERDICT_PARTIAL,
				  "deploy an AgentTool controller (see docs/agenttool.md)");
	} else if (strcmp(err.reason, "Timeout") == 0) {
		check_evidence(
		    res,
		    "AgentTool %s/%s did not become Ready=True with observedGeneration "
		    "current within the timeout: Registered=%s (%s: %s), Ready=%s (%s: "
		    "%s), observedGeneration %lld of %lld",
		    ctx->ns, name, cond_field(*t, "Registered", "status"),
		    cond_field(*t, "Registered", "reason"), cond_field(*t, "Registered", "message"),
		    cond_field(*t, "Ready", "status"), cond_field(*t, "Ready", "reason"),
		    cond_field(*t, "Ready", "message"), integer(*t, "status.observedGeneration"),
		    integer(*t, "metadata.generation"));
		active_run_events(ctx, res);
		if (active_run_container_started(ctx, res, "tool", WL21_SERVING))
			active_run_decide(res, VERDICT_PARTIAL,
					  "the AgentTool controller did not probe a serving MCP "
					  "server successfully: check its logs");
		else /* the controller may be right: there was nothing to probe */
			active_run_decide(res, VERDICT_ERROR,
					  "the MCP server pod's container did not run: check that "
					  "the node runs containers");
	} else {
		active_run_error(ctx, res, what, &err);
	}
	free(what);
	return -1;
}

static void run_checks(struct check_ctx *ctx, struct check_result *res, const char *path)
{
	json_t *tool = NULL, *missing = NULL, *pod = NULL;
	struct kube_error err = {0};
	if (active_run_wait_pod(ctx, "tool", ACTIVE_POD_READY, ctx->deadline_ms, &pod, &err) != 0) {
		active_run_error(ctx, res, "MCP server pod tool", &err);
		goto out;
	}
	long long refused_since = 0;
	if (wait_tool(ctx, res, path, "tool", tool_pred, &refused_since, ctx->deadline_ms, &tool) !=
	    0)
		goto out;
	if (!cond_is(tool, "Ready", "True")) { /* refused: Registered=False */
		check_evidence(res,
			       "AgentTool %s/tool refused by its controller: Registered=False "
			       "(%s: %s)",
			       ctx->ns, cond_field(tool, "Registered", "reason"),
			       cond_field(tool, "Registered", "message"));
		active_run_decide(res, VERDICT_PARTIAL,
				  "the AgentTool controller did not register a valid AgentTool: "
				  "check its logs");
		goto out;
	}
	if (refused_since != 0)
		check_evidence(res,
			       "AgentTool %s/tool was refused first (Registered=False, for about "
			       "%lld ms), then registered: the controller's view lagged",
			       ctx->ns, now_ms() - refused_since);
	int wrong = judge_tool(ctx, res, tool);
	/* the controller is live by now: it has 30 s to refuse the missing Service */
	if (active_wait(ctx->act, path, WL21_MISSING, missing_pred, NULL,
			active_run_deadline(ctx, 30000), ctx->cancel, &missing, &err) == 0) {
		wrong += judge_missing(ctx, res, missing);
	} else if (strcmp(err.reason, "Timeout") == 0) {
		check_evidence(res,
			       "wrong: AgentTool %s/" WL21_MISSING
			       " (serviceRef to the absent Service " WL21_ABSENT_SERVICE
			       ") got no Registered condition within 30 s",
			       ctx->ns);
		wrong++;
	} else {
		active_run_error(ctx, res, "AgentTool " WL21_MISSING, &err);
		goto out;
	}
	int reg = check_registry(ctx, res);
	if (reg < 0)
		goto out;
	wrong += reg;
	if (wrong == 0)
		active_run_decide(res, VERDICT_FULL, NULL);
	else
		active_run_decide(res, VERDICT_PARTIAL,
				  "the AgentTool controller reports what it did not observe "
				  "(Ready without probing, tools not listed, no registry): see "
				  "docs/agenttool.md for what it must do");
out:
	json_decref(pod);
	json_decref(tool);
	json_decref(missing);
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
	if (active_run_create_all(ctx, res, objs, NULL) == 0) {
		res->mode = MODE_ACTIVE;
		char *path = xasprintf("/apis/%s/%s/namespaces/%s/%s", r->group, r->version,
				       ctx->ns, r->resource);
		run_checks(ctx, res, path);
		free(path);
	}
	json_decref(objs);
}
