/* test_kube_http.c: the client against a local HTTPS test server
 * (tests/data/kube_test_server.py): retries, Retry-After, Status and JSON errors,
 * pagination, watch streaming, body and total limits, abortable parsing, TLS and connection errors,
 * credentials, discovery, proxy GETs and concurrent use. Skips (77) without python3 or openssl. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kube/internal.h"
#include "util/log.h"
#include "util/xmalloc.h"
#include "util/clock.h"

#define TOKEN "kaic-test-token-5f2b9c"

static char dir[256];
static pid_t server_pid;
static int port;

static char *file_in(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static char *slurp(const char *name, size_t *len)
{
	char *p = file_in(name), *data = NULL, *cause = NULL;
	size_t l = 0;
	if (kube_read_file(p, 1 << 20, &data, &l, &cause) != 0)
		fail_msg("%s", cause);
	free(p);
	if (len)
		*len = l;
	return data;
}

static void write_text(const char *name, const char *text, int mode)
{
	char *p = file_in(name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(p, (mode_t)mode);
	free(p);
}

/* A config for the test server; ca names the CA file to trust (NULL = none). */
static void base_cfg(struct kube_config *cfg, const char *ca)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->source = xstrdup("test");
	cfg->server = xasprintf("https://127.0.0.1:%d", port);
	cfg->namespace = xstrdup("default");
	if (ca) {
		cfg->ca_pem = slurp(ca, &cfg->ca_len);
	}
}

static struct kube_client *client_with(struct kube_config *cfg, long timeout_ms)
{
	struct kube_client_opts o = {.request_timeout_ms = timeout_ms, .max_retries = 3};
	char *cause = NULL;
	struct kube_client *c = kube_client_new(cfg, &o, &cause);
	if (c == NULL)
		fail_msg("%s", cause);
	c->backoff_ms = 20;
	return c;
}

static struct kube_client *client(void)
{
	struct kube_config cfg;
	base_cfg(&cfg, "ca.crt");
	return client_with(&cfg, 10000);
}

static void test_get(void **state)
{
	(void)state;
	struct kube_client *c = client();
	json_t *out = NULL;
	struct kube_error err = {0};
	assert_int_equal(kube_get(c, "/hello", &out, &err), 0);
	assert_string_equal(json_string_value(json_object_get(out, "kind")), "Hello");
	json_decref(out);
	struct kube_stats s;
	kube_client_stats(c, &s);
	assert_int_equal(s.requests, 1);
	assert_int_equal(s.retries, 0);
	assert_true(s.bytes_in > 10);
	/* create, patch and delete send their verb and body */
	json_t *obj = json_pack("{s:s}", "name", "x");
	assert_int_equal(kube_create(c, "/echo", obj, &out, &err), 0);
	assert_string_equal(json_string_value(json_object_get(out, "method")), "POST");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(out, "body"), "name")), "x");
	json_decref(out);
	assert_int_equal(kube_patch(c, "/echo", "application/merge-patch+json", obj, &out, &err),
			 0);
	assert_string_equal(json_string_value(json_object_get(out, "method")), "PATCH");
	assert_string_equal(json_string_value(json_object_get(out, "contentType")),
			    "application/merge-patch+json");
	json_decref(out);
	assert_int_equal(kube_update(c, "/echo", obj, &out, &err), 0);
	assert_string_equal(json_string_value(json_object_get(out, "method")), "PUT");
	json_decref(out);
	assert_int_equal(kube_delete(c, "/echo", &err), 0);
	kube_client_stats(c, &s);
	assert_int_equal(s.requests, 5);
	assert_true(s.bytes_out > 0);
	json_decref(obj);
	kube_client_free(c);
}

static void test_retry_429(void **state)
{
	(void)state;
	struct kube_client *c = client();
	json_t *out = NULL;
	struct kube_error err = {0};
	long long t0 = now_ms();
	assert_int_equal(kube_get(c, "/retry429?id=a&after=1", &out, &err), 0);
	long long took = now_ms() - t0;
	assert_int_equal(json_integer_value(json_object_get(out, "attempts")), 2);
	assert_true(took >= 900); /* Retry-After: 1 was honoured */
	json_decref(out);
	struct kube_stats s;
	kube_client_stats(c, &s);
	assert_int_equal(s.requests, 2);
	assert_int_equal(s.retries, 1);
	/* 429 is retried for POST too: the server did not act on it */
	json_t *obj = json_object();
	assert_int_equal(kube_create(c, "/retry429?id=b&after=0", obj, &out, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(out, "attempts")), 2);
	json_decref(out);
	json_decref(obj);
	kube_client_free(c);
}

