/* lex.c: the Prometheus parser's lexical helpers (blanks, names, tokens, UTF-8),
 * numbers and timestamps, label sets, and its error messages. Every read is bounded by
 * the end pointer it is given. */
#include "prom/internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/xmalloc.h"

int prom_fail(struct prom_parser *ps, const char *fmt, ...)
{
	if (ps->cause != NULL)
		return -1;
	struct buf b = BUF_INIT;
	buf_addf(&b, "line %zu: ", ps->lineno);
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	ps->cause = buf_detach(&b, NULL);
	return -1;
}

/* A printable, bounded copy of untrusted text for error messages (caller frees). */
char *prom_quote(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	buf_init(&b);
	size_t max = n > 40 ? 40 : n;
	for (size_t i = 0; i < max; i++) {
		unsigned char c = (unsigned char)s[i];
		buf_addc(&b, (c >= 0x20 && c < 0x7f && c != '"') ? (char)c : '?');
	}
	if (n > max)
		buf_adds(&b, "...");
	return buf_detach(&b, NULL);
}

/* ---- lexical helpers ---- */

bool prom_blank(char c)
{
	return c == ' ' || c == '\t';
}

const char *prom_skip_blanks(const char *p, const char *e)
{
	while (p < e && prom_blank(*p))
		p++;
	return p;
}

bool prom_name_start(char c, bool colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}

bool prom_name_char(char c, bool colon)
{
	return prom_name_start(c, colon) || (c >= '0' && c <= '9');
}

/* Length of the metric name (colon true) or label name at p, 0 if none. */
size_t prom_name_len(const char *p, const char *e, bool colon)
{
	if (p >= e || !prom_name_start(*p, colon))
		return 0;
	const char *q = p + 1;
	while (q < e && prom_name_char(*q, colon))
		q++;
	return (size_t)(q - p);
}

const char *prom_token_end(const char *p, const char *e)
{
	while (p < e && !prom_blank(*p))
		p++;
	return p;
}

/* Whether s[0..n) is well-formed UTF-8 (no overlongs, surrogates or values past
 * U+10FFFF) without NUL bytes. */
bool prom_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		unsigned c = p[i];
		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t need;
		unsigned min, cp;
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1, min = 0x80, cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2, min = 0x800, cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3, min = 0x10000, cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i <= need)
			return false;
		for (size_t k = 1; k <= need; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += need + 1;
	}
	return true;
}

/* ---- numbers ---- */

bool prom_has_char(const char *s, size_t n, const char *set)
{
	for (size_t i = 0; i < n; i++)
		if (strchr(set, s[i]) != NULL)
			return true;
	return false;
}

/* Parses a sample value (Go ParseFloat syntax in 0.0.4, OpenMetrics "number" otherwise). */
int prom_parse_float(struct prom_parser *ps, const char *s, size_t n, const char *what, double *out)
{
	char tmp[PROM_MAX_NUMBER + 1];
	if (n == 0)
		return prom_fail(ps, "missing %s", what);
	if (n > PROM_MAX_NUMBER || prom_has_char(s, n, "()_\v\f\r") ||
	    (ps->om && prom_has_char(s, n, "xX"))) {
		char *q = prom_quote(s, n);
		prom_fail(ps, "invalid %s \"%s\"", what, q);
		free(q);
		return -1;
	}
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	/* Go requires a binary exponent in a hexadecimal float. */
	if (prom_has_char(s, n, "xX") && !prom_has_char(s, n, "pP"))
		tmp[0] = '!';
	errno = 0;
	char *end;
	double v = strtod(tmp, &end);
	if (end != tmp + n || tmp[0] == '!') {
		char *q = prom_quote(s, n);
		prom_fail(ps, "invalid %s \"%s\"", what, q);
		free(q);
		return -1;
	}
	if (errno == ERANGE && isinf(v)) {
		char *q = prom_quote(s, n);
		prom_fail(ps, "%s \"%s\" out of range", what, q);
		free(q);
		return -1;
	}
	*out = v;
	return 0;
}

/* Parses a timestamp: integer milliseconds (0.0.4) or float seconds (OpenMetrics);
 * stores seconds. */
