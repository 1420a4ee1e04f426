/* agenttool.c: a simulated AgentTool controller (agents.kaic.io, deploy/crds/agenttool.yaml)
 * that behaves like kaic-agentd (the contract in docs/agenttool.md):
 *   - validation: exactly one of spec.endpoint.url / spec.serviceRef, an http(s) URL, a
 *     transport only on MCP tools, else Registered=False reason InvalidSpec; a serviceRef
 *     whose Service or port does not exist is ServiceNotFound; Bearer auth whose Secret
 *     is missing is SecretNotFound. Otherwise Registered=True reason Registered.
 *   - the probe (never when not Registered: Ready=False NotRegistered): MCP asks the
 *     first Ready pod behind the Service (or the Service a URL names) what `kaic probe
 *     mcp` would answer (probe_models.c): Ready=True ProbeSucceeded with status.tools
 *     and status.server, else Ready=False ProbeFailed; HTTP needs a Ready pod listening;
 *     GRPC is ProtocolMismatch.
 *   - status.observedGeneration, status.endpoint (the resolved URL), lastProbeTime;
 *     written only when something but lastProbeTime changed.
 *   - the registry: a proxy hook answers GET .../services/NAME[:PORT]/proxy/v1/tools of
 *     a Service labelled agents.kaic.io/registry=true from the store, with the query
 *     parameters namespace and labelSelector (equality-based).
 * Settings (controllers.agenttool): enabled (true); stamp (false): a controller that
 * stamps every AgentTool Registered=True and Ready=True without validating or probing
 * (no tools, no server), for the agenttool-stamping scenario; serviceLagSeconds (none):
 * a controller whose Service cache lags, as the lab's kaic-agentd did under load: a
 * Service younger than this is not seen yet (ServiceNotFound, then Registered once it
 * is old enough), for the agenttool-lagging and agenttool-refusing scenarios. */

#include "controllers/agenttool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/meta.h"
#include "controllers/ctl_util.h"
#include "controllers/probe_models.h"
#include "controllers/resolve.h"
#include "sim.h"
#include "util/xmalloc.h"

#define AT_GROUP "agents.kaic.io"
#define AT_REGISTRY_LABEL "agents.kaic.io/registry"

/* What one reconciliation decided. */
struct at_state {
	const char *reg, *reg_reason; /* Registered */
	char *reg_msg;
	const char *ready, *ready_reason; /* Ready */
	char *ready_msg;
	char *endpoint; /* or NULL */
	json_t *probed; /* {server, tools} of an MCP probe, or NULL */
};

static void at_state_release(struct at_state *s)
{
	free(s->reg_msg);
	free(s->ready_msg);
	free(s->endpoint);
	json_decref(s->probed);
}

static void refuse(struct at_state *s, const char *reason, char *msg)
{
	s->reg = "False";
	s->reg_reason = reason;
	s->reg_msg = msg;
}

static void ready(struct at_state *s, const char *status, const char *reason, char *msg)
{
	s->ready = status;
	s->ready_reason = reason;
	s->ready_msg = msg;
}

/* ---- validation ---- */

static bool url_ok(const char *url)
{
	return (!strncmp(url, "http://", 7) && url[7]) || (!strncmp(url, "https://", 8) && url[8]);
}

/* Whether the controller's cache has the Service yet (serviceLagSeconds). */
static bool service_seen(struct sim_api *api, const json_t *svc)
{
	const json_t *lag = ctl_setting(api, "agenttool", "serviceLagSeconds");
	long long created = ctl_time_parse(ctl_str(svc, "metadata.creationTimestamp"));
	if (!json_is_integer(lag) || created == 0)
		return true;
	return (long long)time(NULL) - created >= json_integer_value(lag);
}

