/* active_hw12.c: the active test of HW-1.2 (accelerator utilization and memory
 * metrics): a pod gets one accelerator through a ResourceClaim, and the metrics
 * exporters, scraped afresh through the API server proxy, serve utilization and memory
 * series for exactly that device (matched by its published uuid attribute). Whether the
 * series name the pod holding the device (the exporters' pod attribution) is reported
 * as evidence; the requirement does not ask for it. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/hw_metrics.h"
#include "checks/known.h"
#include "checks/util.h"
#include "util/xmalloc.h"

#define DRA "resource.k8s.io"
#define DRA_API "resource.k8s.io/v1"
#define TAG "gpu-metrics"
#define ATTRIBUTION_WAIT_MS 30000 /* a DCGM exporter's default collection interval */
#define SCRAPE_PAUSE_MS 1000

json_t *active_hw12_objects(const struct active_params *p)
{
	return json_pack("[o,o]", active_dra_claim_template(p, TAG, NULL),
			 active_dra_claim_pod(p, TAG, TAG));
}

/* What the scrapes found about the device. */
struct seen {
	char util[160], mem[160]; /* "FAMILY=VALUE from TARGET", empty until found */
	char holder[256];	  /* "NS/POD" named by the series, empty when none */
	bool attributed;	  /* the holder is our pod */
	int answered, failed;	  /* targets that answered / could not be read */
	struct kube_error last;	  /* why the last failure */
};

static const char *first_label(const struct prom_sample *s, const char *const *names)
{
	for (size_t i = 0; names[i] != NULL; i++) {
		const char *v = prom_label(s, names[i]);
		if (v != NULL && *v != '\0')
			return v;
	}
	return NULL;
}

static void note_sample(struct check_ctx *ctx, struct seen *w, const struct prom_sample *s,
			const char *label)
{
	enum hw_family f = hw_metrics_family(s);
	char *slot = f == HW_FAMILY_UTIL ? w->util : f == HW_FAMILY_MEM ? w->mem : NULL;
	if (slot == NULL)
		return;
	if (*slot == '\0')
		snprintf(slot, sizeof(w->util), "%s=%g from %s", s->name, s->value, label);
	const char *pod = first_label(s, known_holder_pod_labels);
	const char *ns = first_label(s, known_holder_namespace_labels);
	if (pod != NULL) {
		snprintf(w->holder, sizeof(w->holder), "%s/%s", ns ? ns : "?", pod);
		if (strcmp(pod, TAG) == 0 && ns != NULL && strcmp(ns, ctx->ns) == 0)
			w->attributed = true;
	}
}

/* Scrapes every target once, noting the samples about device key. */
static void scrape_once(struct check_ctx *ctx, const struct hw_scrape *t, size_t nt,
			const char *key, struct seen *w)
{
	w->answered = w->failed = 0;
	for (size_t k = 0; k < nt; k++) {
		char *body = NULL;
		size_t len = 0;
		struct kube_error err = {0};
		if (kube_proxy_get(ctx->client, t[k].path, &body, &len, &err) != 0) {
			w->failed++;
			w->last = err;
			continue;
		}
		struct prom_doc doc = {0};
		char *cause = NULL;
		if (prom_parse(body, len, &doc, &cause) == 0) {
			w->answered++;
			for (size_t i = 0; i < doc.nsamples; i++) {
				char *k2 = hw_metrics_device_key(&doc.samples[i], t[k].label);
				if (strcmp(k2, key) == 0)
					note_sample(ctx, w, &doc.samples[i], t[k].label);
				free(k2);
			}
			prom_doc_release(&doc);
		} else {
			w->failed++;
			kube_error_set(&w->last, 0, "BadMetrics", "%s: %s", t[k].label, cause);
			free(cause);
		}
		free(body);
	}
}

/* Scrapes once; when both families are there for the device but not yet attributed to
 * the pod, again until they are or the attribution wait ends (exporters refresh the
 * pod mapping on their collection interval). A missing family does not appear by
 * waiting: exporters serve every device whether a pod holds it or not. */
static void watch_series(struct check_ctx *ctx, const struct hw_scrape *t, size_t nt,
			 const char *key, struct seen *w)
{
	long long deadline = active_run_deadline(ctx, ATTRIBUTION_WAIT_MS);
	do {
		scrape_once(ctx, t, nt, key, w);
		if (w->answered == 0 || !*w->util || !*w->mem || w->attributed)
			return;
	} while (active_nap(SCRAPE_PAUSE_MS, deadline, ctx->cancel));
}

/* The allocated device's uuid (lower case, into key) and its name for evidence;
 * false after recording why there is none. */
