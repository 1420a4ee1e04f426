/* prometheus.c: the monitoring query API of a simulated Prometheus, answered through
 * the API server's service proxy (a dynamic proxy hook, see sim_proxy_hooks):
 * GET /api/v1/namespaces/NS/services/NAME[:PORT]/proxy/api/v1/query?query=Q when NS/NAME
 * is `prometheus-operated` next to a monitoring.coreos.com Prometheus object, or a
 * Service labelled app.kubernetes.io/name=prometheus. The scrape targets are the Running
 * `kaic probe metrics` pods selected by a PodMonitor or ServiceMonitor that a Prometheus
 * object selects (operator semantics: a missing monitor selector selects nothing, a
 * missing namespace selector means the Prometheus's own namespace), or annotated
 * prometheus.io/scrape: "true" when controllers.prometheus.annotations is true. Each
 * target yields the probe's vLLM-style series (and `up`) with the labels namespace, pod,
 * container, endpoint, job and instance. Queries of the form NAME{label="v",...} (also
 * !=) are answered as an instant vector in the Prometheus HTTP API format; anything else
 * is a bad_data error. Also answered: /-/ready, /-/healthy and /api/v1/targets.
 * controllers.prometheus.scrape: false leaves every result empty. */

#include "controllers/prometheus.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "controllers/ctl_util.h"
#include "controllers/resolve.h"
#include "sim.h"
#include "util/xmalloc.h"

#define MON_GROUP "monitoring.coreos.com"

/* ---- targets ---- */

static bool ns_selected(struct sim_api *api, const json_t *sel, const char *own, const char *ns)
{
	if (!sel)
		return !strcmp(own, ns);
	json_t *nso = ctl_get(api, "", "namespaces", NULL, ns);
	json_t *labels = json_deep_copy(ctl_at(nso, "metadata.labels"));
	if (!labels)
		labels = json_object();
	json_object_set_new(labels, "kubernetes.io/metadata.name", json_string(ns));
	bool ok = ctl_selector_match(sel, labels);
	json_decref(labels);
	json_decref(nso);
	return ok;
}

/* Whether a monitor (Pod- or ServiceMonitor) is selected by some Prometheus object. */
static bool monitor_selected(struct sim_api *api, const json_t *proms, const json_t *mon, bool pod)
{
	const char *mns = ctl_s(mon, "metadata.namespace");
	size_t i;
	json_t *p;
	json_array_foreach(proms, i, p) {
		json_t *sel =
		    ctl_at(p, pod ? "spec.podMonitorSelector" : "spec.serviceMonitorSelector");
		json_t *nsel = ctl_at(p, pod ? "spec.podMonitorNamespaceSelector"
					     : "spec.serviceMonitorNamespaceSelector");
		if (sel && ctl_selector_match(sel, ctl_at(mon, "metadata.labels")) &&
		    ns_selected(api, nsel, ctl_s(p, "metadata.namespace"), mns))
			return true;
	}
	return false;
}

/* Whether a monitor's spec.namespaceSelector covers ns. */
static bool mon_ns(const json_t *mon, const char *ns)
{
	json_t *nss = ctl_at(mon, "spec.namespaceSelector");
	if (json_is_true(json_object_get(nss, "any")))
		return true;
	json_t *names = json_object_get(nss, "matchNames");
	if (!json_array_size(names))
		return !strcmp(ctl_s(mon, "metadata.namespace"), ns);
	size_t i;
	json_t *n;
	json_array_foreach(names, i, n) {
		if (json_is_string(n) && !strcmp(json_string_value(n), ns))
			return true;
	}
	return false;
}

/* The container port of pod named name (or numbered num), or -1. */
static long pod_port(const json_t *pod, const char *name, long num)
{
	bool any;
	json_t *ports = ctl_pod_ports(pod, &any);
	long r = -1;
	size_t i;
	json_t *p;
	json_array_foreach(ports, i, p) {
		long n = (long)json_integer_value(json_object_get(p, "port"));
		if (r < 0 && ((name && !strcmp(ctl_s(p, "name"), name)) || (!name && n == num)))
			r = n;
	}
	json_decref(ports);
	return r;
}

