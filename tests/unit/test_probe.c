/* test_probe.c: the in-pod probes, run in-process through probe_main against servers on
 * 127.0.0.1: echo + http-load, connect, fs, metrics (parsed back with prom_parse), trace
 * (against a small OTLP receiver here), sandbox, mcp (initialize, sessions, paged
 * tools/list, tools/call, JSON-RPC errors), usage errors and termination messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe/common.h"
#include "probe/probe.h"
#include "prom/prom.h"
#include "util/buf.h"
#include "util/xmalloc.h"

static char tmpdir[] = "/tmp/kaic-test-probe-XXXXXX";

static char *tmp_path(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	struct buf b = BUF_INIT;
	buf_init(&b);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	return buf_detach(&b, NULL);
}

/* Runs `probe ARGS...` in-process with stdout captured; *out gets the JSON it printed
 * (NULL when it printed none). Returns the exit status. */
static int run_probe(json_t **out, ...)
{
	char *argv[32] = {"probe"};
	int argc = 1;
	va_list ap;
	va_start(ap, out);
	const char *a;
	while ((a = va_arg(ap, const char *)) != NULL && argc < 31)
		argv[argc++] = (char *)a;
	va_end(ap);
	char *path = tmp_path("stdout");
	fflush(stdout);
	int saved = dup(1);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	dup2(fd, 1);
	close(fd);
	int rc = probe_main(argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	char *text = read_file(path);
	free(path);
	if (out != NULL) {
		*out = text && *text ? json_loads(text, 0, NULL) : NULL;
		if (text && *text)
			assert_non_null(*out);
	}
	free(text);
	return rc;
}

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	socklen_t l = sizeof a;
	getsockname(fd, (struct sockaddr *)&a, &l);
	close(fd);
	return ntohs(a.sin_port);
}

/* A listening (listen true) or merely bound socket on 127.0.0.1; *port gets its port. */
static int local_socket(bool listening, int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	if (listening)
		assert_int_equal(listen(fd, 8), 0);
	socklen_t l = sizeof a;
	getsockname(fd, (struct sockaddr *)&a, &l);
	*port = ntohs(a.sin_port);
	return fd;
}

static bool port_open(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
	close(fd);
	return ok;
}

/* Forks `probe ARGS...`; the child's stdout goes to tmpdir/NAME.out and its termination
 * message to tmpdir/NAME.term. Waits until port accepts connections. */
static pid_t spawn_server(const char *name, int port, char *const args[])
{
	char *out = xasprintf("%s/%s.out", tmpdir, name);
	char *term = xasprintf("%s/%s.term", tmpdir, name);
	fflush(stdout);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		close(fd);
		setenv("KAIC_TERMINATION_LOG", term, 1);
		int argc = 0;
		while (args[argc] != NULL)
			argc++;
		_exit(probe_main(argc, (char **)args));
	}
	free(out);
	free(term);
	for (int i = 0; i < 500 && !port_open(port); i++)
		poll(NULL, 0, 10);
	assert_true(port_open(port));
	return pid;
}

/* Sends SIGTERM, waits, and returns the JSON the server printed at exit. */
static json_t *stop_server(pid_t pid, const char *name)
{
	int st;
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	char *out = xasprintf("%s/%s.out", tmpdir, name);
	char *term = xasprintf("%s/%s.term", tmpdir, name);
	char *text = read_file(out), *tm = read_file(term);
	assert_non_null(text);
	assert_non_null(tm);
	/* stdout and the termination message carry the same document */
	assert_int_equal(strncmp(text, tm, strlen(tm)), 0);
	json_t *j = json_loads(text, 0, NULL);
	assert_non_null(j);
	free(text);
	free(tm);
	free(out);
	free(term);
	return j;
}

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
	buf_add(arg, p, size * n);
	return size * n;
}

/* GETs url with an optional header; returns the status (0 on transport errors). */
static long http_get(const char *url, const char *header, struct buf *body)
{
	CURL *h = curl_easy_init();
	struct curl_slist *hd = header ? curl_slist_append(NULL, header) : NULL;
	buf_reset(body);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 5L);
	long status = 0;
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hd);
	curl_easy_cleanup(h);
	return status;
}

static json_int_t jint(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

/* ---- mcp ---- */

struct mcp_answer {
	long status;
	json_t *body; /* parsed, or NULL */
	char session[128];
};

static size_t mcp_header(char *p, size_t size, size_t n, void *arg)
{
	struct mcp_answer *a = arg;
	static const char name[] = "mcp-session-id:";
	size_t len = size * n;
	if (len > sizeof name && strncasecmp(p, name, sizeof name - 1) == 0) {
		const char *v = p + sizeof name - 1;
		while (*v == ' ')
			v++;
		size_t vl = (size_t)(p + len - v);
		while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n'))
			vl--;
		if (vl < sizeof a->session) {
			memcpy(a->session, v, vl);
			a->session[vl] = '\0';
		}
	}
	return len;
}

/* POSTs body to url (with the session header when session is not NULL). */
static void mcp_post(const char *url, const char *session, const char *body, struct mcp_answer *a)
{
	CURL *h = curl_easy_init();
	struct buf out = BUF_INIT;
	buf_init(&out);
	struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/json");
	hd = curl_slist_append(hd, "Accept: application/json, text/event-stream");
	char *sh = session ? xasprintf("Mcp-Session-Id: %s", session) : NULL;
	if (sh)
		hd = curl_slist_append(hd, sh);
	memset(a, 0, sizeof *a);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &out);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, mcp_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, a);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 5L);
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a->status);
	a->body = out.len ? json_loads(out.data, 0, NULL) : NULL;
	buf_release(&out);
	free(sh);
	curl_slist_free_all(hd);
	curl_easy_cleanup(h);
}

static long rpc_error_code(const json_t *body)
{
	return (long)json_integer_value(json_object_get(json_object_get(body, "error"), "code"));
}

