/* rbac.c: authorization as the RBAC authorizer does it, from the Role, ClusterRole,
 * RoleBinding and ClusterRoleBinding objects in the store; system:masters may do
 * everything. Also the default cluster roles every cluster has. */

#include "objects/rbac.h"

#include <stdlib.h>
#include <string.h>

#include "base/meta.h"
#include "base/status.h"
#include "model/registry.h"
#include "model/store.h"
#include "objects/object.h"
#include "sim.h"
#include "util/xmalloc.h"

#define RBAC "rbac.authorization.k8s.io"

struct subject_ctx {
	const char *user;
	char **groups; /* effective groups, NULL-terminated */
};

static bool has_str(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		const char *x = json_string_value(v);
		if (x && !strcmp(x, s))
			return true;
	}
	return false;
}

static bool verb_ok(const json_t *rule, const char *verb)
{
	json_t *verbs = json_object_get(rule, "verbs");
	return has_str(verbs, "*") || has_str(verbs, verb);
}

static bool resource_ok(const json_t *rule, const struct sim_authz *a)
{
	json_t *res = json_object_get(rule, "resources");
	bool sub = a->subresource && *a->subresource;
	char *combined =
	    sub ? xasprintf("%s/%s", a->resource, a->subresource) : xstrdup(a->resource);
	bool ok = false;
	size_t i;
	json_t *v;
	json_array_foreach(res, i, v) {
		const char *r = json_string_value(v);
		if (!r)
			continue;
		if (!strcmp(r, "*") || !strcmp(r, combined))
			ok = true;
		else if (sub && !strncmp(r, "*/", 2) && !strcmp(r + 2, a->subresource))
			ok = true;
	}
	free(combined);
	return ok;
}

static bool path_ok(const json_t *rule, const char *path)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(rule, "nonResourceURLs"), i, v) {
		const char *u = json_string_value(v);
		if (!u)
			continue;
		size_t n = strlen(u);
		if (!strcmp(u, "*") || !strcmp(u, path))
			return true;
		if (n && u[n - 1] == '*' && !strncmp(u, path, n - 1))
			return true;
	}
	return false;
}

static bool rule_allows(const json_t *rule, const struct sim_authz *a)
{
	if (!verb_ok(rule, a->verb))
		return false;
	if (!a->resource)
		return path_ok(rule, a->path ? a->path : "");
	json_t *groups = json_object_get(rule, "apiGroups");
	if (!has_str(groups, "*") && !has_str(groups, a->group ? a->group : ""))
		return false;
	if (!resource_ok(rule, a))
		return false;
	json_t *names = json_object_get(rule, "resourceNames");
	if (!json_array_size(names))
		return true;
	return a->name && *a->name && has_str(names, a->name);
}

static bool subject_ok(const json_t *s, const struct subject_ctx *who, const char *binding_ns)
{
	const char *kind = json_string_value(json_object_get(s, "kind"));
	const char *name = json_string_value(json_object_get(s, "name"));
	if (!kind || !name)
		return false;
	if (!strcmp(kind, "User"))
		return !strcmp(name, who->user);
	if (!strcmp(kind, "Group"))
		return sim_strv_has(who->groups, name);
	if (!strcmp(kind, "ServiceAccount")) {
		const char *ns = json_string_value(json_object_get(s, "namespace"));
		if (!ns || !*ns)
			ns = binding_ns;
		char *u = xasprintf("system:serviceaccount:%s:%s", ns ? ns : "", name);
		bool ok = !strcmp(u, who->user);
		free(u);
		return ok;
	}
	return false;
}

static const json_t *lookup(struct sim_api *api, const char *resource, const char *ns,
			    const char *name)
{
	struct sim_rtype *rt = sim_registry_find(&api->reg, RBAC, resource);
	long i = rt ? sim_coll_find(&rt->coll, ns, name) : -1;
	return i < 0 ? NULL : rt->coll.v[i].obj;
}

static bool binding_allows(struct sim_api *api, const json_t *b, const struct subject_ctx *who,
			   const struct sim_authz *a, const char *ns)
{
	bool match = false;
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(b, "subjects"), i, s) {
		match = match || subject_ok(s, who, ns);
	}
	if (!match)
		return false;
	json_t *ref = json_object_get(b, "roleRef");
	const char *kind = json_string_value(json_object_get(ref, "kind"));
	const char *name = json_string_value(json_object_get(ref, "name"));
	if (!kind || !name)
		return false;
	const json_t *role = !strcmp(kind, "ClusterRole")  ? lookup(api, "clusterroles", "", name)
			     : !strcmp(kind, "Role") && ns ? lookup(api, "roles", ns, name)
							   : NULL;
	json_t *r;
	json_array_foreach(json_object_get(role, "rules"), i, r) {
		if (rule_allows(r, a))
			return true;
	}
	return false;
}

/* The effective groups: the identity's plus those the authenticators add. */
static char **effective_groups(const struct sim_identity *who)
{
	size_t n = 0;
	while (who->groups && who->groups[n])
		n++;
	char **g = xcalloc(n + 4, sizeof(*g));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		g[k++] = xstrdup(who->groups[i]);
	const char *user = who->user ? who->user : "system:anonymous";
	const char *extra =
	    !strcmp(user, "system:anonymous") ? "system:unauthenticated" : "system:authenticated";
	if (!sim_strv_has(g, extra))
		g[k++] = xstrdup(extra);
	const char *sa = "system:serviceaccount:";
	if (!strncmp(user, sa, strlen(sa))) {
		const char *ns = user + strlen(sa);
		const char *colon = strchr(ns, ':');
		if (!sim_strv_has(g, "system:serviceaccounts"))
			g[k++] = xstrdup("system:serviceaccounts");
		if (colon)
			g[k++] = xasprintf("system:serviceaccounts:%.*s", (int)(colon - ns), ns);
	}
	return g;
}

