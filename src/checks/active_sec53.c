/* active_sec53.c: the active test of SEC-5.3 (sandboxed runtime): for each RuntimeClass
 * whose handler is a known sandbox (gVisor runsc, Kata), a pod under it runs `kaic probe
 * sandbox`; then a pod without a RuntimeClass (the node's default runtime, runc) runs the
 * same probe on the same node. The class isolates when its pod sees another kernel
 * (release or version string), gVisor's signature, or a hypervisor the runc pod does not
 * see. Also the RuntimeClass lookup and the probe run that SEC-5.4 shares. */
#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/known.h"
#include "checks/util.h"
#include "util/xmalloc.h"

#define SANDBOX_MAX_CLASSES 8
#define NAME_MAX_LEN 63

char *active_sandbox_pod_name(const char *prefix, const char *rc, const char *suffix)
{
	char *n = xasprintf("%s-%s%s", prefix, rc, suffix ? suffix : "");
	for (char *c = n; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '-')
			*c = '-';
		else
			*c = (char)tolower((unsigned char)*c);
	if (strlen(n) > NAME_MAX_LEN) {
		/* keep the suffix: the class's part is cut */
		size_t sl = suffix ? strlen(suffix) : 0;
		memmove(n + NAME_MAX_LEN - sl, n + strlen(n) - sl, sl + 1);
	}
	return n;
}

json_t *active_sandbox_pod(const struct active_params *p, const char *name, const char *rc,
			   const char *node)
{
	json_t *pod = active_build_pod(p, name, "sandbox", json_array(), true);
	json_t *spec = json_object_get(pod, "spec");
	if (rc != NULL)
		json_object_set_new(spec, "runtimeClassName", json_string(rc));
	if (node != NULL)
		json_object_set_new(spec, "nodeName", json_string(node));
	return pod;
}

json_t *active_sec53_objects(const struct active_params *p)
{
	char *sb = active_sandbox_pod_name("sandbox", p->runtime_class, NULL);
	char *base = active_sandbox_pod_name("sandbox", p->runtime_class, "-runc");
	json_t *objs = json_pack("[o,o]", active_sandbox_pod(p, sb, p->runtime_class, NULL),
				 active_sandbox_pod(p, base, NULL, p->node));
	free(sb);
	free(base);
	return objs;
}

static const struct known_runtime *handler_of(const char *handler)
{
	for (const struct known_runtime *k = known_runtime_handlers; k->pattern; k++)
		if (fnmatch(k->pattern, handler, 0) == 0)
			return k;
	return NULL;
}

json_t *active_sandbox_classes(struct check_ctx *ctx, struct check_result *res, unsigned want,
			       unsigned unwanted, int *errors)
{
	const json_t *rcs =
	    cutil_list(ctx->inv, "node.k8s.io", NULL, "runtimeclasses", res, errors);
	json_t *out = json_array();
	size_t i;
	const json_t *rc;
	json_array_foreach(rcs, i, rc) {
		const char *h = cutil_str(rc, "handler");
		const struct known_runtime *k = h ? handler_of(h) : NULL;
		if (k == NULL || (k->flags & want) != want || (k->flags & unwanted) != 0)
			continue;
		if (json_array_size(out) == SANDBOX_MAX_CLASSES) {
			check_evidence(res, "only the first %d such RuntimeClasses are tested",
				       SANDBOX_MAX_CLASSES);
			break;
		}
		json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "name", cutil_name(rc),
						     "handler", h, "product", k->product));
	}
	return out;
}

int active_sandbox_probe(struct check_ctx *ctx, struct check_result *res, const json_t *pod,
			 json_t **out, char **node)
{
	struct active_probe_result r;
	*out = NULL;
	if (node)
		*node = NULL;
	if (active_run_probe(ctx, res, pod, &r) != 0)
		return -1;
	const char *name = cutil_name(pod);
	if (r.out == NULL || cutil_str(r.out, "kernel") == NULL) {
		const char *e = r.out ? cutil_str(r.out, "error") : NULL;
		check_evidence(res, "pod %s (exit %d) wrote no readable kernel view%s%s", name,
			       r.exit_code, e ? ": " : "", e ? e : "");
		active_run_events(ctx, res);
		active_run_decide(res, VERDICT_ERROR, "check the test pods' logs");
		active_probe_result_release(&r);
		return -1;
	}
	const char *n = cutil_str(r.pod, "spec.nodeName");
	if (node)
		*node = n ? xstrdup(n) : NULL;
	*out = json_incref(r.out);
	active_probe_result_release(&r);
	return 0;
}

