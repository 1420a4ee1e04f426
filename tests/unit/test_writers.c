/* test_writers.c: the report writers against hostile cluster text: visible escapes for
 * control characters (util/esc), UTF-8 repair and cutting of evidence, YAML quoting of
 * YAML 1.1 special words, checklist.md and the terminal without raw control bytes, log
 * and usage-error lines on one escaped line.
 *
 * Run with "--write STRINGS DIR" it is the report writer of
 * tests/integration/report_roundtrip.sh instead: STRINGS holds NUL-separated strings,
 * string i becomes an evidence line of requirement i % 18 (and the remediation of
 * requirement i, for i < 18), every string a cleanup note; the reports (checklist.md,
 * results.json, junit.xml, PRODUCT.yaml, sonobuoy_results.yaml, terminal.txt) go to DIR. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "cmd/cmd.h"
#include "catalog/cncf.h"
#include "report/report.h"
#include "util/esc.h"
#include "util/log.h"
#include "util/xmalloc.h"
#include "util/yaml.h"

/* ---- a run result from given strings ---- */

static struct run_opts opts;

/* Every requirement Partial; string i an evidence line of requirement i % n and the
 * remediation of requirement i; every string a cleanup note. */
static void build(struct run_result *r, char **strs, size_t nstrs)
{
	memset(r, 0, sizeof(*r));
	memset(&opts, 0, sizeof(opts));
	opts.passive = true;
	r->opts = &opts;
	r->run_id = xstrdup("0a1b2c3d");
	r->server = xstrdup("https://127.0.0.1:6443");
	r->k8s_version = xstrdup("v1.34.1");
	r->context = xstrdup("sim");
	r->started.tv_sec = 1710000000;
	r->finished.tv_sec = 1710000004;
	r->n = catalog_count();
	r->items = xcalloc(r->n, sizeof(*r->items));
	for (size_t i = 0; i < r->n; i++) {
		r->items[i].req = &catalog_all()[i];
		check_result_init(&r->items[i].res);
		check_verdict(&r->items[i].res, VERDICT_PARTIAL, "%s", i < nstrs ? strs[i] : "fix");
	}
	for (size_t i = 0; i < nstrs; i++)
		check_evidence(&r->items[i % r->n].res, "%s", strs[i]);
	/* the CNCF checklist 1.37: item i has white-paper item i's result */
	r->cncf = cncf_version_find("1.37");
	r->ncncf = r->cncf->n;
	r->cncf_items = xcalloc(r->ncncf, sizeof(*r->cncf_items));
	for (size_t i = 0; i < r->ncncf; i++) {
		r->cncf_items[i].item = &r->cncf->items[i];
		r->cncf_items[i].by = cncf_requirement(r->cncf->items[i].id);
		check_result_copy(&r->cncf_items[i].res, &r->items[i].res);
	}
	r->cleanup_ok = nstrs == 0;
	r->cleanup_notes = xcalloc(nstrs + 1, sizeof(char *));
	for (size_t i = 0; i < nstrs; i++)
		r->cleanup_notes[i] = xstrdup(strs[i]);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	struct buf b = BUF_INIT;
	buf_init(&b);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	return buf_detach(&b, len);
}

/* Writes every report of r into dir; returns 0 or -1 with a message on stderr. */
static int write_all(const struct run_result *r, const char *dir)
{
	static const struct {
		const char *name;
		int (*fn)(const struct run_result *, const char *, char **);
	} writers[] = {{"checklist.md", report_markdown_write},
		       {"results.json", report_json_write},
		       {"junit.xml", report_junit_write},
		       {"PRODUCT.yaml", report_product_write},
		       {"kaic-extras.yaml", report_extras_write}};
	int rc = 0;
	for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++) {
		char *path = xasprintf("%s/%s", dir, writers[i].name);
		char *cause = NULL;
		if (writers[i].fn(r, path, &cause) != 0) {
			fprintf(stderr, "%s\n", cause);
			free(cause);
			rc = -1;
		}
		free(path);
	}
	char *cause = NULL;
	if (report_sonobuoy_finish(r, dir, &cause) != 0) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		rc = -1;
	}
	char *path = xasprintf("%s/terminal.txt", dir);
	FILE *f = fopen(path, "w");
	free(path);
	if (f == NULL)
		return -1;
	struct report_term *t = report_term_new(f, false, false);
	report_term_summary(t, r);
	report_term_free(t);
	fclose(f);
	return rc;
}

