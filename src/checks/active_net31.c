/* active_net31.c: the active test of NET-3.1 (Gateway API for inference traffic): two
 * echo backends behind a Gateway of an accepted GatewayClass, an HTTPRoute splitting
 * 80/20 by weight with a header rule (x-model-variant: b -> backend b); `kaic probe
 * http-load` pods measure the split and the header routing (all to b).
 *
 * The split is judged as a binomial sample: a correct gateway that picks backend a with
 * probability p = 0.8 per request sends X ~ Binomial(n, p) of n answered requests to a.
 * The test accepts X in the equal-tailed band [lo, hi] with P(X < lo) + P(X > hi) <=
 * NET31_ALPHA = 1e-6, computed exactly from the binomial distribution at the observed n:
 * a correct random-weighted gateway fails at most once in a million runs. The weighted
 * load sends at least NET31_MIN_REQUESTS = 2000 requests, so that a gateway 10 points
 * off is always caught: at n = 2000 the band is 1510-1685 (0.755-0.843, about 4.9
 * standard deviations of sqrt(0.8 * 0.2 / 2000) = 0.0089 each side); a gateway sending
 * 70% to a (sd sqrt(0.7 * 0.3 / 2000) = 0.0102) reaches 0.755 only 5.4 sd above its mean
 * (probability 3e-8), one sending 90% (sd 0.0067) reaches 0.843 only 8.5 sd below it.
 * With 400 requests, the old fixed +-0.05 band failed a correct random gateway 1.2% of
 * the time. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/known.h"
#include "checks/util.h"
#include "util/xmalloc.h"

#define GW_API "gateway.networking.k8s.io/v1"
#define WEIGHT_A 80
#define WEIGHT_B 20
#define NET31_ALPHA 1e-6 /* false-failure probability of a correct gateway, per run */
#define NET31_MIN_REQUESTS ACTIVE_NET31_MIN_REQUESTS /* see above */
#define CI_Z 1.959964				     /* the evidence's 95% confidence interval */
#define HEADER_NAME "x-model-variant"
#define HEADER_VALUE "b"
#define HEADER_REQUESTS_MAX 100
/* The load pods' warm-up (`kaic probe http-load --settle`): until the backends they
 * expect answered once, at most this long. A gateway applies the route and its endpoints
 * a few seconds after it reports the Gateway programmed (the lab's Traefik answered 503
 * for backend b for about 4 s, which a measurement started at once counted as errors
 * and as a wrong split). */
#define SETTLE "30s"

static long header_requests(const struct active_params *p)
{
	return p->requests < HEADER_REQUESTS_MAX ? p->requests : HEADER_REQUESTS_MAX;
}

static json_t *echo(const struct active_params *p, const char *name)
{
	return active_build_pod(p, name, "echo", json_pack("[s,s]", "--port", "8080"), false);
}

static json_t *gateway(const struct active_params *p)
{
	json_t *gw = active_build_object(p, GW_API, "Gateway", "gw", true);
	json_object_set_new(gw, "spec",
			    json_pack("{s:s, s:[{s:s, s:s, s:i, s:{s:{s:s}}}]}", "gatewayClassName",
				      p->gateway_class, "listeners", "name", "http", "protocol",
				      "HTTP", "port", 80, "allowedRoutes", "namespaces", "from",
				      "Same"));
	return gw;
}

static json_t *route(const struct active_params *p)
{
	json_t *r = active_build_object(p, GW_API, "HTTPRoute", "gw-route", true);
	json_t *header_rule =
	    json_pack("{s:[{s:[{s:s, s:s, s:s}]}], s:[{s:s, s:i}]}", "matches", "headers", "type",
		      "Exact", "name", HEADER_NAME, "value", HEADER_VALUE, "backendRefs", "name",
		      "gw-echo-b", "port", 80);
	json_t *split_rule = json_pack("{s:[{s:s, s:i, s:i}, {s:s, s:i, s:i}]}", "backendRefs",
				       "name", "gw-echo-a", "port", 80, "weight", WEIGHT_A, "name",
				       "gw-echo-b", "port", 80, "weight", WEIGHT_B);
	json_object_set_new(r, "spec",
			    json_pack("{s:[{s:s}], s:[o,o]}", "parentRefs", "name", "gw", "rules",
				      header_rule, split_rule));
	return r;
}

