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
#define MAX_PROBES 64	/* DaemonSets of unknown workloads probed for accelerator series */

/* Whether a DRA driver's devices count as accelerators: known accelerator drivers and
 * unrecognised ones (new vendors); known network or helper drivers do not. */
bool hw_accel_driver(const char *driver)
{
	const struct known_dra_driver *k = known_dra_driver_find(driver);
	return k == NULL || k->accelerator;
}

/* ---- HW-1.2: accelerator metrics ---- */

struct scrape_target {
	char *path;	/* API-server proxy path */
	char *label;	/* "ns/name:port", for evidence */
	char *exporter; /* its name for evidence; NULL: --metrics-endpoint */
};

struct metrics {
	struct scrape_target *t;
	size_t nt;
	struct cutil_set exporters;	    /* exporter names found */
	struct cutil_set scraped;	    /* target labels that answered */
	struct cutil_set util_dev, mem_dev; /* device keys (lower case) */
	struct cutil_set util_fam, mem_fam, extra_fam;
	struct cutil_set util_vendor, mem_vendor; /* known_accel_series rows seen */
	struct cutil_set not_exporters;		  /* probed DaemonSets serving no known family */
	int probe_errors;			  /* probes that could not be read (not 404) */
	size_t matched_pods;			  /* exporter pods found, before the cap */
};

static void add_target(struct metrics *m, const char *exporter, char *path, char *label)
{
	m->t = xreallocarray(m->t, m->nt + 1, sizeof(*m->t));
	m->t[m->nt++] = (struct scrape_target){path, label, exporter ? xstrdup(exporter) : NULL};
}

/* ---- what a sample is: known_accel_series ---- */

static const char *first_label(const struct prom_sample *s, const char *const *names)
{
	for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
		const char *v = prom_label(s, names[i]);
		if (v != NULL && *v != '\0')
			return v;
	}
	return NULL;
}

/* The row and kind (1 utilization, 2 memory, 3 other) of a sample, or NULL: a sample of
 * a row whose family names are generic counts only when it names its device. */
static const struct known_accel_series *classify(const struct prom_sample *s, int *kind,
						 const char **family)
{
	const struct known_accel_series *r = known_accel_family(s->name, kind, family);
	if (r != NULL && r->label_required && first_label(s, r->id_labels) == NULL &&
	    first_label(s, r->index_labels) == NULL)
		return NULL;
	return r;
}

/* A device key for a sample: a global id (UUID, serial) as is, a local index qualified
 * by the node or the scrape target; lower case so that UUIDs compare with DRA's. The
 * labels of the sample's vendor row first, then the general ones. */
