/* check.c: check results (verdict, evidence, remediation) and the check registry. */
#include "run/check.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/buf.h"
#include "util/esc.h"
#include "util/xmalloc.h"

#define EVIDENCE_MAX 1000 /* bytes of one evidence line, "..." included */

const char *verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_FULL:
		return "Full";
	case VERDICT_PARTIAL:
		return "Partial";
	case VERDICT_NO:
		return "No";
	case VERDICT_ERROR:
		return "Error";
	case VERDICT_SKIPPED:
		return "Skipped";
	}
	return "Error";
}

const char *mode_name(enum check_mode m)
{
	return m == MODE_ACTIVE ? "active" : "passive";
}

void check_result_init(struct check_result *r)
{
	memset(r, 0, sizeof(*r));
	r->verdict = VERDICT_ERROR;
	r->mode = MODE_PASSIVE;
}

void check_result_release(struct check_result *r)
{
	for (size_t i = 0; i < r->nevidence; i++)
		free(r->evidence[i]);
	free(r->evidence);
	free(r->remediation);
	memset(r, 0, sizeof(*r));
}

void check_result_copy(struct check_result *dst, const struct check_result *src)
{
	*dst = *src;
	dst->evidence = src->nevidence ? xcalloc(src->nevidence, sizeof(*dst->evidence)) : NULL;
	for (size_t i = 0; i < src->nevidence; i++)
		dst->evidence[i] = xstrdup(src->evidence[i]);
	dst->remediation = src->remediation ? xstrdup(src->remediation) : NULL;
}

/* raw as valid UTF-8 (U+FFFD for what is not), cut at a character boundary to at most
 * EVIDENCE_MAX bytes with "..." marking the cut; a new string. */
static char *evidence_line(const char *raw)
{
	struct buf b = BUF_INIT;
	buf_init(&b);
	esc_utf8_fix(&b, raw, strlen(raw));
	if (b.len > EVIDENCE_MAX) {
		b.len = esc_utf8_cut(b.data, b.len, EVIDENCE_MAX - 4);
		b.data[b.len] = '\0';
		buf_adds(&b, "...");
	}
	return buf_detach(&b, NULL);
}

void check_evidence(struct check_result *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *raw = xvasprintf(fmt, ap);
	va_end(ap);
	char *line = evidence_line(raw);
	free(raw);
	r->evidence = xreallocarray(r->evidence, r->nevidence + 1, sizeof(*r->evidence));
	r->evidence[r->nevidence++] = line;
}

void check_verdict(struct check_result *r, enum verdict v, const char *fmt, ...)
{
	r->verdict = v;
	if (fmt == NULL)
		return;
	free(r->remediation);
	va_list ap;
	va_start(ap, fmt);
	char *raw = xvasprintf(fmt, ap);
	va_end(ap);
	r->remediation = esc_utf8_dup(raw);
	free(raw);
}
