/* reconcile.c: the AgentTool reconcile and its workers (reconcile.h). */
#include "reconcile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tool.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xmalloc.h"

#define AT_GROUP "agents.kaic.io"
#define AT_VERSION "v1alpha1"

/* What the status will say. */
struct outcome {
	bool registered;
	char reg_reason[32], reg_msg[512];
	char *endpoint;
	struct ctl_memo probe; /* the probe it reports (copy; tools/server borrowed) */
	bool probed;	       /* a probe result exists */
};

static json_t *build_status(const json_t *obj, const struct outcome *o, long long gen)
{
	char now[32];
	tool_now(now, sizeof(now));
	json_t *st = json_object();
	json_t *conds = json_array();
	json_object_set_new(st, "observedGeneration", json_integer(gen));
	tool_condition(conds, obj, "Registered", o->registered, o->reg_reason, o->reg_msg, gen,
		       now);
	if (!o->registered) {
		char msg[600];
		snprintf(msg, sizeof(msg), "not probed: %s", o->reg_msg);
		tool_condition(conds, obj, "Ready", false, "NotRegistered", msg, gen, now);
	} else {
		tool_condition(conds, obj, "Ready", o->probe.ok, o->probe.reason, o->probe.message,
			       gen, now);
	}
	json_object_set_new(st, "conditions", conds);
	if (o->endpoint)
		json_object_set_new(st, "endpoint", json_string(o->endpoint));
	if (o->registered && o->probed) {
		if (o->probe.ok && o->probe.tools)
			json_object_set(st, "tools", o->probe.tools);
		if (o->probe.ok && o->probe.server)
			json_object_set(st, "server", o->probe.server);
		json_object_set_new(st, "lastProbeTime", json_string(o->probe.time));
	}
	return st;
}

/* Writes st when it differs from obj's status: a merge patch of the status subresource
 * that sets every field and removes the ones st lacks. */
static int write_status(struct ctl *c, const json_t *obj, const struct tool_spec *s, json_t *st)
{
	const json_t *old = json_object_get(obj, "status");
	if (json_is_object(old) && json_equal(old, st))
		return 0;
	json_t *patch_st = json_deep_copy(st);
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)old, k, v) {
		if (!json_object_get(st, k))
			json_object_set_new(patch_st, k, json_null());
	}
	json_t *patch = json_pack("{s:o}", "status", patch_st);
	char *path = kube_path(AT_GROUP, AT_VERSION, "agenttools", s->ns, s->name);
	char *full = xasprintf("%s/status", path);
	struct kube_error err = {0};
	int rc = kube_patch(c->kc, full, "application/merge-patch+json", patch, NULL, &err);
	free(path);
	free(full);
	json_decref(patch);
	if (rc != 0 && err.http_code == 404)
		return 0; /* deleted meanwhile */
	if (rc != 0) {
		log_warn("agenttool %s/%s: status write: %s", s->ns, s->name, err.message);
		return -1;
	}
	metrics_status_write(&c->metrics);
	return 0;
}

/* The Service a serviceRef names: from the cache when its namespace is watched, else
 * read. 0: *svc (may be NULL: not found); -1: API error. */
static int service_of(struct ctl *c, const struct tool_spec *s, json_t **svc)
{
	*svc = NULL;
	char *key = xasprintf("%s/%s", s->svc_ns, s->svc_name);
	if (ctl_watches(c, s->svc_ns)) {
		*svc = cache_get(&c->cache, CACHE_SERVICES, key);
		free(key);
		return 0;
	}
	free(key);
	char *path = kube_path("", "v1", "services", s->svc_ns, s->svc_name);
	struct kube_error err = {0};
	int rc = kube_get(c->kc, path, svc, &err);
	free(path);
	if (rc != 0 && err.http_code == 404)
		return 0;
	if (rc != 0)
		log_warn("Service %s/%s: %s", s->svc_ns, s->svc_name, err.message);
	return rc;
}

static char *auth_key(const struct tool_spec *s)
{
	return xasprintf("%s/%s/%s", s->auth, s->audience ? s->audience : "",
			 s->secret ? s->secret : "");
}

