/* test_sonobuoy.c: the Sonobuoy plugin report (results tree, tarball, done file) and the
 * tarball writer it uses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "report/report.h"
#include "report/sonobuoy.h"
#include "report/tgz.h"
#include "util/buf.h"
#include "util/xmalloc.h"
#include "util/yaml.h"

/* A run with every requirement of the catalogue; verdicts cycle through all five. */
static void make_run(struct run_result *r, struct run_opts *o, bool strict)
{
	static const enum verdict cycle[] = {VERDICT_FULL, VERDICT_PARTIAL, VERDICT_NO,
					     VERDICT_ERROR, VERDICT_SKIPPED};

	memset(r, 0, sizeof(*r));
	memset(o, 0, sizeof(*o));
	o->strict = strict;
	r->opts = o;
	r->run_id = xstrdup("abc123");
	r->k8s_version = xstrdup("v1.35.1");
	r->n = catalog_count();
	r->items = xcalloc(r->n, sizeof(*r->items));
	for (size_t i = 0; i < r->n; i++) {
		struct req_result *rr = &r->items[i];

		rr->req = &catalog_all()[i];
		check_result_init(&rr->res);
		check_verdict(&rr->res, cycle[i % 5],
			      cycle[i % 5] == VERDICT_FULL ? NULL : "install %s", "it");
		check_evidence(&rr->res, "evidence one for %s", rr->req->id);
		check_evidence(&rr->res, "key: value # with yaml specials");
		rr->res.mode = i % 2 ? MODE_ACTIVE : MODE_PASSIVE;
	}
}

static void free_run(struct run_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		check_result_release(&r->items[i].res);
	free(r->items);
	free(r->run_id);
	free(r->k8s_version);
}

