/* active_run.c: what the active tests share at run time: creating their objects through
 * the framework, waiting for pods, running one-shot probes and reading their JSON, and
 * turning failures into Error verdicts with the run namespace's Events as evidence. */
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "checks/util.h"
#include "util/xmalloc.h"
#include "util/clock.h"

#define EVENTS_MAX 5

const struct active_test active_tests[] = {
    {"HW-1.1", "dra", active_hw11_objects, active_hw11_run},
    {"HW-1.2", "gpu-metrics", active_hw12_objects, active_hw12_run},
    {"HW-1.3", "fault", active_hw13_objects, active_hw13_run},
    {"WL-2.1", "tool", active_wl21_objects, active_wl21_run},
    {"WL-2.2", "jobset", active_wl22_objects, active_wl22_run},
    {"WL-2.3", "queue", active_wl23_objects, active_wl23_run},
    {"WL-2.4", "topo", active_wl24_objects, active_wl24_run},
    {"NET-3.1", "gw", active_net31_objects, active_net31_run},
    {"NET-3.2", "nic", active_net32_objects, active_net32_run},
    {"STO-4.1", "csi", active_sto41_objects, active_sto41_run},
    {"STO-4.2", "gds", active_sto42_objects, active_sto42_run},
    {"SEC-5.1", "np", active_sec51_objects, active_sec51_run},
    {"SEC-5.2", "svid", active_sec52_objects, active_sec52_run},
    {"SEC-5.3", "sandbox", active_sec53_objects, active_sec53_run},
    {"SEC-5.4", "tee", active_sec54_objects, active_sec54_run},
    {"SEC-5.5", "sig", active_sec55_objects, active_sec55_run},
    {"OBS-6.1", "metrics", active_obs61_objects, active_obs61_run},
    {"OBS-6.2", "trace", active_obs62_objects, active_obs62_run},
    {"cluster_autoscaling", "ca", active_ca_objects, active_ca_run},
    {"pod_autoscaling", "hpa", active_hpa_objects, active_hpa_run},
    {"secure_accelerator_access", "saa", active_saa_objects, active_saa_run},
    {"workload_sandboxing", "sandbox", active_sandbox_objects, active_sandbox_run},
    {"robust_controller", "lws", active_lws_objects, active_lws_run},
    {NULL, NULL, NULL, NULL},
};

void active_run_params(const struct check_ctx *ctx, struct active_params *p)
{
	const char *image = ctx->opts && ctx->opts->image ? ctx->opts->image : "kaic";
	active_params_init(p, ctx->run_id, ctx->ns, image,
			   ctx->opts ? ctx->opts->load_requests : 0);
}

long long active_run_deadline(const struct check_ctx *ctx, long ms)
{
	long long d = now_ms() + ms;
	return ctx->deadline_ms > 0 && ctx->deadline_ms < d ? ctx->deadline_ms : d;
}

/* Whether res already has the evidence line "event: EV". */
static bool has_event(const struct check_result *res, const char *ev)
{
	for (size_t i = 0; i < res->nevidence; i++)
		if (strncmp(res->evidence[i], "event: ", 7) == 0 &&
		    strcmp(res->evidence[i] + 7, ev) == 0)
			return true;
	return false;
}

void active_run_events(struct check_ctx *ctx, struct check_result *res)
{
	if (ctx->act == NULL || ctx->ns == NULL)
		return;
	const char *tag = NULL;
	for (const struct active_test *t = active_tests; t->id != NULL && ctx->id != NULL; t++)
		if (strcmp(t->id, ctx->id) == 0)
			tag = t->tag;
	char **ev = active_events(ctx->act, ctx->ns, tag, EVENTS_MAX);
	for (size_t i = 0; ev != NULL && ev[i] != NULL; i++) {
		if (!has_event(res, ev[i])) /* a second call (an error after a wait) */
			check_evidence(res, "event: %s", ev[i]);
		free(ev[i]);
	}
	free(ev);
}

/* Drops the passive part's "not exercised" lines: the active test now decides. */
static void drop_not_exercised(struct check_result *res)
{
	size_t k = 0;
	for (size_t i = 0; i < res->nevidence; i++) {
		if (strncmp(res->evidence[i], "not exercised", 13) == 0)
			free(res->evidence[i]);
		else
			res->evidence[k++] = res->evidence[i];
	}
	res->nevidence = k;
}

void active_run_decide(struct check_result *res, enum verdict v, const char *hint)
{
	drop_not_exercised(res);
	res->mode = MODE_ACTIVE;
	check_verdict(res, v, hint ? "%s" : NULL, hint);
}