static void validate(struct sim_api *api, const json_t *tool, struct at_state *s)
{
	const char *ns = ctl_s(tool, "metadata.namespace");
	const char *url = ctl_str(tool, "spec.endpoint.url");
	const json_t *ref = ctl_at(tool, "spec.serviceRef");
	const char *proto = ctl_s(tool, "spec.protocol");
	if (!url == !json_is_object(ref))
		return refuse(s, "InvalidSpec",
			      xstrdup("exactly one of endpoint.url and serviceRef must be set"));
	if (url && !url_ok(url))
		return refuse(s, "InvalidSpec",
			      xasprintf("endpoint.url \"%s\" is not an "
					"http(s) URL",
					url));
	if (ctl_str(tool, "spec.transport") && strcmp(proto, "MCP") != 0)
		return refuse(s, "InvalidSpec",
			      xasprintf("transport is only for MCP tools, not %s", proto));
	if (!strcmp(ctl_s(tool, "spec.auth.type"), "Bearer")) {
		const char *sec = ctl_s(tool, "spec.auth.secretRef.name");
		json_t *o = *sec ? ctl_get(api, "", "secrets", ns, sec) : NULL;
		bool found = o != NULL;
		json_decref(o);
		if (!found)
			return refuse(
			    s, "SecretNotFound",
			    xasprintf("Secret %s/%s of the Bearer auth does not exist", ns, sec));
	}
	if (url) {
		s->endpoint = xstrdup(url);
	} else {
		const char *sns = ctl_str(ref, "namespace"), *name = ctl_s(ref, "name");
		const char *path = ctl_str(ref, "path");
		long port = (long)json_integer_value(json_object_get(ref, "port"));
		s->endpoint = xasprintf("http://%s.%s.svc:%ld%s", name, sns ? sns : ns, port,
					path ? path : "");
		json_t *svc = ctl_get(api, "", "services", sns ? sns : ns, name);
		if (svc && !service_seen(api, svc)) {
			json_decref(svc);
			svc = NULL;
		}
		bool has_port = false;
		json_t *eps = svc ? ctl_endpoints(api, svc, port, &has_port) : NULL;
		json_decref(eps);
		json_decref(svc);
		if (!svc || !has_port)
			return refuse(s, "ServiceNotFound",
				      xasprintf(!svc ? "Service %s/%s does not exist"
						     : "Service %s/%s has no port %ld",
						sns ? sns : ns, name, port));
	}
	s->reg = "True";
	s->reg_reason = "Registered";
	s->reg_msg = xstrdup("the spec is valid and its target exists");
}

/* ---- probing ---- */

/* The Service (new reference), port and path the tool's endpoint leads to, or NULL. */
static json_t *target(struct sim_api *api, const json_t *tool, long *port, const char **path,
		      char **host)
{
	const char *ns = ctl_s(tool, "metadata.namespace");
	const json_t *ref = ctl_at(tool, "spec.serviceRef");
	*host = NULL;
	if (json_is_object(ref)) {
		const char *sns = ctl_str(ref, "namespace");
		*port = (long)json_integer_value(json_object_get(ref, "port"));
		*path = ctl_str(ref, "path");
		return ctl_get(api, "", "services", sns ? sns : ns, ctl_s(ref, "name"));
	}
	struct ctl_target t = {0};
	if (ctl_url_split(ctl_s(tool, "spec.endpoint.url"), host, port, path) < 0 ||
	    ctl_resolve(api, ns, *host, &t) < 0)
		return NULL;
	json_t *svc = json_incref(t.svc);
	ctl_target_release(&t);
	return svc;
}

static void probe(struct sim_api *api, const json_t *tool, struct at_state *s)
{
	const char *proto = ctl_s(tool, "spec.protocol");
	if (!strcmp(proto, "GRPC"))
		return ready(s, "False", "ProtocolMismatch",
			     xstrdup("grpc.health.v1 cannot be spoken to this endpoint"));
	long port = 0;
	const char *path = NULL;
	char *host = NULL;
	json_t *svc = target(api, tool, &port, &path, &host);
	bool has_port = false;
	json_t *eps = svc ? ctl_endpoints(api, svc, port, &has_port) : NULL;
	json_t *ep = json_array_get(eps, 0);
	const char *why = NULL;
	if (!svc)
		why = "cannot connect: the host does not resolve";
	else if (!ep)
		why = "connection refused: no Ready pod backs the Service port";
	else if (!strcmp(proto, "MCP"))
		s->probed = ctl_probe_mcp_serve(
		    json_object_get(ep, "pod"),
		    (long)json_integer_value(json_object_get(ep, "port")), path, &why);
	if (why)
		ready(s, "False", "ProbeFailed", xstrdup(why));
	else if (s->probed)
		ready(s, "True", "ProbeSucceeded",
		      xasprintf("MCP initialize and tools/list answered: %zu tools",
				json_array_size(json_object_get(s->probed, "tools"))));
	else
		ready(s, "True", "ProbeSucceeded", xstrdup("GET answered 200"));
	json_decref(eps);
	json_decref(svc);
	free(host);
}

