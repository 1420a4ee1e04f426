/* util.c: helpers shared by the checks: JSON access, sets, inventory reads, DRA devices. */
#include "checks/util.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/xmalloc.h"

/* ---- JSON objects ---- */

const json_t *cutil_get(const json_t *obj, const char *path)
{
	const json_t *cur = obj;
	const char *p = path;
	while (cur != NULL && *p != '\0') {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (!json_is_object(cur))
			return NULL;
		cur = json_object_getn(cur, p, n);
		p += n;
		if (*p == '.')
			p++;
	}
	return cur;
}

const char *cutil_str(const json_t *obj, const char *path)
{
	return json_string_value(cutil_get(obj, path));
}

const char *cutil_name(const json_t *obj)
{
	const char *s = cutil_str(obj, "metadata.name");
	return s ? s : "";
}

const char *cutil_ns(const json_t *obj)
{
	const char *s = cutil_str(obj, "metadata.namespace");
	return s ? s : "";
}

char *cutil_ref(const json_t *obj)
{
	const char *ns = cutil_ns(obj);
	if (*ns == '\0')
		return xstrdup(cutil_name(obj));
	return xasprintf("%s/%s", ns, cutil_name(obj));
}

const char *cutil_label(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(cutil_get(obj, "metadata.labels"), key));
}

const char *cutil_annotation(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(cutil_get(obj, "metadata.annotations"), key));
}

bool cutil_has_label(const json_t *obj, const char *selector)
{
	const char *eq = strchr(selector, '=');
	if (eq == NULL)
		return cutil_label(obj, selector) != NULL;
	const json_t *labels = cutil_get(obj, "metadata.labels");
	const char *v =
	    json_string_value(json_object_getn(labels, selector, (size_t)(eq - selector)));
	return v != NULL && strcmp(v, eq + 1) == 0;
}

bool cutil_matches(const json_t *obj, const char *const *names, const char *const *labels)
{
	const char *name = cutil_name(obj);
	for (const char *const *n = names; n != NULL && *n != NULL; n++)
		if (strstr(name, *n) != NULL)
			return true;
	for (const char *const *l = labels; l != NULL && *l != NULL; l++)
		if (cutil_has_label(obj, *l))
			return true;
	return false;
}

const char *cutil_condition(const json_t *obj, const char *type)
{
	size_t i;
	const json_t *c;
	json_array_foreach(cutil_get(obj, "status.conditions"), i, c) {
		const char *t = json_string_value(json_object_get(c, "type"));
		if (t != NULL && strcmp(t, type) == 0)
			return json_string_value(json_object_get(c, "status"));
	}
	return NULL;
}

bool cutil_condition_true(const json_t *obj, const char *type)
{
	const char *s = cutil_condition(obj, type);
	return s != NULL && strcmp(s, "True") == 0;
}

bool cutil_contains_ci(const char *haystack, const char *needle)
{
	if (haystack == NULL || needle == NULL)
		return false;
	return strcasestr(haystack, needle) != NULL;
}

bool cutil_true(const json_t *obj, const char *path)
{
	const json_t *v = cutil_get(obj, path);
	if (json_is_true(v))
		return true;
	return json_is_string(v) && strcasecmp(json_string_value(v), "true") == 0;
}

const json_t *cutil_pod_spec(const json_t *obj)
{
	const json_t *t = cutil_get(obj, "spec.template.spec");
	return t ? t : json_object_get(obj, "spec");
}

bool cutil_pod_spec_mentions(const json_t *podspec, const char *needle)
{
	static const char *const keys[] = {"containers", "initContainers", "ephemeralContainers"};
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		size_t i;
		const json_t *c;
		json_array_foreach(json_object_get(podspec, keys[k]), i, c) {
			const char *name = cutil_str(c, "name");
			const char *image = cutil_str(c, "image");
			if ((name && strstr(name, needle)) || (image && strstr(image, needle)))
				return true;
		}
	}
	return false;
}

/* ---- string sets ---- */

/* Rebuilds the index for the current order of v. */
static void set_reindex(struct cutil_set *set)
{
	hmap_release(&set->index);
	hmap_init_borrowed(&set->index);
	for (size_t k = 0; k < set->n; k++)
		hmap_put(&set->index, set->v[k], (void *)(uintptr_t)(k + 1));
}

