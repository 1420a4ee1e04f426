/* test_runner.c: the runner's rules (not implemented, Skipped, --passive capping, active
 * only after a positive passive result, interruption) with a fixture inventory and
 * checks defined here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/report.h"
#include "run/runner.h"
#include "util/xmalloc.h"
#include "util/clock.h"

static atomic_int active_calls;
static atomic_int passive_calls;
static atomic_int bad_ctx; /* checks run in threads: they count, the test asserts */

/* Full from the passive signals alone; Full needs the active test. */
static void full_passive(struct check_ctx *ctx, struct check_result *res)
{
	atomic_fetch_add(&passive_calls, 1);
	if (ctx->inv == NULL || ctx->ns != NULL || ctx->deadline_ms <= now_ms() ||
	    ctx->deadline_ms > now_ms() + ctx->opts->timeout_s * 1000 || ctx->cancel == NULL ||
	    strcmp(ctx->run_id, "0a1b2c3d") != 0)
		atomic_fetch_add(&bad_ctx, 1);
	check_evidence(res, "API served");
	check_verdict(res, VERDICT_FULL, NULL);
}

/* Reads the fixture: Full when resource.k8s.io/v1 deviceclasses are served, else No. */
static void served_passive(struct check_ctx *ctx, struct check_result *res)
{
	atomic_fetch_add(&passive_calls, 1);
	if (inventory_served(ctx->inv, "resource.k8s.io", "v1", "deviceclasses")) {
		check_evidence(res, "resource.k8s.io/v1 served");
		check_verdict(res, VERDICT_FULL, NULL);
	} else {
		check_verdict(res, VERDICT_NO, "install a DRA driver");
	}
}

static void no_passive(struct check_ctx *ctx, struct check_result *res)
{
	(void)ctx;
	atomic_fetch_add(&passive_calls, 1);
	check_evidence(res, "nothing found");
	check_verdict(res, VERDICT_NO, "install it");
}

static void count_active(struct check_ctx *ctx, struct check_result *res)
{
	(void)ctx;
	(void)res;
	atomic_fetch_add(&active_calls, 1);
}

static const struct check chk_capped = {.id = "HW-1.1",
					.passive = full_passive,
					.active = count_active,
					.flags = CHECK_FULL_NEEDS_ACTIVE};
static const struct check chk_plain = {
    .id = "HW-1.2", .passive = full_passive, .active = NULL, .flags = 0};
static const struct check chk_served = {
    .id = "WL-2.1", .passive = served_passive, .active = NULL, .flags = 0};
static const struct check chk_no = {.id = "NET-3.1",
				    .passive = no_passive,
				    .active = count_active,
				    .flags = CHECK_FULL_NEEDS_ACTIVE | CHECK_NEEDS_NAMESPACE};
static const struct check chk_noactive = {
    .id = "STO-4.1", .passive = full_passive, .active = NULL, .flags = CHECK_FULL_NEEDS_ACTIVE};

/* Full, keeping the hint an earlier step left (as a passive part does before its active
 * test decides Full). */
static void full_stale_hint(struct check_ctx *ctx, struct check_result *res)
{
	(void)ctx;
	atomic_fetch_add(&passive_calls, 1);
	check_verdict(res, VERDICT_PARTIAL, "run the active test to demonstrate it");
	check_evidence(res, "demonstrated");
	check_verdict(res, VERDICT_FULL, NULL);
}

/* Partial with no hint at all (a check bug). */
static void partial_silent(struct check_ctx *ctx, struct check_result *res)
{
	(void)ctx;
	atomic_fetch_add(&passive_calls, 1);
	check_evidence(res, "half there");
	check_verdict(res, VERDICT_PARTIAL, NULL);
}

static const struct check chk_stale = {
    .id = "HW-1.3", .passive = full_stale_hint, .active = NULL, .flags = 0};
static const struct check chk_silent = {
    .id = "WL-2.2", .passive = partial_silent, .active = NULL, .flags = 0};