/* The tool names of every page of tools/list; *pages gets the number of pages. */
static json_t *mcp_list_all(const char *url, const char *session, int *pages)
{
	json_t *names = json_array();
	char cursor[64] = "";
	*pages = 0;
	for (int i = 0; i < 10; i++) {
		char *req =
		    cursor[0]
			? xasprintf("{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/list\","
				    "\"params\":{\"cursor\":\"%s\"}}",
				    10 + i, cursor)
			: xasprintf("{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/list\"}",
				    10 + i);
		struct mcp_answer a;
		mcp_post(url, session, req, &a);
		free(req);
		assert_int_equal(a.status, 200);
		assert_int_equal(json_integer_value(json_object_get(a.body, "id")), 10 + i);
		json_t *result = json_object_get(a.body, "result");
		size_t k;
		json_t *t;
		json_array_foreach(json_object_get(result, "tools"), k, t) {
			json_array_append(names, json_object_get(t, "name"));
			assert_true(json_is_object(json_object_get(t, "inputSchema")));
		}
		(*pages)++;
		const char *next = json_string_value(json_object_get(result, "nextCursor"));
		if (next == NULL) {
			json_decref(a.body);
			return names;
		}
		snprintf(cursor, sizeof cursor, "%s", next);
		json_decref(a.body);
	}
	fail_msg("tools/list never ended");
	return names;
}

static void test_mcp(void **state)
{
	(void)state;
	int port = free_port();
	char ps[16], url[64], root[64], health[64];
	snprintf(ps, sizeof ps, "%d", port);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/mcp", port);
	snprintf(root, sizeof root, "http://127.0.0.1:%d/", port);
	snprintf(health, sizeof health, "http://127.0.0.1:%d/healthz", port);
	char *args[] = {"probe", "mcp",	   "--port", ps,       "--tools",   "3", "--page-size",
			"2",	 "--path", "/mcp",   "--bind", "127.0.0.1", NULL};
	pid_t pid = spawn_server("mcp", port, args);
	struct mcp_answer a, b;

	/* initialize: the client's version echoed, serverInfo, tools capability, a session */
	mcp_post(url, NULL,
		 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
		 "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{"
		 "\"name\":\"t\",\"version\":\"1\"}}}",
		 &a);
	assert_int_equal(a.status, 200);
	assert_int_equal(strlen(a.session), 32);
	json_t *r = json_object_get(a.body, "result");
	assert_string_equal(json_string_value(json_object_get(a.body, "jsonrpc")), "2.0");
	assert_int_equal(json_integer_value(json_object_get(a.body, "id")), 1);
	assert_string_equal(json_string_value(json_object_get(r, "protocolVersion")), "2025-06-18");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(r, "serverInfo"), "name")),
	    "kaic-probe-mcp");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(r, "serverInfo"), "version")),
	    KAIC_VERSION);
	assert_true(json_is_object(json_object_get(json_object_get(r, "capabilities"), "tools")));
	char session[128];
	snprintf(session, sizeof session, "%s", a.session);
	json_decref(a.body);

	/* the initialized notification: 202 without a body */
	mcp_post(url, session, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
		 &a);
	assert_int_equal(a.status, 202);
	assert_null(a.body);

	/* tools/list over pages of two: all three, in order */
	int pages;
	json_t *names = mcp_list_all(url, session, &pages);
	assert_int_equal(pages, 2);
	json_t *want = json_pack("[s,s,s]", "kaic-tool-1", "kaic-tool-2", "kaic-tool-3");
	assert_true(json_equal(names, want));
	json_decref(want);
	json_decref(names);

	/* tools/call echoes; unknown tools and missing text are -32602 */
	mcp_post(url, session,
		 "{\"jsonrpc\":\"2.0\",\"id\":\"c\",\"method\":\"tools/call\",\"params\":{"
		 "\"name\":\"kaic-tool-3\",\"arguments\":{\"text\":\"hi there\"}}}",
		 &a);
	assert_int_equal(a.status, 200);
	assert_string_equal(json_string_value(json_object_get(a.body, "id")), "c");
	json_t *content = json_object_get(json_object_get(a.body, "result"), "content");
	assert_string_equal(json_string_value(json_object_get(json_array_get(content, 0), "text")),
			    "hi there");
	json_decref(a.body);
	mcp_post(url, session,
		 "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{"
		 "\"name\":\"kaic-tool-4\",\"arguments\":{\"text\":\"x\"}}}",
		 &a);
	assert_int_equal(rpc_error_code(a.body), -32602);
	json_decref(a.body);

	/* errors: bad cursor, unknown method, parse error, batch, invalid request */
	mcp_post(url, session,
		 "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\",\"params\":{\"cursor\":"
		 "\"99\"}}",
		 &a);
	assert_int_equal(rpc_error_code(a.body), -32602);
	assert_int_equal(json_integer_value(json_object_get(a.body, "id")), 3);
	json_decref(a.body);
	mcp_post(url, session, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/list\"}", &a);
	assert_int_equal(rpc_error_code(a.body), -32601);
	json_decref(a.body);
	mcp_post(url, session, "{\"jsonrpc\":", &a);
	assert_int_equal(a.status, 400);
	assert_int_equal(rpc_error_code(a.body), -32700);
	assert_true(json_is_null(json_object_get(a.body, "id")));
	json_decref(a.body);
	mcp_post(url, session, "[{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\"}]", &a);
	assert_int_equal(rpc_error_code(a.body), -32600);
	json_decref(a.body);
	mcp_post(url, session, "{\"jsonrpc\":\"1.0\",\"id\":6,\"method\":\"ping\"}", &a);
	assert_int_equal(rpc_error_code(a.body), -32600);
	json_decref(a.body);
	mcp_post(url, session, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}", &a);
	assert_int_equal(a.status, 200);
	assert_true(json_is_object(json_object_get(a.body, "result")));
	json_decref(a.body);

	/* sessions: none is 400, an unknown one 404 */
	mcp_post(url, NULL, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/list\"}", &a);
	assert_int_equal(a.status, 400);
	json_decref(a.body);
	mcp_post(url, "0123", "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/list\"}", &b);
	assert_int_equal(b.status, 404);
	assert_int_equal(rpc_error_code(b.body), -32600);
	json_decref(b.body);

	/* a body over the bound is refused */
	size_t big = 70 * 1024;
	char *huge = xmalloc(big + 1);
	memset(huge, ' ', big);
	memcpy(huge, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", 40);
	huge[big] = '\0';
	mcp_post(url, session, huge, &a);
	free(huge);
	assert_int_equal(a.status, 413);
	json_decref(a.body);

	/* other paths and methods */
	struct buf body = BUF_INIT;
	buf_init(&body);
	assert_int_equal(http_get(url, NULL, &body), 405);
	assert_int_equal(http_get(root, NULL, &body), 404);
	assert_int_equal(http_get(health, NULL, &body), 200);
	buf_release(&body);

	json_t *res = stop_server(pid, "mcp");
	assert_int_equal(jint(res, "tools"), 3);
	assert_int_equal(jint(res, "sessions"), 1);
	assert_int_equal(jint(res, "calls"), 1);
	json_decref(res);
}