bool cutil_set_has(const struct cutil_set *set, const char *s)
{
	return s != NULL && hmap_get(&set->index, s) != NULL;
}

bool cutil_set_add(struct cutil_set *set, const char *s)
{
	if (s == NULL || cutil_set_has(set, s))
		return false;
	if (set->n == set->alloc) {
		set->alloc = set->alloc ? set->alloc * 2 : 8;
		set->v = xreallocarray(set->v, set->alloc, sizeof(*set->v));
	}
	set->v[set->n++] = xstrdup(s);
	if (set->index.cap == 0) /* a zeroed set: its index borrows the strings of v */
		hmap_init_borrowed(&set->index);
	hmap_put(&set->index, set->v[set->n - 1], (void *)(uintptr_t)set->n);
	return true;
}

bool cutil_set_addf(struct cutil_set *set, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	bool added = cutil_set_add(set, s);
	free(s);
	return added;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void cutil_set_sort(struct cutil_set *set)
{
	if (set->n > 1) {
		qsort(set->v, set->n, sizeof(*set->v), cmp_str);
		set_reindex(set);
	}
}

char *cutil_set_join(const struct cutil_set *set, size_t max)
{
	if (set->n == 0)
		return xstrdup("none");
	size_t shown = (max == 0 || set->n <= max) ? set->n : max;
	struct buf b = BUF_INIT;
	buf_init(&b);
	for (size_t i = 0; i < shown; i++) {
		if (i > 0)
			buf_adds(&b, (i == shown - 1 && shown == set->n) ? " and " : ", ");
		buf_adds(&b, set->v[i]);
	}
	if (shown < set->n)
		buf_addf(&b, " and %zu more", set->n - shown);
	return buf_detach(&b, NULL);
}

void cutil_set_release(struct cutil_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		free(set->v[i]);
	free(set->v);
	hmap_release(&set->index);
	memset(set, 0, sizeof(*set));
}

void cutil_evidence_set(struct check_result *res, const struct cutil_set *set, size_t max,
			const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *head = xvasprintf(fmt, ap);
	va_end(ap);
	char *names = set->n > 0 ? cutil_set_join(set, max) : xstrdup("");
	check_evidence(res, "%s%s", head, names);
	free(names);
	free(head);
}

const char *cutil_plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* ---- inventory reads ---- */

/* Appends the evidence line unless res already has it (a list read twice fails twice). */
static void evidence_once(struct check_result *res, char *line)
{
	bool seen = false;
	for (size_t i = 0; i < res->nevidence && !seen; i++)
		seen = strcmp(res->evidence[i], line) == 0;
	if (!seen)
		check_evidence(res, "%s", line);
	free(line);
}

bool cutil_list_read(struct inventory *inv, const char *group, const char *version,
		     const char *resource, struct check_result *res, int *errors,
		     const json_t **items)
{
	struct kube_error err;
	memset(&err, 0, sizeof(err));
	*items = inventory_list(inv, group, version, resource, &err);
	if (*items != NULL || err.http_code == 404)
		return true;
	evidence_once(res, xasprintf("cannot list %s%s%s: %ld %s%s%s", group, *group ? "/" : "",
				     resource, err.http_code, err.reason[0] ? err.reason : "error",
				     err.message[0] ? ": " : "", err.message));
	(*errors)++;
	return false;
}

const json_t *cutil_list(struct inventory *inv, const char *group, const char *version,
			 const char *resource, struct check_result *res, int *errors)
{
	const json_t *items;
	cutil_list_read(inv, group, version, resource, res, errors, &items);
	return items;
}

const json_t *cutil_get_named(struct inventory *inv, const char *group, const char *version,
			      const char *resource, const char *ns, const char *name,
			      struct check_result *res, int *errors)
{
	struct kube_error err;
	memset(&err, 0, sizeof(err));
	const json_t *o = inventory_get(inv, group, version, resource, ns, name, &err);
	if (o != NULL || err.http_code == 404)
		return o;
	evidence_once(res, xasprintf("cannot read %s%s%s %s%s%s: %ld %s%s%s", group,
				     *group ? "/" : "", resource, ns ? ns : "", ns ? "/" : "", name,
				     err.http_code, err.reason[0] ? err.reason : "error",
				     err.message[0] ? ": " : "", err.message));
	(*errors)++;
	return NULL;
}

const json_t *cutil_pods_of(struct inventory *inv, const json_t *workload, struct check_result *res,
			    int *errors)
{
	const json_t *ml = cutil_get(workload, "spec.selector.matchLabels");
	if (!json_is_object(ml) || json_object_size(ml) == 0)
		return NULL;
	struct buf sel = BUF_INIT;
	buf_init(&sel);
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)ml, k, v) {
		buf_addf(&sel, "%s%s=%s", sel.len ? "," : "", k,
			 json_is_string(v) ? json_string_value(v) : "");
	}
	struct kube_error err;
	memset(&err, 0, sizeof(err));
	const json_t *pods =
	    inventory_list_selected(inv, "", "v1", "pods", cutil_ns(workload), sel.data, &err);
	buf_release(&sel);
	if (pods != NULL || err.http_code == 404)
		return pods;
	evidence_once(res, xasprintf("cannot list pods of %s/%s: %ld %s%s%s", cutil_ns(workload),
				     cutil_name(workload), err.http_code,
				     err.reason[0] ? err.reason : "error",
				     err.message[0] ? ": " : "", err.message));
	(*errors)++;
	return NULL;
}

