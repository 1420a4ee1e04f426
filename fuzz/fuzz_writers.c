/* fuzz_writers.c: libFuzzer target for the report writers. The input, split at NUL bytes,
 * gives the evidence lines, remediations and cleanup notes of a run result (as a
 * cluster could word them); every report is written to a temporary directory and read
 * back. Besides crashes and sanitizer reports it checks the writers' contract:
 * - results.json parses with jansson and gives back every evidence line, remediation
 *   and cleanup note (the latter two made valid UTF-8 as check.c and json.c do);
 * - checklist.md, the terminal summary and junit.xml are valid UTF-8 with no raw
 *   control character but line feed and tab;
 * - sonobuoy_results.yaml read with kaic's YAML reader is the tree it was written from,
 *   and PRODUCT.yaml and sonobuoy_results.yaml parse with libyaml and hold every
 *   evidence line as a scalar, byte for byte. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "catalog/catalog.h"
#include "catalog/cncf.h"
#include "report/report.h"
#include "report/sonobuoy.h"
#include "util/esc.h"
#include "util/xmalloc.h"
#include "util/yaml.h"

#define FUZZ_MAX_STRINGS 64

static char fuzz_dir[] = "/tmp/kaic-fuzz-writers-XXXXXX";
static struct run_opts fuzz_opts;

static void fuzz_cleanup(void)
{
	static const char *const names[] = {"checklist.md",
					    "results.json",
					    "junit.xml",
					    "PRODUCT.yaml",
					    "kaic-extras.yaml",
					    "terminal.txt",
					    "sonobuoy_results.yaml",
					    "kaic-results.tar.gz",
					    "done",
					    NULL};
	for (size_t i = 0; names[i] != NULL; i++) {
		char *p = xasprintf("%s/%s", fuzz_dir, names[i]);
		unlink(p);
		free(p);
	}
	rmdir(fuzz_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (mkdtemp(fuzz_dir) == NULL)
		abort();
	atexit(fuzz_cleanup);
	return 0;
}

/* The run result: string i is an evidence line of requirement i % n and the
 * remediation of requirement i; every string a cleanup note (raw, as the runner keeps
 * them). The strings are split from data at NUL bytes. */
static void fuzz_build(struct run_result *r, const uint8_t *data, size_t size)
{
	memset(r, 0, sizeof(*r));
	r->opts = &fuzz_opts;
	r->run_id = xstrdup("0a1b2c3d");
	r->k8s_version = xstrdup("v1.34.1");
	r->n = catalog_count();
	r->items = xcalloc(r->n, sizeof(*r->items));
	for (size_t i = 0; i < r->n; i++) {
		r->items[i].req = &catalog_all()[i];
		check_result_init(&r->items[i].res);
		r->items[i].res.verdict = (enum verdict)(i % 5);
	}
	r->cleanup_notes = xcalloc(FUZZ_MAX_STRINGS + 1, sizeof(char *));
	size_t k = 0;
	for (size_t at = 0; at <= size && k < FUZZ_MAX_STRINGS; k++) {
		const uint8_t *nul = memchr(data + at, 0, size - at);
		size_t len = nul != NULL ? (size_t)(nul - (data + at)) : size - at;
		char *s = xmalloc(len + 1);
		memcpy(s, data + at, len);
		s[len] = '\0';
		struct check_result *res = &r->items[k % r->n].res;
		check_evidence(res, "%s", s);
		if (k < r->n)
			check_verdict(res, res->verdict, "%s", s);
		r->cleanup_notes[k] = s;
		at += len + 1;
	}
	/* the CNCF checklist too (PRODUCT.yaml needs one): item i decided as requirement
	 * i % n, with its strings */
	r->cncf = cncf_version_find("1.37");
	r->ncncf = r->cncf->n;
	r->cncf_items = xcalloc(r->ncncf, sizeof(*r->cncf_items));
	for (size_t i = 0; i < r->ncncf; i++) {
		r->cncf_items[i].item = &r->cncf->items[i];
		r->cncf_items[i].by = cncf_requirement(r->cncf->items[i].id);
		check_result_copy(&r->cncf_items[i].res, &r->items[i % r->n].res);
	}
}

static char *fuzz_path(const char *name)
{
	return xasprintf("%s/%s", fuzz_dir, name);
}

static void fuzz_write(const struct run_result *r)
{
	int (*const writers[])(const struct run_result *, const char *, char **) = {
	    report_markdown_write, report_json_write, report_junit_write, report_product_write,
	    report_extras_write};
	const char *const names[] = {"checklist.md", "results.json", "junit.xml", "PRODUCT.yaml",
				     "kaic-extras.yaml"};
	char *cause = NULL;
	for (size_t i = 0; i < 5; i++) {
		char *p = fuzz_path(names[i]);
		if (writers[i](r, p, &cause) != 0) {
			fprintf(stderr, "%s: %s\n", names[i], cause);
			abort();
		}
		free(p);
	}
	if (report_sonobuoy_finish(r, fuzz_dir, &cause) != 0) {
		fprintf(stderr, "sonobuoy: %s\n", cause);
		abort();
	}
	char *p = fuzz_path("terminal.txt");
	FILE *f = fopen(p, "w");
	free(p);
	if (f == NULL)
		abort();
	struct report_term *t = report_term_new(f, false, false);
	report_term_summary(t, r);
	report_term_free(t);
	fclose(f);
}