/* "http://ADDR/" with IPv6 addresses in brackets. */
static char *gateway_url(const char *addr)
{
	return strchr(addr, ':') ? xasprintf("http://[%s]/", addr) : xasprintf("http://%s/", addr);
}

static json_t *load(const struct active_params *p, const char *name, long n, bool header)
{
	char *url = gateway_url(p->gateway_address);
	char count[32];
	snprintf(count, sizeof count, "%ld", n);
	json_t *args = json_pack("[s,s,s,s,s,s,s,s]", "--url", url, "--requests", count,
				 "--timeout", "5s", "--concurrency", "4");
	json_array_append_new(args, json_string("--settle"));
	json_array_append_new(args, json_string(SETTLE));
	if (!header) {
		json_array_append_new(args, json_string("--expect-backend"));
		json_array_append_new(args, json_string("gw-echo-a"));
	}
	json_array_append_new(args, json_string("--expect-backend"));
	json_array_append_new(args, json_string("gw-echo-b"));
	if (header) {
		json_array_append_new(args, json_string("--header"));
		json_array_append_new(args, json_string(HEADER_NAME ":" HEADER_VALUE));
	}
	free(url);
	return active_build_pod(p, name, "http-load", args, true);
}

static long split_requests(const struct active_params *p)
{
	return p->requests > NET31_MIN_REQUESTS ? p->requests : NET31_MIN_REQUESTS;
}

json_t *active_net31_objects(const struct active_params *p)
{
	return json_pack("[o,o,o,o,o,o,o,o]", echo(p, "gw-echo-a"), echo(p, "gw-echo-b"),
			 active_build_service(p, "gw-echo-a", "gw-echo-a", 80, 8080),
			 active_build_service(p, "gw-echo-b", "gw-echo-b", 80, 8080), gateway(p),
			 route(p), load(p, "gw-load-split", split_requests(p), false),
			 load(p, "gw-load-header", header_requests(p), true));
}

/* The first accepted GatewayClass (borrowed name), or NULL (also when GatewayClasses
 * cannot be listed: evidence, *errors incremented). */
static const char *pick_class(struct check_ctx *ctx, struct check_result *res, int *errors)
{
	size_t i;
	const json_t *gc;
	json_array_foreach(
	    cutil_list(ctx->inv, known_gateway_group, "v1", "gatewayclasses", res, errors), i, gc)
		if (cutil_condition_true(gc, "Accepted"))
			return cutil_name(gc);
	return NULL;
}

static enum active_wait_answer gateway_pred(const json_t *gw, void *arg)
{
	(void)arg;
	if (gw == NULL)
		return ACTIVE_WAIT_MORE;
	const char *acc = cutil_condition(gw, "Accepted");
	if (acc != NULL && strcmp(acc, "False") == 0)
		return ACTIVE_WAIT_DONE;
	if (cutil_condition_true(gw, "Programmed") &&
	    cutil_str(json_array_get(cutil_get(gw, "status.addresses"), 0), "value") != NULL)
		return ACTIVE_WAIT_DONE;
	return ACTIVE_WAIT_MORE;
}

/* The reason and message of condition type, for evidence ("" when absent). */
static char *condition_text(const json_t *obj, const char *type)
{
	size_t i;
	const json_t *c;
	json_array_foreach(cutil_get(obj, "status.conditions"), i, c) {
		const char *t = cutil_str(c, "type");
		if (t && strcmp(t, type) == 0)
			return xasprintf("%s=%s (%s: %s)", type, cutil_str(c, "status"),
					 cutil_str(c, "reason") ? cutil_str(c, "reason") : "-",
					 cutil_str(c, "message") ? cutil_str(c, "message") : "");
	}
	return xasprintf("%s unset", type);
}

