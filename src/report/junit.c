/* junit.c: junit.xml for CI systems: a testsuite per domain, a testcase per requirement. */
#include <stdlib.h>
#include <string.h>

#include "report/product.h"
#include "report/report.h"
#include "report/write.h"
#include "util/buf.h"
#include "util/esc.h"
#include "util/xmalloc.h"

/* Appends s XML-escaped. XML 1.0 cannot carry most control characters, even as
 * references: those become visible escapes ("\x1b", as on the terminal), and so do bytes
 * that are not UTF-8. Tab, line feed and carriage return are kept as character
 * references where a reader would otherwise normalise them: in attributes (attr) all
 * three, in element content the carriage return. */
static void add_xml_to(struct buf *b, const char *s, bool attr)
{
	struct buf t = BUF_INIT;
	buf_init(&t);
	esc_text_keep(&t, s, "\t\n\r");
	for (const char *p = t.data; *p != '\0'; p++) {
		switch (*p) {
		case '&':
			buf_adds(b, "&amp;");
			break;
		case '<':
			buf_adds(b, "&lt;");
			break;
		case '>':
			buf_adds(b, "&gt;");
			break;
		case '"':
			buf_adds(b, "&quot;");
			break;
		case '\'':
			buf_adds(b, "&apos;");
			break;
		case '\r':
			buf_adds(b, "&#13;");
			break;
		case '\n':
		case '\t':
			if (attr)
				buf_addf(b, "&#%d;", *p);
			else
				buf_addc(b, *p);
			break;
		default:
			buf_addc(b, *p);
		}
	}
	buf_release(&t);
}

/* s as attribute text (between double quotes). */
static void add_xml(struct buf *b, const char *s)
{
	add_xml_to(b, s, true);
}

/* s as element content. */
static void add_xml_text(struct buf *b, const char *s)
{
	add_xml_to(b, s, false);
}

enum outcome { OUT_PASS, OUT_FAILURE, OUT_ERROR, OUT_SKIPPED };

static enum outcome outcome_of(const struct req_result *rr, bool strict)
{
	switch (rr->res.verdict) {
	case VERDICT_ERROR:
		return OUT_ERROR;
	case VERDICT_SKIPPED:
		return OUT_SKIPPED;
	default:
		return run_result_is_failure(rr, strict) ? OUT_FAILURE : OUT_PASS;
	}
}

struct suite_counts {
	size_t tests, failures, errors, skipped;
	long long ms;
};

static void count(struct suite_counts *c, const struct req_result *rr, bool strict)
{
	c->tests++;
	c->ms += rr->res.duration_ms;
	switch (outcome_of(rr, strict)) {
	case OUT_FAILURE:
		c->failures++;
		break;
	case OUT_ERROR:
		c->errors++;
		break;
	case OUT_SKIPPED:
		c->skipped++;
		break;
	case OUT_PASS:
		break;
	}
}

static void add_counts(struct buf *b, const struct suite_counts *c)
{
	buf_addf(b, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\"",
		 c->tests, c->failures, c->errors, c->skipped, (double)c->ms / 1000.0);
}

/* The verdict, mode, evidence and remediation, for system-out and failure bodies. */
static void add_details(struct buf *b, const struct req_result *rr)
{
	const struct check_result *res = &rr->res;
	struct buf t = BUF_INIT;
	buf_init(&t);
	buf_addf(&t, "%s %s: %s (%s)\n", level_name(rr->req->level), rr->req->id,
		 verdict_name(res->verdict), mode_name(res->mode));
	for (size_t i = 0; i < res->nevidence; i++)
		buf_addf(&t, "- %s\n", res->evidence[i]);
	if (res->remediation != NULL)
		buf_addf(&t, "remediation: %s\n", res->remediation);
	add_xml_text(b, t.data);
	buf_release(&t);
}

static void add_testcase(struct buf *b, const struct req_result *rr, bool strict)
{
	const struct check_result *res = &rr->res;
	buf_adds(b, "    <testcase classname=\"");
	add_xml(b, rr->req->domain);
	buf_adds(b, "\" name=\"");
	add_xml(b, rr->req->id);
	buf_addc(b, ' ');
	add_xml(b, rr->req->title);
	buf_addf(b, "\" time=\"%.3f\">\n", (double)res->duration_ms / 1000.0);
	const char *rem = res->remediation ? res->remediation : "";
	switch (outcome_of(rr, strict)) {
	case OUT_FAILURE:
		buf_addf(b, "      <failure type=\"%s\" message=\"%s requirement is %s: ",
			 verdict_name(res->verdict), level_name(rr->req->level),
			 verdict_name(res->verdict));
		add_xml(b, rem);
		buf_adds(b, "\"/>\n");
		break;
	case OUT_ERROR:
		buf_adds(b, "      <error type=\"Error\" message=\"kaic could not decide: ");
		add_xml(b, res->nevidence > 0 ? res->evidence[res->nevidence - 1] : rem);
		buf_adds(b, "\"/>\n");
		break;
	case OUT_SKIPPED:
		buf_adds(b, "      <skipped message=\"");
		add_xml(b, res->nevidence > 0 ? res->evidence[0] : "skipped");
		buf_adds(b, "\"/>\n");
		break;
	case OUT_PASS:
		break;
	}
	buf_adds(b, "      <system-out>");
	add_details(b, rr);
	buf_adds(b, "</system-out>\n    </testcase>\n");
}