static char *tmpdir(void)
{
	char *d = xstrdup("/tmp/kaic-test-sonobuoy-XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

static void rmtree(const char *d)
{
	char *cmd = xasprintf("rm -rf '%s'", d);

	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;

	assert_non_null(f);
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	return buf_detach(&b, NULL);
}

static const char *sget(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void test_status_mapping(void **state)
{
	(void)state;
	const struct requirement *must = catalog_find("HW-1.1"), *should = catalog_find("HW-1.3");
	struct req_result rr = {.req = must};

	check_result_init(&rr.res);
	rr.res.verdict = VERDICT_FULL;
	assert_string_equal(report_sonobuoy_status(&rr, false), "passed");
	rr.res.verdict = VERDICT_PARTIAL;
	assert_string_equal(report_sonobuoy_status(&rr, false), "failed");
	rr.res.verdict = VERDICT_NO;
	assert_string_equal(report_sonobuoy_status(&rr, false), "failed");
	rr.res.verdict = VERDICT_ERROR;
	assert_string_equal(report_sonobuoy_status(&rr, false), "unknown");
	rr.res.verdict = VERDICT_SKIPPED; /* a MUST not decided: Sonobuoy would pass "skipped" */
	assert_string_equal(report_sonobuoy_status(&rr, false), "unknown");
	rr.req = should;
	assert_string_equal(report_sonobuoy_status(&rr, false), "skipped");
	rr.res.verdict = VERDICT_NO;
	assert_string_equal(report_sonobuoy_status(&rr, false), "passed");
	assert_string_equal(report_sonobuoy_status(&rr, true), "failed");
	rr.res.verdict = VERDICT_PARTIAL;
	assert_string_equal(report_sonobuoy_status(&rr, true), "failed");

	const char *a[] = {"passed", "skipped", "unknown"};
	const char *b[] = {"passed", "failed", "unknown"};
	const char *c[] = {"skipped", "skipped"};
	const char *d[] = {"passed", "skipped"};
	const char *e[] = {"passed", "timeout"};
	assert_string_equal(report_sonobuoy_aggregate(a, 3), "unknown");
	assert_string_equal(report_sonobuoy_aggregate(b, 3), "failed");
	assert_string_equal(report_sonobuoy_aggregate(c, 2), "passed"); /* as Sonobuoy says */
	assert_string_equal(report_sonobuoy_aggregate(d, 2), "passed");
	assert_string_equal(report_sonobuoy_aggregate(e, 2), "failed");
	assert_string_equal(report_sonobuoy_aggregate(NULL, 0), "unknown");
}

/* ---- what Sonobuoy makes of the file ---- */

/* A model of Sonobuoy's AggregateStatus (pkg/client/results), written apart from kaic's
 * code: when Sonobuoy reads a plugin's results it recomputes every branch's status from
 * its children, whatever the file says; failed or timeout wins, then any status other
 * than passed and skipped makes unknown, else passed: skipped counts as passed. An item
 * with no children keeps its own status; a branch with none is unknown. */
static const char *sonobuoy_recompute(json_t *item)
{
	json_t *kids = json_object_get(item, "items");
	if (kids == NULL)
		return sget(item, "status");
	bool failed = false, unknown = json_array_size(kids) == 0;
	for (size_t i = 0; i < json_array_size(kids); i++) {
		const char *st = sonobuoy_recompute(json_array_get(kids, i));
		if (!strcmp(st, "failed") || !strcmp(st, "timeout"))
			failed = true;
		else if (strcmp(st, "passed") != 0 && strcmp(st, "skipped") != 0)
			unknown = true;
	}
	const char *st = failed ? "failed" : unknown ? "unknown" : "passed";
	json_object_set_new(item, "status", json_string(st));
	return st;
}

/* The plugin's status as `sonobuoy results` shows it: the aggregate over the file's
 * root item, after recomputing the tree. Checks on the way that kaic wrote every branch
 * with the status Sonobuoy recomputes (so the file and Sonobuoy agree). */
static const char *plugin_status(const struct run_result *r)
{
	json_t *tree = report_sonobuoy_build(r), *copy = json_deep_copy(tree);
	const char *st = sonobuoy_recompute(copy);
	assert_string_equal(sget(tree, "status"), st);
	for (size_t d = 0; d < json_array_size(json_object_get(tree, "items")); d++)
		assert_string_equal(
		    sget(json_array_get(json_object_get(tree, "items"), d), "status"),
		    sget(json_array_get(json_object_get(copy, "items"), d), "status"));
	static const char *const out[] = {"failed", "unknown", "passed"};
	const char *plugin = !strcmp(st, "failed")			     ? out[0]
			     : strcmp(st, "passed") && strcmp(st, "skipped") ? out[1]
									     : out[2];
	json_decref(copy);
	json_decref(tree);
	return plugin;
}

/* Sets every requirement of r: MUSTs to must, SHOULDs to should. */
static void set_levels(struct run_result *r, enum verdict must, enum verdict should)
{
	for (size_t i = 0; i < r->n; i++)
		r->items[i].res.verdict = r->items[i].req->level == LEVEL_MUST ? must : should;
}

/* The plugin's status agrees with kaic's exit status (0 passed, 1 failed, 3 unknown),
 * also when the MUSTs were skipped (--skip all of them, or --focus on SHOULDs): such a
 * run decided no MUST, so Sonobuoy must not show it passed. */
static void test_plugin_status(void **state)
{
	(void)state;
	struct run_result r;
	struct run_opts o;
	static const struct {
		enum verdict must, should;
		const char *want;
	} cases[] = {
	    {VERDICT_SKIPPED, VERDICT_FULL, "unknown"},	   /* every MUST skipped */
	    {VERDICT_SKIPPED, VERDICT_SKIPPED, "unknown"}, /* everything skipped */
	    {VERDICT_FULL, VERDICT_SKIPPED, "passed"},	   /* the SHOULDs skipped */
	    {VERDICT_FULL, VERDICT_FULL, "passed"},
	    {VERDICT_FULL, VERDICT_NO, "passed"}, /* a SHOULD No passes without --strict */
	    {VERDICT_FULL, VERDICT_ERROR, "unknown"},
	    {VERDICT_PARTIAL, VERDICT_SKIPPED, "failed"},
	    {VERDICT_ERROR, VERDICT_FULL, "unknown"},
	};
	static const char *const by_exit[] = {[KAIC_EXIT_OK] = "passed",
					      [KAIC_EXIT_NOT_CONFORMANT] = "failed",
					      [KAIC_EXIT_UNDECIDED] = "unknown"};

	make_run(&r, &o, false);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		set_levels(&r, cases[i].must, cases[i].should);
		const char *got = plugin_status(&r);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: plugin %s, want %s", i, got, cases[i].want);
		enum kaic_exit code = run_result_exit_code(&r, false);
		assert_true(code < 4 && by_exit[code] != NULL);
		assert_string_equal(got, by_exit[code]);
	}
	/* one MUST left to run and Full (--focus HW-1.1): the others were not decided */
	set_levels(&r, VERDICT_SKIPPED, VERDICT_SKIPPED);
	r.items[0].res.verdict = VERDICT_FULL;
	assert_string_equal(plugin_status(&r), "unknown");
	assert_int_equal(run_result_exit_code(&r, false), KAIC_EXIT_UNDECIDED);
	free_run(&r);
}

/* Checks the parsed tree against the run: domains in order, 18 requirements. */
static void check_tree(json_t *root, const struct run_result *r, bool strict)
{
	json_t *domains = json_object_get(root, "items");
	size_t nreq = 0, k = 0;
	bool any_failed = false;

	assert_string_equal(sget(root, "name"), "kaic");
	assert_true(json_array_size(domains) == 6);
	assert_string_equal(sget(json_array_get(domains, 0), "name"), "Hardware");
	assert_string_equal(sget(json_array_get(domains, 5), "name"), "Observability");
	for (size_t d = 0; d < json_array_size(domains); d++) {
		json_t *dom = json_array_get(domains, d), *reqs = json_object_get(dom, "items");
		bool dom_failed = false;

		for (size_t i = 0; i < json_array_size(reqs); i++, k++) {
			json_t *it = json_array_get(reqs, i), *det = json_object_get(it, "details");
			const struct req_result *rr = &r->items[k];

			nreq++;
			assert_string_equal(sget(json_object_get(it, "meta"), "id"), rr->req->id);
			assert_non_null(strstr(sget(it, "name"), rr->req->title));
			assert_string_equal(sget(it, "status"), report_sonobuoy_status(rr, strict));
			assert_string_equal(sget(det, "verdict"), verdict_name(rr->res.verdict));
			assert_string_equal(sget(det, "level"), level_name(rr->req->level));
			assert_string_equal(sget(det, "mode"), mode_name(rr->res.mode));
			assert_int_equal(json_array_size(json_object_get(det, "evidence")), 2);
			assert_string_equal(
			    json_string_value(json_array_get(json_object_get(det, "evidence"), 1)),
			    "key: value # with yaml specials");
			if (rr->res.remediation)
				assert_string_equal(sget(det, "remediation"), "install it");
			else
				assert_null(json_object_get(det, "remediation"));
			if (!strcmp(sget(it, "status"), "failed"))
				dom_failed = any_failed = true;
		}
		if (dom_failed)
			assert_string_equal(sget(dom, "status"), "failed");
		else
			assert_string_not_equal(sget(dom, "status"), "failed");
	}
	assert_int_equal(nreq, 18);
	assert_string_equal(sget(root, "status"), any_failed ? "failed" : "unknown");
}

static void finish_and_check(bool strict)
{
	struct run_result r;
	struct run_opts o;
	char *dir = tmpdir(), *cause = NULL;

	make_run(&r, &o, strict);
	/* another report already in the directory goes into the tarball too */
	char *other = xasprintf("%s/results.json", dir);
	FILE *f = fopen(other, "w");
	assert_non_null(f);
	fputs("{\"x\": 1}\n", f);
	fclose(f);

	assert_int_equal(report_sonobuoy_finish(&r, dir, &cause), 0);
	assert_null(cause);

	/* done holds the absolute path of the tarball, which exists */
	char *donep = xasprintf("%s/done", dir);
	char *done = slurp(donep);
	char *want = xasprintf("%s/%s\n", dir, SONOBUOY_TARBALL);
	assert_string_equal(done, want);
	done[strlen(done) - 1] = '\0';
	struct stat st;
	assert_int_equal(stat(done, &st), 0);

	/* the results tree parses back */
	char *yp = xasprintf("%s/sonobuoy_results.yaml", dir);
	json_t *docs = NULL;
	assert_int_equal(yaml_load_file(yp, &docs, &cause), 0);
	assert_int_equal(json_array_size(docs), 1);
	check_tree(json_array_get(docs, 0), &r, strict);
	json_decref(docs);

	/* the tarball is read by tar and gzip, and holds both files, without done */
	char *x = xasprintf("%s/x", dir);
	assert_int_equal(mkdir(x, 0700), 0);
	char *cmd =
	    xasprintf("gzip -t '%s' && tar -xzf '%s' -C '%s' && "
		      "cmp '%s/sonobuoy_results.yaml' '%s' && cmp '%s/results.json' '%s' && "
		      "test ! -e '%s/done' && test \"$(tar -tzf '%s' | wc -l)\" -eq 2",
		      done, done, x, x, yp, x, other, x, done);
	assert_int_equal(system(cmd), 0);

	free(cmd);
	free(x);
	free(yp);
	free(want);
	free(done);
	free(donep);
	free(other);
	free_run(&r);
	rmtree(dir);
	free(dir);
}

static void test_finish(void **state)
{
	(void)state;
	finish_and_check(false);
}

static void test_finish_strict(void **state)
{
	(void)state;
	finish_and_check(true);
}

static void test_finish_bad_dir(void **state)
{
	(void)state;
	struct run_result r;
	struct run_opts o;
	char *cause = NULL;

	make_run(&r, &o, false);
	assert_int_equal(report_sonobuoy_finish(&r, "/nonexistent/kaic/results", &cause), -1);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "/nonexistent/kaic/results"));
	free(cause);
	free_run(&r);
}