static void test_usage_errors(void **state)
{
	(void)state;
	json_t *j = NULL;
	char *none[] = {"probe"};
	assert_int_equal(probe_main(1, none), 2);
	assert_int_equal(run_probe(NULL, "--help", NULL), 0);
	assert_int_equal(run_probe(NULL, "echo", "--help", NULL), 0);
	assert_int_equal(run_probe(&j, "bogus", NULL), 2);
	assert_null(j);
	assert_int_equal(run_probe(NULL, "echo", "--bogus", NULL), 2);
	assert_int_equal(run_probe(NULL, "echo", "--port", NULL), 2);
	assert_int_equal(run_probe(NULL, "echo", "--port", "70000", NULL), 2);
	assert_int_equal(run_probe(NULL, "connect", "--port", "80", NULL), 2);
	assert_int_equal(run_probe(NULL, "connect", "--host", "127.0.0.1", NULL), 2);
	assert_int_equal(run_probe(NULL, "connect", "--host=127.0.0.1", "--port=0", NULL), 2);
	assert_int_equal(
	    run_probe(NULL, "connect", "--host", "h", "--port", "1", "--expect", "maybe", NULL), 2);
	assert_int_equal(
	    run_probe(NULL, "connect", "--host", "h", "--port", "1", "--timeout", "soon", NULL), 2);
	assert_int_equal(run_probe(NULL, "http-load", NULL), 2);
	assert_int_equal(run_probe(NULL, "http-load", "--url", "ftp://x/", NULL), 2);
	assert_int_equal(
	    run_probe(NULL, "http-load", "--url", "http://x/", "--requests", "0", NULL), 2);
	assert_int_equal(
	    run_probe(NULL, "http-load", "--url", "http://x/", "--header", "novalue", NULL), 2);
	assert_int_equal(run_probe(NULL, "fs", "--content", "x", NULL), 2);
	assert_int_equal(
	    run_probe(NULL, "fs", "--write", "a", "--verify", "b", "--content", "x", NULL), 2);
	assert_int_equal(run_probe(NULL, "fs", "--write", "a", NULL), 2);
	assert_int_equal(run_probe(NULL, "trace", NULL), 2);
	assert_int_equal(run_probe(NULL, "trace", "--endpoint", "localhost:4318", NULL), 2);
	assert_int_equal(run_probe(NULL, "sandbox", "extra", NULL), 2);
	assert_int_equal(run_probe(NULL, "metrics", "--model", "", NULL), 2);
	assert_int_equal(run_probe(NULL, "mcp", "--tools", "0", NULL), 2);
	assert_int_equal(run_probe(NULL, "mcp", "--page-size", "-1", NULL), 2);
	assert_int_equal(run_probe(NULL, "mcp", "--path", "mcp", NULL), 2);
	assert_int_equal(run_probe(NULL, "mcp", "--bogus", NULL), 2);
	assert_int_equal(run_probe(NULL, "mcp", "--help", NULL), 0);
}

static void test_durations_and_headers(void **state)
{
	(void)state;
	double d;
	assert_int_equal(probe_parse_duration("5s", &d), 0);
	assert_true(d == 5.0);
	assert_int_equal(probe_parse_duration("250ms", &d), 0);
	assert_true(d == 0.25);
	assert_int_equal(probe_parse_duration("2m", &d), 0);
	assert_true(d == 120.0);
	assert_int_equal(probe_parse_duration("1.5", &d), 0);
	assert_true(d == 1.5);
	assert_int_equal(probe_parse_duration("1h", &d), 0);
	assert_int_equal(probe_parse_duration("0s", &d), -1);
	assert_int_equal(probe_parse_duration("-1s", &d), -1);
	assert_int_equal(probe_parse_duration("2d", &d), -1);
	assert_int_equal(probe_parse_duration("25h", &d), -1);
	assert_int_equal(probe_parse_duration("nan", &d), -1);
	assert_int_equal(probe_parse_duration("", &d), -1);
	char *h = probe_header_line("x-model-variant:b");
	assert_string_equal(h, "x-model-variant: b");
	free(h);
	h = probe_header_line("Authorization:  Bearer t");
	assert_string_equal(h, "Authorization: Bearer t");
	free(h);
	assert_null(probe_header_line("novalue"));
	assert_null(probe_header_line(":v"));
	assert_null(probe_header_line("a b:v"));
	assert_null(probe_header_line("a:v\r\nInjected: 1"));
}

