/* hw_metrics.c: HW-1.2 (accelerator utilization and memory metrics): finds the
 * accelerator metrics exporters, scrapes them through the API server proxy and decides
 * whether every accelerator has both families; also what HW-1.2's active test
 * (active_hw12.c) uses of that knowledge (hw_metrics.h). */
#include "checks/hw_metrics.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/known.h"
#include "checks/util.h"
#include "prom/prom.h"
#include "util/xmalloc.h"

#define DRA "resource.k8s.io"
#define MAX_NAMES 5	/* names shown in one evidence list */
#define MAX_SCRAPES 512 /* exporter pods scraped per run */

/* Whether a DRA driver's devices count as accelerators: known accelerator drivers and
 * unrecognised ones (new vendors); known network or helper drivers do not. */
bool hw_accel_driver(const char *driver)
{
	const struct known_dra_driver *k = known_dra_driver_find(driver);
	return k == NULL || k->accelerator;
}

/* ---- HW-1.2: accelerator metrics ---- */

struct scrape_target {
	char *path;			  /* API-server proxy path */
	char *label;			  /* "ns/name:port", for evidence */
	const struct known_exporter *exp; /* NULL: --metrics-endpoint */
};

struct metrics {
	struct scrape_target *t;
	size_t nt;
	struct cutil_set exporters;	    /* exporter names found */
	struct cutil_set scraped;	    /* target labels that answered */
	struct cutil_set util_dev, mem_dev; /* device keys (lower case) */
	struct cutil_set util_fam, mem_fam, extra_fam;
	size_t matched_pods; /* exporter pods found, before the cap */
};

static void add_target(struct metrics *m, const struct known_exporter *exp, char *path, char *label)
{
	m->t = xreallocarray(m->t, m->nt + 1, sizeof(*m->t));
	m->t[m->nt++] = (struct scrape_target){path, label, exp};
}

/* The pod's container port for exp: the known port if declared, else a port named like
 * "metrics", else the known port. */
static long pod_port(const json_t *pod, const struct known_exporter *exp)
{
	long named = 0;
	size_t i, j;
	const json_t *c, *p;
	json_array_foreach(cutil_get(pod, "spec.containers"), i, c) {
		json_array_foreach(json_object_get(c, "ports"), j, p) {
			long port = (long)json_integer_value(json_object_get(p, "containerPort"));
			const char *name = json_string_value(json_object_get(p, "name"));
			if (port == exp->port)
				return port;
			if (named == 0 && name != NULL && strstr(name, "metrics") != NULL)
				named = port;
		}
	}
	return named ? named : exp->port;
}

static long service_port(const json_t *svc, const struct known_exporter *exp)
{
	long first = 0, named = 0;
	size_t i;
	const json_t *p;
	json_array_foreach(cutil_get(svc, "spec.ports"), i, p) {
		long port = (long)json_integer_value(json_object_get(p, "port"));
		const char *name = json_string_value(json_object_get(p, "name"));
		if (port == exp->port)
			return port;
		if (first == 0)
			first = port;
		if (named == 0 && name != NULL && strstr(name, "metrics") != NULL)
			named = port;
	}
	return named ? named : first ? first : exp->port;
}

/* Whether a Pod's container ports or a Service's ports include port. */
static bool has_port(const json_t *obj, long port)
{
	size_t i, j;
	const json_t *c, *p;
	json_array_foreach(cutil_get(obj, "spec.ports"), i, p) {
		if (json_integer_value(json_object_get(p, "port")) == port)
			return true;
	}
	json_array_foreach(cutil_get(obj, "spec.containers"), i, c) {
		json_array_foreach(json_object_get(c, "ports"), j, p) {
			if (json_integer_value(json_object_get(p, "containerPort")) == port)
				return true;
		}
	}
	return false;
}

/* The exporter a Pod or Service belongs to: by name or labels, else by a port number
 * that only that exporter uses (9400 for DCGM). */
static const struct known_exporter *exporter_of(const json_t *obj)
{
	for (const struct known_exporter *e = known_exporters; e->name != NULL; e++)
		if (cutil_matches(obj, e->workload_names, e->labels))
			return e;
	for (const struct known_exporter *e = known_exporters; e->name != NULL; e++)
		if (e->port_identifies && has_port(obj, e->port))
			return e;
	return NULL;
}

/* The exporter a workload (DaemonSet, Deployment) runs: by its own names and labels, or
 * by its pod template's labels and container ports. */
