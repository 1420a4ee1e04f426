/* crd.c: CustomResourceDefinitions: validation, status (NamesAccepted, Established,
 * acceptedNames, storedVersions) and serving their resources as soon as they exist. */

#include "objects/crd.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/meta.h"
#include "base/status.h"
#include "model/registry.h"
#include "model/store.h"
#include "sim.h"
#include "util/xmalloc.h"

static const char *str_at(const json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);
	return json_string_value(b ? json_object_get(v, b) : v);
}

static void crd_invalid(struct sim_response *resp, const char *name, const char *field,
			const char *detail)
{
	sim_status_error(resp, 422, "Invalid", "apiextensions.k8s.io", "CustomResourceDefinition",
			 name,
			 "CustomResourceDefinition.apiextensions.k8s.io \"%s\" is invalid: %s: %s",
			 name ? name : "", field, detail);
}

static char *lower(const char *s)
{
	char *r = xstrdup(s);
	for (char *p = r; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return r;
}

static json_t *condition(const char *type, const char *status, const char *reason, const char *msg,
			 const char *now)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", type, "status", status,
			 "lastTransitionTime", now, "reason", reason, "message", msg);
}

#define APPROVAL "api-approved.kubernetes.io"
#define KEP_1111 "see https://github.com/kubernetes/enhancements/pull/1111"

/* GetAPIApprovalState: 0 missing, 1 invalid, 2 approved or bypassed ("unapproved…"). */
static int approval_state(const json_t *crd, const char **value)
{
	json_t *ann = json_object_get(json_object_get(crd, "metadata"), "annotations");
	*value = json_string_value(json_object_get(ann, APPROVAL));
	if (!*value)
		return 0;
	if (!strncmp(*value, "unapproved", 10))
		return 2;
	/* url.ParseRequestURI: an absolute URL or an absolute path */
	const char *colon = strchr(*value, ':');
	bool url =
	    **value == '/' || (colon && colon > *value && colon[1] == '/' && colon[2] == '/');
	return url && !strpbrk(*value, " \t") ? 2 : 1;
}

/* validateAPIApproval: a CRD of a protected group (k8s.io, kubernetes.io and their
 * subdomains) needs the approval annotation, unless an update leaves its state as it was. */
static int check_approval(const json_t *crd, const json_t *old, const char *group,
			  struct sim_response *resp)
{
	size_t n = strlen(group);
	bool protected_group = !strcmp(group, "k8s.io") || !strcmp(group, "kubernetes.io") ||
			       (n > 7 && !strcmp(group + n - 7, ".k8s.io")) ||
			       (n > 14 && !strcmp(group + n - 14, ".kubernetes.io"));
	const char *value, *old_value;
	int state = approval_state(crd, &value);
	if (!protected_group || state == 2 || (old && approval_state(old, &old_value) == state))
		return 0;
	const char *name = sim_meta_str(crd, "name");
	if (state == 0) {
		crd_invalid(
		    resp, name, "metadata.annotations[" APPROVAL "]",
		    "Required value: protected groups must have approval annotation \"" APPROVAL
		    "\", " KEP_1111);
	} else {
		char *detail =
		    xasprintf("Invalid value: \"%s\": protected groups must have approval "
			      "annotation \"" APPROVAL "\" with either a URL or a reason "
			      "starting with \"unapproved\", " KEP_1111,
			      value);
		crd_invalid(resp, name, "metadata.annotations[" APPROVAL "]", detail);
		free(detail);
	}
	return -1;
}

