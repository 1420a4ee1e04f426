/* lws.c: LeaderWorkerSet (lws v0.7, leaderworkerset.x-k8s.io/v1) modelled: its
 * controller and its validating webhook.
 * The controller (every tick) reconciles each LeaderWorkerSet written through the API; one
 * the scenario loaded with a status and without its leader StatefulSet is left as it is
 * (its groups are not modelled). For each it makes
 *  - the leader StatefulSet NAME (replicas = spec.replicas, default 1), owned by it;
 *  - the leader pods NAME-I (the StatefulSet controller's part, modelled here), owned by
 *    the StatefulSet, and for size > 1 the worker pods NAME-I-J (J = 1 .. size-1), owned
 *    by their leader pod (upstream: through a worker StatefulSet NAME-I); the pods get the
 *    leaderTemplate's (else the workerTemplate's) metadata and spec and the labels
 *    leaderworkerset.sigs.k8s.io/name, group-index and worker-index;
 *  - status: replicas (groups made), readyReplicas (groups whose pods are all Ready),
 *    hpaPodSelector, and the conditions Progressing=True (GroupsProgressing) until every
 *    group is ready, then Available=True (AllGroupsReady) and Progressing=False.
 * The webhook vleaderworkerset.kb.io (sim_admit_hooks) judges creates as upstream's
 * ValidateCreate: spec.replicas < 0 or leaderWorkerTemplate.size < 1 is denied ("the Size
 * 0 is invalid"), when the scenario registers a ValidatingWebhookConfiguration with a rule
 * for the group. Switches (controllers.lws): false (no reconciling: a controller manager
 * whose reconciler never acts), webhook (true). */

#include "controllers/lws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/meta.h"
#include "base/status.h"
#include "controllers/ctl_util.h"
#include "sim.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#define GROUP "leaderworkerset.x-k8s.io"
#define RES "leaderworkersets"
#define WEBHOOK "vleaderworkerset.kb.io"
#define L_NAME "leaderworkerset.sigs.k8s.io/name"
#define L_GROUP "leaderworkerset.sigs.k8s.io/group-index"
#define L_WORKER "leaderworkerset.sigs.k8s.io/worker-index"

static long int_at(const json_t *obj, const char *path, long dflt)
{
	json_t *v = ctl_at(obj, path);
	return json_is_integer(v) ? (long)json_integer_value(v) : dflt;
}

static json_t *owner_ref(const json_t *owner, const char *kind)
{
	return json_pack("[{s:O, s:s, s:s, s:s, s:b, s:b}]", "apiVersion",
			 json_object_get(owner, "apiVersion"), "kind", kind, "name",
			 ctl_s(owner, "metadata.name"), "uid", ctl_s(owner, "metadata.uid"),
			 "controller", 1, "blockOwnerDeletion", 1);
}

/* The group's pod template: leaderTemplate, else workerTemplate (borrowed, may be NULL). */
static const json_t *pod_template(const json_t *lws, bool leader)
{
	const json_t *t = leader ? ctl_at(lws, "spec.leaderWorkerTemplate.leaderTemplate") : NULL;
	return t ? t : ctl_at(lws, "spec.leaderWorkerTemplate.workerTemplate");
}

/* Pod NAME of group g, worker w (0: the leader), owned by owner (kind given). */
static void create_pod(struct sim_api *api, const json_t *lws, const char *name, long g, long w,
		       const json_t *owner, const char *kind)
{
	const json_t *t = pod_template(lws, w == 0);
	json_t *md = json_deep_copy(ctl_at(t, "metadata"));
	if (!json_is_object(md)) {
		json_decref(md);
		md = json_object();
	}
	json_t *labels = json_object_get(md, "labels");
	if (!json_is_object(labels)) {
		labels = json_object();
		json_object_set_new(md, "labels", labels);
	}
	char gs[24], ws[24];
	snprintf(gs, sizeof gs, "%ld", g);
	snprintf(ws, sizeof ws, "%ld", w);
	json_object_set_new(labels, L_NAME, json_string(ctl_s(lws, "metadata.name")));
	json_object_set_new(labels, L_GROUP, json_string(gs));
	json_object_set_new(labels, L_WORKER, json_string(ws));
	json_object_set_new(md, "name", json_string(name));
	json_object_set_new(md, "namespace", json_string(ctl_s(lws, "metadata.namespace")));
	json_object_set_new(md, "ownerReferences", owner_ref(owner, kind));
	json_t *spec = json_deep_copy(ctl_at(t, "spec"));
	ctl_create(api, json_pack("{s:s, s:s, s:o, s:o}", "apiVersion", "v1", "kind", "Pod",
				  "metadata", md, "spec", spec ? spec : json_object()));
}

