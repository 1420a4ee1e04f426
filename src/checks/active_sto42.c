/* active_sto42.c: the active test of STO-4.2 (GPUDirect Storage), opt-in with
 * --gds-image: a pod of that image holding one accelerator (a ResourceClaim of the
 * accelerators' DeviceClass) runs NVIDIA's `gdscheck -p`; its report (the termination
 * message, else the log) is parsed: the nvidia_fs version, the DRIVER CONFIGURATION
 * entries that are "Supported", the GPU INFO lines that say "supports GDS", and the
 * platform verification line. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/util.h"
#include "kube/inventory.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#define DRA "resource.k8s.io"
#define GDSCHECK "/usr/local/cuda/gds/tools/gdscheck"
#define TEMPLATE "gds-accelerator"
#define POD "gds-check"

json_t *active_sto42_objects(const struct active_params *p)
{
	json_t *pod = active_dra_claim_pod(p, POD, TEMPLATE);
	json_t *spec = json_object_get(pod, "spec");
	json_object_set_new(spec, "restartPolicy", json_string("Never"));
	json_t *c = json_array_get(json_object_get(spec, "containers"), 0);
	json_object_set_new(c, "image", json_string(p->gds_image));
	json_object_set_new(c, "command", json_pack("[s,s]", GDSCHECK, "-p"));
	json_object_del(c, "args");
	return json_pack("[o,o]", active_dra_claim_template(p, TEMPLATE, NULL), pod);
}

/* The line's text after leading blanks, up to the end of line, into buf. */
static void line_at(const char *p, char *buf, size_t size)
{
	while (*p == ' ' || *p == '\t')
		p++;
	size_t n = strcspn(p, "\r\n");
	if (n >= size)
		n = size - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
}

void active_sto42_parse(const char *text, struct active_gds_report *r)
{
	memset(r, 0, sizeof(*r));
	if (text == NULL)
		return;
	bool in_drivers = false;
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		char line[256];
		line_at(p, line, sizeof(line));
		if (strncmp(line, "GDS release version", 19) == 0)
			r->recognised = true;
		if (strstr(line, "DRIVER CONFIGURATION") != NULL) {
			r->recognised = true;
			in_drivers = true;
			continue;
		}
		if (strstr(line, "CONFIGURATION:") || strstr(line, "INFO:") ||
		    strstr(line, "ENVIRONMENT:"))
			in_drivers = false; /* the next section */
		const char *v = strstr(line, "nvidia_fs version:");
		if (v != NULL) {
			v += 18;
			while (*v == ' ')
				v++;
			size_t n = strcspn(v, " \t");
			snprintf(r->nvidia_fs, sizeof(r->nvidia_fs), "%.*s", (int)n, v);
		}
		char *colon = strchr(line, ':');
		if (in_drivers && colon && line[0] != '-') {
			const char *val = colon + 1;
			while (*val == ' ')
				val++;
			if (strcmp(val, "Supported") == 0) {
				char *end = colon;
				while (end > line && end[-1] == ' ')
					end--;
				size_t n = (size_t)(end - line), have = strlen(r->drivers);
				if (have + n + 3 < sizeof(r->drivers))
					snprintf(r->drivers + have, sizeof(r->drivers) - have,
						 "%s%.*s", have ? ", " : "", (int)n, line);
				r->supported_drivers++;
			}
		}
		if (strncmp(line, "GPU index", 9) == 0) {
			r->gpus++;
			if (strstr(line, "supports GDS") != NULL && strstr(line, "not") == NULL)
				r->gds_gpus++;
		}
		if (strstr(line, "Platform verification succeeded") != NULL)
			r->platform_ok = true;
		if (strstr(line, "Platform verification error") != NULL)
			r->platform_error = true;
	}
}

static char *describe(const struct active_gds_report *r)
{
	return xasprintf("nvidia_fs version %s; storage drivers Supported: %s; %d of %d GPU%s "
			 "support GDS; platform verification %s",
			 *r->nvidia_fs ? r->nvidia_fs : "not reported",
			 r->supported_drivers ? r->drivers : "none", r->gds_gpus, r->gpus,
			 r->gpus == 1 ? "" : "s",
			 r->platform_error ? "error"
			 : r->platform_ok  ? "succeeded"
					   : "not reported");
}

