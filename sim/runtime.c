/* runtime.c: a running kaic-sim API: the store made from the scenario's settings, the
 * default namespaces and RBAC, and the controller thread (on_change after commits, tick
 * every 100 ms, garbage collection of dependents); see runtime.h. */

#include "runtime.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/status.h"
#include "controllers/registry.h"
#include "model/registry.h"
#include "model/store.h"
#include "objects/object.h"
#include "objects/rbac.h"
#include "sim.h"
#include "util/clock.h"
#include "util/hmap.h"
#include "util/log.h"
#include "util/xmalloc.h"

#define SIM_TICK_MS 100

static bool controller_enabled(struct sim_api *api, const struct sim_controller *c)
{
	json_t *s = json_object_get(api->ctl_settings, c->name);
	if (json_is_false(s))
		return false;
	return !json_is_false(json_object_get(s, "enabled"));
}

static void *ctl_main(void *arg)
{
	struct sim_api *api = arg;
	long long next_tick = now_ms() + SIM_TICK_MS;
	pthread_mutex_lock(&api->mu);
	while (!api->stopping) {
		if (api->q_head) {
			struct sim_ctl_item *it = api->q_head;
			api->q_head = it->next;
			if (!api->q_head)
				api->q_tail = NULL;
			pthread_mutex_unlock(&api->mu);
			if (controller_enabled(api, it->c))
				it->c->on_change(api, it->event, it->obj);
			json_decref(it->obj);
			free(it);
			pthread_mutex_lock(&api->mu);
			continue;
		}
		long long now = now_ms();
		if (now >= next_tick) {
			if (api->gc_dirty)
				sim_api_collect_garbage(api);
			pthread_mutex_unlock(&api->mu);
			for (size_t i = 0; api->controllers[i]; i++)
				if (api->controllers[i]->tick &&
				    controller_enabled(api, api->controllers[i]))
					api->controllers[i]->tick(api);
			pthread_mutex_lock(&api->mu);
			next_tick = now_ms() + SIM_TICK_MS;
			continue;
		}
		struct timespec ts = {(time_t)(next_tick / 1000),
				      (long)(next_tick % 1000) * 1000000};
		pthread_cond_timedwait(&api->ctl_wake, &api->mu, &ts);
	}
	pthread_mutex_unlock(&api->mu);
	return NULL;
}

/* ---- lifecycle ---- */

/* The API server's own Service, as kube-apiserver's controller keeps it. */
static void seed_kubernetes_service(struct sim_api *api)
{
	struct sim_rtype *rt = sim_registry_find(&api->reg, "", "services");
	json_t *o = json_pack(
	    "{s:s, s:s, s:{s:s, s:s, s:{s:s, s:s}}, s:{s:s, s:[s], s:s, s:[{s:s, s:i, s:s, s:i}], "
	    "s:s, s:s, s:[s], s:s}}",
	    "apiVersion", "v1", "kind", "Service", "metadata", "name", "kubernetes", "namespace",
	    "default", "labels", "component", "apiserver", "provider", "kubernetes", "spec",
	    "clusterIP", "10.96.0.1", "clusterIPs", "10.96.0.1", "internalTrafficPolicy", "Cluster",
	    "ports", "name", "https", "port", 443, "protocol", "TCP", "targetPort", 6443,
	    "sessionAffinity", "None", "type", "ClusterIP", "ipFamilies", "IPv4", "ipFamilyPolicy",
	    "SingleStack");
	struct sim_response r = {0};
	if (sim_obj_create(api, rt, o, false, false, &r, NULL) < 0)
		sim_response_release(&r);
}

static void seed_namespaces(struct sim_api *api)
{
	static const char *const names[] = {"default", "kube-system", "kube-public",
					    "kube-node-lease", NULL};
	struct sim_rtype *rt = sim_registry_find(&api->reg, "", "namespaces");
	for (size_t i = 0; names[i]; i++) {
		json_t *o = json_pack("{s:s, s:s, s:{s:s, s:{s:s}}}", "apiVersion", "v1", "kind",
				      "Namespace", "metadata", "name", names[i], "labels",
				      "kubernetes.io/metadata.name", names[i]);
		struct sim_response r = {0};
		if (sim_obj_create(api, rt, o, false, false, &r, NULL) < 0)
			sim_response_release(&r);
	}
}

struct sim_api *sim_api_new(const struct sim_settings *settings)
{
	struct sim_api *api = xcalloc(1, sizeof(*api));
	pthread_mutex_init(&api->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&api->changed, &ca);
	pthread_cond_init(&api->ctl_wake, &ca);
	pthread_condattr_destroy(&ca);
	api->rng = settings && settings->seed ? settings->seed * 2654435761ULL + 1
					      : (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)api;
	if (!api->rng)
		api->rng = 88172645463325252ULL;
	api->version = xstrdup(settings && settings->version ? settings->version : "v1.34.1");
	if (settings && settings->resource_versions) {
		size_t n = sim_strv_len(settings->resource_versions);
		api->dra_versions = xcalloc(n + 1, sizeof(char *));
		for (size_t i = 0; i < n; i++)
			api->dra_versions[i] = xstrdup(settings->resource_versions[i]);
	} else {
		api->dra_versions = sim_strv_split("v1,v1beta2,v1beta1");
	}
	api->ctl_settings =
	    settings && settings->controllers ? json_incref(settings->controllers) : NULL;
	api->controllers = sim_controllers;
	api->admit_hooks = sim_admit_hooks;
	api->log.ring = xcalloc(SIM_EVENT_WINDOW, sizeof(*api->log.ring));
	hmap_init(&api->gc_uids);
	sim_registry_init(&api->reg, api->dra_versions);
	pthread_mutex_lock(&api->mu);
	seed_namespaces(api);
	seed_kubernetes_service(api);
	sim_rbac_seed(api);
	pthread_mutex_unlock(&api->mu);
	if (pthread_create(&api->ctl_thread, NULL, ctl_main, api) == 0)
		api->ctl_started = true;
	else
		log_warn("cannot start the controller thread: %s", strerror(errno));
	return api;
}

void sim_api_free(struct sim_api *api)
{
	if (!api)
		return;
	pthread_mutex_lock(&api->mu);
	api->stopping = true;
	pthread_cond_broadcast(&api->ctl_wake);
	pthread_mutex_unlock(&api->mu);
	if (api->ctl_started)
		pthread_join(api->ctl_thread, NULL);
	sim_store_release(api);
	sim_registry_release(&api->reg);
	hmap_release(&api->gc_uids);
	sim_strv_free(api->dra_versions);
	free(api->version);
	json_decref(api->ctl_settings);
	pthread_cond_destroy(&api->changed);
	pthread_cond_destroy(&api->ctl_wake);
	pthread_mutex_destroy(&api->mu);
	free(api);
}