/* The --write mode: see the top of the file. */
static int write_mode(const char *strings_path, const char *dir)
{
	size_t len = 0;
	char *data = slurp(strings_path, &len);
	if (data == NULL) {
		fprintf(stderr, "cannot read \"%s\"\n", strings_path);
		return 2;
	}
	char **strs = NULL;
	size_t n = 0;
	for (size_t at = 0; at < len; at += strlen(data + at) + 1) {
		strs = xreallocarray(strs, n + 1, sizeof(*strs));
		strs[n++] = data + at;
	}
	struct run_result r;
	build(&r, strs, n);
	int rc = write_all(&r, dir);
	run_result_release(&r);
	free(strs);
	free(data);
	return rc == 0 ? 0 : 1;
}

/* A temporary directory holding the reports of strs. */
static char *reports_of(char **strs, size_t n)
{
	char tmpl[] = "/tmp/kaic-test-writers-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	struct run_result r;
	build(&r, strs, n);
	assert_int_equal(write_all(&r, tmpl), 0);
	run_result_release(&r);
	return xstrdup(tmpl);
}

static void remove_reports(char *dir)
{
	static const char *const names[] = {"checklist.md",	   "results.json",
					    "junit.xml",	   "PRODUCT.yaml",
					    "terminal.txt",	   "sonobuoy_results.yaml",
					    "kaic-results.tar.gz", "done",
					    "kaic-extras.yaml",	   NULL};
	for (size_t i = 0; names[i] != NULL; i++) {
		char *p = xasprintf("%s/%s", dir, names[i]);
		unlink(p);
		free(p);
	}
	rmdir(dir);
	free(dir);
}

/* The first byte of text[0..len) that is a C0 control other than line feed (and tab
 * when tab_ok), or DEL; -1 when none. */
static long raw_control(const char *text, size_t len, bool tab_ok)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if ((c < 0x20 && c != '\n' && !(tab_ok && c == '\t')) || c == 0x7f)
			return (long)i;
	}
	return -1;
}

/* ---- util/esc ---- */

static void expect_esc(const char *in, const char *want)
{
	char *got = esc_text_dup(in);
	assert_string_equal(got, want);
	free(got);
}

static void test_esc_text(void **state)
{
	(void)state;
	expect_esc("plain text -> ok \\ kept", "plain text -> ok \\ kept");
	expect_esc("a\x1b[2Jb\x07", "a\\x1b[2Jb\\x07");
	expect_esc("l1\r\nHW-1.1   MUST     Full", "l1\\r\\nHW-1.1   MUST     Full");
	expect_esc("tab\there\x7f", "tab\\there\\x7f");
	expect_esc("c1 \xc2\x9b"
		   "31m",
		   "c1 \\u009b31m");				/* U+009B, the 8-bit CSI */
	expect_esc("bidi \xe2\x80\xae", "bidi \\u202e");	/* RIGHT-TO-LEFT OVERRIDE */
	expect_esc("raw \x9b and \xff", "raw \\x9b and \\xff"); /* not UTF-8 */
	expect_esc("caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac");
	struct buf b = BUF_INIT;
	buf_init(&b);
	esc_text_keep(&b, "a\tb\nc\rd\x1b", "\t\n");
	assert_string_equal(b.data, "a\tb\nc\\rd\\x1b");
	buf_release(&b);
}

static void test_esc_utf8(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"ok \xc3\xa9", "ok \xc3\xa9"},
	    {"\xff", "\xef\xbf\xbd"},
	    {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},		      /* overlong '/' */
	    {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* a surrogate */
	    {"\xf4\x90\x80\x80x", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx"},
	    {"cut \xe2\x82", "cut \xef\xbf\xbd\xef\xbf\xbd"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = esc_utf8_dup(cases[i].in);
		assert_string_equal(got, cases[i].want);
		assert_true(esc_utf8_valid(got, strlen(got)));
		free(got);
	}
	assert_false(esc_utf8_valid("a\xff", 2));
	assert_false(esc_utf8_valid("a\0b", 3));
	struct buf b = BUF_INIT;
	buf_init(&b);
	esc_utf8_fix(&b, "a\0b", 3); /* NUL inside: replaced, not a terminator */
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.data,
			    "a\xef\xbf\xbd"
			    "b",
			    5);
	buf_release(&b);
	/* cutting: never inside a character */
	const char *s = "ab\xe2\x82\xac"
			"c"; /* a b € c */
	assert_int_equal(esc_utf8_cut(s, 6, 6), 6);
	assert_int_equal(esc_utf8_cut(s, 6, 5), 5);
	assert_int_equal(esc_utf8_cut(s, 6, 4), 2);
	assert_int_equal(esc_utf8_cut(s, 6, 3), 2);
	assert_int_equal(esc_utf8_cut(s, 6, 2), 2);
}