/* The leader StatefulSet NAME, created when missing; a new reference or NULL. */
static json_t *leader_sts(struct sim_api *api, const json_t *lws, long replicas)
{
	const char *ns = ctl_s(lws, "metadata.namespace"), *name = ctl_s(lws, "metadata.name");
	json_t *sts = ctl_get(api, "apps", "statefulsets", ns, name);
	if (sts != NULL)
		return sts;
	const json_t *t = pod_template(lws, true);
	json_t *sel = json_pack("{s:s, s:s}", L_NAME, name, L_WORKER, "0");
	json_t *tmd = json_pack("{s:O}", "labels", sel);
	json_t *obj =
	    json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}, s:o}, s:{s:I, s:s, s:{s:o}, s:{s:o, s:O}}}",
		      "apiVersion", "apps/v1", "kind", "StatefulSet", "metadata", "name", name,
		      "namespace", ns, "labels", L_NAME, name, "ownerReferences",
		      owner_ref(lws, "LeaderWorkerSet"), "spec", "replicas", (json_int_t)replicas,
		      "serviceName", name, "selector", "matchLabels", sel, "template", "metadata",
		      tmd, "spec", ctl_at(t, "spec") ? ctl_at(t, "spec") : json_object());
	ctl_create(api, obj);
	return ctl_get(api, "apps", "statefulsets", ns, name);
}

/* Makes group g's missing pods; returns whether every pod of the group is Ready. */
static bool sync_group(struct sim_api *api, const json_t *lws, const json_t *sts, long g, long size)
{
	const char *ns = ctl_s(lws, "metadata.namespace");
	char *lname = xasprintf("%s-%ld", ctl_s(lws, "metadata.name"), g);
	json_t *leader = ctl_get(api, "", "pods", ns, lname);
	if (leader == NULL) {
		create_pod(api, lws, lname, g, 0, sts, "StatefulSet");
		leader = ctl_get(api, "", "pods", ns, lname);
	}
	bool ready = leader != NULL && ctl_pod_ready(leader);
	for (long w = 1; leader != NULL && w < size; w++) {
		char *wname = xasprintf("%s-%ld", lname, w);
		json_t *pod = ctl_get(api, "", "pods", ns, wname);
		if (pod == NULL)
			create_pod(api, lws, wname, g, w, leader, "Pod");
		ready = ready && pod != NULL && ctl_pod_ready(pod);
		json_decref(pod);
		free(wname);
	}
	json_decref(leader);
	free(lname);
	return ready;
}

static void write_status(struct sim_api *api, const json_t *lws, long replicas, long ready)
{
	json_t *next = json_deep_copy(lws);
	json_t *st = json_object_get(next, "status");
	if (!json_is_object(st)) {
		st = json_object();
		json_object_set_new(next, "status", st);
	}
	char *sel = xasprintf("%s=%s", L_NAME, ctl_s(lws, "metadata.name"));
	json_object_set_new(st, "replicas", json_integer(replicas));
	json_object_set_new(st, "readyReplicas", json_integer(ready));
	json_object_set_new(st, "updatedReplicas", json_integer(replicas));
	json_object_set_new(st, "hpaPodSelector", json_string(sel));
	free(sel);
	long long gen = int_at(lws, "metadata.generation", 1);
	if (ready == replicas) {
		ctl_condition(st, "Available", "True", "AllGroupsReady", "All replicas are ready",
			      gen);
		ctl_condition(st, "Progressing", "False", "Ready", "Replicas are ready", gen);
	} else {
		ctl_condition(st, "Available", "False", "AllGroupsReady",
			      "Not all replicas are ready", gen);
		ctl_condition(st, "Progressing", "True", "GroupsProgressing",
			      "Replicas are progressing", gen);
	}
	if (!json_equal(st, ctl_at(lws, "status")))
		ctl_replace(api, GROUP, RES, next);
	else
		json_decref(next);
}

