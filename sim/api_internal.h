/* api_internal.h: the shared internals of kaic-sim's REST layer (registry, store, watch,
 * selectors, patch, RBAC, discovery, CRDs). Not used outside sim/.
 *
 * Locking: everything in struct sim_api is guarded by api->mu unless said otherwise.
 * Stored JSON objects are immutable once committed: a write builds a new object, so
 * references handed out (lists, watch events, controller queue) stay valid and may be
 * read outside the lock (jansson's reference counts are atomic). */
#ifndef KAIC_SIM_API_INTERNAL_H
#define KAIC_SIM_API_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "sim.h"
#include "util/buf.h"
#include "util/hmap.h"

/* ---- registry.c: resource types ---- */
enum sim_verb {
	SIM_GET = 1 << 0,
	SIM_LIST = 1 << 1,
	SIM_WATCH = 1 << 2,
	SIM_CREATE = 1 << 3,
	SIM_UPDATE = 1 << 4,
	SIM_PATCH = 1 << 5,
	SIM_DELETE = 1 << 6,
	SIM_DELETECOLLECTION = 1 << 7,
};
#define SIM_ALL_VERBS 0xff
/* verb names in bit order: "get", "list", ... */
extern const char *const sim_verb_names[8];

enum sim_name_rule { SIM_NAME_SUBDOMAIN, SIM_NAME_LABEL, SIM_NAME_PATH };
enum sim_status_rule { SIM_STATUS_KEEP, SIM_STATUS_CLEAR, SIM_STATUS_PENDING };

/* One stored object in a collection; ns is "" for cluster-scoped objects. The strings
 * point into obj. */
struct sim_obj {
	const char *ns;
	const char *name;
	json_t *obj;
};
/* The objects of one resource type, sorted by (namespace, name). */
struct sim_coll {
	struct sim_obj *v;
	size_t n, cap;
};

struct sim_rtype {
	char *group;	/* "" for the core group */
	char *resource; /* plural */
	char *singular;
	char *kind;
	char *list_kind;
	char **versions; /* served versions, preferred first, NULL-terminated */
	char **short_names;
	char **categories;
	char **fields; /* field selectors besides metadata.name/namespace */
	unsigned verbs;
	bool namespaced;
	bool has_status;
	bool has_scale;
	bool crd;		       /* defined by a CustomResourceDefinition */
	bool smp;		       /* strategic merge patch supported (built-in types) */
	const char *const *extra_subs; /* other subresources: "log", "eviction", ... */
	enum sim_name_rule name_rule;
	enum sim_status_rule status_rule;
	char *scale_spec_path;	 /* CRD scale: ".spec.replicas" */
	char *scale_status_path; /* CRD scale: ".status.replicas" */
	json_t *columns;	 /* CRD additionalPrinterColumns, or NULL */
	struct sim_coll coll;
};

struct sim_registry {
	struct sim_rtype **types;
	size_t n, cap;
	struct hmap by_res;  /* "group/resource" -> rtype */
	struct hmap by_kind; /* "group/Kind" -> rtype */
};

/* Fills reg with the built-in types; dra_versions are the resource.k8s.io versions. */
void sim_registry_init(struct sim_registry *reg, char *const *dra_versions);
void sim_registry_release(struct sim_registry *reg);
/* Type serving group/resource (any version), or NULL. */
struct sim_rtype *sim_registry_find(const struct sim_registry *reg, const char *group,
				    const char *resource);
/* Type of group/kind, or NULL. */
struct sim_rtype *sim_registry_by_kind(const struct sim_registry *reg, const char *group,
				       const char *kind);