static bool allocated_uuid(struct check_ctx *ctx, struct check_result *res,
			   const struct cutil_devices *devs, const json_t *pod, char *key,
			   size_t size, char *shown, size_t shown_size)
{
	const char *cname = active_dra_generated_claim(pod);
	struct kube_error err = {0};
	json_t *claim = cname ? active_dra_get_claim(ctx, cname, &err) : NULL;
	if (claim == NULL) {
		if (cname == NULL)
			check_evidence(res, "pod " TAG " runs but names no generated claim");
		else
			active_run_error(ctx, res, "cannot read the generated ResourceClaim", &err);
		return false;
	}
	const json_t *r = json_array_get(cutil_get(claim, "status.allocation.devices.results"), 0);
	const struct cutil_device *d = r ? active_dra_published(devs, r) : NULL;
	const json_t *u = d ? cutil_device_attr(d, "uuid") : NULL;
	bool ok = u != NULL && cutil_attr_text(u, key, size);
	if (d != NULL)
		snprintf(shown, shown_size, "%s/%s/%s", d->driver, d->pool, d->name);
	if (!ok)
		check_evidence(res,
			       "pod " TAG " holds %s, which publishes no uuid attribute: "
			       "its series cannot be told apart",
			       d ? shown : "no published device");
	json_decref(claim);
	for (char *c = key; ok && *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return ok;
}

static void decide(struct check_ctx *ctx, struct check_result *res, enum verdict passive,
		   const struct seen *w, const char *shown)
{
	if (w->answered == 0) {
		active_run_error(ctx, res, "no metrics endpoint answered", &w->last);
		return;
	}
	if (*w->util)
		check_evidence(res, "device %s utilization: %s", shown, w->util);
	if (*w->mem)
		check_evidence(res, "device %s memory: %s", shown, w->mem);
	if ((!*w->util || !*w->mem) && w->failed > 0) {
		/* the endpoint that did not answer may be the one serving the device */
		active_run_error(ctx, res, "a metrics endpoint did not answer", &w->last);
		return;
	}
	if (!*w->util || !*w->mem) {
		check_evidence(res, "device %s allocated to pod " TAG " has no %s series", shown,
			       !*w->util && !*w->mem ? "utilization or memory"
			       : !*w->util	     ? "utilization"
						     : "memory");
		active_run_decide(res, VERDICT_PARTIAL,
				  "make the exporter serve per-device utilization and memory "
				  "metrics for every accelerator a workload can get");
		return;
	}
	if (w->attributed)
		check_evidence(res, "the series are attributed to pod %s", w->holder);
	else
		check_evidence(res, "the series do not name the pod holding the device (%s)",
			       *w->holder ? w->holder : "no pod label");
	if (passive == VERDICT_FULL) {
		active_run_decide(res, VERDICT_FULL, NULL);
		return;
	}
	/* the device is covered, but the passive reading found others that are not */
	char *hint = xstrdup(res->remediation ? res->remediation
					      : "cover every accelerator with the exporter");
	active_run_decide(res, VERDICT_PARTIAL, hint);
	free(hint);
}

/* The test cannot run for a reason that is not about metrics (no DRA to hand a pod a
 * device, no uuid to match its series): the passive reading alone decides. */
static void passive_stands(struct check_result *res, const char *why)
{
	check_evidence(res, "active test not run: %s; the passive reading decides", why);
	res->mode = MODE_PASSIVE;
}

void active_hw12_run(struct check_ctx *ctx, struct check_result *res)
{
	enum verdict passive = res->verdict;
	if (!inventory_served(ctx->inv, DRA, "v1", "resourceclaimtemplates")) {
		passive_stands(res, DRA_API " ResourceClaimTemplate is not served");
		return;
	}
	struct hw_scrape *t = NULL;
	size_t nt = hw_metrics_targets(ctx, &t);
	struct kube_error err = {0};
	struct cutil_devices devs = {0};
	int errors = 0;
	cutil_devices_collect(cutil_list(ctx->inv, DRA, "v1", "resourceslices", res, &errors),
			      &devs);
	const char *why = errors ? "a read it needs failed" : NULL;
	const char *dc =
	    nt && !errors ? active_dra_device_class(ctx, &devs, res, &errors, &why) : NULL;
	json_t *objs = NULL, *pod = NULL;
	if (nt == 0 || dc == NULL) {
		passive_stands(res, nt == 0 ? "no accelerator metrics exporter to scrape" : why);
		goto out;
	}
	struct active_params p;
	active_run_params(ctx, &p);
	p.device_class = dc;
	objs = active_hw12_objects(&p);
	if (active_run_create_all(ctx, res, objs, NULL) != 0)
		goto out;
	res->mode = MODE_ACTIVE;
	if (active_run_wait_pod(ctx, TAG, ACTIVE_POD_READY, ctx->deadline_ms, &pod, &err) != 0) {
		active_run_error(ctx, res, "pod " TAG, &err);
		goto out;
	}
	char key[256], shown[512] = "?";
	if (!allocated_uuid(ctx, res, &devs, pod, key, sizeof key, shown, sizeof shown)) {
		if (res->verdict != VERDICT_ERROR)
			passive_stands(res, "the allocated device cannot be matched to series");
		goto out;
	}
	check_evidence(res, "pod " TAG " holds device %s (uuid %s)", shown, key);
	struct seen w = {0};
	watch_series(ctx, t, nt, key, &w);
	decide(ctx, res, passive, &w, shown);
out:
	json_decref(pod);
	json_decref(objs);
	cutil_devices_release(&devs);
	hw_metrics_targets_free(t, nt);
}
