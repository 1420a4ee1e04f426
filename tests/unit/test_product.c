/* test_product.c: the CNCF AI Conformance files: the checklists as facts against
 * ../shared's upstream files, PRODUCT.yaml written from a run (kaic's own structure and
 * the official template filled in), and `kaic product validate` on the real submissions
 * and on broken variants of them. Cases that read ../shared skip without it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog/cncf.h"
#include "report/product.h"
#include "report/report.h"
#include "util/xmalloc.h"
#include "util/yaml.h"

#define REF "../shared/reference/cncf-ai-conformance"

static json_t *load(const char *path)
{
	json_t *docs = NULL;
	char *cause = NULL;
	if (yaml_load_file(path, &docs, &cause) != 0)
		fail_msg("%s", cause);
	json_t *doc = json_incref(json_array_get(docs, 0));
	json_decref(docs);
	return doc;
}

static char *template_path(const struct cncf_version *v)
{
	return xasprintf(REF "/AIConformance-%s.yaml", v->name);
}

static bool have_shared(void)
{
	return access(REF "/AIConformance-1.33.yaml", R_OK) == 0;
}

/* ---- the facts against the upstream files ---- */

static void test_facts_match_upstream(void **state)
{
	(void)state;
	if (!have_shared())
		skip();
	assert_int_equal(cncf_version_count(), 5);
	for (size_t vi = 0; vi < cncf_version_count(); vi++) {
		const struct cncf_version *v = cncf_version_at(vi);
		char *path = template_path(v);
		json_t *doc = load(path);
		json_t *meta = json_object_get(doc, "metadata");
		assert_string_equal(json_string_value(json_object_get(meta, "kubernetesVersion")),
				    v->k8s);
		size_t k = 0;
		const char *key;
		json_t *val;
		json_object_foreach(meta, key, val) {
			assert_non_null(v->metadata[k]);
			assert_string_equal(key, v->metadata[k++]);
		}
		assert_null(v->metadata[k]);
		size_t n = 0;
		const char *sec;
		json_t *items;
		json_object_foreach(json_object_get(doc, "spec"), sec, items) {
			for (size_t i = 0; i < json_array_size(items); i++, n++) {
				json_t *it = json_array_get(items, i);
				const char *desc =
				    json_string_value(json_object_get(it, "description"));
				const char *lvl = json_string_value(json_object_get(it, "level"));
				assert_true(n < v->n);
				const struct cncf_item *f = &v->items[n];
				assert_string_equal(json_string_value(json_object_get(it, "id")),
						    f->id);
				assert_string_equal(sec, f->section);
				assert_string_equal(lvl, level_name(f->level));
				assert_true(cncf_text_hash(desc) == f->text_hash);
				assert_int_equal(f->na_allowed, f->level == LEVEL_MUST &&
								    strncmp(desc, "If ", 3) == 0);
				assert_non_null(cncf_requirement(f->id));
			}
		}
		assert_int_equal(n, v->n);
		json_decref(doc);
		free(path);
	}
}

static void test_version_for_server(void **state)
{
	(void)state;
	assert_string_equal(cncf_version_for_server("v1.34.1")->name, "1.34");
	assert_string_equal(cncf_version_for_server("v1.35.2+k3s1")->name, "1.35");
	assert_string_equal(cncf_version_for_server("v1.40.0")->name, "1.37");
	assert_string_equal(cncf_version_for_server("v2.0.0")->name, "1.37");
	assert_string_equal(cncf_version_for_server("1.33.0-gke.1")->name, "1.33");
	assert_null(cncf_version_for_server("v1.32.9"));
	assert_null(cncf_version_for_server("unknown"));
	assert_null(cncf_version_for_server(NULL));
	assert_string_equal(cncf_version_find("v1.36")->name, "1.36");
	assert_null(cncf_version_find("1.38"));
	/* the overlaps: the white-paper requirement whose check decides the id */
	assert_string_equal(cncf_overlap("dra_support")->id, "HW-1.1");
	assert_string_equal(cncf_overlap("accelerator_metrics")->id, "HW-1.2");
	assert_string_equal(cncf_overlap("ai_service_metrics")->id, "OBS-6.1");
	assert_string_equal(cncf_overlap("ai_inference")->id, "NET-3.1");
	assert_string_equal(cncf_overlap("gang_scheduling")->id, "WL-2.3");
	assert_null(cncf_overlap("robust_controller")); /* an AI operator, not AgentTool */
	assert_null(cncf_overlap("secure_accelerator_access"));
}