static void test_retry_deadline(void **state)
{
	(void)state;
	/* Retry-After past the run's deadline: no wait, the 429 is the answer */
	struct kube_config cfg;
	base_cfg(&cfg, "ca.crt");
	struct kube_client_opts o = {.deadline_ms = now_ms() + 2000};
	char *cause = NULL;
	struct kube_client *c = kube_client_new(&cfg, &o, &cause);
	assert_non_null(c);
	json_t *out = NULL;
	struct kube_error err = {0};
	long long t0 = now_ms();
	assert_int_equal(kube_get(c, "/retry429?id=c&after=20", &out, &err), -1);
	assert_true(now_ms() - t0 < 1500);
	assert_int_equal(err.http_code, 429);
	assert_string_equal(err.reason, "TooManyRequests");
	assert_string_equal(err.message, "slow down");
	kube_client_free(c);
}

static void test_retry_5xx(void **state)
{
	(void)state;
	struct kube_client *c = client();
	json_t *out = NULL;
	struct kube_error err = {0};
	assert_int_equal(kube_get(c, "/flaky500?id=a", &out, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(out, "attempts")), 2);
	json_decref(out);
	/* not for POST: the 500 is the answer */
	json_t *obj = json_object();
	assert_int_equal(kube_create(c, "/flaky500?id=b", obj, &out, &err), -1);
	assert_int_equal(err.http_code, 500);
	assert_string_equal(err.message, "try again");
	json_decref(obj);
	/* a dropped connection is retried for GET */
	assert_int_equal(kube_get(c, "/drop?id=a", &out, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(out, "attempts")), 2);
	json_decref(out);
	/* retries run out: 1 + max_retries requests, then the answer */
	struct kube_stats before, after;
	kube_client_stats(c, &before);
	assert_int_equal(kube_get(c, "/always503?id=a", &out, &err), -1);
	kube_client_stats(c, &after);
	assert_int_equal(after.requests - before.requests, 4);
	assert_int_equal(after.retries - before.retries, 3);
	assert_int_equal(err.http_code, 503);
	assert_non_null(strstr(err.message, "server answered 503 with a non-Status body"));
	kube_client_free(c);
}

static void test_json_errors(void **state)
{
	(void)state;
	struct kube_client *c = client();
	json_t *out = NULL;
	struct kube_error err = {0};
	assert_int_equal(kube_get(c, "/garbage", &out, &err), -1);
	assert_null(out);
	assert_non_null(strstr(err.message, "invalid JSON from \"/garbage\""));
	assert_int_equal(kube_get(c, "/notfound", &out, &err), -1);
	assert_int_equal(err.http_code, 404);
	assert_string_equal(err.reason, "NotFound");
	assert_string_equal(err.message, "pods \"x\" not found");
	assert_int_equal(kube_get(c, "/forbidden-bare", &out, &err), -1);
	assert_string_equal(err.reason, "Forbidden");
	assert_string_equal(err.message, "server answered 403 Forbidden");
	/* a raw request succeeds whatever the code */
	struct kube_req req = {.method = "GET", .path = "/notfound"};
	struct kube_resp r;
	assert_int_equal(kube_request(c, &req, &r, &err), 0);
	assert_int_equal(r.code, 404);
	assert_non_null(strstr(r.content_type, "application/json"));
	assert_non_null(strstr(r.body, "NotFound"));
	kube_resp_release(&r);
	kube_client_free(c);
}

/* A kube_list_each callback: counts Pod items and drops their metadata. */
static void count_item(json_t *item, void *arg)
{
	if (strcmp(json_string_value(json_object_get(item, "kind")), "Pod") == 0)
		(*(int *)arg)++;
	json_object_del(item, "metadata");
}

