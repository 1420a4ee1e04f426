/* report.h: the report writers. Every writer is fed the same struct run_result and
 * returns 0, or -1 with *cause (caller frees) naming the file and the problem. */
#ifndef KAIC_REPORT_H
#define KAIC_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "run/result.h"
#include "run/runner.h"

/* terminal.c: live progress (TTY) and the summary table. */
struct report_term;
struct report_term *report_term_new(FILE *out, bool color, bool live);
/* The same for the tests a run performs (runner_plan's, copied): one line each. */
struct report_term *report_term_new_plan(FILE *out, bool color, bool live,
					 const struct requirement *const *reqs, size_t n);
/* A requirement started / finished (thread-safe; redraws the live view). */
void report_term_started(struct report_term *t, const struct requirement *req);
void report_term_finished(struct report_term *t, const struct req_result *rr);
/* The same two, as the runner's progress hooks (arg is t). */
struct runner_progress report_term_progress(struct report_term *t);
/* The summary table after the run. */
void report_term_summary(struct report_term *t, const struct run_result *r);
void report_term_free(struct report_term *t);

/* markdown.c: checklist.md, the Appendix A checklist filled in. */
int report_markdown_write(const struct run_result *r, const char *path, char **cause);
/* markdown.c: the blank self-assessment template (`kaic checklist`). */
void report_markdown_template(FILE *out);
/* json.c: results.json (docs/results-format.md). */
int report_json_write(const struct run_result *r, const char *path, char **cause);
/* json.c: the same document as a new jansson object. */
json_t *report_json_build(const struct run_result *r);
/* junit.c: junit.xml, a testsuite per domain, a testcase per requirement. */
int report_junit_write(const struct run_result *r, const char *path, char **cause);
/* product.c: PRODUCT.yaml, the CNCF AI Conformance submission file for r->cncf (from
 * r->cncf_template when set); -1 when no CNCF checklist was decided. */
int report_product_write(const struct run_result *r, const char *path, char **cause);
/* product.c: kaic-extras.yaml, kaic's verdicts and evidence behind PRODUCT.yaml. */
int report_extras_write(const struct run_result *r, const char *path, char **cause);
/* sonobuoy.c: writes sonobuoy_results.yaml (Sonobuoy's manual results format) into
 * results_dir, then the "done" file Sonobuoy's worker waits for, as its contract says. */
int report_sonobuoy_finish(const struct run_result *r, const char *results_dir, char **cause);

#endif
