/* agenttool.c: a simulated AgentTool controller (agents.kaic.io, deploy/crds/agenttool.yaml).
 * Every AgentTool gets status.observedGeneration, status.endpoint (spec.endpoint.url, or
 * for spec.serviceRef "http://NAME.NS.svc:PORT/PATH", grpc:// for protocol GRPC) and the
 * conditions Registered=True (reason Registered) and Ready: True when the endpoint is a
 * URL or its Service exists with a Ready pod behind that port, else False (reason
 * ServiceNotFound or NoEndpoints). A spec with neither or both of endpoint and serviceRef
 * gets Registered=False reason InvalidSpec. controllers.agenttool.enabled: false stops it. */

#include "controllers/agenttool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/meta.h"
#include "controllers/ctl_util.h"
#include "controllers/resolve.h"
#include "sim.h"
#include "util/xmalloc.h"

#define AT_GROUP "agents.kaic.io"

static void reconcile(struct sim_api *api, const json_t *tool)
{
	const char *ns = ctl_s(tool, "metadata.namespace");
	json_t *gen = ctl_at(tool, "metadata.generation");
	long long g = json_is_integer(gen) ? json_integer_value(gen) : 1;
	const char *url = ctl_str(tool, "spec.endpoint.url");
	json_t *ref = ctl_at(tool, "spec.serviceRef");
	json_t *next = json_deep_copy(tool);
	json_t *st = json_object_get(next, "status");
	if (!json_is_object(st)) {
		st = json_object();
		json_object_set_new(next, "status", st);
	}
	json_object_set_new(st, "observedGeneration", json_integer(g));
	if (!url == !json_is_object(ref)) {
		ctl_condition(st, "Registered", "False", "InvalidSpec",
			      "exactly one of endpoint and serviceRef must be set", g);
		ctl_condition(st, "Ready", "False", "InvalidSpec", "the tool has no endpoint", g);
		ctl_replace(api, AT_GROUP, "agenttools", next);
		return;
	}
	const char *ready = "True", *reason = "EndpointReady", *msg = "the endpoint answers";
	char *ep;
	if (url) {
		ep = xstrdup(url);
	} else {
		const char *sns = ctl_str(ref, "namespace");
		const char *name = ctl_s(ref, "name"), *path = ctl_str(ref, "path");
		long port = (long)json_integer_value(json_object_get(ref, "port"));
		bool grpc = !strcmp(ctl_s(tool, "spec.protocol"), "GRPC");
		ep = xasprintf("%s://%s.%s.svc:%ld%s", grpc ? "grpc" : "http", name, sns ? sns : ns,
			       port, path ? path : "");
		json_t *svc = ctl_get(api, "", "services", sns ? sns : ns, name);
		bool has_port = false;
		json_t *eps = svc ? ctl_endpoints(api, svc, port, &has_port) : NULL;
		if (!svc || !has_port) {
			ready = "False";
			reason = "ServiceNotFound";
			msg = "the Service or its port does not exist";
		} else if (!json_array_size(eps)) {
			ready = "False";
			reason = "NoEndpoints";
			msg = "no Ready pod backs the Service";
		}
		json_decref(eps);
		json_decref(svc);
	}
	json_object_set_new(st, "endpoint", json_string(ep));
	free(ep);
	ctl_condition(st, "Registered", "True", "Registered",
		      "tool registered in the agent tool registry", g);
	ctl_condition(st, "Ready", ready, reason, msg, g);
	ctl_replace(api, AT_GROUP, "agenttools", next);
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
