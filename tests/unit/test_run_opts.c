/* test_run_opts.c: parsing and checking the flags of `kaic run`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "run/run_opts.h"

/* Parses the NULL-terminated words after "run"; returns the cause (caller frees) or
 * NULL on success. */
static char *parse(struct run_opts *o, const char *const *words)
{
	char *argv[64];
	int argc = 0;
	argv[argc++] = (char *)"run";
	for (; *words != NULL; words++)
		argv[argc++] = (char *)*words;
	argv[argc] = NULL;
	char *cause = NULL;
	int rc = run_opts_parse(o, argc, argv, &cause);
	if (rc == 0)
		assert_null(cause);
	else
		assert_non_null(cause);
	return cause;
}

/* Expects words to fail with exactly message. */
static void expect_error(const char *message, const char *const *words)
{
	struct run_opts o;
	char *cause = parse(&o, words);
	assert_non_null(cause);
	assert_string_equal(cause, message);
	assert_null(strchr(cause, '\n'));
	free(cause);
}

static void test_defaults(void **state)
{
	(void)state;
	unsetenv("SONOBUOY_RESULTS_DIR");
	struct run_opts o;
	const char *const w[] = {NULL};
	assert_null(parse(&o, w));
	assert_string_equal(o.output_dir, "kaic-results");
	assert_int_equal(o.timeout_s, 300);
	assert_int_equal(o.run_timeout_s, 0);
	assert_int_equal(o.parallel, 4);
	assert_int_equal(o.load_requests, 400);
	assert_string_equal(o.image, "kaic:" KAIC_VERSION);
	assert_false(o.passive);
	assert_false(o.sonobuoy);
	assert_null(o.focus);
	assert_null(o.skip);
	run_opts_release(&o);
}

static void test_all_flags(void **state)
{
	(void)state;
	unsetenv("SONOBUOY_RESULTS_DIR");
	struct run_opts o;
	const char *const w[] = {"--kubeconfig",
				 "/k",
				 "--context=c1",
				 "--passive",
				 "--focus",
				 "hw-1.1,NET-3.1",
				 "--skip",
				 "wl-2.1",
				 "--output-dir",
				 "out",
				 "--timeout",
				 "90s",
				 "--run-timeout",
				 "1h30m",
				 "--parallel",
				 "64",
				 "--image",
				 "reg/kaic:1",
				 "--vendor",
				 "V",
				 "--product",
				 "P",
				 "--product-version",
				 "9",
				 "--strict",
				 "-vv",
				 "--verbose",
				 "--no-color",
				 "--metrics-endpoint",
				 "gpu/dcgm:9400",
				 "--prometheus-url",
				 "http://prom:9090",
				 "--trace-query-url",
				 "https://jaeger",
				 "--requests",
				 "1000",
				 "--signed-image",
				 "reg/signed@sha256:ab",
				 "--unsigned-image",
				 "reg/unsigned:1",
				 "--gds-image",
				 "nvcr.io/nvidia/cuda:gds",
				 "--disruptive",
				 "--secondary-nic=ens9f0",
				 NULL};
	assert_null(parse(&o, w));
	assert_string_equal(o.kubeconfig, "/k");
	assert_string_equal(o.context, "c1");
	assert_true(o.passive && o.strict && o.no_color && !o.in_cluster);
	assert_string_equal(o.focus[0], "HW-1.1");
	assert_string_equal(o.focus[1], "NET-3.1");
	assert_null(o.focus[2]);
	assert_string_equal(o.skip[0], "WL-2.1");
	assert_string_equal(o.output_dir, "out");
	assert_int_equal(o.timeout_s, 90);
	assert_int_equal(o.run_timeout_s, 5400);
	assert_int_equal(o.parallel, 64);
	assert_string_equal(o.image, "reg/kaic:1");
	assert_string_equal(o.vendor, "V");
	assert_string_equal(o.product, "P");
	assert_string_equal(o.product_version, "9");
	assert_int_equal(o.verbose, 3);
	assert_string_equal(o.metrics_endpoint, "gpu/dcgm:9400");
	assert_string_equal(o.prometheus_url, "http://prom:9090");
	assert_string_equal(o.trace_query_url, "https://jaeger");
	assert_int_equal(o.load_requests, 1000);
	assert_string_equal(o.signed_image, "reg/signed@sha256:ab");
	assert_string_equal(o.unsigned_image, "reg/unsigned:1");
	assert_string_equal(o.gds_image, "nvcr.io/nvidia/cuda:gds");
	assert_true(o.disruptive);
	assert_string_equal(o.secondary_nic, "ens9f0");
	assert_string_equal(run_opts_excluded(&o, "WL-2.1"), "not in --focus");
	assert_string_equal(run_opts_excluded(&o, "OBS-6.2"), "not in --focus");
	assert_null(run_opts_excluded(&o, "HW-1.1"));
	assert_null(run_opts_excluded(&o, "NET-3.1"));
	run_opts_release(&o);
}