/* Appends the testsuite of domain (the requirements of that domain, catalogue order). */
static void add_suite(struct buf *b, const struct run_result *r, const char *domain, bool strict,
		      struct suite_counts *total)
{
	struct suite_counts c = {0};
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->items[i].req->domain, domain) == 0)
			count(&c, &r->items[i], strict);
	buf_adds(b, "  <testsuite name=\"");
	add_xml(b, domain);
	buf_addc(b, '"');
	add_counts(b, &c);
	buf_adds(b, ">\n");
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->items[i].req->domain, domain) == 0)
			add_testcase(b, &r->items[i], strict);
	buf_adds(b, "  </testsuite>\n");
	total->tests += c.tests;
	total->failures += c.failures;
	total->errors += c.errors;
	total->skipped += c.skipped;
	total->ms += c.ms;
}

/* True when domain appears in r->items before index i (each suite is written once). */
static bool seen_before(const struct run_result *r, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(r->items[j].req->domain, r->items[i].req->domain) == 0)
			return true;
	return false;
}

/* The outcome of a CNCF item: N/A and left out are skipped, no check and Error errors. */
static enum outcome cncf_outcome(const struct cncf_result *c, bool strict)
{
	if (c->excluded || cncf_status_of(c) == CNCF_NA)
		return OUT_SKIPPED;
	if (c->by == NULL || c->res.verdict == VERDICT_ERROR || c->res.verdict == VERDICT_SKIPPED)
		return OUT_ERROR;
	return cncf_result_is_failure(c, strict) ? OUT_FAILURE : OUT_PASS;
}

static void add_cncf_case(struct buf *b, const struct cncf_result *c, bool strict)
{
	const struct check_result *res = &c->res;
	const char *status = cncf_status_name(cncf_status_of(c));
	char *name = report_cncf_test_name(c->item->id);
	buf_adds(b, "    <testcase classname=\"");
	add_xml(b, c->item->section);
	buf_adds(b, "\" name=\"");
	add_xml(b, name);
	buf_addf(b, "\" time=\"%.3f\">\n", (double)res->duration_ms / 1000.0);
	const char *last = res->nevidence > 0 ? res->evidence[res->nevidence - 1] : status;
	switch (cncf_outcome(c, strict)) {
	case OUT_FAILURE:
		buf_addf(b, "      <failure type=\"%s\" message=\"%s %s is %s: ", status,
			 level_name(c->item->level), c->item->id, status);
		add_xml(b, res->remediation ? res->remediation : "");
		buf_adds(b, "\"/>\n");
		break;
	case OUT_ERROR:
		buf_adds(b, "      <error type=\"Error\" message=\"kaic could not decide: ");
		add_xml(b, last);
		buf_adds(b, "\"/>\n");
		break;
	case OUT_SKIPPED:
		buf_adds(b, "      <skipped message=\"");
		add_xml(b, status);
		buf_adds(b, ": ");
		add_xml(b, last);
		buf_adds(b, "\"/>\n");
		break;
	case OUT_PASS:
		break;
	}
	struct buf t = BUF_INIT;
	buf_init(&t);
	buf_addf(&t, "%s %s: %s, decided by %s: %s (%s)\n", level_name(c->item->level), c->item->id,
		 status, c->by ? c->by->id : "no test", verdict_name(res->verdict),
		 mode_name(res->mode));
	for (size_t i = 0; i < res->nevidence; i++)
		buf_addf(&t, "- %s\n", res->evidence[i]);
	if (res->remediation != NULL)
		buf_addf(&t, "remediation: %s\n", res->remediation);
	buf_adds(b, "      <system-out>");
	add_xml_text(b, t.data);
	buf_adds(b, "</system-out>\n    </testcase>\n");
	buf_release(&t);
	free(name);
}

/* The testsuite of the CNCF checklist: a testcase per item, named as PRODUCT.yaml's
 * evidence anchors name them. */
static void add_cncf_suite(struct buf *b, const struct run_result *r, bool strict,
			   struct suite_counts *total)
{
	struct suite_counts c = {0};
	for (size_t i = 0; i < r->ncncf; i++) {
		c.tests++;
		c.ms += r->cncf_items[i].res.duration_ms;
		switch (cncf_outcome(&r->cncf_items[i], strict)) {
		case OUT_FAILURE:
			c.failures++;
			break;
		case OUT_ERROR:
			c.errors++;
			break;
		case OUT_SKIPPED:
			c.skipped++;
			break;
		case OUT_PASS:
			break;
		}
	}
	buf_addf(b, "  <testsuite name=\"CNCF AI Conformance %s\"", r->cncf->name);
	add_counts(b, &c);
	buf_adds(b, ">\n");
	for (size_t i = 0; i < r->ncncf; i++)
		add_cncf_case(b, &r->cncf_items[i], strict);
	buf_adds(b, "  </testsuite>\n");
	total->tests += c.tests;
	total->failures += c.failures;
	total->errors += c.errors;
	total->skipped += c.skipped;
	total->ms += c.ms;
}

int report_junit_write(const struct run_result *r, const char *path, char **cause)
{
	bool strict = r->opts != NULL && r->opts->strict;
	struct buf suites = BUF_INIT;
	buf_init(&suites);
	struct suite_counts total = {0};
	for (size_t i = 0; i < r->n; i++)
		if (!seen_before(r, i))
			add_suite(&suites, r, r->items[i].req->domain, strict, &total);
	if (r->cncf != NULL)
		add_cncf_suite(&suites, r, strict, &total);
	struct buf b = BUF_INIT;
	buf_init(&b);
	buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"kaic ");
	add_xml(&b, catalog_spec_version());
	buf_addc(&b, '"');
	add_counts(&b, &total);
	buf_adds(&b, ">\n");
	buf_add(&b, suites.data, suites.len);
	buf_adds(&b, "</testsuites>\n");
	buf_release(&suites);
	int rc = report_write_file(path, b.data, b.len, cause);
	buf_release(&b);
	return rc;
}
