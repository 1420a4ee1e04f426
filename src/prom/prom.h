/* prom.h: a parser for the Prometheus text exposition format (0.0.4) and the
 * OpenMetrics text format: HELP/TYPE/UNIT, label escaping, NaN/+Inf/-Inf,
 * timestamps, exemplars, "# EOF". Input is untrusted (scraped through the API proxy). */
#ifndef KAIC_PROM_H
#define KAIC_PROM_H

#include <stdbool.h>
#include <stddef.h>

struct prom_label {
	char *name;
	char *value; /* unescaped */
};

struct prom_sample {
	char *name; /* metric name as written, e.g. "DCGM_FI_DEV_GPU_UTIL" or "x_bucket" */
	struct prom_label *labels;
	size_t nlabels;
	double value;
	bool has_timestamp;
	double timestamp; /* seconds since the epoch (0.0.4's milliseconds are converted) */
};

struct prom_family {
	char *name;
	char *type; /* "counter", "gauge", ... or "untyped" */
	char *help; /* or NULL */
	char *unit; /* or NULL */
};

struct prom_doc {
	struct prom_sample *samples;
	size_t nsamples;
	struct prom_family *families;
	size_t nfamilies;
	bool openmetrics; /* ended with "# EOF" */
};

/* Parses len bytes (not NUL-terminated). Returns 0, or -1 with *cause (caller frees)
 * "line N: ..." for the first malformed line; on error doc is left empty. Limits:
 * 1,000,000 samples, 64 labels per sample. */
int prom_parse(const char *text, size_t len, struct prom_doc *doc, char **cause);
void prom_doc_release(struct prom_doc *doc);
/* The value of a label of s, or NULL. */
const char *prom_label(const struct prom_sample *s, const char *name);
/* Whether any sample belongs to family name (exact name, or name + _total/_bucket/...). */
bool prom_has_family(const struct prom_doc *doc, const char *name);

#endif
