/* active_sec55.c: the active test of SEC-5.5 (image signature verification at
 * admission): server-side dry-run creations (?dryRun=All: admission runs, nothing is
 * persisted or run) of a pod with --unsigned-image, which the signature policy's webhook
 * must deny, and one with --signed-image, which it must admit. They go to a namespace of
 * their own, kaic-<run-id>-sig, labelled like the run namespace plus what the engine's
 * webhooks select namespaces by (policy-controller only sees namespaces labelled
 * policy.sigstore.dev/include=true), so that the policy never applies to the other
 * tests' pods (kaic's own image need not be signed). */
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/known.h"
#include "checks/util.h"
#include "util/xmalloc.h"

#define VWC_GROUP "admissionregistration.k8s.io"

static json_t *dry_pod(const struct active_params *p, const char *name, const char *image)
{
	json_t *pod = active_build_pod(p, name, "echo", json_array(), true);
	json_t *c = json_array_get(cutil_get(pod, "spec.containers"), 0);
	json_object_set_new(c, "image", json_string(image));
	json_object_del(c, "command"); /* the image's own entrypoint: it never runs */
	json_object_del(c, "args");
	return pod;
}

/* The test's namespace (new string): kaic-<run-id>-sig. */
static char *sig_namespace(const struct active_params *p)
{
	return xasprintf("%s-sig", p->ns);
}

/* The namespace object, with labels added (may be NULL). */
static json_t *sig_namespace_object(const struct active_params *p, const json_t *labels)
{
	json_t *ns = active_namespace_object(p->run_id);
	char *name = sig_namespace(p);
	json_object_set_new(json_object_get(ns, "metadata"), "name", json_string(name));
	free(name);
	json_object_update(json_object_get(json_object_get(ns, "metadata"), "labels"),
			   (json_t *)labels);
	return ns;
}

json_t *active_sec55_objects(const struct active_params *p)
{
	json_t *objs = json_pack("[o]", sig_namespace_object(p, NULL));
	struct active_params q = *p;
	char *ns = sig_namespace(p);
	q.ns = ns;
	if (p->unsigned_image)
		json_array_append_new(objs, dry_pod(&q, "sig-unsigned", p->unsigned_image));
	if (p->signed_image)
		json_array_append_new(objs, dry_pod(&q, "sig-signed", p->signed_image));
	free(ns);
	return objs;
}

/* Whether webhook (or its configuration cfg) belongs to a signature engine; its name. */
static const char *engine_of(const json_t *cfg, const json_t *wh)
{
	const char *cn = cutil_name(cfg), *wn = cutil_str(wh, "name");
	for (const struct known_image_policy *k = known_image_policies; k->name; k++)
		for (const char *const *p = k->webhooks; *p; p++)
			if (strstr(cn, *p) != NULL || (wn && strstr(wn, *p) != NULL))
				return k->name;
	return NULL;
}

/* Adds to labels what selector needs: matchLabels, and In (first value) or Exists
 * ("true") expressions. */
static void selector_labels(const json_t *selector, json_t *labels)
{
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)cutil_get(selector, "matchLabels"), key, v)
		if (json_is_string(v))
			json_object_set(labels, key, (json_t *)v);
	size_t i;
	const json_t *e;
	json_array_foreach(cutil_get(selector, "matchExpressions"), i, e) {
		const char *k = cutil_str(e, "key"), *op = cutil_str(e, "operator");
		const json_t *first = json_array_get(cutil_get(e, "values"), 0);
		if (k == NULL || op == NULL)
			continue;
		if (strcmp(op, "In") == 0 && json_is_string(first))
			json_object_set(labels, k, (json_t *)first);
		else if (strcmp(op, "Exists") == 0)
			json_object_set_new(labels, k, json_string("true"));
	}
}

/* The signature engines' webhooks: engine names into *engines (new array of {engine,
 * webhook}), the namespace labels they select by into labels. -1 when the configurations
 * cannot be read (recorded). */
static int engine_webhooks(struct check_ctx *ctx, struct check_result *res, json_t *engines,
			   json_t *labels)
{
	int errors = 0;
	const json_t *vwcs;
	if (!cutil_list_read(ctx->inv, VWC_GROUP, "v1", "validatingwebhookconfigurations", res,
			     &errors, &vwcs))
		return -1;
	size_t i, j;
	const json_t *cfg, *wh;
	json_array_foreach(vwcs, i, cfg) {
		json_array_foreach(cutil_get(cfg, "webhooks"), j, wh) {
			const char *engine = engine_of(cfg, wh);
			const char *name = cutil_str(wh, "name");
			if (engine == NULL || name == NULL)
				continue;
			json_array_append_new(
			    engines, json_pack("{s:s, s:s}", "engine", engine, "webhook", name));
			selector_labels(cutil_get(wh, "namespaceSelector"), labels);
		}
	}
	return 0;
}

/* The signature webhook named in a denial message, or NULL. */
static const char *denied_by(const json_t *engines, const char *message)
{
	size_t i;
	const json_t *e;
	json_array_foreach(engines, i, e) {
		char *needle = xasprintf("admission webhook \"%s\" denied the request",
					 cutil_str(e, "webhook"));
		bool hit = strstr(message, needle) != NULL;
		free(needle);
		if (hit)
			return cutil_str(e, "webhook");
	}
	return NULL;
}

enum outcome { ADMITTED, DENIED, FAILED };

/* Dry-run creates pod; DENIED only when a signature engine's webhook denied it. *msg
 * gets the server's message (caller frees; NULL when admitted). */
