/* lease.h: leader election on a coordination.k8s.io/v1 Lease (client-go's algorithm):
 * a candidate takes the Lease when it is free or its holder has not renewed it for
 * leaseDurationSeconds as this process observed it (local clock, so no clock skew
 * matters); the leader renews every retry period and gives up when it could not renew
 * within the renew deadline. Release empties holderIdentity so a successor need not
 * wait. */
#ifndef KAIC_AGENTD_LEASE_H
#define KAIC_AGENTD_LEASE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "kube/kube.h"

struct lease {
	struct kube_client *kc; /* a client without the shutdown cancel flag */
	const char *ns, *name, *id;
	long duration_ms, renew_deadline_ms, retry_ms;
	atomic_int *leading; /* set while this process leads */
	atomic_int *stop;    /* the loop ends when set */
	atomic_int lost;     /* leadership was lost (not released) */
	pthread_t thread;
	/* what this process last saw of the Lease, and when (CLOCK_MONOTONIC) */
	char observed[512];
	long long observed_ms;
	long long renewed_ms;
};

void lease_start(struct lease *l);
/* Joins the loop (after *stop is set) and, if leading, releases the Lease. */
void lease_stop(struct lease *l);
/* One try to take or renew the Lease: 1 leading, 0 not, -1 error. (For tests.) */
int lease_try(struct lease *l);

#endif
