/* discovery.c: /api, /apis (legacy APIVersions/APIGroupList and the aggregated
 * apidiscovery.k8s.io v2/v2beta1 APIGroupDiscoveryList chosen by Accept), /apis/G and
 * the APIResourceList of /api/v1 and /apis/G/V. Called with api->mu held. */

#include "rest/discovery.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "model/registry.h"
#include "model/store.h"
#include "sim.h"
#include "util/xmalloc.h"

/* Kubernetes version priority: GA > beta > alpha, then higher numbers first. */
static long version_rank(const char *v)
{
	if (v[0] != 'v' || !isdigit((unsigned char)v[1]))
		return -1;
	char *end;
	long major = strtol(v + 1, &end, 10);
	long level = 3, minor = 0;
	if (!strncmp(end, "beta", 4)) {
		level = 2;
		minor = strtol(end + 4, NULL, 10);
	} else if (!strncmp(end, "alpha", 5)) {
		level = 1;
		minor = strtol(end + 5, NULL, 10);
	} else if (*end) {
		return -1;
	}
	return level * 1000000 + major * 1000 + minor;
}

static int version_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	long rx = version_rank(x), ry = version_rank(y);
	if (rx != ry)
		return rx > ry ? -1 : 1;
	return strcmp(x, y);
}

/* The served versions of group, best first (NULL-terminated, strings borrowed). */
static const char **group_versions(struct sim_api *api, const char *group)
{
	size_t n = 0, cap = 4;
	const char **v = xcalloc(cap + 1, sizeof(*v));
	for (size_t t = 0; t < api->reg.n; t++) {
		struct sim_rtype *rt = api->reg.types[t];
		if (strcmp(rt->group, group) != 0)
			continue;
		for (char **p = rt->versions; *p; p++) {
			bool have = false;
			for (size_t i = 0; i < n; i++)
				have = have || !strcmp(v[i], *p);
			if (have)
				continue;
			if (n == cap) {
				cap *= 2;
				v = xreallocarray(v, cap + 1, sizeof(*v));
			}
			v[n++] = *p;
		}
	}
	v[n] = NULL;
	qsort(v, n, sizeof(*v), version_cmp);
	return v;
}

/* Distinct API groups (not the core one) in registration order; borrowed strings. */
static const char **all_groups(struct sim_api *api)
{
	const char **g = xcalloc(api->reg.n + 1, sizeof(*g));
	size_t n = 0;
	for (size_t t = 0; t < api->reg.n; t++) {
		const char *name = api->reg.types[t]->group;
		bool have = !*name;
		for (size_t i = 0; i < n && !have; i++)
			have = !strcmp(g[i], name);
		if (!have)
			g[n++] = name;
	}
	return g;
}

static json_t *gv_pair(const char *group, const char *version)
{
	char *gv = sim_api_version_str(group, version);
	json_t *o = json_pack("{s:s, s:s}", "groupVersion", gv, "version", version);
	free(gv);
	return o;
}

static json_t *api_group(struct sim_api *api, const char *group)
{
	const char **vs = group_versions(api, group);
	if (!vs[0]) {
		free(vs);
		return NULL;
	}
	json_t *versions = json_array();
	for (size_t i = 0; vs[i]; i++)
		json_array_append_new(versions, gv_pair(group, vs[i]));
	json_t *g = json_pack("{s:s, s:o, s:o}", "name", group, "versions", versions,
			      "preferredVersion", gv_pair(group, vs[0]));
	free(vs);
	return g;
}

static json_t *verbs_of(unsigned verbs)
{
	json_t *a = json_array();
	for (int i = 0; i < 8; i++)
		if (verbs & (1u << i))
			json_array_append_new(a, json_string(sim_verb_names[i]));
	return a;
}

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();
	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

struct subinfo {
	const char *name;
	const char *group; /* NULL: the parent's */
	const char *version;
	const char *kind; /* NULL: the parent's */
	const char *verbs;
};

