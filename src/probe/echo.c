/* echo.c: `kaic probe echo`: an HTTP server that answers every request with the name of
 * its pod, so that a client can tell which backend a Gateway routed it to.
 * Answer: {"pod": NAME, "method", "path", "headers": {"x-model-variant": ...}}; /healthz
 * answers "ok". Stops on SIGTERM; its result is {"pod", "port", "requests"}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe/common.h"
#include "probe/server.h"
#include "util/xmalloc.h"

#define ECHO_NAME "echo"

/* Request headers copied into the answer. */
static const char *const echo_headers[] = {"x-model-variant"};

struct echo_ctx {
	char *pod;
};

static void echo_handle(const struct probe_http_request *req, struct probe_http_response *resp,
			void *arg)
{
	const struct echo_ctx *ctx = arg;
	if (strcmp(req->path, "/healthz") == 0) {
		buf_adds(&resp->body, "ok\n");
		return;
	}
	json_t *hdrs = json_object();
	for (size_t i = 0; i < sizeof echo_headers / sizeof *echo_headers; i++) {
		const char *v = probe_http_header(req, echo_headers[i]);
		if (v != NULL)
			json_object_set_new(hdrs, echo_headers[i], probe_json_string(v));
	}
	json_t *j = json_object();
	json_object_set_new(j, "pod", probe_json_string(ctx->pod));
	json_object_set_new(j, "method", probe_json_string(req->method));
	json_object_set_new(j, "path", probe_json_string(req->path));
	json_object_set_new(j, "headers", hdrs);
	char *text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	resp->content_type = "application/json";
	buf_adds(&resp->body, text ? text : "{}");
	buf_addc(&resp->body, '\n');
	free(text);
}

/* --name, else $POD_NAME, else the hostname. */
static char *echo_pod_name(const char *opt)
{
	if (opt != NULL)
		return xstrdup(opt);
	const char *env = getenv("POD_NAME");
	if (env != NULL && *env != '\0')
		return xstrdup(env);
	char host[256];
	if (gethostname(host, sizeof host) == 0) {
		host[sizeof host - 1] = '\0';
		return xstrdup(host);
	}
	return xstrdup("unknown");
}

int probe_echo_run(int argc, char **argv)
{
	const char *port_s = "8080", *name = NULL, *bind = NULL;
	for (int i = 1; i < argc; i++) {
		const char *v;
		int m;
		if ((m = probe_opt(argc, argv, &i, "port", &v)) != 0)
			port_s = v;
		else if ((m = probe_opt(argc, argv, &i, "name", &v)) != 0)
			name = v;
		else if ((m = probe_opt(argc, argv, &i, "bind", &v)) != 0)
			bind = v;
		else
			return probe_usage_error(ECHO_NAME, "unknown argument \"%s\"", argv[i]);
		if (m < 0)
			return probe_usage_error(ECHO_NAME, "%s needs a value", argv[i]);
	}
	long port;
	if (probe_parse_long(port_s, 0, 65535, &port) < 0)
		return probe_usage_error(ECHO_NAME, "invalid port \"%s\"", port_s);
	if (name != NULL && *name == '\0')
		return probe_usage_error(ECHO_NAME, "--name is empty");
	struct echo_ctx ctx = {.pod = echo_pod_name(name)};
	struct probe_server srv;
	char *cause = NULL;
	json_t *res = json_object();
	json_object_set_new(res, "pod", probe_json_string(ctx.pod));
	int status = PROBE_EXIT_OK;
	if (probe_server_open(&srv, bind, (int)port, echo_handle, &ctx, &cause) < 0) {
		status = PROBE_EXIT_FAILED;
	} else {
		fprintf(stderr, "kaic probe echo: serving as \"%s\" on port %d\n", ctx.pod,
			srv.port);
		if (probe_server_run(&srv, true, &cause) < 0)
			status = PROBE_EXIT_FAILED;
		json_object_set_new(res, "port", json_integer(srv.port));
		json_object_set_new(res, "requests", json_integer((json_int_t)srv.requests));
		probe_server_close(&srv);
	}
	if (cause != NULL) {
		fprintf(stderr, "kaic probe echo: %s\n", cause);
		json_object_set_new(res, "error", probe_json_string(cause));
	}
	free(cause);
	free(ctx.pod);
	return probe_emit(ECHO_NAME, res, status);
}
