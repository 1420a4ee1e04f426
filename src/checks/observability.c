/* observability.c: the checks of the Observability domain, passive parts: OBS-6.1
 * (AI service metrics collected automatically) and OBS-6.2 (OpenTelemetry tracing). */
#include <stdlib.h>
#include <string.h>

#include "checks/checks.h"
#include "checks/active_tests.h"
#include "checks/known.h"
#include "checks/util.h"
#include "kube/inventory.h"

#define NAMES_MAX 8

#define NOT_EXERCISED "not exercised: needs the active test (kaic run without --passive)"

static void names_of(struct cutil_set *l, const json_t *items)
{
	size_t i;
	const json_t *o;
	json_array_foreach(items, i, o) {
		char *ref = cutil_ref(o);
		cutil_set_add(l, ref);
		free(ref);
	}
}

/* The plural suffix of a kind for n objects: "Prometheus" -> "Prometheuses". */
static const char *kind_suffix(const char *kind, size_t n)
{
	size_t len = strlen(kind);
	if (n == 1)
		return "";
	return len > 0 && kind[len - 1] == 's' ? "es" : "s";
}

/* ---- OBS-6.1 metrics ---- */

struct mon_seen {
	size_t collectors;	    /* scrapers found (objects, managed service, workloads) */
	size_t targets;		    /* monitors and annotated pods/Services */
	size_t apis;		    /* monitoring APIs served */
	const json_t *workloads[3]; /* Deployments, StatefulSets, DaemonSets (borrowed) */
};

static void monitoring_apis(struct check_ctx *ctx, struct check_result *res, struct mon_seen *s,
			    int *errors)
{
	for (const struct known_mon_api *a = known_monitoring_apis; a->product; a++) {
		if (!inventory_served(ctx->inv, a->group, NULL, a->resource))
			continue;
		s->apis++;
		const json_t *items;
		if (!cutil_list_read(ctx->inv, a->group, NULL, a->resource, res, errors, &items))
			continue;
		struct cutil_set l = CUTIL_SET_INIT;
		names_of(&l, items);
		if (a->role == MON_COLLECTOR)
			s->collectors += l.n;
		else
			s->targets += l.n;
		if (a->role == MON_MANAGED)
			s->collectors++; /* the platform runs the collector */
		cutil_evidence_set(res, &l, NAMES_MAX, "%s: %zu %s%s%s%s", a->product, l.n, a->kind,
				   kind_suffix(a->kind, l.n),
				   a->role == MON_MANAGED ? " (managed collection)" : "",
				   l.n ? ": " : "");
		cutil_set_release(&l);
	}
}

/* Whether an OpenTelemetryCollector's config has a receiver whose name starts with
 * prefix (v1beta1: spec.config object; v1alpha1: spec.config YAML string). */