static const struct known_exporter *exporter_of_workload(const json_t *w)
{
	const struct known_exporter *e = exporter_of(w);
	return e ? e : exporter_of(cutil_get(w, "spec.template"));
}

static void add_pod_target(struct metrics *m, const struct known_exporter *e, const json_t *o)
{
	const char *phase = cutil_str(o, "status.phase");
	if (phase == NULL || strcmp(phase, "Running") != 0)
		return;
	cutil_set_add(&m->exporters, e->name);
	if (m->matched_pods++ >= MAX_SCRAPES)
		return;
	long port = pod_port(o, e);
	add_target(m, e,
		   xasprintf("/api/v1/namespaces/%s/pods/%s:%ld/proxy/%s", cutil_ns(o),
			     cutil_name(o), port, e->path),
		   xasprintf("pod %s/%s:%ld", cutil_ns(o), cutil_name(o), port));
}

/* Running exporter pods first (one per node: full coverage), found through their
 * DaemonSets and Deployments, so the cluster's whole pod list is never read; their
 * Services only for exporters without a running pod. */
static void find_exporters(struct inventory *inv, struct metrics *m, struct check_result *res,
			   int *errors)
{
	static const char *const workloads[] = {"daemonsets", "deployments"};
	const json_t *svcs = cutil_list(inv, "", "v1", "services", res, errors);
	size_t i, j;
	const json_t *o, *w;
	for (size_t k = 0; k < sizeof(workloads) / sizeof(workloads[0]); k++) {
		json_array_foreach(cutil_list(inv, "apps", "v1", workloads[k], res, errors), i, w) {
			const struct known_exporter *e = exporter_of_workload(w);
			if (e == NULL)
				continue;
			json_array_foreach(cutil_pods_of(inv, w, res, errors), j, o) {
				add_pod_target(m, e, o);
			}
		}
	}
	json_array_foreach(svcs, i, o) {
		const struct known_exporter *e = exporter_of(o);
		if (e == NULL || cutil_set_has(&m->exporters, e->name))
			continue;
		long port = service_port(o, e);
		add_target(m, e,
			   xasprintf("/api/v1/namespaces/%s/services/%s:%ld/proxy/%s", cutil_ns(o),
				     cutil_name(o), port, e->path),
			   xasprintf("service %s/%s:%ld", cutil_ns(o), cutil_name(o), port));
	}
	for (size_t k = 0; k < m->nt; k++)
		cutil_set_add(&m->exporters, m->t[k].exp->name);
}

/* --metrics-endpoint: a proxy path ("/api/v1/...") or "NS/SERVICE:PORT[/PATH]". */
static int endpoint_target(struct metrics *m, const char *ep, struct check_result *res)
{
	if (ep[0] == '/') {
		add_target(m, NULL, xstrdup(ep), xasprintf("--metrics-endpoint %s", ep));
		return 0;
	}
	const char *slash = strchr(ep, '/');
	const char *colon = slash ? strchr(slash, ':') : NULL;
	if (slash == NULL || colon == NULL || slash == ep || colon == slash + 1) {
		check_evidence(res,
			       "--metrics-endpoint \"%s\" is neither a proxy path nor "
			       "NAMESPACE/SERVICE:PORT[/PATH]",
			       ep);
		return -1;
	}
	const char *path = strchr(colon, '/');
	size_t svclen = (size_t)((path ? path : colon + strlen(colon)) - (slash + 1));
	add_target(m, NULL,
		   xasprintf("/api/v1/namespaces/%.*s/services/%.*s/proxy/%s", (int)(slash - ep),
			     ep, (int)svclen, slash + 1, path ? path + 1 : "metrics"),
		   xasprintf("--metrics-endpoint %s", ep));
	return 0;
}

/* Whether sample name s belongs to one of fams; returns the family or NULL. */
static const char *family_of(const char *s, const char *const *fams)
{
	for (const char *const *f = fams; f != NULL && *f != NULL; f++) {
		size_t n = strlen(*f);
		if (strncmp(s, *f, n) == 0 && (s[n] == '\0' || strcmp(s + n, "_total") == 0))
			return *f;
	}
	return NULL;
}

/* A device key for a sample: a global id (UUID, serial) as is, a local index qualified
 * by the node or the scrape target; lower case so that UUIDs compare with DRA's. */
