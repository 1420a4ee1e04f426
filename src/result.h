/* result.h: the outcome of one run, the single structure every report is written from. */
#ifndef KAIC_RESULT_H
#define KAIC_RESULT_H

#include <stddef.h>
#include <time.h>

#include "catalog/catalog.h"
#include "check.h"
#include "kube/kube.h"
#include "run_opts.h"

struct req_result {
	const struct requirement *req; /* borrowed from the catalogue */
	struct check_result res;
};

struct run_result {
	char *run_id;
	char *server;       /* API server URL */
	char *k8s_version;  /* gitVersion from /version, or "unknown" */
	char *context;      /* kubeconfig context, or "in-cluster" */
	struct timespec started; /* CLOCK_REALTIME */
	struct timespec finished;
	struct kube_stats stats;
	unsigned discovery_requests;
	bool aggregated_discovery;
	const struct run_opts *opts; /* borrowed */
	struct req_result *items;    /* catalogue order */
	size_t n;
	bool cleanup_ok;             /* every object the run created was deleted */
	char **cleanup_notes;        /* NULL-terminated, may be NULL */
};

void run_result_release(struct run_result *r);
/* Exit status from the verdicts: 0 every MUST Full, 1 a MUST Partial/No (any SHOULD
 * too with strict), 3 an Error and no such failure. */
int run_result_exit_code(const struct run_result *r, bool strict);

#endif
