/* prom.c: a single-pass, bounded parser for the Prometheus text exposition format 0.0.4
 * and the OpenMetrics 1.0 text format. A document whose last line is "# EOF" is read
 * as OpenMetrics (float-second timestamps, exemplars, stricter rules); anything else as
 * 0.0.4 (integer-millisecond timestamps). Input is untrusted: every read is bounded by
 * the length given, nothing recurses, and family lookups go through a keyed hash. */
#include "prom/internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/hmap.h"
#include "util/xmalloc.h"

const struct prom_type_desc prom_types[] = {
    [PT_COUNTER] = {"counter", true, true, false, "_total _created"},
    [PT_GAUGE] = {"gauge", true, true, true, ""},
    [PT_HISTOGRAM] = {"histogram", true, true, false, "_bucket _count _sum _created"},
    [PT_SUMMARY] = {"summary", true, true, true, "_count _sum _created"},
    [PT_UNTYPED] = {"untyped", true, false, true, ""},
    [PT_INFO] = {"info", false, true, false, "_info"},
    [PT_STATESET] = {"stateset", false, true, true, ""},
    [PT_GAUGEHISTOGRAM] = {"gaugehistogram", false, true, false, "_bucket _gcount _gsum"},
    [PT_UNKNOWN] = {"unknown", false, true, true, ""},
};

/* Suffixes that prom_has_family accepts after a family name. */
static const char *const prom_family_suffixes[] = {"_total",   "_count", "_sum",    "_bucket",
						   "_created", "_info",	 "_gcount", "_gsum"};

/* ---- family index ---- */

/* The index of the family called name[0..n), or -1. */
static long prom_map_get(const struct prom_parser *ps, const char *name, size_t n)
{
	void *v = hmap_getn(&ps->map, name, n);
	return v ? (long)(uintptr_t)v - 1 : -1;
}

/* ---- families ---- */

static long prom_family_add(struct prom_parser *ps, const char *name, size_t n, enum prom_type type)
{
	struct prom_doc *doc = ps->doc;
	if (doc->nfamilies >= PROM_MAX_FAMILIES) {
		prom_fail(ps, "more than %d metric families", PROM_MAX_FAMILIES);
		return -1;
	}
	if (doc->nfamilies >= ps->family_alloc) {
		ps->family_alloc = ps->family_alloc ? ps->family_alloc * 2 : 16;
		doc->families =
		    xreallocarray(doc->families, ps->family_alloc, sizeof *doc->families);
		ps->fs = xreallocarray(ps->fs, ps->family_alloc, sizeof *ps->fs);
	}
	size_t idx = doc->nfamilies++;
	doc->families[idx] =
	    (struct prom_family){.name = xstrndup(name, n), .type = xstrdup(prom_types[type].name)};
	ps->fs[idx] = (struct prom_fam_state){.type = type};
	hmap_putn(&ps->map, doc->families[idx].name, n, (void *)(uintptr_t)(idx + 1));
	return (long)idx;
}

/* Makes idx the current family; in OpenMetrics a family may not come back after
 * another one started. */
static int prom_family_switch(struct prom_parser *ps, long idx)
{
	if (idx == ps->cur)
		return 0;
	if (ps->om && ps->fs[idx].closed)
		return prom_fail(ps, "metric family \"%s\" is interleaved with another",
				 ps->doc->families[idx].name);
	if (ps->cur >= 0)
		ps->fs[ps->cur].closed = true;
	ps->cur = idx;
	return 0;
}

/* Whether name[0..n) is family idx's name plus one of its type's suffixes; *suffix gets
 * the suffix ("" for the bare name). */
static bool prom_family_owns(const struct prom_parser *ps, long idx, const char *name, size_t n,
			     const char **suffix)
{
	const char *fam = ps->doc->families[idx].name;
	size_t fl = strlen(fam);
	if (n < fl || strncmp(name, fam, fl) != 0)
		return false;
	if (n == fl) {
		*suffix = "";
		return true;
	}
	const char *rest = name + fl;
	size_t rl = n - fl;
	const char *s = prom_types[ps->fs[idx].type].suffixes;
	while (*s != '\0') {
		size_t sl = strcspn(s, " ");
		if (sl == rl && strncmp(s, rest, rl) == 0) {
			*suffix = s; /* points into the table; compared by prefix below */
			return true;
		}
		s += sl;
		while (*s == ' ')
			s++;
	}
	return false;
}