static void add_target(json_t *targets, const json_t *pod, const char *job, const char *endpoint,
		       long port)
{
	char inst[96];
	snprintf(inst, sizeof(inst), "%s:%ld", ctl_s(pod, "status.podIP"), port);
	json_t *c = json_array_get(ctl_at(pod, "spec.containers"), 0);
	json_t *args = NULL;
	ctl_pod_probe(pod, &args);
	const char *model = ctl_arg(args, "model");
	json_array_append_new(targets,
			      json_pack("{s:{s:s, s:s, s:s, s:s, s:s, s:s}, s:s, s:s}", "labels",
					"namespace", ctl_s(pod, "metadata.namespace"), "pod",
					ctl_s(pod, "metadata.name"), "container", ctl_s(c, "name"),
					"endpoint", endpoint, "job", job, "instance", inst, "model",
					model ? model : "kaic-probe-model", "scrapeUrl", inst));
	json_decref(args);
}

static bool metrics_pod(const json_t *pod)
{
	const char *probe = ctl_pod_probe(pod, NULL);
	return ctl_pod_answers(pod) && probe && !strcmp(probe, "metrics");
}

static void pod_monitor_targets(struct sim_api *api, const json_t *mon, const json_t *pods,
				json_t *targets)
{
	char *job =
	    xasprintf("%s/%s", ctl_s(mon, "metadata.namespace"), ctl_s(mon, "metadata.name"));
	size_t i, j;
	json_t *pod, *ep;
	(void)api;
	json_array_foreach(pods, i, pod) {
		if (!metrics_pod(pod) || !mon_ns(mon, ctl_s(pod, "metadata.namespace")) ||
		    !ctl_selector_match(ctl_at(mon, "spec.selector"),
					ctl_at(pod, "metadata.labels")))
			continue;
		json_array_foreach(ctl_at(mon, "spec.podMetricsEndpoints"), j, ep) {
			const char *pname = ctl_str(ep, "port");
			json_t *num = json_object_get(ep, "portNumber");
			json_t *tp = json_object_get(ep, "targetPort");
			long port = pname ? pod_port(pod, pname, -1)
				    : json_is_integer(num)
					? pod_port(pod, NULL, (long)json_integer_value(num))
				    : json_is_integer(tp)
					? pod_port(pod, NULL, (long)json_integer_value(tp))
				    : json_is_string(tp) ? pod_port(pod, json_string_value(tp), -1)
							 : -1;
			if (port >= 0)
				add_target(targets, pod, job, pname ? pname : "", port);
		}
	}
	free(job);
}

static void service_monitor_targets(struct sim_api *api, const json_t *mon, json_t *targets)
{
	json_t *svcs = ctl_list(api, "", "services", NULL);
	size_t i, j, k;
	json_t *svc, *ep, *sp;
	json_array_foreach(svcs, i, svc) {
		const char *ns = ctl_s(svc, "metadata.namespace");
		if (!mon_ns(mon, ns) || !ctl_selector_match(ctl_at(mon, "spec.selector"),
							    ctl_at(svc, "metadata.labels")))
			continue;
		json_array_foreach(ctl_at(mon, "spec.endpoints"), j, ep) {
			const char *pname = ctl_str(ep, "port");
			json_array_foreach(ctl_at(svc, "spec.ports"), k, sp) {
				if (!pname || strcmp(ctl_s(sp, "name"), pname) != 0)
					continue;
				bool has;
				json_t *eps = ctl_endpoints(
				    api, svc, (long)json_integer_value(json_object_get(sp, "port")),
				    &has);
				size_t m;
				json_t *e;
				json_array_foreach(eps, m, e) {
					const json_t *pod = json_object_get(e, "pod");
					long port =
					    (long)json_integer_value(json_object_get(e, "port"));
					if (metrics_pod(pod) && ctl_pod_listens(pod, port))
						add_target(targets, pod,
							   ctl_s(svc, "metadata.name"), pname,
							   port);
				}
				json_decref(eps);
			}
		}
	}
	json_decref(svcs);
}

