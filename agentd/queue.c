/* queue.c: the rate-limited work queue (queue.h). */
#include "queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"
#include "util/xmalloc.h"

void queue_init(struct queue *q, long base_ms, long max_ms)
{
	memset(q, 0, sizeof(*q));
	pthread_mutex_init(&q->mu, NULL);
	pthread_condattr_t a;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cv, &a);
	pthread_condattr_destroy(&a);
	hmap_init(&q->dirty);
	hmap_init(&q->processing);
	hmap_init(&q->failures);
	hmap_init(&q->due);
	q->base_ms = base_ms > 0 ? base_ms : 100;
	q->max_ms = max_ms > q->base_ms ? max_ms : q->base_ms;
}

static void free_val(const char *key, size_t len, void *val, void *arg)
{
	(void)key, (void)len, (void)arg;
	free(val);
}

void queue_release(struct queue *q)
{
	for (size_t i = 0; i < q->len; i++)
		free(q->ring[(q->head + i) % q->cap]);
	free(q->ring);
	for (size_t i = 0; i < q->nheap; i++)
		free(q->heap[i].key);
	free(q->heap);
	hmap_each(&q->failures, free_val, NULL);
	hmap_each(&q->due, free_val, NULL);
	hmap_release(&q->dirty);
	hmap_release(&q->processing);
	hmap_release(&q->failures);
	hmap_release(&q->due);
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
}

static void ring_push(struct queue *q, const char *key)
{
	if (q->len == q->cap) {
		size_t ncap = q->cap ? q->cap * 2 : 64;
		char **n = xcalloc(ncap, sizeof(*n));
		for (size_t i = 0; i < q->len; i++)
			n[i] = q->ring[(q->head + i) % q->cap];
		free(q->ring);
		q->ring = n;
		q->cap = ncap;
		q->head = 0;
	}
	q->ring[(q->head + q->len) % q->cap] = xstrdup(key);
	q->len++;
}

/* Called with mu held. */
static void add_locked(struct queue *q, const char *key)
{
	if (q->shutdown || hmap_get(&q->dirty, key))
		return;
	hmap_put(&q->dirty, key, &q->dirty);
	q->adds++;
	if (hmap_get(&q->processing, key))
		return; /* queue_done queues it */
	ring_push(q, key);
	pthread_cond_signal(&q->cv);
}

void queue_add(struct queue *q, const char *key)
{
	pthread_mutex_lock(&q->mu);
	add_locked(q, key);
	pthread_mutex_unlock(&q->mu);
}

static void heap_swap(struct queue *q, size_t a, size_t b)
{
	struct queue_delayed t = q->heap[a];
	q->heap[a] = q->heap[b];
	q->heap[b] = t;
}

static void heap_push(struct queue *q, const char *key, long long due)
{
	if (q->nheap == q->capheap) {
		q->capheap = q->capheap ? q->capheap * 2 : 64;
		q->heap = xreallocarray(q->heap, q->capheap, sizeof(*q->heap));
	}
	size_t i = q->nheap++;
	q->heap[i].due_ms = due;
	q->heap[i].key = xstrdup(key);
	while (i > 0 && q->heap[(i - 1) / 2].due_ms > q->heap[i].due_ms) {
		heap_swap(q, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static struct queue_delayed heap_pop(struct queue *q)
{
	struct queue_delayed top = q->heap[0];
	q->heap[0] = q->heap[--q->nheap];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < q->nheap && q->heap[l].due_ms < q->heap[m].due_ms)
			m = l;
		if (r < q->nheap && q->heap[r].due_ms < q->heap[m].due_ms)
			m = r;
		if (m == i)
			break;
		heap_swap(q, i, m);
		i = m;
	}
	return top;
}

static void add_after_locked(struct queue *q, const char *key, long long delay_ms)
{
	if (q->shutdown)
		return;
	if (delay_ms <= 0) {
		add_locked(q, key);
		return;
	}
	long long due = now_ms() + delay_ms;
	long long *cur = hmap_get(&q->due, key);
	if (cur && *cur <= due)
		return; /* an earlier delay stands */
	if (!cur) {
		cur = xmalloc(sizeof(*cur));
		hmap_put(&q->due, key, cur);
	}
	*cur = due;
	heap_push(q, key, due);
	pthread_cond_broadcast(&q->cv);
}

void queue_add_after(struct queue *q, const char *key, long long delay_ms)
{
	pthread_mutex_lock(&q->mu);
	add_after_locked(q, key, delay_ms);
	pthread_mutex_unlock(&q->mu);
}

long long queue_add_rate_limited(struct queue *q, const char *key)
{
	pthread_mutex_lock(&q->mu);
	long *f = hmap_get(&q->failures, key);
	if (!f) {
		f = xcalloc(1, sizeof(*f));
		hmap_put(&q->failures, key, f);
	}
	long long d = q->base_ms;
	for (long i = 0; i < *f && d < q->max_ms; i++)
		d *= 2;
	if (d > q->max_ms)
		d = q->max_ms;
	(*f)++;
	add_after_locked(q, key, d);
	pthread_mutex_unlock(&q->mu);
	return d;
}

void queue_forget(struct queue *q, const char *key)
{
	pthread_mutex_lock(&q->mu);
	free(hmap_del(&q->failures, key));
	pthread_mutex_unlock(&q->mu);
}

long queue_failures(struct queue *q, const char *key)
{
	pthread_mutex_lock(&q->mu);
	const long *f = hmap_get(&q->failures, key);
	long n = f ? *f : 0;
	pthread_mutex_unlock(&q->mu);
	return n;
}

/* Moves the delayed keys that are due into the FIFO; returns the next due time (0: none). */
static long long promote_locked(struct queue *q)
{
	long long now = now_ms();
	while (q->nheap > 0 && q->heap[0].due_ms <= now) {
		struct queue_delayed d = heap_pop(q);
		long long *cur = hmap_get(&q->due, d.key);
		if (cur && *cur == d.due_ms) {
			free(hmap_del(&q->due, d.key));
			add_locked(q, d.key);
		}
		free(d.key);
	}
	return q->nheap > 0 ? q->heap[0].due_ms : 0;
}

bool queue_get(struct queue *q, char **key)
{
	pthread_mutex_lock(&q->mu);
	for (;;) {
		if (q->shutdown) {
			pthread_mutex_unlock(&q->mu);
			return false;
		}
		long long next = promote_locked(q);
		if (q->len > 0)
			break;
		if (next == 0) {
			pthread_cond_wait(&q->cv, &q->mu);
		} else {
			struct timespec ts = {.tv_sec = (time_t)(next / 1000),
					      .tv_nsec = (long)(next % 1000) * 1000000L};
			pthread_cond_timedwait(&q->cv, &q->mu, &ts);
		}
	}
	*key = q->ring[q->head];
	q->head = (q->head + 1) % q->cap;
	q->len--;
	hmap_del(&q->dirty, *key);
	hmap_put(&q->processing, *key, &q->processing);
	pthread_mutex_unlock(&q->mu);
	return true;
}

void queue_done(struct queue *q, const char *key)
{
	pthread_mutex_lock(&q->mu);
	hmap_del(&q->processing, key);
	if (hmap_get(&q->dirty, key) && !q->shutdown) {
		ring_push(q, key);
		pthread_cond_signal(&q->cv);
	}
	pthread_mutex_unlock(&q->mu);
}

size_t queue_len(struct queue *q)
{
	pthread_mutex_lock(&q->mu);
	size_t n = q->len;
	pthread_mutex_unlock(&q->mu);
	return n;
}

void queue_shutdown(struct queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->shutdown = true;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}