/* ---- PRODUCT.yaml from a run ---- */

static struct run_opts opts;

/* A run of v where every item of index i gets the fate kinds[i % 8]. */
enum fate { F_FULL, F_PARTIAL, F_NO, F_ERROR, F_NOCHECK, F_EXCLUDED, F_NA, F_FULL2 };

static void make_run(struct run_result *r, const struct cncf_version *v, bool all_full)
{
	memset(r, 0, sizeof(*r));
	memset(&opts, 0, sizeof(opts));
	opts.output_dir = "out";
	opts.vendor = "Acme \"Cloud\"";
	r->opts = &opts;
	r->cncf = v;
	r->ncncf = v->n;
	r->cncf_items = xcalloc(v->n, sizeof(*r->cncf_items));
	for (size_t i = 0; i < v->n; i++) {
		struct cncf_result *c = &r->cncf_items[i];
		enum fate f = all_full ? F_FULL : (enum fate)(i % 8);
		c->item = &v->items[i];
		c->by = cncf_requirement(c->item->id);
		check_result_init(&c->res);
		check_evidence(&c->res, "observed %s", c->item->id);
		switch (f) {
		case F_FULL:
		case F_FULL2:
			check_verdict(&c->res, VERDICT_FULL, NULL);
			break;
		case F_PARTIAL:
			check_verdict(&c->res, VERDICT_PARTIAL, "do more");
			break;
		case F_NO:
			check_verdict(&c->res, VERDICT_NO, "install it");
			break;
		case F_ERROR:
			check_verdict(&c->res, VERDICT_ERROR, "retry");
			break;
		case F_NOCHECK:
			c->by = NULL;
			check_verdict(&c->res, VERDICT_ERROR, "by hand");
			break;
		case F_EXCLUDED:
			c->excluded = true;
			check_verdict(&c->res, VERDICT_SKIPPED, "add it");
			break;
		case F_NA:
			check_verdict(&c->res, VERDICT_SKIPPED, "no autoscaler");
			break;
		}
	}
}

static void free_run(struct run_result *r)
{
	r->opts = NULL;
	run_result_release(r);
}

static char *tmp_path(void)
{
	char path[] = "/tmp/kaic-test-product-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	return xstrdup(path);
}