/* A check registered under a CNCF official id (as src/checks/cncf_*.c register theirs):
 * it decides workload_sandboxing instead of the overlapping SEC-5.3. */
static const struct check chk_sandbox = {
    .id = "workload_sandboxing", .passive = full_passive, .active = NULL, .flags = 0};

static const struct check *find(const char *id)
{
	const struct check *all[] = {&chk_capped,   &chk_plain, &chk_served, &chk_no,
				     &chk_noactive, &chk_stale, &chk_silent, &chk_sandbox};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(all[i]->id, id) == 0)
			return all[i];
	return NULL;
}

static struct inventory *fixture(void)
{
	json_t *f = json_pack("{s:{s:s},s:[{s:s,s:s,s:s,s:s,s:b}]}", "version", "gitVersion",
			      "v1.34.0", "resources", "group", "resource.k8s.io", "version", "v1",
			      "resource", "deviceclasses", "kind", "DeviceClass", "namespaced", 0);
	return inventory_new_fixture(f);
}

static const struct check_result *res_of(struct run_result *r, const char *id)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->items[i].req->id, id) == 0)
			return &r->items[i].res;
	fail();
	return NULL;
}

static bool has_evidence(const struct check_result *res, const char *line)
{
	for (size_t i = 0; i < res->nevidence; i++)
		if (strcmp(res->evidence[i], line) == 0)
			return true;
	return false;
}

static const struct cncf_version *run_cncf; /* the CNCF checklist run() decides */

static void run(struct run_opts *o, struct runner_signals *sig, struct run_result *out,
		FILE *term_out)
{
	struct inventory *inv = fixture();
	struct report_term *term = term_out ? report_term_new(term_out, false, false) : NULL;
	struct runner_progress progress = report_term_progress(term);
	struct runner_cfg cfg = {.opts = o,
				 .inv = inv,
				 .run_id = "0a1b2c3d",
				 .sig = sig,
				 .progress = term ? &progress : NULL,
				 .find = find,
				 .cncf = run_cncf};
	memset(out, 0, sizeof(*out));
	out->opts = o;
	atomic_store(&active_calls, 0);
	atomic_store(&passive_calls, 0);
	atomic_store(&bad_ctx, 0);
	runner_execute(&cfg, out);
	assert_int_equal(atomic_load(&bad_ctx), 0);
	report_term_free(term);
	inventory_free(inv);
}

static const struct cncf_result *cncf_of(struct run_result *r, const char *id)
{
	for (size_t i = 0; i < r->ncncf; i++)
		if (strcmp(r->cncf_items[i].item->id, id) == 0)
			return &r->cncf_items[i];
	fail();
	return NULL;
}

static void base_opts(struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->timeout_s = 60;
	o->parallel = 4;
}

