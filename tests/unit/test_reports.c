/* test_reports.c: checklist.md, results.json (against docs/results.schema.json),
 * junit.xml, the terminal summary and the exit status, from hand-built run results. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/report.h"
#include "util/xmalloc.h"

/* ---- a run result with every verdict ---- */

static struct run_opts opts;

static struct req_result *item(struct run_result *r, const char *id)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->items[i].req->id, id) == 0)
			return &r->items[i];
	fail_msg("no item %s", id);
	return NULL;
}

static void set(struct run_result *r, const char *id, enum verdict v)
{
	struct check_result *res = &item(r, id)->res;
	res->verdict = v;
	free(res->remediation);
	res->remediation = v == VERDICT_FULL ? NULL : xasprintf("fix %s", id);
}

/* Every requirement Full (passive, one evidence line), at a fixed date. */
static void build(struct run_result *r)
{
	memset(r, 0, sizeof(*r));
	memset(&opts, 0, sizeof(opts));
	opts.passive = true;
	opts.vendor = "Example Corp";
	opts.product = "Example K8s";
	opts.product_version = "1.2";
	r->opts = &opts;
	r->run_id = xstrdup("0a1b2c3d");
	r->server = xstrdup("https://127.0.0.1:6443");
	r->k8s_version = xstrdup("v1.34.1");
	r->context = xstrdup("sim");
	r->started.tv_sec = 1710000000; /* 2024-03-09T16:00:00Z */
	r->finished.tv_sec = 1710000004;
	r->stats.requests = 42;
	r->stats.bytes_in = 4096;
	r->discovery_requests = 2;
	r->aggregated_discovery = true;
	r->cleanup_ok = true;
	r->n = catalog_count();
	r->items = xcalloc(r->n, sizeof(*r->items));
	for (size_t i = 0; i < r->n; i++) {
		r->items[i].req = &catalog_all()[i];
		check_result_init(&r->items[i].res);
		r->items[i].res.verdict = VERDICT_FULL;
		r->items[i].res.duration_ms = 250;
		check_evidence(&r->items[i].res, "found %s", catalog_all()[i].id);
	}
}

/* HW-1.1 Full, HW-1.2 (MUST) Partial, HW-1.3 (SHOULD) No, WL-2.1 (MUST) Error,
 * WL-2.2 Skipped, WL-2.3 (SHOULD) Partial; hostile evidence on HW-1.2. */
static void build_mixed(struct run_result *r)
{
	build(r);
	set(r, "HW-1.2", VERDICT_PARTIAL);
	set(r, "HW-1.3", VERDICT_NO);
	set(r, "WL-2.1", VERDICT_ERROR);
	set(r, "WL-2.2", VERDICT_SKIPPED);
	set(r, "WL-2.3", VERDICT_PARTIAL);
	check_evidence(&item(r, "HW-1.2")->res, "a|b <x> & \"q\" 'a'\nsecond\x01line");
	item(r, "NET-3.1")->res.mode = MODE_ACTIVE;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = xmalloc((size_t)n + 1);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	return s;
}

static char *tmp_path(const char *name)
{
	return xasprintf("/tmp/kaic-test-reports-%d-%s", (int)getpid(), name);
}

/* ---- exit codes ---- */

static void test_exit_codes(void **state)
{
	(void)state;
	struct run_result r;
	build(&r);
	assert_int_equal(run_result_exit_code(&r, false), 0);
	assert_int_equal(run_result_exit_code(&r, true), 0);
	set(&r, "WL-2.2", VERDICT_NO); /* SHOULD No */
	assert_int_equal(run_result_exit_code(&r, false), 0);
	assert_int_equal(run_result_exit_code(&r, true), 1);
	set(&r, "WL-2.2", VERDICT_PARTIAL);
	assert_int_equal(run_result_exit_code(&r, true), 1);
	set(&r, "WL-2.2", VERDICT_ERROR); /* SHOULD Error */
	assert_int_equal(run_result_exit_code(&r, false), 3);
	assert_int_equal(run_result_exit_code(&r, true), 3);
	set(&r, "HW-1.1", VERDICT_SKIPPED); /* a MUST Skipped is not decided */
	assert_int_equal(run_result_exit_code(&r, false), 3);
	set(&r, "WL-2.2", VERDICT_FULL);
	assert_int_equal(run_result_exit_code(&r, false), 3);
	assert_int_equal(run_result_exit_code(&r, true), 3);
	set(&r, "HW-1.1", VERDICT_FULL);
	set(&r, "WL-2.2", VERDICT_SKIPPED); /* a SHOULD Skipped changes nothing */
	assert_int_equal(run_result_exit_code(&r, false), 0);
	assert_int_equal(run_result_exit_code(&r, true), 0);
	set(&r, "OBS-6.1", VERDICT_PARTIAL); /* MUST Partial */
	assert_int_equal(run_result_exit_code(&r, false), 1);
	set(&r, "OBS-6.1", VERDICT_NO); /* MUST No */
	assert_int_equal(run_result_exit_code(&r, false), 1);
	set(&r, "SEC-5.1", VERDICT_ERROR); /* Error and a MUST failure: 1 */
	assert_int_equal(run_result_exit_code(&r, false), 1);
	r.interrupted = true;
	assert_int_equal(run_result_exit_code(&r, false), 130);
	run_result_release(&r);
	assert_null(r.items);
}