static const char *sget(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void test_own_structure(void **state)
{
	(void)state;
	for (size_t vi = 0; vi < cncf_version_count(); vi++) {
		const struct cncf_version *v = cncf_version_at(vi);
		struct run_result r;
		make_run(&r, v, false);
		char *path = tmp_path(), *cause = NULL;
		assert_int_equal(report_product_write(&r, path, &cause), 0);
		json_t *doc = load(path);
		/* exactly metadata and spec: no extra section */
		assert_int_equal(json_object_size(doc), 2);
		json_t *meta = json_object_get(doc, "metadata");
		size_t k = 0;
		const char *key;
		json_t *val;
		json_object_foreach(meta, key, val)
			assert_string_equal(key, v->metadata[k++]);
		assert_null(v->metadata[k]);
		assert_string_equal(sget(meta, "kubernetesVersion"), v->k8s);
		assert_string_equal(sget(meta, "vendorName"), "Acme \"Cloud\"");
		assert_string_equal(sget(meta, "platformName"), "[Platform Name]");
		size_t n = 0;
		const char *sec;
		json_t *items;
		json_object_foreach(json_object_get(doc, "spec"), sec, items) {
			for (size_t i = 0; i < json_array_size(items); i++, n++) {
				json_t *it = json_array_get(items, i);
				const struct cncf_result *c = &r.cncf_items[n];
				assert_string_equal(sec, c->item->section);
				assert_string_equal(sget(it, "id"), c->item->id);
				assert_string_equal(sget(it, "level"), level_name(c->item->level));
				const char *st = sget(it, "status");
				assert_string_equal(st, cncf_status_name(cncf_status_of(c)));
				assert_true(strlen(sget(it, "notes")) > 0);
				json_t *ev = json_object_get(it, "evidence");
				if (c->by != NULL && !c->excluded) {
					char *name = report_cncf_test_name(c->item->id);
					char *a = xasprintf("file://out/junit.xml#%s", name);
					assert_int_equal(json_array_size(ev), 2);
					assert_string_equal(
					    json_string_value(json_array_get(ev, 0)), a);
					assert_string_equal(
					    json_string_value(json_array_get(ev, 1)),
					    "file://out/results.json");
					free(a);
					free(name);
				} else {
					assert_int_equal(json_array_size(ev), 0);
				}
				switch (n % 8) {
				case F_FULL:
					assert_string_equal(st, "Implemented");
					break;
				case F_PARTIAL:
					assert_string_equal(st, "Partially Implemented");
					break;
				case F_NO:
				case F_ERROR:
				case F_EXCLUDED:
					assert_string_equal(st, "Not Implemented");
					break;
				case F_NOCHECK:
					assert_string_equal(st, "Not Implemented");
					assert_non_null(
					    strstr(sget(it, "notes"),
						   "has no test for this requirement yet"));
					break;
				case F_NA:
					assert_string_equal(st, c->item->level == LEVEL_SHOULD ||
									c->item->na_allowed
								    ? "N/A"
								    : "Not Implemented");
					break;
				}
				if (n % 8 == F_ERROR)
					assert_non_null(
					    strstr(sget(it, "notes"), "could not decide"));
			}
		}
		assert_int_equal(n, v->n);
		json_decref(doc);
		unlink(path);
		free(path);
		free_run(&r);
	}
}

/* Every evidence anchor names a testcase of kaic's junit.xml. */
static void test_anchors_exist(void **state)
{
	(void)state;
	const struct cncf_version *v = cncf_version_find("1.37");
	struct run_result r;
	make_run(&r, v, false);
	char *path = tmp_path(), *cause = NULL;
	assert_int_equal(report_junit_write(&r, path, &cause), 0);
	FILE *f = fopen(path, "r");
	char junit[65536];
	size_t len = fread(junit, 1, sizeof(junit) - 1, f);
	junit[len] = '\0';
	fclose(f);
	for (size_t i = 0; i < r.ncncf; i++) {
		json_t *ev = product_item_evidence(&r, &r.cncf_items[i]);
		const char *a = json_string_value(json_array_get(ev, 0));
		if (a != NULL) {
			char *name = xasprintf("name=\"%s\"", strchr(a, '#') + 1);
			assert_non_null(strstr(junit, name));
			free(name);
		}
		json_decref(ev);
	}
	assert_non_null(strstr(junit, "<testsuite name=\"CNCF AI Conformance 1.37\""));
	unlink(path);
	free(path);
	free_run(&r);
}

/* Lines of the template whose key kaic fills in. */
static bool filled_key(const char *line)
{
	static const char *const keys[] = {"status:", "evidence:", "notes:", "vendorName:"};
	while (*line == ' ')
		line++;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strncmp(line, keys[i], strlen(keys[i])) == 0)
			return true;
	return false;
}

/* With the official template: every line but the filled-in fields is the upstream one,
 * the filled file parses to the template's values except those fields, and what
 * validation then finds is only the metadata kaic cannot know. */