static void test_echo_and_http_load(void **state)
{
	(void)state;
	int port = free_port();
	char ps[16], url[64], health[64];
	snprintf(ps, sizeof ps, "%d", port);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/infer?x=1", port);
	snprintf(health, sizeof health, "http://127.0.0.1:%d/healthz", port);
	char *args[] = {"probe",  "echo",   "--port",	 ps,  "--name",
			"echo-a", "--bind", "127.0.0.1", NULL};
	pid_t pid = spawn_server("echo", port, args);

	struct buf body = BUF_INIT;
	buf_init(&body);
	assert_int_equal(http_get(url, "X-Model-Variant: b", &body), 200);
	json_t *ans = json_loads(body.data, 0, NULL);
	assert_non_null(ans);
	assert_string_equal(json_string_value(json_object_get(ans, "pod")), "echo-a");
	assert_string_equal(json_string_value(json_object_get(ans, "path")), "/infer");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(ans, "headers"), "x-model-variant")),
	    "b");
	json_decref(ans);
	assert_int_equal(http_get(health, NULL, &body), 200);
	assert_string_equal(body.data, "ok\n");
	buf_release(&body);

	json_t *j = NULL;
	assert_int_equal(run_probe(&j, "http-load", "--url", url, "--requests", "60",
				   "--concurrency", "4", "--header", "x-model-variant:b",
				   "--timeout", "5s", NULL),
			 0);
	assert_int_equal(jint(j, "requests"), 60);
	assert_int_equal(jint(j, "answered"), 60);
	assert_int_equal(jint(j, "errors"), 0);
	json_t *backends = json_object_get(j, "backends");
	assert_int_equal(json_object_size(backends), 1);
	assert_int_equal(jint(backends, "echo-a"), 60);
	assert_int_equal(jint(json_object_get(j, "status_codes"), "200"), 60);
	json_t *lat = json_object_get(j, "latency_ms");
	assert_true(json_real_value(json_object_get(lat, "p50")) <=
		    json_real_value(json_object_get(lat, "p99")));
	assert_true(json_real_value(json_object_get(lat, "p99")) <=
		    json_real_value(json_object_get(lat, "max")));
	assert_string_equal(json_string_value(json_object_get(j, "probe")), "http-load");
	/* the termination message holds the same document */
	char *term = tmp_path("term");
	char *tm = read_file(term);
	json_t *tj = json_loads(tm, 0, NULL);
	assert_true(json_equal(tj, j));
	json_decref(tj);
	free(tm);
	free(term);
	json_decref(j);

	/* --settle: a warm-up, not counted, until every --expect-backend answered */
	assert_int_equal(run_probe(&j, "http-load", "--url", url, "--requests", "5", "--settle",
				   "5s", "--expect-backend", "echo-a", NULL),
			 0);
	json_t *st = json_object_get(j, "settle");
	assert_int_equal(jint(st, "requests"), 1);
	assert_true(json_is_true(json_object_get(st, "complete")));
	assert_int_equal(json_array_size(json_object_get(st, "missing")), 0);
	assert_int_equal(jint(j, "requests"), 5);
	assert_int_equal(jint(json_object_get(j, "backends"), "echo-a"), 5);
	json_decref(j);
	assert_int_equal(run_probe(&j, "http-load", "--url", url, "--requests", "5", "--settle",
				   "300ms", "--expect-backend", "echo-a", "--expect-backend",
				   "echo-b", NULL),
			 0);
	st = json_object_get(j, "settle");
	json_int_t warm = jint(st, "requests");
	assert_true(warm >= 1);
	assert_true(json_is_false(json_object_get(st, "complete")));
	assert_string_equal(json_string_value(json_array_get(json_object_get(st, "missing"), 0)),
			    "echo-b");
	assert_int_equal(json_array_size(json_object_get(st, "missing")), 1);
	assert_true(jint(st, "elapsed_ms") >= 300);
	json_decref(j);
	assert_int_equal(run_probe(NULL, "http-load", "--url", url, "--settle", "soon", NULL), 2);
	/* one without the other would be parsed and ignored: refused */
	assert_int_equal(run_probe(NULL, "http-load", "--url", url, "--settle", "5s", NULL), 2);
	assert_int_equal(
	    run_probe(NULL, "http-load", "--url", url, "--expect-backend", "echo-a", NULL), 2);

	json_t *res = stop_server(pid, "echo");
	assert_string_equal(json_string_value(json_object_get(res, "pod")), "echo-a");
	assert_int_equal(jint(res, "port"), port);
	assert_int_equal(jint(res, "requests"), 62 + 1 + 5 + warm + 5);
	json_decref(res);
}

static void test_http_load_no_answer(void **state)
{
	(void)state;
	int port;
	int fd = local_socket(false, &port); /* bound, not listening: refused */
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
	json_t *j = NULL;
	assert_int_equal(run_probe(&j, "http-load", "--url", url, "--requests", "5", NULL), 1);
	assert_int_equal(jint(j, "answered"), 0);
	assert_int_equal(jint(j, "errors"), 5);
	assert_int_equal(json_object_size(json_object_get(j, "backends")), 0);
	assert_true(json_array_size(json_object_get(j, "error_samples")) >= 1);
	json_decref(j);
	close(fd);
}

static void test_connect(void **state)
{
	(void)state;
	int open_port, closed_port;
	int lfd = local_socket(true, &open_port);
	int cfd = local_socket(false, &closed_port);
	char op[16], cp[16];
	snprintf(op, sizeof op, "%d", open_port);
	snprintf(cp, sizeof cp, "%d", closed_port);
	json_t *j = NULL;
	assert_int_equal(run_probe(&j, "connect", "--host", "127.0.0.1", "--port", op, NULL), 0);
	assert_true(json_is_true(json_object_get(j, "connected")));
	assert_true(json_is_null(json_object_get(j, "error")));
	assert_string_equal(json_string_value(json_object_get(j, "address")), "127.0.0.1");
	assert_int_equal(jint(j, "port"), open_port);
	assert_true(jint(j, "elapsed_ms") >= 0);
	json_decref(j);
	assert_int_equal(run_probe(&j, "connect", "--host", "127.0.0.1", "--port", op, "--expect",
				   "closed", NULL),
			 1);
	json_decref(j);
	assert_int_equal(run_probe(&j, "connect", "--host", "127.0.0.1", "--port", cp, NULL), 1);
	assert_true(json_is_false(json_object_get(j, "connected")));
	assert_string_equal(json_string_value(json_object_get(j, "reason")), "refused");
	assert_non_null(json_string_value(json_object_get(j, "error")));
	json_decref(j);
	assert_int_equal(run_probe(&j, "connect", "--host", "127.0.0.1", "--port", cp, "--expect",
				   "closed", "--timeout", "1s", NULL),
			 0);
	json_decref(j);
	close(lfd);
	close(cfd);
}

/* Starts listening on a bound socket after a pause: a port that opens while the probe
 * retries (a policy engine programming a new pod). */
struct late_listen {
	int fd, ms;
};

static void *listen_later(void *arg)
{
	struct late_listen *l = arg;
	poll(NULL, 0, l->ms);
	listen(l->fd, 8);
	return NULL;
}

