/* check.h: what a check is, what it gets (struct check_ctx) and what it returns
 * (struct check_result). Each domain file in checks/ exports its checks as a
 * NULL-terminated table of const struct check pointers; the runner does all shared
 * setup (inventory, run namespace, cleanup), never the checks. */
#ifndef KAIC_CHECK_H
#define KAIC_CHECK_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "run/run_opts.h"

struct kube_client;
struct inventory;
struct active;

enum verdict { VERDICT_FULL, VERDICT_PARTIAL, VERDICT_NO, VERDICT_ERROR, VERDICT_SKIPPED };
enum check_mode { MODE_PASSIVE, MODE_ACTIVE };

struct check_result {
	enum verdict verdict;
	enum check_mode mode;
	char **evidence; /* owned strings */
	size_t nevidence;
	char *remediation; /* one line, or NULL when Full */
	long duration_ms;
};

/* "Full", "Partial", "No", "Error", "Skipped" */
const char *verdict_name(enum verdict v);
/* "passive" / "active" */
const char *mode_name(enum check_mode m);
void check_result_init(struct check_result *r);
void check_result_release(struct check_result *r);
/* dst becomes a deep copy of src (dst is overwritten, not released). */
void check_result_copy(struct check_result *dst, const struct check_result *src);
/* Appends one evidence line (printf-style), made valid UTF-8 (U+FFFD replaces what is
 * not); a line longer than 1000 bytes is cut at a character boundary and ends "...". */
void check_evidence(struct check_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Sets the verdict and, unless fmt is NULL, the remediation hint (replacing any), made
 * valid UTF-8 as evidence is. */
void check_verdict(struct check_result *r, enum verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* What a check may use. Everything is borrowed; checks run in parallel, so nothing
 * here is written by a check except through the thread-safe APIs it names. */
struct check_ctx {
	const char *id;		    /* requirement ID being checked */
	struct kube_client *client; /* thread-safe */
	struct inventory *inv;	    /* shared, fetched once per run; thread-safe */
	const struct run_opts *opts;
	const char *run_id;
	const char *ns;	       /* the run namespace (active mode), else NULL */
	struct active *act;    /* active-test framework (cleanup registry), or NULL */
	atomic_int *cancel;    /* non-zero: stop as soon as possible */
	long long deadline_ms; /* absolute CLOCK_MONOTONIC ms for this check */
};

enum check_flags {
	CHECK_NEEDS_NAMESPACE = 1 << 0,	  /* active part creates namespaced objects */
	CHECK_FULL_NEEDS_ACTIVE = 1 << 1, /* passive alone tops out at Partial */
	CHECK_OPT_IN = 1 << 2,		  /* active part only with an explicit flag */
};

struct check {
	const char *id; /* requirement ID, must exist in the catalogue */
	/* Reads the inventory and decides a verdict with evidence. Never creates anything. */
	void (*passive)(struct check_ctx *ctx, struct check_result *res);
	/* Optional: runs after passive unless --passive; refines res (sets mode active). */
	void (*active)(struct check_ctx *ctx, struct check_result *res);
	unsigned flags;
	/* Non-NULL: the active part disturbs the cluster beyond its namespace (what it does,
	 * for the warning before the run); it runs only with --disruptive. */
	const char *disruption;
};

#endif
