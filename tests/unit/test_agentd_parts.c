/* test_agentd.c: kaic-agentd's parts without I/O: SSE and JSON-RPC parsing, the work
 * queue, spec validation, conditions and the registry's selector and ordering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcp.h"
#include "queue.h"
#include "server.h"
#include "tool.h"
#include "util/clock.h"

struct events {
	int n;
	char last_event[64];
	char last_data[256];
	int stop_at;
};

static int collect(const char *event, const char *data, size_t len, void *arg)
{
	struct events *e = arg;
	e->n++;
	snprintf(e->last_event, sizeof(e->last_event), "%s", event);
	snprintf(e->last_data, sizeof(e->last_data), "%.*s", (int)len, data);
	return e->stop_at && e->n >= e->stop_at;
}

static void test_sse_split_and_crlf(void **state)
{
	(void)state;
	const char *stream = ": comment\r\nevent: endpoint\r\ndata: /messages?s=1\r\n\r\n"
			     "data: {\"a\":\ndata: 1}\n\n";
	struct mcp_sse s;
	mcp_sse_init(&s);
	struct events e = {0};
	/* one byte at a time: events do not depend on how the bytes arrive */
	for (size_t i = 0; stream[i]; i++)
		assert_int_equal(mcp_sse_feed(&s, stream + i, 1, collect, &e), 0);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.last_event, "message");
	assert_string_equal(e.last_data, "{\"a\":\n1}");
	mcp_sse_release(&s);

	mcp_sse_init(&s);
	memset(&e, 0, sizeof(e));
	assert_int_equal(mcp_sse_feed(&s, stream, strlen(stream), collect, &e), 0);
	assert_int_equal(e.n, 2);
	mcp_sse_release(&s);
}

static void test_sse_stop_and_overflow(void **state)
{
	(void)state;
	struct mcp_sse s;
	mcp_sse_init(&s);
	struct events e = {.stop_at = 1};
	assert_int_equal(mcp_sse_feed(&s, "data: x\n\ndata: y\n\n", 18, collect, &e), 1);
	assert_int_equal(e.n, 1);
	mcp_sse_release(&s);

	mcp_sse_init(&s);
	memset(&e, 0, sizeof(e));
	char *big = malloc(MCP_SSE_EVENT_MAX + 10);
	memset(big, 'x', MCP_SSE_EVENT_MAX + 10);
	memcpy(big, "data: ", 6);
	assert_int_equal(mcp_sse_feed(&s, big, MCP_SSE_EVENT_MAX + 10, collect, &e), -1);
	assert_int_equal(mcp_sse_feed(&s, "\n\n", 2, collect, &e), -1);
	assert_int_equal(e.n, 0);
	free(big);
	mcp_sse_release(&s);
}

static void test_jsonrpc_response(void **state)
{
	(void)state;
	char err[256];
	json_t *r = NULL;
	const char *ok = "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"tools\":[]}}";
	assert_int_equal(mcp_response(ok, strlen(ok), 3, &r, err, sizeof(err)), 1);
	assert_non_null(json_object_get(r, "tools"));
	json_decref(r);
	/* another id, a server request, a string id */
	assert_int_equal(mcp_response(ok, strlen(ok), 4, &r, err, sizeof(err)), 0);
	const char *req = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}";
	assert_int_equal(mcp_response(req, strlen(req), 3, &r, err, sizeof(err)), 0);
	const char *sid = "{\"jsonrpc\":\"2.0\",\"id\":\"3\",\"result\":{}}";
	assert_int_equal(mcp_response(sid, strlen(sid), 3, &r, err, sizeof(err)), 1);
	json_decref(r);
	const char *e =
	    "{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32601,\"message\":\"no\"}}";
	assert_int_equal(mcp_response(e, strlen(e), 3, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "-32601"));
	const char *v1 = "{\"jsonrpc\":\"1.0\",\"id\":3,\"result\":{}}";
	assert_int_equal(mcp_response(v1, strlen(v1), 3, &r, err, sizeof(err)), -1);
	assert_int_equal(mcp_response("{", 1, 3, &r, err, sizeof(err)), -1);
	assert_null(r);
}

static void test_tools_page(void **state)
{
	(void)state;
	char err[256], *next = NULL;
	json_t *names = json_array();
	json_t *res = json_loads(
	    "{\"tools\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"nextCursor\":\"c\"}", 0, NULL);
	assert_int_equal(mcp_tools_page(res, names, &next, err, sizeof(err)), 0);
	assert_int_equal(json_array_size(names), 2);
	assert_string_equal(next, "c");
	free(next);
	json_decref(res);
	res = json_loads("{\"tools\":[{\"title\":\"x\"}]}", 0, NULL);
	assert_int_equal(mcp_tools_page(res, names, &next, err, sizeof(err)), -1);
	json_decref(res);
	json_t *server = NULL;
	res = json_loads("{\"serverInfo\":{\"name\":\"s\",\"version\":\"1\"}}", 0, NULL);
	assert_int_equal(mcp_initialize_result(res, &server, err, sizeof(err)), -1);
	json_decref(res);
	json_decref(names);
}