static void lws_sync(struct sim_api *api, const json_t *lws)
{
	const char *ns = ctl_s(lws, "metadata.namespace");
	json_t *sts = ctl_get(api, "apps", "statefulsets", ns, ctl_s(lws, "metadata.name"));
	bool loaded = json_object_size(ctl_at(lws, "status")) > 0 && sts == NULL;
	json_decref(sts);
	if (loaded)
		return;
	long replicas = int_at(lws, "spec.replicas", 1);
	long size = int_at(lws, "spec.leaderWorkerTemplate.size", 1);
	sts = leader_sts(api, lws, replicas);
	if (sts == NULL)
		return;
	long ready = 0;
	for (long g = 0; g < replicas; g++)
		ready += sync_group(api, lws, sts, g, size);
	json_decref(sts);
	write_status(api, lws, replicas, ready);
}

static bool lws_keep(const json_t *lws, void *arg)
{
	(void)arg;
	return !sim_meta_str(lws, "deletionTimestamp");
}

static void lws_tick(struct sim_api *api)
{
	json_t *all = ctl_list_filter(api, GROUP, RES, lws_keep, NULL);
	size_t i;
	json_t *lws;
	json_array_foreach(all, i, lws) {
		lws_sync(api, lws);
	}
	json_decref(all);
}

const struct sim_controller sim_controller_lws = {
    .name = "lws",
    .group = GROUP,
    .resource = RES,
    .on_change = NULL,
    .tick = lws_tick,
};

/* Whether a ValidatingWebhookConfiguration has a rule for the group. */
static bool webhook_registered(struct sim_api *api)
{
	json_t *cfgs =
	    ctl_list(api, "admissionregistration.k8s.io", "validatingwebhookconfigurations", NULL);
	bool found = false;
	size_t i, j, k;
	json_t *c, *w, *r;
	json_array_foreach(cfgs, i, c) {
		json_array_foreach(ctl_at(c, "webhooks"), j, w) {
			json_array_foreach(ctl_at(w, "rules"), k, r) {
				json_t *g = json_array_get(ctl_at(r, "apiGroups"), 0);
				found = found ||
					!strcmp(json_string_value(g) ? json_string_value(g) : "",
						GROUP);
			}
		}
	}
	json_decref(cfgs);
	return found;
}

bool ctl_lws_admit(struct sim_api *api, const char *group, const char *resource, const char *ns,
		   const json_t *obj, bool dry_run, struct sim_response *resp)
{
	(void)ns;
	(void)dry_run; /* sideEffects: None */
	if (strcmp(group, GROUP) != 0 || strcmp(resource, RES) != 0 ||
	    !ctl_setting_bool(api, "lws", "webhook", true) || !webhook_registered(api))
		return true;
	struct buf why = BUF_INIT;
	buf_init(&why);
	long replicas = int_at(obj, "spec.replicas", 1);
	long size = int_at(obj, "spec.leaderWorkerTemplate.size", 1);
	if (replicas < 0)
		buf_addf(&why, "the Replicas %ld is invalid", replicas);
	if (size < 1)
		buf_addf(&why, "%sthe Size %ld is invalid", why.len ? "\n" : "", size);
	bool ok = why.len == 0;
	if (!ok)
		sim_status_error(resp, 403, "Forbidden", NULL, NULL, NULL,
				 "admission webhook \"%s\" denied the request: %s", WEBHOOK,
				 why.data);
	buf_release(&why);
	return ok;
}
