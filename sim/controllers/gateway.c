/* gateway.c: a simulated Gateway API controller (gateway.networking.k8s.io). It owns the
 * GatewayClasses whose spec.controllerName is controllers.gateway.controllerName (or one
 * of controllerNames): with accept (default true) they get Accepted=True, otherwise
 * Accepted=Unknown reason Pending ("Waiting for controller"). Gateways of an accepted
 * owned class get Accepted and Programmed=True, an address (kept when already set, else
 * 10.96.x.y from a hash of their name) and listener statuses with attachedRoutes.
 * HTTPRoutes whose parentRefs name such a Gateway get a status.parents entry:
 * Accepted (False, NotAllowedByListeners, when no listener admits the route's namespace)
 * and ResolvedRefs (False, BackendNotFound, when a backend Service is missing). Routing
 * itself is modelled by probe_http.c. Everything is reconciled on every change and tick;
 * unchanged statuses are not rewritten. */

#include "controllers/gateway.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controllers/ctl_util.h"
#include "sim.h"

#define GW_GROUP "gateway.networking.k8s.io"

struct gw_state {
	struct sim_api *api;
	json_t *classes, *gateways, *routes; /* stored objects */
};

static bool owned(struct sim_api *api, const json_t *cls)
{
	const char *cn = ctl_s(cls, "spec.controllerName");
	const json_t *one = ctl_setting(api, "gateway", "controllerName");
	if (json_is_string(one) && !strcmp(json_string_value(one), cn))
		return true;
	size_t i;
	json_t *v;
	json_array_foreach(ctl_setting(api, "gateway", "controllerNames"), i, v) {
		if (json_is_string(v) && !strcmp(json_string_value(v), cn))
			return true;
	}
	return false;
}

static long long gen_of(const json_t *obj)
{
	json_t *g = ctl_at(obj, "metadata.generation");
	return json_is_integer(g) ? json_integer_value(g) : 1;
}

static void reconcile_class(struct gw_state *s, const json_t *cls)
{
	if (!owned(s->api, cls))
		return;
	json_t *next = json_deep_copy(cls);
	if (ctl_setting_bool(s->api, "gateway", "accept", true))
		ctl_condition(ctl_status(next), "Accepted", "True", "Accepted",
			      "Valid GatewayClass", gen_of(cls));
	else
		ctl_condition(ctl_status(next), "Accepted", "Unknown", "Pending",
			      "Waiting for controller", gen_of(cls));
	ctl_replace(s->api, GW_GROUP, "gatewayclasses", next);
}

/* The class of gw when it is owned and accepted, borrowed from s->classes. */
static const json_t *accepted_class(struct gw_state *s, const json_t *gw)
{
	size_t i;
	json_t *c;
	json_array_foreach(s->classes, i, c) {
		if (strcmp(ctl_s(c, "metadata.name"), ctl_s(gw, "spec.gatewayClassName")) != 0)
			continue;
		const char *acc = ctl_condition_status(c, "Accepted");
		return owned(s->api, c) && acc && !strcmp(acc, "True") ? c : NULL;
	}
	return NULL;
}

static bool listener_admits(struct sim_api *api, const json_t *l, const char *gns, const char *rns)
{
	const char *from = ctl_str(l, "allowedRoutes.namespaces.from");
	if (!from || !strcmp(from, "Same"))
		return !strcmp(gns, rns);
	if (!strcmp(from, "All"))
		return true;
	if (strcmp(from, "Selector") != 0)
		return false;
	json_t *nso = ctl_get(api, "", "namespaces", NULL, rns);
	bool ok = ctl_selector_match(ctl_at(l, "allowedRoutes.namespaces.selector"),
				     ctl_at(nso, "metadata.labels"));
	json_decref(nso);
	return ok;
}

/* Whether parent ref p of route (namespace rns) names gateway gw. */
static bool refers_to(const json_t *p, const char *rns, const json_t *gw)
{
	const char *pns = ctl_str(p, "namespace");
	const char *grp = ctl_str(p, "group"), *kind = ctl_str(p, "kind");
	return !strcmp(ctl_s(p, "name"), ctl_s(gw, "metadata.name")) &&
	       !strcmp(pns ? pns : rns, ctl_s(gw, "metadata.namespace")) &&
	       (!grp || !strcmp(grp, GW_GROUP)) && (!kind || !strcmp(kind, "Gateway"));
}

/* Whether listener l takes the route through parent ref p. */
static bool ref_attaches(struct sim_api *api, const json_t *p, const json_t *l, const char *gns,
			 const char *rns)
{
	const char *sec = ctl_str(p, "sectionName");
	json_t *port = json_object_get(p, "port");
	if (sec && strcmp(sec, ctl_s(l, "name")) != 0)
		return false;
	if (port && json_integer_value(port) != json_integer_value(json_object_get(l, "port")))
		return false;
	return listener_admits(api, l, gns, rns);
}