char *active_sandbox_view(const json_t *v)
{
	const char *k = cutil_str(v, "kernel"), *kv = cutil_str(v, "kernel_version");
	bool gv = json_is_true(json_object_get(v, "gvisor"));
	bool hv = json_is_true(json_object_get(v, "hypervisor"));
	return xasprintf("kernel %s \"%s\"%s%s", k ? k : "?", kv ? kv : "?",
			 gv ? ", gVisor signature" : "", hv ? ", hypervisor cpu flag" : "");
}

/* Whether the sandboxed view differs from the runc baseline; *how says in what. */
static bool isolates(const json_t *sb, const json_t *runc, const char **how)
{
	const char *k1 = cutil_str(sb, "kernel"), *k2 = cutil_str(runc, "kernel");
	const char *v1 = cutil_str(sb, "kernel_version"), *v2 = cutil_str(runc, "kernel_version");
	bool g1 = json_is_true(json_object_get(sb, "gvisor"));
	bool g2 = json_is_true(json_object_get(runc, "gvisor"));
	bool h1 = json_is_true(json_object_get(sb, "hypervisor"));
	bool h2 = json_is_true(json_object_get(runc, "hypervisor"));
	*how = NULL;
	if (g1 && !g2)
		*how = "gVisor's user-space kernel";
	else if (k1 && k2 && strcmp(k1, k2) != 0)
		*how = "another kernel release";
	else if (v1 && v2 && strcmp(v1, v2) != 0)
		*how = "another kernel build";
	else if (h1 && !h2)
		*how = "a hypervisor the runc pod does not see";
	return *how != NULL;
}

/* Tests one class. 1 isolates, 0 does not, -1 after deciding Error. */
static int test_class(struct check_ctx *ctx, struct check_result *res, const json_t *cls)
{
	const char *rc = cutil_str(cls, "name"), *h = cutil_str(cls, "handler");
	struct active_params p;
	active_run_params(ctx, &p);
	char *sbn = active_sandbox_pod_name("sandbox", rc, NULL);
	char *rn = active_sandbox_pod_name("sandbox", rc, "-runc");
	json_t *pod = active_sandbox_pod(&p, sbn, rc, NULL);
	json_t *sb = NULL, *runc = NULL, *base = NULL;
	char *node = NULL;
	int out = -1;
	if (active_sandbox_probe(ctx, res, pod, &sb, &node) != 0)
		goto done;
	if (node == NULL) {
		check_evidence(res, "pod %s finished without a node", sbn);
		active_run_decide(res, VERDICT_ERROR, "see the evidence");
		goto done;
	}
	base = active_sandbox_pod(&p, rn, NULL, node);
	if (active_sandbox_probe(ctx, res, base, &runc, NULL) != 0)
		goto done;
	char *a = active_sandbox_view(sb), *b = active_sandbox_view(runc);
	const char *how;
	out = isolates(sb, runc, &how);
	check_evidence(res,
		       "RuntimeClass %s (handler %s): pod %s on node %s sees %s; pod %s (no "
		       "RuntimeClass) on the same node sees %s: %s",
		       rc, h, sbn, node, a, rn, b,
		       out ? how : "the same kernel: no isolation boundary observed");
	free(a);
	free(b);
done:
	json_decref(pod);
	json_decref(base);
	json_decref(sb);
	json_decref(runc);
	free(node);
	free(sbn);
	free(rn);
	return out;
}

void active_sec53_run(struct check_ctx *ctx, struct check_result *res)
{
	int errors = 0;
	json_t *classes = active_sandbox_classes(ctx, res, RUNTIME_SANDBOX, 0, &errors);
	if (errors > 0) {
		active_run_read_failed(res, errors);
		json_decref(classes);
		return;
	}
	if (json_array_size(classes) == 0) {
		active_run_not_run(res, "no RuntimeClass with a sandbox handler (runsc, kata*)",
				   NULL);
		json_decref(classes);
		return;
	}
	res->mode = MODE_ACTIVE;
	size_t yes = 0, i;
	json_t *cls;
	json_array_foreach(classes, i, cls) {
		int rc = test_class(ctx, res, cls);
		if (rc < 0)
			goto out;
		yes += (size_t)rc;
	}
	size_t n = json_array_size(classes);
	if (yes == n)
		active_run_decide(res, VERDICT_FULL, NULL);
	else if (yes > 0)
		active_run_decide(res, VERDICT_PARTIAL,
				  "some sandbox RuntimeClasses run pods on the host kernel: check "
				  "their handlers' configuration in the container runtime");
	else
		active_run_decide(res, VERDICT_NO,
				  "pods under the sandbox RuntimeClasses run on the host kernel: "
				  "configure the handlers (runsc, kata) in the container runtime");
out:
	json_decref(classes);
}
