/* util.h: small helpers shared by the checks (prefix cutil_): JSON field access, label
 * and condition lookups, string sets formatted as "a, b, c and N more", inventory reads
 * that record errors as evidence, DRA device collection and the final verdict rule. */
#ifndef KAIC_CHECKS_UTIL_H
#define KAIC_CHECKS_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "kube/inventory.h"
#include "run/check.h"
#include "util/hmap.h"

/* ---- JSON objects ---- */

/* The value at a dotted path ("status.nodeInfo.kernelVersion"), borrowed, or NULL. */
const json_t *cutil_get(const json_t *obj, const char *path);
/* The string at a dotted path, borrowed, or NULL when absent or not a string. */
const char *cutil_str(const json_t *obj, const char *path);
/* metadata.name / metadata.namespace, borrowed; "" when absent. */
const char *cutil_name(const json_t *obj);
const char *cutil_ns(const json_t *obj);
/* "ns/name" for namespaced objects, "name" otherwise; caller frees. */
char *cutil_ref(const json_t *obj);
/* A label or annotation value, borrowed, or NULL. */
const char *cutil_label(const json_t *obj, const char *key);
const char *cutil_annotation(const json_t *obj, const char *key);
/* Whether obj carries the label selector "key=value" (or "key" present). */
bool cutil_has_label(const json_t *obj, const char *selector);
/* Whether obj's name contains one of names, or it matches one of the selectors; both
 * lists are NULL-terminated and may be NULL. */
bool cutil_matches(const json_t *obj, const char *const *names, const char *const *labels);
/* The status ("True", "False", "Unknown") of condition type in status.conditions,
 * borrowed, or NULL when there is no such condition. */
const char *cutil_condition(const json_t *obj, const char *type);
/* Whether condition type is "True". */
bool cutil_condition_true(const json_t *obj, const char *type);
/* Case-insensitive substring search; false for NULL arguments. */
bool cutil_contains_ci(const char *haystack, const char *needle);

/* Whether the value at a dotted path is JSON true or the string "true" (any case). */
bool cutil_true(const json_t *obj, const char *path);
/* The pod spec of a pod (spec) or of a workload (spec.template.spec), or NULL. */
const json_t *cutil_pod_spec(const json_t *obj);
/* Whether a container, init container or ephemeral container of podspec has a name
 * or image containing needle. */
bool cutil_pod_spec_mentions(const json_t *podspec, const char *needle);

/* ---- string sets ---- */

/* Distinct strings in insertion order; the set owns copies. Membership is hashed, so
 * sets of tens of thousands of device ids stay cheap. Initialise with CUTIL_SET_INIT
 * (or zero the struct). */
struct cutil_set {
	char **v;
	size_t n;
	size_t alloc;
	struct hmap index; /* string (borrowed from v) -> 1 + its position in v */
};
#define CUTIL_SET_INIT                                                                             \
	{                                                                                          \
		NULL, 0, 0, HMAP_INIT                                                              \
	}