static enum outcome dry_create(struct check_ctx *ctx, const json_t *engines, const json_t *pod,
			       char **msg, const char **hook)
{
	char *path = xasprintf("/api/v1/namespaces/%s/pods?dryRun=All",
			       cutil_str(pod, "metadata.namespace"));
	struct kube_error err = {0};
	json_t *out = NULL;
	int rc = kube_create(ctx->client, path, pod, &out, &err);
	free(path);
	json_decref(out);
	*msg = NULL;
	*hook = NULL;
	if (rc == 0)
		return ADMITTED;
	*msg = xasprintf("HTTP %ld %s: %s", err.http_code, err.reason, err.message);
	*hook = denied_by(engines, err.message);
	return *hook != NULL && err.http_code >= 400 && err.http_code < 500 ? DENIED : FAILED;
}

static enum active_wait_answer exists(const json_t *obj, void *arg)
{
	(void)arg;
	return obj != NULL ? ACTIVE_WAIT_DONE : ACTIVE_WAIT_MORE;
}

/* Creates the test's namespace with the webhooks' labels, and waits for its default
 * ServiceAccount (pod admission needs it). 0, or -1 after deciding Error. */
static int make_namespace(struct check_ctx *ctx, struct check_result *res,
			  const struct active_params *p, const json_t *labels)
{
	json_t *ns = sig_namespace_object(p, labels);
	const char *name = cutil_name(ns);
	int rc = active_run_create(ctx, res, ns, NULL);
	if (rc == 0) {
		char *text = json_dumps(labels, JSON_COMPACT | JSON_SORT_KEYS);
		check_evidence(res,
			       "namespace %s labelled %s (the signature webhooks' "
			       "namespaceSelector)",
			       name, text);
		free(text);
		char *path = xasprintf("/api/v1/namespaces/%s/serviceaccounts", name);
		struct kube_error err = {0};
		rc = active_wait(ctx->act, path, "default", exists, NULL, ctx->deadline_ms,
				 ctx->cancel, NULL, &err);
		free(path);
		if (rc != 0)
			active_run_error(ctx, res, "ServiceAccount default of the namespace", &err);
	}
	json_decref(ns);
	return rc;
}

/* Runs one dry-run creation and records what happened. Returns the outcome. */
static enum outcome try_image(struct check_ctx *ctx, struct check_result *res,
			      const json_t *engines, const json_t *objs, const char *name,
			      const char *image)
{
	char *msg = NULL;
	const char *hook = NULL;
	enum outcome o =
	    dry_create(ctx, engines, active_build_find(objs, "Pod", name), &msg, &hook);
	if (o == ADMITTED)
		check_evidence(res, "%s image %s: admitted (server-side dry run of pod %s)",
			       strcmp(name, "sig-signed") == 0 ? "signed" : "unsigned", image,
			       name);
	else if (o == DENIED)
		check_evidence(res, "%s image %s: denied by webhook %s: %s",
			       strcmp(name, "sig-signed") == 0 ? "signed" : "unsigned", image, hook,
			       msg);
	else
		check_evidence(res, "dry-run creation of pod %s (image %s) failed: %s", name, image,
			       msg);
	free(msg);
	return o;
}

static void decide(struct check_result *res, const struct active_params *p, enum outcome u,
		   enum outcome s)
{
	bool have_u = p->unsigned_image != NULL, have_s = p->signed_image != NULL;
	if ((have_u && u == FAILED) || (have_s && s == FAILED))
		active_run_decide(res, VERDICT_ERROR,
				  "the dry-run creation failed for another reason than the "
				  "signature policy: see the evidence");
	else if (have_u && u == ADMITTED)
		active_run_decide(res, VERDICT_NO,
				  "an unsigned image was admitted: make the signature policy "
				  "enforce for that image (its images glob, mode enforce)");
	else if (have_s && s == DENIED)
		active_run_decide(res, VERDICT_PARTIAL,
				  "the signed image was denied too: check the policy's "
				  "authorities against the image's signature");
	else if (!have_s)
		active_run_decide(
		    res, VERDICT_PARTIAL,
		    "pass --signed-image too, to show that a signed image is admitted");
	else if (!have_u)
		active_run_decide(
		    res, VERDICT_PARTIAL,
		    "pass --unsigned-image too, to show that an unsigned image is denied");
	else
		active_run_decide(res, VERDICT_FULL, NULL);
}

void active_sec55_run(struct check_ctx *ctx, struct check_result *res)
{
	struct active_params p;
	active_run_params(ctx, &p);
	p.signed_image = ctx->opts ? ctx->opts->signed_image : NULL;
	p.unsigned_image = ctx->opts ? ctx->opts->unsigned_image : NULL;
	if (p.signed_image == NULL && p.unsigned_image == NULL) {
		active_run_not_run(res, "no --unsigned-image or --signed-image given",
				   "pass --unsigned-image REF and --signed-image REF to test "
				   "admission");
		return;
	}
	json_t *engines = json_array(), *labels = json_object(), *objs = NULL;
	if (engine_webhooks(ctx, res, engines, labels) != 0) {
		active_run_read_failed(res, 1);
		goto out;
	}
	if (json_array_size(engines) == 0) {
		active_run_not_run(res, "no signature engine's admission webhook is registered",
				   NULL);
		goto out;
	}
	res->mode = MODE_ACTIVE;
	if (make_namespace(ctx, res, &p, labels) != 0)
		goto out;
	objs = active_sec55_objects(&p);
	enum outcome u = ADMITTED, s = ADMITTED;
	if (p.unsigned_image)
		u = try_image(ctx, res, engines, objs, "sig-unsigned", p.unsigned_image);
	if (p.signed_image)
		s = try_image(ctx, res, engines, objs, "sig-signed", p.signed_image);
	decide(res, &p, u, s);
out:
	json_decref(objs);
	json_decref(engines);
	json_decref(labels);
}