static void test_bad_flags(void **state)
{
	(void)state;
	expect_error("unknown option \"--x\"", (const char *const[]){"--x", NULL});
	expect_error("unknown option \"--x\"", (const char *const[]){"--passive", "--x=1", NULL});
	expect_error("unknown option \"-z\"", (const char *const[]){"-z", NULL});
	expect_error("unknown option \"-z\"", (const char *const[]){"-vz", NULL});
	expect_error("option \"--passive\" takes no value",
		     (const char *const[]){"--passive=yes", NULL});
	expect_error("option \"--timeout\" needs a value",
		     (const char *const[]){"--timeout", NULL});
	expect_error("unexpected argument \"extra\"", (const char *const[]){"extra", NULL});
	expect_error("invalid value \"abc\" for --parallel",
		     (const char *const[]){"--parallel", "abc", NULL});
	expect_error("invalid value \"0\" for --parallel",
		     (const char *const[]){"--parallel=0", NULL});
	expect_error("invalid value \"65\" for --parallel",
		     (const char *const[]){"--parallel", "65", NULL});
	expect_error("invalid value \"a b\" for --signed-image",
		     (const char *const[]){"--signed-image", "a b", NULL});
	expect_error("invalid value \"\" for --unsigned-image",
		     (const char *const[]){"--unsigned-image=", NULL});
	expect_error("invalid value \"-x\" for --gds-image",
		     (const char *const[]){"--gds-image=-x", NULL});
	expect_error("invalid value \"4x\" for --parallel",
		     (const char *const[]){"--parallel", "4x", NULL});
	expect_error("invalid value \"-1\" for --requests",
		     (const char *const[]){"--requests", "-1", NULL});
	expect_error("invalid value \"5 m\" for --timeout",
		     (const char *const[]){"--timeout", "5 m", NULL});
	expect_error("invalid value \"ftp://x\" for --prometheus-url",
		     (const char *const[]){"--prometheus-url", "ftp://x", NULL});
	expect_error("invalid value \"\" for --output-dir",
		     (const char *const[]){"--output-dir", "", NULL});
	expect_error("unknown requirement \"HW-9.9\" in --focus (\"kaic list\" shows the IDs)",
		     (const char *const[]){"--focus", "HW-1.1,HW-9.9", NULL});
	expect_error("unknown requirement \"nope\" in --skip (\"kaic list\" shows the IDs)",
		     (const char *const[]){"--skip", "nope", NULL});
	expect_error("invalid value \",\" for --focus",
		     (const char *const[]){"--focus", ",", NULL});
	/* flags that nothing would read are not accepted (they are planned, not built) */
	expect_error("invalid value \"a/b\" for --secondary-nic",
		     (const char *const[]){"--secondary-nic=a/b", NULL});
	expect_error("invalid value \"an-interface-name\" for --secondary-nic",
		     (const char *const[]){"--secondary-nic", "an-interface-name", NULL});
	expect_error("option \"--disruptive\" takes no value",
		     (const char *const[]){"--disruptive=yes", NULL});
	expect_error("--in-cluster cannot be combined with --kubeconfig or --context",
		     (const char *const[]){"--in-cluster", "--context", "c", NULL});
}