/* ---- check_evidence ---- */

static void test_evidence_cut_utf8(void **state)
{
	(void)state;
	struct check_result res;
	check_result_init(&res);
	/* 995 bytes, then three-byte euros: the old cut at 996 split the first one */
	struct buf b = BUF_INIT;
	buf_init(&b);
	for (int i = 0; i < 995; i++)
		buf_addc(&b, 'a');
	for (int i = 0; i < 10; i++)
		buf_adds(&b, "\xe2\x82\xac");
	check_evidence(&res, "%s", b.data);
	const char *line = res.evidence[0];
	size_t n = strlen(line);
	assert_true(esc_utf8_valid(line, n));
	assert_true(n <= 999);
	assert_string_equal(line + n - 3, "...");
	assert_int_equal(n, 995 + 3);
	/* invalid UTF-8 and a long line: repaired first, then cut, still valid */
	buf_reset(&b);
	for (int i = 0; i < 600; i++)
		buf_adds(&b, "\xff"
			     "a");
	check_evidence(&res, "%s", b.data);
	line = res.evidence[1];
	assert_true(esc_utf8_valid(line, strlen(line)));
	assert_true(strlen(line) <= 999);
	assert_memory_equal(line,
			    "\xef\xbf\xbd"
			    "a",
			    4);
	/* short lines are kept whole; remediation is repaired too */
	check_evidence(&res, "%s", "short \xe2\x82\xac");
	assert_string_equal(res.evidence[2], "short \xe2\x82\xac");
	check_verdict(&res, VERDICT_NO, "fix \xc3");
	assert_string_equal(res.remediation, "fix \xef\xbf\xbd");
	buf_release(&b);
	check_result_release(&res);
}

/* ---- YAML ---- */

