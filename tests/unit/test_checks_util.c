/* test_checks_util.c: the helpers shared by the checks (checks/util.h) and the flags the
 * checks register with. What each passive check decides is data, run by test_checks.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "checks/active_tests.h"
#include "checks/checks.h"
#include "checks/util.h"

static void test_registry(void **state)
{
	(void)state;
	static const char *const ids[] = {"STO-4.1", "SEC-5.1", "SEC-5.2", "SEC-5.3",
					  "SEC-5.4", "SEC-5.5", "OBS-6.1", "OBS-6.2"};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const struct check *c = checks_find(ids[i]);
		assert_non_null(c);
		assert_true(c->flags & CHECK_FULL_NEEDS_ACTIVE);
		assert_false(c->flags & CHECK_OPT_IN);
	}
	/* HW-1.3: passive presence of a tied detector tops out at Partial */
	assert_true(checks_find("HW-1.3")->flags & CHECK_FULL_NEEDS_ACTIVE);
	const struct check *gds = checks_find("STO-4.2");
	assert_non_null(gds);
	assert_true(gds->flags & CHECK_FULL_NEEDS_ACTIVE);
	assert_true(gds->flags & CHECK_OPT_IN);
}

/* Every check's active part is an active test with a builder (what `kaic manifests`
 * prints and `kaic list` counts as active), and every such test is some check's active
 * part; the disruptive ones are opt-in and say what they do. */
static void test_active_table(void **state)
{
	(void)state;
	size_t with_active = 0;
	for (size_t i = 0; i < catalog_count(); i++) {
		const char *id = catalog_all()[i].id;
		const struct check *c = checks_find(id);
		const struct active_test *t = active_tests;
		while (t->id != NULL && strcmp(t->id, id) != 0)
			t++;
		if (c == NULL || c->active == NULL) {
			assert_null(t->id);
			continue;
		}
		with_active++;
		assert_non_null(t->id);
		assert_ptr_equal(t->run, c->active);
		assert_non_null(t->objects);
		if (c->disruption != NULL)
			assert_true(c->flags & CHECK_OPT_IN);
	}
	size_t n = 0; /* the white-paper requirements' tests (the CNCF-only ones follow) */
	for (const struct active_test *t = active_tests; t->id != NULL; t++)
		n += catalog_find(t->id) != NULL;
	assert_int_equal(n, with_active);
	const struct check *hw13 = checks_find("HW-1.3");
	assert_non_null(hw13->active);
	assert_non_null(hw13->disruption);
	assert_non_null(checks_find("NET-3.2")->active);
	assert_non_null(checks_find("OBS-6.2")->active);
}

static void test_util_sets(void **state)
{
	(void)state;
	struct cutil_set s = CUTIL_SET_INIT;
	char *j = cutil_set_join(&s, 3);
	assert_string_equal(j, "none");
	free(j);
	assert_true(cutil_set_add(&s, "b"));
	assert_false(cutil_set_add(&s, "b"));
	j = cutil_set_join(&s, 3);
	assert_string_equal(j, "b");
	free(j);
	cutil_set_add(&s, "a");
	j = cutil_set_join(&s, 3);
	assert_string_equal(j, "b and a");
	free(j);
	cutil_set_addf(&s, "%s", "d");
	cutil_set_add(&s, "c");
	cutil_set_add(&s, "e");
	cutil_set_sort(&s);
	j = cutil_set_join(&s, 3);
	assert_string_equal(j, "a, b, c and 2 more");
	free(j);
	j = cutil_set_join(&s, 0);
	assert_string_equal(j, "a, b, c, d and e");
	free(j);
	assert_true(cutil_set_has(&s, "d")); /* the index follows the sort */
	assert_false(cutil_set_has(&s, "f"));
	cutil_set_release(&s);

	/* many entries: every one found once, duplicates refused */
	char key[32];
	for (int i = 0; i < 50000; i++) {
		snprintf(key, sizeof(key), "GPU-%08d", i);
		assert_true(cutil_set_add(&s, key));
	}
	for (int i = 0; i < 50000; i += 7) {
		snprintf(key, sizeof(key), "GPU-%08d", i);
		assert_false(cutil_set_add(&s, key));
		assert_true(cutil_set_has(&s, key));
	}
	assert_int_equal(s.n, 50000);
	assert_false(cutil_set_has(&s, "GPU-00050000"));
	cutil_set_release(&s);
}

static void test_util_json(void **state)
{
	(void)state;
	json_t *o = json_pack("{s:{s:s,s:s,s:{s:s}},s:{s:[{s:s,s:s}]}}", "metadata", "name", "x",
			      "namespace", "ns", "labels", "app", "npd", "status", "conditions",
			      "type", "Ready", "status", "True");
	assert_string_equal(cutil_name(o), "x");
	assert_string_equal(cutil_ns(o), "ns");
	char *ref = cutil_ref(o);
	assert_string_equal(ref, "ns/x");
	free(ref);
	assert_true(cutil_has_label(o, "app=npd"));
	assert_true(cutil_has_label(o, "app"));
	assert_false(cutil_has_label(o, "app=np"));
	assert_true(cutil_matches(o, NULL, (const char *const[]){"app=npd", NULL}));
	assert_true(cutil_matches(o, (const char *const[]){"x", NULL}, NULL));
	assert_true(cutil_condition_true(o, "Ready"));
	assert_null(cutil_condition(o, "Other"));
	assert_null(cutil_get(o, "metadata.name.deeper"));
	json_decref(o);
}

static void test_util_devices(void **state)
{
	(void)state;
	/* v1beta1 shape: attributes under "basic" */
	json_t *slices =
	    json_pack("[{s:{s:s,s:s,s:{s:s},s:[{s:s,s:{s:{s:{s:s},s:{s:i}}}},{s:s}]}}]", "spec",
		      "driver", "gpu.nvidia.com", "nodeName", "n1", "pool", "name", "p", "devices",
		      "name", "gpu-0", "basic", "attributes", "gpu.nvidia.com/numaNode", "string",
		      "x", "uuid", "int", 7, "name", "gpu-1");
	struct cutil_devices d = {0};
	cutil_devices_collect(slices, &d);
	assert_int_equal(d.n, 2);
	char buf[32];
	assert_true(cutil_attr_text(cutil_device_attr(&d.v[0], "uuid"), buf, sizeof(buf)));
	assert_string_equal(buf, "7");
	assert_non_null(cutil_device_attr(&d.v[0], "numaNode"));
	assert_null(cutil_device_attr(&d.v[1], "numaNode"));
	struct cutil_driver *drv;
	size_t n = cutil_devices_by_driver(&d, &drv);
	assert_int_equal(n, 1);
	assert_int_equal(drv[0].devices, 2);
	assert_int_equal(drv[0].nodes.n, 1);
	cutil_drivers_free(drv, n);
	cutil_devices_release(&d);
	json_decref(slices);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_registry),	 cmocka_unit_test(test_active_table),
	    cmocka_unit_test(test_util_sets),	 cmocka_unit_test(test_util_json),
	    cmocka_unit_test(test_util_devices),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