static char *device_key(const struct prom_sample *s, const char *target)
{
	char *key = NULL;
	for (size_t i = 0; key == NULL && known_device_id_labels[i] != NULL; i++) {
		const char *v = prom_label(s, known_device_id_labels[i]);
		if (v != NULL && *v != '\0')
			key = xstrdup(v);
	}
	for (size_t i = 0; key == NULL && known_device_index_labels[i] != NULL; i++) {
		const char *v = prom_label(s, known_device_index_labels[i]);
		if (v == NULL || *v == '\0')
			continue;
		const char *node = NULL;
		for (size_t j = 0; node == NULL && known_node_labels[j] != NULL; j++)
			node = prom_label(s, known_node_labels[j]);
		key = xasprintf("%s#%s", node ? node : target, v);
	}
	if (key == NULL)
		key = xasprintf("%s#0", target);
	for (char *p = key; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return key;
}

static void scan_doc(struct metrics *m, const struct prom_doc *doc, const char *target)
{
	for (size_t i = 0; i < doc->nsamples; i++) {
		const struct prom_sample *s = &doc->samples[i];
		for (const struct known_exporter *e = known_exporters; e->name != NULL; e++) {
			const char *f;
			if ((f = family_of(s->name, e->util_families)) != NULL) {
				cutil_set_add(&m->util_fam, f);
				char *k = device_key(s, target);
				cutil_set_add(&m->util_dev, k);
				free(k);
			} else if ((f = family_of(s->name, e->mem_families)) != NULL) {
				cutil_set_add(&m->mem_fam, f);
				char *k = device_key(s, target);
				cutil_set_add(&m->mem_dev, k);
				free(k);
			} else if ((f = family_of(s->name, e->extra_families)) != NULL)
				cutil_set_add(&m->extra_fam, f);
		}
	}
}

/* Scrapes every target; an unreadable one (anything but 404) is an error. */
static void scrape_all(struct inventory *inv, struct metrics *m, struct check_result *res,
		       int *errors)
{
	for (size_t k = 0; k < m->nt; k++) {
		struct kube_error err = {0};
		const char *body = NULL;
		size_t len = 0;
		if (inventory_proxy_get(inv, m->t[k].path, &body, &len, &err) != 0) {
			check_evidence(res, "cannot scrape %s through the API proxy: %ld %s%s%s",
				       m->t[k].label, err.http_code, err.reason,
				       err.message[0] ? ": " : "", err.message);
			if (err.http_code != 404)
				(*errors)++;
			continue;
		}
		struct prom_doc doc = {0};
		char *cause = NULL;
		if (prom_parse(body, len, &doc, &cause) != 0) {
			check_evidence(res, "%s: not Prometheus text format: %s", m->t[k].label,
				       cause);
			free(cause);
			continue;
		}
		cutil_set_add(&m->scraped, m->t[k].label);
		scan_doc(m, &doc, m->t[k].label);
		prom_doc_release(&doc);
	}
}

/* The accelerators the API knows: DRA devices of accelerator drivers (with their UUIDs
 * when published), else device-plugin resources in node allocatable. */
struct accels {
	size_t count;
	const char *source;
	struct cutil_set uuids; /* lower case; complete only when every device has one */
	struct cutil_set shown; /* the same UUIDs as published, index for index */
	bool all_uuids;
};

static size_t quantity(const json_t *q)
{
	const char *s = json_string_value(q);
	if (s == NULL)
		return json_is_integer(q) ? (size_t)json_integer_value(q) : 0;
	char *end;
	long v = strtol(s, &end, 10);
	return (v > 0 && *end == '\0') ? (size_t)v : 0;
}

static void known_accels(struct inventory *inv, struct accels *a, struct check_result *res,
			 int *errors)
{
	struct cutil_devices devs = {0};
	cutil_devices_collect(cutil_list(inv, DRA, NULL, "resourceslices", res, errors), &devs);
	a->all_uuids = true;
	for (size_t i = 0; i < devs.n; i++) {
		if (!hw_accel_driver(devs.v[i].driver))
			continue;
		a->count++;
		char buf[256];
		const json_t *u = cutil_device_attr(&devs.v[i], "uuid");
		if (u == NULL || !cutil_attr_text(u, buf, sizeof(buf))) {
			a->all_uuids = false;
			continue;
		}
		char low[sizeof(buf)];
		size_t k;
		for (k = 0; buf[k] != '\0'; k++)
			low[k] = (char)tolower((unsigned char)buf[k]);
		low[k] = '\0';
		if (cutil_set_add(&a->uuids, low))
			cutil_set_add(&a->shown, buf);
	}
	cutil_devices_release(&devs);
	if (a->count > 0) {
		a->source = "ResourceSlices";
		return;
	}
	a->all_uuids = false;
	size_t i;
	const json_t *node;
	json_array_foreach(cutil_list(inv, "", "v1", "nodes", res, errors), i, node) {
		const char *key;
		const json_t *q;
		json_object_foreach((json_t *)cutil_get(node, "status.allocatable"), key, q) {
			if (known_accel_resource_find(key) != NULL)
				a->count += quantity(q);
		}
	}
	a->source = "node allocatable";
}

static size_t covered(const struct metrics *m, const struct accels *a, size_t *both)
{
	*both = 0;
	for (size_t i = 0; i < m->util_dev.n; i++)
		if (cutil_set_has(&m->mem_dev, m->util_dev.v[i]))
			(*both)++;
	if (!a->all_uuids)
		return *both < a->count ? *both : a->count;
	size_t n = 0;
	for (size_t i = 0; i < a->uuids.n; i++)
		if (cutil_set_has(&m->util_dev, a->uuids.v[i]) &&
		    cutil_set_has(&m->mem_dev, a->uuids.v[i]))
			n++;
	return n;
}

static void family_evidence(struct check_result *res, const char *what, struct cutil_set *fams,
			    size_t ndev)
{
	if (fams->n == 0) {
		check_evidence(res, "%s: no known family found", what);
		return;
	}
	char *f = cutil_set_join(fams, MAX_NAMES);
	check_evidence(res, "%s: %s for %zu device%s", what, f, ndev, ndev == 1 ? "" : "s");
	free(f);
}

static void uncovered_evidence(struct check_result *res, const struct metrics *m,
			       const struct accels *a)
{
	if (!a->all_uuids)
		return;
	struct cutil_set miss = CUTIL_SET_INIT;
	for (size_t i = 0; i < a->uuids.n; i++)
		if (!cutil_set_has(&m->util_dev, a->uuids.v[i]) ||
		    !cutil_set_has(&m->mem_dev, a->uuids.v[i]))
			cutil_set_add(&miss, a->shown.v[i]);
	if (miss.n > 0) {
		char *l = cutil_set_join(&miss, 3);
		check_evidence(res, "devices without both metrics: %s", l);
		free(l);
	}
	cutil_set_release(&miss);
}

static void metrics_release(struct metrics *m)
{
	for (size_t k = 0; k < m->nt; k++) {
		free(m->t[k].path);
		free(m->t[k].label);
	}
	free(m->t);
	cutil_set_release(&m->exporters);
	cutil_set_release(&m->scraped);
	cutil_set_release(&m->util_dev);
	cutil_set_release(&m->mem_dev);
	cutil_set_release(&m->util_fam);
	cutil_set_release(&m->mem_fam);
	cutil_set_release(&m->extra_fam);
}

static void metrics_verdict(struct check_result *res, int errors, const struct metrics *m,
			    const struct accels *a, size_t cov, size_t both)
{
	bool fams = m->util_fam.n > 0 && m->mem_fam.n > 0;
	if (m->nt == 0)
		cutil_decide(res, errors, VERDICT_NO, VERDICT_FULL,
			     "install an accelerator metrics exporter (NVIDIA DCGM exporter, AMD "
			     "device-metrics-exporter, Intel XPU Manager) or pass "
			     "--metrics-endpoint");
	else if (m->util_fam.n == 0 && m->mem_fam.n == 0)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "make the exporter serve per-device utilization and memory metrics "
			     "through its metrics endpoint");
	else if (!fams)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     m->util_fam.n == 0
				 ? "enable a per-device utilization metric in the exporter (for "
				   "DCGM: DCGM_FI_DEV_GPU_UTIL in its counters file)"
				 : "enable a per-device memory metric in the exporter (for DCGM: "
				   "DCGM_FI_DEV_FB_USED in its counters file)");
	else if ((a->count > 0 && cov < a->count) || (a->count == 0 && both == 0))
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "run the exporter on every accelerator node (DaemonSet node selector "
			     "and tolerations) so that every device is covered");
	else
		cutil_decide(res, errors, VERDICT_FULL, VERDICT_FULL, NULL);
}