void active_run_error(struct check_ctx *ctx, struct check_result *res, const char *what,
		      const struct kube_error *err)
{
	if (strcmp(err->reason, "Timeout") == 0) {
		long s = ctx->opts && ctx->opts->timeout_s > 0 ? ctx->opts->timeout_s : 0;
		check_evidence(res, "%s: timed out (--timeout %lds)", what, s);
	} else if (strcmp(err->reason, "Cancelled") == 0) {
		check_evidence(res, "%s: stopped: the run was interrupted", what);
	} else {
		check_evidence(res, "%s: %s%s%s", what, err->reason, *err->reason ? ": " : "",
			       err->message);
	}
	active_run_events(ctx, res);
	drop_not_exercised(res);
	res->mode = MODE_ACTIVE;
	check_verdict(res, VERDICT_ERROR,
		      strcmp(err->reason, "Timeout") == 0
			  ? "the active test did not finish in time: see the evidence, or run "
			    "again with a longer --timeout"
			  : "kaic could not complete the active test: see the evidence");
}

void active_run_not_run(struct check_result *res, const char *why, const char *hint)
{
	drop_not_exercised(res);
	check_evidence(res, "active test not run: %s", why);
	bool asked = res->remediation != NULL && strstr(res->remediation, "active test") != NULL;
	if (res->verdict == VERDICT_FULL)
		check_verdict(res, VERDICT_PARTIAL, "%s", hint ? hint : why);
	else if (hint != NULL && (res->remediation == NULL || asked))
		check_verdict(res, res->verdict, "%s", hint);
}

void active_run_read_failed(struct check_result *res, int errors)
{
	drop_not_exercised(res);
	check_evidence(res, "active test not run: a read it needs failed");
	cutil_read_error(res, errors);
}

int active_run_create(struct check_ctx *ctx, struct check_result *res, const json_t *obj,
		      json_t **out)
{
	struct kube_error err = {0};
	json_t *copy = json_deep_copy(obj);
	char *path = active_build_path(copy);
	const char *kind = json_string_value(json_object_get(copy, "kind"));
	char *what = xasprintf("cannot create %s %s", kind ? kind : "object", cutil_name(copy));
	int rc = -1;
	if (path == NULL)
		kube_error_set(&err, 0, "Invalid", "no path for this kind");
	else if (ctx->act == NULL)
		kube_error_set(&err, 0, "NoClient", "no active-test framework");
	else
		rc = active_create(ctx->act, path, copy, out, &err);
	if (rc != 0)
		active_run_error(ctx, res, what, &err);
	free(what);
	free(path);
	json_decref(copy);
	return rc;
}

int active_run_create_all(struct check_ctx *ctx, struct check_result *res, const json_t *objs,
			  const char *const *names)
{
	size_t i;
	json_t *o;
	json_array_foreach(objs, i, o) {
		bool want = names == NULL;
		for (size_t k = 0; names != NULL && names[k] != NULL; k++)
			want |= strcmp(names[k], cutil_name(o)) == 0;
		if (want && active_run_create(ctx, res, o, NULL) != 0)
			return -1;
	}
	return 0;
}

const char *active_run_phase(const json_t *pod)
{
	const char *p = cutil_str(pod, "status.phase");
	return p ? p : "";
}

/* Why the pod's container cannot start (image pull, config errors), or NULL. */
static const char *cannot_start(const json_t *pod)
{
	static const char *const bad[] = {"ErrImagePull",	  "ImagePullBackOff",
					  "InvalidImageName",	  "CreateContainerConfigError",
					  "CreateContainerError", NULL};
	const json_t *cs = json_array_get(cutil_get(pod, "status.containerStatuses"), 0);
	const char *reason = cutil_str(cs, "state.waiting.reason");
	for (size_t i = 0; reason != NULL && bad[i] != NULL; i++)
		if (strcmp(reason, bad[i]) == 0) {
			const char *m = cutil_str(cs, "state.waiting.message");
			return m ? m : reason;
		}
	return NULL;
}

const char *active_run_unschedulable(const json_t *pod)
{
	size_t i;
	const json_t *c;
	json_array_foreach(cutil_get(pod, "status.conditions"), i, c) {
		const char *t = cutil_str(c, "type"), *s = cutil_str(c, "status");
		if (t && s && strcmp(t, "PodScheduled") == 0 && strcmp(s, "False") == 0) {
			const char *m = cutil_str(c, "message");
			return m ? m : "Unschedulable";
		}
	}
	return NULL;
}

const char *active_run_pod_stuck(const json_t *pod)
{
	const char *s = cannot_start(pod);
	return s ? s : active_run_unschedulable(pod);
}

static bool image_problem(const json_t *pod)
{
	return cannot_start(pod) != NULL;
}