static void test_connect_within(void **state)
{
	(void)state;
	int port;
	int fd = local_socket(false, &port);
	char ps[16];
	snprintf(ps, sizeof ps, "%d", port);
	json_t *j = NULL;
	/* refused throughout: every attempt of the window, then exit 1 */
	assert_int_equal(run_probe(&j, "connect", "--host", "127.0.0.1", "--port", ps, "--within",
				   "1200ms", NULL),
			 1);
	assert_true(json_is_false(json_object_get(j, "connected")));
	assert_true(jint(j, "attempts") >= 2);
	assert_true(jint(j, "elapsed_ms") >= 500);
	assert_true(json_is_false(json_object_get(j, "first_connected")));
	json_decref(j);
	/* the expected outcome at once: one attempt */
	assert_int_equal(run_probe(&j, "connect", "--host", "127.0.0.1", "--port", ps, "--expect",
				   "closed", "--within", "5s", NULL),
			 0);
	assert_int_equal(jint(j, "attempts"), 1);
	json_decref(j);
	/* opens after 700 ms: refused first, connected later, within the window */
	struct late_listen l = {fd, 700};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, listen_later, &l), 0);
	assert_int_equal(
	    run_probe(&j, "connect", "--host", "127.0.0.1", "--port", ps, "--within", "10s", NULL),
	    0);
	pthread_join(t, NULL);
	assert_true(json_is_true(json_object_get(j, "connected")));
	assert_true(json_is_false(json_object_get(j, "first_connected")));
	assert_true(jint(j, "attempts") >= 2);
	assert_true(jint(j, "elapsed_ms") >= 500 && jint(j, "elapsed_ms") < 10000);
	json_decref(j);
	assert_int_equal(
	    run_probe(NULL, "connect", "--host", "h", "--port", "1", "--within", "later", NULL), 2);
	close(fd);
}

static void test_fs(void **state)
{
	(void)state;
	char *path = tmp_path("data.txt");
	json_t *j = NULL;
	assert_int_equal(run_probe(&j, "fs", "--write", path, "--content", "hello kaic\n", NULL),
			 0);
	assert_string_equal(json_string_value(json_object_get(j, "mode")), "write");
	assert_int_equal(jint(j, "bytes"), 11);
	json_decref(j);
	char *data = read_file(path);
	assert_string_equal(data, "hello kaic\n");
	free(data);
	assert_int_equal(run_probe(&j, "fs", "--verify", path, "--content", "hello kaic\n", NULL),
			 0);
	assert_true(json_is_true(json_object_get(j, "match")));
	json_decref(j);
	assert_int_equal(run_probe(&j, "fs", "--verify", path, "--content", "hello kaic", NULL), 1);
	assert_true(json_is_false(json_object_get(j, "match")));
	assert_int_equal(jint(j, "actual_bytes"), 11);
	json_decref(j);
	assert_int_equal(run_probe(&j, "fs", "--verify", path, "--content", "hello kaic\n!", NULL),
			 1);
	json_decref(j);
	assert_int_equal(run_probe(&j, "fs", "--verify", path, "--content", "jello kaic\n", NULL),
			 1);
	json_decref(j);
	char *missing = tmp_path("missing.txt");
	assert_int_equal(run_probe(&j, "fs", "--verify", missing, "--content", "x", NULL), 1);
	assert_non_null(strstr(json_string_value(json_object_get(j, "error")), "cannot open"));
	json_decref(j);
	char *bad = tmp_path("no-dir/x");
	assert_int_equal(run_probe(&j, "fs", "--write", bad, "--content", "x", NULL), 1);
	json_decref(j);
	free(bad);
	free(missing);
	free(path);
}

static double sample_value(const struct prom_doc *d, const char *name, const char *lname,
			   const char *lvalue)
{
	for (size_t i = 0; i < d->nsamples; i++) {
		const char *v = prom_label(&d->samples[i], lname);
		if (strcmp(d->samples[i].name, name) == 0 && v && strcmp(v, lvalue) == 0)
			return d->samples[i].value;
	}
	fail_msg("no sample %s{%s=\"%s\"}", name, lname, lvalue);
	return 0;
}

static void scrape(const char *url, struct prom_doc *doc)
{
	struct buf body = BUF_INIT;
	buf_init(&body);
	assert_int_equal(http_get(url, NULL, &body), 200);
	char *cause = NULL;
	if (prom_parse(body.data, body.len, doc, &cause) != 0)
		fail_msg("metrics do not parse: %s", cause);
	buf_release(&body);
}

static void test_metrics(void **state)
{
	(void)state;
	int port = free_port();
	char ps[16], url[64], other[64];
	snprintf(ps, sizeof ps, "%d", port);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", port);
	snprintf(other, sizeof other, "http://127.0.0.1:%d/other", port);
	char *args[] = {"probe",       "metrics", "--port",    ps,  "--model",
			"llama \"3\"", "--bind",  "127.0.0.1", NULL};
	pid_t pid = spawn_server("metrics", port, args);
	struct prom_doc a, b;
	scrape(url, &a);
	scrape(url, &b);
	assert_false(a.openmetrics);
	assert_true(prom_has_family(&a, "vllm:num_requests_running"));
	assert_true(prom_has_family(&a, "vllm:num_requests_waiting"));
	assert_true(prom_has_family(&a, "vllm:gpu_cache_usage_perc"));
	assert_true(prom_has_family(&a, "vllm:e2e_request_latency_seconds"));
	assert_true(prom_has_family(&a, "vllm:time_to_first_token_seconds"));
	bool gauge = false, hist = false;
	for (size_t i = 0; i < a.nfamilies; i++) {
		gauge |= strcmp(a.families[i].name, "vllm:num_requests_running") == 0 &&
			 strcmp(a.families[i].type, "gauge") == 0;
		hist |= strcmp(a.families[i].name, "vllm:e2e_request_latency_seconds") == 0 &&
			strcmp(a.families[i].type, "histogram") == 0;
	}
	assert_true(gauge && hist);
	const char *m = "llama \"3\"";
	double s1 = sample_value(&a, "vllm:request_success_total", "model_name", m);
	double s2 = sample_value(&b, "vllm:request_success_total", "model_name", m);
	assert_true(s2 > s1);
	double inf = 0,
	       count = sample_value(&a, "vllm:e2e_request_latency_seconds_count", "model_name", m);
	for (size_t i = 0; i < a.nsamples; i++) {
		const char *le = prom_label(&a.samples[i], "le");
		if (strcmp(a.samples[i].name, "vllm:e2e_request_latency_seconds_bucket") == 0 &&
		    strcmp(le, "+Inf") == 0)
			inf = a.samples[i].value;
	}
	assert_true(inf == count && count > 0);
	double cache = sample_value(&a, "vllm:gpu_cache_usage_perc", "model_name", m);
	assert_true(cache >= 0 && cache <= 1);
	prom_doc_release(&a);
	prom_doc_release(&b);
	struct buf body = BUF_INIT;
	buf_init(&body);
	assert_int_equal(http_get(other, NULL, &body), 404);
	buf_release(&body);
	json_t *res = stop_server(pid, "metrics");
	assert_int_equal(jint(res, "scrapes"), 2);
	assert_string_equal(json_string_value(json_object_get(res, "model")), m);
	json_decref(res);
}