/* The subresources of rt (up to 8). */
static size_t subresources(const struct sim_rtype *rt, struct subinfo *out)
{
	size_t n = 0;
	if (rt->has_status)
		out[n++] = (struct subinfo){"status", NULL, NULL, NULL, "get,patch,update"};
	if (rt->has_scale)
		out[n++] =
		    (struct subinfo){"scale", "autoscaling", "v1", "Scale", "get,patch,update"};
	if (!strcmp(rt->resource, "namespaces") && !*rt->group)
		out[n++] = (struct subinfo){"finalize", NULL, NULL, NULL, "update"};
	for (size_t i = 0; rt->extra_subs && rt->extra_subs[i] && n < 8; i++) {
		const char *s = rt->extra_subs[i];
		if (!strcmp(s, "log"))
			out[n++] = (struct subinfo){"log", NULL, NULL, NULL, "get"};
		else if (!strcmp(s, "eviction"))
			out[n++] =
			    (struct subinfo){"eviction", "policy", "v1", "Eviction", "create"};
		else if (!strcmp(s, "binding"))
			out[n++] = (struct subinfo){"binding", NULL, NULL, "Binding", "create"};
	}
	return n;
}

static json_t *verbs_csv(const char *csv)
{
	char **v = sim_strv_split(csv);
	json_t *a = strv_json(v);
	sim_strv_free(v);
	return a;
}

static json_t *resource_list(struct sim_api *api, const char *group, const char *version)
{
	json_t *res = json_array();
	for (size_t t = 0; t < api->reg.n; t++) {
		struct sim_rtype *rt = api->reg.types[t];
		if (strcmp(rt->group, group) != 0 || !sim_rtype_serves(rt, version))
			continue;
		json_t *r = json_pack("{s:s, s:s, s:b, s:s, s:o}", "name", rt->resource,
				      "singularName", rt->singular, "namespaced", rt->namespaced,
				      "kind", rt->kind, "verbs", verbs_of(rt->verbs));
		if (rt->short_names[0])
			json_object_set_new(r, "shortNames", strv_json(rt->short_names));
		if (rt->categories[0])
			json_object_set_new(r, "categories", strv_json(rt->categories));
		json_array_append_new(res, r);
		struct subinfo subs[8];
		size_t ns = subresources(rt, subs);
		for (size_t i = 0; i < ns; i++) {
			char *name = xasprintf("%s/%s", rt->resource, subs[i].name);
			json_t *s = json_pack("{s:s, s:s, s:b, s:s, s:o}", "name", name,
					      "singularName", "", "namespaced", rt->namespaced,
					      "kind", subs[i].kind ? subs[i].kind : rt->kind,
					      "verbs", verbs_csv(subs[i].verbs));
			if (subs[i].group) {
				json_object_set_new(s, "group", json_string(subs[i].group));
				json_object_set_new(s, "version", json_string(subs[i].version));
			}
			free(name);
			json_array_append_new(res, s);
		}
	}
	if (!json_array_size(res)) {
		json_decref(res);
		return NULL;
	}
	char *gv = sim_api_version_str(group, version);
	json_t *l = json_pack("{s:s, s:s, s:s, s:o}", "kind", "APIResourceList", "apiVersion", "v1",
			      "groupVersion", gv, "resources", res);
	free(gv);
	return l;
}

/* ---- aggregated discovery ---- */

static json_t *response_kind(const char *group, const char *version, const char *kind)
{
	return json_pack("{s:s, s:s, s:s}", "group", group, "version", version, "kind", kind);
}

static json_t *agg_resource(const struct sim_rtype *rt, const char *version)
{
	json_t *r = json_pack("{s:s, s:o, s:s, s:s, s:o}", "resource", rt->resource, "responseKind",
			      response_kind(rt->group, version, rt->kind), "scope",
			      rt->namespaced ? "Namespaced" : "Cluster", "singularResource",
			      rt->singular, "verbs", verbs_of(rt->verbs));
	if (rt->short_names[0])
		json_object_set_new(r, "shortNames", strv_json(rt->short_names));
	if (rt->categories[0])
		json_object_set_new(r, "categories", strv_json(rt->categories));
	struct subinfo subs[8];
	size_t n = subresources(rt, subs);
	if (n) {
		json_t *sa = json_array();
		for (size_t i = 0; i < n; i++) {
			const char *g = subs[i].group ? subs[i].group : rt->group;
			const char *v = subs[i].version ? subs[i].version : version;
			const char *k = subs[i].kind ? subs[i].kind : rt->kind;
			json_array_append_new(sa, json_pack("{s:s, s:o, s:o}", "subresource",
							    subs[i].name, "responseKind",
							    response_kind(g, v, k), "verbs",
							    verbs_csv(subs[i].verbs)));
		}
		json_object_set_new(r, "subresources", sa);
	}
	return r;
}

