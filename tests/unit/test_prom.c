/* test_prom.c: the Prometheus 0.0.4 / OpenMetrics 1.0 text parser against the formats'
 * documented edge cases, valid and invalid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom/prom.h"
#include "util/buf.h"

/* Parses an exact-size heap copy (no NUL after it) so that ASan catches over-reads. */
static int parse_n(const char *text, size_t len, struct prom_doc *doc, char **cause)
{
	char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, text, len);
	int rc = prom_parse(copy, len, doc, cause);
	free(copy);
	return rc;
}

static void parse_ok(const char *text, struct prom_doc *doc)
{
	char *cause = NULL;
	int rc = parse_n(text, strlen(text), doc, &cause);
	if (rc != 0)
		fail_msg("unexpected parse error: %s", cause);
	assert_null(cause);
}

/* Expects a parse error whose message starts with prefix ("line N: ..."). */
static void parse_err_n(const char *text, size_t len, const char *prefix)
{
	struct prom_doc doc;
	char *cause = NULL;
	assert_int_equal(parse_n(text, len, &doc, &cause), -1);
	assert_non_null(cause);
	if (strncmp(cause, prefix, strlen(prefix)) != 0)
		fail_msg("error \"%s\" does not start with \"%s\"", cause, prefix);
	assert_null(strchr(cause, '\n'));
	assert_int_equal(doc.nsamples, 0);
	assert_int_equal(doc.nfamilies, 0);
	assert_null(doc.samples);
	free(cause);
}

static void parse_err(const char *text, const char *prefix)
{
	parse_err_n(text, strlen(text), prefix);
}

static const struct prom_family *family(const struct prom_doc *doc, const char *name)
{
	for (size_t i = 0; i < doc->nfamilies; i++)
		if (strcmp(doc->families[i].name, name) == 0)
			return &doc->families[i];
	return NULL;
}

static const struct prom_sample *sample(const struct prom_doc *doc, const char *name,
					const char *lname, const char *lvalue)
{
	for (size_t i = 0; i < doc->nsamples; i++) {
		const struct prom_sample *s = &doc->samples[i];
		if (strcmp(s->name, name) != 0)
			continue;
		const char *v = lname ? prom_label(s, lname) : NULL;
		if (lname == NULL || (v != NULL && strcmp(v, lvalue) == 0))
			return s;
	}
	return NULL;
}