/* Finds or creates the family a sample called name[0..n) belongs to. */
static long prom_family_for_sample(struct prom_parser *ps, const char *name, size_t n,
				   const char **suffix)
{
	if (ps->cur >= 0 && prom_family_owns(ps, ps->cur, name, n, suffix))
		return ps->cur;
	long idx = prom_map_get(ps, name, n);
	if (idx >= 0) {
		*suffix = "";
		return idx;
	}
	for (size_t i = 0; i < sizeof prom_family_suffixes / sizeof *prom_family_suffixes; i++) {
		size_t sl = strlen(prom_family_suffixes[i]);
		if (n <= sl || memcmp(name + n - sl, prom_family_suffixes[i], sl) != 0)
			continue;
		idx = prom_map_get(ps, name, n - sl);
		if (idx >= 0 && prom_family_owns(ps, idx, name, n, suffix))
			return idx;
	}
	*suffix = "";
	return prom_family_add(ps, name, n, ps->om ? PT_UNKNOWN : PT_UNTYPED);
}

static bool prom_suffix_is(const char *suffix, const char *want)
{
	size_t wl = strlen(want);
	return strncmp(suffix, want, wl) == 0 && (suffix[wl] == '\0' || suffix[wl] == ' ');
}

/* Checks the labels a sample of its family's type needs ("le", "quantile") and where an
 * exemplar may appear (counter totals and histogram buckets). */
static int prom_check_sample(struct prom_parser *ps, long idx, const char *suffix,
			     const struct prom_labels *l, bool exemplar)
{
	enum prom_type t = ps->fs[idx].type;
	const char *fam = ps->doc->families[idx].name;
	bool bucket =
	    (t == PT_HISTOGRAM || t == PT_GAUGEHISTOGRAM) && prom_suffix_is(suffix, "_bucket");
	if (exemplar && !bucket && !(t == PT_COUNTER && prom_suffix_is(suffix, "_total")))
		return prom_fail(ps, "exemplar not allowed on a sample of %s \"%s\"",
				 prom_types[t].name, fam);
	if (*suffix == '\0' && ps->om && !prom_types[t].bare_in_om)
		return prom_fail(ps, "sample of %s \"%s\" needs a suffix", prom_types[t].name, fam);
	const char *need = NULL;
	if (bucket)
		need = "le";
	else if (t == PT_SUMMARY && *suffix == '\0')
		need = "quantile";
	if (need == NULL)
		return 0;
	const char *v = prom_labels_get(l, need);
	if (v == NULL)
		return prom_fail(ps, "sample of %s \"%s\" lacks the \"%s\" label",
				 prom_types[t].name, fam, need);
	char *end;
	(void)strtod(v, &end);
	if (*v == '\0' || *end != '\0' || strchr(v, '(') != NULL || strchr(v, ' ') != NULL)
		return prom_fail(ps, "label \"%s\" of \"%s\" is not a number", need, fam);
	return 0;
}

/* ---- lines ---- */

static int prom_parse_exemplar(struct prom_parser *ps, const char *p, const char *e)
{
	/* p points after '#' */
	if (p >= e || !prom_blank(*p))
		return prom_fail(ps, "expected space after \"#\" of exemplar");
	p = prom_skip_blanks(p, e);
	if (p >= e || *p != '{')
		return prom_fail(ps, "expected label set in exemplar");
	struct prom_labels l = {0};
	int rc = prom_parse_labels(ps, &p, e, &l);
	prom_labels_release(&l);
	if (rc < 0)
		return -1;
	if (p >= e || !prom_blank(*p))
		return prom_fail(ps, "expected space after exemplar labels");
	p = prom_skip_blanks(p, e);
	const char *t = prom_token_end(p, e);
	double v;
	if (prom_parse_float(ps, p, (size_t)(t - p), "exemplar value", &v) < 0)
		return -1;
	p = prom_skip_blanks(t, e);
	if (p < e) {
		t = prom_token_end(p, e);
		if (prom_parse_timestamp(ps, p, (size_t)(t - p), &v) < 0)
			return -1;
		if (prom_skip_blanks(t, e) != e)
			return prom_fail(ps, "unexpected text after exemplar");
	}
	return 0;
}