/* ---- checklist.md ---- */

/* Number of '|' in line that are not escaped with a backslash. */
static int count_pipes(const char *line, size_t len)
{
	int n = 0;
	for (size_t i = 0; i < len; i++)
		if (line[i] == '|' && (i == 0 || line[i - 1] != '\\'))
			n++;
	return n;
}

/* Checks the table rows of md: 18 of them, catalogue order, 5 cells each; level is
 * the expected Support Level column per row (NULL: don't check). Returns the rows. */
static size_t check_rows(const char *md, bool blank)
{
	size_t row = 0;
	for (const char *line = md; *line != '\0';) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (row < catalog_count()) {
			const struct requirement *req = &catalog_all()[row];
			char *prefix = xasprintf("| %s | %s | ", req->domain, req->id);
			if (strncmp(line, prefix, strlen(prefix)) == 0) {
				assert_int_equal(count_pipes(line, len), 6);
				char *lvl =
				    xasprintf("**%s** %s | ", level_name(req->level), req->title);
				assert_memory_equal(line + strlen(prefix), lvl, strlen(lvl));
				if (blank)
					assert_true(strncmp(line + strlen(prefix) + strlen(lvl),
							    " | |", 4) == 0);
				free(lvl);
				row++;
			}
			free(prefix);
		}
		line += len + (nl ? 1 : 0);
	}
	return row;
}

/* The Support Level cell of id's row (static buffer). */
static const char *level_cell(const char *md, const char *id)
{
	static char cell[32];
	char *key = xasprintf(" | %s | ", id);
	const char *p = strstr(md, key);
	assert_non_null(p);
	free(key);
	p = strstr(p + 3, " | ");     /* after the ID */
	p = strstr(p + 3, " | ") + 3; /* after the requirement */
	const char *e = strstr(p, " | ");
	snprintf(cell, sizeof(cell), "%.*s", (int)(e - p), p);
	return cell;
}

static void test_markdown(void **state)
{
	(void)state;
	struct run_result r;
	build_mixed(&r);
	char *path = tmp_path("checklist.md");
	char *cause = NULL;
	assert_int_equal(report_markdown_write(&r, path, &cause), 0);
	char *md = slurp(path);
	assert_int_equal(check_rows(md, false), 18);
	assert_non_null(strstr(md, "| Vendor | Example Corp |"));
	assert_non_null(strstr(md, "| Product | Example K8s |"));
	assert_non_null(strstr(md, "| Product version | 1.2 |"));
	assert_non_null(strstr(md, "| Assessment date (UTC) | 2024-03-09 |"));
	assert_non_null(strstr(md, "| Kubernetes version | v1.34.1 |"));
	assert_non_null(strstr(md, "| kaic version | " KAIC_VERSION " |"));
	assert_non_null(strstr(md, "| Run ID | 0a1b2c3d |"));
	assert_non_null(strstr(md, "| Mode | passive |"));
	assert_string_equal(level_cell(md, "HW-1.1"), "Full");
	assert_string_equal(level_cell(md, "HW-1.2"), "Partial");
	assert_string_equal(level_cell(md, "HW-1.3"), "No");
	assert_string_equal(level_cell(md, "WL-2.1"), "Error");
	assert_string_equal(level_cell(md, "WL-2.2"), "Skipped");
	/* evidence: joined, escaped; remediation only when not Full. The line break and
	 * the control character become visible escapes, whose backslash is escaped again
	 * for Markdown: "\\n" renders as "\n". */
	assert_non_null(
	    strstr(md, "found HW-1.2<br>a\\|b \\<x\\> \\& \"q\" 'a'\\\\nsecond\\\\x01line"));
	assert_non_null(strstr(md, "**Remediation:** fix HW-1.2"));
	assert_null(strstr(md, "fix HW-1.1"));
	assert_non_null(strstr(md, "_active_: found NET-3.1"));
	free(md);
	unlink(path);
	/* an unwritable path: -1 and a cause naming it */
	assert_int_equal(report_markdown_write(&r, "/nonexistent-dir/x.md", &cause), -1);
	assert_non_null(strstr(cause, "\"/nonexistent-dir/x.md\""));
	free(cause);
	free(path);
	run_result_release(&r);
}

