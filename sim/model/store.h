/* store.h: the state of kaic-sim's API (struct sim_api): the registry with its
 * collections, resourceVersions, the event log that watches read and the queue of work
 * for the controllers.
 *
 * Locking: everything in struct sim_api is guarded by api->mu unless said otherwise.
 * Stored JSON objects are immutable once committed: a write builds a new object, so
 * references handed out (lists, watch events, controller queue) stay valid and may be
 * read outside the lock (jansson's reference counts are atomic). */
#ifndef KAIC_SIM_MODEL_STORE_H
#define KAIC_SIM_MODEL_STORE_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/registry.h"
#include "sim.h"
#include "util/hmap.h"

enum sim_event_type { SIM_EV_ADDED, SIM_EV_MODIFIED, SIM_EV_DELETED };
extern const char *const sim_event_names[3];

struct sim_event {
	uint64_t seq;
	uint64_t rv;
	enum sim_event_type type;
	char *group;
	char *resource;
	json_t *obj; /* new state (DELETED: the last state) */
	json_t *old; /* previous state for MODIFIED, else NULL */
};

#define SIM_EVENT_WINDOW 10000

struct sim_evlog {
	struct sim_event *ring; /* SIM_EVENT_WINDOW slots */
	uint64_t first_seq;	/* oldest kept */
	uint64_t next_seq;
};

struct sim_ctl_item {
	const struct sim_controller *c;
	const char *event;
	json_t *obj;
	struct sim_ctl_item *next;
};

struct sim_api {
	pthread_mutex_t mu;
	pthread_cond_t changed; /* broadcast on every commit */
	uint64_t rv;		/* last resourceVersion given out */
	uint64_t window_rv;	/* a watch may resume from any rv >= this */
	uint64_t rng;
	struct sim_registry reg;
	struct sim_evlog log;
	size_t nobjects;
	char *version;
	char **dra_versions;
	json_t *ctl_settings;
	bool gc_dirty;
	struct hmap gc_uids; /* uids deleted since the last garbage collection */
	/* controller thread */
	pthread_t ctl_thread;
	bool ctl_started;
	bool stopping;
	pthread_cond_t ctl_wake;
	/* the controllers that commits queue work for (NULL-terminated; set at creation) */
	const struct sim_controller *const *controllers;
	struct sim_ctl_item *q_head, *q_tail;
	/* the scenario's objects: written up to scenario_rv, while scenario_loading (the
	 * workload controllers leave them as loaded: controllers/deployment.c) */
	bool scenario_loading;
	uint64_t scenario_rv;
	/* the aggregator's local APIServices are kept (objects/apiservice.h), from the end
	 * of the scenario's load */
	bool local_apiservices;
	/* the admission webhooks' models (NULL-terminated; set at creation, may be NULL) */
	const sim_admit_hook *admit_hooks;
	/* the simulated controllers' scan marks (controllers/ctl_util.h: ctl_scan) */
	uint64_t ctl_marks[4];
};

/* Index of (ns, name) in c, or -1. */
long sim_coll_find(const struct sim_coll *c, const char *ns, const char *name);
/* First index whose (ns, name) is >= the given one (name may be ""). */
size_t sim_coll_lower(const struct sim_coll *c, const char *ns, const char *name);
/* Random lowercase alphanumerics / a UUID (api->mu held). */
void sim_store_random(struct sim_api *api, char *out, size_t n);
void sim_store_uuid(struct sim_api *api, char out[37]);
/* Current UTC time as RFC 3339 ("2025-01-02T03:04:05Z"). */
void sim_store_now(char out[32]);
/* Commits a new object (steals obj; sets resourceVersion): ADDED. Returns the stored
 * object (borrowed). */
json_t *sim_store_insert(struct sim_api *api, struct sim_rtype *rt, json_t *obj);
/* Replaces the object at idx (steals obj; sets resourceVersion): MODIFIED. Returns the
 * stored object (borrowed). */
json_t *sim_store_replace(struct sim_api *api, struct sim_rtype *rt, size_t idx, json_t *obj);
/* Removes the objects [lo, hi) of rt (DELETED events). */
void sim_store_remove_range(struct sim_api *api, struct sim_rtype *rt, size_t lo, size_t hi);
/* Removes the object at idx: DELETED with a new resourceVersion. Returns the removed
 * object (a new reference, carrying the deletion resourceVersion). */
json_t *sim_store_remove(struct sim_api *api, struct sim_rtype *rt, size_t idx);
void sim_store_release(struct sim_api *api);
/* Removes every object of rt (events included). */
void sim_store_clear_type(struct sim_api *api, struct sim_rtype *rt);

/* Settings the scenario gave for controller name (object or NULL); borrowed. */
const json_t *sim_api_controller_settings(struct sim_api *api, const char *name);

#endif
