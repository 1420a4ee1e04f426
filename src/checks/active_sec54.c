/* active_sec54.c: the active test of SEC-5.4 (confidential computing): for each
 * RuntimeClass whose handler runs in a TEE (Kata on TDX, SEV-SNP, SEV, Secure Execution,
 * peer pods; not the development handlers without a TEE), a pod under it runs `kaic
 * probe sandbox`, which reports the TEE guest signals it sees: /dev/tdx_guest,
 * /dev/sev-guest, configfs-tsm's report interface, the tdx_guest or sev_snp cpu flag. */
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/known.h"
#include "checks/util.h"
#include "util/buf.h"
#include "util/xmalloc.h"

json_t *active_sec54_objects(const struct active_params *p)
{
	char *name = active_sandbox_pod_name("tee", p->runtime_class, NULL);
	json_t *objs = json_pack("[o]", active_sandbox_pod(p, name, p->runtime_class, NULL));
	free(name);
	return objs;
}

/* "a, b" of the probe's confidential_signals (new string; "" when none). */
static char *signals(const json_t *v)
{
	struct buf b = BUF_INIT;
	buf_init(&b);
	size_t i;
	const json_t *s;
	json_array_foreach(json_object_get(v, "confidential_signals"), i, s) {
		if (!json_is_string(s))
			continue;
		if (b.len)
			buf_adds(&b, ", ");
		buf_adds(&b, json_string_value(s));
	}
	char *out = xstrdup(b.len ? b.data : "");
	buf_release(&b);
	return out;
}

/* 1 the class's pod sees a TEE, 0 not, -1 after deciding Error. */
static int test_class(struct check_ctx *ctx, struct check_result *res, const json_t *cls)
{
	const char *rc = cutil_str(cls, "name"), *h = cutil_str(cls, "handler");
	struct active_params p;
	active_run_params(ctx, &p);
	char *name = active_sandbox_pod_name("tee", rc, NULL);
	json_t *pod = active_sandbox_pod(&p, name, rc, NULL);
	json_t *v = NULL;
	char *node = NULL;
	int out = -1;
	if (active_sandbox_probe(ctx, res, pod, &v, &node) == 0) {
		char *sig = signals(v);
		char *view = active_sandbox_view(v);
		out = *sig != '\0';
		if (out)
			check_evidence(res,
				       "RuntimeClass %s (handler %s): pod %s on node %s sees the "
				       "TEE guest interface: %s (%s)",
				       rc, h, name, node ? node : "?", sig, view);
		else
			check_evidence(
			    res,
			    "RuntimeClass %s (handler %s): pod %s on node %s sees no TEE "
			    "guest device, configfs-tsm report or TEE cpu flag (%s)",
			    rc, h, name, node ? node : "?", view);
		free(sig);
		free(view);
	}
	json_decref(pod);
	json_decref(v);
	free(node);
	free(name);
	return out;
}

void active_sec54_run(struct check_ctx *ctx, struct check_result *res)
{
	int errors = 0;
	json_t *classes =
	    active_sandbox_classes(ctx, res, RUNTIME_CONFIDENTIAL, RUNTIME_NO_TEE, &errors);
	if (errors > 0) {
		active_run_read_failed(res, errors);
		json_decref(classes);
		return;
	}
	if (json_array_size(classes) == 0) {
		active_run_not_run(
		    res, "no RuntimeClass with a TEE handler (kata-*-tdx, -snp, ...)", NULL);
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
	if (yes == json_array_size(classes))
		active_run_decide(res, VERDICT_FULL, NULL);
	else
		active_run_decide(res, VERDICT_PARTIAL,
				  "a pod of the confidential RuntimeClass does not run in a TEE: "
				  "check that the nodes have TDX or SEV-SNP enabled and the Kata "
				  "handler is configured for it");
out:
	json_decref(classes);
}