/* --catalog, --cncf-version, --cncf-template, and CNCF ids in --focus/--skip. */
static void test_cncf_opts(void **state)
{
	(void)state;
	struct run_opts o;
	const char *const d[] = {NULL};
	assert_null(parse(&o, d));
	assert_int_equal(o.catalog, CATALOG_BOTH);
	assert_null(o.cncf_version);
	assert_null(o.cncf_template);
	run_opts_release(&o);
	const char *const w[] = {"--catalog",
				 "cncf",
				 "--cncf-version",
				 "v1.35",
				 "--cncf-template",
				 "t.yaml",
				 "--focus",
				 "secure_accelerator_access,HW-1.1",
				 NULL};
	assert_null(parse(&o, w));
	assert_int_equal(o.catalog, CATALOG_CNCF);
	assert_string_equal(o.cncf_version, "1.35");
	assert_string_equal(o.cncf_template, "t.yaml");
	assert_null(run_opts_excluded(&o, "secure_accelerator_access"));
	assert_null(run_opts_excluded(&o, "HW-1.1"));
	assert_string_equal(run_opts_excluded(&o, "gang_scheduling"), "not in --focus");
	run_opts_release(&o);
	expect_error("invalid value \"white\" for --catalog (whitepaper, cncf or both)",
		     (const char *const[]){"--catalog", "white", NULL});
	expect_error("invalid value \"1.32\" for --cncf-version (kaic has the checklists "
		     "1.33..1.37)",
		     (const char *const[]){"--cncf-version", "1.32", NULL});
	expect_error(
	    "--cncf-version needs the CNCF checklist (--catalog cncf or both)",
	    (const char *const[]){"--catalog", "whitepaper", "--cncf-version", "1.34", NULL});
	expect_error(
	    "--cncf-template needs the CNCF checklist (--catalog cncf or both)",
	    (const char *const[]){"--cncf-template", "x", "--catalog", "whitepaper", NULL});
	expect_error("unknown requirement \"gpu_magic\" in --focus (\"kaic list\" shows the IDs)",
		     (const char *const[]){"--focus", "gpu_magic", NULL});
	expect_error(
	    "--focus names no requirement of the catalogue run",
	    (const char *const[]){"--catalog", "whitepaper", "--focus", "pod_autoscaling", NULL});
	expect_error("--focus names no requirement of the catalogue run",
		     (const char *const[]){"--catalog", "cncf", "--focus", "HW-1.3", NULL});
}

/* --focus and --skip that overlap, or leave nothing to run, are usage errors: such a run
 * would decide nothing and could still look like a pass. */
static void test_selection(void **state)
{
	(void)state;
	expect_error("--focus and --skip both name \"HW-1.1\"",
		     (const char *const[]){"--focus", "HW-1.1", "--skip", "hw-1.1", NULL});
	expect_error("--focus and --skip both name \"WL-2.1\"",
		     (const char *const[]){"--skip", "WL-2.1", "--focus", "HW-1.1,WL-2.1", NULL});
	expect_error("--skip leaves no requirement to run",
		     (const char *const[]){"--catalog", "whitepaper", "--skip",
					   "HW-1.1,HW-1.2,HW-1.3,WL-2.1,WL-2.2,WL-2.3,WL-2.4,"
					   "NET-3.1,NET-3.2,STO-4.1,STO-4.2,SEC-5.1,SEC-5.2,"
					   "SEC-5.3,SEC-5.4,SEC-5.5,OBS-6.1,OBS-6.2",
					   NULL});
	/* one left is enough */
	struct run_opts o;
	const char *const w[] = {"--skip",
				 "HW-1.1,HW-1.2,HW-1.3,WL-2.1,WL-2.2,WL-2.3,WL-2.4,NET-3.1,"
				 "NET-3.2,STO-4.1,STO-4.2,SEC-5.1,SEC-5.2,SEC-5.3,SEC-5.4,SEC-5.5,"
				 "OBS-6.1",
				 NULL};
	assert_null(parse(&o, w));
	assert_null(run_opts_excluded(&o, "OBS-6.2"));
	run_opts_release(&o);
}