/* The example document of the exposition-format documentation. */
static void test_doc_example(void **state)
{
	(void)state;
	const char *t =
	    "# HELP http_requests_total The total number of HTTP requests.\n"
	    "# TYPE http_requests_total counter\n"
	    "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
	    "http_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\n"
	    "\n"
	    "# Escaping in label values:\n"
	    "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find "
	    "file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n"
	    "\n"
	    "# Minimalistic line:\n"
	    "metric_without_timestamp_and_labels 12.47\n"
	    "\n"
	    "# A weird metric from before the epoch:\n"
	    "something_weird{problem=\"division by zero\"} +Inf -3982045\n"
	    "\n"
	    "# A histogram, which has a pretty complex representation in the text format:\n"
	    "# HELP http_request_duration_seconds A histogram of the request duration.\n"
	    "# TYPE http_request_duration_seconds histogram\n"
	    "http_request_duration_seconds_bucket{le=\"0.05\"} 24054\n"
	    "http_request_duration_seconds_bucket{le=\"0.1\"} 33444\n"
	    "http_request_duration_seconds_bucket{le=\"+Inf\"} 144320\n"
	    "http_request_duration_seconds_sum 53423\n"
	    "http_request_duration_seconds_count 144320\n"
	    "\n"
	    "# Finally a summary, which has a complex representation, too:\n"
	    "# HELP rpc_duration_seconds A summary of the RPC duration in seconds.\n"
	    "# TYPE rpc_duration_seconds summary\n"
	    "rpc_duration_seconds{quantile=\"0.01\"} 3102\n"
	    "rpc_duration_seconds{quantile=\"0.99\"} 76656\n"
	    "rpc_duration_seconds_sum 1.7560473e+07\n"
	    "rpc_duration_seconds_count 2693\n";
	struct prom_doc doc;
	parse_ok(t, &doc);
	assert_false(doc.openmetrics);
	assert_int_equal(doc.nsamples, 14);
	const struct prom_sample *s = sample(&doc, "http_requests_total", "code", "400");
	assert_non_null(s);
	assert_true(s->value == 3.0);
	assert_true(s->has_timestamp);
	assert_true(fabs(s->timestamp - 1395066363.0) < 1e-6);
	s = sample(&doc, "msdos_file_access_time_seconds", NULL, NULL);
	assert_string_equal(prom_label(s, "path"), "C:\\DIR\\FILE.TXT");
	assert_string_equal(prom_label(s, "error"), "Cannot find file:\n\"FILE.TXT\"");
	assert_true(s->value == 1.458255915e9);
	assert_false(s->has_timestamp);
	s = sample(&doc, "something_weird", NULL, NULL);
	assert_true(isinf(s->value) && s->value > 0);
	assert_true(fabs(s->timestamp - -3982.045) < 1e-9);
	const struct prom_family *f = family(&doc, "http_requests_total");
	assert_string_equal(f->type, "counter");
	assert_string_equal(f->help, "The total number of HTTP requests.");
	assert_null(f->unit);
	assert_string_equal(family(&doc, "http_request_duration_seconds")->type, "histogram");
	assert_string_equal(family(&doc, "rpc_duration_seconds")->type, "summary");
	assert_string_equal(family(&doc, "metric_without_timestamp_and_labels")->type, "untyped");
	assert_null(family(&doc, "http_request_duration_seconds_bucket"));
	assert_true(prom_has_family(&doc, "http_request_duration_seconds"));
	assert_true(prom_has_family(&doc, "rpc_duration_seconds"));
	s = sample(&doc, "rpc_duration_seconds_sum", NULL, NULL);
	assert_true(s->value == 1.7560473e+07);
	prom_doc_release(&doc);
	assert_int_equal(doc.nsamples, 0);
}

static void test_help_escapes(void **state)
{
	(void)state;
	struct prom_doc doc;
	parse_ok("# HELP a one\\\\two\\nthree \\\"q\\\" \\x\n# HELP b\na 1\nb 2\n", &doc);
	/* 0.0.4 knows only \\ and \n in HELP; anything else stays as written */
	assert_string_equal(family(&doc, "a")->help, "one\\two\nthree \\\"q\\\" \\x");
	assert_null(family(&doc, "b")->help);
	prom_doc_release(&doc);
}

static void test_label_escapes(void **state)
{
	(void)state;
	struct prom_doc doc;
	parse_ok("m{a=\"x\\\\y\",b=\"q\\\"q\",c=\"l1\\nl2\",d=\"\",e=\"{},= #\"} 1\n", &doc);
	const struct prom_sample *s = &doc.samples[0];
	assert_int_equal(s->nlabels, 5);
	assert_string_equal(prom_label(s, "a"), "x\\y");
	assert_string_equal(prom_label(s, "b"), "q\"q");
	assert_string_equal(prom_label(s, "c"), "l1\nl2");
	assert_string_equal(prom_label(s, "d"), "");
	assert_string_equal(prom_label(s, "e"), "{},= #");
	assert_null(prom_label(s, "z"));
	prom_doc_release(&doc);
}

static void test_label_set_forms(void **state)
{
	(void)state;
	struct prom_doc doc;
	parse_ok("a{x=\"1\",} 1\nb{} 2\nc 3\nd{ x = \"1\" , y=\"2\" } 4\n", &doc);
	assert_int_equal(doc.nsamples, 4);
	assert_int_equal(doc.samples[0].nlabels, 1);
	assert_int_equal(doc.samples[1].nlabels, 0);
	assert_int_equal(doc.samples[2].nlabels, 0);
	assert_int_equal(doc.samples[3].nlabels, 2);
	assert_string_equal(prom_label(&doc.samples[3], "y"), "2");
	prom_doc_release(&doc);
}