static void test_list(void **state)
{
	(void)state;
	struct kube_client *c = client();
	json_t *items = NULL;
	char *rv = NULL;
	struct kube_error err = {0};
	if (kube_list(c, "/api/v1/pods", "labelSelector=a%3Db", &items, &rv, &err) != 0)
		fail_msg("%s", err.message);
	assert_int_equal(json_array_size(items), 5);
	const char *names[] = {"a", "b", "c", "d", "e"};
	for (size_t i = 0; i < 5; i++) {
		json_t *it = json_array_get(items, i);
		assert_string_equal(json_string_value(json_object_get(it, "kind")), "Pod");
		assert_string_equal(json_string_value(json_object_get(it, "apiVersion")), "v1");
		json_t *meta = json_object_get(it, "metadata");
		assert_string_equal(json_string_value(json_object_get(meta, "name")), names[i]);
		assert_string_equal(
		    json_string_value(json_object_get(json_object_get(meta, "labels"), "sel")),
		    "a=b");
	}
	assert_string_equal(rv, "42");
	json_decref(items);
	free(rv);
	struct kube_stats s;
	kube_client_stats(c, &s);
	assert_int_equal(s.requests, 3);

	/* kube_list_each sees every item, with its kind, before it is collected */
	int seen = 0;
	assert_int_equal(
	    kube_list_each(c, "/api/v1/pods", NULL, count_item, &seen, &items, NULL, &err), 0);
	assert_int_equal(seen, 5);
	assert_null(json_object_get(json_array_get(items, 0), "metadata"));
	json_decref(items);

	/* an expired continue token restarts the list once */
	assert_int_equal(kube_list(c, "/api/v1/expiring?id=a", NULL, &items, NULL, &err), 0);
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(json_array_get(items, 0), "metadata"), "name")),
			    "first-2");
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 1), "kind")),
			    "Thing");
	json_decref(items);

	assert_int_equal(kube_list(c, "/api/v1/nothing", NULL, &items, NULL, &err), -1);
	assert_null(items);
	assert_int_equal(err.http_code, 404);
	assert_int_equal(kube_list(c, "/garbage", NULL, &items, NULL, &err), -1);
	assert_non_null(strstr(err.message, "invalid JSON from"));
	kube_client_free(c);
}

struct events {
	int n;
	int stop_after;
	char names[8][16];
	char types[8][16];
};

static int on_event(const char *type, const json_t *obj, void *arg)
{
	struct events *e = arg;
	const char *name =
	    json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
	if (e->n < 8) {
		snprintf(e->types[e->n], sizeof(e->types[0]), "%s", type);
		snprintf(e->names[e->n], sizeof(e->names[0]), "%s", name ? name : "");
	}
	e->n++;
	return e->stop_after && e->n >= e->stop_after;
}

static void test_watch(void **state)
{
	(void)state;
	struct kube_client *c = client();
	struct kube_error err = {0};
	struct events e = {0};
	/* the server splits lines across chunks every 7 bytes */
	if (kube_watch(c, "/api/v1/watchpods", NULL, "5", 10, on_event, &e, &err) != 0)
		fail_msg("%s", err.message);
	assert_int_equal(e.n, 4);
	assert_string_equal(e.types[0], "ADDED");
	assert_string_equal(e.names[0], "p0");
	assert_string_equal(e.names[2], "p2");
	assert_string_equal(e.types[3], "BOOKMARK");

	struct events stop = {.stop_after = 2};
	assert_int_equal(kube_watch(c, "/api/v1/watchpods", NULL, NULL, 10, on_event, &stop, &err),
			 0);
	assert_int_equal(stop.n, 2);

	struct events ev = {0};
	assert_int_equal(
	    kube_watch(c, "/api/v1/watchpods", "error=1", NULL, 10, on_event, &ev, &err), -1);
	assert_int_equal(ev.n, 4);
	assert_int_equal(err.http_code, 410);
	assert_string_equal(err.reason, "Expired");
	assert_string_equal(err.message, "too old resource version");

	/* the server keeps the stream open: the watch ends after timeout_s */
	struct events hang = {0};
	long long t0 = now_ms();
	assert_int_equal(
	    kube_watch(c, "/api/v1/watchpods", "hang=1", NULL, 1, on_event, &hang, &err), 0);
	assert_true(now_ms() - t0 < 5000);
	assert_int_equal(hang.n, 4);

	struct events none = {0};
	assert_int_equal(kube_watch(c, "/api/v1/nothing", NULL, NULL, 5, on_event, &none, &err),
			 -1);
	assert_int_equal(err.http_code, 404);
	kube_client_free(c);
}