static json_t *agg_group(struct sim_api *api, const char *group)
{
	const char **vs = group_versions(api, group);
	json_t *versions = json_array();
	for (size_t i = 0; vs[i]; i++) {
		json_t *res = json_array();
		for (size_t t = 0; t < api->reg.n; t++) {
			struct sim_rtype *rt = api->reg.types[t];
			if (!strcmp(rt->group, group) && sim_rtype_serves(rt, vs[i]))
				json_array_append_new(res, agg_resource(rt, vs[i]));
		}
		json_array_append_new(versions,
				      json_pack("{s:s, s:o, s:s}", "version", vs[i], "resources",
						res, "freshness", "Current"));
	}
	free(vs);
	json_t *md = json_pack("{s:n}", "creationTimestamp");
	if (*group)
		json_object_set_new(md, "name", json_string(group));
	return json_pack("{s:o, s:o}", "metadata", md, "versions", versions);
}

/* The aggregated discovery version the Accept header asks for first, or NULL. */
static const char *aggregated_version(const char *accept)
{
	if (!accept)
		return NULL;
	char **types = sim_strv_split(accept);
	const char *found = NULL;
	for (char **t = types; *t && !found; t++) {
		char *p = *t;
		while (*p == ' ')
			p++;
		bool json = !strncmp(p, "application/json", 16);
		bool agg =
		    strstr(p, "g=apidiscovery.k8s.io") && strstr(p, "as=APIGroupDiscoveryList");
		if (json && agg && strstr(p, "v=v2beta1"))
			found = "v2beta1";
		else if (json && agg && strstr(p, "v=v2"))
			found = "v2";
		else if (json || !strncmp(p, "*/*", 3))
			break;
	}
	sim_strv_free(types);
	return found;
}

static void answer(struct sim_response *resp, json_t *v, const char *agg)
{
	sim_respond_json(resp, 200, v);
	if (agg)
		resp->content_type = xasprintf("application/json;g=apidiscovery.k8s.io;v=%s;"
					       "as=APIGroupDiscoveryList",
					       agg);
}

static void aggregated(struct sim_api *api, bool core, const char *agg, struct sim_response *resp)
{
	json_t *items = json_array();
	if (core) {
		json_array_append_new(items, agg_group(api, ""));
	} else {
		const char **groups = all_groups(api);
		for (size_t i = 0; groups[i]; i++)
			json_array_append_new(items, agg_group(api, groups[i]));
		free(groups);
	}
	char *av = xasprintf("apidiscovery.k8s.io/%s", agg);
	json_t *l = json_pack("{s:s, s:s, s:{}, s:o}", "kind", "APIGroupDiscoveryList",
			      "apiVersion", av, "metadata", "items", items);
	free(av);
	answer(resp, l, agg);
}

static void not_found(struct sim_response *resp)
{
	sim_status_error(resp, 404, "NotFound", NULL, NULL, NULL,
			 "the server could not find the requested resource");
}

bool sim_discovery_handle(struct sim_api *api, const char *const *seg, size_t nseg,
			  const char *accept, struct sim_response *resp)
{
	bool core = !strcmp(seg[0], "api");
	const char *agg = aggregated_version(accept);
	if (nseg == 1) {
		if (agg) {
			aggregated(api, core, agg, resp);
		} else if (core) {
			answer(resp,
			       json_pack("{s:s, s:[s], s:[{s:s, s:s}]}", "kind", "APIVersions",
					 "versions", "v1", "serverAddressByClientCIDRs",
					 "clientCIDR", "0.0.0.0/0", "serverAddress",
					 "127.0.0.1:6443"),
			       NULL);
		} else {
			json_t *groups = json_array();
			const char **gs = all_groups(api);
			for (size_t i = 0; gs[i]; i++) {
				json_t *g = api_group(api, gs[i]);
				if (g)
					json_array_append_new(groups, g);
			}
			free(gs);
			answer(resp,
			       json_pack("{s:s, s:s, s:o}", "kind", "APIGroupList", "apiVersion",
					 "v1", "groups", groups),
			       NULL);
		}
		return true;
	}
	if (!core && nseg == 2) {
		json_t *g = api_group(api, seg[1]);
		if (!g) {
			not_found(resp);
			return true;
		}
		json_object_set_new(g, "kind", json_string("APIGroup"));
		json_object_set_new(g, "apiVersion", json_string("v1"));
		answer(resp, g, NULL);
		return true;
	}
	if ((core && nseg == 2) || (!core && nseg == 3)) {
		json_t *l = resource_list(api, core ? "" : seg[1], core ? seg[1] : seg[2]);
		if (l)
			answer(resp, l, NULL);
		else
			not_found(resp);
		return true;
	}
	return false;
}
