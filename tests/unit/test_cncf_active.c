/* test_cncf_active.c: the CNCF-only checks run as the runner runs them (passive, then
 * active with the run namespace and the cleanup registry) against a live cluster, until
 * the runner knows the program's ids. Skipped unless KAIC_TEST_KUBECONFIG names a
 * kubeconfig (tests/integration/cncf_active.sh starts kaic-sim for it); then
 * KAIC_TEST_EXPECT lists "ID=VERDICT,..." (VERDICT may be "A/B"): each check must end
 * with that verdict (a passive Full of a check whose Full needs an active test is capped
 * at Partial, as the runner does), and the cleanup must leave nothing behind. KAIC_TEST_RUN_ID
 * names the run (default "cncftest"); KAIC_TEST_DISRUPTIVE=1 runs as --disruptive does;
 * KAIC_TEST_TIMEOUT_S bounds each check (default 60). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "active/active.h"
#include "checks/checks.h"
#include "kube/inventory.h"
#include "kube/kube.h"
#include "run/check.h"
#include "run/run_opts.h"
#include "util/clock.h"

static bool verdict_ok(const char *want, enum verdict got)
{
	char *copy = strdup(want);
	bool ok = false;
	char *save = NULL;
	for (char *t = strtok_r(copy, "/", &save); t && !ok; t = strtok_r(NULL, "/", &save))
		ok = strcmp(t, verdict_name(got)) == 0;
	free(copy);
	return ok;
}

/* Runs check id as the runner does; returns its verdict after printing the evidence. */
static enum verdict run_one(struct kube_client *c, struct inventory *inv, struct active *act,
			    const char *ns, const char *run_id, const char *id)
{
	const struct check *chk = checks_find(id);
	assert_non_null(chk);
	static struct run_opts opts;
	const char *dis = getenv("KAIC_TEST_DISRUPTIVE"), *to = getenv("KAIC_TEST_TIMEOUT_S");
	opts.image = "kaic";
	opts.timeout_s = to != NULL && atol(to) > 0 ? atol(to) : 60;
	opts.disruptive = dis != NULL && strcmp(dis, "1") == 0;
	atomic_int cancel = 0;
	struct check_ctx ctx = {.id = chk->id,
				.client = c,
				.inv = inv,
				.opts = &opts,
				.run_id = run_id,
				.cancel = &cancel,
				.deadline_ms = now_ms() + opts.timeout_s * 1000};
	struct check_result res;
	check_result_init(&res);
	chk->passive(&ctx, &res);
	res.mode = MODE_PASSIVE;
	bool found = res.verdict == VERDICT_FULL || res.verdict == VERDICT_PARTIAL;
	if (chk->active != NULL && found) {
		ctx.ns = ns;
		ctx.act = act;
		chk->active(&ctx, &res);
	}
	if ((chk->flags & CHECK_FULL_NEEDS_ACTIVE) && res.mode == MODE_PASSIVE &&
	    res.verdict == VERDICT_FULL) /* the runner's cap */
		check_verdict(&res, VERDICT_PARTIAL, "not exercised: Full needs an active test");
	printf("%s: %s (%s)%s%s\n", id, verdict_name(res.verdict), mode_name(res.mode),
	       res.remediation ? " hint: " : "", res.remediation ? res.remediation : "");
	for (size_t i = 0; i < res.nevidence; i++)
		printf("    %s\n", res.evidence[i]);
	enum verdict v = res.verdict;
	check_result_release(&res);
	return v;
}

static void test_live(void **state)
{
	(void)state;
	const char *kc = getenv("KAIC_TEST_KUBECONFIG");
	const char *expect = getenv("KAIC_TEST_EXPECT");
	if (kc == NULL || *kc == '\0' || expect == NULL)
		skip();
	const char *run_id = getenv("KAIC_TEST_RUN_ID") ? getenv("KAIC_TEST_RUN_ID") : "cncftest";
	struct kube_config cfg = {0};
	char *cause = NULL;
	assert_int_equal(kube_config_load(&cfg, kc, NULL, &cause), 0);
	struct kube_client *c = kube_client_new(&cfg, NULL, &cause);
	assert_non_null(c);
	struct kube_error err = {0};
	struct inventory *inv = inventory_new(c, &err);
	assert_non_null(inv);
	struct active *act = active_new(c, run_id, 60000);
	const char *ns = active_namespace(act, &err);
	assert_non_null(ns);
	char *copy = strdup(expect);
	int bad = 0;
	char *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '=');
		assert_non_null(eq);
		*eq = '\0';
		enum verdict v = run_one(c, inv, act, ns, run_id, t);
		if (!verdict_ok(eq + 1, v)) {
			printf("FAIL: %s is %s, expected %s\n", t, verdict_name(v), eq + 1);
			bad++;
		}
	}
	free(copy);
	char **notes = NULL;
	int left = active_cleanup(act, &notes);
	for (size_t i = 0; notes && notes[i]; i++) {
		printf("cleanup: %s\n", notes[i]);
		free(notes[i]);
	}
	free(notes);
	active_free(act);
	inventory_free(inv);
	kube_client_free(c);
	assert_int_equal(left, 0);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_live)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
