/* runner.h: runs the catalogue against one cluster: a bounded pool of threads takes
 * the requirements in catalogue order, runs each check's passive part and (unless
 * --passive) its active part with deadlines, collects the results in one struct
 * run_result, and always ends with the active-test cleanup. */
#ifndef KAIC_RUNNER_H
#define KAIC_RUNNER_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "kube/inventory.h"
#include "run/check.h"
#include "run/result.h"

/* SIGINT/SIGTERM handling without a signal handler: the signals are blocked in every
 * thread and one thread waits for them. The first one stops the run (stop, and
 * client_cancel so that requests in flight fail fast); the runner clears client_cancel
 * before the cleanup so that the deletes go out; one more during the cleanup sets it
 * again (waits abort). A third exits at once with status 130. The same thread stops
 * the run like a first signal when the run deadline passes (timed_out), so that the
 * client itself never refuses the cleanup's requests for being late. */
struct runner_signals {
	atomic_int stop;	  /* the checks' cancel flag */
	atomic_int client_cancel; /* the kube client's cancel flag */
	atomic_int count;	  /* signals received */
	atomic_int timed_out;	  /* the run deadline passed */
	atomic_int cleanup_phase;
	atomic_int done;
	long long deadline_ms; /* absolute CLOCK_MONOTONIC ms, 0 = none */
	const char *run_id;    /* named in the message of a hard exit */
	sigset_t old_mask;
	pthread_t thread;
	bool started;
};

/* Blocks SIGINT and SIGTERM in the calling thread (call it before any other thread is
 * created, so they all inherit the mask) and starts the waiting thread. Returns 0, or
 * -1 when the thread cannot be started (signals then stay at their defaults). */
int runner_signals_start(struct runner_signals *s, const char *run_id, long long deadline_ms);
/* Stops the waiting thread and restores the signal mask. Safe when start failed. */
void runner_signals_stop(struct runner_signals *s);

/* Who hears of progress (the terminal view in kaic; nothing in tests). Both are called
 * from worker threads. */
struct runner_progress {
	void (*started)(void *arg, const struct requirement *req);
	void (*finished)(void *arg, const struct req_result *rr);
	void *arg;
};

struct runner_cfg {
	const struct run_opts *opts;
	struct kube_client *client; /* NULL (tests): active parts report Error */
	struct inventory *inv;
	const char *run_id;
	const struct runner_progress *progress; /* or NULL */
	struct runner_signals *sig;		/* or NULL: never interrupted */
	long long deadline_ms; /* absolute CLOCK_MONOTONIC run deadline, 0 = none */
	/* Where checks come from (kaic passes checks_find; tests their own). */
	const struct check *(*find)(const char *id);
	/* The CNCF checklist to decide as well, or NULL. The white-paper requirements are
	 * decided unless opts->catalog is CATALOG_CNCF. */
	const struct cncf_version *cncf;
};

/* The requirement whose check decides the CNCF item: the official id's own
 * (cncf_requirement) when cfg->find has a check for it, else the overlapping white-paper
 * requirement (cncf_overlap), else NULL (kaic has no check: Not Implemented). */
const struct requirement *runner_cncf_decider(const struct runner_cfg *cfg,
					      const struct cncf_item *item);
/* The tests of a run, in the order they are handed out: the white-paper requirements
 * (unless --catalog cncf), then every other requirement a CNCF item of cfg->cncf is
 * decided by, each once. A new array (caller frees) of *n borrowed pointers. */
const struct requirement **runner_plan(const struct runner_cfg *cfg, size_t *n);

/* Runs the tests of runner_plan and then the active cleanup. Fills out->items (the
 * white-paper requirements in catalogue order; none with --catalog cncf), n, cncf,
 * cncf_items (in the checklist's order, each a copy of the result of the test that
 * decides it), ncncf, cleanup_ok, cleanup_notes and interrupted; the other fields are the
 * caller's. Rules, applied once here and never in the checks:
 * - excluded by --focus/--skip: Skipped, with the reason as evidence; a test runs when
 *   one of the items it decides (its white-paper requirement, its CNCF ids) is not
 *   excluded, and an excluded item reports Skipped (CNCF: excluded) all the same;
 * - a CNCF item with no check: Error, evidence "kaic has no test for this requirement
 *   yet" (its status is Not Implemented);
 * - no check registered: Error, evidence "not implemented";
 * - the active part runs only without --passive and only when the passive part found
 *   the capability (Full or Partial); a namespace is created first for
 *   CHECK_NEEDS_NAMESPACE (Error when it cannot be);
 * - a check with CHECK_FULL_NEEDS_ACTIVE whose Full was decided passively is capped to
 *   Partial, with the evidence line "not exercised: passive mode" (or why the active
 *   part did not run);
 * - requirements not started when the run is interrupted or past its deadline: Error. */
void runner_execute(const struct runner_cfg *cfg, struct run_result *out);

/* Writes 8 lowercase hex digits from /dev/urandom and a NUL into id. Returns 0, or -1
 * with *cause (caller frees). */
int runner_new_run_id(char id[9], char **cause);

#endif