/* Whether the memo of key answers for this spec (no probe due). Copies it into out. */
static bool memo_fresh(struct ctl *c, const char *key, const struct tool_spec *s, const char *ep,
		       struct ctl_memo *out)
{
	bool fresh = false;
	char *ak = auth_key(s);
	pthread_mutex_lock(&c->memo_mu);
	const struct ctl_memo *m = hmap_get(&c->memos, key);
	if (m) {
		*out = *m;
		out->tools = json_deep_copy(m->tools); /* never shared between threads */
		out->server = json_deep_copy(m->server);
		out->endpoint = out->auth = NULL;
		fresh = !m->stale && m->generation == s->generation && !strcmp(m->endpoint, ep) &&
			!strcmp(m->auth, ak) && now_ms() < m->due_ms;
	}
	pthread_mutex_unlock(&c->memo_mu);
	free(ak);
	return fresh;
}

static void memo_store(struct ctl *c, const char *key, const struct tool_spec *s, const char *ep,
		       const struct ctl_memo *res)
{
	struct ctl_memo *m = xcalloc(1, sizeof(*m));
	*m = *res;
	m->tools = json_deep_copy(res->tools);
	m->server = json_deep_copy(res->server);
	m->generation = s->generation;
	m->endpoint = xstrdup(ep);
	m->auth = auth_key(s);
	m->stale = false;
	pthread_mutex_lock(&c->memo_mu);
	struct ctl_memo *old = hmap_get(&c->memos, key);
	hmap_put(&c->memos, key, m);
	pthread_mutex_unlock(&c->memo_mu);
	if (old) {
		free(old->endpoint);
		free(old->auth);
		json_decref(old->tools);
		json_decref(old->server);
		free(old);
	}
}

static void probe_now(struct ctl *c, const struct tool_spec *s, const char *ep, const char *token,
		      struct ctl_memo *out)
{
	long to = s->timeout_s * 1000;
	if (c->opts.probe_timeout_max_ms > 0 && to > c->opts.probe_timeout_max_ms)
		to = c->opts.probe_timeout_max_ms;
	struct probe_target t = {.protocol = s->protocol,
				 .transport = s->transport,
				 .url = ep,
				 .token = token,
				 .timeout_ms = to,
				 .max_bytes = c->opts.max_answer_bytes,
				 .resolve = c->opts.resolve,
				 .cancel = &c->cancel};
	struct probe_result r;
	probe_run(&t, &r);
	metrics_probe(&c->metrics, r.seconds, r.ok);
	out->ok = r.ok;
	snprintf(out->reason, sizeof(out->reason), "%s", r.reason);
	snprintf(out->message, sizeof(out->message), "%s", r.message);
	out->tools = r.tools;
	out->server = r.server;
	out->at_ms = now_ms();
	char ts[32];
	tool_now(ts, sizeof(ts));
	snprintf(out->time, sizeof(out->time), "%s", ts);
}

static void probe_fail(struct ctl_memo *out, const char *msg)
{
	out->ok = false;
	snprintf(out->reason, sizeof(out->reason), "ProbeFailed");
	snprintf(out->message, sizeof(out->message), "%.500s", msg);
	out->at_ms = now_ms();
	tool_now(out->time, sizeof(out->time));
}

/* Registered checks that read the cluster: the Service and the Bearer Secret.
 * 0: checked (o->registered says); -1: API error. */
static int check_targets(struct ctl *c, const struct tool_spec *s, struct outcome *o, char **token)
{
	o->registered = true;
	if (s->svc_name) {
		json_t *svc = NULL;
		if (service_of(c, s, &svc) != 0)
			return -1;
		if (tool_service_check(s, svc, o->reg_msg, sizeof(o->reg_msg)) != 0) {
			o->registered = false;
			snprintf(o->reg_reason, sizeof(o->reg_reason), "ServiceNotFound");
		}
		json_decref(svc);
		if (!o->registered)
			return 0;
	}
	if (!strcmp(s->auth, "Bearer")) {
		struct kube_error err = {0};
		int rc = auth_secret_token(&c->auth, s->ns, s->secret, token, o->reg_msg,
					   sizeof(o->reg_msg), &err);
		if (rc < 0) {
			log_warn("agenttool %s/%s: Secret %s: %s", s->ns, s->name, s->secret,
				 err.message);
			return -1;
		}
		if (rc > 0) {
			o->registered = false;
			snprintf(o->reg_reason, sizeof(o->reg_reason), "SecretNotFound");
			return 0;
		}
	}
	snprintf(o->reg_reason, sizeof(o->reg_reason), "Registered");
	snprintf(o->reg_msg, sizeof(o->reg_msg), "tool registered as %s/%s", s->ns, s->name);
	return 0;
}

enum probed { REUSED, PROBED_OK, PROBED_FAILED };