/* ---- writing the status ---- */

static void settle(struct sim_api *api, const json_t *tool, struct at_state *s)
{
	if (ctl_setting_bool(api, "agenttool", "stamp", false)) {
		const char *url = ctl_str(tool, "spec.endpoint.url");
		const json_t *ref = ctl_at(tool, "spec.serviceRef");
		s->endpoint =
		    url ? xstrdup(url)
			: xasprintf("http://%s.%s.svc:%lld", ctl_s(ref, "name"),
				    ctl_s(tool, "metadata.namespace"),
				    (long long)json_integer_value(json_object_get(ref, "port")));
		s->reg = "True";
		s->reg_reason = "Registered";
		s->reg_msg = xstrdup("registered");
		ready(s, "True", "ProbeSucceeded", xstrdup("ready"));
		return;
	}
	validate(api, tool, s);
	if (!strcmp(s->reg, "True"))
		probe(api, tool, s);
	else
		ready(s, "False", "NotRegistered", xstrdup("the tool is not registered"));
}

static void reconcile(struct sim_api *api, const json_t *tool)
{
	json_t *gen = ctl_at(tool, "metadata.generation");
	long long g = json_is_integer(gen) ? json_integer_value(gen) : 1;
	struct at_state s = {0};
	settle(api, tool, &s);
	json_t *next = json_deep_copy(tool);
	json_t *st = json_object();
	const json_t *old = ctl_at(tool, "status");
	if (json_is_object(old) && json_is_array(json_object_get(old, "conditions")))
		json_object_set_new(st, "conditions",
				    json_deep_copy(json_object_get(old, "conditions")));
	json_object_set_new(st, "observedGeneration", json_integer(g));
	if (s.endpoint)
		json_object_set_new(st, "endpoint", json_string(s.endpoint));
	ctl_condition(st, "Registered", s.reg, s.reg_reason, s.reg_msg, g);
	ctl_condition(st, "Ready", s.ready, s.ready_reason, s.ready_msg, g);
	if (s.probed) {
		json_object_set(st, "tools", json_object_get(s.probed, "tools"));
		json_object_set(st, "server", json_object_get(s.probed, "server"));
	}
	/* unchanged but for the probe time: no write */
	json_t *cmp = json_is_object(old) ? json_deep_copy(old) : json_object();
	json_object_del(cmp, "lastProbeTime");
	bool same = json_equal(cmp, st);
	json_decref(cmp);
	if (same) {
		json_decref(st);
		json_decref(next);
	} else {
		char now[32];
		ctl_now(now);
		json_object_set_new(st, "lastProbeTime", json_string(now));
		json_object_set_new(next, "status", st);
		ctl_replace(api, AT_GROUP, "agenttools", next);
	}
	at_state_release(&s);
}

static void agenttool_on_change(struct sim_api *api, const char *event, const json_t *obj)
{
	if (!strcmp(event, "DELETED") || sim_meta_str(obj, "deletionTimestamp"))
		return;
	json_t *tool = ctl_get(api, AT_GROUP, "agenttools", sim_meta_str(obj, "namespace"),
			       sim_meta_str(obj, "name"));
	if (tool)
		reconcile(api, tool);
	json_decref(tool);
}

static void agenttool_tick(struct sim_api *api)
{
	json_t *all = ctl_list(api, AT_GROUP, "agenttools", NULL);
	size_t i;
	json_t *t;
	json_array_foreach(all, i, t) {
		if (!sim_meta_str(t, "deletionTimestamp"))
			reconcile(api, t);
	}
	json_decref(all);
}

const struct sim_controller sim_controller_agenttool = {
    .name = "agenttool",
    .group = AT_GROUP,
    .resource = "agenttools",
    .on_change = agenttool_on_change,
    .tick = agenttool_tick,
};