void hw_metrics_passive(struct check_ctx *ctx, struct check_result *res)
{
	struct inventory *inv = ctx->inv;
	int errors = 0;
	struct metrics m = {0};
	struct accels a = {0};
	known_accels(inv, &a, res, &errors);
	if (a.count > 0)
		check_evidence(res, "%zu accelerator%s known from %s", a.count,
			       a.count == 1 ? "" : "s", a.source);
	else if (errors == 0)
		check_evidence(res,
			       "no accelerators known from ResourceSlices or node allocatable");

	const char *ep = ctx->opts ? ctx->opts->metrics_endpoint : NULL;
	if (ep != NULL && *ep != '\0') {
		if (endpoint_target(&m, ep, res) != 0) {
			check_verdict(res, VERDICT_ERROR,
				      "pass --metrics-endpoint as NAMESPACE/SERVICE:PORT[/PATH] or "
				      "an API proxy path");
			goto out;
		}
	} else
		find_exporters(inv, &m, res, &errors);
	if (m.nt == 0) {
		if (errors == 0) /* else the cannot-list lines say why */
			check_evidence(res, "no accelerator metrics exporter found (looked for %s)",
				       "DCGM exporter, AMD device-metrics-exporter, Intel XPU "
				       "Manager, Gaudi metric exporter Services and Pods");
	} else {
		char *ex = cutil_set_join(&m.exporters, MAX_NAMES);
		if (m.matched_pods > MAX_SCRAPES)
			check_evidence(res, "%zu exporter pods found: scraping the first %d",
				       m.matched_pods, MAX_SCRAPES);
		scrape_all(inv, &m, res, &errors);
		char *sc = cutil_set_join(&m.scraped, 3);
		check_evidence(res,
			       "exporter %s: %zu of %zu endpoint%s scraped through the API "
			       "proxy (%s)",
			       ep ? "from --metrics-endpoint" : ex, m.scraped.n, m.nt,
			       m.nt == 1 ? "" : "s", sc);
		free(ex);
		free(sc);
		family_evidence(res, "utilization", &m.util_fam, m.util_dev.n);
		family_evidence(res, "memory", &m.mem_fam, m.mem_dev.n);
		if (m.extra_fam.n > 0) {
			char *x = cutil_set_join(&m.extra_fam, 8);
			check_evidence(res, "other families: %s", x);
			free(x);
		}
	}
	size_t both = 0, cov = covered(&m, &a, &both);
	if (m.nt > 0 && a.count > 0) {
		check_evidence(res,
			       "coverage: %zu of %zu accelerators have both utilization and "
			       "memory metrics%s",
			       cov, a.count, a.all_uuids ? " (matched by UUID)" : "");
		uncovered_evidence(res, &m, &a);
	}
	metrics_verdict(res, errors, &m, &a, cov, both);
out:
	cutil_set_release(&a.uuids);
	cutil_set_release(&a.shown);
	metrics_release(&m);
}

