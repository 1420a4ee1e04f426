/* test_sim_perf.c: kaic-sim at scale: loading 30,000 objects (5,000 nodes, 5,000
 * ResourceSlices of 8 devices, 20,000 pods) and listing 20,000 pods whole, paginated
 * (limit=500) and as a Table, with the timings (time in sim_api_handle) printed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "base/status.h"
#include "objects/admin.h"
#include "runtime.h"
#include "sim.h"
#include "sim_test_util.h"
#include "util/clock.h"
#include "util/xmalloc.h"

static void load(struct sim_api *api)
{
	char *cause = NULL;
	for (int i = 0; i < 5000; i++) {
		char name[32];
		snprintf(name, sizeof(name), "node-%05d", i);
		json_t *n = json_pack(
		    "{s:s, s:s, s:{s:s, s:{s:s}}, s:{s:{s:s, s:s}, s:[{s:s, s:s}]}}", "apiVersion",
		    "v1", "kind", "Node", "metadata", "name", name, "labels",
		    "kubernetes.io/hostname", name, "status", "capacity", "cpu", "64",
		    "nvidia.com/gpu", "8", "conditions", "type", "Ready", "status", "True");
		assert_int_equal(sim_api_create(api, n, &cause), 0);
		json_t *devices = json_array();
		for (int d = 0; d < 8; d++) {
			char dn[16];
			snprintf(dn, sizeof(dn), "gpu-%d", d);
			json_array_append_new(devices,
					      json_pack("{s:s, s:{s:{s:s}}}", "name", dn,
							"attributes", "model", "string", "H200"));
		}
		char sn[48];
		snprintf(sn, sizeof(sn), "%s-gpu.example.com", name);
		json_t *s =
		    json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:s, s:{s:s, s:i}, s:o}}", "apiVersion",
			      "resource.k8s.io/v1", "kind", "ResourceSlice", "metadata", "name", sn,
			      "spec", "nodeName", name, "driver", "gpu.example.com", "pool", "name",
			      name, "resourceSliceCount", 1, "devices", devices);
		assert_int_equal(sim_api_create(api, s, &cause), 0);
	}
	for (int i = 0; i < 20000; i++) {
		char name[32], ns[32], node[32];
		snprintf(name, sizeof(name), "pod-%05d", i);
		snprintf(ns, sizeof(ns), "ns-%02d", i % 20);
		snprintf(node, sizeof(node), "node-%05d", i % 5000);
		/* without the ServiceAccount token volume, which would double each pod's
		 * size: the limits below were set for pods of this size */
		json_t *p = json_pack(
		    "{s:s, s:s, s:{s:s, s:s, s:{s:s}}, s:{s:s, s:b, s:[{s:s, s:s}]}, s:{s:s}}",
		    "apiVersion", "v1", "kind", "Pod", "metadata", "name", name, "namespace", ns,
		    "labels", "app", i % 2 ? "odd" : "even", "spec", "nodeName", node,
		    "automountServiceAccountToken", 0, "containers", "name", "main", "image",
		    "registry.example.com/app:1", "status", "phase", "Running");
		assert_int_equal(sim_api_create(api, p, &cause), 0);
	}
}

static double handle_s; /* time spent in sim_api_handle by list_size */

static size_t list_size(struct sim_api *api, const char *url, const char *accept, size_t *items,
			char **cont)
{
	double t0 = now_s();
	json_t *q;
	char *path = sim_test_split(url, &q);
	struct sim_request req = {"GET", path, q, NULL, accept, NULL, 0, &sim_test_admin};
	struct sim_response resp;
	sim_api_handle(api, &req, &resp);
	handle_s += now_s() - t0;
	assert_int_equal(resp.status, 200);
	json_t *v = json_loadb(resp.body, resp.len, 0, NULL);
	json_t *arr = json_object_get(v, "items");
	if (!arr)
		arr = json_object_get(v, "rows");
	*items = json_array_size(arr);
	const char *c = sim_test_str(v, "metadata.continue");
	*cont = c ? strdup(c) : NULL;
	size_t len = resp.len;
	json_decref(v);
	sim_response_release(&resp);
	json_decref(q);
	free(path);
	return len;
}

static void test_scale(void **state)
{
	(void)state;
	struct sim_api *api = sim_api_new(NULL);
	double t0 = now_s();
	load(api);
	double t_load = now_s() - t0;
	assert_true(sim_api_count(api) >= 30000);

	size_t n;
	char *cont = NULL;
	handle_s = 0;
	size_t bytes = list_size(api, "/api/v1/pods", NULL, &n, &cont);
	double t_list = handle_s;
	assert_int_equal(n, 20000);
	assert_null(cont);

	handle_s = 0;
	size_t total = 0, pages = 0;
	char url[1024] = "/api/v1/pods?limit=500";
	for (;;) {
		list_size(api, url, NULL, &n, &cont);
		total += n;
		pages++;
		if (!cont)
			break;
		snprintf(url, sizeof(url), "/api/v1/pods?limit=500&continue=%s", cont);
		free(cont);
	}
	double t_pages = handle_s;
	assert_int_equal(total, 20000);
	assert_int_equal(pages, 40);

	handle_s = 0;
	list_size(api, "/api/v1/namespaces/ns-07/pods?labelSelector=app%3Dodd", NULL, &n, &cont);
	double t_sel = handle_s;
	assert_int_equal(n, 1000); /* i % 20 == 7: all odd */

	handle_s = 0;
	list_size(api, "/api/v1/nodes",
		  "application/json;as=Table;v=v1;g=meta.k8s.io,application/json", &n, &cont);
	double t_table = handle_s;
	assert_int_equal(n, 5000);

	printf("kaic-sim scale: load 30,000 objects %.2f s; list 20,000 pods %.2f s (%zu bytes); "
	       "40 pages of 500 %.2f s; selector in one namespace %.3f s; 5,000 nodes as a "
	       "Table %.2f s\n",
	       t_load, t_list, bytes, t_pages, t_sel, t_table);
	/* speed is the release build's to meet; a sanitizer build is only bounded */
	double slack = getenv("KAIC_TEST_SAN") != NULL ? 4.0 : 1.0;
	assert_true(t_load < 10.0 * slack);
	assert_true(t_list < 5.0 * slack);
	assert_true(t_pages < 5.0 * slack);
	t0 = now_s();
	sim_api_free(api);
	printf("kaic-sim scale: free %.2f s\n", now_s() - t0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scale),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