static long attached_routes(struct gw_state *s, const json_t *gw, const json_t *l)
{
	long n = 0;
	size_t i, j;
	json_t *r, *p;
	json_array_foreach(s->routes, i, r) {
		const char *rns = ctl_s(r, "metadata.namespace");
		bool hit = false;
		json_array_foreach(ctl_at(r, "spec.parentRefs"), j, p) {
			hit = hit ||
			      (refers_to(p, rns, gw) &&
			       ref_attaches(s->api, p, l, ctl_s(gw, "metadata.namespace"), rns));
		}
		n += hit;
	}
	return n;
}

/* An address for gw: 10.96.x.y from its name, unused by other gateways. */
static json_t *new_address(struct gw_state *s, const json_t *gw)
{
	char key[600];
	snprintf(key, sizeof(key), "%s/%s", ctl_s(gw, "metadata.namespace"),
		 ctl_s(gw, "metadata.name"));
	uint64_t h = ctl_hash(key);
	for (unsigned k = 0; k < 60000; k++) {
		unsigned v = (unsigned)((h + k) % 60000);
		char ip[32];
		snprintf(ip, sizeof(ip), "10.96.%u.%u", 200 + v / 250 % 50, v % 250 + 2);
		bool taken = false;
		size_t i, j;
		json_t *g, *a;
		json_array_foreach(s->gateways, i, g) {
			json_array_foreach(ctl_at(g, "status.addresses"), j, a) {
				taken = taken || !strcmp(ctl_s(a, "value"), ip);
			}
		}
		if (!taken)
			return json_pack("[{s:s, s:s}]", "type", "IPAddress", "value", ip);
	}
	return json_pack("[{s:s, s:s}]", "type", "IPAddress", "value", "10.96.255.254");
}

static void reconcile_gateway(struct gw_state *s, const json_t *gw)
{
	if (!accepted_class(s, gw))
		return;
	long long gen = gen_of(gw);
	json_t *next = json_deep_copy(gw);
	json_t *st = ctl_status(next);
	if (!json_array_size(json_object_get(st, "addresses")))
		json_object_set_new(st, "addresses", new_address(s, gw));
	ctl_condition(st, "Accepted", "True", "Accepted", "The Gateway has been scheduled", gen);
	ctl_condition(st, "Programmed", "True", "Programmed", "Address assigned to the Gateway",
		      gen);
	json_t *old = json_object_get(st, "listeners");
	json_t *ls = json_array();
	size_t i, j;
	json_t *l, *o;
	json_array_foreach(ctl_at(gw, "spec.listeners"), i, l) {
		json_t *ent = NULL;
		json_array_foreach(old, j, o) {
			if (!ent && !strcmp(ctl_s(o, "name"), ctl_s(l, "name")))
				ent = json_deep_copy(o);
		}
		if (!ent)
			ent = json_object();
		json_object_set_new(ent, "name", json_string(ctl_s(l, "name")));
		json_object_set_new(ent, "attachedRoutes", json_integer(attached_routes(s, gw, l)));
		json_object_set_new(
		    ent, "supportedKinds",
		    json_pack("[{s:s, s:s}]", "group", GW_GROUP, "kind", "HTTPRoute"));
		ctl_condition(ent, "Accepted", "True", "Accepted", "Listener is accepted", gen);
		ctl_condition(ent, "Programmed", "True", "Programmed", "Listener is programmed",
			      gen);
		ctl_condition(ent, "ResolvedRefs", "True", "ResolvedRefs",
			      "Listener references resolved", gen);
		json_array_append_new(ls, ent);
	}
	json_object_set_new(st, "listeners", ls);
	ctl_replace(s->api, GW_GROUP, "gateways", next);
}

static bool backends_resolve(struct sim_api *api, const json_t *route)
{
	const char *rns = ctl_s(route, "metadata.namespace");
	size_t i, j;
	json_t *rule, *b;
	json_array_foreach(ctl_at(route, "spec.rules"), i, rule) {
		json_array_foreach(json_object_get(rule, "backendRefs"), j, b) {
			const char *kind = ctl_str(b, "kind"), *grp = ctl_str(b, "group");
			if ((kind && strcmp(kind, "Service") != 0) || (grp && *grp))
				continue;
			const char *ns = ctl_str(b, "namespace");
			json_t *svc = ctl_get(api, "", "services", ns ? ns : rns, ctl_s(b, "name"));
			json_decref(svc);
			if (!svc)
				return false;
		}
	}
	return true;
}