/* Waits for the Gateway; returns its address (caller frees) or NULL after deciding. */
static char *wait_gateway(struct check_ctx *ctx, struct check_result *res)
{
	char *path = xasprintf("/apis/" GW_API "/namespaces/%s/gateways", ctx->ns);
	json_t *gw = NULL;
	struct kube_error err = {0};
	int rc = active_wait(ctx->act, path, "gw", gateway_pred, NULL, ctx->deadline_ms,
			     ctx->cancel, &gw, &err);
	free(path);
	const char *addr = cutil_str(json_array_get(cutil_get(gw, "status.addresses"), 0), "value");
	char *out = NULL;
	if (rc == 0 && cutil_condition_true(gw, "Programmed") && addr != NULL) {
		out = xstrdup(addr);
		check_evidence(res, "Gateway gw programmed at %s", addr);
	} else if (rc == 0 || (strcmp(err.reason, "Timeout") == 0 && gw != NULL &&
			       cutil_get(gw, "status.conditions") != NULL)) {
		char *acc = condition_text(gw, "Accepted"),
		     *prog = condition_text(gw, "Programmed");
		check_evidence(res,
			       "Gateway gw on an accepted class was not programmed: %s, "
			       "%s",
			       acc, prog);
		free(acc);
		free(prog);
		active_run_events(ctx, res);
		active_run_decide(res, VERDICT_PARTIAL,
				  "the Gateway API implementation did not program a Gateway: "
				  "check its controller");
	} else {
		active_run_error(ctx, res, "Gateway gw", &err);
	}
	json_decref(gw);
	return out;
}

static long count_of(const json_t *out, const char *backend)
{
	return (long)json_integer_value(json_object_get(json_object_get(out, "backends"), backend));
}

/* Runs both load pods; 0 with their outputs, -1 after deciding. */
static int run_loads(struct check_ctx *ctx, struct check_result *res, const json_t *objs,
		     struct active_probe_result *split, struct active_probe_result *hdr)
{
	if (active_run_create(ctx, res, active_build_find(objs, "Pod", "gw-load-header"), NULL) !=
	    0)
		return -1;
	if (active_run_probe(ctx, res, active_build_find(objs, "Pod", "gw-load-split"), split) != 0)
		return -1;
	struct kube_error err = {0};
	memset(hdr, 0, sizeof(*hdr));
	if (active_run_wait_pod(ctx, "gw-load-header", ACTIVE_POD_DONE, ctx->deadline_ms, &hdr->pod,
				&err) != 0) {
		active_run_error(ctx, res, "pod gw-load-header", &err);
		return -1;
	}
	const char *msg = active_termination_message(hdr->pod);
	hdr->out = msg ? json_loads(msg, JSON_DISABLE_EOF_CHECK, NULL) : NULL;
	if (hdr->out == NULL) {
		char *log = active_pod_log(ctx->act, ctx->ns, "gw-load-header", &err);
		hdr->out = log ? json_loads(log, JSON_DISABLE_EOF_CHECK, NULL) : NULL;
		free(log);
	}
	if (split->out == NULL || hdr->out == NULL) {
		check_evidence(res, "the http-load pods wrote no readable result");
		active_run_events(ctx, res);
		active_run_decide(res, VERDICT_ERROR, "check the test pods' logs");
		return -1;
	}
	return 0;
}

/* The warm-up's outcome, for evidence (nothing when the probe made none). */
static void settle_evidence(struct check_result *res, const json_t *out, const char *what)
{
	const json_t *st = json_object_get(out, "settle");
	if (st == NULL)
		return;
	long n = (long)json_integer_value(json_object_get(st, "requests"));
	double s = (double)json_integer_value(json_object_get(st, "elapsed_ms")) / 1000.0;
	if (json_is_true(json_object_get(st, "complete")))
		check_evidence(res,
			       "%s: every expected backend answered after %ld warm-up "
			       "request(s) in %.1f s (not counted)",
			       what, n, s);
	else
		check_evidence(
		    res,
		    "%s: warm-up of %ld request(s) in %.1f s: not every expected "
		    "backend answered (%s missing); measured anyway",
		    what, n, s,
		    json_string_value(json_array_get(json_object_get(st, "missing"), 0)));
}