static void test_values(void **state)
{
	(void)state;
	struct prom_doc doc;
	parse_ok("v{i=\"0\"} NaN\nv{i=\"1\"} +Inf\nv{i=\"2\"} -Inf\nv{i=\"3\"} Inf\n"
		 "v{i=\"4\"} 1e3\nv{i=\"5\"} -1.5E-3\nv{i=\"6\"} 0x1p-2\nv{i=\"7\"} infinity\n"
		 "v{i=\"8\"} .5\nv{i=\"9\"} 0042\nv{i=\"10\"} nan\nv{i=\"11\"} -0\n",
		 &doc);
	assert_int_equal(doc.nsamples, 12);
	assert_true(isnan(doc.samples[0].value));
	assert_true(isinf(doc.samples[1].value) && doc.samples[1].value > 0);
	assert_true(isinf(doc.samples[2].value) && doc.samples[2].value < 0);
	assert_true(isinf(doc.samples[3].value) && doc.samples[3].value > 0);
	assert_true(doc.samples[4].value == 1000.0);
	assert_true(doc.samples[5].value == -0.0015);
	assert_true(doc.samples[6].value == 0.25);
	assert_true(isinf(doc.samples[7].value));
	assert_true(doc.samples[8].value == 0.5);
	assert_true(doc.samples[9].value == 42.0);
	assert_true(isnan(doc.samples[10].value));
	assert_true(doc.samples[11].value == 0.0);
	prom_doc_release(&doc);
}

static void test_whitespace_and_line_endings(void **state)
{
	(void)state;
	struct prom_doc doc;
	/* CRLF, tabs, runs of blanks, leading and trailing blanks, blank lines, no final
	 * newline */
	parse_ok("# TYPE g gauge\r\n\r\n  g{a=\"1\"}\t \t5   7 \r\n\n\t# plain comment\n#\ng 6",
		 &doc);
	assert_int_equal(doc.nsamples, 2);
	assert_true(doc.samples[0].value == 5.0);
	assert_true(doc.samples[0].has_timestamp);
	assert_true(fabs(doc.samples[0].timestamp - 0.007) < 1e-12);
	assert_true(doc.samples[1].value == 6.0);
	assert_string_equal(family(&doc, "g")->type, "gauge");
	prom_doc_release(&doc);

	parse_ok("", &doc);
	assert_int_equal(doc.nsamples, 0);
	prom_doc_release(&doc);
	parse_ok("\n\n# just comments\n", &doc);
	assert_int_equal(doc.nsamples, 0);
	prom_doc_release(&doc);
}

/* The length bounds the input even where the buffer goes on. */
static void test_not_nul_terminated(void **state)
{
	(void)state;
	struct prom_doc doc;
	char *cause = NULL;
	assert_int_equal(parse_n("foo 12", 5, &doc, &cause), 0);
	assert_true(doc.samples[0].value == 1.0);
	prom_doc_release(&doc);
	assert_int_equal(parse_n("foo{a=\"x\"} 1", 8, &doc, &cause), -1);
	assert_string_equal(cause, "line 1: unterminated label value");
	free(cause);
	assert_int_equal(parse_n("# TYPE foo gauge", 12, &doc, &cause), -1);
	free(cause);
}

static void test_colons_and_utf8(void **state)
{
	(void)state;
	struct prom_doc doc;
	parse_ok("# HELP vllm:num_requests_running Running requests \xe2\x9c\x93\n"
		 "# TYPE vllm:num_requests_running gauge\n"
		 "vllm:num_requests_running{model_name=\"\xe6\x97\xa5\xe6\x9c\xac\"} 3\n",
		 &doc);
	assert_string_equal(doc.samples[0].name, "vllm:num_requests_running");
	assert_string_equal(prom_label(&doc.samples[0], "model_name"), "\xe6\x97\xa5\xe6\x9c\xac");
	assert_true(prom_has_family(&doc, "vllm:num_requests_running"));
	prom_doc_release(&doc);
}