int prom_parse_timestamp(struct prom_parser *ps, const char *s, size_t n, double *out)
{
	if (ps->om) {
		if (prom_parse_float(ps, s, n, "timestamp", out) < 0)
			return -1;
		if (!isfinite(*out))
			return prom_fail(ps, "timestamp is not a finite number");
		return 0;
	}
	char tmp[32];
	if (n == 0 || n >= sizeof tmp || prom_has_char(s, n, "\v\f\r")) {
		char *q = prom_quote(s, n);
		prom_fail(ps, "invalid timestamp \"%s\"", q);
		free(q);
		return -1;
	}
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	char *end;
	long long ms = strtoll(tmp, &end, 10);
	if (end != tmp + n || errno == ERANGE) {
		char *q = prom_quote(s, n);
		prom_fail(ps, "invalid timestamp \"%s\"", q);
		free(q);
		return -1;
	}
	*out = (double)ms / 1000.0;
	return 0;
}

/* ---- label sets ---- */

void prom_labels_release(struct prom_labels *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].value);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Reads a quoted, escaped string at *pp (which points at the opening quote) into out. */
int prom_parse_quoted(struct prom_parser *ps, const char **pp, const char *e, struct buf *out)
{
	const char *p = *pp + 1;
	buf_reset(out);
	while (p < e) {
		const char *run = p;
		while (p < e && *p != '"' && *p != '\\')
			p++;
		buf_add(out, run, (size_t)(p - run));
		if (p >= e)
			break;
		if (*p == '"') {
			*pp = p + 1;
			if (!prom_utf8_valid(out->data, out->len))
				return prom_fail(ps, "label value is not valid UTF-8");
			return 0;
		}
		if (p + 1 >= e)
			break;
		char d = p[1];
		if (d == '\\' || d == '"') {
			buf_addc(out, d);
		} else if (d == 'n') {
			buf_addc(out, '\n');
		} else if (ps->om) {
			buf_addc(out, '\\');
			buf_addc(out, d);
		} else {
			char *q = prom_quote(&d, 1);
			prom_fail(ps, "invalid escape sequence \"\\%s\" in label value", q);
			free(q);
			return -1;
		}
		p += 2;
	}
	return prom_fail(ps, "unterminated label value");
}

/* Parses "{a="x",b="y",}" at *pp (pointing at '{') into l. */
int prom_parse_labels(struct prom_parser *ps, const char **pp, const char *e, struct prom_labels *l)
{
	const char *p = prom_skip_blanks(*pp + 1, e);
	struct buf val = BUF_INIT;
	buf_init(&val);
	int rc = -1;
	for (;;) {
		if (p < e && *p == '}') {
			p++;
			break;
		}
		size_t n = prom_name_len(p, e, false);
		if (n == 0) {
			prom_fail(ps, p < e ? "invalid label name" : "unterminated label set");
			goto out;
		}
		const char *name = p;
		for (size_t i = 0; i < l->n; i++) {
			if (strncmp(l->v[i].name, name, n) == 0 && l->v[i].name[n] == '\0') {
				prom_fail(ps, "duplicate label \"%.*s\"", (int)n, name);
				goto out;
			}
		}
		if (l->n == PROM_MAX_LABELS) {
			prom_fail(ps, "more than %d labels", PROM_MAX_LABELS);
			goto out;
		}
		p = prom_skip_blanks(p + n, e);
		if (p >= e || *p != '=') {
			prom_fail(ps, "expected \"=\" after label name \"%.*s\"", (int)n, name);
			goto out;
		}
		p = prom_skip_blanks(p + 1, e);
		if (p >= e || *p != '"') {
			prom_fail(ps, "expected quoted value for label \"%.*s\"", (int)n, name);
			goto out;
		}
		if (prom_parse_quoted(ps, &p, e, &val) < 0)
			goto out;
		if (l->n % 8 == 0)
			l->v = xreallocarray(l->v, l->n + 8, sizeof *l->v);
		l->v[l->n].name = xstrndup(name, n);
		l->v[l->n].value = buf_detach(&val, NULL);
		buf_init(&val);
		l->n++;
		p = prom_skip_blanks(p, e);
		if (p < e && *p == ',') {
			p = prom_skip_blanks(p + 1, e);
			continue;
		}
		if (p < e && *p == '}') {
			p++;
			break;
		}
		prom_fail(ps, p < e ? "expected \",\" or \"}\" in label set"
				    : "unterminated label set");
		goto out;
	}
	*pp = p;
	rc = 0;
out:
	buf_release(&val);
	return rc;
}

const char *prom_labels_get(const struct prom_labels *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return l->v[i].value;
	return NULL;
}