static void test_body_limit(void **state)
{
	(void)state;
	struct kube_client *c = client();
	c->body_limit = (size_t)1 << 20;
	char *body = NULL;
	size_t len = 0;
	struct kube_error err = {0};
	assert_int_equal(kube_proxy_get(c, "/big?size=262144", &body, &len, &err), 0);
	assert_int_equal(len, 262144);
	free(body);
	struct kube_stats before, after;
	kube_client_stats(c, &before);
	assert_int_equal(kube_proxy_get(c, "/big?size=3000000", &body, &len, &err), -1);
	kube_client_stats(c, &after);
	assert_string_equal(err.reason, "ResponseTooLarge");
	assert_string_equal(err.message,
			    "response from GET /big exceeds --max-response-bytes (1 MiB)");
	assert_int_equal(after.requests - before.requests, 1); /* not retried */
	assert_null(body);
	kube_client_free(c);

	/* the default limit is 64 MiB; max_response_bytes sets another */
	c = client();
	assert_int_equal(c->body_limit, (size_t)64 << 20);
	assert_int_equal(c->total_limit, 0);
	kube_client_free(c);
	struct kube_config cfg;
	base_cfg(&cfg, "ca.crt");
	struct kube_client_opts o = {.max_response_bytes = 100000, .max_total_bytes = 1 << 20};
	char *cause = NULL;
	c = kube_client_new(&cfg, &o, &cause);
	assert_non_null(c);
	assert_int_equal(c->body_limit, 100000);
	assert_int_equal(c->total_limit, 1 << 20);
	assert_int_equal(kube_proxy_get(c, "/big?size=100001", &body, &len, &err), -1);
	assert_string_equal(err.message,
			    "response from GET /big exceeds --max-response-bytes (100000 bytes)");
	kube_client_free(c);
}

/* max_total_bytes: what the client reads in all; past it requests fail, not retried,
 * and later ones are not sent. */
static void test_total_budget(void **state)
{
	(void)state;
	struct kube_config cfg;
	base_cfg(&cfg, "ca.crt");
	struct kube_client_opts o = {.max_total_bytes = 1 << 20, .max_retries = 3};
	char *cause = NULL;
	struct kube_client *c = kube_client_new(&cfg, &o, &cause);
	assert_non_null(c);
	char *body = NULL;
	size_t len = 0;
	struct kube_error err = {0};
	assert_int_equal(kube_proxy_get(c, "/big?size=600000", &body, &len, &err), 0);
	free(body);
	struct kube_stats before, after;
	kube_client_stats(c, &before);
	assert_int_equal(kube_proxy_get(c, "/big?size=600000", &body, &len, &err), -1);
	assert_null(body);
	assert_string_equal(err.reason, "OverBudget");
	assert_string_equal(err.message, "GET /big stopped: the run has read --max-total-bytes "
					 "(1 MiB) from the server");
	kube_client_stats(c, &after);
	assert_int_equal(after.requests - before.requests, 1);
	json_t *out = NULL;
	assert_int_equal(kube_get(c, "/hello", &out, &err), -1);
	assert_string_equal(err.message, "GET /hello not sent: the run has read "
					 "--max-total-bytes (1 MiB) from the server");
	kube_client_stats(c, &before);
	assert_int_equal(before.requests, after.requests);
	kube_client_free(c);
}

/* A page over the response limit is asked again with fewer items. */
static void test_list_page_shrinks(void **state)
{
	(void)state;
	struct kube_client *c = client();
	c->body_limit = 30000; /* 500 (60 sent) items of 1 KiB do not fit, 50 do */
	json_t *items = NULL;
	struct kube_error err = {0};
	struct kube_stats before, after;
	kube_client_stats(c, &before);
	assert_int_equal(kube_list(c, "/api/v1/fat", NULL, &items, NULL, &err), 0);
	kube_client_stats(c, &after);
	assert_int_equal(json_array_size(items), 5);
	assert_int_equal(after.requests - before.requests, 3); /* 500, 50, then 5 */
	json_decref(items);
	c->body_limit = 3000; /* not even 5 fit: the list fails with the limit named */
	assert_int_equal(kube_list(c, "/api/v1/fat", NULL, &items, NULL, &err), -1);
	assert_null(items);
	assert_string_equal(
	    err.message, "response from GET /api/v1/fat exceeds --max-response-bytes (3000 bytes)");
	kube_client_free(c);
}

