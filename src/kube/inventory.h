/* inventory.h: the shared, read-only view of the cluster for one run: version,
 * discovery, and each resource list fetched at most once, whichever check asks first.
 * Thread-safe. Also buildable from a JSON fixture, for unit tests of checks. */
#ifndef KAIC_INVENTORY_H
#define KAIC_INVENTORY_H

#include <jansson.h>
#include <stdbool.h>

#include "kube/kube.h"

struct inventory;

/* Borrows c for the inventory's lifetime. Fetches /version and discovery now;
 * returns NULL with *err filled when either fails (the run cannot go on). */
struct inventory *inventory_new(struct kube_client *c, struct kube_error *err);
/* A fixture: {"version": {...}, "resources": [{"group","version","resource","kind",
 * "namespaced"}...], "lists": {"GROUP/VERSION/RESOURCE": [objects]},
 * "errors": {"GROUP/VERSION/RESOURCE": {"code": 403, "reason": "Forbidden"}},
 * "proxy": {"PATH": "body"}}; core group is "" (key "/v1/pods"). Steals fixture. */
struct inventory *inventory_new_fixture(json_t *fixture);
void inventory_free(struct inventory *inv);

/* /version fields ("v1.34.1"), borrowed; "unknown" when absent. */
const char *inventory_server_version(struct inventory *inv);
const json_t *inventory_version_json(struct inventory *inv);
const struct kube_discovery *inventory_discovery(struct inventory *inv);

/* Served at version (NULL = any version). */
bool inventory_served(struct inventory *inv, const char *group, const char *version,
		      const char *resource);
bool inventory_group_served(struct inventory *inv, const char *group);
/* The served versions of group/resource, preferred first, as a new NULL-terminated
 * array of borrowed strings (caller frees the array only). */
const char **inventory_versions(struct inventory *inv, const char *group, const char *resource);

/* The items of a resource, fetched once per run (all namespaces). version NULL = the
 * preferred served version. Returns a borrowed array, or NULL with *err filled: code
 * 404 reason "NotFound" when the resource is not served, the server's error otherwise
 * (errors are cached too, so every check sees the same answer). */
const json_t *inventory_list(struct inventory *inv, const char *group, const char *version,
			     const char *resource, struct kube_error *err);

/* Like inventory_list, narrowed to namespace ns (NULL = all namespaces) and an
 * equality label selector ("k=v,k2=v2", NULL = none), each narrowed list fetched
 * once per run. For lists that are too large to hold whole (pods). */
const json_t *inventory_list_selected(struct inventory *inv, const char *group, const char *version,
				      const char *resource, const char *ns, const char *selector,
				      struct kube_error *err);

/* One object by name (namespace ns, NULL for cluster-scoped), fetched once per run with
 * a GET, so that a check reading a few named objects needs neither `list` rights nor
 * the whole collection. Borrowed, or NULL with *err (404 when it does not exist). */
const json_t *inventory_get(struct inventory *inv, const char *group, const char *version,
			    const char *resource, const char *ns, const char *name,
			    struct kube_error *err);

/* GET through the API-server proxy, cached per path. *body borrowed. */
int inventory_proxy_get(struct inventory *inv, const char *path, const char **body, size_t *len,
			struct kube_error *err);

/* Requests the inventory sent (discovery, version, lists, proxy). */
unsigned inventory_requests(struct inventory *inv);

#endif