static void first_error(struct check_result *res, const json_t *out, const char *what)
{
	const char *e = json_string_value(json_array_get(json_object_get(out, "error_samples"), 0));
	if (e != NULL)
		check_evidence(res, "%s: first error: %s", what, e);
}

/* log P(X = k) for X ~ Binomial(n, p), 0 < p < 1. */
static double log_pmf(long n, long k, double p)
{
	return lgamma((double)n + 1) - lgamma((double)k + 1) - lgamma((double)(n - k) + 1) +
	       (double)k * log(p) + (double)(n - k) * log1p(-p);
}

void active_net31_band(long n, double p, double alpha, long *lo, long *hi)
{
	*lo = 0;
	*hi = n;
	if (n <= 0 || p <= 0 || p >= 1)
		return;
	double tail = 0; /* P(X < k) while lo climbs */
	for (long k = 0; k <= n; k++) {
		double pk = exp(log_pmf(n, k, p));
		if (tail + pk > alpha / 2)
			break;
		tail += pk;
		*lo = k + 1;
	}
	tail = 0; /* P(X > k) while hi descends */
	for (long k = n; k >= 0; k--) {
		double pk = exp(log_pmf(n, k, p));
		if (tail + pk > alpha / 2)
			break;
		tail += pk;
		*hi = k - 1;
	}
}

bool active_net31_split_ok(long n, long a, double p)
{
	long lo, hi;
	active_net31_band(n, p, NET31_ALPHA, &lo, &hi);
	return n > 0 && a >= lo && a <= hi;
}

/* The Wilson score interval of a/n at CI_Z. */
static void wilson(long n, long a, double *ci_lo, double *ci_hi)
{
	double f = (double)a / (double)n, z2 = CI_Z * CI_Z, dn = (double)n;
	double mid = (f + z2 / (2 * dn)) / (1 + z2 / dn);
	double half = CI_Z * sqrt(f * (1 - f) / dn + z2 / (4 * dn * dn)) / (1 + z2 / dn);
	*ci_lo = mid - half < 0 ? 0 : mid - half;
	*ci_hi = mid + half > 1 ? 1 : mid + half;
}

/* Judges the split: evidence with the observed shares, their confidence interval and the
 * acceptance band; true when a's count lies in the band. */
static bool judge_split(struct check_result *res, long n, long answered, long a, long b)
{
	double want_a = (double)WEIGHT_A / (WEIGHT_A + WEIGHT_B);
	long lo = 0, hi = 0;
	double ci_lo = 0, ci_hi = 0, fa = 0;
	if (answered > 0) {
		active_net31_band(answered, want_a, NET31_ALPHA, &lo, &hi);
		wilson(answered, a, &ci_lo, &ci_hi);
		fa = (double)a / (double)answered;
	}
	bool ok = answered > 0 && a + b == answered && active_net31_split_ok(answered, a, want_a);
	check_evidence(res,
		       "measured split: a: %ld/%ld (%.3f, 95%% CI %.3f-%.3f), b: %ld/%ld "
		       "(%.3f); weights %d/%d; %ld of %ld requests answered",
		       a, answered, fa, ci_lo, ci_hi, b, answered,
		       answered ? (double)b / (double)answered : 0, WEIGHT_A, WEIGHT_B, answered,
		       n);
	if (answered > 0)
		check_evidence(res,
			       "split %s: a correct gateway sends %ld-%ld of %ld to a (%.3f-%.3f; "
			       "binomial, false-failure probability at most %g per run)",
			       ok ? "within the band" : "outside the band", lo, hi, answered,
			       (double)lo / (double)answered, (double)hi / (double)answered,
			       NET31_ALPHA);
	if (answered > 0 && a + b != answered)
		check_evidence(res, "%ld answers came from neither backend", answered - a - b);
	return ok;
}