char *cutil_versions(struct inventory *inv, const char *group, const char *resource)
{
	const char **v = inventory_versions(inv, group, resource);
	if (v[0] == NULL) {
		free(v);
		return NULL;
	}
	struct buf b = BUF_INIT;
	buf_init(&b);
	for (size_t i = 0; v[i] != NULL; i++)
		buf_addf(&b, "%s%s", i ? ", " : "", v[i]);
	free(v);
	return buf_detach(&b, NULL);
}

bool cutil_group_version_served(struct inventory *inv, const char *group, const char *version)
{
	const struct kube_discovery *d = inventory_discovery(inv);
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->items[i].group, group) == 0 &&
		    (version == NULL || strcmp(d->items[i].version, version) == 0))
			return true;
	return false;
}

void cutil_group_kinds(struct inventory *inv, const char *group, struct cutil_set *out)
{
	const struct kube_discovery *d = inventory_discovery(inv);
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->items[i].group, group) == 0 && d->items[i].kind != NULL &&
		    d->items[i].kind[0] != '\0')
			cutil_set_add(out, d->items[i].kind);
	cutil_set_sort(out);
}

const struct kube_resource *cutil_find_kind(struct inventory *inv, const char *kind)
{
	const struct kube_discovery *d = inventory_discovery(inv);
	const struct kube_resource *any = NULL;
	for (size_t i = 0; i < d->n; i++) {
		const struct kube_resource *r = &d->items[i];
		if (r->kind == NULL || strcmp(r->kind, kind) != 0)
			continue;
		if (r->preferred)
			return r;
		if (any == NULL)
			any = r;
	}
	return any;
}

const json_t *cutil_crd(struct inventory *inv, const char *group, const char *resource)
{
	struct kube_error err;
	const json_t *crds =
	    inventory_list(inv, "apiextensions.k8s.io", NULL, "customresourcedefinitions", &err);
	size_t glen = strlen(group), rlen = strlen(resource);
	size_t i;
	const json_t *crd;
	json_array_foreach(crds, i, crd) {
		const char *name = cutil_name(crd);
		if (strlen(name) == rlen + 1 + glen && strncmp(name, resource, rlen) == 0 &&
		    name[rlen] == '.' && strcmp(name + rlen + 1, group) == 0)
			return crd;
	}
	return NULL;
}

const char *cutil_crd_annotation(struct inventory *inv, const char *group, const char *resource,
				 const char *key)
{
	return cutil_annotation(cutil_crd(inv, group, resource), key);
}

/* ---- DRA devices ---- */

static void add_device(struct cutil_devices *out, size_t *alloc, const json_t *slice,
		       const json_t *dev)
{
	if (out->n == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 64;
		out->v = xreallocarray(out->v, *alloc, sizeof(*out->v));
	}
	struct cutil_device *d = &out->v[out->n++];
	const json_t *basic = json_object_get(dev, "basic"); /* v1beta1 */
	d->driver = cutil_str(slice, "spec.driver");
	d->pool = cutil_str(slice, "spec.pool.name");
	d->node = json_string_value(json_object_get(dev, "nodeName"));
	if (d->node == NULL)
		d->node = cutil_str(slice, "spec.nodeName");
	d->name = json_string_value(json_object_get(dev, "name"));
	d->attrs = json_object_get(dev, "attributes");
	if (d->attrs == NULL)
		d->attrs = json_object_get(basic, "attributes");
	d->taints = json_object_get(dev, "taints");
	if (d->taints == NULL)
		d->taints = json_object_get(basic, "taints");
}

