/* active_sec51.c: the active test of SEC-5.1 (network policies with agent egress
 * control). A server pod and three client pods, the clients started together once the
 * policies exist: one under no policy reaches the server; one under a default-deny
 * egress policy (DNS allowed) cannot; one under that policy and one allowing egress to
 * the server's label reaches it again. Each client is one `kaic probe connect` pod,
 * which retries for a while (WITHIN). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checks/active_tests.h"
#include "checks/util.h"
#include "util/xmalloc.h"

#define NP_API "networking.k8s.io/v1"
#define PORT 8080
/* A policy engine programs a new pod a moment after its container starts (the
 * Kubernetes documentation allows it: such a pod may start unprotected). Each client
 * retries for WITHIN until its outcome is the expected one; a second pod follows. */
#define WITHIN "15s"
#define ATTEMPTS 2
#define ATTEMPT_PAUSE_MS 2000
#define ROLE "kaic.io/role"
/* A client with this label set to "server" is also selected by the allow policy. */
#define EGRESS "kaic.io/egress"

/* A client pod: role "client" puts it under the default-deny policy, "reach" under none;
 * egress "server" (or NULL) also under the allow policy. */
static json_t *client(const struct active_params *p, const char *name, bool expect_open,
		      const char *role, const char *egress)
{
	json_t *pod = active_build_pod(
	    p, name, "connect",
	    json_pack("[s,s,s,s,s,s,s,s,s,s]", "--host", "np-server", "--port", "8080", "--timeout",
		      "3s", "--expect", expect_open ? "open" : "closed", "--within", WITHIN),
	    true);
	active_build_label(pod, ROLE, role);
	if (egress != NULL)
		active_build_label(pod, EGRESS, egress);
	return pod;
}

static json_t *policy(const struct active_params *p, const char *name, const char *key,
		      const char *value, json_t *egress)
{
	json_t *np = active_build_object(p, NP_API, "NetworkPolicy", name, true);
	json_object_set_new(np, "spec",
			    json_pack("{s:{s:{s:s}}, s:[s], s:o}", "podSelector", "matchLabels",
				      key, value, "policyTypes", "Egress", "egress", egress));
	return np;
}

json_t *active_sec51_objects(const struct active_params *p)
{
	json_t *server =
	    active_build_pod(p, "np-server", "echo", json_pack("[s,s]", "--port", "8080"), false);
	active_build_label(server, ROLE, "server");
	json_t *deny = policy(p, "np-deny-egress", ROLE, "client",
			      json_pack("[{s:[{s:s, s:i}, {s:s, s:i}]}]", "ports", "protocol",
					"UDP", "port", 53, "protocol", "TCP", "port", 53));
	json_t *allow = policy(p, "np-allow-server", EGRESS, "server",
			       json_pack("[{s:[{s:{s:{s:s}}}], s:[{s:s, s:i}]}]", "to",
					 "podSelector", "matchLabels", ROLE, "server", "ports",
					 "protocol", "TCP", "port", PORT));
	return json_pack("[o,o,o,o,o,o,o]", server,
			 active_build_service(p, "np-server", "np-server", PORT, PORT), deny, allow,
			 client(p, "np-client-reach", true, "reach", NULL),
			 client(p, "np-client-denied", false, "client", NULL),
			 client(p, "np-client-allowed", true, "client", "server"));
}

/* What one client pod saw: its last attempt, and how it got there. */
static char *outcome(const json_t *out, bool connected)
{
	const char *reason = json_string_value(json_object_get(out, "reason"));
	const char *error = json_string_value(json_object_get(out, "error"));
	const char *addr = json_string_value(json_object_get(out, "address"));
	json_int_t tries = json_integer_value(json_object_get(out, "attempts"));
	json_t *first = json_object_get(out, "first_connected");
	char *last = connected ? xasprintf("connected to %s:%d", addr ? addr : "np-server", PORT)
			       : xasprintf("not connected (%s%s%s)", reason ? reason : "failed",
					   error ? ": " : "", error ? error : "");
	if (tries <= 1 || !json_is_boolean(first))
		return last;
	char *how =
	    xasprintf("%s after %lld attempts in %lld ms (the first %s)", last, (long long)tries,
		      (long long)json_integer_value(json_object_get(out, "elapsed_ms")),
		      json_is_true(first) ? "connected" : "did not connect");
	free(last);
	return how;
}

/* The outcome of client pod base, created with the others (attempt n gets "-n" after
 * the first, run alone) until connected matches want or the attempts are used up.
 * Returns 1 when it matched, 0 when not, -1 after deciding Error. *how (freed first)
 * gets the last outcome (caller frees). */