/* A one-request OTLP receiver: records the request and answers with status. */
struct receiver {
	int fd, port, status;
	struct buf head, body;
};

static void *receiver_main(void *arg)
{
	struct receiver *r = arg;
	int c = accept(r->fd, NULL, NULL);
	if (c < 0)
		return NULL;
	struct buf in = BUF_INIT;
	buf_init(&in);
	char chunk[4096];
	char *end = NULL;
	size_t want = SIZE_MAX;
	while (in.len < want) {
		struct pollfd p = {.fd = c, .events = POLLIN};
		if (poll(&p, 1, 5000) <= 0)
			break;
		ssize_t n = read(c, chunk, sizeof chunk);
		if (n <= 0)
			break;
		buf_add(&in, chunk, (size_t)n);
		if (end == NULL && (end = strstr(in.data, "\r\n\r\n")) != NULL) {
			size_t hl = (size_t)(end - in.data) + 4;
			buf_add(&r->head, in.data, hl);
			const char *cl = strcasestr(r->head.data, "\r\ncontent-length:");
			want = hl + (cl ? strtoul(cl + 17, NULL, 10) : 0);
		}
	}
	if (end != NULL)
		buf_add(&r->body, in.data + r->head.len, in.len - r->head.len);
	buf_release(&in);
	char resp[128];
	int n = snprintf(resp, sizeof resp,
			 "HTTP/1.1 %d X\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
			 r->status);
	ssize_t w = write(c, resp, (size_t)n);
	(void)w;
	close(c);
	return NULL;
}

static void receiver_start(struct receiver *r, pthread_t *t, int status)
{
	r->fd = local_socket(true, &r->port);
	r->status = status;
	buf_init(&r->head);
	buf_init(&r->body);
	assert_int_equal(pthread_create(t, NULL, receiver_main, r), 0);
}

static void receiver_finish(struct receiver *r)
{
	close(r->fd);
	buf_release(&r->head);
	buf_release(&r->body);
}

static void test_trace(void **state)
{
	(void)state;
	struct receiver r;
	pthread_t t;
	receiver_start(&r, &t, 200);
	char ep[64];
	snprintf(ep, sizeof ep, "http://127.0.0.1:%d/", r.port);
	json_t *j = NULL;
	assert_int_equal(run_probe(&j, "trace", "--endpoint", ep, "--service", "agent-x", NULL), 0);
	pthread_join(t, NULL);
	assert_int_equal(strncmp(r.head.data, "POST /v1/traces HTTP/1.1\r\n", 26), 0);
	assert_non_null(strcasestr(r.head.data, "\r\nContent-Type: application/json\r\n"));
	json_t *req = json_loadb(r.body.data, r.body.len, 0, NULL);
	assert_non_null(req);
	json_t *rs = json_array_get(json_object_get(req, "resourceSpans"), 0);
	json_t *attr =
	    json_array_get(json_object_get(json_object_get(rs, "resource"), "attributes"), 0);
	assert_string_equal(json_string_value(json_object_get(attr, "key")), "service.name");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(attr, "value"), "stringValue")),
	    "agent-x");
	json_t *spans =
	    json_object_get(json_array_get(json_object_get(rs, "scopeSpans"), 0), "spans");
	assert_int_equal(json_array_size(spans), 4);
	const char *names[] = {"plan", "act", "tool_call", "inference"};
	const char *trace_id = json_string_value(json_object_get(j, "trace_id"));
	assert_int_equal(strlen(trace_id), 32);
	for (size_t i = 0; i < 4; i++) {
		json_t *s = json_array_get(spans, i);
		assert_string_equal(json_string_value(json_object_get(s, "name")), names[i]);
		assert_string_equal(json_string_value(json_object_get(s, "traceId")), trace_id);
		const char *id = json_string_value(json_object_get(s, "spanId"));
		assert_int_equal(strlen(id), 16);
		assert_int_equal(strspn(id, "0123456789abcdef"), 16);
		json_t *parent = json_object_get(s, "parentSpanId");
		if (i == 0) {
			assert_null(parent);
		} else {
			json_t *prev = json_array_get(spans, i - 1);
			assert_string_equal(json_string_value(parent),
					    json_string_value(json_object_get(prev, "spanId")));
		}
		unsigned long long st =
		    strtoull(json_string_value(json_object_get(s, "startTimeUnixNano")), NULL, 10);
		unsigned long long en =
		    strtoull(json_string_value(json_object_get(s, "endTimeUnixNano")), NULL, 10);
		assert_true(st > 1600000000ULL * 1000000000ULL && en > st);
	}
	json_decref(req);
	assert_int_equal(json_array_size(json_object_get(j, "spans")), 4);
	assert_int_equal(jint(j, "http_status"), 200);
	json_decref(j);
	receiver_finish(&r);

	receiver_start(&r, &t, 500);
	snprintf(ep, sizeof ep, "http://127.0.0.1:%d/v1/traces", r.port);
	assert_int_equal(run_probe(&j, "trace", "--endpoint", ep, NULL), 1);
	pthread_join(t, NULL);
	assert_int_equal(strncmp(r.head.data, "POST /v1/traces HTTP/1.1\r\n", 26), 0);
	assert_int_equal(jint(j, "http_status"), 500);
	assert_non_null(json_string_value(json_object_get(j, "error")));
	json_decref(j);
	receiver_finish(&r);

	int port;
	int fd = local_socket(false, &port);
	snprintf(ep, sizeof ep, "http://127.0.0.1:%d", port);
	assert_int_equal(run_probe(&j, "trace", "--endpoint", ep, NULL), 1);
	assert_true(json_is_null(json_object_get(j, "http_status")));
	json_decref(j);
	close(fd);
}

