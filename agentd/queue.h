/* queue.h: the controller's work queue (client-go's semantics): a key is queued at most
 * once; a key being processed is not handed to a second worker, and one added meanwhile
 * is handed out again after queue_done; keys may be added after a delay; failures back
 * off per key exponentially (base * 2^failures, capped). Thread-safe. */
#ifndef KAIC_AGENTD_QUEUE_H
#define KAIC_AGENTD_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/hmap.h"

struct queue_delayed {
	long long due_ms;
	char *key;
};

struct queue {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char **ring; /* FIFO of queued keys */
	size_t head, len, cap;
	struct hmap dirty;	/* queued keys (values: the map itself, a non-NULL marker) */
	struct hmap processing; /* keys handed out */
	struct hmap failures;	/* key -> (long *) consecutive failures */
	struct hmap due;	/* key -> (long long *) the earliest due time of its delay */
	struct queue_delayed *heap;
	size_t nheap, capheap;
	long base_ms, max_ms;
	bool shutdown;
	unsigned long long adds; /* keys added, for metrics */
};

void queue_init(struct queue *q, long base_ms, long max_ms);
void queue_release(struct queue *q);
void queue_add(struct queue *q, const char *key);
void queue_add_after(struct queue *q, const char *key, long long delay_ms);
/* Adds key after its backoff, and counts one more failure; returns the delay (ms). */
long long queue_add_rate_limited(struct queue *q, const char *key);
/* Forgets key's failures. */
void queue_forget(struct queue *q, const char *key);
long queue_failures(struct queue *q, const char *key);
/* Blocks until a key is ready (*key: caller frees) or the queue shuts down (false). */
bool queue_get(struct queue *q, char **key);
void queue_done(struct queue *q, const char *key);
size_t queue_len(struct queue *q);
/* Wakes every waiting worker; queue_get then returns false. */
void queue_shutdown(struct queue *q);

#endif
