/* imagepolicy.c: Sigstore policy-controller's validating webhook, modelled (see
 * imagepolicy.h): which pods its ClusterImagePolicies admit. */

#include "controllers/imagepolicy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "controllers/ctl_util.h"
#include "sim.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#define WEBHOOK "policy.sigstore.dev"
#define CIP_GROUP "policy.sigstore.dev"

/* policy-controller's glob: "**" matches anything, "*" anything but '/', else literal. */
static bool glob_match(const char *g, const char *s)
{
	if (*g == '\0')
		return *s == '\0';
	if (g[0] == '*' && g[1] == '*') {
		for (const char *t = s;; t++) {
			if (glob_match(g + 2, t))
				return true;
			if (*t == '\0')
				return false;
		}
	}
	if (*g == '*') {
		for (const char *t = s;; t++) {
			if (glob_match(g + 1, t))
				return true;
			if (*t == '\0' || *t == '/')
				return false;
		}
	}
	return *s != '\0' && *g == *s && glob_match(g + 1, s + 1);
}

static bool has_string(const json_t *arr, const char *a, const char *b)
{
	size_t i;
	const json_t *v;
	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);
		if (s && (!strcmp(s, a) || (b && !strcmp(s, b))))
			return true;
	}
	return false;
}

/* Whether a rule of the webhook covers CREATE of core pods. */
static bool covers_pods(const json_t *wh)
{
	size_t i;
	const json_t *r;
	json_array_foreach(ctl_at(wh, "rules"), i, r) {
		if (has_string(ctl_at(r, "apiGroups"), "", "*") &&
		    has_string(ctl_at(r, "resources"), "pods", "*") &&
		    has_string(ctl_at(r, "operations"), "CREATE", "*"))
			return true;
	}
	return false;
}

/* policy-controller's webhook for pods of namespace ns, borrowed from cfgs, or NULL. */
static const json_t *find_webhook(struct sim_api *api, const json_t *cfgs, const char *ns)
{
	json_t *nso = ctl_get(api, "", "namespaces", NULL, ns);
	const json_t *labels = ctl_at(nso, "metadata.labels");
	const json_t *found = NULL;
	size_t i, j;
	const json_t *cfg, *wh;
	json_array_foreach(cfgs, i, cfg) {
		json_array_foreach(ctl_at(cfg, "webhooks"), j, wh) {
			const json_t *sel = ctl_at(wh, "namespaceSelector");
			if (!found && !strcmp(ctl_s(wh, "name"), WEBHOOK) && covers_pods(wh) &&
			    (sel == NULL || ctl_selector_match(sel, labels)))
				found = wh;
		}
	}
	json_decref(nso);
	return found;
}

static bool is_signed(struct sim_api *api, const char *image)
{
	return has_string(ctl_setting(api, "imagePolicy", "signed"), image, NULL);
}

/* Whether the policies admit image (at field); appends why not to why. */
static bool image_ok(struct sim_api *api, const json_t *cips, const char *field, const char *image,
		     struct buf *why)
{
	bool matched = false, ok = true;
	size_t i, j;
	const json_t *cip, *im;
	json_array_foreach(cips, i, cip) {
		bool hit = false;
		json_array_foreach(ctl_at(cip, "spec.images"), j, im)
			hit = hit || glob_match(ctl_s(im, "glob"), image);
		if (!hit)
			continue;
		matched = true;
		const char *mode = ctl_str(cip, "spec.mode");
		if ((mode && !strcmp(mode, "warn")) || is_signed(api, image))
			continue;
		ok = false;
		const json_t *auth = json_array_get(ctl_at(cip, "spec.authorities"), 0);
		const char *aname = ctl_str(auth, "name");
		buf_addf(why,
			 "%sfailed policy: %s: %s\n%s signature %s validation failed for authority "
			 "%s for %s: no matching signatures",
			 why->len ? "; " : "", ctl_s(cip, "metadata.name"), field, image,
			 json_object_get(auth, "key") ? "key" : "keyless",
			 aname ? aname : "authority-0", image);
	}
	if (!matched) {
		buf_addf(why, "%sno matching policies: %s\n%s", why->len ? "; " : "", field, image);
		return false;
	}
	return ok;
}

static void check_containers(struct sim_api *api, const json_t *cips, const json_t *pod,
			     const char *list, struct buf *why)
{
	size_t i;
	const json_t *c;
	json_array_foreach(ctl_at(pod, list), i, c) {
		char field[80];
		snprintf(field, sizeof field, "%s[%zu].image", list, i);
		image_ok(api, cips, field, ctl_s(c, "image"), why);
	}
}

bool ctl_imagepolicy_admit(struct sim_api *api, const char *group, const char *resource,
			   const char *ns, const json_t *obj, bool dry_run,
			   struct sim_response *resp)
{
	if (strcmp(group, "") != 0 || strcmp(resource, "pods") != 0)
		return true;
	json_t *cfgs =
	    ctl_list(api, "admissionregistration.k8s.io", "validatingwebhookconfigurations", NULL);
	const json_t *wh = find_webhook(api, cfgs, ns);
	bool ok = true;
	if (wh != NULL && dry_run) {
		const char *se = ctl_str(wh, "sideEffects");
		if (!se || (strcmp(se, "None") != 0 && strcmp(se, "NoneOnDryRun") != 0)) {
			sim_status_error(resp, 400, "BadRequest", NULL, NULL, NULL,
					 "admission webhook \"%s\" does not support dry run",
					 WEBHOOK);
			ok = false;
		}
	}
	if (wh != NULL && ok && ctl_setting_bool(api, "imagePolicy", "verify", true)) {
		json_t *cips = ctl_list(api, CIP_GROUP, "clusterimagepolicies", NULL);
		struct buf why = BUF_INIT;
		buf_init(&why);
		check_containers(api, cips, obj, "spec.initContainers", &why);
		check_containers(api, cips, obj, "spec.containers", &why);
		if (why.len) {
			sim_status_error(resp, 400, "", NULL, NULL, NULL,
					 "admission webhook \"%s\" denied the request: validation "
					 "failed: %s",
					 WEBHOOK, why.data);
			ok = false;
		}
		buf_release(&why);
		json_decref(cips);
	}
	json_decref(cfgs);
	return ok;
}