/* Parsing stops at a cancel; nesting past jansson's depth limit is one line of error. */
static void test_parse(void **state)
{
	(void)state;
	static atomic_int cancel;
	cancel = 0;
	struct kube_config cfg;
	base_cfg(&cfg, "ca.crt");
	struct kube_client_opts o = {.cancel = &cancel};
	char *cause = NULL;
	struct kube_client *c = kube_client_new(&cfg, &o, &cause);
	size_t depth = 100000;
	char *deep = xmalloc(2 * depth);
	memset(deep, '[', depth);
	memset(deep + depth, ']', depth);
	struct kube_resp r = {.code = 200, .body = deep, .len = 2 * depth};
	json_t *out = NULL;
	struct kube_error err = {0};
	assert_int_equal(kube_json_parse(c, "/deep?x=1", &r, &out, &err), -1);
	assert_null(out);
	assert_string_equal(err.reason, "InvalidJSON");
	assert_string_equal(
	    err.message,
	    "invalid JSON from \"/deep\": line 1: maximum parsing depth reached near '['");
	/* a valid body parses, unless the run is cancelled */
	memset(deep, ' ', 2 * depth);
	memcpy(deep + depth, "[1]", 3);
	assert_int_equal(kube_json_parse(c, "/x", &r, &out, &err), 0);
	assert_int_equal(json_array_size(out), 1);
	json_decref(out);
	cancel = 1;
	assert_int_equal(kube_json_parse(c, "/x", &r, &out, &err), -1);
	assert_string_equal(err.reason, "Cancelled");
	free(deep);
	kube_client_free(c);
}

static void test_proxy_get(void **state)
{
	(void)state;
	struct kube_client *c = client();
	char *body = NULL;
	size_t len = 0;
	struct kube_error err = {0};
	assert_int_equal(kube_proxy_get(c, "/proxy/metrics", &body, &len, &err), 0);
	assert_string_equal(body, "# HELP up\nup 1\n");
	assert_int_equal(len, strlen(body));
	free(body);
	assert_int_equal(kube_proxy_get(c, "/always503?id=p", &body, &len, &err), -1);
	assert_int_equal(err.http_code, 503);
	kube_client_free(c);
}

static void test_wrong_ca(void **state)
{
	(void)state;
	struct kube_config cfg;
	base_cfg(&cfg, "other-ca.crt");
	cfg.token = xstrdup(TOKEN);
	struct kube_client *c = client_with(&cfg, 5000);
	json_t *out = NULL;
	struct kube_error err = {0};
	assert_int_equal(kube_get(c, "/hello", &out, &err), -1);
	char *want = xasprintf("cannot connect to \"https://127.0.0.1:%d\": TLS certificate "
			       "verification failed (",
			       port);
	if (strstr(err.message, want) == NULL)
		fail_msg("unexpected: %s", err.message);
	free(want);
	assert_int_equal(err.http_code, 0);
	assert_null(strstr(err.message, TOKEN));
	kube_client_free(c);

	/* the same with insecure-skip-tls-verify connects */
	base_cfg(&cfg, "other-ca.crt");
	cfg.insecure = true;
	c = client_with(&cfg, 5000);
	assert_int_equal(kube_get(c, "/hello", &out, &err), 0);
	json_decref(out);
	kube_client_free(c);

	/* no CA at all: the system store does not know the test CA */
	base_cfg(&cfg, NULL);
	c = client_with(&cfg, 5000);
	assert_int_equal(kube_get(c, "/hello", &out, &err), -1);
	assert_non_null(strstr(err.message, "TLS certificate verification failed"));
	kube_client_free(c);
}

static void test_tls_server_name(void **state)
{
	(void)state;
	struct kube_config cfg;
	base_cfg(&cfg, "ca.crt");
	cfg.tls_server_name = xstrdup("kaic-test.local");
	struct kube_client *c = client_with(&cfg, 5000);
	json_t *out = NULL;
	struct kube_error err = {0};
	if (kube_get(c, "/whoami", &out, &err) != 0)
		fail_msg("%s", err.message);
	assert_string_equal(json_string_value(json_object_get(out, "sni")), "kaic-test.local");
	json_decref(out);
	kube_client_free(c);

	/* the certificate is checked against tls-server-name, not the address */
	base_cfg(&cfg, "ca.crt");
	cfg.tls_server_name = xstrdup("wrong.example");
	c = client_with(&cfg, 5000);
	assert_int_equal(kube_get(c, "/whoami", &out, &err), -1);
	assert_non_null(strstr(err.message, "TLS certificate verification failed"));
	kube_client_free(c);
}

static int closed_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof(a);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	getsockname(s, (struct sockaddr *)&a, &l);
	close(s);
	return ntohs(a.sin_port);
}