static bool otel_has_receiver(const json_t *col, const char *prefix)
{
	const json_t *cfg = cutil_get(col, "spec.config");
	if (json_is_string(cfg)) {
		const char *text = json_string_value(cfg);
		const char *r = strstr(text, "receivers:");
		return r != NULL && strstr(r, prefix) != NULL;
	}
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)json_object_get(cfg, "receivers"), key, v)
		if (strncmp(key, prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

static void otel_prometheus(struct check_ctx *ctx, struct check_result *res, struct mon_seen *s,
			    int *errors)
{
	if (!inventory_served(ctx->inv, "opentelemetry.io", NULL, "opentelemetrycollectors"))
		return;
	const json_t *cols =
	    cutil_list(ctx->inv, "opentelemetry.io", NULL, "opentelemetrycollectors", res, errors);
	size_t i;
	const json_t *c;
	json_array_foreach(cols, i, c) {
		if (!otel_has_receiver(c, "prometheus"))
			continue;
		s->collectors++;
		check_evidence(res, "OpenTelemetryCollector %s/%s with a prometheus receiver%s",
			       cutil_ns(c), cutil_name(c),
			       cutil_true(c, "spec.targetAllocator.enabled")
				   ? " and the target allocator"
				   : "");
	}
}

static void collector_workloads(struct check_ctx *ctx, struct check_result *res, struct mon_seen *s,
				int *errors)
{
	static const char *const kinds[][2] = {{"deployments", "Deployment"},
					       {"statefulsets", "StatefulSet"},
					       {"daemonsets", "DaemonSet"}};
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		const json_t *items = cutil_list(ctx->inv, "apps", "v1", kinds[k][0], res, errors);
		s->workloads[k] = items;
		size_t i;
		const json_t *w;
		json_array_foreach(items, i, w) {
			for (const struct known_workload *c = known_collector_images; c->name;
			     c++) {
				if (!cutil_pod_spec_mentions(cutil_pod_spec(w), c->name))
					continue;
				s->collectors++;
				check_evidence(res, "%s: %s %s/%s", c->product, kinds[k][1],
					       cutil_ns(w), cutil_name(w));
				break;
			}
		}
	}
}

static size_t annotated(const json_t *items, const char *key)
{
	size_t n = 0, i;
	const json_t *o;
	json_array_foreach(items, i, o) {
		const char *v = cutil_annotation(o, key);
		n += v != NULL && strcmp(v, "true") == 0;
	}
	return n;
}

/* Workloads whose pod template carries annotation key = "true". */
static size_t annotated_templates(const json_t *items, const char *key)
{
	size_t n = 0, i;
	const json_t *o;
	json_array_foreach(items, i, o) {
		const char *v = json_string_value(
		    json_object_get(cutil_get(o, "spec.template.metadata.annotations"), key));
		n += v != NULL && strcmp(v, "true") == 0;
	}
	return n;
}

/* Scrape annotations on Services and on the pod templates of the workloads
 * collector_workloads listed (the declared intent; reading every pod of a large cluster
 * would cost far more for the same fact). Runs after collector_workloads. */
static void scrape_annotations(struct check_ctx *ctx, struct check_result *res, struct mon_seen *s,
			       int *errors)
{
	const json_t *svcs = cutil_list(ctx->inv, "", "v1", "services", res, errors);
	for (const char *const *a = known_scrape_annotations; *a; a++) {
		size_t p = 0, v = annotated(svcs, *a);
		for (size_t k = 0; k < 3; k++)
			p += annotated_templates(s->workloads[k], *a);
		if (p + v == 0)
			continue;
		s->targets += p + v;
		check_evidence(res, "%s=true on %zu workload pod template%s and %zu Service%s", *a,
			       p, cutil_plural(p), v, cutil_plural(v));
	}
}

static void obs_metrics_passive(struct check_ctx *ctx, struct check_result *res)
{
	int errors = 0;
	struct mon_seen s = {0};
	monitoring_apis(ctx, res, &s, &errors);
	otel_prometheus(ctx, res, &s, &errors);
	collector_workloads(ctx, res, &s, &errors);
	scrape_annotations(ctx, res, &s, &errors);
	if (ctx->opts && ctx->opts->prometheus_url)
		check_evidence(res, "query API given: --prometheus-url %s",
			       ctx->opts->prometheus_url);
	if (s.collectors > 0) {
		if (s.targets == 0 && errors == 0)
			check_evidence(res, "no scrape targets declared (no monitors, no "
					    "prometheus.io/scrape annotations)");
		check_evidence(res, NOT_EXERCISED);
		check_verdict(res, VERDICT_PARTIAL,
			      "run the active test to show a pod's metrics "
			      "are collected and queryable");
	} else if (errors > 0) {
		cutil_read_error(res, errors); /* an unread list may hold the collector */
	} else if (s.apis > 0) {
		check_evidence(res, "no collector found (Prometheus object, managed collection, "
				    "OpenTelemetry prometheus receiver, Prometheus server)");
		check_verdict(res, VERDICT_PARTIAL,
			      "deploy a collector that discovers the "
			      "declared targets (for example a Prometheus object)");
	} else {
		/* scrape annotations alone are only a convention: nothing collects them */
		if (errors == 0)
			check_evidence(res,
				       "no metrics collector (Prometheus Operator, Google "
				       "Managed Prometheus, OpenTelemetry collector, Prometheus "
				       "server)");
		cutil_decide(res, errors, VERDICT_NO, VERDICT_PARTIAL,
			     "install the Prometheus Operator (or another collector) with "
			     "service discovery of workload metrics");
	}
}

/* ---- OBS-6.2 tracing ---- */

static const struct known_port *port_match(const struct known_port *table, const json_t *p)
{
	const json_t *num = json_object_get(p, "port");
	const char *name = cutil_str(p, "name");
	for (const struct known_port *k = table; k->port; k++) {
		if (json_integer_value(num) == k->port)
			return k;
		if (name && k->name && strcmp(name, k->name) == 0)
			return k;
	}
	return NULL;
}

/* Services exposing a port of table; one evidence line each. */
static size_t services_on(const json_t *svcs, const struct known_port *table,
			  struct check_result *res)
{
	size_t n = 0, i, j;
	const json_t *svc, *p;
	json_array_foreach(svcs, i, svc) {
		struct cutil_set l = CUTIL_SET_INIT;
		json_array_foreach(cutil_get(svc, "spec.ports"), j, p) {
			const struct known_port *k = port_match(table, p);
			if (k != NULL)
				cutil_set_addf(
				    &l, "%lld %s",
				    (long long)json_integer_value(json_object_get(p, "port")),
				    k->what);
		}
		if (l.n > 0) {
			n++;
			cutil_evidence_set(res, &l, NAMES_MAX, "Service %s/%s: ", cutil_ns(svc),
					   cutil_name(svc));
		}
		cutil_set_release(&l);
	}
	return n;
}

/* Served APIs of the table with their objects; returns how many objects. */
static size_t api_objects(struct check_ctx *ctx, struct check_result *res,
			  const struct known_api *apis, size_t *served, int *errors)
{
	size_t total = 0;
	for (const struct known_api *a = apis; a->group; a++) {
		if (!inventory_served(ctx->inv, a->group, NULL, a->resource))
			continue;
		(*served)++;
		const json_t *items;
		if (!cutil_list_read(ctx->inv, a->group, NULL, a->resource, res, errors, &items))
			continue;
		struct cutil_set l = CUTIL_SET_INIT;
		size_t i;
		const json_t *o;
		json_array_foreach(items, i, o) {
			bool otlp = strcmp(a->resource, "opentelemetrycollectors") == 0 &&
				    otel_has_receiver(o, "otlp");
			cutil_set_addf(&l, "%s/%s%s", cutil_ns(o), cutil_name(o),
				       otlp ? " (OTLP receiver)" : "");
		}
		total += l.n;
		cutil_evidence_set(res, &l, NAMES_MAX, "%s: %zu %s%s%s", a->what, l.n, a->kind,
				   kind_suffix(a->kind, l.n), l.n ? ": " : "");
		cutil_set_release(&l);
	}
	return total;
}

static void obs_tracing_decide(struct check_result *res, size_t otlp, size_t backends,
			       size_t others, int errors)
{
	if (errors > 0 && (otlp == 0 || backends == 0)) {
		/* only the best finding stands: an unread list may hold what is missing */
		cutil_read_error(res, errors);
	} else if (otlp > 0 && backends == 0) {
		check_evidence(res, "no trace backend found (Jaeger, Tempo) to read traces back");
		check_verdict(res, VERDICT_PARTIAL,
			      "add a trace backend (Jaeger, Tempo) and pass its query URL with "
			      "--trace-query-url");
	} else if (otlp > 0) {
		/* present; Full needs the active test to read a trace back */
		check_verdict(res, VERDICT_FULL, NULL);
	} else if (others + backends > 0) {
		check_evidence(res, "no Service on the OTLP ports 4317/4318");
		check_verdict(res, VERDICT_PARTIAL,
			      "create an OpenTelemetryCollector with an OTLP receiver and its "
			      "Service");
	} else {
		if (errors == 0)
			check_evidence(res, "no OpenTelemetry collector, OTLP endpoint or trace "
					    "backend");
		cutil_decide(res, errors, VERDICT_NO, VERDICT_PARTIAL,
			     "install the OpenTelemetry operator with a collector (OTLP receiver) "
			     "and a trace backend");
	}
}

static void obs_tracing_passive(struct check_ctx *ctx, struct check_result *res)
{
	int errors = 0;
	size_t served = 0, backend_apis = 0;
	size_t objs = api_objects(ctx, res, known_tracing_apis, &served, &errors);
	size_t backends = api_objects(ctx, res, known_trace_backend_apis, &backend_apis, &errors);
	const json_t *svcs = cutil_list(ctx->inv, "", "v1", "services", res, &errors);
	size_t otlp = services_on(svcs, known_otlp_ports, res); /* NULL: none to describe */
	backends += services_on(svcs, known_trace_backend_ports, res);
	if (ctx->opts && ctx->opts->trace_query_url) {
		check_evidence(res, "trace query API given: --trace-query-url %s",
			       ctx->opts->trace_query_url);
		backends++;
	}
	obs_tracing_decide(res, otlp, backends, served + objs + backend_apis, errors);
}

static const struct check obs_metrics = {
    .id = "OBS-6.1",
    .passive = obs_metrics_passive,
    .active = active_obs61_run,
    .flags = CHECK_NEEDS_NAMESPACE | CHECK_FULL_NEEDS_ACTIVE,
};
static const struct check obs_tracing = {
    .id = "OBS-6.2",
    .passive = obs_tracing_passive,
    .active = active_obs62_run,
    .flags = CHECK_NEEDS_NAMESPACE | CHECK_FULL_NEEDS_ACTIVE,
};

const struct check *const checks_observability[] = {
    &obs_metrics,
    &obs_tracing,
    NULL,
};