static void write_text(const char *rel, const char *text)
{
	char *path = xasprintf("%s/root%s", tmpdir, rel);
	char *dir = xstrdup(path);
	for (char *p = dir + strlen(tmpdir) + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(dir, 0700);
			*p = '/';
		}
	}
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(dir);
	free(path);
}

static void test_sandbox(void **state)
{
	(void)state;
	json_t *j = NULL;
	struct utsname u;
	uname(&u);
	assert_int_equal(run_probe(&j, "sandbox", NULL), 0);
	assert_string_equal(json_string_value(json_object_get(j, "kernel")), u.release);
	assert_true(json_is_boolean(json_object_get(j, "gvisor")));
	assert_true(json_is_array(json_object_get(j, "confidential_signals")));
	json_decref(j);

	write_text("/proc/sys/kernel/osrelease", "4.4.0\n");
	write_text("/proc/sys/kernel/version", "#1 SMP Sun Jan 10 15:06:54 PST 2016\n");
	write_text("/proc/version", "Linux version 4.4.0 #1 SMP Sun Jan 10 15:06:54 PST 2016\n");
	write_text("/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu tdx_guest hypervisor\n");
	write_text("/dev/tdx_guest", "");
	char *root = tmp_path("root");
	assert_int_equal(run_probe(&j, "sandbox", "--root", root, NULL), 0);
	assert_string_equal(json_string_value(json_object_get(j, "kernel")), "4.4.0");
	assert_true(json_is_true(json_object_get(j, "gvisor")));
	assert_true(json_is_true(json_object_get(j, "hypervisor")));
	assert_true(json_is_true(json_object_get(j, "tdx_guest")));
	assert_true(json_is_false(json_object_get(j, "sev_guest")));
	assert_int_equal(json_array_size(json_object_get(j, "confidential_signals")), 2);
	json_decref(j);

	write_text("/proc/sys/kernel/version", "#1 SMP PREEMPT_DYNAMIC\n");
	write_text("/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu hypervisorx\n");
	assert_int_equal(run_probe(&j, "sandbox", "--root", root, NULL), 0);
	assert_true(json_is_false(json_object_get(j, "gvisor")));
	assert_true(json_is_false(json_object_get(j, "hypervisor")));
	assert_true(json_is_false(json_object_get(j, "tsm_report")));
	json_decref(j);

	/* configfs-tsm's report interface: an attestation report is available */
	char *tsm = tmp_path("root/sys/kernel/config/tsm/report");
	char *cmd = xasprintf("mkdir -p '%s'", tsm);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(run_probe(&j, "sandbox", "--root", root, NULL), 0);
	assert_true(json_is_true(json_object_get(j, "tsm_report")));
	json_t *cs = json_object_get(j, "confidential_signals");
	assert_string_equal(json_string_value(json_array_get(cs, json_array_size(cs) - 1)),
			    "configfs-tsm report");
	json_decref(j);
	free(cmd);
	free(tsm);
	free(root);
}

/* devices: accelerator device files, GPU UUIDs, visible-devices variables and a DRA
 * driver's CDI variables under --root; other device files, other variables and bad flags
 * are not reports. */
static void test_devices(void **state)
{
	(void)state;
	json_t *j = NULL;
	write_text("/dev/nvidia1", "");
	write_text("/dev/nvidiactl", "");
	write_text("/dev/nvidia-uvm", "");
	write_text("/dev/accel/accel0", "");
	write_text("/dev/dri/renderD128", "");
	write_text("/dev/dri/card0", "");
	write_text("/proc/driver/nvidia/gpus/0000:1a:00.0/information",
		   "Model: \t\t EXAMPLE-H100\nGPU UUID: \t GPU-1234\nBus Location: 0000:1a:00.0\n");
	setenv("NVIDIA_VISIBLE_DEVICES", "GPU-1234", 1);
	char *root = tmp_path("root");
	assert_int_equal(run_probe(&j, "devices", "--root", root, NULL), 0);
	const json_t *files = json_object_get(j, "device_nodes");
	assert_int_equal(json_array_size(files), 3);
	assert_string_equal(json_string_value(json_array_get(files, 0)), "/dev/accel/accel0");
	assert_string_equal(json_string_value(json_array_get(files, 1)), "/dev/dri/renderD128");
	assert_string_equal(json_string_value(json_array_get(files, 2)), "/dev/nvidia1");
	assert_int_equal(json_array_size(json_object_get(j, "uuids")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "uuids"), 0)),
			    "GPU-1234");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(j, "env"), "NVIDIA_VISIBLE_DEVICES")),
	    "GPU-1234");
	json_decref(j);
	unsetenv("NVIDIA_VISIBLE_DEVICES");
	/* what a DRA driver's CDI spec injects (the example driver's variables) is reported;
	 * other variables are not */
	setenv("GPU_DEVICE_2", "gpu-2", 1);
	setenv("GPU_DEVICE_2_RESOURCE_CLAIM", "0b6f-uid", 1);
	setenv("DRA_RESOURCE_DRIVER_NAME", "gpu.example.com", 1);
	setenv("KAIC_TEST_UNRELATED", "gpu-3", 1);
	assert_int_equal(run_probe(&j, "devices", "--root", root, NULL), 0);
	const json_t *env = json_object_get(j, "env");
	assert_string_equal(json_string_value(json_object_get(env, "GPU_DEVICE_2")), "gpu-2");
	assert_string_equal(json_string_value(json_object_get(env, "GPU_DEVICE_2_RESOURCE_CLAIM")),
			    "0b6f-uid");
	assert_string_equal(json_string_value(json_object_get(env, "DRA_RESOURCE_DRIVER_NAME")),
			    "gpu.example.com");
	assert_null(json_object_get(env, "KAIC_TEST_UNRELATED"));
	json_decref(j);
	unsetenv("GPU_DEVICE_2");
	unsetenv("GPU_DEVICE_2_RESOURCE_CLAIM");
	unsetenv("DRA_RESOURCE_DRIVER_NAME");
	unsetenv("KAIC_TEST_UNRELATED");
	char *empty = tmp_path("no-such-root");
	assert_int_equal(run_probe(&j, "devices", "--root", empty, NULL), 0);
	assert_int_equal(json_array_size(json_object_get(j, "device_nodes")), 0);
	assert_int_equal(json_array_size(json_object_get(j, "uuids")), 0);
	assert_int_equal(json_object_size(json_object_get(j, "env")), 0);
	json_decref(j);
	assert_int_equal(run_probe(NULL, "devices", "--hold", "x", NULL), 2);
	assert_int_equal(run_probe(NULL, "devices", "--bogus", NULL), 2);
	free(empty);
	free(root);
}

