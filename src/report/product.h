/* product.h: the CNCF AI Conformance files: PRODUCT.yaml written from a run (product.c),
 * the official template filled in (product_template.c), kaic-extras.yaml, and the
 * validation of any PRODUCT.yaml as the program checks it (product_check.c;
 * docs/cncf.md). */
#ifndef KAIC_REPORT_PRODUCT_H
#define KAIC_REPORT_PRODUCT_H

#include <jansson.h>

#include "report/report.h"
#include "util/buf.h"

/* The junit.xml testcase name of a CNCF id: "TestSecureAcceleratorAccess" for
 * "secure_accelerator_access" (new string). */
char *report_cncf_test_name(const char *id);
/* kaic's placeholder for a metadata key it cannot fill ("[Vendor Name]"). */
const char *product_placeholder(const char *key);
/* The value kaic fills in for a metadata key (kubernetesVersion from the checklist,
 * vendorName/platformName/platformVersion from --vendor/--product/--product-version,
 * any other from --cncf-metadata), or NULL. */
const char *product_metadata_value(const struct run_result *r, const char *key);
/* product_meta.c: reads --cncf-metadata FILE for checklist v: a YAML mapping of v's
 * metadata keys (or a PRODUCT.yaml's metadata mapping) to non-empty strings, none of
 * them kubernetesVersion, a placeholder, or a key --vendor, --product or
 * --product-version of o also sets. Returns 0 with *out (the mapping, new reference), or
 * -1 with *cause naming the file and the problem. */
int product_metadata_load(const char *path, const struct cncf_version *v, const struct run_opts *o,
			  json_t **out, char **cause);
/* The notes of an item (new string, never empty). */
char *product_item_notes(const struct cncf_result *c);
/* The evidence of an item (new array): "file://DIR/junit.xml#TestName" and
 * "file://DIR/results.json" when a test decided it, else empty. */
json_t *product_item_evidence(const struct run_result *r, const struct cncf_result *c);

/* Reads an official checklist file and finds its version (metadata.kubernetesVersion)
 * among kaic's facts; its sections, ids and levels must be that version's. Returns 0
 * with *text (caller frees) and *v, or -1 with *cause naming the file and the problem. */
int product_template_load(const char *path, char **text, const struct cncf_version **v,
			  char **cause);
/* Fills in the template text from r: each item's status, evidence and notes, and the
 * metadata kaic knows (product_metadata_value); every other byte stays as it is.
 * Appends the result to out. Returns 0, or -1 with *cause. */
int product_template_fill(const char *text, const struct run_result *r, struct buf *out,
			  char **cause);
/* product_template_load then product_template_fill (the version must be r->cncf's). */
int product_template_fill_file(const char *path, const struct run_result *r, struct buf *out,
			       char **cause);

/* Validates a PRODUCT.yaml document as the program does: the version's sections, ids,
 * levels and descriptions; statuses; every MUST Implemented (or N/A with notes where the
 * checklist allows it); evidence for Implemented; metadata filled in, placeholders
 * flagged. Returns a new NULL-terminated array of one-line problems (empty when the
 * document is valid); free it with product_problems_free. */
char **product_validate_doc(const json_t *doc);
/* The same for a file; a file that cannot be read or parsed is one problem. */
char **product_validate_file(const char *path);
size_t product_problems_count(char **problems);
void product_problems_free(char **problems);

#endif