static void test_template(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	report_markdown_template(f);
	fclose(f);
	assert_int_equal(check_rows(text, true), 18);
	assert_non_null(strstr(text, "| Domain | ID | Requirement | Support Level | "
				     "Notes/Implementation Details |"));
	assert_null(strstr(text, "Full |"));
	free(text);
}

/* ---- junit.xml ---- */

/* The value of attribute name in the first element starting at or after p. */
static long attr(const char *p, const char *name)
{
	char *key = xasprintf(" %s=\"", name);
	const char *a = strstr(p, key);
	assert_non_null(a);
	long v = strtol(a + strlen(key), NULL, 10);
	free(key);
	return v;
}

static void check_junit(struct run_result *r, bool strict, long failures)
{
	opts.strict = strict;
	char *path = tmp_path("junit.xml");
	char *cause = NULL;
	assert_int_equal(report_junit_write(r, path, &cause), 0);
	char *x = slurp(path);
	const char *top = strstr(x, "<testsuites");
	assert_non_null(top);
	assert_int_equal(attr(top, "tests"), 18);
	assert_int_equal(attr(top, "failures"), failures);
	assert_int_equal(attr(top, "errors"), 1);
	assert_int_equal(attr(top, "skipped"), 1);
	const char *hw = strstr(x, "<testsuite name=\"Hardware\"");
	assert_non_null(hw);
	assert_int_equal(attr(hw, "tests"), 3);
	assert_int_equal(attr(hw, "failures"), strict ? 2 : 1);
	const char *wl = strstr(x, "<testsuite name=\"Workloads\"");
	assert_non_null(wl);
	assert_int_equal(attr(wl, "tests"), 4);
	assert_int_equal(attr(wl, "errors"), 1);
	assert_int_equal(attr(wl, "skipped"), 1);
	assert_int_equal(attr(wl, "failures"), strict ? 1 : 0);
	/* six suites in catalogue order */
	const char *order[] = {"Hardware", "Workloads", "Networking",
			       "Storage",  "Security",	"Observability"};
	const char *p = x;
	for (size_t i = 0; i < 6; i++) {
		char *s = xasprintf("<testsuite name=\"%s\"", order[i]);
		p = strstr(p, s);
		assert_non_null(p);
		free(s);
	}
	size_t cases = 0;
	for (p = x; (p = strstr(p, "<testcase ")) != NULL; p++)
		cases++;
	assert_int_equal(cases, 18);
	assert_non_null(strstr(x, "classname=\"Hardware\" name=\"HW-1.2 Accelerator utilization"));
	/* escaping: nothing raw from the hostile line, control character made visible */
	assert_non_null(
	    strstr(x, "a|b &lt;x&gt; &amp; &quot;q&quot; &apos;a&apos;\nsecond\\x01line"));
	assert_null(strstr(x, "<x>"));
	/* SHOULD No stays in system-out without strict */
	const char *hw13 = strstr(x, "name=\"HW-1.3 ");
	const char *end = strstr(hw13, "</testcase>");
	const char *fail = strstr(hw13, "<failure");
	assert_true(strict ? fail != NULL && fail < end : fail == NULL || fail > end);
	assert_true(strstr(hw13, "SHOULD HW-1.3: No (passive)") < end);
	free(x);
	unlink(path);
	free(path);
}

static void test_junit(void **state)
{
	(void)state;
	struct run_result r;
	build_mixed(&r);
	check_junit(&r, false, 1);
	check_junit(&r, true, 3);
	run_result_release(&r);
}

