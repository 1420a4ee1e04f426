/* active_dra.c: what the active tests that allocate an accelerator share (HW-1.1 and
 * HW-1.2): the ResourceClaimTemplate and pod builders, the DeviceClass of the
 * accelerators, and reading back which device a pod's claim got. */
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/known.h"
#include "checks/util.h"
#include "util/xmalloc.h"

#define DRA "resource.k8s.io"
#define DRA_API "resource.k8s.io/v1"

json_t *active_dra_claim_template(const struct active_params *p, const char *name, const char *cel)
{
	json_t *t = active_build_object(p, DRA_API, "ResourceClaimTemplate", name, true);
	json_t *exactly = json_pack("{s:s, s:s, s:i}", "deviceClassName", p->device_class,
				    "allocationMode", "ExactCount", "count", 1);
	if (cel != NULL)
		json_object_set_new(exactly, "selectors",
				    json_pack("[{s:{s:s}}]", "cel", "expression", cel));
	json_object_set_new(t, "spec",
			    json_pack("{s:{s:{s:[{s:s, s:o}]}}}", "spec", "devices", "requests",
				      "name", ACTIVE_DRA_CLAIM, "exactly", exactly));
	return t;
}

/* Gives pod a claim ACTIVE_DRA_CLAIM from template tmpl, held by its container. */
static json_t *with_claim(json_t *pod, const char *tmpl)
{
	json_t *spec = json_object_get(pod, "spec");
	json_object_set_new(
	    spec, "resourceClaims",
	    json_pack("[{s:s, s:s}]", "name", ACTIVE_DRA_CLAIM, "resourceClaimTemplateName", tmpl));
	json_t *c = json_array_get(json_object_get(spec, "containers"), 0);
	json_object_set_new(json_object_get(c, "resources"), "claims",
			    json_pack("[{s:s}]", "name", ACTIVE_DRA_CLAIM));
	return pod;
}

json_t *active_dra_claim_pod(const struct active_params *p, const char *name, const char *tmpl)
{
	return with_claim(
	    active_build_pod(p, name, "echo", json_pack("[s,s]", "--port", "8080"), false), tmpl);
}

/* The driver a DeviceClass selects (device.driver == "X" in a CEL selector, with either of
 * CEL's string quotes), copied into buf; false when none is named. */
static bool class_driver(const json_t *dc, char *buf, size_t size)
{
	size_t i;
	const json_t *sel;
	json_array_foreach(cutil_get(dc, "spec.selectors"), i, sel) {
		const char *e = cutil_str(sel, "cel.expression");
		const char *p = e ? strstr(e, "device.driver") : NULL;
		if (p == NULL)
			continue;
		p += strcspn(p, "\"'");
		const char *q = *p ? strchr(p + 1, *p) : NULL;
		if (q == NULL || (size_t)(q - p - 1) >= size)
			continue;
		memcpy(buf, p + 1, (size_t)(q - p - 1));
		buf[q - p - 1] = '\0';
		return true;
	}
	return false;
}

static bool accelerator(const char *driver)
{
	const struct known_dra_driver *k = known_dra_driver_find(driver);
	return k == NULL || k->accelerator;
}

/* The DeviceClass whose driver publishes accelerator devices (borrowed name), or NULL
 * with the reason in *why (also when DeviceClasses cannot be listed: evidence, *errors
 * incremented). */
const char *active_dra_device_class(struct check_ctx *ctx, const struct cutil_devices *devs,
				    struct check_result *res, int *errors, const char **why)
{
	const json_t *classes;
	if (!cutil_list_read(ctx->inv, DRA, "v1", "deviceclasses", res, errors, &classes)) {
		*why = "a read it needs failed";
		return NULL;
	}
	if (json_array_size(classes) == 0) {
		*why = "no DeviceClass";
		return NULL;
	}
	size_t i;
	const json_t *dc;
	json_array_foreach(classes, i, dc) {
		char drv[256];
		if (!class_driver(dc, drv, sizeof drv) || !accelerator(drv))
			continue;
		for (size_t k = 0; k < devs->n; k++)
			if (strcmp(devs->v[k].driver, drv) == 0)
				return cutil_name(dc);
	}
	*why = "no DeviceClass selects the devices of an accelerator DRA driver";
	return NULL;
}

bool active_dra_class_driver(struct check_ctx *ctx, const char *name, char *buf, size_t size)
{
	struct kube_error err = {0};
	const json_t *classes = inventory_list(ctx->inv, DRA, "v1", "deviceclasses", &err);
	size_t i;
	const json_t *dc;
	json_array_foreach(classes, i, dc) {
		if (strcmp(cutil_name(dc), name) == 0)
			return class_driver(dc, buf, size);
	}
	return false;
}