static void test_queue_dedup_and_processing(void **state)
{
	(void)state;
	struct queue q;
	queue_init(&q, 10, 1000);
	queue_add(&q, "a");
	queue_add(&q, "a");
	queue_add(&q, "b");
	assert_int_equal(queue_len(&q), 2);
	char *k;
	assert_true(queue_get(&q, &k));
	assert_string_equal(k, "a");
	queue_add(&q, "a"); /* while processing: not handed out twice */
	assert_int_equal(queue_len(&q), 1);
	queue_done(&q, k);
	assert_int_equal(queue_len(&q), 2);
	free(k);
	assert_true(queue_get(&q, &k));
	assert_string_equal(k, "b");
	queue_done(&q, k);
	free(k);
	assert_true(queue_get(&q, &k));
	assert_string_equal(k, "a");
	queue_done(&q, k);
	free(k);
	queue_release(&q);
}

static void test_queue_delay_and_backoff(void **state)
{
	(void)state;
	struct queue q;
	queue_init(&q, 20, 80);
	assert_int_equal(queue_add_rate_limited(&q, "x"), 20);
	assert_int_equal(queue_add_rate_limited(&q, "y"), 20);
	assert_int_equal(queue_add_rate_limited(&q, "x"), 40);
	assert_int_equal(queue_add_rate_limited(&q, "x"), 80);
	assert_int_equal(queue_add_rate_limited(&q, "x"), 80);
	queue_forget(&q, "x");
	assert_int_equal(queue_failures(&q, "x"), 0);
	long long t = now_ms();
	char *k;
	assert_true(queue_get(&q, &k));
	assert_true(now_ms() - t >= 15);
	queue_done(&q, k);
	free(k);
	queue_add_after(&q, "late", 10000);
	queue_add_after(&q, "soon", 30);
	assert_true(queue_get(&q, &k));
	queue_done(&q, k);
	free(k);
	assert_true(queue_get(&q, &k));
	assert_string_equal(k, "soon");
	free(k);
	queue_shutdown(&q);
	assert_false(queue_get(&q, &k));
	queue_release(&q);
}

static json_t *tool(const char *spec)
{
	char *s = NULL;
	int n = asprintf(&s,
			 "{\"metadata\":{\"namespace\":\"ns\",\"name\":\"t\",\"generation\":2},"
			 "\"spec\":%s}",
			 spec);
	assert_true(n > 0);
	json_t *o = json_loads(s, 0, NULL);
	free(s);
	assert_non_null(o);
	return o;
}

static void expect_invalid(const char *spec, const char *words)
{
	json_t *o = tool(spec);
	struct tool_spec s;
	char msg[512];
	assert_int_equal(tool_spec_parse(o, &s, msg, sizeof(msg)), -1);
	if (!strstr(msg, words))
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", spec, msg, words);
	json_decref(o);
}

static void test_spec_validation(void **state)
{
	(void)state;
	expect_invalid("{\"protocol\":\"MCP\"}", "exactly one");
	expect_invalid("{\"protocol\":\"MCP\",\"endpoint\":{\"url\":\"http://a\"},"
		       "\"serviceRef\":{\"name\":\"s\",\"port\":1}}",
		       "exactly one");
	expect_invalid("{\"protocol\":\"MCP\",\"endpoint\":{\"url\":\"ftp://a\"}}", "not a valid");
	expect_invalid("{\"protocol\":\"MCP\",\"endpoint\":{\"url\":\"http:// a\"}}",
		       "not a valid");
	expect_invalid(
	    "{\"protocol\":\"HTTP\",\"transport\":\"sse\",\"endpoint\":{\"url\":\"http://a\"}}",
	    "MCP tools only");
	expect_invalid("{\"protocol\":\"SOAP\",\"endpoint\":{\"url\":\"http://a\"}}", "protocol");
	expect_invalid("{\"protocol\":\"MCP\",\"serviceRef\":{\"name\":\"s\",\"port\":0}}", "port");
	expect_invalid("{\"protocol\":\"MCP\",\"endpoint\":{\"url\":\"http://a\"},"
		       "\"auth\":{\"type\":\"ServiceAccountToken\"}}",
		       "audience");
	expect_invalid("{\"protocol\":\"MCP\",\"endpoint\":{\"url\":\"http://a\"},"
		       "\"auth\":{\"type\":\"Bearer\"}}",
		       "secretRef");
	json_t *o = tool("{\"protocol\":\"MCP\",\"serviceRef\":{\"name\":\"svc\",\"port\":8080,"
			 "\"path\":\"/mcp\"}}");
	struct tool_spec s;
	char msg[512];
	assert_int_equal(tool_spec_parse(o, &s, msg, sizeof(msg)), 0);
	char *ep = tool_endpoint(&s);
	assert_string_equal(ep, "http://svc.ns.svc:8080/mcp");
	free(ep);
	assert_int_equal(tool_service_check(&s, NULL, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "does not exist"));
	json_t *svc = json_loads("{\"spec\":{\"ports\":[{\"port\":80}]}}", 0, NULL);
	assert_int_equal(tool_service_check(&s, svc, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "no port 8080"));
	json_array_append_new(json_object_get(json_object_get(svc, "spec"), "ports"),
			      json_pack("{s:i}", "port", 8080));
	assert_int_equal(tool_service_check(&s, svc, msg, sizeof(msg)), 0);
	json_decref(svc);
	json_decref(o);
}