/* ---- HW-1.2: what the active test uses (hw_metrics.h) ---- */

size_t hw_metrics_targets(struct check_ctx *ctx, struct hw_scrape **out)
{
	struct metrics m = {0};
	struct check_result scratch; /* the passive part already reported what it found */
	int errors = 0;
	check_result_init(&scratch);
	const char *ep = ctx->opts ? ctx->opts->metrics_endpoint : NULL;
	if (ep != NULL && *ep != '\0')
		(void)endpoint_target(&m, ep, &scratch);
	else
		find_exporters(ctx->inv, &m, &scratch, &errors);
	check_result_release(&scratch);
	*out = xcalloc(m.nt + 1, sizeof(**out));
	for (size_t k = 0; k < m.nt; k++) {
		(*out)[k] = (struct hw_scrape){m.t[k].path, m.t[k].label};
		m.t[k].path = m.t[k].label = NULL;
	}
	size_t n = m.nt;
	metrics_release(&m);
	return n;
}

void hw_metrics_targets_free(struct hw_scrape *t, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		free(t[k].path);
		free(t[k].label);
	}
	free(t);
}

enum hw_family hw_metrics_family(const char *sample_name)
{
	for (const struct known_exporter *e = known_exporters; e->name != NULL; e++) {
		if (family_of(sample_name, e->util_families) != NULL)
			return HW_FAMILY_UTIL;
		if (family_of(sample_name, e->mem_families) != NULL)
			return HW_FAMILY_MEM;
	}
	return HW_FAMILY_NONE;
}

char *hw_metrics_device_key(const struct prom_sample *s, const char *target)
{
	return device_key(s, target);
}