static void annotation_targets(const json_t *pods, json_t *targets)
{
	size_t i;
	json_t *pod;
	json_array_foreach(pods, i, pod) {
		json_t *ann = ctl_at(pod, "metadata.annotations");
		const char *scrape =
		    json_string_value(json_object_get(ann, "prometheus.io/scrape"));
		if (!metrics_pod(pod) || !scrape || strcmp(scrape, "true") != 0)
			continue;
		const char *ps = json_string_value(json_object_get(ann, "prometheus.io/port"));
		long port = ps ? strtol(ps, NULL, 10) : -1;
		if (port < 0) {
			bool any;
			json_t *ports = ctl_pod_ports(pod, &any);
			port = (long)json_integer_value(
			    json_object_get(json_array_get(ports, 0), "port"));
			json_decref(ports);
		}
		if (port > 0 && ctl_pod_listens(pod, port))
			add_target(targets, pod, "kubernetes-pods", "", port);
	}
}

static json_t *targets(struct sim_api *api)
{
	json_t *t = json_array();
	if (!ctl_setting_bool(api, "prometheus", "scrape", true))
		return t;
	json_t *proms = ctl_list(api, MON_GROUP, "prometheuses", NULL);
	json_t *pods = ctl_list(api, "", "pods", NULL);
	json_t *mons = ctl_list(api, MON_GROUP, "podmonitors", NULL);
	size_t i;
	json_t *m;
	json_array_foreach(mons, i, m) {
		if (monitor_selected(api, proms, m, true))
			pod_monitor_targets(api, m, pods, t);
	}
	json_decref(mons);
	mons = ctl_list(api, MON_GROUP, "servicemonitors", NULL);
	json_array_foreach(mons, i, m) {
		if (monitor_selected(api, proms, m, false))
			service_monitor_targets(api, m, t);
	}
	json_decref(mons);
	if (ctl_setting_bool(api, "prometheus", "annotations", false))
		annotation_targets(pods, t);
	json_decref(pods);
	json_decref(proms);
	return t;
}

/* ---- series ---- */

static const struct {
	const char *name;
	const char *extra_label, *extra_value;
	double value;
	bool model;
} series_tab[] = {
    {"up", NULL, NULL, 1, false},
    {"vllm:num_requests_running", NULL, NULL, 2, true},
    {"vllm:num_requests_waiting", NULL, NULL, 1, true},
    {"vllm:gpu_cache_usage_perc", NULL, NULL, 0.35, true},
    {"vllm:request_success_total", "finished_reason", "stop", 140, true},
    {"vllm:request_success_total", "finished_reason", "length", 14, true},
    {"vllm:prompt_tokens_total", NULL, NULL, 16520, true},
    {"vllm:generation_tokens_total", NULL, NULL, 6580, true},
    {"vllm:e2e_request_latency_seconds_count", NULL, NULL, 154, true},
    {"vllm:e2e_request_latency_seconds_sum", NULL, NULL, 186.34, true},
    {"vllm:time_to_first_token_seconds_count", NULL, NULL, 154, true},
    {"vllm:time_to_first_token_seconds_sum", NULL, NULL, 10.934, true},
};

/* Every series of the targets (new array of {labels, value}). */
static json_t *all_series(const json_t *tg)
{
	json_t *r = json_array();
	size_t i;
	json_t *t;
	json_array_foreach(tg, i, t) {
		for (size_t k = 0; k < sizeof(series_tab) / sizeof(series_tab[0]); k++) {
			json_t *l = json_deep_copy(json_object_get(t, "labels"));
			json_object_set_new(l, "__name__", json_string(series_tab[k].name));
			if (series_tab[k].model)
				json_object_set(l, "model_name", json_object_get(t, "model"));
			if (series_tab[k].extra_label)
				json_object_set_new(l, series_tab[k].extra_label,
						    json_string(series_tab[k].extra_value));
			json_array_append_new(
			    r, json_pack("{s:o, s:f}", "metric", l, "value", series_tab[k].value));
		}
	}
	return r;
}