/* ---- results.json against the schema ---- */

/* A validator for the JSON Schema subset the schema uses: type, enum, required,
 * properties, items, $ref to #/$defs, minimum, minLength, pattern. Returns the number
 * of violations and prints each. */
static int validate(const json_t *root, const json_t *schema, const json_t *inst, const char *at);

static bool type_ok(const char *t, const json_t *v)
{
	if (strcmp(t, "object") == 0)
		return json_is_object(v);
	if (strcmp(t, "array") == 0)
		return json_is_array(v);
	if (strcmp(t, "string") == 0)
		return json_is_string(v);
	if (strcmp(t, "integer") == 0)
		return json_is_integer(v);
	if (strcmp(t, "number") == 0)
		return json_is_number(v);
	if (strcmp(t, "boolean") == 0)
		return json_is_boolean(v);
	if (strcmp(t, "null") == 0)
		return json_is_null(v);
	fail_msg("schema type %s not supported by the test validator", t);
	return false;
}

static int bad(const char *at, const char *what)
{
	fprintf(stderr, "schema violation at %s: %s\n", at, what);
	return 1;
}

static int validate_keywords(const json_t *root, const json_t *s, const json_t *v, const char *at)
{
	int n = 0;
	const json_t *t = json_object_get(s, "type");
	if (json_is_string(t) && !type_ok(json_string_value(t), v))
		n += bad(at, "wrong type");
	if (json_is_array(t)) {
		bool any = false;
		size_t i;
		const json_t *e;
		json_array_foreach(t, i, e)
			any = any || type_ok(json_string_value(e), v);
		if (!any)
			n += bad(at, "wrong type");
	}
	const json_t *en = json_object_get(s, "enum");
	if (en != NULL) {
		bool any = false;
		size_t i;
		const json_t *e;
		json_array_foreach(en, i, e)
			any = any || json_equal(e, v);
		if (!any)
			n += bad(at, "not in enum");
	}
	const json_t *min = json_object_get(s, "minimum");
	if (min != NULL && json_is_number(v) && json_number_value(v) < json_number_value(min))
		n += bad(at, "below minimum");
	const json_t *ml = json_object_get(s, "minLength");
	if (ml != NULL && json_is_string(v) &&
	    json_string_length(v) < (size_t)json_integer_value(ml))
		n += bad(at, "too short");
	const json_t *pat = json_object_get(s, "pattern");
	if (pat != NULL && json_is_string(v)) {
		regex_t re;
		assert_int_equal(regcomp(&re, json_string_value(pat), REG_EXTENDED | REG_NOSUB), 0);
		if (regexec(&re, json_string_value(v), 0, NULL, 0) != 0)
			n += bad(at, "pattern mismatch");
		regfree(&re);
	}
	(void)root;
	return n;
}

static int validate(const json_t *root, const json_t *s, const json_t *v, const char *at)
{
	const json_t *ref = json_object_get(s, "$ref");
	if (ref != NULL) {
		const char *r = json_string_value(ref);
		assert_true(strncmp(r, "#/$defs/", 8) == 0);
		s = json_object_get(json_object_get(root, "$defs"), r + 8);
		assert_non_null(s);
	}
	int n = validate_keywords(root, s, v, at);
	size_t i;
	const json_t *e;
	json_array_foreach(json_object_get(s, "required"), i, e) {
		if (json_is_object(v) && json_object_get(v, json_string_value(e)) == NULL) {
			char *where = xasprintf("%s.%s", at, json_string_value(e));
			n += bad(where, "missing");
			free(where);
		}
	}
	const char *key;
	const json_t *sub;
	json_object_foreach((json_t *)json_object_get(s, "properties"), key, sub) {
		const json_t *pv = json_object_get(v, key);
		if (pv != NULL && json_is_object(v)) {
			char *where = xasprintf("%s.%s", at, key);
			n += validate(root, sub, pv, where);
			free(where);
		}
	}
	const json_t *items = json_object_get(s, "items");
	if (items != NULL && json_is_array(v)) {
		json_array_foreach(v, i, e) {
			char *where = xasprintf("%s[%zu]", at, i);
			n += validate(root, items, e, where);
			free(where);
		}
	}
	return n;
}