static char *fuzz_slurp(const char *name, size_t *len)
{
	char *p = fuzz_path(name);
	FILE *f = fopen(p, "rb");
	free(p);
	if (f == NULL)
		abort();
	struct buf b = BUF_INIT;
	buf_init(&b);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	return buf_detach(&b, len);
}

/* A human-facing file: valid UTF-8, no control byte but line feed and tab. */
static void fuzz_check_text(const char *name)
{
	size_t len;
	char *text = fuzz_slurp(name, &len);
	if (!esc_utf8_valid(text, len))
		abort();
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			abort();
		if (c == 0xc2 && i + 1 < len && (unsigned char)text[i + 1] < 0xa0)
			abort(); /* a C1 control */
	}
	free(text);
}

static void fuzz_same_string(const json_t *j, const char *want)
{
	if (!json_is_string(j) || strcmp(json_string_value(j), want) != 0)
		abort();
}

static void fuzz_check_json(const struct run_result *r)
{
	char *p = fuzz_path("results.json");
	json_error_t err;
	json_t *doc = json_load_file(p, 0, &err);
	free(p);
	if (doc == NULL)
		abort();
	json_t *reqs = json_object_get(doc, "requirements");
	if (json_array_size(reqs) != r->n)
		abort();
	for (size_t i = 0; i < r->n; i++) {
		const struct check_result *res = &r->items[i].res;
		json_t *o = json_array_get(reqs, i);
		json_t *ev = json_object_get(o, "evidence");
		if (json_array_size(ev) != res->nevidence)
			abort();
		for (size_t j = 0; j < res->nevidence; j++)
			fuzz_same_string(json_array_get(ev, j), res->evidence[j]);
		if (res->remediation != NULL)
			fuzz_same_string(json_object_get(o, "remediation"), res->remediation);
	}
	json_t *notes = json_object_get(json_object_get(doc, "cleanup"), "notes");
	for (size_t i = 0; r->cleanup_notes[i] != NULL; i++) {
		char *fixed = esc_utf8_dup(r->cleanup_notes[i]);
		fuzz_same_string(json_array_get(notes, i), fixed);
		free(fixed);
	}
	json_decref(doc);
}

/* Counts of the scalars in a YAML file, read with libyaml's parser (value -> count). */
static json_t *fuzz_yaml_scalars(const char *name)
{
	size_t len;
	char *text = fuzz_slurp(name, &len);
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser))
		abort();
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	json_t *counts = json_object();
	for (bool end = false; !end;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev))
			abort(); /* the writer produced something libyaml refuses */
		end = ev.type == YAML_STREAM_END_EVENT;
		if (ev.type == YAML_SCALAR_EVENT) {
			const char *v = (const char *)ev.data.scalar.value;
			if (strlen(v) != ev.data.scalar.length)
				abort();
			json_int_t n = json_integer_value(json_object_get(counts, v));
			json_object_set_new(counts, v, json_integer(n + 1));
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	free(text);
	return counts;
}

/* Takes one occurrence of each evidence line of res from counts; aborts when one is
 * missing. */
static void fuzz_take_evidence(json_t *counts, const struct check_result *res)
{
	for (size_t j = 0; j < res->nevidence; j++) {
		const char *e = res->evidence[j];
		json_int_t n = json_integer_value(json_object_get(counts, e));
		if (n <= 0)
			abort();
		json_object_set_new(counts, e, json_integer(n - 1));
	}
}

/* Every evidence line of r's requirements (or, cncf, of its CNCF items) is one scalar of
 * the file, as many times as it occurs. */
static void fuzz_check_yaml_evidence(const struct run_result *r, const char *name, bool cncf)
{
	json_t *counts = fuzz_yaml_scalars(name);
	for (size_t i = 0; i < (cncf ? r->ncncf : r->n); i++)
		fuzz_take_evidence(counts, cncf ? &r->cncf_items[i].res : &r->items[i].res);
	json_decref(counts);
}

/* sonobuoy_results.yaml reads back (kaic's reader) as the tree it was written from. */
static void fuzz_check_sonobuoy_tree(const struct run_result *r)
{
	size_t len;
	char *text = fuzz_slurp(SONOBUOY_RESULTS_FILE, &len);
	json_t *docs = NULL;
	char *cause = NULL;
	if (yaml_to_json(text, len, &docs, &cause) != 0)
		abort();
	json_t *want = report_sonobuoy_build(r);
	if (json_array_size(docs) != 1 || !json_equal(json_array_get(docs, 0), want))
		abort();
	json_decref(want);
	json_decref(docs);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run_result r;
	fuzz_build(&r, data, size);
	fuzz_write(&r);
	fuzz_check_json(&r);
	fuzz_check_text("checklist.md");
	fuzz_check_text("terminal.txt");
	fuzz_check_text("junit.xml");
	json_decref(fuzz_yaml_scalars("PRODUCT.yaml")); /* libyaml reads it */
	fuzz_check_yaml_evidence(&r, "kaic-extras.yaml", true);
	fuzz_check_yaml_evidence(&r, SONOBUOY_RESULTS_FILE, false);
	fuzz_check_sonobuoy_tree(&r);
	run_result_release(&r);
	return 0;
}