/* Adds a copy of s unless present (NULL is ignored); returns true when added. */
bool cutil_set_add(struct cutil_set *set, const char *s);
/* Adds a printf-formatted string (see cutil_set_add). */
bool cutil_set_addf(struct cutil_set *set, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
bool cutil_set_has(const struct cutil_set *set, const char *s);
/* Sorts the set bytewise, for deterministic evidence. */
void cutil_set_sort(struct cutil_set *set);
/* "a, b, c and 2 more" showing at most max entries (max 0 = all); "none" when empty.
 * Caller frees. */
char *cutil_set_join(const struct cutil_set *set, size_t max);
void cutil_set_release(struct cutil_set *set);

/* Appends one evidence line: fmt (printf) followed by the set joined as by
 * cutil_set_join(set, max); nothing follows fmt when the set is empty. */
void cutil_evidence_set(struct check_result *res, const struct cutil_set *set, size_t max,
			const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* "" for 1, "s" otherwise: for "%zu node%s". */
const char *cutil_plural(size_t n);

/* ---- inventory reads ---- */

/* The items of group/version/resource (version NULL = preferred), borrowed. Returns
 * NULL when the resource is not served (404: absence, nothing recorded) or on an API
 * error, which adds an evidence line "cannot list GROUP/RESOURCE: CODE REASON: MESSAGE"
 * to res (once per check, however often it is read) and increments *errors. A NULL
 * result is safe to iterate as an empty array. */
const json_t *cutil_list(struct inventory *inv, const char *group, const char *version,
			 const char *resource, struct check_result *res, int *errors);
/* Like cutil_list, telling a failed read from an answer: true with *items (NULL when
 * the resource is not served), or false after recording the failure as cutil_list does;
 * then the caller writes nothing about the list's contents (no "0 X", no "none"). */
bool cutil_list_read(struct inventory *inv, const char *group, const char *version,
		     const char *resource, struct check_result *res, int *errors,
		     const json_t **items);
/* One object by name (inventory_get): NULL when absent (404, not an error) or after
 * recording why it could not be read (evidence, *errors incremented). */
const json_t *cutil_get_named(struct inventory *inv, const char *group, const char *version,
			      const char *resource, const char *ns, const char *name,
			      struct check_result *res, int *errors);
/* Served versions of group/resource joined as "v1, v1beta1" (preferred first); caller
 * frees; NULL when not served. */
/* The pods of a workload (DaemonSet, Deployment, StatefulSet), listed in its namespace
 * through its spec.selector.matchLabels, so that no check needs the cluster's whole pod
 * list. NULL (safe to iterate) when the workload has no matchLabels, or on an API error
 * (recorded as cutil_list does). Borrowed. */
const json_t *cutil_pods_of(struct inventory *inv, const json_t *workload, struct check_result *res,
			    int *errors);
char *cutil_versions(struct inventory *inv, const char *group, const char *resource);
/* Whether any resource of group is served at version (NULL = any). */
bool cutil_group_version_served(struct inventory *inv, const char *group, const char *version);
/* The distinct kinds served in group, sorted, into out (added to what is there). */
void cutil_group_kinds(struct inventory *inv, const char *group, struct cutil_set *out);
/* The first served resource (preferred version) whose kind is kind, in any group. */
const struct kube_resource *cutil_find_kind(struct inventory *inv, const char *kind);
/* The CustomResourceDefinition named "RESOURCE.GROUP", borrowed, or NULL when absent or
 * when CRDs cannot be listed (evidence only; no error is recorded). */
const json_t *cutil_crd(struct inventory *inv, const char *group, const char *resource);
/* One annotation of that CRD, borrowed, or NULL. */
const char *cutil_crd_annotation(struct inventory *inv, const char *group, const char *resource,
				 const char *key);

/* ---- DRA devices (ResourceSlices of any served resource.k8s.io version) ---- */

struct cutil_device {
	const char *driver; /* borrowed from the inventory */
	const char *pool;
	const char *node; /* node name, or NULL for allNodes / node-selector slices */
	const char *name;
	const json_t *attrs;  /* attributes object ("basic.attributes" in v1beta1), or NULL */
	const json_t *taints; /* taints array, or NULL */
};

struct cutil_devices {
	struct cutil_device *v;
	size_t n;
};

/* Appends the devices of every slice in slices (an array, may be NULL). */
void cutil_devices_collect(const json_t *slices, struct cutil_devices *out);
void cutil_devices_release(struct cutil_devices *d);
/* The attribute value object ({"string": ...}, {"int": ...}, ...) by name: exact match,
 * or, for an unqualified name, any "DOMAIN/name". Borrowed, or NULL. */
const json_t *cutil_device_attr(const struct cutil_device *d, const char *name);
/* The attribute's value as text into buf ("7", "true", "pci0000:00"); false when the
 * attribute value object is not one of string/int/bool/version. */
bool cutil_attr_text(const json_t *value, char *buf, size_t size);

/* Per-driver summary of a device list. */
struct cutil_driver {
	char *driver;
	size_t devices;
	struct cutil_set nodes;
	struct cutil_set pools;
};
/* Groups d by driver (in order of first appearance, then sorted by name); returns the
 * count and a new array in *out (free with cutil_drivers_free). */
size_t cutil_devices_by_driver(const struct cutil_devices *d, struct cutil_driver **out);
void cutil_drivers_free(struct cutil_driver *drv, size_t n);

/* ---- verdicts ---- */

/* Sets the verdict to v with the remediation hint (may be NULL), unless errors > 0 and
 * v is below best (the most a passive reading could have found: Partial or Full); then
 * the verdict is Error, because the unreadable evidence could have changed it. Order
 * for "below": No < Partial < Full. */
void cutil_decide(struct check_result *res, int errors, enum verdict v, enum verdict best,
		  const char *hint);
/* The verdict Error because errors (> 0) reads the check needed failed (named in the
 * evidence): a failed read decides nothing. */
void cutil_read_error(struct check_result *res, int errors);

#endif
