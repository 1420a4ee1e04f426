/* metrics.c: counters and the probe histogram (metrics.h). */
#include "metrics.h"

#include <string.h>

static const double bounds[METRICS_BUCKETS] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
					       0.5,   1,    2.5,   5,	 10,  30};

void metrics_init(struct metrics *m)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->mu, NULL);
}

void metrics_release(struct metrics *m)
{
	pthread_mutex_destroy(&m->mu);
}

void metrics_reconcile(struct metrics *m, bool ok)
{
	pthread_mutex_lock(&m->mu);
	if (ok)
		m->reconciles_ok++;
	else
		m->reconciles_err++;
	pthread_mutex_unlock(&m->mu);
}

void metrics_probe(struct metrics *m, double s, bool ok)
{
	pthread_mutex_lock(&m->mu);
	for (int i = 0; i < METRICS_BUCKETS; i++)
		if (s <= bounds[i]) {
			m->probe_buckets[i]++;
			break;
		}
	m->probe_count++;
	m->probe_sum += s;
	if (ok)
		m->probes_ok++;
	else
		m->probes_failed++;
	pthread_mutex_unlock(&m->mu);
}

void metrics_status_write(struct metrics *m)
{
	pthread_mutex_lock(&m->mu);
	m->status_writes++;
	pthread_mutex_unlock(&m->mu);
}

void metrics_relist(struct metrics *m)
{
	pthread_mutex_lock(&m->mu);
	m->relists++;
	pthread_mutex_unlock(&m->mu);
}

void metrics_render(struct metrics *m, struct buf *o)
{
	pthread_mutex_lock(&m->mu);
	buf_adds(o, "# HELP agentd_reconciles_total AgentTool reconciles, by result.\n"
		    "# TYPE agentd_reconciles_total counter\n");
	buf_addf(o, "agentd_reconciles_total{result=\"success\"} %llu\n", m->reconciles_ok);
	buf_addf(o, "agentd_reconciles_total{result=\"error\"} %llu\n", m->reconciles_err);
	buf_adds(o, "# HELP agentd_status_writes_total Status subresource writes.\n"
		    "# TYPE agentd_status_writes_total counter\n");
	buf_addf(o, "agentd_status_writes_total %llu\n", m->status_writes);
	buf_adds(o, "# HELP agentd_relists_total Lists after a watch ended in error (410 Gone "
		    "included).\n# TYPE agentd_relists_total counter\n");
	buf_addf(o, "agentd_relists_total %llu\n", m->relists);
	buf_adds(o, "# HELP agentd_probes_total Endpoint probes, by result.\n"
		    "# TYPE agentd_probes_total counter\n");
	buf_addf(o, "agentd_probes_total{result=\"success\"} %llu\n", m->probes_ok);
	buf_addf(o, "agentd_probes_total{result=\"failure\"} %llu\n", m->probes_failed);
	buf_adds(o, "# HELP agentd_probe_duration_seconds How long endpoint probes took.\n"
		    "# TYPE agentd_probe_duration_seconds histogram\n");
	unsigned long long cum = 0;
	for (int i = 0; i < METRICS_BUCKETS; i++) {
		cum += m->probe_buckets[i];
		buf_addf(o, "agentd_probe_duration_seconds_bucket{le=\"%g\"} %llu\n", bounds[i],
			 cum);
	}
	buf_addf(o, "agentd_probe_duration_seconds_bucket{le=\"+Inf\"} %llu\n", m->probe_count);
	buf_addf(o, "agentd_probe_duration_seconds_sum %.6f\n", m->probe_sum);
	buf_addf(o, "agentd_probe_duration_seconds_count %llu\n", m->probe_count);
	pthread_mutex_unlock(&m->mu);
}