static void test_condition_transition_time(void **state)
{
	(void)state;
	json_t *old =
	    json_loads("{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\","
		       "\"lastTransitionTime\":\"2020-01-01T00:00:00Z\"}]}}",
		       0, NULL);
	json_t *c = json_array();
	tool_condition(c, old, "Ready", true, "ProbeSucceeded", "m", 1, "2030-01-01T00:00:00Z");
	tool_condition(c, old, "Registered", true, "Registered", "m", 1, "2030-01-01T00:00:00Z");
	tool_condition(c, old, "Ready", false, "ProbeFailed", "m", 1, "2030-01-01T00:00:00Z");
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(c, 0), "lastTransitionTime")),
	    "2020-01-01T00:00:00Z");
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(c, 1), "lastTransitionTime")),
	    "2030-01-01T00:00:00Z");
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(c, 2), "lastTransitionTime")),
	    "2030-01-01T00:00:00Z");
	json_decref(c);
	json_decref(old);
}

static json_t *listed_tool(const char *ns, const char *name, const char *labels, bool ready)
{
	char *s = NULL;
	int n = asprintf(
	    &s,
	    "{\"metadata\":{\"namespace\":\"%s\",\"name\":\"%s\",\"generation\":1,\"labels\":%s},"
	    "\"spec\":{\"protocol\":\"MCP\",\"inputSchema\":{\"type\":\"object\"}},"
	    "\"status\":{\"observedGeneration\":1,\"endpoint\":\"http://x\",\"tools\":[\"a\"],"
	    "\"conditions\":[{\"type\":\"Registered\",\"status\":\"True\"},"
	    "{\"type\":\"Ready\",\"status\":\"%s\"}]}}",
	    ns, name, labels, ready ? "True" : "False");
	assert_true(n > 0);
	json_t *o = json_loads(s, 0, NULL);
	free(s);
	assert_non_null(o);
	return o;
}

static void test_registry(void **state)
{
	(void)state;
	json_t *all = json_array();
	json_array_append_new(all, listed_tool("b", "z", "{\"team\":\"x\"}", true));
	json_array_append_new(all, listed_tool("a", "y", "{\"team\":\"y\",\"tier\":\"1\"}", true));
	json_array_append_new(all, listed_tool("a", "x", "{}", true));
	json_array_append_new(all, listed_tool("a", "w", "{}", false));
	char err[256];
	json_t *r = server_registry(all, NULL, NULL, err, sizeof(err));
	json_t *tools = json_object_get(r, "tools");
	assert_int_equal(json_array_size(tools), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(tools, 0), "name")),
			    "x");
	assert_string_equal(json_string_value(json_object_get(json_array_get(tools, 2), "name")),
			    "z");
	assert_true(json_is_object(json_object_get(json_array_get(tools, 0), "inputSchema")));
	json_decref(r);
	r = server_registry(all, "a", "team!=x,tier", err, sizeof(err));
	assert_int_equal(json_array_size(json_object_get(r, "tools")), 1);
	json_decref(r);
	r = server_registry(all, NULL, "team=x", err, sizeof(err));
	assert_int_equal(json_array_size(json_object_get(r, "tools")), 1);
	json_decref(r);
	r = server_registry(all, NULL, "!tier", err, sizeof(err));
	assert_int_equal(json_array_size(json_object_get(r, "tools")), 2);
	json_decref(r);
	assert_null(server_registry(all, NULL, "team in (x)", err, sizeof(err)));
	assert_null(server_registry(all, NULL, "a=b,", err, sizeof(err)));
	json_decref(all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sse_split_and_crlf),
	    cmocka_unit_test(test_sse_stop_and_overflow),
	    cmocka_unit_test(test_jsonrpc_response),
	    cmocka_unit_test(test_tools_page),
	    cmocka_unit_test(test_queue_dedup_and_processing),
	    cmocka_unit_test(test_queue_delay_and_backoff),
	    cmocka_unit_test(test_spec_validation),
	    cmocka_unit_test(test_condition_transition_time),
	    cmocka_unit_test(test_registry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