static void test_template_kept(void **state)
{
	(void)state;
	if (!have_shared())
		skip();
	for (size_t vi = 0; vi < cncf_version_count(); vi++) {
		const struct cncf_version *v = cncf_version_at(vi);
		struct run_result r;
		make_run(&r, v, true);
		char *tpl = template_path(v), *cause = NULL, *text = NULL;
		const struct cncf_version *tv = NULL;
		assert_int_equal(product_template_load(tpl, &text, &tv, &cause), 0);
		assert_ptr_equal(tv, v);
		struct buf out = BUF_INIT;
		buf_init(&out);
		assert_int_equal(product_template_fill(text, &r, &out, &cause), 0);
		/* line by line */
		char *a = text, *b = out.data;
		size_t changed = 0;
		while (*a != '\0' || *b != '\0') {
			char *ae = strchrnul(a, '\n'), *be = strchrnul(b, '\n');
			char *al = strndup(a, (size_t)(ae - a)), *bl = strndup(b, (size_t)(be - b));
			if (strcmp(al, bl) != 0) {
				assert_true(filled_key(al));
				/* the comment after the value stays */
				const char *hash = strstr(al, " #");
				if (hash != NULL)
					assert_non_null(strstr(bl, hash));
				changed++;
			}
			free(al);
			free(bl);
			a = *ae ? ae + 1 : ae;
			b = *be ? be + 1 : be;
		}
		assert_int_equal(changed, 3 * v->n + 1);
		/* parsed: the same document but for the filled-in values */
		json_t *docs = NULL;
		assert_int_equal(yaml_to_json(out.data, out.len, &docs, &cause), 0);
		json_t *got = json_array_get(docs, 0), *want = load(tpl);
		json_object_set(json_object_get(want, "metadata"), "vendorName",
				json_object_get(json_object_get(got, "metadata"), "vendorName"));
		const char *sec;
		json_t *items;
		json_object_foreach(json_object_get(want, "spec"), sec, items) {
			json_t *gi = json_object_get(json_object_get(got, "spec"), sec);
			for (size_t i = 0; i < json_array_size(items); i++) {
				json_t *w = json_array_get(items, i), *g = json_array_get(gi, i);
				assert_string_equal(sget(g, "status"), "Implemented");
				assert_int_equal(json_array_size(json_object_get(g, "evidence")),
						 2);
				json_object_set(w, "status", json_object_get(g, "status"));
				json_object_set(w, "evidence", json_object_get(g, "evidence"));
				json_object_set(w, "notes", json_object_get(g, "notes"));
			}
		}
		assert_true(json_equal(got, want));
		char **p = product_validate_doc(got);
		for (size_t i = 0; p[i] != NULL; i++)
			assert_non_null(strstr(p[i], "metadata."));
		product_problems_free(p);
		json_decref(want);
		json_decref(docs);
		buf_release(&out);
		free(text);
		free(tpl);
		free_run(&r);
	}
}

static void test_template_refused(void **state)
{
	(void)state;
	char *path = tmp_path(), *cause = NULL, *text = NULL;
	const struct cncf_version *v = NULL;
	FILE *f = fopen(path, "w");
	fputs("metadata:\n  kubernetesVersion: v1.32\nspec: {}\n", f);
	fclose(f);
	assert_int_equal(product_template_load(path, &text, &v, &cause), -1);
	assert_non_null(strstr(cause, "is a checklist for Kubernetes v1.32; kaic has 1.33..1.37"));
	free(cause);
	f = fopen(path, "w");
	fputs("metadata:\n  kubernetesVersion: v1.34\nspec:\n  accelerators:\n  - id: dra_support\n"
	      "    level: SHOULD\n",
	      f);
	fclose(f);
	assert_int_equal(product_template_load(path, &text, &v, &cause), -1);
	assert_non_null(strstr(cause, "dra_support has level SHOULD, the checklist says MUST"));
	free(cause);
	unlink(path);
	free(path);
}

/* Writes text to a new temporary file; its path (caller frees and unlinks). */
static char *meta_file(const char *text)
{
	char *path = tmp_path();
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* --cncf-metadata: the chosen checklist's metadata keys, plain or under "metadata:";
 * unknown keys, kubernetesVersion, placeholders, non-strings and a key a flag also sets
 * are refused with the file named. */
static void test_metadata_file(void **state)
{
	(void)state;
	const struct cncf_version *v = cncf_version_find("1.35");
	struct run_opts o = {0};
	json_t *m = NULL;
	char *cause = NULL;
	char *path = meta_file("metadata:\n  websiteUrl: https://example.com\n"
			       "  contactEmailAddress: ai@example.com\n");
	assert_int_equal(product_metadata_load(path, v, &o, &m, &cause), 0);
	struct run_result r = {.opts = &o, .cncf = v, .cncf_metadata = m};
	assert_string_equal(product_metadata_value(&r, "websiteUrl"), "https://example.com");
	assert_string_equal(product_metadata_value(&r, "contactEmailAddress"), "ai@example.com");
	assert_null(product_metadata_value(&r, "repoUrl"));
	json_decref(m);
	unlink(path);
	free(path);
	static const struct {
		const char *text, *want;
	} bad[] = {
	    {"repoUrl: https://example.com\nwebsite: x\n",
	     "\"website\" is not a metadata field of the 1.35 checklist"},
	    {"kubernetesVersion: v1.35\n", "kubernetesVersion is the checklist's"},
	    {"description: \"[Description]\"\n", "description must be a non-empty string"},
	    {"description: \"  \"\n", "description must be a non-empty string"},
	    {"repoUrl: [a, b]\n", "repoUrl must be a non-empty string"},
	    {"vendorName: Example\n", "vendorName is given twice: by the file and by --vendor"},
	    {"- a list\n", "not a mapping of metadata fields"},
	};
	o.vendor = "Example Corp";
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		path = meta_file(bad[i].text);
		assert_int_equal(product_metadata_load(path, v, &o, &m, &cause), -1);
		assert_null(m);
		if (strstr(cause, bad[i].want) == NULL || strstr(cause, path) == NULL)
			fail_msg("case %zu: %s", i, cause);
		free(cause);
		unlink(path);
		free(path);
	}
	assert_int_equal(product_metadata_load("/nonexistent/meta.yaml", v, &o, &m, &cause), -1);
	assert_non_null(strstr(cause, "/nonexistent/meta.yaml"));
	free(cause);
}

