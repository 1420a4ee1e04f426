/* result.h: the outcome of one run, the single structure every report is written from. */
#ifndef KAIC_RESULT_H
#define KAIC_RESULT_H

#include <stddef.h>
#include <time.h>

#include "catalog/catalog.h"
#include "catalog/cncf.h"
#include "run/check.h"
#include "kube/kube.h"
#include "run/run_opts.h"
#include "util/exit.h"

struct req_result {
	const struct requirement *req; /* borrowed from the catalogue */
	struct check_result res;
	bool excluded; /* Skipped because --focus/--skip left it out (not by its check) */
};

/* One item of the CNCF checklist the run decided (docs/cncf.md). */
struct cncf_result {
	const struct cncf_item *item; /* borrowed from the version's table */
	/* The requirement whose check decided it: the official id's own (cncf_requirement)
	 * or the overlapping white-paper one (HW-1.1 for dra_support); NULL when kaic has
	 * no check for it. */
	const struct requirement *by;
	bool excluded;		 /* --focus/--skip left it out */
	struct check_result res; /* a copy of that check's result */
};

/* The statuses of the CNCF form. */
enum cncf_status { CNCF_IMPLEMENTED, CNCF_PARTIAL, CNCF_NOT_IMPLEMENTED, CNCF_NA };

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
	struct req_result *items;    /* catalogue order; none with --catalog cncf */
	size_t n;
	const struct cncf_version *cncf; /* the CNCF checklist decided, or NULL */
	struct cncf_result *cncf_items;	 /* in cncf's order */
	size_t ncncf;
	const char *cncf_template;   /* --cncf-template (borrowed), or NULL */
	const json_t *cncf_metadata; /* --cncf-metadata's mapping (borrowed), or NULL */
	bool product_checked;	     /* PRODUCT.yaml was written and validated */
	char **product_problems;     /* NULL-terminated: what validation found */
	bool cleanup_ok;	     /* every object the run created was deleted */
	char **cleanup_notes;	     /* NULL-terminated, may be NULL */
	bool interrupted;	     /* SIGINT/SIGTERM stopped the run */
	char **reports;		     /* NULL-terminated paths of the reports written, may be NULL */
};

/* Frees everything r owns (strings, items and their results, notes, report paths) and
 * zeroes it; opts and the requirements stay (borrowed). */
void run_result_release(struct run_result *r);
/* Exit status from the verdicts of both catalogues: 130 when the run was interrupted
 * (checked first); 1 a failure (run_result_is_failure, cncf_result_is_failure); else 3
 * when something was not decided (run_result_is_undecided, cncf_result_is_undecided);
 * else 0, which means every white-paper MUST was decided Full and every CNCF MUST is
 * Implemented (or N/A where the checklist allows it). A Skipped SHOULD never changes
 * it. */
enum kaic_exit run_result_exit_code(const struct run_result *r, bool strict);
/* True when rr counts as a failure for the exit code (a MUST not Full and not
 * Error/Skipped; a SHOULD Partial/No only with strict). */
bool run_result_is_failure(const struct req_result *rr, bool strict);
/* True when rr keeps the run from claiming its MUSTs: an Error at any level, or a MUST
 * that was Skipped (--focus/--skip), which the run did not decide. */
bool run_result_is_undecided(const struct req_result *rr);
/* The exit status of one catalogue alone (the same rules): the white paper's, or the
 * CNCF version's (0 when r->cncf is NULL: nothing to say). */
enum kaic_exit run_result_exit_whitepaper(const struct run_result *r, bool strict);
enum kaic_exit run_result_exit_cncf(const struct run_result *r, bool strict);

/* The status a CNCF item gets: Full -> Implemented, Partial -> Partially Implemented,
 * No, Error, no check, or left out by --focus/--skip -> Not Implemented; Skipped by its
 * own check (the capability does not apply) -> N/A, where the checklist allows it (any
 * SHOULD, a MUST with na_allowed), else Not Implemented. Never empty. */
enum cncf_status cncf_status_of(const struct cncf_result *c);
/* "Implemented", "Partially Implemented", "Not Implemented", "N/A" */
const char *cncf_status_name(enum cncf_status s);
/* A CNCF item that fails the run: a MUST (any level with strict) whose check decided
 * Partial or No. */
bool cncf_result_is_failure(const struct cncf_result *c, bool strict);
/* A CNCF MUST kaic could not decide: no check, Error, left out by --focus/--skip, or N/A
 * where the checklist does not allow it. */
bool cncf_result_is_undecided(const struct cncf_result *c);

#endif