bool ctl_prometheus_pod_value(struct sim_api *api, const char *ns, const char *pod,
			      const char *name, double *value)
{
	json_t *tg = targets(api);
	bool found = false;
	size_t i;
	json_t *t;
	json_array_foreach(tg, i, t) {
		json_t *l = json_object_get(t, "labels");
		if (found || strcmp(ctl_s(l, "namespace"), ns) != 0 ||
		    strcmp(ctl_s(l, "pod"), pod) != 0)
			continue;
		for (size_t k = 0; k < sizeof(series_tab) / sizeof(series_tab[0]) && !found; k++)
			if (!strcmp(series_tab[k].name, name)) {
				*value = series_tab[k].value;
				found = true;
			}
	}
	json_decref(tg);
	return found;
}

/* ---- PromQL subset ---- */

/* Parses NAME{l="v",...} into a new array of [label, op, value]; NULL when unsupported. */
static json_t *parse_query(const char *q)
{
	json_t *m = json_array();
	const char *p = q;
	while (isspace((unsigned char)*p))
		p++;
	size_t n = 0;
	while (isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == ':')
		n++;
	if (n) {
		char *name = xstrndup(p, n);
		json_array_append_new(m, json_pack("[s, s, s]", "__name__", "=", name));
		free(name);
		p += n;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '{') {
		p++;
		for (;;) {
			while (isspace((unsigned char)*p) || *p == ',')
				p++;
			if (*p == '}') {
				p++;
				break;
			}
			size_t ln = 0;
			while (isalnum((unsigned char)p[ln]) || p[ln] == '_')
				ln++;
			if (!ln)
				goto bad;
			char *label = xstrndup(p, ln);
			p += ln;
			while (isspace((unsigned char)*p))
				p++;
			const char *op = !strncmp(p, "!=", 2)	    ? "!="
					 : *p == '=' && p[1] != '~' ? "="
								    : NULL;
			if (!op) {
				free(label);
				goto bad;
			}
			p += strlen(op);
			while (isspace((unsigned char)*p))
				p++;
			if (*p != '"' && *p != '\'') {
				free(label);
				goto bad;
			}
			char quote = *p++;
			const char *end = strchr(p, quote);
			if (!end) {
				free(label);
				goto bad;
			}
			char *val = xstrndup(p, (size_t)(end - p));
			json_array_append_new(m, json_pack("[s, s, s]", label, op, val));
			free(label);
			free(val);
			p = end + 1;
		}
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p || !json_array_size(m))
		goto bad;
	return m;
bad:
	json_decref(m);
	return NULL;
}

static bool series_match(const json_t *s, const json_t *matchers)
{
	size_t i;
	json_t *m;
	json_array_foreach(matchers, i, m) {
		const char *have = json_string_value(json_object_get(
		    json_object_get(s, "metric"), json_string_value(json_array_get(m, 0))));
		const char *want = json_string_value(json_array_get(m, 2));
		bool eq = !strcmp(have ? have : "", want);
		if (!strcmp(json_string_value(json_array_get(m, 1)), "=") != eq)
			return false;
	}
	return true;
}

/* ---- the proxy hook ---- */

static void answer_json(struct sim_response *resp, int status, json_t *v)
{
	resp->status = status;
	resp->content_type = xstrdup("application/json");
	resp->body = json_dumps(v, JSON_COMPACT);
	resp->len = strlen(resp->body);
	json_decref(v);
}

static void answer_text(struct sim_response *resp, int status, const char *text)
{
	resp->status = status;
	resp->content_type = xstrdup("text/plain; charset=utf-8");
	resp->body = xstrdup(text);
	resp->len = strlen(resp->body);
}

static void query(struct sim_api *api, const json_t *q, struct sim_response *resp)
{
	const char *qs = json_string_value(json_object_get(q, "query"));
	json_t *matchers = qs ? parse_query(qs) : NULL;
	if (!matchers) {
		char *e = xasprintf("invalid parameter \"query\": unsupported expression \"%s\"",
				    qs ? qs : "");
		answer_json(resp, 400,
			    json_pack("{s:s, s:s, s:s}", "status", "error", "errorType", "bad_data",
				      "error", e));
		free(e);
		return;
	}
	json_t *tg = targets(api);
	json_t *all = all_series(tg);
	json_t *result = json_array();
	double now = (double)time(NULL);
	size_t i;
	json_t *s;
	json_array_foreach(all, i, s) {
		if (!series_match(s, matchers))
			continue;
		char v[64];
		snprintf(v, sizeof(v), "%g", json_real_value(json_object_get(s, "value")));
		json_array_append_new(result,
				      json_pack("{s:O, s:[f, s]}", "metric",
						json_object_get(s, "metric"), "value", now, v));
	}
	answer_json(resp, 200,
		    json_pack("{s:s, s:{s:s, s:o}}", "status", "success", "data", "resultType",
			      "vector", "result", result));
	json_decref(all);
	json_decref(tg);
	json_decref(matchers);
}

