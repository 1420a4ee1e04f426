/* result.h: the outcome of one run, the single structure every report is written from. */
#ifndef KAIC_RESULT_H
#define KAIC_RESULT_H

#include <stddef.h>
#include <time.h>

#include "catalog/catalog.h"
#include "run/check.h"
#include "kube/kube.h"
#include "run/run_opts.h"
#include "util/exit.h"

struct req_result {
	const struct requirement *req; /* borrowed from the catalogue */
	struct check_result res;
};

struct run_result {
	char *run_id;
	char *server;		 /* API server URL */
	char *k8s_version;	 /* gitVersion from /version, or "unknown" */
	char *context;		 /* kubeconfig context, or "in-cluster" */
	struct timespec started; /* CLOCK_REALTIME */
	struct timespec finished;
	struct kube_stats stats;	 /* every request of the run, the cleanup's included */
	struct kube_stats cleanup_stats; /* those the cleanup sent on its own connection */
	unsigned discovery_requests;
	bool aggregated_discovery;
	const struct run_opts *opts; /* borrowed */
	struct req_result *items;    /* catalogue order */
	size_t n;
	bool cleanup_ok;      /* every object the run created was deleted */
	char **cleanup_notes; /* NULL-terminated, may be NULL */
	bool interrupted;     /* SIGINT/SIGTERM stopped the run */
	char **reports;	      /* NULL-terminated paths of the reports written, may be NULL */
};

/* Frees everything r owns (strings, items and their results, notes, report paths) and
 * zeroes it; opts and the requirements stay (borrowed). */
void run_result_release(struct run_result *r);
/* Exit status from the verdicts: 130 when the run was interrupted (checked first);
 * 1 a failure (run_result_is_failure); else 3 when something was not decided
 * (run_result_is_undecided: an Error, or a MUST Skipped); else 0, which means every MUST
 * requirement was decided Full. A Skipped SHOULD never changes it. */
enum kaic_exit run_result_exit_code(const struct run_result *r, bool strict);
/* True when rr counts as a failure for the exit code (a MUST not Full and not
 * Error/Skipped; a SHOULD Partial/No only with strict). */
bool run_result_is_failure(const struct req_result *rr, bool strict);
/* True when rr keeps the run from claiming its MUSTs: an Error at any level, or a MUST
 * that was Skipped (--focus/--skip), which the run did not decide. */
bool run_result_is_undecided(const struct req_result *rr);

#endif