/* Judges the measurements. */
static void judge(struct check_ctx *ctx, struct check_result *res, const json_t *split,
		  const json_t *hdr)
{
	long n = (long)json_integer_value(json_object_get(split, "requests"));
	long answered = (long)json_integer_value(json_object_get(split, "answered"));
	long a = count_of(split, "gw-echo-a"), b = count_of(split, "gw-echo-b");
	long hn = (long)json_integer_value(json_object_get(hdr, "requests"));
	long hb = count_of(hdr, "gw-echo-b");
	settle_evidence(res, split, "weighted load");
	settle_evidence(res, hdr, "header load");
	bool split_ok = judge_split(res, n, answered, a, b);
	bool header_ok = hn > 0 && hb == hn;
	check_evidence(res, "header rule (%s: %s): %ld/%ld to b", HEADER_NAME, HEADER_VALUE, hb,
		       hn);
	if (answered < n)
		first_error(res, split, "weighted load");
	if (hb < hn)
		first_error(res, hdr, "header load");
	if (split_ok && header_ok) {
		active_run_decide(res, VERDICT_FULL, NULL);
		return;
	}
	active_run_events(ctx, res);
	if (answered == 0)
		active_run_decide(res, VERDICT_NO,
				  "no request reached a backend through the programmed Gateway: "
				  "check the Gateway implementation's data plane");
	else if (!split_ok)
		active_run_decide(res, VERDICT_NO,
				  "the Gateway does not honour HTTPRoute backendRef weights");
	else
		active_run_decide(res, VERDICT_NO,
				  "the Gateway does not route by HTTPRoute header matches");
}

void active_net31_run(struct check_ctx *ctx, struct check_result *res)
{
	if (!inventory_served(ctx->inv, known_gateway_group, "v1", "gateways") ||
	    !inventory_served(ctx->inv, known_gateway_group, "v1", "httproutes")) {
		active_run_not_run(res, GW_API " Gateway/HTTPRoute are not served", NULL);
		return;
	}
	int errors = 0;
	const char *cls = pick_class(ctx, res, &errors);
	if (errors > 0) {
		active_run_read_failed(res, errors);
		return;
	}
	if (cls == NULL) {
		active_run_not_run(res, "no accepted GatewayClass",
				   "install a Gateway API implementation whose controller accepts "
				   "a GatewayClass (Accepted=True)");
		return;
	}
	struct active_params p;
	active_run_params(ctx, &p);
	p.gateway_class = cls;
	json_t *objs = active_net31_objects(&p);
	static const char *const first[] = {"gw-echo-a", "gw-echo-b", "gw", "gw-route", NULL};
	struct active_probe_result split = {0}, hdr = {0};
	char *addr = NULL;
	struct kube_error err = {0};
	if (active_run_create_all(ctx, res, objs, first) != 0)
		goto out;
	res->mode = MODE_ACTIVE;
	check_evidence(res,
		       "Gateway on GatewayClass %s, HTTPRoute weights %d/%d and rule %s: %s "
		       "-> b",
		       cls, WEIGHT_A, WEIGHT_B, HEADER_NAME, HEADER_VALUE);
	static const char *const echoes[] = {"gw-echo-a", "gw-echo-b"};
	for (size_t i = 0; i < 2; i++) {
		json_t *pod = NULL;
		int rc = active_run_wait_pod(ctx, echoes[i], ACTIVE_POD_READY, ctx->deadline_ms,
					     &pod, &err);
		json_decref(pod);
		if (rc != 0) {
			char *what = xasprintf("echo backend %s", echoes[i]);
			active_run_error(ctx, res, what, &err);
			free(what);
			goto out;
		}
	}
	addr = wait_gateway(ctx, res);
	if (addr == NULL)
		goto out;
	/* the load pods need the address: rebuild them with it */
	p.gateway_address = addr;
	json_decref(objs);
	objs = active_net31_objects(&p);
	if (run_loads(ctx, res, objs, &split, &hdr) == 0)
		judge(ctx, res, split.out, hdr.out);
out:
	active_probe_result_release(&split);
	active_probe_result_release(&hdr);
	free(addr);
	json_decref(objs);
}