static void targets_answer(struct sim_api *api, struct sim_response *resp)
{
	json_t *tg = targets(api);
	json_t *active = json_array();
	size_t i;
	json_t *t;
	json_array_foreach(tg, i, t) {
		json_array_append_new(active, json_pack("{s:O, s:s, s:s, s:s}", "labels",
							json_object_get(t, "labels"), "scrapeUrl",
							ctl_s(t, "scrapeUrl"), "health", "up",
							"lastError", ""));
	}
	json_decref(tg);
	answer_json(resp, 200,
		    json_pack("{s:s, s:{s:o, s:[]}}", "status", "success", "data", "activeTargets",
			      active, "droppedTargets"));
}

/* Whether NS/NAME[:PORT] is a Prometheus service. */
static bool is_prometheus(struct sim_api *api, const char *ns, const char *target)
{
	const char *colon = strchr(target, ':');
	const char *first = target;
	if (colon && strchr(colon + 1, ':')) { /* scheme:name:port */
		first = colon + 1;
		colon = strchr(first, ':');
	}
	char *name = colon ? xstrndup(first, (size_t)(colon - first)) : xstrdup(first);
	const char *port = colon ? colon + 1 : NULL;
	json_t *svc = ctl_get(api, "", "services", ns, name);
	bool ok = false;
	if (svc) {
		json_t *proms = ctl_list(api, MON_GROUP, "prometheuses", ns);
		json_t *labels = ctl_at(svc, "metadata.labels");
		const char *ln =
		    json_string_value(json_object_get(labels, "app.kubernetes.io/name"));
		ok = (!strcmp(name, "prometheus-operated") && json_array_size(proms)) ||
		     (ln && !strcmp(ln, "prometheus"));
		json_decref(proms);
		bool port_ok = !port || !*port;
		size_t i;
		json_t *p;
		json_array_foreach(ctl_at(svc, "spec.ports"), i, p) {
			char num[24];
			snprintf(num, sizeof(num), "%lld",
				 (long long)json_integer_value(json_object_get(p, "port")));
			port_ok = port_ok || !strcmp(port, num) || !strcmp(port, ctl_s(p, "name"));
		}
		ok = ok && port_ok;
	}
	json_decref(svc);
	free(name);
	return ok;
}

bool ctl_prometheus_proxy(struct sim_api *api, const char *method, const char *path,
			  const json_t *q, struct sim_response *resp)
{
	static const char prefix[] = "/api/v1/namespaces/";
	if (strncmp(path, prefix, sizeof(prefix) - 1) != 0 || strcmp(method, "GET") != 0)
		return false;
	char *copy = xstrdup(path + sizeof(prefix) - 1);
	char *seg[4] = {0};
	char *p = copy;
	for (int i = 0; i < 4 && p; i++) {
		seg[i] = p;
		p = strchr(p, '/');
		if (p)
			*p++ = '\0';
	}
	/* seg: NS, "services", NAME[:PORT], "proxy"; p: the rest */
	bool ours = seg[3] && !strcmp(seg[1], "services") && !strcmp(seg[3], "proxy") &&
		    is_prometheus(api, seg[0], seg[2]);
	if (ours) {
		const char *rest = p ? p : "";
		if (!strcmp(rest, "api/v1/query"))
			query(api, q, resp);
		else if (!strcmp(rest, "api/v1/targets"))
			targets_answer(api, resp);
		else if (!strcmp(rest, "-/ready"))
			answer_text(resp, 200, "Prometheus Server is Ready.\n");
		else if (!strcmp(rest, "-/healthy"))
			answer_text(resp, 200, "Prometheus Server is Healthy.\n");
		else
			answer_text(resp, 404, "404 page not found\n");
	}
	free(copy);
	return ours;
}