/* True when rt serves version. */
bool sim_rtype_serves(const struct sim_rtype *rt, const char *version);
/* Adds rt (owned by the registry afterwards); replaces nothing: the caller checks. */
void sim_registry_add(struct sim_registry *reg, struct sim_rtype *rt);
/* Removes and frees rt; its collection must be empty. */
void sim_registry_remove(struct sim_registry *reg, struct sim_rtype *rt);
void sim_rtype_free(struct sim_rtype *rt);
/* "deployments.apps" or "pods": the qualified resource used in messages. */
char *sim_rtype_qualified(const struct sim_rtype *rt);
/* A new NULL-terminated copy of a comma-separated list (NULL or "" gives an empty one). */
char **sim_strv_split(const char *csv);
void sim_strv_free(char **v);
size_t sim_strv_len(char *const *v);
bool sim_strv_has(char *const *v, const char *s);

/* ---- store.c: collections, resourceVersions, the event log ---- */
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
	struct sim_ctl_item *q_head, *q_tail;
	/* the simulated controllers' scan marks (controllers/ctl.h: ctl_scan) */
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

/* ---- select.c: label and field selectors ---- */
enum sim_sel_op { SEL_EQ, SEL_NE, SEL_IN, SEL_NOTIN, SEL_EXISTS, SEL_NOTEXISTS, SEL_GT, SEL_LT };
struct sim_req {
	char *key;
	enum sim_sel_op op;
	char **values; /* NULL-terminated */
};
struct sim_selector {
	struct sim_req *reqs;
	size_t n;
};
/* Parses a label selector. Returns 0, or -1 with *cause ("unable to parse requirement: ..."). */
int sim_labelsel_parse(const char *s, struct sim_selector *sel, char **cause);
/* Parses a field selector for rt (only registered fields). -1 with *cause. */
int sim_fieldsel_parse(const char *s, const struct sim_rtype *rt, struct sim_selector *sel,
		       char **cause);
bool sim_labelsel_match(const struct sim_selector *sel, const json_t *obj);
bool sim_fieldsel_match(const struct sim_selector *sel, const json_t *obj);
void sim_selector_release(struct sim_selector *sel);
/* The string value of a dotted field path in obj ("" when absent). */
char *sim_field_value(const json_t *obj, const char *path);

/* ---- patch.c ---- */
/* Each returns a new object or NULL with *cause and *code (400, 415 or 422). */
json_t *sim_patch_merge(const json_t *target, const json_t *patch);
json_t *sim_patch_json(const json_t *target, const json_t *patch, char **cause, int *code);
json_t *sim_patch_strategic(const json_t *target, const json_t *patch, char **cause, int *code);

/* ---- watch.c ---- */
struct sim_watch_opts {
	const char *version;
	const char *ns; /* NULL: all namespaces */
	const char *resource_version;
	bool bookmarks;
	bool initial_events_end;
	long timeout_s;
};
/* Starts a watch on rt (api->mu held). Steals the selectors. Returns the watch, or NULL
 * with an error answer in resp. */
struct sim_watch *sim_watch_start(struct sim_api *api, struct sim_rtype *rt,
				  const struct sim_watch_opts *o, struct sim_selector *labels,
				  struct sim_selector *fields, struct sim_response *resp);

/* ---- discovery.c ---- */
/* Answers /api, /apis, /api/v1, /apis/G, /apis/G/V (api->mu held). False if not one. */
bool sim_discovery_handle(struct sim_api *api, const char *const *seg, size_t nseg,
			  const char *accept, struct sim_response *resp);

/* ---- table.c ---- */
/* True when Accept asks for a meta.k8s.io Table. */
bool sim_table_wanted(const char *accept);
/* The Table of a list or single object answer of rt; include is the includeObject
 * query value (None, Metadata (default), Object). */
json_t *sim_table_from(const struct sim_rtype *rt, const json_t *answer, const char *include,
		       const char *version);

/* ---- crd.c ---- */
/* Validates a CRD and fills defaults/status in crd (owned, being created or updated).
 * Returns 0 or -1 with a Status in resp. */
int sim_crd_prepare(struct sim_api *api, json_t *crd, const json_t *old, struct sim_response *resp);
/* Makes the registry match a committed CRD (served versions, names) (api->mu held). */
void sim_crd_apply(struct sim_api *api, const json_t *crd);
/* Stops serving a deleted CRD and removes its objects (api->mu held). */
void sim_crd_remove(struct sim_api *api, const json_t *crd);

