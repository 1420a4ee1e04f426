/* metrics.h: kaic-agentd's counters and the probe latency histogram, rendered in the
 * Prometheus text format. Thread-safe. */
#ifndef KAIC_AGENTD_METRICS_H
#define KAIC_AGENTD_METRICS_H

#include <pthread.h>
#include <stdbool.h>

#include "util/buf.h"

#define METRICS_BUCKETS 12

struct metrics {
	pthread_mutex_t mu;
	unsigned long long reconciles_ok, reconciles_err;
	unsigned long long status_writes, relists, probes_ok, probes_failed;
	unsigned long long probe_buckets[METRICS_BUCKETS]; /* cumulative at render */
	unsigned long long probe_count;
	double probe_sum;
};

void metrics_init(struct metrics *m);
void metrics_release(struct metrics *m);
void metrics_reconcile(struct metrics *m, bool ok);
void metrics_probe(struct metrics *m, double seconds, bool ok);
void metrics_status_write(struct metrics *m);
void metrics_relist(struct metrics *m);
/* Appends the counters and the histogram. */
void metrics_render(struct metrics *m, struct buf *out);

#endif