/* The name of the claim generated for the pod's claim ACTIVE_DRA_CLAIM, or NULL. */
const char *active_dra_generated_claim(const json_t *pod)
{
	size_t i;
	const json_t *s;
	json_array_foreach(cutil_get(pod, "status.resourceClaimStatuses"), i, s) {
		const char *n = cutil_str(s, "name");
		if (n && strcmp(n, ACTIVE_DRA_CLAIM) == 0)
			return cutil_str(s, "resourceClaimName");
	}
	return NULL;
}

json_t *active_dra_get_claim(struct check_ctx *ctx, const char *name, struct kube_error *err)
{
	char *path = xasprintf("/apis/" DRA_API "/namespaces/%s/resourceclaims/%s", ctx->ns, name);
	json_t *c = NULL;
	if (kube_get(ctx->client, path, &c, err) != 0)
		c = NULL;
	free(path);
	return c;
}

/* The slice device matching the allocation result, or NULL. */
const struct cutil_device *active_dra_published(const struct cutil_devices *devs, const json_t *r)
{
	const char *drv = cutil_str(r, "driver"), *pool = cutil_str(r, "pool");
	const char *dev = cutil_str(r, "device");
	for (size_t k = 0; drv && pool && dev && k < devs->n; k++)
		if (strcmp(devs->v[k].driver, drv) == 0 && strcmp(devs->v[k].pool, pool) == 0 &&
		    strcmp(devs->v[k].name, dev) == 0)
			return &devs->v[k];
	return NULL;
}

json_t *active_dra_devices_pod(const struct active_params *p, const char *name, const char *tmpl)
{
	json_t *pod = active_build_pod(p, name, "devices",
				       json_pack("[s,s]", "--hold", ACTIVE_DRA_HOLD_S), true);
	return tmpl == NULL ? pod : with_claim(pod, tmpl);
}

/* The report in a probe's log: its first line that is a JSON object with
 * "device_nodes" (new reference), or NULL. */
static json_t *report_in(const char *log)
{
	for (const char *l = log; l != NULL && *l;
	     l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (*l != '{')
			continue;
		json_t *j = json_loadb(l, strcspn(l, "\n"), 0, NULL);
		if (json_is_array(json_object_get(j, "device_nodes")))
			return j;
		json_decref(j);
	}
	return NULL;
}

#define LOG_POLL_MS 500

/* One read of pod's log: its report, or NULL; *read tells whether the log was read. */
static json_t *report_read(struct check_ctx *ctx, const char *pod, struct kube_error *err,
			   bool *read)
{
	memset(err, 0, sizeof *err);
	char *log = active_pod_log(ctx->act, ctx->ns, pod, err);
	*read = log != NULL;
	json_t *out = report_in(log);
	free(log);
	return out;
}

json_t *active_dra_read_report(struct check_ctx *ctx, struct check_result *res, const char *pod)
{
	json_t *out = NULL;
	struct kube_error err = {0};
	bool read = false;
	do {
		out = report_read(ctx, pod, &err, &read);
	} while (out == NULL && active_nap(LOG_POLL_MS, ctx->deadline_ms, ctx->cancel));
	if (out == NULL && !read)
		check_evidence(res,
			       "cannot read the log of pod %s (%s): nothing shows that its "
			       "container ever ran",
			       pod, err.message[0] ? err.message : err.reason);
	else if (out == NULL)
		check_evidence(res,
			       "the log of pod %s has no device report (kaic probe devices): "
			       "nothing shows that its container ever ran",
			       pod);
	return out;
}

/* Whether token occurs in value, a comma-separated list. */
static bool listed_in(const char *value, const char *token)
{
	size_t n = strlen(token);
	for (const char *p = value; n > 0 && p != NULL && *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && strncmp(p, token, n) == 0)
			return true;
		p = p[len] ? p + len + 1 : NULL;
	}
	return false;
}

char *active_dra_report_names(const json_t *report, const char *token)
{
	if (token == NULL || *token == '\0')
		return NULL;
	size_t i;
	const json_t *v;
	json_array_foreach(json_object_get(report, "uuids"), i, v) {
		if (strcmp(json_string_value(v), token) == 0)
			return xasprintf("GPU UUID %s", token);
	}
	const char *k;
	json_object_foreach((json_t *)json_object_get(report, "env"), k, v) {
		if (json_is_string(v) && listed_in(json_string_value(v), token))
			return xasprintf("%s=%s", k, json_string_value(v));
	}
	return NULL;
}