static int prom_sample_add(struct prom_parser *ps, const char *name, size_t n,
			   struct prom_labels *l, double value, bool has_ts, double ts)
{
	struct prom_doc *doc = ps->doc;
	if (doc->nsamples >= PROM_MAX_SAMPLES)
		return prom_fail(ps, "more than %d samples", PROM_MAX_SAMPLES);
	if (doc->nsamples == ps->sample_alloc) {
		ps->sample_alloc = ps->sample_alloc ? ps->sample_alloc * 2 : 64;
		doc->samples = xreallocarray(doc->samples, ps->sample_alloc, sizeof *doc->samples);
	}
	doc->samples[doc->nsamples++] = (struct prom_sample){
	    .name = xstrndup(name, n),
	    .labels = l->v,
	    .nlabels = l->n,
	    .value = value,
	    .has_timestamp = has_ts,
	    .timestamp = ts,
	};
	l->v = NULL;
	l->n = 0;
	return 0;
}

static int prom_parse_sample(struct prom_parser *ps, const char *p, const char *e)
{
	size_t n = prom_name_len(p, e, true);
	if (n == 0)
		return prom_fail(ps, "invalid metric name");
	const char *name = p;
	p += n;
	struct prom_labels l = {0};
	int rc = -1;
	if (p < e && *p == '{' && prom_parse_labels(ps, &p, e, &l) < 0)
		goto out;
	if (p >= e || !prom_blank(*p)) {
		prom_fail(ps,
			  p >= e ? "missing value for \"%.*s\""
				 : "expected space before the value of \"%.*s\"",
			  (int)n, name);
		goto out;
	}
	p = prom_skip_blanks(p, e);
	const char *t = prom_token_end(p, e);
	double value = 0, ts = 0;
	bool has_ts = false;
	if (prom_parse_float(ps, p, (size_t)(t - p), "value", &value) < 0)
		goto out;
	p = prom_skip_blanks(t, e);
	if (p < e && *p != '#') {
		t = prom_token_end(p, e);
		if (prom_parse_timestamp(ps, p, (size_t)(t - p), &ts) < 0)
			goto out;
		has_ts = true;
		p = prom_skip_blanks(t, e);
	}
	bool exemplar = p < e;
	if (exemplar) {
		if (!ps->om || *p != '#') {
			prom_fail(ps, "unexpected text after the value of \"%.*s\"", (int)n, name);
			goto out;
		}
		if (prom_parse_exemplar(ps, p + 1, e) < 0)
			goto out;
	}
	const char *suffix;
	long idx = prom_family_for_sample(ps, name, n, &suffix);
	if (idx < 0 || prom_family_switch(ps, idx) < 0 ||
	    prom_check_sample(ps, idx, suffix, &l, exemplar) < 0)
		goto out;
	ps->fs[idx].has_samples = true;
	rc = prom_sample_add(ps, name, n, &l, value, has_ts, ts);
out:
	prom_labels_release(&l);
	return rc;
}

static char *prom_unescape_help(const struct prom_parser *ps, const char *p, const char *e)
{
	struct buf b = BUF_INIT;
	buf_init(&b);
	while (p < e) {
		if (*p == '\\' && p + 1 < e &&
		    (p[1] == '\\' || p[1] == 'n' || (ps->om && p[1] == '"'))) {
			buf_addc(&b, p[1] == 'n' ? '\n' : p[1]);
			p += 2;
			continue;
		}
		buf_addc(&b, *p++);
	}
	return buf_detach(&b, NULL);
}