static void test_refused(void **state)
{
	(void)state;
	struct kube_config cfg;
	base_cfg(&cfg, "ca.crt");
	int p = closed_port();
	free(cfg.server);
	cfg.server = xasprintf("https://127.0.0.1:%d", p);
	cfg.token = xstrdup(TOKEN);
	struct kube_client *c = client_with(&cfg, 5000);
	json_t *out = NULL;
	struct kube_error err = {0};
	long long t0 = now_ms();
	assert_int_equal(kube_get(c, "/hello", &out, &err), -1);
	assert_true(now_ms() - t0 < 2000);
	char *want = xasprintf("cannot connect to \"https://127.0.0.1:%d\": connection refused", p);
	assert_string_equal(err.message, want);
	free(want);
	assert_int_equal(err.http_code, 0);
	kube_client_free(c);
}

static void test_timeouts(void **state)
{
	(void)state;
	struct kube_config cfg;
	base_cfg(&cfg, "ca.crt");
	struct kube_client *c = client_with(&cfg, 300);
	json_t *out = NULL;
	struct kube_error err = {0};
	long long t0 = now_ms();
	assert_int_equal(kube_get(c, "/slow?ms=3000", &out, &err), -1);
	assert_true(now_ms() - t0 < 2500);
	assert_non_null(strstr(err.message, "timed out after 300 ms"));
	kube_client_free(c);

	/* the run's deadline cuts a request short, and later ones are not sent */
	base_cfg(&cfg, "ca.crt");
	struct kube_client_opts o = {.deadline_ms = now_ms() + 400};
	char *cause = NULL;
	c = kube_client_new(&cfg, &o, &cause);
	t0 = now_ms();
	assert_int_equal(kube_get(c, "/slow?ms=3000", &out, &err), -1);
	assert_true(now_ms() - t0 < 2500);
	assert_int_equal(kube_get(c, "/hello", &out, &err), -1);
	assert_non_null(strstr(err.message, "deadline passed"));
	kube_client_free(c);
}

static void *cancel_later(void *arg)
{
	struct timespec ts = {0, 300 * 1000 * 1000};
	nanosleep(&ts, NULL);
	atomic_store((atomic_int *)arg, 1);
	return NULL;
}

static void test_cancel(void **state)
{
	(void)state;
	static atomic_int cancel;
	cancel = 0;
	struct kube_config cfg;
	base_cfg(&cfg, "ca.crt");
	struct kube_client_opts o = {.cancel = &cancel};
	char *cause = NULL;
	struct kube_client *c = kube_client_new(&cfg, &o, &cause);
	pthread_t t;
	pthread_create(&t, NULL, cancel_later, (void *)&cancel);
	json_t *out = NULL;
	struct kube_error err = {0};
	long long t0 = now_ms();
	assert_int_equal(kube_get(c, "/slow?ms=5000", &out, &err), -1);
	assert_true(now_ms() - t0 < 3000);
	assert_non_null(strstr(err.message, "cancelled"));
	pthread_join(t, NULL);
	kube_client_free(c);
}

static void test_bearer(void **state)
{
	(void)state;
	struct kube_config cfg;
	base_cfg(&cfg, "ca.crt");
	cfg.token = xstrdup(TOKEN);
	log_add_secret(TOKEN);
	struct kube_client *c = client_with(&cfg, 5000);
	json_t *out = NULL;
	struct kube_error err = {0};
	assert_int_equal(kube_get(c, "/auth", &out, &err), 0);
	assert_true(json_is_true(json_object_get(out, "authorized")));
	json_decref(out);
	kube_client_free(c);

	base_cfg(&cfg, "ca.crt");
	cfg.token = xstrdup("wrong-token-0000");
	c = client_with(&cfg, 5000);
	assert_int_equal(kube_get(c, "/auth", &out, &err), -1);
	assert_int_equal(err.http_code, 401);
	assert_string_equal(err.reason, "Unauthorized");
	assert_null(strstr(err.message, "wrong-token"));
	kube_client_free(c);

	/* redaction covers the Authorization header form too */
	char *r = log_redact("Authorization: Bearer " TOKEN);
	assert_null(strstr(r, TOKEN));
	free(r);
}

static void test_token_file_rotation(void **state)
{
	(void)state;
	write_text("rotating-token", "stale-token-1234\n", 0600);
	struct kube_config cfg;
	base_cfg(&cfg, "ca.crt");
	cfg.token = xstrdup("stale-token-1234");
	cfg.token_file = file_in("rotating-token");
	struct kube_client *c = client_with(&cfg, 5000);
	write_text("rotating-token", TOKEN "\n", 0600);
	json_t *out = NULL;
	struct kube_error err = {0};
	/* 401 with the stale token, then the file is read again */
	if (kube_get(c, "/auth", &out, &err) != 0)
		fail_msg("%s", err.message);
	json_decref(out);
	struct kube_stats s;
	kube_client_stats(c, &s);
	assert_int_equal(s.requests, 2);
	kube_client_free(c);
}