/* The first scalar value after key in YAML text, with its style (libyaml's parser). */
static char *yaml_value(const char *text, const char *key, yaml_scalar_style_t *style)
{
	yaml_parser_t p;
	assert_true(yaml_parser_initialize(&p));
	yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
	char *out = NULL;
	bool next = false;
	for (;;) {
		yaml_event_t ev;
		assert_true(yaml_parser_parse(&p, &ev));
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type == YAML_SCALAR_EVENT) {
			const char *v = (const char *)ev.data.scalar.value;
			if (next) {
				out = xstrdup(v);
				*style = ev.data.scalar.style;
				yaml_event_delete(&ev);
				break;
			}
			next = strcmp(v, key) == 0;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	assert_non_null(out);
	return out;
}

/* Words and numbers YAML 1.1 readers (PyYAML, gopkg.in/yaml.v2) take for something
 * other than a string when plain. */
static const char *const yaml11_specials[] = {
    "YES",	"Yes",	     "yes",	   "NO",
    "no",	"On",	     "ON",	   "off",
    "OFF",	"y",	     "Y",	   "n",
    "N",	"~",	     "null",	   "NULL",
    "true",	"False",     "0x1F",	   "0o17",
    "017",	"1_000",     ".inf",	   "-.Inf",
    "+.inf",	".NaN",	     "1e3",	   "1.5e3",
    "12:30:00", "190:20:30", "2001-12-14", "2001-12-14t21:59:43.10-05:00",
    "=",	"<<",	     "0b1010",	   "-1",
    "+12",	"1.",	     ".5",	   NULL};

static void test_yaml_quotes_yaml11(void **state)
{
	(void)state;
	for (size_t i = 0; yaml11_specials[i] != NULL; i++) {
		json_t *v = json_pack("{s:s}", "k", yaml11_specials[i]);
		struct buf out = BUF_INIT;
		buf_init(&out);
		yaml_emit(&out, v);
		yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
		char *got = yaml_value(out.data, "k", &style);
		if (style == YAML_PLAIN_SCALAR_STYLE)
			fail_msg("\"%s\" emitted plain: %s", yaml11_specials[i], out.data);
		assert_string_equal(got, yaml11_specials[i]);
		free(got);
		buf_release(&out);
		json_decref(v);
	}
	/* ordinary words stay plain */
	json_t *v = json_pack("{s:s}", "k", "Partial");
	struct buf out = BUF_INIT;
	buf_init(&out);
	yaml_emit(&out, v);
	assert_string_equal(out.data, "k: Partial\n");
	buf_release(&out);
	json_decref(v);
}

static void test_yaml_controls(void **state)
{
	(void)state;
	static const char *const values[] = {"line\rbreak",
					     "esc \x1b[31m bel \x07",
					     "nel \xc2\x85 ls \xe2\x80\xa8",
					     " leading",
					     "trailing ",
					     "tab\tinside",
					     "quote \" back \\",
					     "bom \xef\xbb\xbf",
					     "del \x7f",
					     "- dash",
					     "key: value",
					     "a #comment",
					     "caf\xc3\xa9",
					     "\xf0\x9f\x98\x80",
					     NULL};
	json_t *v = json_array();
	for (size_t i = 0; values[i] != NULL; i++)
		json_array_append_new(v, json_pack("{s:s}", "k", values[i]));
	struct buf out = BUF_INIT;
	buf_init(&out);
	yaml_emit(&out, v);
	/* nothing raw but line feeds: every control escaped in double quotes */
	assert_int_equal(raw_control(out.data, out.len, false), -1);
	assert_non_null(strstr(out.data, "k: \"line\\rbreak\"\n"));
	assert_non_null(strstr(out.data, "k: \"esc \\x1b[31m bel \\x07\"\n"));
	/* libyaml reads every value back unchanged, and so does kaic's reader */
	yaml_parser_t p;
	assert_true(yaml_parser_initialize(&p));
	yaml_parser_set_input_string(&p, (const unsigned char *)out.data, out.len);
	size_t i = 0;
	bool value = false;
	for (;;) {
		yaml_event_t ev;
		assert_true(yaml_parser_parse(&p, &ev));
		bool end = ev.type == YAML_STREAM_END_EVENT;
		if (ev.type == YAML_SCALAR_EVENT) {
			if (value)
				assert_string_equal((const char *)ev.data.scalar.value,
						    values[i++]);
			value = !value;
		}
		yaml_event_delete(&ev);
		if (end)
			break;
	}
	yaml_parser_delete(&p);
	assert_null(values[i]);
	json_t *docs = NULL;
	char *cause = NULL;
	assert_int_equal(yaml_to_json(out.data, out.len, &docs, &cause), 0);
	assert_true(json_equal(json_array_get(docs, 0), v));
	json_decref(docs);
	json_decref(v);
	buf_release(&out);
}

/* A real without a '.' ("1e+20") is a string to YAML 1.1 readers. */
static void test_yaml_reals(void **state)
{
	(void)state;
	json_t *v = json_pack("{s:f,s:f}", "big", 1e20, "whole", 3.0);
	struct buf out = BUF_INIT;
	buf_init(&out);
	yaml_emit(&out, v);
	assert_string_equal(out.data, "big: 1.0e+20\nwhole: 3.0\n");
	buf_release(&out);
	json_decref(v);
}

/* ---- the reports with hostile strings ---- */

static char *hostile[] = {
    "forged\r\nHW-1.1   MUST     Full     active",
    "esc \x1b[2J\x1b[31mred\x1b[0m bel \x07",
    "b -> b <script>x</script> a|b & c \\ d *e* _f_ `g` [h](i)",
    "YES",
    "2001-12-14",
    "bad utf8 \xff\xc3",
};

static void test_reports_hostile(void **state)
{
	(void)state;
	char *dir = reports_of(hostile, sizeof(hostile) / sizeof(hostile[0]));
	char *path = xasprintf("%s/checklist.md", dir);
	size_t len;
	char *md = slurp(path, &len);
	free(path);
	assert_non_null(md);
	if (raw_control(md, len, true) >= 0)
		fail_msg("raw control byte 0x%02x in checklist.md",
			 (unsigned char)md[raw_control(md, len, true)]);
	assert_non_null(strstr(md, "esc \\\\x1b\\[2J\\\\x1b\\[31mred"));
	assert_non_null(strstr(md, "forged\\\\r\\\\nHW-1.1   MUST"));
	assert_non_null(strstr(md, "b -\\> b \\<script\\>x\\</script\\> a\\|b \\& c \\\\ d \\*e\\* "
				   "\\_f\\_ \\`g\\` \\[h\\](i)"));
	assert_null(strstr(md, "&gt;"));
	assert_non_null(strstr(md, "bad utf8 \xef\xbf\xbd\xef\xbf\xbd"));
	free(md);
	path = xasprintf("%s/terminal.txt", dir);
	char *term = slurp(path, &len);
	free(path);
	assert_non_null(term);
	assert_int_equal(raw_control(term, len, true), -1);
	assert_non_null(
	    strstr(term, "\n          forged\\r\\nHW-1.1   MUST     Full     active\n"));
	assert_non_null(strstr(term, "bad utf8 \\xff\\xc3"));
	free(term);
	path = xasprintf("%s/junit.xml", dir);
	char *x = slurp(path, &len);
	free(path);
	assert_non_null(x);
	assert_int_equal(raw_control(x, len, true), -1);
	assert_non_null(strstr(x, "esc \\x1b[2J"));
	assert_non_null(strstr(x, "forged&#13;&#10;HW-1.1")); /* in an attribute */
	free(x);
	remove_reports(dir);
}

/* results.json survives invalid UTF-8 anywhere, NUL-free strings of any size. */
static void test_json_large_and_invalid(void **state)
{
	(void)state;
	size_t big = 1 << 20;
	char *s = xmalloc(big + 1);
	for (size_t i = 0; i < big; i++)
		s[i] = (char)(i % 7 == 0 ? 0xff : 'a' + i % 26);
	s[big] = '\0';
	char *strs[] = {s, "\x1b\x07\r"};
	char *dir = reports_of(strs, 2);
	char *path = xasprintf("%s/results.json", dir);
	json_error_t err;
	json_t *doc = json_load_file(path, 0, &err);
	free(path);
	assert_non_null(doc);
	json_t *req0 = json_array_get(json_object_get(doc, "requirements"), 0);
	const char *rem = json_string_value(json_object_get(req0, "remediation"));
	assert_non_null(rem);
	assert_true(strlen(rem) > big); /* each 0xff became three bytes, nothing lost */
	const char *ev = json_string_value(json_array_get(json_object_get(req0, "evidence"), 0));
	assert_true(strlen(ev) <= 999);
	json_t *req1 = json_array_get(json_object_get(doc, "requirements"), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(req1, "evidence"), 0)),
			    "\x1b\x07\r");
	json_decref(doc);
	free(s);
	remove_reports(dir);
}