static int prom_type_parse(struct prom_parser *ps, const char *p, size_t n, enum prom_type *out)
{
	for (size_t i = 0; i < sizeof prom_types / sizeof *prom_types; i++) {
		const struct prom_type_desc *d = &prom_types[i];
		if (strlen(d->name) == n && strncmp(d->name, p, n) == 0 &&
		    (ps->om ? d->in_om : d->in_text)) {
			*out = (enum prom_type)i;
			return 0;
		}
	}
	char *q = prom_quote(p, n);
	prom_fail(ps, "unknown metric type \"%s\"", q);
	free(q);
	return -1;
}

/* Handles "# HELP", "# TYPE" and "# UNIT" for the family name[0..n); p..e is the rest. */
static int prom_parse_meta(struct prom_parser *ps, char kind, const char *name, size_t n,
			   const char *p, const char *e)
{
	long idx = prom_map_get(ps, name, n);
	if (idx < 0 && (idx = prom_family_add(ps, name, n, ps->om ? PT_UNKNOWN : PT_UNTYPED)) < 0)
		return -1;
	if (prom_family_switch(ps, idx) < 0)
		return -1;
	struct prom_fam_state *fs = &ps->fs[idx];
	struct prom_family *f = &ps->doc->families[idx];
	if (ps->om && fs->has_samples)
		return prom_fail(ps, "metadata for \"%s\" after its samples", f->name);
	if (kind == 'T') {
		const char *t = prom_token_end(p, e);
		enum prom_type type;
		if (p == e)
			return prom_fail(ps, "missing type for \"%s\"", f->name);
		if (prom_skip_blanks(t, e) != e)
			return prom_fail(ps, "unexpected text after the type of \"%s\"", f->name);
		if (prom_type_parse(ps, p, (size_t)(t - p), &type) < 0)
			return -1;
		if (fs->has_type)
			return prom_fail(ps, "second TYPE line for \"%s\"", f->name);
		if (fs->has_samples)
			return prom_fail(ps, "TYPE line for \"%s\" after its samples", f->name);
		fs->has_type = true;
		fs->type = type;
		free(f->type);
		f->type = xstrdup(prom_types[type].name);
		return 0;
	}
	if (kind == 'H') {
		if (fs->has_help)
			return prom_fail(ps, "second HELP line for \"%s\"", f->name);
		fs->has_help = true;
		if (!prom_utf8_valid(p, (size_t)(e - p)))
			return prom_fail(ps, "help of \"%s\" is not valid UTF-8", f->name);
		if (p < e)
			f->help = prom_unescape_help(ps, p, e);
		return 0;
	}
	if (fs->has_unit)
		return prom_fail(ps, "second UNIT line for \"%s\"", f->name);
	fs->has_unit = true;
	size_t ul = (size_t)(e - p);
	for (size_t i = 0; i < ul; i++)
		if (!prom_name_char(p[i], true))
			return prom_fail(ps, "invalid unit for \"%s\"", f->name);
	if (ul == 0)
		return 0;
	size_t fl = strlen(f->name);
	if (ps->om &&
	    (fl < ul + 1 || f->name[fl - ul - 1] != '_' || memcmp(f->name + fl - ul, p, ul) != 0))
		return prom_fail(ps, "unit \"%.*s\" is not a suffix of \"%s\"", (int)ul, p,
				 f->name);
	f->unit = xstrndup(p, ul);
	return 0;
}

static int prom_parse_comment(struct prom_parser *ps, const char *p, const char *e)
{
	p = prom_skip_blanks(p + 1, e);
	const char *t = prom_token_end(p, e);
	size_t kl = (size_t)(t - p);
	char kind;
	if (kl == 4 && memcmp(p, "HELP", 4) == 0)
		kind = 'H';
	else if (kl == 4 && memcmp(p, "TYPE", 4) == 0)
		kind = 'T';
	else if (kl == 4 && memcmp(p, "UNIT", 4) == 0)
		kind = 'U';
	else
		return 0; /* a plain comment */
	p = prom_skip_blanks(t, e);
	size_t n = prom_name_len(p, e, true);
	if (n == 0 || (p + n < e && !prom_blank(p[n])))
		return prom_fail(ps, "invalid metric name in %.4s line", t - kl);
	const char *name = p;
	p = prom_skip_blanks(p + n, e);
	return prom_parse_meta(ps, kind, name, n, p, e);
}