static void test_passive_mode(void **state)
{
	(void)state;
	struct run_opts o;
	base_opts(&o);
	o.passive = true;
	o.parallel = 8;
	struct run_result r;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	run(&o, NULL, &r, f);
	fclose(f);
	assert_int_equal(r.n, 18);
	for (size_t i = 0; i < r.n; i++)
		assert_string_equal(r.items[i].req->id, catalog_all()[i].id);
	/* capped: Full needs the active test */
	const struct check_result *c = res_of(&r, "HW-1.1");
	assert_int_equal(c->verdict, VERDICT_PARTIAL);
	assert_int_equal(c->mode, MODE_PASSIVE);
	assert_true(has_evidence(c, "not exercised: passive mode"));
	assert_non_null(c->remediation);
	/* not capped without the flag */
	assert_int_equal(res_of(&r, "HW-1.2")->verdict, VERDICT_FULL);
	assert_null(res_of(&r, "HW-1.2")->remediation);
	/* decided from the fixture */
	assert_int_equal(res_of(&r, "WL-2.1")->verdict, VERDICT_FULL);
	assert_int_equal(res_of(&r, "NET-3.1")->verdict, VERDICT_NO);
	/* no check: Error "not implemented" with a remediation */
	c = res_of(&r, "OBS-6.2");
	assert_int_equal(c->verdict, VERDICT_ERROR);
	assert_true(has_evidence(c, "not implemented"));
	assert_non_null(c->remediation);
	/* --passive never runs an active part */
	assert_int_equal(atomic_load(&active_calls), 0);
	assert_int_equal(atomic_load(&passive_calls), 7);
	assert_true(r.cleanup_ok);
	assert_null(r.cleanup_notes);
	assert_false(r.interrupted);
	/* one progress line per requirement */
	size_t lines = 0;
	for (char *p = text; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	assert_int_equal(lines, 18);
	assert_non_null(strstr(text, "OBS-6.2  SHOULD  Error    passive  "));
	free(text);
	assert_int_equal(run_result_exit_code(&r, false), 1); /* HW-1.1 MUST Partial */
	run_result_release(&r);
}

static void test_focus_skip(void **state)
{
	(void)state;
	struct run_opts o;
	base_opts(&o);
	o.passive = true;
	char *focus[] = {"HW-1.2", "WL-2.1", NULL};
	char *skip[] = {"WL-2.1", NULL};
	o.focus = focus;
	o.skip = skip;
	struct run_result r;
	run(&o, NULL, &r, NULL);
	assert_int_equal(res_of(&r, "HW-1.2")->verdict, VERDICT_FULL);
	assert_int_equal(res_of(&r, "WL-2.1")->verdict, VERDICT_SKIPPED);
	assert_true(has_evidence(res_of(&r, "WL-2.1"), "excluded by --skip"));
	assert_int_equal(res_of(&r, "HW-1.1")->verdict, VERDICT_SKIPPED);
	assert_true(has_evidence(res_of(&r, "HW-1.1"), "not in --focus"));
	assert_int_equal(atomic_load(&passive_calls), 1);
	/* the skipped MUSTs were not decided: the run cannot claim them */
	assert_int_equal(run_result_exit_code(&r, true), KAIC_EXIT_UNDECIDED);
	/* a Skipped verdict's hint says how to decide it */
	assert_string_equal(res_of(&r, "WL-2.1")->remediation,
			    "not decided: run without --skip WL-2.1 to decide it");
	assert_string_equal(res_of(&r, "HW-1.1")->remediation,
			    "not decided: add HW-1.1 to --focus to decide it");
	run_result_release(&r);
}

/* One rule for remediation, whatever the check did: none on Full, one on every other
 * verdict, naming what is missing. */
static void test_remediation_rule(void **state)
{
	(void)state;
	struct run_opts o;
	base_opts(&o);
	o.passive = true;
	struct run_result r;
	run(&o, NULL, &r, NULL);
	const struct check_result *c = res_of(&r, "HW-1.3");
	assert_int_equal(c->verdict, VERDICT_FULL);
	assert_null(c->remediation);
	c = res_of(&r, "WL-2.2");
	assert_int_equal(c->verdict, VERDICT_PARTIAL);
	assert_non_null(c->remediation);
	for (size_t i = 0; i < r.n; i++) {
		c = &r.items[i].res;
		if (c->verdict == VERDICT_FULL)
			assert_null(c->remediation);
		else
			assert_true(c->remediation != NULL && c->remediation[0] != '\0');
	}
	run_result_release(&r);
	/* not exercised for want of an active test: the hint names the requirement */
	o.passive = false;
	run(&o, NULL, &r, NULL);
	c = res_of(&r, "STO-4.1");
	assert_int_equal(c->verdict, VERDICT_PARTIAL);
	assert_non_null(strstr(c->remediation, "no active test for STO-4.1 yet"));
	run_result_release(&r);
}

/* Without --passive: the active part runs only after a positive passive result, and
 * without a cluster client it cannot run, so Full stays capped. */
static void test_active_mode(void **state)
{
	(void)state;
	struct run_opts o;
	base_opts(&o);
	o.parallel = 1;
	struct run_result r;
	run(&o, NULL, &r, NULL);
	const struct check_result *c = res_of(&r, "HW-1.1");
	assert_int_equal(c->verdict, VERDICT_PARTIAL);
	assert_true(has_evidence(c, "not exercised: no cluster client"));
	c = res_of(&r, "STO-4.1");
	assert_int_equal(c->verdict, VERDICT_PARTIAL);
	assert_true(has_evidence(c, "not exercised: no active test for it yet"));
	assert_int_equal(res_of(&r, "NET-3.1")->verdict, VERDICT_NO);
	assert_false(has_evidence(res_of(&r, "NET-3.1"), "not exercised: no cluster client"));
	assert_int_equal(atomic_load(&active_calls), 0);
	run_result_release(&r);
}

static void test_interrupted(void **state)
{
	(void)state;
	struct run_opts o;
	base_opts(&o);
	struct runner_signals sig = {0};
	sig.stop = 1;
	sig.count = 1;
	sig.client_cancel = 1;
	struct run_result r;
	run(&o, &sig, &r, NULL);
	for (size_t i = 0; i < r.n; i++) {
		assert_int_equal(r.items[i].res.verdict, VERDICT_ERROR);
		assert_true(has_evidence(&r.items[i].res, "not run: the run was interrupted"));
	}
	assert_int_equal(atomic_load(&passive_calls), 0);
	assert_true(r.interrupted);
	assert_int_equal(sig.client_cancel, 0); /* cleared so that cleanup deletes go out */
	assert_int_equal(run_result_exit_code(&r, false), 130);
	run_result_release(&r);
}

static void test_run_deadline(void **state)
{
	(void)state;
	struct run_opts o;
	base_opts(&o);
	struct inventory *inv = fixture();
	struct runner_cfg cfg = {
	    .opts = &o, .inv = inv, .run_id = "x", .find = find, .deadline_ms = now_ms() - 1};
	struct run_result r = {.opts = &o};
	runner_execute(&cfg, &r);
	assert_true(has_evidence(res_of(&r, "HW-1.1"), "not run: --run-timeout reached"));
	assert_int_equal(run_result_exit_code(&r, false), 3);
	run_result_release(&r);
	inventory_free(inv);
}

static void test_run_id(void **state)
{
	(void)state;
	char a[9], b[9];
	char *cause = NULL;
	assert_int_equal(runner_new_run_id(a, &cause), 0);
	assert_int_equal(runner_new_run_id(b, &cause), 0);
	assert_int_equal(strlen(a), 8);
	assert_int_equal(strspn(a, "0123456789abcdef"), 8);
	assert_string_not_equal(a, b);
}

/* SIGTERM stops the run and cancels the client; cleanup clears the client flag. */
static void test_signals(void **state)
{
	(void)state;
	struct runner_signals sig;
	assert_int_equal(runner_signals_start(&sig, "0a1b2c3d", 0), 0);
	assert_int_equal(kill(getpid(), SIGTERM), 0);
	for (int i = 0; i < 50 && sig.count == 0; i++)
		usleep(20 * 1000);
	assert_int_equal(sig.count, 1);
	assert_true(sig.stop && sig.client_cancel);
	assert_false(sig.timed_out);
	struct run_opts o;
	base_opts(&o);
	struct run_result r;
	run(&o, &sig, &r, NULL);
	assert_true(r.interrupted);
	assert_int_equal(sig.client_cancel, 0);
	assert_true(sig.cleanup_phase);
	runner_signals_stop(&sig);
	run_result_release(&r);
}

/* The run deadline stops the run like a signal but is not an interruption. */
static void test_signals_deadline(void **state)
{
	(void)state;
	struct runner_signals sig;
	assert_int_equal(runner_signals_start(&sig, "0a1b2c3d", now_ms() + 50), 0);
	for (int i = 0; i < 50 && !sig.timed_out; i++)
		usleep(20 * 1000);
	assert_true(sig.timed_out && sig.stop && sig.client_cancel);
	assert_int_equal(sig.count, 0);
	struct run_opts o;
	base_opts(&o);
	struct run_result r;
	run(&o, &sig, &r, NULL);
	assert_false(r.interrupted);
	assert_true(has_evidence(res_of(&r, "HW-1.1"), "not run: --run-timeout reached"));
	assert_int_equal(run_result_exit_code(&r, false), 3);
	runner_signals_stop(&sig);
	run_result_release(&r);
}

/* A CNCF checklist: each id decided by its own check, else the overlapping white-paper
 * check, else by none (Not Implemented, "no test"); the exit status counts both. */
static void test_cncf_items(void **state)
{
	(void)state;
	struct run_opts o;
	struct run_result r;
	base_opts(&o);
	o.passive = true;
	run_cncf = cncf_version_find("1.37");
	run(&o, NULL, &r, NULL);
	assert_int_equal(r.n, catalog_count());
	assert_int_equal(r.ncncf, run_cncf->n);
	for (size_t i = 0; i < r.ncncf; i++)
		assert_ptr_equal(r.cncf_items[i].item, &run_cncf->items[i]);
	const struct cncf_result *c = cncf_of(&r, "accelerator_metrics");
	assert_string_equal(c->by->id, "HW-1.2");
	assert_int_equal(cncf_status_of(c), CNCF_IMPLEMENTED);
	c = cncf_of(&r, "workload_sandboxing");
	assert_string_equal(c->by->id, "workload_sandboxing");
	assert_int_equal(cncf_status_of(c), CNCF_IMPLEMENTED);
	c = cncf_of(&r, "ai_inference");
	assert_string_equal(c->by->id, "NET-3.1");
	assert_int_equal(cncf_status_of(c), CNCF_NOT_IMPLEMENTED);
	assert_true(cncf_result_is_failure(c, false));
	c = cncf_of(&r, "secure_accelerator_access");
	assert_null(c->by);
	assert_int_equal(cncf_status_of(c), CNCF_NOT_IMPLEMENTED);
	assert_true(has_evidence(&c->res, "kaic has no test for this requirement yet"));
	assert_true(cncf_result_is_undecided(c));
	assert_int_equal(run_result_exit_cncf(&r, false), KAIC_EXIT_NOT_CONFORMANT);
	/* the white-paper results are those of a run without the CNCF checklist */
	assert_int_equal(res_of(&r, "NET-3.1")->verdict, VERDICT_NO);
	run_result_release(&r);

	/* --catalog cncf: only the tests some item needs, no white-paper items */
	o.catalog = CATALOG_CNCF;
	run(&o, NULL, &r, NULL);
	assert_int_equal(r.n, 0);
	assert_int_equal(atomic_load(&passive_calls), 3); /* NET-3.1, HW-1.2, workload_sandboxing */
	assert_int_equal(run_result_exit_code(&r, false), KAIC_EXIT_NOT_CONFORMANT);
	run_result_release(&r);

	/* --focus accelerator_metrics: its test runs for the CNCF item, HW-1.2 stays Skipped */
	o.catalog = CATALOG_BOTH;
	o.focus = (char *[]){"accelerator_metrics", NULL};
	run(&o, NULL, &r, NULL);
	assert_int_equal(res_of(&r, "HW-1.2")->verdict, VERDICT_SKIPPED);
	assert_int_equal(cncf_status_of(cncf_of(&r, "accelerator_metrics")), CNCF_IMPLEMENTED);
	c = cncf_of(&r, "workload_sandboxing");
	assert_true(c->excluded);
	assert_int_equal(cncf_status_of(c), CNCF_NOT_IMPLEMENTED);
	assert_int_equal(atomic_load(&passive_calls), 1);
	o.focus = NULL;
	run_result_release(&r);
	run_cncf = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_passive_mode),     cmocka_unit_test(test_focus_skip),
	    cmocka_unit_test(test_remediation_rule), cmocka_unit_test(test_active_mode),
	    cmocka_unit_test(test_interrupted),	     cmocka_unit_test(test_run_deadline),
	    cmocka_unit_test(test_run_id),	     cmocka_unit_test(test_signals),
	    cmocka_unit_test(test_signals_deadline), cmocka_unit_test(test_cncf_items),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