static enum active_wait_answer pod_pred(const json_t *pod, void *arg)
{
	enum active_pod_want want = *(enum active_pod_want *)arg;
	if (pod == NULL)
		return ACTIVE_WAIT_MORE;
	const char *phase = active_run_phase(pod);
	if (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0)
		return ACTIVE_WAIT_DONE;
	if (image_problem(pod))
		return ACTIVE_WAIT_DONE;
	if (want == ACTIVE_POD_READY && strcmp(phase, "Running") == 0 &&
	    cutil_condition_true(pod, "Ready"))
		return ACTIVE_WAIT_DONE;
	return ACTIVE_WAIT_MORE;
}

int active_run_wait_pod(struct check_ctx *ctx, const char *name, enum active_pod_want want,
			long long deadline_ms, json_t **pod, struct kube_error *err)
{
	char *path = xasprintf("/api/v1/namespaces/%s/pods", ctx->ns);
	int rc =
	    active_wait(ctx->act, path, name, pod_pred, &want, deadline_ms, ctx->cancel, pod, err);
	free(path);
	if (rc == 0 && image_problem(*pod)) {
		kube_error_set(err, 0, "CannotStart", "pod \"%s\" cannot start: %s", name,
			       cannot_start(*pod));
		return -1;
	}
	return rc;
}

void active_probe_result_release(struct active_probe_result *r)
{
	json_decref(r->out);
	json_decref(r->pod);
	memset(r, 0, sizeof(*r));
}

/* The first line of text that parses as a JSON object, or NULL. */
static json_t *parse_output(const char *text)
{
	if (text == NULL)
		return NULL;
	json_t *j = json_loads(text, JSON_DISABLE_EOF_CHECK, NULL);
	if (json_is_object(j))
		return j;
	json_decref(j);
	for (const char *p = strchr(text, '\n'); p != NULL; p = strchr(p + 1, '\n')) {
		j = json_loads(p + 1, JSON_DISABLE_EOF_CHECK, NULL);
		if (json_is_object(j))
			return j;
		json_decref(j);
	}
	return NULL;
}

int active_run_probe(struct check_ctx *ctx, struct check_result *res, const json_t *pod_obj,
		     struct active_probe_result *r)
{
	memset(r, 0, sizeof(*r));
	r->exit_code = -1;
	if (active_run_create(ctx, res, pod_obj, NULL) != 0)
		return -1;
	return active_run_probe_collect(ctx, res, cutil_name(pod_obj), r);
}

int active_run_probe_collect(struct check_ctx *ctx, struct check_result *res, const char *name,
			     struct active_probe_result *r)
{
	memset(r, 0, sizeof(*r));
	r->exit_code = -1;
	struct kube_error err = {0};
	if (active_run_wait_pod(ctx, name, ACTIVE_POD_DONE, ctx->deadline_ms, &r->pod, &err) != 0) {
		const char *stuck = active_run_pod_stuck(r->pod);
		char *what = stuck ? xasprintf("pod %s (phase %s, %s)", name,
					       *active_run_phase(r->pod) ? active_run_phase(r->pod)
									 : "unknown",
					       stuck)
				   : xasprintf("pod %s", name);
		active_run_error(ctx, res, what, &err);
		free(what);
		active_probe_result_release(r);
		return -1;
	}
	const json_t *cs = json_array_get(cutil_get(r->pod, "status.containerStatuses"), 0);
	const json_t *code = cutil_get(cs, "state.terminated.exitCode");
	if (json_is_integer(code))
		r->exit_code = (int)json_integer_value(code);
	else
		r->exit_code = strcmp(active_run_phase(r->pod), "Succeeded") == 0 ? 0 : 1;
	r->out = parse_output(active_termination_message(r->pod));
	if (r->out == NULL) {
		struct kube_error lerr = {0};
		char *log = active_pod_log(ctx->act, ctx->ns, name, &lerr);
		r->out = parse_output(log);
		free(log);
	}
	return 0;
}

bool active_run_container_started(struct check_ctx *ctx, struct check_result *res, const char *pod,
				  const char *needle)
{
	struct kube_error err = {0};
	char *log = active_pod_log(ctx->act, ctx->ns, pod, &err);
	bool ran = log != NULL && strstr(log, needle) != NULL;
	if (ran)
		check_evidence(res, "the container of pod %s started: its log says %s ...", pod,
			       needle);
	else if (log == NULL)
		check_evidence(res,
			       "cannot read the log of pod %s (%s): nothing shows that its "
			       "container ever ran",
			       pod, err.message[0] ? err.message : err.reason);
	else
		check_evidence(res,
			       "the log of pod %s lacks \"%s\": nothing shows that its "
			       "container ever ran",
			       pod, needle);
	free(log);
	return ran;
}