static void reconcile_route(struct gw_state *s, const json_t *route)
{
	const char *rns = ctl_s(route, "metadata.namespace");
	const json_t *ctl = ctl_setting(s->api, "gateway", "controllerName");
	const char *cname = json_string_value(ctl);
	json_t *next = json_deep_copy(route);
	json_t *st = ctl_status(next);
	json_t *parents = json_object_get(st, "parents");
	if (!json_is_array(parents)) {
		parents = json_array();
		json_object_set_new(st, "parents", parents);
	}
	bool resolved = backends_resolve(s->api, route);
	long long gen = gen_of(route);
	size_t i, j, k;
	json_t *p, *gw, *l, *e;
	json_array_foreach(ctl_at(route, "spec.parentRefs"), i, p) {
		const json_t *target = NULL;
		json_array_foreach(s->gateways, j, gw) {
			if (refers_to(p, rns, gw) && accepted_class(s, gw))
				target = gw;
		}
		if (!target)
			continue;
		const json_t *cls = accepted_class(s, target);
		bool admitted = false;
		json_array_foreach(ctl_at(target, "spec.listeners"), k, l) {
			admitted =
			    admitted ||
			    ref_attaches(s->api, p, l, ctl_s(target, "metadata.namespace"), rns);
		}
		json_t *ent = NULL;
		json_array_foreach(parents, k, e) {
			const char *ens = ctl_str(e, "parentRef.namespace");
			if (!ent && !strcmp(ctl_s(e, "parentRef.name"), ctl_s(p, "name")) &&
			    !strcmp(ens ? ens : rns, ctl_s(target, "metadata.namespace")))
				ent = e;
		}
		if (!ent) {
			ent = json_object();
			json_array_append_new(parents, ent);
		}
		json_t *ref = json_pack("{s:s, s:s, s:s}", "group", GW_GROUP, "kind", "Gateway",
					"name", ctl_s(p, "name"));
		if (ctl_str(p, "namespace"))
			json_object_set_new(ref, "namespace", json_string(ctl_str(p, "namespace")));
		if (ctl_str(p, "sectionName"))
			json_object_set_new(ref, "sectionName",
					    json_string(ctl_str(p, "sectionName")));
		json_object_set_new(ent, "parentRef", ref);
		json_object_set_new(ent, "controllerName",
				    json_string(cname ? cname : ctl_s(cls, "spec.controllerName")));
		if (admitted)
			ctl_condition(ent, "Accepted", "True", "Accepted", "Route is accepted",
				      gen);
		else
			ctl_condition(
			    ent, "Accepted", "False", "NotAllowedByListeners",
			    "No listener of the Gateway admits routes from this namespace", gen);
		if (resolved)
			ctl_condition(ent, "ResolvedRefs", "True", "ResolvedRefs",
				      "Resolved all the Object references for the Route", gen);
		else
			ctl_condition(ent, "ResolvedRefs", "False", "BackendNotFound",
				      "A backend Service of the Route does not exist", gen);
	}
	if (!json_array_size(parents))
		json_decref(next);
	else
		ctl_replace(s->api, GW_GROUP, "httproutes", next);
}

static void reconcile_all(struct sim_api *api)
{
	struct gw_state s = {.api = api};
	s.classes = ctl_list(api, GW_GROUP, "gatewayclasses", NULL);
	size_t i;
	json_t *o;
	json_array_foreach(s.classes, i, o) {
		reconcile_class(&s, o);
	}
	json_decref(s.classes);
	s.classes = ctl_list(api, GW_GROUP, "gatewayclasses", NULL);
	s.gateways = ctl_list(api, GW_GROUP, "gateways", NULL);
	s.routes = ctl_list(api, GW_GROUP, "httproutes", NULL);
	json_array_foreach(s.routes, i, o) {
		reconcile_route(&s, o);
	}
	json_decref(s.routes);
	s.routes = ctl_list(api, GW_GROUP, "httproutes", NULL);
	json_array_foreach(s.gateways, i, o) {
		reconcile_gateway(&s, o);
	}
	json_decref(s.classes);
	json_decref(s.gateways);
	json_decref(s.routes);
}

static void gateway_on_change(struct sim_api *api, const char *event, const json_t *obj)
{
	(void)event;
	(void)obj;
	reconcile_all(api);
}

static void gateway_tick(struct sim_api *api)
{
	reconcile_all(api);
}

const struct sim_controller sim_controller_gateway_classes = {
    .name = "gateway",
    .group = GW_GROUP,
    .resource = "gatewayclasses",
    .on_change = gateway_on_change,
    .tick = gateway_tick,
};

const struct sim_controller sim_controller_gateway_gateways = {
    .name = "gateway",
    .group = GW_GROUP,
    .resource = "gateways",
    .on_change = gateway_on_change,
    .tick = NULL,
};

const struct sim_controller sim_controller_gateway_routes = {
    .name = "gateway",
    .group = GW_GROUP,
    .resource = "httproutes",
    .on_change = gateway_on_change,
    .tick = NULL,
};
