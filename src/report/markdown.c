/* markdown.c: checklist.md, the Appendix A self-assessment checklist filled in from a
 * run, and the blank template of `kaic checklist`. */
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/write.h"
#include "util/buf.h"
#include "util/esc.h"
#include "util/xmalloc.h"

#define TABLE_HEAD                                                                                 \
	"| Domain | ID | Requirement | Support Level | Notes/Implementation Details |\n"           \
	"| --- | --- | --- | --- | --- |\n"

/* Appends s as table-cell text that renders as exactly esc_text(s): control characters
 * become visible escapes ("\n", "\x1b"), then every character Markdown or a GFM table
 * gives a meaning to is backslash-escaped (CommonMark renders "\<" as "<", "\\" as
 * "\", "\|" as "|"), so evidence can neither inject markup nor break the row. */
static void add_cell(struct buf *b, const char *s)
{
	char *text = esc_text_dup(s);
	for (const char *p = text; *p != '\0'; p++) {
		if (strchr("\\`*_[]<>|&~", *p) != NULL)
			buf_addc(b, '\\');
		buf_addc(b, *p);
	}
	free(text);
}

/* "**MUST** title" */
static void add_requirement(struct buf *b, const struct requirement *req)
{
	buf_addf(b, "| %s | %s | **%s** ", req->domain, req->id, level_name(req->level));
	add_cell(b, req->title);
	buf_adds(b, " | ");
}

static void add_notes(struct buf *b, const struct check_result *res)
{
	buf_addf(b, "_%s_", mode_name(res->mode));
	for (size_t i = 0; i < res->nevidence; i++) {
		buf_adds(b, i == 0 ? ": " : "<br>");
		add_cell(b, res->evidence[i]);
	}
	if (res->verdict != VERDICT_FULL && res->remediation != NULL) {
		buf_adds(b, "<br>**Remediation:** ");
		add_cell(b, res->remediation);
	}
}

static const char *or_blank(const char *s)
{
	return s != NULL && *s != '\0' ? s : "";
}

static void add_header_row(struct buf *b, const char *key, const char *value)
{
	buf_addf(b, "| %s | ", key);
	add_cell(b, value);
	buf_adds(b, " |\n");
}

static void add_counts(struct buf *b, const struct run_result *r)
{
	size_t counts[5] = {0};
	for (size_t i = 0; i < r->n; i++)
		if ((unsigned)r->items[i].res.verdict < 5)
			counts[r->items[i].res.verdict]++;
	buf_adds(b, "**Result:**");
	for (int v = VERDICT_FULL; v <= VERDICT_SKIPPED; v++)
		buf_addf(b, " %s %zu%s", verdict_name(v), counts[v],
			 v < VERDICT_SKIPPED ? "," : "");
	buf_addf(b, " (exit status %d).\n\n",
		 run_result_exit_code(r, r->opts != NULL && r->opts->strict));
}

static void add_header(struct buf *b, const struct run_result *r)
{
	const struct run_opts *o = r->opts;
	char date[32];
	report_write_time(&r->started, true, date);
	buf_adds(b, "# Kubernetes AI Conformance self-assessment\n\n| | |\n| --- | --- |\n");
	add_header_row(b, "Vendor", o ? or_blank(o->vendor) : "");
	add_header_row(b, "Product", o ? or_blank(o->product) : "");
	add_header_row(b, "Product version", o ? or_blank(o->product_version) : "");
	add_header_row(b, "Assessment date (UTC)", date);
	add_header_row(b, "Kubernetes version", r->k8s_version ? r->k8s_version : "unknown");
	buf_addf(b, "| Checklist | Kubernetes AI Conformance %s |\n", catalog_spec_version());
	buf_addf(b, "| kaic version | %s |\n", KAIC_VERSION);
	add_header_row(b, "Run ID", or_blank(r->run_id));
	buf_addf(b, "| Mode | %s |\n\n", o != NULL && o->passive ? "passive" : "active");
	add_counts(b, r);
}

static void add_footer(struct buf *b, const struct run_result *r)
{
	buf_adds(b, "\nSupport Level: Full = present and demonstrated, Partial = present but not "
		    "demonstrated or incomplete, No = absent; Error = kaic could not decide, "
		    "Skipped = excluded from the run.\n");
	if (r->interrupted)
		buf_adds(b, "\nThe run was interrupted before it finished.\n");
	if (r->cleanup_ok && r->cleanup_notes == NULL)
		return;
	buf_adds(b, "\n**Cleanup:** ");
	buf_adds(b, r->cleanup_ok ? "everything the run created was deleted"
				  : "some objects could not be deleted");
	for (size_t i = 0; r->cleanup_notes != NULL && r->cleanup_notes[i] != NULL; i++) {
		buf_adds(b, "\n- ");
		add_cell(b, r->cleanup_notes[i]);
	}
	buf_adds(b, "\n");
}

int report_markdown_write(const struct run_result *r, const char *path, char **cause)
{
	struct buf b = BUF_INIT;
	buf_init(&b);
	add_header(&b, r);
	buf_adds(&b, "## Checklist\n\n" TABLE_HEAD);
	for (size_t i = 0; i < r->n; i++) {
		const struct req_result *rr = &r->items[i];
		add_requirement(&b, rr->req);
		buf_addf(&b, "%s | ", verdict_name(rr->res.verdict));
		add_notes(&b, &rr->res);
		buf_adds(&b, " |\n");
	}
	add_footer(&b, r);
	int rc = report_write_file(path, b.data, b.len, cause);
	buf_release(&b);
	return rc;
}

void report_markdown_template(FILE *out)
{
	struct buf b = BUF_INIT;
	buf_init(&b);
	buf_adds(&b, "# Kubernetes AI Conformance self-assessment\n\n| | |\n| --- | --- |\n"
		     "| Vendor | |\n| Product | |\n| Product version | |\n"
		     "| Assessment date (UTC) | |\n| Kubernetes version | |\n");
	buf_addf(&b, "| Checklist | Kubernetes AI Conformance %s |\n\n", catalog_spec_version());
	buf_adds(&b, "## Checklist\n\nSupport Level: one of No, Partial, Full.\n\n" TABLE_HEAD);
	const struct requirement *reqs = catalog_all();
	for (size_t i = 0; i < catalog_count(); i++) {
		add_requirement(&b, &reqs[i]);
		buf_adds(&b, " | |\n");
	}
	fwrite(b.data, 1, b.len, out);
	buf_release(&b);
}
