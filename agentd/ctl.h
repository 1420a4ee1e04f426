/* ctl.h: the controller's context, shared by its informers, workers, servers and
 * leader election (explicit, no globals): options, the API client, the cache, the work
 * queue, metrics, and each tool's last probe. */
#ifndef KAIC_AGENTD_CTL_H
#define KAIC_AGENTD_CTL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "auth.h"
#include "cache.h"
#include "kube/kube.h"
#include "metrics.h"
#include "probe.h"
#include "queue.h"
#include "util/hmap.h"

struct ctl_opts {
	const char **namespaces; /* NULL-terminated; NULL or empty = all */
	long resync_ms;		 /* every tool is queued again this often */
	long probe_interval_ms;	 /* a Ready tool is probed again this often (±10%) */
	long probe_timeout_max_ms;
	size_t max_answer_bytes;
	int workers;
	const char *const *resolve; /* curl HOST:PORT:ADDR overrides, for tests */
};

/* What the controller last saw of a tool's probe. */
struct ctl_memo {
	long long generation;
	char *endpoint;
	char *auth;	  /* the auth type and audience/secret it was probed with */
	long long at_ms;  /* CLOCK_MONOTONIC of the probe */
	long long due_ms; /* when the next probe is due (0: now) */
	bool stale;	  /* something it depends on changed: probe again */
	bool ok;
	char reason[32];
	char message[512];
	char time[32]; /* lastProbeTime */
	json_t *tools, *server;
};

struct ctl {
	struct ctl_opts opts;
	struct kube_client *kc;
	struct cache cache;
	struct queue queue;
	struct metrics metrics;
	struct auth auth;
	pthread_mutex_t memo_mu;
	struct hmap memos; /* key -> struct ctl_memo * */
	atomic_int cancel; /* shutdown: requests and probes stop */
	atomic_int synced; /* informers that have listed once */
	int informers;	   /* how many there are */
	atomic_int leading;
};

void ctl_init(struct ctl *c, const struct ctl_opts *o, struct kube_client *kc, const char *sa_ns,
	      const char *sa_name);
void ctl_release(struct ctl *c);
/* Marks key's last probe stale (a Service it names changed) and queues it. */
void ctl_invalidate(struct ctl *c, const char *key);
/* Sets when key's next probe is due (CLOCK_MONOTONIC ms). */
void ctl_memo_due(struct ctl *c, const char *key, long long due_ms);
/* Forgets key's last probe (the tool is gone). */
void ctl_forget(struct ctl *c, const char *key);
/* Whether namespace ns is watched. */
bool ctl_watches(const struct ctl *c, const char *ns);

#endif