/* A DCGM-exporter scrape: UUID labels, empty pod labels, counters and gauges. */
static void test_dcgm_exporter(void **state)
{
	(void)state;
	const char *lab = "gpu=\"%d\",UUID=\"GPU-%08x-5b1e-7f43-0d61-6b1a2c9d4e%02d\","
			  "device=\"nvidia%d\",modelName=\"NVIDIA H100 80GB HBM3\","
			  "Hostname=\"gpu-node-1\",DCGM_FI_DRIVER_VERSION=\"550.54.15\","
			  "container=\"\",namespace=\"\",pod=\"\"";
	struct buf b = BUF_INIT;
	const char *fams[][3] = {
	    {"DCGM_FI_DEV_GPU_UTIL", "gauge", "GPU utilization (in %)."},
	    {"DCGM_FI_DEV_FB_USED", "gauge", "Framebuffer memory used (in MiB)."},
	    {"DCGM_FI_DEV_FB_FREE", "gauge", "Framebuffer memory free (in MiB)."},
	    {"DCGM_FI_DEV_XID_ERRORS", "gauge", "Value of the last XID error encountered."},
	    {"DCGM_FI_DEV_POWER_USAGE", "gauge", "Power draw (in W)."},
	    {"DCGM_FI_PROF_GR_ENGINE_ACTIVE", "gauge",
	     "Ratio of time the graphics engine is "
	     "active."},
	    {"DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "counter",
	     "Total energy consumption "
	     "since boot (in mJ)."},
	};
	for (size_t f = 0; f < sizeof fams / sizeof *fams; f++) {
		buf_addf(&b, "# HELP %s %s\n# TYPE %s %s\n", fams[f][0], fams[f][2], fams[f][0],
			 fams[f][1]);
		for (int g = 0; g < 8; g++) {
			buf_addf(&b, "%s{", fams[f][0]);
			buf_addf(&b, lab, g, 0xa1b2c3d4u + (unsigned)g, g, g);
			buf_addf(&b, "} %d\n", (int)(f * 100 + (size_t)g));
		}
	}
	struct prom_doc doc;
	parse_ok(b.data, &doc);
	buf_release(&b);
	assert_int_equal(doc.nsamples, 7 * 8);
	assert_int_equal(doc.nfamilies, 7);
	const struct prom_sample *s = sample(&doc, "DCGM_FI_DEV_FB_USED", "gpu", "3");
	assert_non_null(s);
	assert_string_equal(prom_label(s, "UUID"), "GPU-a1b2c3d7-5b1e-7f43-0d61-6b1a2c9d4e03");
	assert_string_equal(prom_label(s, "modelName"), "NVIDIA H100 80GB HBM3");
	assert_string_equal(prom_label(s, "pod"), "");
	assert_true(s->value == 103.0);
	assert_true(prom_has_family(&doc, "DCGM_FI_DEV_GPU_UTIL"));
	assert_true(prom_has_family(&doc, "DCGM_FI_PROF_GR_ENGINE_ACTIVE"));
	assert_false(prom_has_family(&doc, "DCGM_FI_DEV_MEM_COPY_UTIL"));
	assert_false(prom_has_family(&doc, "DCGM_FI_DEV"));
	assert_string_equal(family(&doc, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION")->type, "counter");
	prom_doc_release(&doc);
}

static void test_has_family(void **state)
{
	(void)state;
	struct prom_doc doc;
	parse_ok("a_total 1\nh_bucket{le=\"1\"} 1\nh_count 1\nh_sum 1\nx_created 5\n"
		 "build_info{v=\"1\"} 1\nfoo_bar 1\n",
		 &doc);
	assert_true(prom_has_family(&doc, "a"));
	assert_true(prom_has_family(&doc, "a_total"));
	assert_true(prom_has_family(&doc, "h"));
	assert_true(prom_has_family(&doc, "x"));
	assert_true(prom_has_family(&doc, "build"));
	assert_true(prom_has_family(&doc, "foo_bar"));
	assert_false(prom_has_family(&doc, "foo"));
	assert_false(prom_has_family(&doc, "a_tot"));
	assert_false(prom_has_family(&doc, "h_"));
	assert_false(prom_has_family(&doc, "nothing"));
	prom_doc_release(&doc);
}

/* The OpenMetrics specification's complete example exposition. */
static void test_openmetrics_example(void **state)
{
	(void)state;
	const char *t =
	    "# TYPE acme_http_router_request_seconds summary\n"
	    "# UNIT acme_http_router_request_seconds seconds\n"
	    "# HELP acme_http_router_request_seconds Latency though all of ACME's HTTP "
	    "request router.\n"
	    "acme_http_router_request_seconds_sum{path=\"/api/v1\",method=\"GET\"} 9036.32\n"
	    "acme_http_router_request_seconds_count{path=\"/api/v1\",method=\"GET\"} "
	    "807283.0\n"
	    "acme_http_router_request_seconds_created{path=\"/api/v1\",method=\"GET\"} "
	    "1605281325.0\n"
	    "# TYPE go_goroutines gauge\n"
	    "# HELP go_goroutines Number of goroutines that currently exist.\n"
	    "go_goroutines 69\n"
	    "# TYPE process_cpu_seconds counter\n"
	    "# UNIT process_cpu_seconds seconds\n"
	    "# HELP process_cpu_seconds Total user and system CPU time spent in seconds.\n"
	    "process_cpu_seconds_total 4.20072246e+06\n"
	    "# EOF\n";
	struct prom_doc doc;
	parse_ok(t, &doc);
	assert_true(doc.openmetrics);
	assert_int_equal(doc.nsamples, 5);
	assert_int_equal(doc.nfamilies, 3);
	const struct prom_family *f = family(&doc, "acme_http_router_request_seconds");
	assert_string_equal(f->type, "summary");
	assert_string_equal(f->unit, "seconds");
	assert_string_equal(f->help, "Latency though all of ACME's HTTP request router.");
	assert_string_equal(family(&doc, "process_cpu_seconds")->type, "counter");
	assert_true(sample(&doc, "process_cpu_seconds_total", NULL, NULL)->value == 4200722.46);
	assert_true(prom_has_family(&doc, "process_cpu_seconds"));
	prom_doc_release(&doc);
}

static void test_openmetrics_exemplars_and_timestamps(void **state)
{
	(void)state;
	const char *t = "# TYPE foo histogram\n"
			"foo_bucket{le=\"0.01\"} 0\n"
			"foo_bucket{le=\"0.1\"} 8 # {} 0.054\n"
			"foo_bucket{le=\"1\"} 11 # {trace_id=\"KOO5S4vxi0o\"} 0.67\n"
			"foo_bucket{le=\"10\"} 17 # {trace_id=\"oHg5SJYRHA0\"} 9.8 1520879607.789\n"
			"foo_bucket{le=\"+Inf\"} 17\n"
			"foo_count 17\n"
			"foo_sum 324789.3\n"
			"foo_created  1520430000.123\n"
			"# TYPE bar gauge\n"
			"bar{a=\"b\"} 17.0 1520879607.789\n"
			"# TYPE baz counter\n"
			"baz_total 17.0 1520879607.789 # {id=\"x\"} 1 1520879607\n"
			"# EOF";
	struct prom_doc doc;
	parse_ok(t, &doc);
	assert_true(doc.openmetrics);
	assert_int_equal(doc.nsamples, 10);
	const struct prom_sample *s = sample(&doc, "foo_bucket", "le", "10");
	assert_true(s->value == 17.0);
	assert_false(s->has_timestamp);
	s = sample(&doc, "bar", NULL, NULL);
	assert_true(s->has_timestamp);
	assert_true(fabs(s->timestamp - 1520879607.789) < 1e-6);
	s = sample(&doc, "baz_total", NULL, NULL);
	assert_true(fabs(s->timestamp - 1520879607.789) < 1e-6);
	assert_int_equal(s->nlabels, 0);
	prom_doc_release(&doc);
}

static void test_openmetrics_types(void **state)
{
	(void)state;
	const char *t = "# TYPE foo info\n"
			"foo_info{name=\"pretty name\",version=\"8.2.7\"} 1\n"
			"# TYPE st stateset\n"
			"st{st=\"a\"} 0\nst{st=\"bb\"} 1\n"
			"# TYPE gh gaugehistogram\n"
			"gh_bucket{le=\"0.01\"} 20.0\ngh_bucket{le=\"+Inf\"} 42.0\n"
			"gh_gcount 42.0\ngh_gsum 3289.3\n"
			"# TYPE u unknown\n# HELP u\n# UNIT u\nu 42.23\n"
			"# HELP esc a \\\"quoted\\\" \\\\ \\n and \\a\n"
			"esc{v=\"x\\ay\"} 1\n"
			"# EOF\n";
	struct prom_doc doc;
	parse_ok(t, &doc);
	assert_string_equal(family(&doc, "foo")->type, "info");
	assert_string_equal(family(&doc, "st")->type, "stateset");
	assert_string_equal(family(&doc, "gh")->type, "gaugehistogram");
	assert_string_equal(family(&doc, "u")->type, "unknown");
	/* an empty HELP or UNIT is as if there were none */
	assert_null(family(&doc, "u")->help);
	assert_null(family(&doc, "u")->unit);
	assert_string_equal(family(&doc, "esc")->type, "unknown");
	assert_string_equal(family(&doc, "esc")->help, "a \"quoted\" \\ \n and \\a");
	/* an undefined escape keeps its backslash in OpenMetrics */
	assert_string_equal(prom_label(sample(&doc, "esc", NULL, NULL), "v"), "x\\ay");
	assert_int_equal(doc.nfamilies, 5);
	assert_true(prom_has_family(&doc, "gh"));
	prom_doc_release(&doc);
}

static void test_many_families(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	for (int i = 0; i < 20000; i++)
		buf_addf(&b, "# TYPE fam_%d gauge\nfam_%d{i=\"%d\"} %d\n", i, i, i, i);
	struct prom_doc doc;
	parse_ok(b.data, &doc);
	buf_release(&b);
	assert_int_equal(doc.nfamilies, 20000);
	assert_int_equal(doc.nsamples, 20000);
	assert_string_equal(family(&doc, "fam_19999")->type, "gauge");
	prom_doc_release(&doc);
}

static void test_sample_limit(void **state)
{
	(void)state;
	size_t n = 1000001;
	char *t = malloc(n * 4);
	assert_non_null(t);
	for (size_t i = 0; i < n; i++)
		memcpy(t + i * 4, "a 1\n", 4);
	struct prom_doc doc;
	char *cause = NULL;
	assert_int_equal(prom_parse(t, (n - 1) * 4, &doc, &cause), 0);
	assert_int_equal(doc.nsamples, 1000000);
	prom_doc_release(&doc);
	assert_int_equal(prom_parse(t, n * 4, &doc, &cause), -1);
	assert_string_equal(cause, "line 1000001: more than 1000000 samples");
	free(cause);
	free(t);
}

static void test_label_limit(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	buf_adds(&b, "m{");
	for (int i = 0; i < 64; i++)
		buf_addf(&b, "l%d=\"v\",", i);
	buf_adds(&b, "} 1\n");
	struct prom_doc doc;
	parse_ok(b.data, &doc);
	assert_int_equal(doc.samples[0].nlabels, 64);
	prom_doc_release(&doc);
	buf_reset(&b);
	buf_adds(&b, "ok 1\nm{");
	for (int i = 0; i < 65; i++)
		buf_addf(&b, "l%d=\"v\",", i);
	buf_adds(&b, "} 1\n");
	parse_err(b.data, "line 2: more than 64 labels");
	buf_release(&b);
}

static void test_errors_syntax(void **state)
{
	(void)state;
	parse_err("ok 1\nfoo{a=\"1\"\n", "line 2: unterminated label set");
	parse_err("foo{a=\"1} 1\n", "line 1: unterminated label value");
	parse_err("1foo 1\n", "line 1: invalid metric name");
	parse_err("{a=\"b\"} 1\n", "line 1: invalid metric name");
	parse_err("foo\n", "line 1: missing value");
	parse_err("foo{}\n", "line 1: missing value");
	parse_err("foo{}1\n", "line 1: expected space before the value");
	parse_err("foo abc\n", "line 1: invalid value \"abc\"");
	parse_err("foo nan(1)\n", "line 1: invalid value");
	parse_err("foo 1_000\n", "line 1: invalid value");
	parse_err("foo 1e999\n", "line 1: value \"1e999\" out of range");
	parse_err("foo\x01 1\n", "line 1: expected space before the value");
	parse_err_n("foo 1\x00\n", 7, "line 1: invalid value");
	parse_err_n("foo{a=\"\x00\"} 1\n", 13, "line 1: label value is not valid UTF-8");
	parse_err("foo{1a=\"x\"} 1\n", "line 1: invalid label name");
	parse_err("foo{a-b=\"x\"} 1\n", "line 1: expected \"=\" after label name \"a\"");
	parse_err("foo{a=x} 1\n", "line 1: expected quoted value for label \"a\"");
	parse_err("foo{a=\"x\" b=\"y\"} 1\n", "line 1: expected \",\" or \"}\" in label set");
	parse_err("foo{,} 1\n", "line 1: invalid label name");
	parse_err("foo{a=\"1\",a=\"2\"} 1\n", "line 1: duplicate label \"a\"");
	parse_err("foo{a=\"\\q\"} 1\n", "line 1: invalid escape sequence \"\\q\" in label value");
	parse_err("foo{a=\"\xff\"} 1\n", "line 1: label value is not valid UTF-8");
	parse_err("foo{a=\"\xc0\xaf\"} 1\n", "line 1: label value is not valid UTF-8");
	parse_err("foo 1 2 3\n", "line 1: unexpected text after the value of \"foo\"");
}

static void test_errors_timestamps(void **state)
{
	(void)state;
	/* 0.0.4 timestamps are integer milliseconds */
	parse_err("a 1\nfoo 1 1.5\n", "line 2: invalid timestamp \"1.5\"");
	parse_err("foo 1 99999999999999999999\n", "line 1: invalid timestamp");
	parse_err("foo 1 12abc\n", "line 1: invalid timestamp");
	/* an exemplar is OpenMetrics only */
	parse_err("foo_bucket{le=\"1\"} 1 # {a=\"b\"} 1\n", "line 1: unexpected text after");
	/* hexadecimal needs a binary exponent (Go's ParseFloat), and is not OpenMetrics */
	parse_err("foo 0x10\n", "line 1: invalid value \"0x10\"");
	parse_err("foo 0x1p-2\n# EOF\n", "line 1: invalid value \"0x1p-2\"");
	parse_err("foo 1 NaN\n# EOF\n", "line 1: timestamp is not a finite number");
}

static void test_errors_metadata(void **state)
{
	(void)state;
	parse_err("# TYPE foo bogus\n", "line 1: unknown metric type \"bogus\"");
	parse_err("# TYPE foo info\n", "line 1: unknown metric type \"info\"");
	parse_err("# TYPE foo\n", "line 1: missing type for \"foo\"");
	parse_err("# TYPE foo gauge extra\n", "line 1: unexpected text after the type of");
	parse_err("# TYPE foo gauge\n# TYPE foo counter\n", "line 2: second TYPE line for \"foo\"");
	parse_err("# HELP foo a\n# HELP foo b\n", "line 2: second HELP line for \"foo\"");
	parse_err("foo 1\n# TYPE foo gauge\n", "line 2: TYPE line for \"foo\" after its samples");
	parse_err("# HELP 9x text\n", "line 1: invalid metric name in HELP line");
	parse_err("# TYPE\n", "line 1: invalid metric name in TYPE line");
	parse_err("# HELP foo \xff\n", "line 1: help of \"foo\" is not valid UTF-8");
	/* histogram and summary samples carry their le / quantile labels */
	parse_err("# TYPE h histogram\nh_bucket 1\n", "line 2: sample of histogram \"h\" lacks the "
						      "\"le\" label");
	parse_err("# TYPE h histogram\nh_bucket{le=\"x\"} 1\n", "line 2: label \"le\" of \"h\" is "
								"not a number");
	parse_err("# TYPE s summary\ns 1\n", "line 2: sample of summary \"s\" lacks the "
					     "\"quantile\" label");
}

static void test_errors_openmetrics(void **state)
{
	(void)state;
	parse_err("a 1\n# EOF\nb 2\n", "line 3: unexpected content after \"# EOF\"");
	parse_err("a 1\n# EOF\n\n", "line 3: unexpected content after \"# EOF\"");
	parse_err("# TYPE a untyped\n# EOF\n", "line 1: unknown metric type \"untyped\"");
	parse_err("# TYPE foo counter\n# UNIT foo seconds\n# EOF\n",
		  "line 2: unit \"seconds\" is not a suffix of \"foo\"");
	parse_err("# TYPE foo counter\nfoo 1\n# EOF\n",
		  "line 2: sample of counter \"foo\" needs a suffix");
	parse_err("# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na 2\n# EOF\n",
		  "line 5: metric family \"a\" is interleaved with another");
	parse_err("a 1\n# HELP a late\n# EOF\n", "line 2: metadata for \"a\" after its samples");
	parse_err("a 1 # {} 1\n# EOF\n", "line 1: exemplar not allowed on a sample of unknown");
	parse_err("# TYPE a counter\na_total 1 # 1\n# EOF\n",
		  "line 2: expected label set in exemplar");
	parse_err("# TYPE a counter\na_total 1 # {x=\"1\"}\n# EOF\n",
		  "line 2: expected space after exemplar labels");
	/* the same interleaving is tolerated in 0.0.4 */
	struct prom_doc doc;
	parse_ok("# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na 2\n", &doc);
	assert_int_equal(doc.nsamples, 3);
	prom_doc_release(&doc);
}

static void test_null_cause(void **state)
{
	(void)state;
	struct prom_doc doc;
	assert_int_equal(prom_parse("x{", 2, &doc, NULL), -1);
	assert_int_equal(prom_parse(NULL, 0, &doc, NULL), 0);
	assert_int_equal(doc.nsamples, 0);
	prom_doc_release(&doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_doc_example),
	    cmocka_unit_test(test_help_escapes),
	    cmocka_unit_test(test_label_escapes),
	    cmocka_unit_test(test_label_set_forms),
	    cmocka_unit_test(test_values),
	    cmocka_unit_test(test_whitespace_and_line_endings),
	    cmocka_unit_test(test_not_nul_terminated),
	    cmocka_unit_test(test_colons_and_utf8),
	    cmocka_unit_test(test_dcgm_exporter),
	    cmocka_unit_test(test_has_family),
	    cmocka_unit_test(test_openmetrics_example),
	    cmocka_unit_test(test_openmetrics_exemplars_and_timestamps),
	    cmocka_unit_test(test_openmetrics_types),
	    cmocka_unit_test(test_many_families),
	    cmocka_unit_test(test_sample_limit),
	    cmocka_unit_test(test_label_limit),
	    cmocka_unit_test(test_errors_syntax),
	    cmocka_unit_test(test_errors_timestamps),
	    cmocka_unit_test(test_errors_metadata),
	    cmocka_unit_test(test_errors_openmetrics),
	    cmocka_unit_test(test_null_cause),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