static int prom_parse_line(struct prom_parser *ps, const char *p, const char *e)
{
	if (e > p && e[-1] == '\r')
		e--;
	p = prom_skip_blanks(p, e);
	while (e > p && prom_blank(e[-1]))
		e--;
	if (p == e)
		return 0;
	if (*p == '#')
		return prom_parse_comment(ps, p, e);
	return prom_parse_sample(ps, p, e);
}

/* Offset of the first "# EOF" line in text, or len when there is none. */
static size_t prom_find_eof(const char *text, size_t len)
{
	size_t off = 0;
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t ll = end - off;
		if (ll > 0 && text[end - 1] == '\r')
			ll--;
		if (ll == 5 && memcmp(text + off, "# EOF", 5) == 0)
			return off;
		off = nl ? end + 1 : len;
	}
	return len;
}

void prom_doc_release(struct prom_doc *doc)
{
	if (doc == NULL)
		return;
	for (size_t i = 0; i < doc->nsamples; i++) {
		struct prom_sample *s = &doc->samples[i];
		for (size_t j = 0; j < s->nlabels; j++) {
			free(s->labels[j].name);
			free(s->labels[j].value);
		}
		free(s->labels);
		free(s->name);
	}
	free(doc->samples);
	for (size_t i = 0; i < doc->nfamilies; i++) {
		free(doc->families[i].name);
		free(doc->families[i].type);
		free(doc->families[i].help);
		free(doc->families[i].unit);
	}
	free(doc->families);
	memset(doc, 0, sizeof *doc);
}

int prom_parse(const char *text, size_t len, struct prom_doc *doc, char **cause)
{
	memset(doc, 0, sizeof *doc);
	struct prom_parser ps = {.doc = doc, .cur = -1};
	hmap_init_borrowed(&ps.map); /* keys: the families' names */
	if (text == NULL)
		len = 0;
	size_t eof = prom_find_eof(text, len);
	ps.om = eof < len;
	doc->openmetrics = ps.om;
	size_t off = 0;
	int rc = 0;
	while (off < eof && rc == 0) {
		const char *nl = memchr(text + off, '\n', eof - off);
		size_t end = nl ? (size_t)(nl - text) : eof;
		ps.lineno++;
		rc = prom_parse_line(&ps, text + off, text + end);
		off = nl ? end + 1 : eof;
	}
	if (rc == 0 && ps.om) {
		ps.lineno++;
		size_t after = eof + 5;
		if (after < len && text[after] == '\r')
			after++;
		if (after < len && text[after] == '\n')
			after++;
		if (after < len) {
			ps.lineno++;
			rc = prom_fail(&ps, "unexpected content after \"# EOF\"");
		}
	}
	hmap_release(&ps.map);
	free(ps.fs);
	if (rc < 0) {
		prom_doc_release(doc);
		if (cause != NULL)
			*cause = ps.cause;
		else
			free(ps.cause);
		return -1;
	}
	return 0;
}

const char *prom_label(const struct prom_sample *s, const char *name)
{
	for (size_t i = 0; i < s->nlabels; i++)
		if (strcmp(s->labels[i].name, name) == 0)
			return s->labels[i].value;
	return NULL;
}

bool prom_has_family(const struct prom_doc *doc, const char *name)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i < doc->nsamples; i++) {
		const char *s = doc->samples[i].name;
		if (strncmp(s, name, nl) != 0)
			continue;
		if (s[nl] == '\0')
			return true;
		for (size_t k = 0; k < sizeof prom_family_suffixes / sizeof *prom_family_suffixes;
		     k++)
			if (strcmp(s + nl, prom_family_suffixes[k]) == 0)
				return true;
	}
	return false;
}