static void test_default_dir(void **state)
{
	(void)state;
	unsetenv("SONOBUOY_RESULTS_DIR");
	assert_string_equal(run_opts_sonobuoy_dir(), "/tmp/sonobuoy/results");
	setenv("SONOBUOY_RESULTS_DIR", "/x/y", 1);
	assert_string_equal(run_opts_sonobuoy_dir(), "/x/y");
	unsetenv("SONOBUOY_RESULTS_DIR");
}

static void test_tgz_large(void **state)
{
	(void)state;
	char *dir = tmpdir(), *cause = NULL;
	char *big = xasprintf("%s/big.bin", dir);
	FILE *f = fopen(big, "wb");
	assert_non_null(f);
	for (int i = 0; i < 200000; i++)
		fputc((i * 7) & 0xff, f); /* spans several 64 KiB stored blocks */
	fclose(f);
	char *tgz = xasprintf("%s/out.tar.gz", dir);
	const char *const excl[] = {"out.tar.gz", NULL};
	assert_int_equal(tgz_write_dir(dir, tgz, excl, &cause), 0);
	char *cmd = xasprintf("mkdir '%s/x' && tar -xzf '%s' -C '%s/x' && cmp '%s' '%s/x/big.bin'",
			      dir, tgz, dir, big, dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(tgz);
	free(big);
	rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_status_mapping), cmocka_unit_test(test_finish),
	    cmocka_unit_test(test_finish_strict),  cmocka_unit_test(test_finish_bad_dir),
	    cmocka_unit_test(test_default_dir),	   cmocka_unit_test(test_tgz_large),
	    cmocka_unit_test(test_plugin_status),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