static json_t *load_schema(void)
{
	const char *top = getenv("TOP");
	char *path = xasprintf("%s/docs/results.schema.json", top ? top : ".");
	json_error_t jerr;
	json_t *schema = json_load_file(path, 0, &jerr);
	if (schema == NULL)
		fail_msg("cannot load \"%s\": %s", path, jerr.text);
	free(path);
	return schema;
}

static void test_json(void **state)
{
	(void)state;
	struct run_result r;
	build_mixed(&r);
	opts.strict = false;
	r.cleanup_ok = false;
	r.cleanup_notes = xcalloc(2, sizeof(char *));
	r.cleanup_notes[0] = xstrdup("Pod kaic-0a1b2c3d/x: Forbidden");
	json_t *schema = load_schema();
	char *path = tmp_path("results.json");
	char *cause = NULL;
	assert_int_equal(report_json_write(&r, path, &cause), 0);
	json_error_t jerr;
	json_t *doc = json_load_file(path, 0, &jerr);
	assert_non_null(doc);
	assert_int_equal(validate(schema, schema, doc, "$"), 0);
	/* the values, not just the shape */
	assert_string_equal(json_string_value(json_object_get(doc, "run_id")), "0a1b2c3d");
	assert_string_equal(json_string_value(json_object_get(doc, "started")),
			    "2024-03-09T16:00:00Z");
	assert_int_equal(json_integer_value(json_object_get(doc, "duration_ms")), 4000);
	assert_int_equal(json_integer_value(json_object_get(doc, "api_requests")), 42);
	const json_t *reqs = json_object_get(doc, "requirements");
	assert_int_equal(json_array_size(reqs), 18);
	for (size_t i = 0; i < 18; i++)
		assert_string_equal(
		    json_string_value(json_object_get(json_array_get(reqs, i), "id")),
		    catalog_all()[i].id);
	const json_t *hw12 = json_array_get(reqs, 1);
	assert_string_equal(json_string_value(json_object_get(hw12, "verdict")), "Partial");
	assert_int_equal(json_array_size(json_object_get(hw12, "evidence")), 2);
	assert_true(json_is_null(json_object_get(json_array_get(reqs, 0), "remediation")));
	const json_t *sum = json_object_get(doc, "summary");
	assert_int_equal(json_integer_value(json_object_get(sum, "full")), 13);
	assert_int_equal(json_integer_value(json_object_get(sum, "partial")), 2);
	assert_int_equal(json_integer_value(json_object_get(sum, "no")), 1);
	assert_int_equal(json_integer_value(json_object_get(sum, "error")), 1);
	assert_int_equal(json_integer_value(json_object_get(sum, "skipped")), 1);
	assert_int_equal(json_integer_value(json_object_get(sum, "must_failures")), 1);
	assert_int_equal(json_integer_value(json_object_get(sum, "exit_code")), 1);
	assert_false(json_is_true(json_object_get(json_object_get(doc, "cleanup"), "ok")));
	/* the validator catches a missing key, a wrong enum and a wrong type */
	json_object_del(doc, "run_id");
	json_object_set_new(json_array_get(reqs, 2), "verdict", json_string("Maybe"));
	json_object_set_new(doc, "api_requests", json_string("many"));
	assert_int_equal(validate(schema, schema, doc, "$"), 3);
	json_decref(doc);
	json_decref(schema);
	unlink(path);
	free(path);
	run_result_release(&r);
}

/* Invalid UTF-8 in evidence still produces a valid document with the line in it, each
 * stray byte as U+FFFD. */
static void test_json_bad_utf8(void **state)
{
	(void)state;
	struct run_result r;
	build(&r);
	check_evidence(&item(&r, "HW-1.1")->res, "metric \xff\xfe name");
	json_t *doc = report_json_build(&r);
	const json_t *ev =
	    json_object_get(json_array_get(json_object_get(doc, "requirements"), 0), "evidence");
	assert_int_equal(json_array_size(ev), 2);
	assert_string_equal(json_string_value(json_array_get(ev, 1)),
			    "metric \xef\xbf\xbd\xef\xbf\xbd name");
	json_decref(doc);
	run_result_release(&r);
}

/* ---- terminal ---- */