static int attempt(struct check_ctx *ctx, struct check_result *res, const json_t *objs,
		   const char *base, bool want, char **how)
{
	free(*how); /* the previous step's */
	*how = NULL;
	for (int n = 1; n <= ATTEMPTS; n++) {
		struct active_probe_result r;
		int rc;
		if (n == 1) {
			rc = active_run_probe_collect(ctx, res, base, &r);
		} else {
			json_t *pod = json_deep_copy(active_build_find(objs, "Pod", base));
			char *name = xasprintf("%s-%d", base, n);
			json_object_set_new(json_object_get(pod, "metadata"), "name",
					    json_string(name));
			free(name);
			/* cancelled or late: active_run_probe ends with that error */
			(void)active_nap(ATTEMPT_PAUSE_MS, ctx->deadline_ms, ctx->cancel);
			rc = active_run_probe(ctx, res, pod, &r);
			json_decref(pod);
		}
		if (rc != 0)
			return -1;
		if (r.out == NULL) {
			active_probe_result_release(&r);
			check_evidence(res, "pod %s wrote no readable result", base);
			active_run_decide(res, VERDICT_ERROR, "check the test pods' logs");
			return -1;
		}
		bool connected = json_is_true(json_object_get(r.out, "connected"));
		free(*how);
		*how = outcome(r.out, connected);
		active_probe_result_release(&r);
		if (connected == want)
			return 1;
		if (ctx->cancel && *ctx->cancel)
			break;
	}
	return 0;
}

void active_sec51_run(struct check_ctx *ctx, struct check_result *res)
{
	struct active_params p;
	active_run_params(ctx, &p);
	json_t *objs = active_sec51_objects(&p);
	char *how = NULL;
	/* the server, its Service and both policies, before any client starts */
	static const char *const setup[] = {"np-server", "np-deny-egress", "np-allow-server", NULL};
	if (active_run_create_all(ctx, res, objs, setup) != 0)
		goto out;
	res->mode = MODE_ACTIVE;
	json_t *pod = NULL;
	struct kube_error err = {0};
	int rc =
	    active_run_wait_pod(ctx, "np-server", ACTIVE_POD_READY, ctx->deadline_ms, &pod, &err);
	json_decref(pod);
	if (rc != 0) {
		active_run_error(ctx, res, "pod np-server", &err);
		goto out;
	}
	static const char *const clients[] = {"np-client-reach", "np-client-denied",
					      "np-client-allowed", NULL};
	if (active_run_create_all(ctx, res, objs, clients) != 0)
		goto out;
	rc = attempt(ctx, res, objs, "np-client-reach", true, &how);
	if (rc < 0)
		goto out;
	if (rc == 0) {
		check_evidence(res, "a client that no policy selects cannot reach np-server:%d: %s",
			       PORT, how);
		active_run_events(ctx, res);
		active_run_decide(
		    res, VERDICT_ERROR,
		    "pods of the test namespace cannot reach each other even where no "
		    "policy selects them: check the cluster network (or a policy "
		    "engine that ignores podSelector)");
		goto out;
	}
	check_evidence(res, "under no policy: client %s", how);
	rc = attempt(ctx, res, objs, "np-client-denied", false, &how);
	if (rc < 0)
		goto out;
	if (rc == 0) {
		check_evidence(res,
			       "policy accepted but not enforced: with default-deny egress "
			       "(DNS allowed) the client still %s",
			       how);
		active_run_decide(res, VERDICT_NO,
				  "NetworkPolicy egress rules are accepted but not enforced: "
				  "install a policy-enforcing CNI (Cilium, Calico, Antrea)");
		goto out;
	}
	check_evidence(res, "default-deny egress (DNS allowed): denied connection, client %s", how);
	rc = attempt(ctx, res, objs, "np-client-allowed", true, &how);
	if (rc < 0)
		goto out;
	if (rc == 0) {
		check_evidence(res,
			       "a policy allowing egress to the server's label did not restore "
			       "the connection: %s",
			       how);
		active_run_events(ctx, res);
		active_run_decide(res, VERDICT_PARTIAL,
				  "egress deny is enforced but allow rules are not: check the "
				  "CNI's NetworkPolicy support");
		goto out;
	}
	check_evidence(res, "default-deny and allow egress to label %s=server: client %s again",
		       ROLE, how);
	active_run_decide(res, VERDICT_FULL, NULL);
out:
	free(how);
	json_decref(objs);
}
