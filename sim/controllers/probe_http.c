/* probe_http.c: the model of `kaic probe http-load --url URL --requests N [--header K:V]`.
 * The URL's host is a Gateway address (status.addresses), a Service or a pod IP. Through
 * a Gateway: it must be Programmed and have a listener on the URL's port; the HTTPRoutes
 * attached to that listener (parentRefs, allowedRoutes, accepted in their status,
 * hostnames) are matched with Gateway API precedence (exact path, longest prefix,
 * method, most header matches, most query matches, oldest route, rule order); the rule's
 * backendRefs are chosen by weight with a seeded low-discrepancy sequence, then a Ready
 * pod behind the Service round-robin. The histogram counts the backend pods' names (what
 * `kaic probe echo` answers). Switches: controllers.gateway.honorWeights=false (equal
 * split), honorHeaders=false (header matches ignored), split=random with seed=N (a
 * seeded pseudo-random choice instead of the sequence), biasPoints=B (B points more to
 * the first backendRef), settleRequests=N (the first N requests of each load pod through a
 * Gateway answer 503, as Traefik does for a few seconds after it reports the Gateway
 * programmed, until it has the route's endpoints). --settle D with --expect-backend NAME
 * (repeatable) is the real probe's warm-up: requests until each NAME answered, at most
 * 10 per second of D, not counted, reported as "settle". Result keys are the real probe's:
 * {url, requests, concurrency, answered, errors, backends, status_codes, latency_ms,
 * error_samples, elapsed_ms[, settle]}; exit 0 when every request got a 2xx answer. */

#include "controllers/probe_http.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "controllers/ctl_util.h"
#include "controllers/netpol.h"
#include "controllers/resolve.h"
#include "sim.h"
#include "util/xmalloc.h"

#define GW_GROUP "gateway.networking.k8s.io"
#define HTTP_MAX_SAMPLES 5
#define HTTP_MAX_MODELLED 1000000

struct http_req {
	const char *host; /* Host header or URL host */
	const char *path; /* without the query */
	const char *query;
	json_t *headers; /* lower-case name -> value */
	bool honor_headers, honor_weights;
};

/* The outcome of one request: a pod name (2xx) or an HTTP status or a transport error. */
struct http_outcome {
	int status;
	const char *pod;
	const char *error;
};

static bool path_match(const json_t *pm, const char *path, long *exact, long *prefix)
{
	const char *type = ctl_str(pm, "type");
	const char *value = ctl_str(pm, "value");
	if (!type)
		type = "PathPrefix";
	if (!value)
		value = "/";
	if (!strcmp(type, "Exact")) {
		*exact = 1;
		*prefix = (long)strlen(value);
		return !strcmp(path, value);
	}
	if (strcmp(type, "PathPrefix") != 0)
		return false;
	size_t n = strlen(value);
	while (n > 1 && value[n - 1] == '/')
		n--;
	*exact = 0;
	*prefix = (long)n;
	if (n == 1 && value[0] == '/')
		return true;
	return !strncmp(path, value, n) && (path[n] == '\0' || path[n] == '/');
}

