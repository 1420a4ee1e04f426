/* faults.h: seeded fault injection (the scenario's faults: errors, throttling, drops,
 * truncation, latency, cut watches). */
#ifndef KAIC_SIM_SERVER_FAULTS_H
#define KAIC_SIM_SERVER_FAULTS_H

#include <pthread.h>
#include <stdint.h>

#include "sim.h"

enum sim_fault_kind {
	SIM_FAULT_NONE = 0,
	SIM_FAULT_DROP,	    /* close the connection without an answer */
	SIM_FAULT_ERROR,    /* 500 InternalError */
	SIM_FAULT_THROTTLE, /* 429 TooManyRequests with Retry-After */
	SIM_FAULT_TRUNCATE, /* send half of the body, then close */
};

struct sim_fault_plan {
	enum sim_fault_kind kind;
	long slow_ms;	   /* pause before the body */
	long watch_cut_ms; /* cut a watch stream after this long; 0 = never */
};

struct sim_fault_state {
	pthread_mutex_t mu;
	uint64_t rng;
	const struct sim_faults *f;
};

void sim_faults_init(struct sim_fault_state *fs, const struct sim_faults *f, unsigned long seed);
void sim_faults_release(struct sim_fault_state *fs);
/* Decides what happens to one request for path. Deterministic for a seed and an order
 * of requests; paths outside /api and /apis (and the scenario's prefix) get none. */
void sim_faults_plan(struct sim_fault_state *fs, const char *path, struct sim_fault_plan *plan);

#endif
