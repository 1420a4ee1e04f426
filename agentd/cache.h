/* cache.h: the informers' copy of the watched objects (AgentTools, Services), keyed
 * "NAMESPACE/NAME". Thread-safe. Objects handed out are deep copies: jansson's reference
 * count is released without an acquire, so an object is never shared between threads
 * by reference (the stored ones are read only under the lock). */
#ifndef KAIC_AGENTD_CACHE_H
#define KAIC_AGENTD_CACHE_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>

#include "util/hmap.h"

enum cache_kind { CACHE_TOOLS, CACHE_SERVICES, CACHE_KINDS };

struct cache {
	pthread_mutex_t mu;
	struct hmap m[CACHE_KINDS];
};

void cache_init(struct cache *c);
void cache_release(struct cache *c);
/* "NS/NAME" of obj (caller frees), or NULL. */
char *cache_key(const json_t *obj);
void cache_put(struct cache *c, enum cache_kind k, const char *key, json_t *obj);
void cache_del(struct cache *c, enum cache_kind k, const char *key);
/* A deep copy (caller owns it), or NULL. */
json_t *cache_get(struct cache *c, enum cache_kind k, const char *key);
/* A new array with a deep copy of every object of kind k. */
json_t *cache_all(struct cache *c, enum cache_kind k);
/* Removes the objects of kind k in namespace ns (NULL: all) whose keys keep lacks (a
 * JSON object used as a set); calls gone(key, arg) for each. */
void cache_prune(struct cache *c, enum cache_kind k, const char *ns, const json_t *keep,
		 void (*gone)(const char *key, void *arg), void *arg);

#endif
