/* test_product.c: PRODUCT.yaml, the CNCF submission file written from a run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "report/report.h"
#include "util/xmalloc.h"
#include "util/yaml.h"

static const enum verdict cycle[] = {VERDICT_FULL, VERDICT_PARTIAL, VERDICT_NO, VERDICT_ERROR,
				     VERDICT_SKIPPED};

static void make_run(struct run_result *r, struct run_opts *o, const char *version)
{
	memset(r, 0, sizeof(*r));
	r->opts = o;
	r->k8s_version = xstrdup(version);
	r->n = catalog_count();
	r->items = xcalloc(r->n, sizeof(*r->items));
	for (size_t i = 0; i < r->n; i++) {
		struct req_result *rr = &r->items[i];

		rr->req = &catalog_all()[i];
		check_result_init(&rr->res);
		/* a Full keeps a stale hint here: the runner drops it, and so must the writer */
		check_verdict(&rr->res, cycle[i % 5], "fix %zu", i);
		for (size_t k = 0; k < i % 3; k++)
			check_evidence(&rr->res, "line %zu of %s", k, rr->req->id);
	}
}

static void free_run(struct run_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		check_result_release(&r->items[i].res);
	free(r->items);
	free(r->k8s_version);
}

static json_t *write_and_parse(const struct run_result *r)
{
	char path[] = "/tmp/kaic-test-product-XXXXXX";
	int fd = mkstemp(path);
	char *cause = NULL;
	json_t *docs = NULL, *doc;

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(report_product_write(r, path, &cause), 0);
	assert_int_equal(yaml_load_file(path, &docs, &cause), 0);
	assert_int_equal(json_array_size(docs), 1);
	doc = json_incref(json_array_get(docs, 0));
	json_decref(docs);
	unlink(path);
	return doc;
}

static const char *sget(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static const char *want_status(enum verdict v)
{
	switch (v) {
	case VERDICT_FULL:
		return "Implemented";
	case VERDICT_PARTIAL:
		return "Partially Implemented";
	case VERDICT_NO:
		return "Not Implemented";
	default:
		return "";
	}
}

static void test_metadata(void **state)
{
	(void)state;
	struct run_opts o = {0};
	struct run_result r;

	o.vendor = "Example Corp";
	o.product = "Example Kubernetes";
	o.product_version = "2.1";
	make_run(&r, &o, "v1.35.2+k3s1");
	json_t *doc = write_and_parse(&r);
	json_t *m = json_object_get(doc, "metadata");
	assert_string_equal(sget(m, "kubernetesVersion"), "v1.35");
	assert_string_equal(sget(m, "platformName"), "Example Kubernetes");
	assert_string_equal(sget(m, "platformVersion"), "2.1");
	assert_string_equal(sget(m, "vendorName"), "Example Corp");
	assert_string_equal(sget(m, "websiteUrl"), "[Website URL]");
	assert_non_null(sget(m, "contactEmailAddress"));
	assert_non_null(sget(m, "k8sConformanceUrl"));
	json_decref(doc);
	free_run(&r);

	/* no product flags, unknown version: placeholders */
	struct run_opts none = {0};
	make_run(&r, &none, "unknown");
	doc = write_and_parse(&r);
	m = json_object_get(doc, "metadata");
	assert_string_equal(sget(m, "kubernetesVersion"), "[Kubernetes Version]");
	assert_string_equal(sget(m, "platformName"), "[Platform Name]");
	assert_string_equal(sget(m, "vendorName"), "[Vendor Name]");
	json_decref(doc);
	free_run(&r);
}

/* Finds the item with id in section, or NULL. */
static json_t *find_item(json_t *spec, const char *section, const char *id)
{
	json_t *items = json_object_get(spec, section);

	for (size_t i = 0; i < json_array_size(items); i++)
		if (!strcmp(sget(json_array_get(items, i), "id"), id))
			return json_array_get(items, i);
	return NULL;
}

static void test_spec(void **state)
{
	(void)state;
	struct run_opts o = {0};
	struct run_result r;

	make_run(&r, &o, "v1.34.0");
	json_t *doc = write_and_parse(&r);
	json_t *spec = json_object_get(doc, "spec");
	size_t total = 0, kaic = 0;
	const char *k;
	json_t *v;

	/* CNCF sections come first in the CNCF form's order, the extra one last */
	const char *order[8];
	size_t n = 0;
	json_object_foreach(spec, k, v) {
		assert_true(n < 8);
		order[n++] = k;
		total += json_array_size(v);
	}
	assert_string_equal(order[0], "accelerators");
	assert_string_equal(order[n - 1], "kaic");
	assert_int_equal(total, 18);

	for (size_t i = 0; i < r.n; i++) {
		const struct requirement *req = r.items[i].req;
		json_t *it = req->cncf_id ? find_item(spec, req->cncf_section, req->cncf_id)
					  : find_item(spec, "kaic", req->id);

		assert_non_null(it);
		kaic += req->cncf_id == NULL;
		assert_string_equal(sget(it, "status"), want_status(r.items[i].res.verdict));
		assert_int_equal(json_array_size(json_object_get(it, "evidence")), i % 3);
		assert_non_null(strstr(sget(it, "notes"), req->id));
		assert_non_null(sget(it, "description"));
		/* the level every other report and the exit status use */
		assert_string_equal(sget(it, "level"), level_name(req->level));
		if (r.items[i].res.verdict == VERDICT_FULL)
			assert_null(strstr(sget(it, "notes"), "remediation"));
		else
			assert_non_null(strstr(sget(it, "notes"), r.items[i].res.remediation));
	}
	assert_int_equal(json_array_size(json_object_get(spec, "kaic")), kaic);
	/* WL-2.3 is a SHOULD in kaic, so it is one in PRODUCT.yaml too (the CNCF form's MUST
	 * for gang_scheduling is named in the notes, not claimed as kaic's level) */
	json_t *gang = find_item(spec, "schedulingOrchestration", "gang_scheduling");
	assert_string_equal(sget(gang, "level"), "SHOULD");
	assert_non_null(strstr(sget(gang, "notes"), "CNCF form's level for gang_scheduling"));
	assert_string_equal(sget(find_item(spec, "accelerators", "dra_support"), "level"), "MUST");
	json_decref(doc);
	free_run(&r);
}

static void test_unwritable(void **state)
{
	(void)state;
	struct run_opts o = {0};
	struct run_result r;
	char *cause = NULL;

	make_run(&r, &o, "v1.35.0");
	assert_int_equal(report_product_write(&r, "/nonexistent/dir/PRODUCT.yaml", &cause), -1);
	assert_non_null(strstr(cause, "/nonexistent/dir/PRODUCT.yaml"));
	free(cause);
	free_run(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_metadata),
	    cmocka_unit_test(test_spec),
	    cmocka_unit_test(test_unwritable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