/* ---- validation ---- */

static char **validate_example(const char *name)
{
	char *path = xasprintf(REF "/examples/%s", name);
	char **p = product_validate_file(path);
	free(path);
	return p;
}

static void test_examples(void **state)
{
	(void)state;
	if (!have_shared())
		skip();
	char **p = validate_example("v1.35-aks-PRODUCT.yaml");
	assert_null(p[0]);
	product_problems_free(p);
	p = validate_example("v1.35-eks-PRODUCT.yaml");
	assert_null(p[0]);
	product_problems_free(p);
	/* GKE's submission lacks two metadata fields of the 1.34 checklist */
	p = validate_example("v1.34-gke-PRODUCT.yaml");
	assert_int_equal(product_problems_count(p), 2);
	assert_string_equal(p[0], "metadata.repoUrl is missing");
	assert_string_equal(p[1], "metadata.contactEmailAddress is missing");
	product_problems_free(p);
}

static json_t *item_of(json_t *doc, const char *sec, const char *id)
{
	json_t *items = json_object_get(json_object_get(doc, "spec"), sec);
	for (size_t i = 0; i < json_array_size(items); i++)
		if (strcmp(sget(json_array_get(items, i), "id"), id) == 0)
			return json_array_get(items, i);
	fail_msg("no %s", id);
	return NULL;
}

/* doc mutated by fn gives exactly the one problem want. */
static void expect_one(json_t *base, void (*fn)(json_t *), const char *want)
{
	json_t *doc = json_deep_copy(base);
	fn(doc);
	char **p = product_validate_doc(doc);
	if (p[0] == NULL || p[1] != NULL || strcmp(p[0], want) != 0)
		fail_msg("want \"%s\", got \"%s\" (%zu problems)", want, p[0] ? p[0] : "",
			 product_problems_count(p));
	product_problems_free(p);
	json_decref(doc);
}