static char *device_key(const struct prom_sample *s, const char *target,
			const struct known_accel_series *r)
{
	char *key = NULL;
	const char *v = r ? first_label(s, r->id_labels) : NULL;
	if (v == NULL)
		v = first_label(s, known_device_id_labels);
	if (v != NULL)
		key = xstrdup(v);
	if (key == NULL) {
		v = r ? first_label(s, r->index_labels) : NULL;
		if (v == NULL)
			v = first_label(s, known_device_index_labels);
		if (v != NULL) {
			const char *node = first_label(s, known_node_labels);
			key = xasprintf("%s#%s", node ? node : target, v);
		}
	}
	if (key == NULL)
		key = xasprintf("%s#0", target);
	for (char *p = key; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return key;
}

/* The first row of which doc serves a utilization or memory family, or NULL. */
static const struct known_accel_series *recognised(const struct prom_doc *doc)
{
	for (size_t i = 0; i < doc->nsamples; i++) {
		int kind = 0;
		const char *f;
		const struct known_accel_series *r = classify(&doc->samples[i], &kind, &f);
		if (r != NULL && kind != 3)
			return r;
	}
	return NULL;
}

static void note_device(struct cutil_set *fams, struct cutil_set *vendors, struct cutil_set *devs,
			const char *family, const struct known_accel_series *r,
			const struct prom_sample *s, const char *target)
{
	cutil_set_add(fams, family);
	cutil_set_add(vendors, r->vendor);
	char *k = device_key(s, target, r);
	cutil_set_add(devs, k);
	free(k);
}

static void scan_doc(struct metrics *m, const struct prom_doc *doc, const char *target)
{
	for (size_t i = 0; i < doc->nsamples; i++) {
		const struct prom_sample *s = &doc->samples[i];
		int kind = 0;
		const char *f = NULL;
		const struct known_accel_series *r = classify(s, &kind, &f);
		if (r == NULL)
			continue;
		if (kind == 1)
			note_device(&m->util_fam, &m->util_vendor, &m->util_dev, f, r, s, target);
		else if (kind == 2)
			note_device(&m->mem_fam, &m->mem_vendor, &m->mem_dev, f, r, s, target);
		else
			cutil_set_add(&m->extra_fam, f);
	}
}

/* ---- finding the exporters ---- */

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

static bool running(const json_t *pod)
{
	const char *phase = cutil_str(pod, "status.phase");
	return phase != NULL && strcmp(phase, "Running") == 0;
}

static char *pod_path(const json_t *pod, long port, const char *path)
{
	return xasprintf("/api/v1/namespaces/%s/pods/%s:%ld/proxy/%s", cutil_ns(pod),
			 cutil_name(pod), port, path);
}

static char *pod_label(const json_t *pod, long port)
{
	return xasprintf("pod %s/%s:%ld", cutil_ns(pod), cutil_name(pod), port);
}

/* A running pod of exporter name, scraped at port and path (up to MAX_SCRAPES pods). */
static void add_pod(struct metrics *m, const char *name, const json_t *o, long port,
		    const char *path)
{
	if (!running(o))
		return;
	cutil_set_add(&m->exporters, name);
	if (m->matched_pods++ >= MAX_SCRAPES)
		return;
	add_target(m, name, pod_path(o, port, path), pod_label(o, port));
}

static void add_pod_target(struct metrics *m, const struct known_exporter *e, const json_t *o)
{
	if (running(o))
		add_pod(m, e->name, o, pod_port(o, e), e->path);
}

/* ---- DaemonSets of unknown workloads: exporters by the series they serve ---- */

/* The metrics port of a pod template that advertises one: a container port named like
 * "metrics", else the prometheus.io/port of a prometheus.io/scrape template; 0: none.
 * *path: prometheus.io/path (without its slash) or "metrics". */
static long advertised_port(const json_t *tmpl, const char **path)
{
	const json_t *ann = cutil_get(tmpl, "metadata.annotations");
	const char *p = json_string_value(json_object_get(ann, "prometheus.io/path"));
	*path = p != NULL && *p != '\0' ? p + (*p == '/') : "metrics";
	size_t i, j;
	const json_t *c, *port;
	json_array_foreach(cutil_get(tmpl, "spec.containers"), i, c) {
		json_array_foreach(json_object_get(c, "ports"), j, port) {
			const char *name = json_string_value(json_object_get(port, "name"));
			if (name != NULL &&
			    (cutil_contains_ci(name, "metrics") || cutil_contains_ci(name, "prom")))
				return (long)json_integer_value(
				    json_object_get(port, "containerPort"));
		}
	}
	const char *scrape = json_string_value(json_object_get(ann, "prometheus.io/scrape"));
	const char *ps = json_string_value(json_object_get(ann, "prometheus.io/port"));
	if (scrape == NULL || strcmp(scrape, "true") != 0 || ps == NULL)
		return 0;
	char *end;
	long v = strtol(ps, &end, 10);
	return v > 0 && v < 65536 && *end == '\0' ? v : 0;
}

/* Scrapes one running pod of DaemonSet w (its metrics port advertised); when it serves
 * a known utilization or memory family, every running pod of w is an exporter's. A
 * probe that cannot be read (but 404) leaves open whether w is an exporter. */
static void probe_daemonset(struct inventory *inv, struct metrics *m, const json_t *w,
			    struct check_result *res, int *errors, size_t *probes)
{
	const char *path;
	long port = advertised_port(cutil_get(w, "spec.template"), &path);
	if (port <= 0 || *probes >= MAX_PROBES)
		return;
	const json_t *pods = cutil_pods_of(inv, w, res, errors), *o, *first = NULL;
	size_t i;
	json_array_foreach(pods, i, o) {
		if (first == NULL && running(o))
			first = o;
	}
	if (first == NULL)
		return;
	(*probes)++;
	char *pp = pod_path(first, port, path), *label = pod_label(first, port);
	const char *body = NULL;
	size_t len = 0;
	struct kube_error err = {0};
	struct prom_doc doc = {0};
	char *cause = NULL;
	const struct known_accel_series *r = NULL;
	if (inventory_proxy_get(inv, pp, &body, &len, &err) != 0) {
		check_evidence(res, "cannot probe %s through the API proxy: %ld %s%s%s", label,
			       err.http_code, err.reason, err.message[0] ? ": " : "", err.message);
		if (err.http_code != 404)
			m->probe_errors++;
	} else if (prom_parse(body, len, &doc, &cause) != 0) {
		cutil_set_addf(&m->not_exporters, "%s/%s", cutil_ns(w), cutil_name(w));
		free(cause);
	} else if ((r = recognised(&doc)) == NULL) {
		cutil_set_addf(&m->not_exporters, "%s/%s", cutil_ns(w), cutil_name(w));
	} else {
		char *name =
		    xasprintf("DaemonSet %s/%s (%s series)", cutil_ns(w), cutil_name(w), r->vendor);
		check_evidence(res, "DaemonSet %s/%s serves %s series (probed %s)", cutil_ns(w),
			       cutil_name(w), r->vendor, label);
		json_array_foreach(pods, i, o) {
			add_pod(m, name, o, port, path);
		}
		free(name);
	}
	prom_doc_release(&doc);
	free(pp);
	free(label);
}

/* Running exporter pods first (one per node: full coverage), found through their
 * DaemonSets and Deployments, so the cluster's whole pod list is never read: those of
 * known exporters, and those of other DaemonSets that advertise a metrics port and serve
 * a known accelerator family (probed); the known exporters' Services only for exporters
 * without a running pod. */
static void find_exporters(struct inventory *inv, struct metrics *m, struct check_result *res,
			   int *errors)
{
	static const char *const workloads[] = {"daemonsets", "deployments"};
	const json_t *svcs = cutil_list(inv, "", "v1", "services", res, errors);
	size_t i, j, probes = 0;
	const json_t *o, *w;
	for (size_t k = 0; k < sizeof(workloads) / sizeof(workloads[0]); k++) {
		json_array_foreach(cutil_list(inv, "apps", "v1", workloads[k], res, errors), i, w) {
			const struct known_exporter *e = exporter_of_workload(w);
			if (e == NULL && k == 0)
				probe_daemonset(inv, m, w, res, errors, &probes);
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
		add_target(m, e->name,
			   xasprintf("/api/v1/namespaces/%s/services/%s:%ld/proxy/%s", cutil_ns(o),
				     cutil_name(o), port, e->path),
			   xasprintf("service %s/%s:%ld", cutil_ns(o), cutil_name(o), port));
	}
	for (size_t k = 0; k < m->nt; k++)
		cutil_set_add(&m->exporters, m->t[k].exporter);
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
			    struct cutil_set *vendors, size_t ndev)
{
	if (fams->n == 0) {
		check_evidence(res, "%s: no known family found", what);
		return;
	}
	char *f = cutil_set_join(fams, MAX_NAMES);
	char *v = cutil_set_join(vendors, MAX_NAMES);
	check_evidence(res, "%s: %s for %zu device%s (%s)", what, f, ndev, ndev == 1 ? "" : "s", v);
	free(f);
	free(v);
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
		free(m->t[k].exporter);
	}
	free(m->t);
	cutil_set_release(&m->util_vendor);
	cutil_set_release(&m->mem_vendor);
	cutil_set_release(&m->not_exporters);
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
			     "device-metrics-exporter, Intel XPU Manager, AWS Neuron monitor), "
			     "advertise its metrics port (a container port named \"metrics\"), or "
			     "pass --metrics-endpoint");
	else if (m->util_fam.n == 0 && m->mem_fam.n == 0)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     "make the exporter serve per-device utilization and memory metrics "
			     "through its metrics endpoint");
	else if (!fams)
		cutil_decide(res, errors, VERDICT_PARTIAL, VERDICT_FULL,
			     m->util_fam.n == 0
				 ? "enable a per-device utilization metric in the exporter (DCGM: "
				   "DCGM_FI_DEV_GPU_UTIL in its counters file; AMD: "
				   "gpu_gfx_activity in its config)"
				 : "enable a per-device memory metric in the exporter (DCGM: "
				   "DCGM_FI_DEV_FB_USED in its counters file; AMD: gpu_used_vram "
				   "in its config)");
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
	if (m.not_exporters.n > 0) {
		char *l = cutil_set_join(&m.not_exporters, MAX_NAMES);
		check_evidence(res,
			       "probed %zu metrics endpoint%s of other DaemonSets (%s): none "
			       "serves a known accelerator family",
			       m.not_exporters.n, m.not_exporters.n == 1 ? "" : "s", l);
		free(l);
	}
	/* an unread probe may have been the exporter: no verdict below Full without it */
	errors += m.probe_errors;
	if (m.nt == 0) {
		if (errors == 0) /* else the cannot-list lines say why */
			check_evidence(res,
				       "no accelerator metrics exporter found (looked for the DCGM "
				       "exporter, AMD device-metrics-exporter, Intel XPU Manager, "
				       "Gaudi metric exporter and Neuron monitor workloads, and "
				       "DaemonSets advertising a metrics port that serve a known "
				       "accelerator family)");
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
		family_evidence(res, "utilization", &m.util_fam, &m.util_vendor, m.util_dev.n);
		family_evidence(res, "memory", &m.mem_fam, &m.mem_vendor, m.mem_dev.n);
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

enum hw_family hw_metrics_family(const struct prom_sample *s)
{
	int kind = 0;
	const char *f;
	if (classify(s, &kind, &f) == NULL)
		return HW_FAMILY_NONE;
	return kind == 1 ? HW_FAMILY_UTIL : kind == 2 ? HW_FAMILY_MEM : HW_FAMILY_NONE;
}

char *hw_metrics_device_key(const struct prom_sample *s, const char *target)
{
	int kind = 0;
	const char *f;
	return device_key(s, target, known_accel_family(s->name, &kind, &f));
}