static bool nvidia_fs_loaded(const struct active_gds_report *r)
{
	return isdigit((unsigned char)r->nvidia_fs[0]);
}

/* The pod's report: termination message, else log (new string, or NULL). */
static char *report_text(struct check_ctx *ctx, const json_t *pod)
{
	const char *m = active_termination_message(pod);
	if (m != NULL && *m != '\0')
		return xstrdup(m);
	struct kube_error err = {0};
	return active_pod_log(ctx->act, ctx->ns, POD, &err);
}

static void decide(struct check_ctx *ctx, struct check_result *res, const json_t *pod)
{
	char *text = report_text(ctx, pod);
	struct active_gds_report r;
	active_sto42_parse(text, &r);
	if (!r.recognised) {
		size_t n = text ? strcspn(text, "\n") : 0;
		check_evidence(res, "pod %s (%s) printed no gdscheck report%s%.*s", POD,
			       active_run_phase(pod), n ? ": " : "", (int)(n > 200 ? 200 : n),
			       text ? text : "");
		active_run_events(ctx, res);
		active_run_decide(res, VERDICT_ERROR,
				  "check that --gds-image holds " GDSCHECK " and the pod's log");
		free(text);
		return;
	}
	char *d = describe(&r);
	check_evidence(res, "gdscheck -p in pod %s: %s", POD, d);
	free(d);
	if (r.gds_gpus > 0 && r.supported_drivers > 0 && nvidia_fs_loaded(&r) && !r.platform_error)
		active_run_decide(res, VERDICT_FULL, NULL);
	else
		active_run_decide(
		    res, VERDICT_PARTIAL,
		    "GPUDirect Storage is not usable from the pod: load nvidia-fs "
		    "(ClusterPolicy spec.gds.enabled) on a GDS-capable GPU and storage");
	free(text);
}

void active_sto42_run(struct check_ctx *ctx, struct check_result *res)
{
	const char *image = ctx->opts ? ctx->opts->gds_image : NULL;
	if (image == NULL) {
		active_run_not_run(res, "opt-in, and no --gds-image was given",
				   "pass --gds-image REF (an image holding " GDSCHECK
				   ") to run gdscheck -p in a pod with an accelerator");
		return;
	}
	if (!inventory_served(ctx->inv, DRA, "v1", "resourceclaimtemplates")) {
		active_run_not_run(res, DRA "/v1 ResourceClaimTemplate is not served", NULL);
		return;
	}
	struct cutil_devices devs = {0};
	int errors = 0;
	cutil_devices_collect(cutil_list(ctx->inv, DRA, "v1", "resourceslices", res, &errors),
			      &devs);
	const char *why = NULL;
	const char *dc = active_dra_device_class(ctx, &devs, res, &errors, &why);
	json_t *objs = NULL, *pod = NULL;
	if (errors > 0) {
		active_run_read_failed(res, errors);
		goto out;
	}
	if (dc == NULL) {
		active_run_not_run(res, why, NULL);
		goto out;
	}
	struct active_params p;
	active_run_params(ctx, &p);
	p.device_class = dc;
	p.gds_image = image;
	objs = active_sto42_objects(&p);
	if (active_run_create_all(ctx, res, objs, NULL) != 0)
		goto out;
	res->mode = MODE_ACTIVE;
	struct kube_error err = {0};
	if (active_run_wait_pod(ctx, POD, ACTIVE_POD_DONE, ctx->deadline_ms, &pod, &err) != 0) {
		const char *stuck = active_run_pod_stuck(pod);
		char *what = xasprintf("pod %s (image %s)%s%s", POD, image, stuck ? ": " : "",
				       stuck ? stuck : "");
		active_run_error(ctx, res, what, &err);
		free(what);
		goto out;
	}
	decide(ctx, res, pod);
out:
	json_decref(pod);
	json_decref(objs);
	cutil_devices_release(&devs);
}