static void empty_status(json_t *d)
{
	json_object_set_new(item_of(d, "security", "secure_accelerator_access"), "status",
			    json_string(""));
}
static void wrong_level(json_t *d)
{
	json_object_set_new(item_of(d, "accelerators", "gpu_sharing"), "level",
			    json_string("MUST"));
}
static void partial_must(json_t *d)
{
	json_object_set_new(item_of(d, "schedulingOrchestration", "gang_scheduling"), "status",
			    json_string("Partially Implemented"));
}
static void na_must(json_t *d)
{
	json_t *it = item_of(d, "networking", "ai_inference");
	json_object_set_new(it, "status", json_string("N/A"));
	json_object_set_new(it, "notes", json_string("no gateway"));
}
static void na_allowed(json_t *d)
{
	json_t *it = item_of(d, "schedulingOrchestration", "cluster_autoscaling");
	json_object_set_new(it, "status", json_string("N/A"));
	json_object_set_new(it, "notes", json_string("no cluster autoscaler is offered"));
	json_object_set_new(d, "extra", json_string("x")); /* and one real problem */
}
static void na_no_notes(json_t *d)
{
	json_t *it = item_of(d, "accelerators", "virtualized_accelerator");
	json_object_set_new(it, "status", json_string("N/A"));
	json_object_set_new(it, "notes", json_string(""));
}
static void no_evidence(json_t *d)
{
	json_object_set_new(item_of(d, "operator", "robust_controller"), "evidence", json_array());
}
static void placeholder(json_t *d)
{
	json_object_set_new(json_object_get(d, "metadata"), "vendorName",
			    json_string("[Vendor Name]"));
}
static void missing_item(json_t *d)
{
	json_array_remove(json_object_get(json_object_get(d, "spec"), "operator"), 0);
}
static void kaic_section(json_t *d)
{
	json_t *it = json_deep_copy(item_of(d, "operator", "robust_controller"));
	json_object_set_new(it, "id", json_string("HW-1.3"));
	json_object_set_new(json_object_get(d, "spec"), "kaic", json_pack("[o]", it));
}
static void other_text(json_t *d)
{
	json_object_set_new(item_of(d, "observability", "ai_service_metrics"), "description",
			    json_string("Metrics."));
}
static void bad_version(json_t *d)
{
	json_object_set_new(json_object_get(d, "metadata"), "kubernetesVersion",
			    json_string("v1.31"));
}

static void test_broken_variants(void **state)
{
	(void)state;
	if (!have_shared())
		skip();
	json_t *aks = load(REF "/examples/v1.35-aks-PRODUCT.yaml");
	expect_one(aks, empty_status,
		   "secure_accelerator_access: status \"\" is not one of Implemented, Partially "
		   "Implemented, Not Implemented, N/A");
	expect_one(aks, wrong_level, "gpu_sharing: level is MUST, the 1.35 checklist says SHOULD");
	expect_one(aks, partial_must,
		   "gang_scheduling: a MUST is Partially Implemented: it blocks submission");
	expect_one(aks, na_must,
		   "ai_inference: a MUST cannot be N/A (only a requirement that begins \"If the "
		   "platform ...\" can)");
	expect_one(aks, na_allowed, "extra is not a section of the 1.35 checklist");
	expect_one(aks, na_no_notes,
		   "virtualized_accelerator: N/A needs notes with the justification");
	expect_one(aks, no_evidence, "robust_controller: Implemented without evidence");
	expect_one(aks, placeholder,
		   "metadata.vendorName is still the placeholder \"[Vendor Name]\"");
	expect_one(aks, missing_item, "robust_controller: missing (spec.operator, MUST)");
	expect_one(aks, kaic_section, "spec.kaic: HW-1.3 is not an item of the 1.35 checklist");
	expect_one(aks, other_text,
		   "ai_service_metrics: description is not the 1.35 checklist's text");
	expect_one(aks, bad_version,
		   "metadata.kubernetesVersion \"v1.31\" names no CNCF checklist (kaic has "
		   "1.33..1.37)");
	json_decref(aks);
}

/* kaic's own file (no template) is never submittable: it says why, once. */
static void test_own_not_submittable(void **state)
{
	(void)state;
	const struct cncf_version *v = cncf_version_find("1.34");
	struct run_result r;
	make_run(&r, v, true);
	opts.product = "P";
	opts.product_version = "1";
	char *path = tmp_path(), *cause = NULL;
	assert_int_equal(report_product_write(&r, path, &cause), 0);
	char **p = product_validate_file(path);
	size_t own = 0;
	for (size_t i = 0; p[i] != NULL; i++) {
		if (strstr(p[i], "descriptions are kaic's own summaries") != NULL)
			own++;
		else
			assert_non_null(strstr(p[i], "metadata."));
	}
	assert_int_equal(own, 1);
	product_problems_free(p);
	unlink(path);
	free(path);
	free_run(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_facts_match_upstream), cmocka_unit_test(test_version_for_server),
	    cmocka_unit_test(test_own_structure),	 cmocka_unit_test(test_anchors_exist),
	    cmocka_unit_test(test_template_kept),	 cmocka_unit_test(test_template_refused),
	    cmocka_unit_test(test_metadata_file),	 cmocka_unit_test(test_examples),
	    cmocka_unit_test(test_broken_variants),	 cmocka_unit_test(test_own_not_submittable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