int sim_crd_prepare(struct sim_api *api, json_t *crd, const json_t *old, struct sim_response *resp)
{
	const char *name = sim_meta_str(crd, "name");
	json_t *spec = json_object_get(crd, "spec");
	const char *group = str_at(spec, "group", NULL);
	json_t *names = json_object_get(spec, "names");
	const char *plural = str_at(names, "plural", NULL);
	const char *kind = str_at(names, "kind", NULL);
	const char *scope = str_at(spec, "scope", NULL);
	json_t *versions = json_object_get(spec, "versions");
	if (!group || !*group)
		return crd_invalid(resp, name, "spec.group", "Required value"), -1;
	if (!plural || !*plural)
		return crd_invalid(resp, name, "spec.names.plural", "Required value"), -1;
	if (!kind || !*kind)
		return crd_invalid(resp, name, "spec.names.kind", "Required value"), -1;
	if (!scope || (strcmp(scope, "Namespaced") != 0 && strcmp(scope, "Cluster") != 0))
		return crd_invalid(resp, name, "spec.scope",
				   "Unsupported value: must be Namespaced or Cluster"),
		       -1;
	char *want = xasprintf("%s.%s", plural, group);
	bool name_ok = name && !strcmp(name, want);
	free(want);
	if (!name_ok)
		return crd_invalid(resp, name, "metadata.name",
				   "Invalid value: must be spec.names.plural+\".\"+spec.group"),
		       -1;
	if (check_approval(crd, old, group, resp) < 0)
		return -1;
	size_t storage = 0, i;
	json_t *v;
	const char *storage_name = NULL;
	json_array_foreach(versions, i, v) {
		if (!str_at(v, "name", NULL))
			return crd_invalid(resp, name, "spec.versions", "Required value: name"), -1;
		if (json_is_true(json_object_get(v, "storage"))) {
			storage++;
			storage_name = str_at(v, "name", NULL);
		}
	}
	if (!json_array_size(versions) || storage != 1)
		return crd_invalid(resp, name, "spec.versions",
				   "Invalid value: must have exactly one version marked as storage "
				   "version"),
		       -1;
	/* accepted names with defaults */
	json_t *acc = json_deep_copy(names);
	if (!json_object_get(acc, "singular")) {
		char *s = lower(kind);
		json_object_set_new(acc, "singular", json_string(s));
		free(s);
	}
	if (!json_object_get(acc, "listKind")) {
		char *lk = xasprintf("%sList", kind);
		json_object_set_new(acc, "listKind", json_string(lk));
		free(lk);
	}
	json_object_set(names, "singular", json_object_get(acc, "singular"));
	json_object_set(names, "listKind", json_object_get(acc, "listKind"));
	struct sim_rtype *existing = sim_registry_find(&api->reg, group, plural);
	bool conflict = existing && !existing->crd;
	char now[32];
	sim_store_now(now);
	json_t *stored = json_array();
	json_t *ost = json_object_get(json_object_get(old, "status"), "storedVersions");
	json_array_foreach(ost, i, v) {
		json_array_append(stored, v);
	}
	bool have = false;
	json_array_foreach(stored, i, v) {
		have =
		    have || !strcmp(json_string_value(v) ? json_string_value(v) : "", storage_name);
	}
	if (!have)
		json_array_append_new(stored, json_string(storage_name));
	json_t *conds = json_array();
	if (conflict) {
		json_array_append_new(conds, condition("NamesAccepted", "False", "NameConflict",
						       "the resource name is already in use", now));
		json_array_append_new(conds, condition("Established", "False", "NotAccepted",
						       "not all names are accepted", now));
	} else {
		json_array_append_new(conds, condition("NamesAccepted", "True", "NoConflicts",
						       "no conflicts found", now));
		json_array_append_new(conds,
				      condition("Established", "True", "InitialNamesAccepted",
						"the initial names have been accepted", now));
	}
	json_object_set_new(crd, "status",
			    json_pack("{s:o, s:o, s:o}", "conditions", conds, "acceptedNames", acc,
				      "storedVersions", stored));
	return 0;
}

static char **strv_from(const json_t *arr)
{
	char **v = xcalloc(json_array_size(arr) + 1, sizeof(*v));
	size_t i, n = 0;
	json_t *x;
	json_array_foreach(arr, i, x) {
		if (json_is_string(x))
			v[n++] = xstrdup(json_string_value(x));
	}
	return v;
}

