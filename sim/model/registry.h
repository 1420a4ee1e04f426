/* registry.h: the resource types kaic-sim serves (built-ins and CRDs), each with its
 * collection of stored objects, and small string-vector helpers. The registry belongs to
 * the store (model/store.h: struct sim_api) and is guarded by its lock. */
#ifndef KAIC_SIM_MODEL_REGISTRY_H
#define KAIC_SIM_MODEL_REGISTRY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/hmap.h"

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
/* "deployments.apps" or "pods": the qualified resource used in messages; caller frees. */
char *sim_rtype_qualified(const struct sim_rtype *rt);
/* A new NULL-terminated copy of a comma-separated list (NULL or "" gives an empty one). */
char **sim_strv_split(const char *csv);
void sim_strv_free(char **v);
size_t sim_strv_len(char *const *v);
bool sim_strv_has(char *const *v, const char *s);

/* "group/version" or "version" for the core group; caller frees. */
char *sim_api_version_str(const char *group, const char *version);
/* A shallow copy of obj with apiVersion set for version (a new reference). */
json_t *sim_obj_for_version(const struct sim_rtype *rt, const json_t *obj, const char *version);

#endif