/* ---- rbac.c ---- */
struct sim_authz {
	const char *verb;
	const char *group;
	const char *resource;
	const char *subresource; /* NULL or "" */
	const char *ns;		 /* NULL or "" for cluster scope */
	const char *name;	 /* NULL or "" */
	const char *path;	 /* non-resource requests: the path; resource NULL */
};
/* True when who may do a (api->mu held). */
bool sim_rbac_allowed(struct sim_api *api, const struct sim_identity *who,
		      const struct sim_authz *a);
/* Fills resp with the real server's 403 for a denied request. */
void sim_rbac_forbidden(struct sim_response *resp, const struct sim_identity *who,
			const struct sim_authz *a);
/* Seeds the default cluster roles and bindings (api->mu held). */
void sim_rbac_seed(struct sim_api *api);

/* ---- api.c / crud.c ---- */
struct sim_call {
	struct sim_api *api;
	const struct sim_request *req;
	struct sim_rtype *rt;
	const char *group;
	const char *version;
	const char *ns;	  /* NULL: not namespaced in the URL */
	const char *name; /* NULL: collection */
	const char *sub;  /* NULL: main resource */
	bool watch;
	bool dry_run;
	json_t *answer; /* set by a handler: serialized after the lock is released */
	int answer_status;
};
/* Sets the answer of c (steals v). */
void sim_call_answer(struct sim_call *c, int status, json_t *v);
const char *sim_query(const struct sim_request *req, const char *key);
bool sim_query_true(const struct sim_request *req, const char *key);
void sim_call_get(struct sim_call *c, struct sim_response *resp);
void sim_call_list(struct sim_call *c, struct sim_response *resp);
void sim_call_create(struct sim_call *c, struct sim_response *resp);
void sim_call_update(struct sim_call *c, struct sim_response *resp);
void sim_call_patch(struct sim_call *c, struct sim_response *resp);
void sim_call_delete(struct sim_call *c, struct sim_response *resp);
void sim_call_deletecollection(struct sim_call *c, struct sim_response *resp);
void sim_call_subresource(struct sim_call *c, struct sim_response *resp);
void sim_call_ssar(struct sim_call *c, struct sim_response *resp);

/* Serializes v into resp (status code, JSON); steals v. */
void sim_respond_json(struct sim_response *resp, int status, json_t *v);
/* A shallow copy of obj with apiVersion set for version (a new reference). */
json_t *sim_obj_for_version(const struct sim_rtype *rt, const json_t *obj, const char *version);
/* "group/version" or "version" for the core group; caller frees. */
char *sim_api_version_str(const char *group, const char *version);

/* Common object writes used by the HTTP verbs, controllers and scenario loading
 * (api->mu held). Each returns 0, or -1 with a Status in resp. obj is stolen. */
int sim_obj_create(struct sim_api *api, struct sim_rtype *rt, json_t *obj, bool from_http,
		   bool dry_run, struct sim_response *resp, json_t **out);
int sim_obj_update(struct sim_api *api, struct sim_rtype *rt, long idx, json_t *obj,
		   const char *sub, bool dry_run, struct sim_response *resp, json_t **out);
/* Deletes (or marks for deletion when finalizers remain). *out gets the answer object. */
int sim_obj_delete(struct sim_api *api, struct sim_rtype *rt, long idx, bool dry_run,
		   const char *propagation, json_t **out);
/* Removes every object of namespace ns (all namespaced types). */
void sim_api_purge_namespace(struct sim_api *api, const char *ns);
/* Deletes objects whose owners are all gone (garbage collection). */
void sim_api_collect_garbage(struct sim_api *api);

/* defaults.c: the defaults the real API server fills in on create (pods, services,
 * workloads, namespaces). */
void sim_defaults_apply(struct sim_api *api, const struct sim_rtype *rt, json_t *obj);

/* metadata helpers */
const char *sim_meta_str(const json_t *obj, const char *key);
json_t *sim_meta(json_t *obj); /* metadata object, created when missing, copied when shared */

#endif