static void test_job(void **state)
{
	(void)state;
	json_t *j = NULL;
	unsetenv("KAIC_TEST_JI");
	setenv("JOB_COMPLETION_INDEX", "1", 1);
	assert_int_equal(run_probe(&j, "job", NULL), 0);
	assert_true(json_is_false(json_object_get(j, "failed")));
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(j, "env"), "JOB_COMPLETION_INDEX")),
	    "1");
	json_decref(j);
	/* every condition must hold: an unset variable is not a match */
	assert_int_equal(run_probe(&j, "job", "--fail-if", "JOB_COMPLETION_INDEX=1", "--fail-if",
				   "KAIC_TEST_JI=0", NULL),
			 0);
	assert_true(json_is_null(json_object_get(json_object_get(j, "env"), "KAIC_TEST_JI")));
	json_decref(j);
	setenv("KAIC_TEST_JI", "0", 1);
	assert_int_equal(run_probe(&j, "job", "--fail-if", "JOB_COMPLETION_INDEX=1", "--fail-if",
				   "KAIC_TEST_JI=0", NULL),
			 1);
	assert_true(json_is_true(json_object_get(j, "failed")));
	json_decref(j);
	assert_int_equal(run_probe(&j, "job", "--fail-if", "KAIC_TEST_JI=1", NULL), 0);
	json_decref(j);
	assert_int_equal(run_probe(NULL, "job", "--fail-if", "=1", NULL), 2);
	assert_int_equal(run_probe(NULL, "job", "--fail-if", "X", NULL), 2);
	assert_int_equal(run_probe(NULL, "job", "extra", NULL), 2);
	unsetenv("KAIC_TEST_JI");
	unsetenv("JOB_COMPLETION_INDEX");
}

static void test_netif(void **state)
{
	(void)state;
	json_t *j = NULL;
	assert_int_equal(run_probe(&j, "netif", NULL), 0); /* this machine: lo at least */
	assert_true(json_array_size(json_object_get(j, "interfaces")) >= 1);
	json_decref(j);

	write_text("/sys/class/net/eth0/address", "0a:58:0a:f4:01:05\n");
	write_text("/sys/class/net/eth0/mtu", "1450\n");
	write_text("/sys/class/net/eth0/operstate", "up\n");
	write_text("/sys/class/net/net1/address", "12:34:56:78:9a:bc\n");
	write_text("/sys/class/net/net1/mtu", "9000\n");
	write_text("/sys/class/infiniband/mlx5_3/node_guid", "b859:9f03:00d4:1a02\n");
	write_text("/dev/infiniband/uverbs3", "");
	char *root = tmp_path("root");
	assert_int_equal(run_probe(&j, "netif", "--root", root, NULL), 0);
	json_t *ifs = json_object_get(j, "interfaces");
	assert_int_equal(json_array_size(ifs), 2);
	json_t *n1 = json_array_get(ifs, 1);
	assert_string_equal(json_string_value(json_object_get(n1, "name")), "net1");
	assert_string_equal(json_string_value(json_object_get(n1, "mac")), "12:34:56:78:9a:bc");
	assert_int_equal(json_integer_value(json_object_get(n1, "mtu")), 9000);
	assert_true(json_is_null(json_object_get(n1, "operstate")));
	json_t *r = json_array_get(json_object_get(j, "rdma"), 0);
	assert_string_equal(json_string_value(json_object_get(r, "name")), "mlx5_3");
	assert_string_equal(json_string_value(json_object_get(r, "node_guid")),
			    "b859:9f03:00d4:1a02");
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "uverbs"), 0)),
			    "uverbs3");
	json_decref(j);
	assert_int_equal(run_probe(NULL, "netif", "--bogus", NULL), 2);
	free(root);
	char *none = tmp_path("no-such-root");
	assert_int_equal(run_probe(&j, "netif", "--root", none, NULL), 1);
	assert_non_null(json_object_get(j, "error"));
	json_decref(j);
	free(none);
}

static void test_termination_truncated(void **state)
{
	(void)state;
	json_t *big = json_array();
	for (int i = 0; i < 500; i++)
		json_array_append_new(big, json_string("a fairly long backend name, repeated"));
	json_t *r = json_pack("{s:s, s:o, s:i}", "probe", "x", "samples", big, "errors", 3);
	char *text = probe_termination_text(r);
	assert_true(strlen(text) <= PROBE_TERMINATION_MAX);
	json_t *back = json_loads(text, 0, NULL);
	assert_non_null(back);
	assert_true(json_is_true(json_object_get(back, "truncated")));
	assert_string_equal(json_string_value(json_array_get(json_object_get(back, "omitted"), 0)),
			    "samples");
	assert_int_equal(jint(back, "errors"), 3);
	json_decref(back);
	free(text);
	json_object_del(r, "samples");
	text = probe_termination_text(r);
	assert_string_equal(text, "{\"probe\":\"x\",\"errors\":3}");
	free(text);
	json_decref(r);
}

static int setup(void **state)
{
	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	char *term = tmp_path("term");
	setenv("KAIC_TERMINATION_LOG", term, 1);
	free(term);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	curl_global_cleanup();
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	int rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_usage_errors),
	    cmocka_unit_test(test_durations_and_headers),
	    cmocka_unit_test(test_echo_and_http_load),
	    cmocka_unit_test(test_http_load_no_answer),
	    cmocka_unit_test(test_connect),
	    cmocka_unit_test(test_connect_within),
	    cmocka_unit_test(test_fs),
	    cmocka_unit_test(test_metrics),
	    cmocka_unit_test(test_trace),
	    cmocka_unit_test(test_sandbox),
	    cmocka_unit_test(test_devices),
	    cmocka_unit_test(test_job),
	    cmocka_unit_test(test_netif),
	    cmocka_unit_test(test_termination_truncated),
	    cmocka_unit_test(test_mcp),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