/* Served versions, storage version first; selectable fields; subresources. */
static void fill_versions(struct sim_rtype *rt, const json_t *versions)
{
	size_t n = json_array_size(versions), k = 0, i;
	char **vs = xcalloc(n + 1, sizeof(*vs));
	json_t *v;
	sim_strv_free(rt->fields);
	rt->fields = xcalloc(1, sizeof(char *));
	size_t nf = 0;
	rt->has_status = rt->has_scale = false;
	json_decref(rt->columns);
	rt->columns = NULL;
	free(rt->scale_spec_path);
	free(rt->scale_status_path);
	rt->scale_spec_path = rt->scale_status_path = NULL;
	for (int pass = 0; pass < 2; pass++) {
		json_array_foreach(versions, i, v) {
			bool storage = json_is_true(json_object_get(v, "storage"));
			if (!json_is_true(json_object_get(v, "served")) || storage != (pass == 0))
				continue;
			vs[k++] = xstrdup(json_string_value(json_object_get(v, "name")));
			json_t *subs = json_object_get(v, "subresources");
			if (json_object_get(subs, "status"))
				rt->has_status = true;
			if (pass == 0 || !rt->columns) {
				json_decref(rt->columns);
				rt->columns =
				    json_incref(json_object_get(v, "additionalPrinterColumns"));
			}
			json_t *scale = json_object_get(subs, "scale");
			if (scale && !rt->has_scale) {
				rt->has_scale = true;
				const char *sp = str_at(scale, "specReplicasPath", NULL);
				const char *stp = str_at(scale, "statusReplicasPath", NULL);
				rt->scale_spec_path = xstrdup(sp ? sp : ".spec.replicas");
				rt->scale_status_path = xstrdup(stp ? stp : ".status.replicas");
			}
			size_t j;
			json_t *f;
			json_array_foreach(json_object_get(v, "selectableFields"), j, f) {
				const char *p = str_at(f, "jsonPath", NULL);
				if (!p)
					continue;
				if (*p == '.')
					p++;
				rt->fields = xreallocarray(rt->fields, nf + 2, sizeof(char *));
				rt->fields[nf++] = xstrdup(p);
				rt->fields[nf] = NULL;
			}
		}
	}
	sim_strv_free(rt->versions);
	rt->versions = vs;
}

void sim_crd_apply(struct sim_api *api, const json_t *crd)
{
	json_t *spec = json_object_get(crd, "spec");
	const char *group = str_at(spec, "group", NULL);
	json_t *names = json_object_get(spec, "names");
	const char *plural = str_at(names, "plural", NULL);
	if (!group || !plural)
		return;
	struct sim_rtype *rt = sim_registry_find(&api->reg, group, plural);
	if (rt && !rt->crd)
		return; /* names taken by a built-in type */
	bool fresh = !rt;
	if (fresh) {
		rt = xcalloc(1, sizeof(*rt));
		rt->group = xstrdup(group);
		rt->resource = xstrdup(plural);
		rt->crd = true;
		rt->verbs = SIM_ALL_VERBS;
		rt->name_rule = SIM_NAME_SUBDOMAIN;
		rt->status_rule = SIM_STATUS_KEEP;
		rt->versions = xcalloc(1, sizeof(char *));
		rt->fields = xcalloc(1, sizeof(char *));
	}
	const char *kind = str_at(names, "kind", NULL);
	free(rt->kind);
	rt->kind = xstrdup(kind ? kind : plural);
	free(rt->singular);
	const char *singular = str_at(names, "singular", NULL);
	rt->singular = singular ? xstrdup(singular) : lower(rt->kind);
	free(rt->list_kind);
	const char *lk = str_at(names, "listKind", NULL);
	rt->list_kind = lk ? xstrdup(lk) : xasprintf("%sList", rt->kind);
	sim_strv_free(rt->short_names);
	rt->short_names = strv_from(json_object_get(names, "shortNames"));
	sim_strv_free(rt->categories);
	rt->categories = strv_from(json_object_get(names, "categories"));
	const char *scope = str_at(spec, "scope", NULL);
	rt->namespaced = !scope || strcmp(scope, "Cluster") != 0;
	fill_versions(rt, json_object_get(spec, "versions"));
	if (fresh)
		sim_registry_add(&api->reg, rt);
}

void sim_crd_remove(struct sim_api *api, const json_t *crd)
{
	json_t *spec = json_object_get(crd, "spec");
	const char *group = str_at(spec, "group", NULL);
	const char *plural = str_at(spec, "names", "plural");
	if (!group || !plural)
		return;
	struct sim_rtype *rt = sim_registry_find(&api->reg, group, plural);
	if (!rt || !rt->crd)
		return;
	sim_store_clear_type(api, rt);
	sim_registry_remove(&api->reg, rt);
}
