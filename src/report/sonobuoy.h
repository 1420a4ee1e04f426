/* sonobuoy.h: the pieces of the Sonobuoy plugin report that tests and other writers reuse
 * (report_sonobuoy_finish itself is declared in report.h). */
#ifndef KAIC_REPORT_SONOBUOY_H
#define KAIC_REPORT_SONOBUOY_H

#include <jansson.h>
#include <stdbool.h>

#include "run/result.h"

/* Name of the results tarball and of the tree file inside the results directory. */
#define SONOBUOY_TARBALL "kaic-results.tar.gz"
#define SONOBUOY_RESULTS_FILE "sonobuoy_results.yaml"
#define SONOBUOY_DONE_FILE "done"

/* The Sonobuoy status of one requirement (docs/sonobuoy.md): "passed" for Full, and for a
 * SHOULD that is Partial/No without strict; "failed" for a MUST Partial/No (any level
 * with strict); "skipped" for a SHOULD Skipped; "unknown" for Error and for a MUST
 * Skipped (the run did not decide it, and Sonobuoy counts skipped as passed). So the
 * plugin comes out failed, unknown or passed exactly when kaic exits 1, 3 or 0. Never
 * NULL. */
const char *report_sonobuoy_status(const struct req_result *rr, bool strict);
/* The status of a parent item from its children's, by Sonobuoy's own rule
 * (AggregateStatus), which Sonobuoy applies again when it reads the file: failed (or
 * timeout) > unknown (any other status) > passed, skipped counting as passed; no
 * children is "unknown". */
const char *report_sonobuoy_aggregate(const char *const *statuses, size_t n);
/* The results tree (a new object: name "kaic", one item per domain, one per
 * requirement under it) as written to sonobuoy_results.yaml. */
json_t *report_sonobuoy_build(const struct run_result *r);

#endif