static bool headers_match(const json_t *hm, const struct http_req *r, long *count)
{
	*count = 0;
	if (!r->honor_headers)
		return true;
	size_t i;
	json_t *h;
	json_array_foreach(hm, i, h) {
		const char *type = ctl_str(h, "type");
		if (type && strcmp(type, "Exact") != 0)
			return false;
		char *lname = xstrdup(ctl_s(h, "name"));
		for (char *p = lname; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		const char *have = json_string_value(json_object_get(r->headers, lname));
		free(lname);
		if (!have || strcmp(have, ctl_s(h, "value")) != 0)
			return false;
		(*count)++;
	}
	return true;
}

static bool query_match(const json_t *qm, const char *query, long *count)
{
	*count = 0;
	size_t i;
	json_t *q;
	json_array_foreach(qm, i, q) {
		const char *type = ctl_str(q, "type");
		if (type && strcmp(type, "Exact") != 0)
			return false;
		char *want = xasprintf("%s=%s", ctl_s(q, "name"), ctl_s(q, "value"));
		bool found = false;
		const char *p = query ? query : "";
		while (*p && !found) {
			size_t n = strcspn(p, "&");
			found = n == strlen(want) && !strncmp(p, want, n);
			p += n + (p[n] == '&');
		}
		free(want);
		if (!found)
			return false;
		(*count)++;
	}
	return true;
}

/* Precedence key of a match: higher wins. */
struct http_key {
	long exact, prefix, method, headers, queries;
};

static int key_cmp(const struct http_key *a, const struct http_key *b)
{
	const long *x = &a->exact, *y = &b->exact;
	for (int i = 0; i < 5; i++)
		if (x[i] != y[i])
			return x[i] > y[i] ? 1 : -1;
	return 0;
}

/* Whether match m fits the request; fills its key. */
static bool match_fits(const json_t *m, const struct http_req *r, struct http_key *k)
{
	memset(k, 0, sizeof(*k));
	if (!path_match(json_object_get(m, "path"), r->path, &k->exact, &k->prefix))
		return false;
	const char *method = ctl_str(m, "method");
	if (method && strcmp(method, "GET") != 0)
		return false;
	k->method = method != NULL;
	return headers_match(json_object_get(m, "headers"), r, &k->headers) &&
	       query_match(json_object_get(m, "queryParams"), r->query, &k->queries);
}

static bool host_match(const json_t *names, const char *host)
{
	if (!json_array_size(names))
		return true;
	size_t i;
	json_t *n;
	json_array_foreach(names, i, n) {
		const char *h = json_string_value(n);
		if (!h)
			continue;
		if (!strcasecmp(h, host))
			return true;
		if (!strncmp(h, "*.", 2)) {
			const char *dot = strchr(host, '.');
			if (dot && !strcasecmp(dot, h + 1))
				return true;
		}
	}
	return false;
}

/* Whether route is attached to listener l of gateway gw and accepted by it. */
static bool route_attached(struct sim_api *api, const json_t *route, const json_t *gw,
			   const json_t *l)
{
	const char *rns = ctl_s(route, "metadata.namespace");
	const char *gns = ctl_s(gw, "metadata.namespace"), *gname = ctl_s(gw, "metadata.name");
	bool ref = false;
	size_t i;
	json_t *p;
	json_array_foreach(ctl_at(route, "spec.parentRefs"), i, p) {
		const char *pns = ctl_str(p, "namespace");
		const char *grp = ctl_str(p, "group"), *kind = ctl_str(p, "kind");
		const char *sec = ctl_str(p, "sectionName");
		json_t *port = json_object_get(p, "port");
		if (strcmp(ctl_s(p, "name"), gname) != 0 || strcmp(pns ? pns : rns, gns) != 0 ||
		    (grp && strcmp(grp, GW_GROUP) != 0) || (kind && strcmp(kind, "Gateway") != 0) ||
		    (sec && strcmp(sec, ctl_s(l, "name")) != 0) ||
		    (port &&
		     json_integer_value(port) != json_integer_value(json_object_get(l, "port"))))
			continue;
		ref = true;
	}
	if (!ref)
		return false;
	bool accepted = false;
	json_t *st, *c;
	size_t j;
	json_array_foreach(ctl_at(route, "status.parents"), i, st) {
		const char *pns = ctl_str(st, "parentRef.namespace");
		if (strcmp(ctl_s(st, "parentRef.name"), gname) != 0 ||
		    strcmp(pns ? pns : rns, gns) != 0)
			continue;
		json_array_foreach(json_object_get(st, "conditions"), j, c) {
			if (!strcmp(ctl_s(c, "type"), "Accepted") &&
			    !strcmp(ctl_s(c, "status"), "True"))
				accepted = true;
		}
	}
	if (!accepted)
		return false;
	const char *from = ctl_str(l, "allowedRoutes.namespaces.from");
	if (!from || !strcmp(from, "Same"))
		return !strcmp(rns, gns);
	if (!strcmp(from, "All"))
		return true;
	if (!strcmp(from, "Selector")) {
		json_t *nso = ctl_get(api, "", "namespaces", NULL, rns);
		bool ok = ctl_selector_match(ctl_at(l, "allowedRoutes.namespaces.selector"),
					     ctl_at(nso, "metadata.labels"));
		json_decref(nso);
		return ok;
	}
	return false;
}

/* The rule of the attached routes that serves the request (borrowed from routes), and
 * its route in *route_out; NULL when none. */
static const json_t *pick_rule(struct sim_api *api, const json_t *gw, const json_t *l,
			       const json_t *routes, const struct http_req *r,
			       const json_t **route_out)
{
	const json_t *best = NULL;
	struct http_key bk = {0};
	const char *bts = NULL, *bname = NULL;
	size_t i, j, k;
	json_t *route, *rule, *m;
	json_array_foreach(routes, i, route) {
		if (!route_attached(api, route, gw, l) ||
		    !host_match(ctl_at(route, "spec.hostnames"), r->host))
			continue;
		const char *ts = ctl_s(route, "metadata.creationTimestamp");
		char *name = xasprintf("%s/%s", ctl_s(route, "metadata.namespace"),
				       ctl_s(route, "metadata.name"));
		json_array_foreach(ctl_at(route, "spec.rules"), j, rule) {
			json_t *matches = json_object_get(rule, "matches");
			json_t *dflt = json_array_size(matches) ? NULL : json_pack("[{}]");
			json_array_foreach(dflt ? dflt : matches, k, m) {
				struct http_key key;
				if (!match_fits(m, r, &key))
					continue;
				int c = best ? key_cmp(&key, &bk) : 1;
				bool older = best && c == 0 &&
					     (strcmp(ts, bts) < 0 ||
					      (!strcmp(ts, bts) && strcmp(name, bname) < 0));
				if (c > 0 || older) {
					best = rule;
					bk = key;
					bts = ts;
					free((char *)bname);
					bname = xstrdup(name);
					*route_out = route;
				}
			}
			json_decref(dflt);
		}
		free(name);
	}
	free((char *)bname);
	return best;
}

/* The backends of a rule: {svc, eps, weight, next} per backendRef (new array). */
static json_t *rule_backends(struct sim_api *api, const json_t *route, const json_t *rule)
{
	json_t *r = json_array();
	size_t i;
	json_t *b;
	json_array_foreach(json_object_get(rule, "backendRefs"), i, b) {
		const char *grp = ctl_str(b, "group"), *kind = ctl_str(b, "kind");
		const char *ns = ctl_str(b, "namespace");
		json_t *w = json_object_get(b, "weight");
		json_t *e = json_pack("{s:I}", "weight",
				      (json_int_t)(json_is_integer(w) ? json_integer_value(w) : 1));
		if ((!grp || !*grp) && (!kind || !strcmp(kind, "Service"))) {
			json_t *svc =
			    ctl_get(api, "", "services",
				    ns ? ns : ctl_s(route, "metadata.namespace"), ctl_s(b, "name"));
			if (svc) {
				bool has_port;
				json_t *port = json_object_get(b, "port");
				json_t *eps = ctl_endpoints(
				    api, svc, (long)json_integer_value(port), &has_port);
				json_object_set_new(e, "eps", eps);
				json_decref(svc);
			}
		}
		json_array_append_new(r, e);
	}
	return r;
}

/* The uniform draws that choose backends: the seeded low-discrepancy sequence
 * (controllers.gateway.split: sequence, the default), or a seeded pseudo-random one
 * (split: random, seed: N; each load pod draws its own stream), as a real data plane
 * picks; controllers.gateway.biasPoints: B moves B percentage points of traffic to the
 * first backendRef of a weighted rule (negative: away from it), a biased gateway. */
struct split_draw {
	bool random;
	uint64_t state;
	double u, bias;
};

static void split_init(struct split_draw *d, struct sim_api *api, const char *uid)
{
	const json_t *mode = ctl_setting(api, "gateway", "split");
	const json_t *seed = ctl_setting(api, "gateway", "seed");
	const json_t *bias = ctl_setting(api, "gateway", "biasPoints");
	d->random = json_is_string(mode) && !strcmp(json_string_value(mode), "random");
	d->state = ctl_hash(uid) ^ (json_is_integer(seed) ? (uint64_t)json_integer_value(seed) : 0);
	d->u = (double)(ctl_hash(uid) % 1000003) / 1000003.0;
	d->bias = json_is_number(bias) ? json_number_value(bias) / 100.0 : 0;
}

static double split_next(struct split_draw *d)
{
	if (d->random) { /* splitmix64 */
		uint64_t z = (d->state += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		d->u = (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
	} else {
		d->u = fmod(d->u + 0.6180339887498949, 1.0);
	}
	double v = d->u - d->bias;
	return v < 0 ? 0 : v >= 1 ? 0.9999999999 : v;
}

/* Picks the backend pod of request i; fills o. */
static void choose(json_t *backends, const struct http_req *r, double u, struct http_outcome *o)
{
	double total = 0;
	size_t i;
	json_t *b;
	json_array_foreach(backends, i, b) {
		long w = (long)json_integer_value(json_object_get(b, "weight"));
		total += r->honor_weights ? (w > 0 ? (double)w : 0) : 1;
	}
	if (total <= 0) {
		o->status = 500;
		return;
	}
	double at = u * total, acc = 0;
	json_t *pick = NULL;
	json_array_foreach(backends, i, b) {
		long w = (long)json_integer_value(json_object_get(b, "weight"));
		acc += r->honor_weights ? (w > 0 ? (double)w : 0) : 1;
		if (!pick && at < acc)
			pick = b;
	}
	if (!pick)
		pick = json_array_get(backends, json_array_size(backends) - 1);
	json_t *eps = json_object_get(pick, "eps");
	if (!eps) {
		o->status = 500;
		return;
	}
	size_t n = json_array_size(eps);
	if (!n) {
		o->status = 503;
		return;
	}
	json_int_t next = json_integer_value(json_object_get(pick, "next"));
	json_object_set_new(pick, "next", json_integer(next + 1));
	json_t *ep = json_array_get(eps, (size_t)next % n);
	const json_t *pod = json_object_get(ep, "pod");
	if (!ctl_pod_listens(pod, (long)json_integer_value(json_object_get(ep, "port")))) {
		o->status = 503;
		return;
	}
	o->status = 200;
	json_t *args = NULL;
	const char *probe = ctl_pod_probe(pod, &args);
	const char *name = probe && !strcmp(probe, "echo") ? ctl_arg(args, "name") : NULL;
	o->pod = name				   ? name
		 : probe && !strcmp(probe, "echo") ? ctl_s(pod, "metadata.name")
						   : "(unknown)";
	json_decref(args); /* name points into the pod's own strings */
}

struct http_ctx {
	struct sim_api *api;
	const json_t *client;
	struct ctl_target t;
	long port;
	const json_t *listener;
	json_t *backends; /* through a Gateway: of the chosen rule */
	json_t *direct;	  /* Service or pod target: the endpoints */
	const char *fixed_error;
	int fixed_status;
	char *error_buf;
};

static void outcome(struct http_ctx *c, const struct http_req *r, double u, json_int_t i,
		    struct http_outcome *o)
{
	memset(o, 0, sizeof(*o));
	if (c->fixed_error) {
		o->error = c->fixed_error;
		return;
	}
	if (c->fixed_status) {
		o->status = c->fixed_status;
		return;
	}
	if (c->backends) {
		choose(c->backends, r, u, o);
		return;
	}
	size_t n = json_array_size(c->direct);
	if (!n) {
		o->error = "Connection refused";
		return;
	}
	json_t *ep = json_array_get(c->direct, (size_t)i % n);
	const json_t *pod = json_object_get(ep, "pod");
	long port = (long)json_integer_value(json_object_get(ep, "port"));
	if (!ctl_netpol_allowed(c->api, c->client, pod, port, "TCP")) {
		o->error = "Connection timed out";
		return;
	}
	if (!ctl_pod_listens(pod, port)) {
		o->error = "Connection refused";
		return;
	}
	json_t *args = NULL;
	const char *probe = ctl_pod_probe(pod, &args);
	const char *name = probe && !strcmp(probe, "echo") ? ctl_arg(args, "name") : NULL;
	o->status = 200;
	o->pod = name				   ? name
		 : probe && !strcmp(probe, "echo") ? ctl_s(pod, "metadata.name")
						   : "(unknown)";
	json_decref(args);
}

/* Sets up c for a Gateway target. */
static void via_gateway(struct http_ctx *c, const struct http_req *r)
{
	const json_t *gw = c->t.gw;
	const char *prog = ctl_condition_status(gw, "Programmed");
	size_t i;
	json_t *l;
	json_array_foreach(ctl_at(gw, "spec.listeners"), i, l) {
		if (!c->listener && json_integer_value(json_object_get(l, "port")) == c->port)
			c->listener = l;
	}
	if (!prog || strcmp(prog, "True") != 0 || !c->listener) {
		c->error_buf = xasprintf("Failed to connect to %s port %ld after 0 ms: Couldn't "
					 "connect to server",
					 c->t.addr, c->port);
		c->fixed_error = c->error_buf;
		return;
	}
	json_t *routes = ctl_list(c->api, GW_GROUP, "httproutes", NULL);
	const json_t *route = NULL;
	const json_t *rule = pick_rule(c->api, gw, c->listener, routes, r, &route);
	if (!rule)
		c->fixed_status = 404;
	else
		c->backends = rule_backends(c->api, route, rule);
	json_decref(routes);
}

static json_t *latency(long answered)
{
	json_t *j = json_object();
	if (answered > 0) {
		json_object_set_new(j, "p50", json_real(2.1));
		json_object_set_new(j, "p90", json_real(3.4));
		json_object_set_new(j, "p99", json_real(5.8));
		json_object_set_new(j, "max", json_real(7.2));
		json_object_set_new(j, "mean", json_real(2.4));
	}
	return j;
}

static void count(json_t *obj, const char *key)
{
	json_t *c = json_object_get(obj, key);
	json_object_set_new(obj, key, json_integer(c ? json_integer_value(c) + 1 : 1));
}

static json_t *req_headers(const json_t *args, const char **host_hdr)
{
	json_t *h = json_object();
	json_t *all = ctl_arg_all(args, "header");
	size_t i;
	json_t *v;
	json_array_foreach(all, i, v) {
		const char *kv = json_string_value(v);
		const char *colon = strchr(kv, ':');
		if (!colon || colon == kv)
			continue;
		char *name = xstrndup(kv, (size_t)(colon - kv));
		for (char *p = name; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		const char *val = colon + 1;
		while (*val == ' ')
			val++;
		json_object_set_new(h, name, json_string(val));
		free(name);
	}
	json_decref(all);
	*host_hdr = json_string_value(json_object_get(h, "host"));
	return h;
}

/* Seconds of a probe duration ("30s", "300ms", "1m"), or -1. */
static double duration_s(const char *v)
{
	char *end = NULL;
	double x = v ? strtod(v, &end) : -1;
	if (!v || end == v || x < 0)
		return -1;
	if (!strcmp(end, "ms"))
		return x / 1000;
	if (!strcmp(end, "s") || !*end)
		return x;
	if (!strcmp(end, "m"))
		return x * 60;
	return -1;
}

/* The warm-up of --settle with --expect-backend: its report, or NULL without one;
 * *unsettled counts down the gateway's 503 answers, *sent the requests made. */
static json_t *warm_up(struct http_ctx *c, const struct http_req *r, struct split_draw *d,
		       const json_t *args, long *unsettled, long *sent)
{
	double secs = duration_s(ctl_arg(args, "settle"));
	json_t *expect = ctl_arg_all(args, "expect-backend");
	if (secs <= 0 || !json_array_size(expect)) {
		json_decref(expect);
		return NULL;
	}
	json_t *missing = json_deep_copy(expect);
	long cap = (long)(secs * 10) > 0 ? (long)(secs * 10) : 1, n = 0;
	while (n < cap && json_array_size(missing)) {
		struct http_outcome o;
		outcome(c, r, split_next(d), n, &o);
		n++;
		if (*unsettled > 0) {
			(*unsettled)--;
			continue;
		}
		if (o.status < 200 || o.status >= 300 || !o.pod)
			continue;
		size_t i;
		json_t *v;
		json_array_foreach(missing, i, v) {
			if (!strcmp(json_string_value(v), o.pod)) {
				json_array_remove(missing, i);
				break;
			}
		}
	}
	*sent = n;
	json_decref(expect);
	return json_pack("{s:I, s:I, s:b, s:o}", "requests", (json_int_t)n, "elapsed_ms",
			 (json_int_t)n * 10, "complete", json_array_size(missing) == 0, "missing",
			 missing);
}

int ctl_probe_http_load(struct sim_api *api, const json_t *pod, const json_t *args, json_t *res)
{
	const char *url = ctl_arg(args, "url"), *req_s = ctl_arg(args, "requests");
	const char *conc_s = ctl_arg(args, "concurrency");
	char *end = NULL;
	long n = req_s ? strtol(req_s, &end, 10) : 100;
	long conc = conc_s ? strtol(conc_s, NULL, 10) : 4;
	struct http_ctx c = {.api = api, .client = pod};
	char *host = NULL;
	const char *path = NULL;
	if (!url || ctl_url_split(url, &host, &c.port, &path) < 0 || n < 1 ||
	    n > HTTP_MAX_MODELLED || (end && *end) || conc < 1 || conc > 256) {
		free(host);
		json_object_set_new(res, "error",
				    json_string("usage: --url http://HOST[:PORT]/PATH needed"));
		return 2;
	}
	const char *host_hdr = NULL;
	char *p = xstrndup(path, strcspn(path, "?#"));
	const char *q = strchr(path, '?');
	struct http_req r = {
	    .path = p,
	    .query = q ? q + 1 : NULL,
	    .headers = req_headers(args, &host_hdr),
	    .honor_headers = ctl_setting_bool(api, "gateway", "honorHeaders", true),
	    .honor_weights = ctl_setting_bool(api, "gateway", "honorWeights", true)};
	r.host = host_hdr ? host_hdr : host;
	if (ctl_resolve(api, ctl_s(pod, "metadata.namespace"), host, &c.t) < 0) {
		c.error_buf = xasprintf("Could not resolve host: %s", host);
		c.fixed_error = c.error_buf;
	} else if (c.t.gw) {
		via_gateway(&c, &r);
	} else if (c.t.svc) {
		bool has_port;
		c.direct = ctl_endpoints(api, c.t.svc, c.port, &has_port);
	} else {
		c.direct = json_pack("[{s:O, s:I}]", "pod", c.t.pod, "port", (json_int_t)c.port);
		if (!ctl_pod_answers(c.t.pod))
			json_array_clear(c.direct);
	}
	json_t *backends = json_object(), *codes = json_object(), *samples = json_array();
	long answered = 0;
	struct split_draw d;
	split_init(&d, api, ctl_s(pod, "metadata.uid"));
	const json_t *unset = ctl_setting(api, "gateway", "settleRequests");
	long unsettled = c.t.gw && json_is_integer(unset) ? (long)json_integer_value(unset) : 0;
	long sent = 0;
	json_t *settle = warm_up(&c, &r, &d, args, &unsettled, &sent);
	for (long i = 0; i < n; i++) {
		struct http_outcome o;
		outcome(&c, &r, split_next(&d), sent + i, &o);
		if (unsettled > 0) {
			unsettled--;
			o = (struct http_outcome){.status = 503};
		}
		char code[16], *err = NULL;
		if (o.status) {
			snprintf(code, sizeof(code), "%d", o.status);
			count(codes, code);
		}
		if (o.status >= 200 && o.status < 300) {
			answered++;
			count(backends, o.pod);
			continue;
		}
		err = o.error ? xstrdup(o.error) : xasprintf("HTTP status %d", o.status);
		bool seen = false;
		for (size_t k = 0; k < json_array_size(samples); k++)
			seen = seen || !strcmp(json_string_value(json_array_get(samples, k)), err);
		if (!seen && json_array_size(samples) < HTTP_MAX_SAMPLES)
			json_array_append_new(samples, json_string(err));
		free(err);
	}
	json_object_set_new(res, "url", json_string(url));
	json_object_set_new(res, "requests", json_integer(n));
	json_object_set_new(res, "concurrency", json_integer(conc));
	json_object_set_new(res, "answered", json_integer(answered));
	json_object_set_new(res, "errors", json_integer(n - answered));
	json_object_set_new(res, "backends", backends);
	json_object_set_new(res, "status_codes", codes);
	json_object_set_new(res, "latency_ms", latency(answered));
	json_object_set_new(res, "error_samples", samples);
	json_object_set_new(res, "elapsed_ms", json_integer((json_int_t)n * 24 / 10 / conc + 1));
	if (settle)
		json_object_set_new(res, "settle", settle);
	json_decref(c.backends);
	json_decref(c.direct);
	free(c.error_buf);
	ctl_target_release(&c.t);
	json_decref(r.headers);
	free(p);
	free(host);
	return answered == n ? 0 : 1;
}