void cutil_devices_collect(const json_t *slices, struct cutil_devices *out)
{
	size_t alloc = out->n, i, j;
	const json_t *slice, *dev;
	json_array_foreach(slices, i, slice) {
		json_array_foreach(cutil_get(slice, "spec.devices"), j, dev) {
			add_device(out, &alloc, slice, dev);
		}
	}
}

void cutil_devices_release(struct cutil_devices *d)
{
	free(d->v);
	memset(d, 0, sizeof(*d));
}

const json_t *cutil_device_attr(const struct cutil_device *d, const char *name)
{
	const json_t *exact = json_object_get(d->attrs, name);
	if (exact != NULL || strchr(name, '/') != NULL)
		return exact;
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)d->attrs, key, v) {
		const char *slash = strrchr(key, '/');
		if (slash != NULL && strcmp(slash + 1, name) == 0)
			return v;
	}
	return NULL;
}

bool cutil_attr_text(const json_t *value, char *buf, size_t size)
{
	const json_t *v;
	if ((v = json_object_get(value, "string")) != NULL && json_is_string(v))
		snprintf(buf, size, "%s", json_string_value(v));
	else if ((v = json_object_get(value, "version")) != NULL && json_is_string(v))
		snprintf(buf, size, "%s", json_string_value(v));
	else if ((v = json_object_get(value, "int")) != NULL && json_is_integer(v))
		snprintf(buf, size, "%lld", (long long)json_integer_value(v));
	else if ((v = json_object_get(value, "bool")) != NULL && json_is_boolean(v))
		snprintf(buf, size, "%s", json_is_true(v) ? "true" : "false");
	else
		return false;
	return true;
}

static int cmp_driver(const void *a, const void *b)
{
	return strcmp(((const struct cutil_driver *)a)->driver,
		      ((const struct cutil_driver *)b)->driver);
}

size_t cutil_devices_by_driver(const struct cutil_devices *d, struct cutil_driver **out)
{
	struct cutil_driver *drv = NULL;
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++) {
		const char *name = d->v[i].driver ? d->v[i].driver : "(unnamed)";
		size_t k;
		for (k = 0; k < n && strcmp(drv[k].driver, name) != 0; k++)
			;
		if (k == n) {
			drv = xreallocarray(drv, n + 1, sizeof(*drv));
			memset(&drv[n], 0, sizeof(*drv));
			drv[n].driver = xstrdup(name);
			n++;
		}
		drv[k].devices++;
		cutil_set_add(&drv[k].nodes, d->v[i].node);
		cutil_set_add(&drv[k].pools, d->v[i].pool);
	}
	if (n > 1)
		qsort(drv, n, sizeof(*drv), cmp_driver);
	for (size_t k = 0; k < n; k++) {
		cutil_set_sort(&drv[k].nodes);
		cutil_set_sort(&drv[k].pools);
	}
	*out = drv;
	return n;
}

void cutil_drivers_free(struct cutil_driver *drv, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		free(drv[k].driver);
		cutil_set_release(&drv[k].nodes);
		cutil_set_release(&drv[k].pools);
	}
	free(drv);
}

/* ---- verdicts ---- */

static int rank(enum verdict v)
{
	switch (v) {
	case VERDICT_FULL:
		return 2;
	case VERDICT_PARTIAL:
		return 1;
	default:
		return 0;
	}
}

void cutil_decide(struct check_result *res, int errors, enum verdict v, enum verdict best,
		  const char *hint)
{
	if (errors > 0 && rank(v) < rank(best)) {
		cutil_read_error(res, errors);
		return;
	}
	if (hint != NULL)
		check_verdict(res, v, "%s", hint);
	else
		check_verdict(res, v, NULL);
}

void cutil_read_error(struct check_result *res, int errors)
{
	check_verdict(res, VERDICT_ERROR,
		      "give kaic read access to the resources named above and rerun: %d API read%s "
		      "failed",
		      errors, errors == 1 ? "" : "s");
}