static void test_exec_401(void **state)
{
	(void)state;
	/* the plugin answers a wrong token first and the right one when run again */
	char *script = xasprintf("#!/bin/sh\necho run >> '%s/plugin.count'\n"
				 "n=$(wc -l < '%s/plugin.count')\n"
				 "if [ \"$n\" -eq 1 ]; then t=first-wrong-token; else t=%s; fi\n"
				 "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
				 "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"'$t'\"}}'\n",
				 dir, dir, TOKEN);
	write_text("plugin.sh", script, 0755);
	free(script);
	struct kube_config cfg;
	base_cfg(&cfg, "ca.crt");
	cfg.exec = xcalloc(1, sizeof(*cfg.exec));
	cfg.exec->command = file_in("plugin.sh");
	cfg.exec->args = xcalloc(1, sizeof(char *));
	cfg.exec->env = xcalloc(1, sizeof(char *));
	cfg.exec->api_version = xstrdup("client.authentication.k8s.io/v1");
	cfg.exec->interactive_mode = xstrdup("Never");
	struct kube_client *c = client_with(&cfg, 5000);
	json_t *out = NULL;
	struct kube_error err = {0};
	if (kube_get(c, "/auth", &out, &err) != 0)
		fail_msg("%s", err.message);
	json_decref(out);
	assert_int_equal(kube_get(c, "/auth", &out, &err), 0); /* cached now */
	json_decref(out);
	assert_int_equal(c->exec.runs, 2);
	kube_client_free(c);
}