/* Probes when due, or reuses the last probe (whose re-probe is already scheduled). */
static enum probed run_probe(struct ctl *c, const char *key, const struct tool_spec *s, char *token,
			     struct outcome *o)
{
	if (memo_fresh(c, key, s, o->endpoint, &o->probe)) {
		o->probed = true;
		return REUSED;
	}
	json_decref(o->probe.tools);
	json_decref(o->probe.server);
	memset(&o->probe, 0, sizeof(o->probe));
	if (!strcmp(s->auth, "ServiceAccountToken")) {
		struct kube_error err = {0};
		token = auth_sa_token(&c->auth, s->audience, &err);
		if (!token) {
			char msg[600];
			snprintf(msg, sizeof(msg), "no service-account token for audience %s: %s",
				 s->audience, err.message);
			probe_fail(&o->probe, msg);
		}
	}
	if (token || strcmp(s->auth, "ServiceAccountToken") != 0)
		probe_now(c, s, o->endpoint, token, &o->probe);
	if (!strcmp(s->auth, "ServiceAccountToken"))
		free(token);
	memo_store(c, key, s, o->endpoint, &o->probe);
	o->probed = true;
	return o->probe.ok ? PROBED_OK : PROBED_FAILED;
}

int reconcile_one(struct ctl *c, const char *key)
{
	json_t *obj = cache_get(&c->cache, CACHE_TOOLS, key);
	if (!obj) {
		ctl_forget(c, key);
		return 0;
	}
	if (json_object_get(json_object_get(obj, "metadata"), "deletionTimestamp")) {
		json_decref(obj);
		return 0;
	}
	struct tool_spec s;
	struct outcome o = {0};
	char *token = NULL;
	int rc = 0;
	enum probed probed = REUSED;
	if (tool_spec_parse(obj, &s, o.reg_msg, sizeof(o.reg_msg)) != 0) {
		snprintf(o.reg_reason, sizeof(o.reg_reason), "InvalidSpec");
		if (!s.ns || !s.name) {
			json_decref(obj);
			return 0;
		}
	} else {
		o.endpoint = tool_endpoint(&s);
		rc = check_targets(c, &s, &o, &token);
		if (rc == 0 && o.registered)
			probed = run_probe(c, key, &s, token, &o);
	}
	if (rc == 0) {
		json_t *st = build_status(obj, &o, s.generation);
		rc = write_status(c, obj, &s, st);
		json_decref(st);
	}
	if (probed == PROBED_FAILED) {
		/* failures are probed again after the key's backoff, not on every event */
		long long t = now_ms(); /* before the queue's own clock reading */
		ctl_memo_due(c, key, t + queue_add_rate_limited(&c->queue, key));
	} else if (probed == PROBED_OK) {
		long iv = c->opts.probe_interval_ms;
		long jitter = iv / 10 > 0 ? (long)(random() % (iv / 5 + 1)) - iv / 10 : 0;
		long long t = now_ms();
		queue_forget(&c->queue, key);
		queue_add_after(&c->queue, key, iv + jitter);
		ctl_memo_due(c, key, t + iv + jitter);
	}
	free(token);
	free(o.endpoint);
	json_decref(o.probe.tools);
	json_decref(o.probe.server);
	json_decref(obj);
	return rc;
}

static void *worker(void *arg)
{
	struct ctl *c = arg;
	char *key;
	while (queue_get(&c->queue, &key)) {
		/* not before leading, and not before every informer has listed once: a Service
		 * not yet in the cache would read as ServiceNotFound and move the conditions'
		 * lastTransitionTime on a restart */
		while ((!atomic_load(&c->leading) || atomic_load(&c->synced) < c->informers) &&
		       !atomic_load(&c->cancel))
			usleep(100 * 1000);
		int rc = atomic_load(&c->cancel) ? 0 : reconcile_one(c, key);
		metrics_reconcile(&c->metrics, rc == 0);
		if (rc != 0)
			queue_add_rate_limited(&c->queue, key);
		queue_done(&c->queue, key);
		free(key);
	}
	return NULL;
}

void workers_start(struct workers *w, struct ctl *c)
{
	w->n = c->opts.workers > 0 ? c->opts.workers : 1;
	w->threads = xcalloc((size_t)w->n, sizeof(*w->threads));
	for (int i = 0; i < w->n; i++)
		pthread_create(&w->threads[i], NULL, worker, c);
}

void workers_join(struct workers *w)
{
	for (int i = 0; i < w->n; i++)
		pthread_join(w->threads[i], NULL);
	free(w->threads);
	w->threads = NULL;
}