static void test_durations(void **state)
{
	(void)state;
	assert_int_equal(run_opts_parse_duration("30s"), 30);
	assert_int_equal(run_opts_parse_duration("5m"), 300);
	assert_int_equal(run_opts_parse_duration("1h"), 3600);
	assert_int_equal(run_opts_parse_duration("1h2m3s"), 3723);
	assert_int_equal(run_opts_parse_duration("45"), 45);
	assert_int_equal(run_opts_parse_duration(""), -1);
	assert_int_equal(run_opts_parse_duration("0"), -1);
	assert_int_equal(run_opts_parse_duration("0s"), -1);
	assert_int_equal(run_opts_parse_duration("5"), 5);
	assert_int_equal(run_opts_parse_duration("5x"), -1);
	assert_int_equal(run_opts_parse_duration("m"), -1);
	assert_int_equal(run_opts_parse_duration("1m30"), -1);
	assert_int_equal(run_opts_parse_duration("-5s"), -1);
	assert_int_equal(run_opts_parse_duration("99999999999999999999s"), -1);
	assert_int_equal(run_opts_parse_duration("9999h"), -1);
}

static void test_sizes(void **state)
{
	(void)state;
	assert_int_equal(run_opts_parse_size("64Mi"), 64ULL << 20);
	assert_int_equal(run_opts_parse_size("512MiB"), 512ULL << 20);
	assert_int_equal(run_opts_parse_size("2Gi"), 2ULL << 30);
	assert_int_equal(run_opts_parse_size("4KiB"), 4096);
	assert_int_equal(run_opts_parse_size("100000"), 100000);
	assert_int_equal(run_opts_parse_size("1023"), 0);
	assert_int_equal(run_opts_parse_size("0"), 0);
	assert_int_equal(run_opts_parse_size("64M"), 0);
	assert_int_equal(run_opts_parse_size("-1Mi"), 0);
	assert_int_equal(run_opts_parse_size("2048Gi"), 0);
	assert_int_equal(run_opts_parse_size("99999999999999999999"), 0);
	struct run_opts o;
	assert_null(parse(&o, (const char *const[]){NULL}));
	assert_int_equal(o.max_response_bytes, 64ULL << 20);
	assert_int_equal(o.max_total_bytes, 512ULL << 20);
	assert_null(parse(&o, (const char *const[]){"--max-response-bytes", "1Mi",
						    "--max-total-bytes=3Gi", NULL}));
	assert_int_equal(o.max_response_bytes, 1ULL << 20);
	assert_int_equal(o.max_total_bytes, 3ULL << 30);
	expect_error("invalid value \"lots\" for --max-total-bytes",
		     (const char *const[]){"--max-total-bytes", "lots", NULL});
	expect_error("invalid value \"0\" for --max-response-bytes",
		     (const char *const[]){"--max-response-bytes", "0", NULL});
}

static void test_in_cluster(void **state)
{
	(void)state;
	struct run_opts o;
	assert_null(parse(&o, (const char *const[]){"--in-cluster", NULL}));
	assert_true(o.in_cluster);
	run_opts_release(&o);
}

static void test_sonobuoy(void **state)
{
	(void)state;
	struct run_opts o;
	setenv("SONOBUOY_RESULTS_DIR", "/tmp/sb-results", 1);
	assert_null(parse(&o, (const char *const[]){"--output-dir", "elsewhere", NULL}));
	assert_true(o.sonobuoy);
	assert_string_equal(o.output_dir, "/tmp/sb-results");
	run_opts_release(&o);
	unsetenv("SONOBUOY_RESULTS_DIR");
	assert_null(parse(&o, (const char *const[]){"--sonobuoy", NULL}));
	assert_true(o.sonobuoy);
	assert_string_equal(o.output_dir, "/tmp/sonobuoy/results");
	run_opts_release(&o);
}

/* The parser can run twice in one process (getopt state is reset). */
static void test_reparse(void **state)
{
	(void)state;
	struct run_opts o;
	for (int i = 0; i < 3; i++) {
		assert_null(parse(&o, (const char *const[]){"--parallel", "2", "--passive", NULL}));
		assert_int_equal(o.parallel, 2);
		assert_true(o.passive);
		run_opts_release(&o);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),   cmocka_unit_test(test_all_flags),
	    cmocka_unit_test(test_bad_flags),  cmocka_unit_test(test_durations),
	    cmocka_unit_test(test_sonobuoy),   cmocka_unit_test(test_reparse),
	    cmocka_unit_test(test_in_cluster), cmocka_unit_test(test_sizes),
	    cmocka_unit_test(test_selection),  cmocka_unit_test(test_cncf_opts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