static void test_client_cert(void **state)
{
	(void)state;
	struct kube_config cfg;
	base_cfg(&cfg, "ca.crt");
	cfg.cert_pem = slurp("client.crt", &cfg.cert_len);
	cfg.key_pem = slurp("client.key", &cfg.key_len);
	struct kube_client *c = client_with(&cfg, 5000);
	json_t *out = NULL;
	struct kube_error err = {0};
	if (kube_get(c, "/whoami", &out, &err) != 0)
		fail_msg("%s", err.message);
	assert_string_equal(json_string_value(json_object_get(out, "user")), "kaic-test-user");
	json_decref(out);
	kube_client_free(c);

	/* without: no client identity */
	c = client();
	assert_int_equal(kube_get(c, "/whoami", &out, &err), 0);
	assert_string_equal(json_string_value(json_object_get(out, "user")), "");
	json_decref(out);
	kube_client_free(c);

	/* an unusable key is refused before any request */
	base_cfg(&cfg, "ca.crt");
	cfg.cert_pem = slurp("client.crt", &cfg.cert_len);
	cfg.key_pem = xstrdup("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
	cfg.key_len = strlen(cfg.key_pem);
	char *cause = NULL;
	assert_null(kube_client_new(&cfg, NULL, &cause));
	assert_non_null(strstr(cause, "not a valid unencrypted PEM private key"));
	assert_null(strstr(cause, "AAAA"));
	free(cause);
	kube_config_release(&cfg);
}

static void test_discovery(void **state)
{
	(void)state;
	struct kube_client *c = client();
	struct kube_discovery d;
	struct kube_error err = {0};
	if (kube_discover(c, &d, &err) != 0)
		fail_msg("%s", err.message);
	assert_true(d.aggregated);
	assert_int_equal(d.requests, 2);
	const struct kube_resource *pods = kube_discovery_find(&d, "", NULL, "pods");
	assert_non_null(pods);
	assert_true(pods->namespaced);
	assert_null(kube_discovery_find(&d, "", NULL, "pods/log"));
	const struct kube_resource *dc =
	    kube_discovery_find(&d, "resource.k8s.io", NULL, "deviceclasses");
	assert_string_equal(dc->version, "v1");
	kube_discovery_release(&d);
	kube_client_free(c);

	/* the legacy server: /api, /apis, /api/v1, /apis/apps/v1, /apis/metrics.k8s.io/v1beta1
	 * (503, skipped) */
	struct kube_config cfg;
	base_cfg(&cfg, "ca.crt");
	char *s = xasprintf("%s/legacy", cfg.server);
	free(cfg.server);
	cfg.server = s;
	c = client_with(&cfg, 5000);
	if (kube_discover(c, &d, &err) != 0)
		fail_msg("%s", err.message);
	assert_false(d.aggregated);
	assert_int_equal(d.requests, 5);
	assert_int_equal(d.n, 2);
	assert_non_null(kube_discovery_find(&d, "", "v1", "pods"));
	const struct kube_resource *dep = kube_discovery_find(&d, "apps", NULL, "deployments");
	assert_non_null(dep);
	assert_true(dep->preferred);
	assert_string_equal(dep->short_names[0], "deploy");
	assert_false(kube_discovery_has_group(&d, "metrics.k8s.io"));
	kube_discovery_release(&d);
	kube_client_free(c);
}

struct par {
	struct kube_client *c;
	int failures;
};

static void *par_worker(void *arg)
{
	struct par *p = arg;
	for (int i = 0; i < 15; i++) {
		json_t *out = NULL;
		struct kube_error err;
		if (kube_get(p->c, "/hello", &out, &err) != 0)
			p->failures++;
		json_decref(out);
	}
	return NULL;
}

static void test_parallel(void **state)
{
	(void)state;
	struct kube_client *c = client();
	struct par ps[6];
	pthread_t t[6];
	for (int i = 0; i < 6; i++) {
		ps[i] = (struct par){.c = c};
		pthread_create(&t[i], NULL, par_worker, &ps[i]);
	}
	for (int i = 0; i < 6; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(ps[i].failures, 0);
	}
	struct kube_stats s;
	kube_client_stats(c, &s);
	assert_int_equal(s.requests, 90);
	kube_client_free(c);
}

/* ---- the test server ---- */

static bool have(const char *cmd)
{
	char *c = xasprintf("%s >/dev/null 2>&1", cmd);
	int rc = system(c);
	free(c);
	return rc == 0;
}

static int start_server(void)
{
	const char *top = getenv("TOP") ? getenv("TOP") : ".";
	char *script = xasprintf("%s/tests/data/kube_test_server.py", top);
	snprintf(dir, sizeof(dir), "%s/kaic-khttp-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	server_pid = fork();
	if (server_pid == 0) {
		execlp("python3", "python3", script, dir, (char *)NULL);
		_exit(127);
	}
	free(script);
	char *pf = file_in("port");
	for (int i = 0; i < 300; i++) {
		char *data = NULL, *cause = NULL;
		size_t len;
		if (kube_read_file(pf, 64, &data, &len, &cause) == 0) {
			port = (int)strtol(data, NULL, 10);
			free(data);
			break;
		}
		free(cause);
		int st;
		if (waitpid(server_pid, &st, WNOHANG) == server_pid)
			break;
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	free(pf);
	return port > 0 ? 0 : -1;
}

static void stop_server(void)
{
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
	}
	char *cmd = xasprintf("rm -rf '%s'", dir);
	int rc = system(cmd);
	(void)rc;
	free(cmd);
}

int main(void)
{
	if (!have("python3 -c 'import ssl, http.server'") || !have("openssl version")) {
		printf("skipped: needs python3 (with ssl) and the openssl command\n");
		return 77;
	}
	signal(SIGPIPE, SIG_IGN);
	int fd = open("/dev/null", O_RDONLY);
	dup2(fd, 0);
	close(fd);
	if (start_server() != 0) {
		stop_server();
		fprintf(stderr, "the test server (tests/data/kube_test_server.py) did not start\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_get),
	    cmocka_unit_test(test_retry_429),
	    cmocka_unit_test(test_retry_deadline),
	    cmocka_unit_test(test_retry_5xx),
	    cmocka_unit_test(test_json_errors),
	    cmocka_unit_test(test_list),
	    cmocka_unit_test(test_watch),
	    cmocka_unit_test(test_body_limit),
	    cmocka_unit_test(test_total_budget),
	    cmocka_unit_test(test_list_page_shrinks),
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_proxy_get),
	    cmocka_unit_test(test_wrong_ca),
	    cmocka_unit_test(test_tls_server_name),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_timeouts),
	    cmocka_unit_test(test_cancel),
	    cmocka_unit_test(test_bearer),
	    cmocka_unit_test(test_token_file_rotation),
	    cmocka_unit_test(test_exec_401),
	    cmocka_unit_test(test_client_cert),
	    cmocka_unit_test(test_discovery),
	    cmocka_unit_test(test_parallel),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	stop_server();
	return rc;
}
