/* test_net31_split.c: NET-3.1's split decision as a statistical test. A correct gateway
 * that picks backends at random by weight must (almost) never fail: 4,000 seeded (2 x 2,000)
 * binomial samples at the request count the check uses give no false failure (the
 * decision's false-failure probability is at most 1e-6 per run); a gateway 10 points
 * off must always fail. The old rule (400 requests, a fixed +-0.05) is measured the same
 * way to show that the count can catch a bad rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "checks/active_tests.h"

#define RUNS 2000
#define N ACTIVE_NET31_MIN_REQUESTS

/* splitmix64: a seeded, portable generator. */
static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* One run of a random gateway: how many of n requests went to a (probability p). */
static long sample(uint64_t *s, long n, double p)
{
	long a = 0;
	for (long i = 0; i < n; i++)
		a += (double)(next(s) >> 11) / 9007199254740992.0 < p;
	return a;
}

static long failures(uint64_t seed, long n, double p_true)
{
	long bad = 0;
	for (long r = 0; r < RUNS; r++)
		bad += !active_net31_split_ok(n, sample(&seed, n, p_true), 0.8);
	return bad;
}

static void test_band_is_exact(void **state)
{
	(void)state;
	long lo, hi;
	active_net31_band(N, 0.8, 1e-6, &lo, &hi);
	/* about 4.89 standard deviations (sqrt(2000 * 0.8 * 0.2) = 17.9 requests) each side */
	assert_in_range(lo, 1600 - 92, 1600 - 82);
	assert_in_range(hi, 1600 + 82, 1600 + 92);
	/* the tails outside really hold at most 1e-6, and the band is the narrowest such */
	double out = 0, next_out = 0;
	for (long k = 0; k <= N; k++) {
		double pk = exp(lgamma(N + 1.0) - lgamma(k + 1.0) - lgamma(N - k + 1.0) +
				k * log(0.8) + (N - k) * log(0.2));
		if (k < lo || k > hi)
			out += pk;
		if (k <= lo || k >= hi)
			next_out += pk;
	}
	assert_true(out <= 1e-6);
	assert_true(next_out > 1e-6 / 2);
	assert_true(active_net31_split_ok(N, lo, 0.8));
	assert_true(active_net31_split_ok(N, hi, 0.8));
	assert_false(active_net31_split_ok(N, lo - 1, 0.8));
	assert_false(active_net31_split_ok(N, hi + 1, 0.8));
	assert_false(active_net31_split_ok(0, 0, 0.8));
}

static void test_correct_random_gateway_never_fails(void **state)
{
	(void)state;
	assert_int_equal(failures(1, N, 0.8), 0);
	assert_int_equal(failures(2, N, 0.8), 0);
}

static void test_ten_points_off_always_fails(void **state)
{
	(void)state;
	assert_int_equal(failures(3, N, 0.7), RUNS);
	assert_int_equal(failures(4, N, 0.9), RUNS);
}

/* The old rule: |a/400 - 0.8| <= 0.05 failed a correct random gateway about 1.2% of
 * the time; the same count catches it. */
static void test_old_rule_was_flaky(void **state)
{
	(void)state;
	uint64_t seed = 5;
	long bad = 0;
	for (long r = 0; r < RUNS; r++)
		bad += fabs((double)sample(&seed, 400, 0.8) / 400.0 - 0.8) > 0.05 + 1e-12;
	assert_in_range(bad, RUNS / 200, RUNS / 40); /* 0.5% .. 2.5% */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_band_is_exact),
	    cmocka_unit_test(test_correct_random_gateway_never_fails),
	    cmocka_unit_test(test_ten_points_off_always_fails),
	    cmocka_unit_test(test_old_rule_was_flaky),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