bool sim_rbac_allowed(struct sim_api *api, const struct sim_identity *who,
		      const struct sim_authz *a)
{
	if (!who)
		return false;
	for (size_t i = 0; who->groups && who->groups[i]; i++)
		if (!strcmp(who->groups[i], "system:masters"))
			return true;
	struct subject_ctx ctx = {who->user ? who->user : "system:anonymous",
				  effective_groups(who)};
	bool ok = false;
	struct sim_rtype *crb = sim_registry_find(&api->reg, RBAC, "clusterrolebindings");
	for (size_t i = 0; crb && i < crb->coll.n && !ok; i++)
		ok = binding_allows(api, crb->coll.v[i].obj, &ctx, a, NULL);
	struct sim_rtype *rb = sim_registry_find(&api->reg, RBAC, "rolebindings");
	if (!ok && rb && a->resource && a->ns && *a->ns) {
		for (size_t i = sim_coll_lower(&rb->coll, a->ns, "");
		     i < rb->coll.n && !strcmp(rb->coll.v[i].ns, a->ns) && !ok; i++)
			ok = binding_allows(api, rb->coll.v[i].obj, &ctx, a, a->ns);
	}
	sim_strv_free(ctx.groups);
	return ok;
}

void sim_rbac_forbidden(struct sim_response *resp, const struct sim_identity *who,
			const struct sim_authz *a)
{
	const char *user = who && who->user ? who->user : "system:anonymous";
	if (!a->resource) {
		sim_status_error(resp, 403, "Forbidden", NULL, NULL, NULL,
				 "forbidden: User \"%s\" cannot %s path \"%s\"", user, a->verb,
				 a->path ? a->path : "");
		return;
	}
	const char *group = a->group ? a->group : "";
	char *q = *group ? xasprintf("%s.%s", a->resource, group) : xstrdup(a->resource);
	char *res = a->subresource && *a->subresource
			? xasprintf("%s/%s", a->resource, a->subresource)
			: xstrdup(a->resource);
	char *subject = a->name && *a->name ? xasprintf("%s \"%s\"", q, a->name) : xstrdup(q);
	char *scope = a->ns && *a->ns ? xasprintf("in the namespace \"%s\"", a->ns)
				      : xstrdup("at the cluster scope");
	sim_status_error(resp, 403, "Forbidden", group, a->resource, a->name,
			 "%s is forbidden: User \"%s\" cannot %s resource \"%s\" in API group "
			 "\"%s\" %s",
			 subject, user, a->verb, res, group, scope);
	free(q);
	free(res);
	free(subject);
	free(scope);
}

static void seed(struct sim_api *api, const char *resource, json_t *obj)
{
	struct sim_rtype *rt = sim_registry_find(&api->reg, RBAC, resource);
	json_object_set_new(sim_meta(obj), "labels",
			    json_pack("{s:s}", "kubernetes.io/bootstrapping", "rbac-defaults"));
	struct sim_response r = {0};
	if (sim_obj_create(api, rt, obj, false, false, &r, NULL) < 0)
		sim_response_release(&r);
}

static void seed_pair(struct sim_api *api, const char *name, json_t *rules, const char *group,
		      const char *group2)
{
	seed(api, "clusterroles",
	     json_pack("{s:s, s:s, s:{s:s}, s:o}", "apiVersion", RBAC "/v1", "kind", "ClusterRole",
		       "metadata", "name", name, "rules", rules));
	json_t *subjects =
	    json_pack("[{s:s, s:s, s:s}]", "apiGroup", RBAC, "kind", "Group", "name", group);
	if (group2)
		json_array_append_new(subjects, json_pack("{s:s, s:s, s:s}", "apiGroup", RBAC,
							  "kind", "Group", "name", group2));
	seed(api, "clusterrolebindings",
	     json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:s, s:s}, s:o}", "apiVersion", RBAC "/v1",
		       "kind", "ClusterRoleBinding", "metadata", "name", name, "roleRef",
		       "apiGroup", RBAC, "kind", "ClusterRole", "name", name, "subjects",
		       subjects));
}

void sim_rbac_seed(struct sim_api *api)
{
	seed_pair(api, "cluster-admin",
		  json_pack("[{s:[s], s:[s], s:[s]}, {s:[s], s:[s]}]", "apiGroups", "*",
			    "resources", "*", "verbs", "*", "nonResourceURLs", "*", "verbs", "*"),
		  "system:masters", NULL);
	seed_pair(api, "system:discovery",
		  json_pack("[{s:[s,s,s,s,s,s,s,s,s,s], s:[s]}]", "nonResourceURLs", "/api",
			    "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi",
			    "/openapi/*", "/readyz", "/version", "verbs", "get"),
		  "system:authenticated", NULL);
	seed_pair(api, "system:basic-user",
		  json_pack("[{s:[s], s:[s], s:[s]}, {s:[s], s:[s,s], s:[s]}]", "apiGroups",
			    "authentication.k8s.io", "resources", "selfsubjectreviews", "verbs",
			    "create", "apiGroups", "authorization.k8s.io", "resources",
			    "selfsubjectaccessreviews", "selfsubjectrulesreviews", "verbs",
			    "create"),
		  "system:authenticated", NULL);
	seed_pair(api, "system:public-info-viewer",
		  json_pack("[{s:[s,s,s,s,s], s:[s]}]", "nonResourceURLs", "/healthz", "/livez",
			    "/readyz", "/version", "/version/", "verbs", "get"),
		  "system:authenticated", "system:unauthenticated");
}