/* ---- the registry behind the service proxy ---- */

/* Whether labels satisfy an equality-based selector "k=v,k!=v,k" (also "=="). */
static bool selector_ok(const char *sel, const json_t *labels)
{
	char *copy = xstrdup(sel), *save = NULL;
	bool ok = true;
	for (char *term = strtok_r(copy, ",", &save); term && ok;
	     term = strtok_r(NULL, ",", &save)) {
		char *ne = strstr(term, "!="), *eq = strchr(term, '=');
		const char *key = term, *want = NULL;
		if (ne) {
			*ne = '\0';
			want = ne + 2;
		} else if (eq) {
			*eq = '\0';
			want = eq[1] == '=' ? eq + 2 : eq + 1;
		}
		const char *have = json_string_value(json_object_get(labels, key));
		if (!want)
			ok = have != NULL;
		else if (ne)
			ok = !have || strcmp(have, want) != 0;
		else
			ok = have && !strcmp(have, want);
	}
	free(copy);
	return ok;
}

static bool cond_true(const json_t *t, const char *type)
{
	const char *s = ctl_condition_status(t, type);
	return s && !strcmp(s, "True");
}

static json_t *registry_entry(const json_t *t)
{
	json_t *labels = ctl_at(t, "metadata.labels");
	json_t *schema = ctl_at(t, "spec.inputSchema");
	json_t *names = ctl_at(t, "status.tools");
	/* "o" takes over a new reference: copies of the stored values, or new empty ones */
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "namespace", ctl_s(t, "metadata.namespace"),
	    "name", ctl_s(t, "metadata.name"), "protocol", ctl_s(t, "spec.protocol"), "endpoint",
	    ctl_s(t, "status.endpoint"), "toolNames", names ? json_deep_copy(names) : json_array(),
	    "inputSchema", schema ? json_deep_copy(schema) : json_null(), "labels",
	    labels ? json_deep_copy(labels) : json_object());
}

static void registry_answer(struct sim_api *api, const json_t *q, struct sim_response *resp)
{
	const char *ns = json_string_value(json_object_get(q, "namespace"));
	const char *sel = json_string_value(json_object_get(q, "labelSelector"));
	json_t *all = ctl_list(api, AT_GROUP, "agenttools", ns && *ns ? ns : NULL);
	json_t *tools = json_array();
	size_t i;
	json_t *t;
	json_array_foreach(all, i, t) {
		if (cond_true(t, "Registered") && cond_true(t, "Ready") &&
		    (!sel || selector_ok(sel, ctl_at(t, "metadata.labels"))))
			json_array_append_new(tools, registry_entry(t));
	}
	json_decref(all);
	json_t *doc = json_pack("{s:o}", "tools", tools);
	resp->status = 200;
	resp->content_type = xstrdup("application/json");
	resp->body = json_dumps(doc, JSON_COMPACT);
	resp->len = strlen(resp->body);
	json_decref(doc);
}

bool ctl_agenttool_registry_proxy(struct sim_api *api, const char *method, const char *path,
				  const json_t *query, struct sim_response *resp)
{
	static const char prefix[] = "/api/v1/namespaces/";
	if (strncmp(path, prefix, sizeof(prefix) - 1) != 0 || strcmp(method, "GET") != 0 ||
	    !ctl_setting_bool(api, "agenttool", "enabled", true))
		return false;
	char ns[254], target[254], rest[512];
	if (sscanf(path + sizeof(prefix) - 1, "%253[^/]/services/%253[^/]/proxy/%511s", ns, target,
		   rest) != 3 ||
	    strcmp(rest, "v1/tools") != 0)
		return false;
	char *colon = strchr(target, ':');
	if (colon)
		*colon = '\0';
	json_t *svc = ctl_get(api, "", "services", ns, target);
	const char *l =
	    json_string_value(json_object_get(ctl_at(svc, "metadata.labels"), AT_REGISTRY_LABEL));
	bool ours = l && !strcmp(l, "true");
	json_decref(svc);
	if (ours)
		registry_answer(api, query, resp);
	return ours;
}
