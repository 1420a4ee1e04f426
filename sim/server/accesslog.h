/* accesslog.h: one line per answered request. */
#ifndef KAIC_SIM_SERVER_ACCESSLOG_H
#define KAIC_SIM_SERVER_ACCESSLOG_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

struct sim_accesslog {
	FILE *f; /* NULL: disabled */
	pthread_mutex_t mu;
};

/* Opens path for appending (NULL path: logging disabled). Returns 0, or -1 with *cause. */
int sim_accesslog_open(struct sim_accesslog *l, const char *path, char **cause);
/* Writes "METHOD URL STATUS BYTES MS" as one line; thread-safe. */
void sim_accesslog_write(struct sim_accesslog *l, const char *method, const char *url, int status,
			 uint64_t bytes, double ms);
void sim_accesslog_close(struct sim_accesslog *l);

#endif