/* ---- log lines and usage errors ---- */

/* What fn wrote to stderr. */
static char *capture_stderr(void (*fn)(void))
{
	char tmpl[] = "/tmp/kaic-test-writers-err-XXXXXX";
	int fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	fn();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	char *text = slurp(tmpl, NULL);
	unlink(tmpl);
	return text;
}

static const char *status_message = "admission webhook \"x\" denied the request: "
				    "\x1b[2K\rHW-1.1   MUST     Full     active\x07\nnext";

static void usage_error(void)
{
	cmd_usage_error("run", "cannot read the cluster: %s", status_message);
}

static void log_error_line(void)
{
	log_error("cannot create: %s", status_message);
}

static void test_log_escapes(void **state)
{
	(void)state;
	const char *want = "admission webhook \"x\" denied the request: "
			   "\\x1b[2K\\rHW-1.1   MUST     Full     active\\x07\\nnext\n";
	char *text = capture_stderr(usage_error);
	char *expect = xasprintf("kaic run: cannot read the cluster: %s", want);
	assert_string_equal(text, expect);
	free(expect);
	free(text);
	text = capture_stderr(log_error_line);
	expect = xasprintf("kaic: error: cannot create: %s", want);
	assert_string_equal(text, expect);
	free(expect);
	free(text);
	char *line = log_line("token \x1b]0;title\x07");
	assert_string_equal(line, "token \\x1b]0;title\\x07");
	free(line);
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--write") == 0)
		return write_mode(argv[2], argv[3]);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_esc_text),	      cmocka_unit_test(test_esc_utf8),
	    cmocka_unit_test(test_evidence_cut_utf8), cmocka_unit_test(test_yaml_quotes_yaml11),
	    cmocka_unit_test(test_yaml_controls),     cmocka_unit_test(test_yaml_reals),
	    cmocka_unit_test(test_reports_hostile),   cmocka_unit_test(test_json_large_and_invalid),
	    cmocka_unit_test(test_log_escapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