static void test_terminal_plain(void **state)
{
	(void)state;
	struct run_result r;
	build_mixed(&r);
	r.reports = xcalloc(2, sizeof(char *));
	r.reports[0] = xstrdup("out/checklist.md");
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct report_term *t = report_term_new(f, false, false);
	for (size_t i = 0; i < r.n; i++) {
		report_term_started(t, r.items[i].req);
		report_term_finished(t, &r.items[i]);
	}
	report_term_summary(t, &r);
	report_term_free(t);
	fclose(f);
	assert_null(strchr(text, '\033'));
	assert_non_null(
	    strstr(text, "HW-1.1   MUST    Full     passive  DRA for AI accelerators\n"));
	assert_non_null(strstr(text, "WL-2.1   MUST    Error    passive  "));
	assert_non_null(strstr(text, "42 requests"));
	assert_non_null(strstr(text, "out/checklist.md"));
	assert_non_null(strstr(text, "exit 1: MUST requirements not Full: HW-1.2; not decided: "
				     "WL-2.1 (MUST, Error)\n"));
	free(text);
	run_result_release(&r);
}

/* The closing line of a run's terminal summary. */
static char *summary_line(const struct run_result *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct report_term *t = report_term_new(f, false, false);
	report_term_summary(t, r);
	report_term_free(t);
	fclose(f);
	char *line = strstr(text, "Result:");
	assert_non_null(line);
	line = xstrdup(line);
	free(text);
	return line;
}

/* Every MUST skipped (--skip them all, or --focus on SHOULDs): the run decided no MUST,
 * so it neither exits 0 nor says that every MUST is Full, and names what it left out. */
static void test_terminal_undecided(void **state)
{
	(void)state;
	struct run_result r;
	build(&r);
	for (size_t i = 0; i < r.n; i++)
		if (r.items[i].req->level == LEVEL_MUST)
			set(&r, r.items[i].req->id, VERDICT_SKIPPED);
	assert_int_equal(run_result_exit_code(&r, false), KAIC_EXIT_UNDECIDED);
	char *line = summary_line(&r);
	assert_string_equal(line, "Result:   exit 3: not decided: HW-1.1 (MUST, Skipped), "
				  "HW-1.2 (MUST, Skipped), WL-2.1 (MUST, Skipped), NET-3.1 "
				  "(MUST, Skipped), STO-4.1 (MUST, Skipped), SEC-5.1 (MUST, "
				  "Skipped), OBS-6.1 (MUST, Skipped)\n");
	free(line);
	/* one MUST decided Full, a SHOULD Error: still not every MUST */
	set(&r, "HW-1.1", VERDICT_FULL);
	set(&r, "WL-2.2", VERDICT_ERROR);
	line = summary_line(&r);
	assert_null(strstr(line, "every MUST"));
	assert_non_null(strstr(line, "exit 3: not decided: HW-1.2 (MUST, Skipped)"));
	assert_non_null(strstr(line, "WL-2.2 (SHOULD, Error)"));
	free(line);
	/* every MUST Full, the SHOULDs skipped: exit 0 */
	for (size_t i = 0; i < r.n; i++)
		set(&r, r.items[i].req->id,
		    r.items[i].req->level == LEVEL_MUST ? VERDICT_FULL : VERDICT_SKIPPED);
	line = summary_line(&r);
	assert_string_equal(line, "Result:   exit 0: every MUST requirement is Full\n");
	free(line);
	run_result_release(&r);
}

static void test_terminal_live(void **state)
{
	(void)state;
	struct run_result r;
	build_mixed(&r);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct report_term *t = report_term_new(f, true, true);
	report_term_started(t, r.items[0].req);
	usleep(250 * 1000); /* the spinner redraws meanwhile */
	for (size_t i = 0; i < r.n; i++)
		report_term_finished(t, &r.items[i]);
	report_term_summary(t, &r);
	report_term_free(t);
	fclose(f);
	assert_non_null(strstr(text, "\033[18F"));	  /* redrawn in place */
	assert_non_null(strstr(text, "\033[32mFull"));	  /* green */
	assert_non_null(strstr(text, "\033[35mError"));	  /* magenta */
	assert_non_null(strstr(text, "\033[90mSkipped")); /* grey */
	free(text);
	run_result_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exit_codes),
	    cmocka_unit_test(test_markdown),
	    cmocka_unit_test(test_template),
	    cmocka_unit_test(test_junit),
	    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_json_bad_utf8),
	    cmocka_unit_test(test_terminal_plain),
	    cmocka_unit_test(test_terminal_live),
	    cmocka_unit_test(test_terminal_undecided),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
