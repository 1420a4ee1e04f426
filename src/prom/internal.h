/* internal.h: what the two halves of the Prometheus parser share: the parser state
 * (prom.c: families and lines) and the lexical, number and label-set helpers (lex.c). */
#ifndef KAIC_PROM_INTERNAL_H
#define KAIC_PROM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "prom/prom.h"
#include "util/buf.h"
#include "util/hmap.h"

#define PROM_MAX_SAMPLES 1000000
#define PROM_MAX_FAMILIES 1000000
#define PROM_MAX_LABELS 64
#define PROM_MAX_NUMBER 128 /* longest numeric token accepted */

enum prom_type {
	PT_COUNTER,
	PT_GAUGE,
	PT_HISTOGRAM,
	PT_SUMMARY,
	PT_UNTYPED,
	PT_INFO,
	PT_STATESET,
	PT_GAUGEHISTOGRAM,
	PT_UNKNOWN,
};

struct prom_type_desc {
	const char *name;
	bool in_text;	      /* allowed in 0.0.4 */
	bool in_om;	      /* allowed in OpenMetrics */
	bool bare_in_om;      /* samples may use the family name without a suffix */
	const char *suffixes; /* space-separated sample-name suffixes */
};

extern const struct prom_type_desc prom_types[];

/* Parser-side state of one family, parallel to doc->families. */
struct prom_fam_state {
	enum prom_type type;
	bool has_type, has_help, has_unit, has_samples, closed;
};

struct prom_parser {
	struct prom_doc *doc;
	bool om;
	size_t lineno;
	size_t sample_alloc, family_alloc;
	struct prom_fam_state *fs;
	/* family name (borrowed from doc) -> 1 + its index; keyed SipHash, so names chosen
	 * by a hostile exporter cannot force collisions */
	struct hmap map;
	long cur; /* current family, -1 none */
	char *cause;
};

/* A parsed label set under construction. */
struct prom_labels {
	struct prom_label *v;
	size_t n;
};

int prom_fail(struct prom_parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *prom_quote(const char *s, size_t n);
bool prom_blank(char c);
const char *prom_skip_blanks(const char *p, const char *e);
bool prom_name_start(char c, bool colon);
bool prom_name_char(char c, bool colon);
size_t prom_name_len(const char *p, const char *e, bool colon);
const char *prom_token_end(const char *p, const char *e);
bool prom_utf8_valid(const char *s, size_t n);
bool prom_has_char(const char *s, size_t n, const char *set);
int prom_parse_float(struct prom_parser *ps, const char *s, size_t n, const char *what,
		     double *out);
int prom_parse_timestamp(struct prom_parser *ps, const char *s, size_t n, double *out);
void prom_labels_release(struct prom_labels *l);
int prom_parse_quoted(struct prom_parser *ps, const char **pp, const char *e, struct buf *out);
int prom_parse_labels(struct prom_parser *ps, const char **pp, const char *e,
		      struct prom_labels *l);
const char *prom_labels_get(const struct prom_labels *l, const char *name);

#endif
