/* server.c: kaic-sim's HTTPS server (libmicrohttpd, one thread per connection): request
 * bodies, authentication, fault injection, the access log, watch streaming, and the
 * routing of /version, health, OpenAPI, proxy and API paths. */

#include "server/server.h"

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "base/status.h"
#include "rest/watch.h"
#include "server/accesslog.h"
#include "server/auth.h"
#include "server/faults.h"
#include "server/openapi.h"
#include "server/proxy.h"
#include "server/tls.h"
#include "sim.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/xmalloc.h"

struct sim_server {
	struct MHD_Daemon *d;
	struct sim_router router;
	const struct sim_settings *settings;
	const struct sim_tls *tls;
	struct sim_fault_state faults;
	struct sim_accesslog log;
	int port;
	atomic_bool stopping;
};

/* What one request needs from its first line to its completion. */
struct req_ctx {
	char *uri; /* raw request target: path and query */
	char *method;
	struct timespec start;
	struct buf body;
	bool started;
	bool too_large;
	bool streaming; /* the stream writes the access log line */
	int status;
	uint64_t bytes;
};

/* A response body produced piecewise: a watch stream or a slow/truncated body. */
struct stream {
	struct sim_server *srv;
	struct sim_watch *watch;
	char *data; /* pending bytes (watch) or the whole body */
	size_t len, off;
	size_t limit; /* truncated bodies stop here */
	long slow_ms;
	struct timespec cut_at; /* watch: end the stream then (tv_sec 0: never) */
	int fd;
	/* access log */
	char *method, *uri;
	int status;
	uint64_t bytes;
	struct timespec start;
};

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static bool stopping_sleep(struct sim_server *srv, long ms)
{
	while (ms > 0 && !atomic_load(&srv->stopping)) {
		long step = ms > 100 ? 100 : ms;
		struct timespec ts = {step / 1000, (step % 1000) * 1000000L};

		nanosleep(&ts, NULL);
		ms -= step;
	}
	return atomic_load(&srv->stopping);
}

/* ---- URL parsing ---- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes s[0..n) ('+' as space when plus); -1 on a bad escape or a NUL. */
static int unescape(const char *s, size_t n, bool plus, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] == '%') {
			if (i + 2 >= n)
				return -1;
			hi = hexval((unsigned char)s[i + 1]);
			lo = hi < 0 ? -1 : hexval((unsigned char)s[i + 2]);
			if (lo < 0 || (hi == 0 && lo == 0))
				return -1;
			buf_addc(out, (char)(hi * 16 + lo));
			i += 2;
		} else if (plus && s[i] == '+') {
			buf_addc(out, ' ');
		} else {
			buf_addc(out, s[i]);
		}
	}
	return 0;
}

static bool utf8_valid(const char *s, size_t n)
{
	json_t *j = json_stringn(s, n);

	json_decref(j);
	return j != NULL;
}

static int parse_query(const char *q, json_t *query)
{
	while (*q) {
		size_t n = strcspn(q, "&");
		const char *eq = memchr(q, '=', n);
		size_t klen = eq ? (size_t)(eq - q) : n;
		struct buf k = BUF_INIT, v = BUF_INIT;
		int rc = 0;

		buf_init(&k);
		buf_init(&v);
		/* like Go's url.ParseQuery (which the API server uses): bad pairs are dropped */
		if (klen > 0 && unescape(q, klen, true, &k) == 0 &&
		    (!eq || unescape(eq + 1, n - klen - 1, true, &v) == 0)) {
			if (!utf8_valid(k.data, k.len) || !utf8_valid(v.data, v.len))
				rc = -1;
			else
				json_object_set_new(query, k.data, json_stringn(v.data, v.len));
		}
		buf_release(&k);
		buf_release(&v);
		if (rc < 0)
			return -1;
		q += n;
		if (*q == '&')
			q++;
	}
	return 0;
}

int sim_url_split(const char *raw, char **path, json_t **query)
{
	size_t plen = strcspn(raw, "?#");
	struct buf p = BUF_INIT;
	char *q = NULL;

	*path = NULL;
	*query = NULL;
	buf_init(&p);
	if (unescape(raw, plen, false, &p) < 0 || !utf8_valid(p.data, p.len) || p.len == 0 ||
	    p.data[0] != '/') {
		buf_release(&p);
		return -1;
	}
	*query = json_object();
	if (raw[plen] == '?') {
		size_t qlen = strcspn(raw + plen + 1, "#");

		q = xstrndup(raw + plen + 1, qlen);
		if (parse_query(q, *query) < 0) {
			free(q);
			buf_release(&p);
			json_decref(*query);
			*query = NULL;
			return -1;
		}
		free(q);
	}
	*path = buf_detach(&p, NULL);
	return 0;
}

/* ---- non-API answers ---- */

static bool path_is(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

bool sim_route_is_public(const char *path)
{
	return path_is(path, "/healthz") || path_is(path, "/readyz") || path_is(path, "/livez") ||
	       strcmp(path, "/version") == 0 || strcmp(path, "/version/") == 0;
}

static void set_text(struct sim_response *resp, int status, const char *type, const char *text)
{
	resp->status = status;
	resp->content_type = xstrdup(type);
	resp->body = xstrdup(text);
	resp->len = strlen(text);
}

static void set_json(struct sim_response *resp, json_t *v)
{
	resp->status = 200;
	resp->content_type = xstrdup("application/json");
	resp->body = json_dumps(v, JSON_INDENT(2));
	resp->len = strlen(resp->body);
	json_decref(v);
}

static void version(const struct sim_settings *s, struct sim_response *resp)
{
	const char *v = s && s->version ? s->version : "v1.34.1";
	long major = 1, minor = 34;
	char *end, maj[24], min[24], compat[24];

	if (*v == 'v') {
		major = strtol(v + 1, &end, 10);
		minor = *end == '.' ? strtol(end + 1, NULL, 10) : 0;
	}
	snprintf(maj, sizeof(maj), "%ld", major);
	snprintf(min, sizeof(min), "%ld", minor);
	snprintf(compat, sizeof(compat), "%ld", minor > 0 ? minor - 1 : 0);
	set_json(resp,
		 json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
			   "s:s}",
			   "major", maj, "minor", min, "emulationMajor", maj, "emulationMinor", min,
			   "minCompatibilityMajor", maj, "minCompatibilityMinor", compat,
			   "gitVersion", v, "gitCommit", "0000000000000000000000000000000000000000",
			   "gitTreeState", "clean", "buildDate", "2025-01-01T00:00:00Z",
			   "goVersion", "go1.24.6", "compiler", "gc", "platform", "linux/amd64"));
}

static void root_paths(struct sim_response *resp)
{
	set_json(resp, json_pack("{s:[s,s,s,s,s,s,s,s]}", "paths", "/api", "/api/v1", "/apis",
				 "/healthz", "/livez", "/openapi/v3", "/readyz", "/version"));
}

void sim_route(const struct sim_router *r, const struct sim_request *req, struct sim_response *resp)
{
	const char *p = req->path;

	memset(resp, 0, sizeof(*resp));
	if (path_is(p, "/healthz") || path_is(p, "/readyz") || path_is(p, "/livez"))
		set_text(resp, 200, "text/plain; charset=utf-8", "ok");
	else if (strcmp(p, "/version") == 0 || strcmp(p, "/version/") == 0)
		version(r->settings, resp);
	else if (strcmp(p, "/") == 0)
		root_paths(resp);
	else if (path_is(p, "/openapi/v3"))
		sim_openapi_handle(r->openapi, r->api, p, resp);
	else if (sim_proxy_is_proxy_path(p))
		sim_proxy_handle_query(r->api, r->settings, req->method, p, req->query, resp);
	else if (path_is(p, "/api") || path_is(p, "/apis"))
		sim_api_handle(r->api, req, resp);
	else
		set_text(resp, 404, "text/plain; charset=utf-8", "404 page not found\n");
	if (resp->status == 0)
		resp->status = 200;
	if (!resp->body && !resp->watch) {
		resp->body = xstrdup("");
		resp->len = 0;
	}
}

/* ---- streaming bodies ---- */

static bool client_gone(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLRDHUP};

	if (fd < 0)
		return false;
	return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
}

static bool past(const struct timespec *t)
{
	struct timespec now;

	if (t->tv_sec == 0)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

static ssize_t copy_out(struct stream *st, char *buf, size_t max, size_t end)
{
	size_t n = end - st->off < max ? end - st->off : max;

	memcpy(buf, st->data + st->off, n);
	st->off += n;
	st->bytes += n;
	return (ssize_t)n;
}

static ssize_t watch_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *st = cls;

	(void)pos;
	for (;;) {
		char *line = NULL;
		size_t len = 0;
		int rc;

		if (st->off < st->len)
			return copy_out(st, buf, max, st->len);
		safefree(st->data);
		st->len = st->off = 0;
		if (atomic_load(&st->srv->stopping) || past(&st->cut_at) || client_gone(st->fd))
			return MHD_CONTENT_READER_END_WITH_ERROR;
		rc = sim_watch_next(st->watch, &line, &len, 500);
		if (rc < 0)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (rc > 0) {
			st->data = line;
			st->len = len;
		}
	}
}

static ssize_t body_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *st = cls;

	if (pos == 0 && st->slow_ms > 0 && stopping_sleep(st->srv, st->slow_ms))
		return MHD_CONTENT_READER_END_WITH_ERROR;
	st->off = (size_t)pos;
	if (st->off >= st->limit)
		return st->limit < st->len ? MHD_CONTENT_READER_END_WITH_ERROR
					   : MHD_CONTENT_READER_END_OF_STREAM;
	return copy_out(st, buf, max, st->limit);
}

static void stream_free(void *cls)
{
	struct stream *st = cls;

	if (st->watch) {
		sim_watch_free(st->watch);
		sim_accesslog_write(&st->srv->log, st->method, st->uri, st->status, st->bytes,
				    ms_since(&st->start));
	}
	free(st->data);
	free(st->method);
	free(st->uri);
	free(st);
}

/* ---- the request cycle ---- */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct req_ctx *rc = xcalloc(1, sizeof(*rc));

	(void)cls;
	(void)c;
	rc->uri = xstrdup(uri ? uri : "");
	clock_gettime(CLOCK_MONOTONIC, &rc->start);
	buf_init(&rc->body);
	return rc;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct sim_server *srv = cls;
	struct req_ctx *rc = *con_cls;

	(void)c;
	(void)toe;
	if (!rc)
		return;
	if (!rc->streaming)
		sim_accesslog_write(&srv->log, rc->method, rc->uri, rc->status, rc->bytes,
				    ms_since(&rc->start));
	buf_release(&rc->body);
	free(rc->uri);
	free(rc->method);
	free(rc);
	*con_cls = NULL;
}

static int identify(struct sim_server *srv, struct MHD_Connection *c, struct sim_who *who)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	const char *authz = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	const unsigned char *der[8];
	size_t lens[8], n = 0;

	if (ci && ci->tls_session) {
		unsigned int count = 0;
		const gnutls_datum_t *peers =
		    gnutls_certificate_get_peers((gnutls_session_t)ci->tls_session, &count);

		for (unsigned int i = 0; peers && i < count && n < 8; i++, n++) {
			der[n] = peers[i].data;
			lens[n] = peers[i].size;
		}
	}
	return sim_auth_identify(srv->tls, srv->settings, der, lens, n, authz, who);
}

/* Adds details.retryAfterSeconds to a 429 Status, as the real server does. */
static void throttle(struct sim_response *resp, int retry_after)
{
	json_t *st, *details;

	sim_status_error(resp, 429, "TooManyRequests", NULL, NULL, NULL,
			 "Too many requests, please try again later.");
	st = json_loadb(resp->body, resp->len, 0, NULL);
	if (!st)
		return;
	details = json_object_get(st, "details");
	if (!json_is_object(details)) {
		details = json_object();
		json_object_set_new(st, "details", details);
	}
	json_object_set_new(details, "retryAfterSeconds", json_integer(retry_after));
	free(resp->body);
	resp->body = json_dumps(st, JSON_COMPACT);
	resp->len = strlen(resp->body);
	json_decref(st);
}

/* Answers rc's request into resp; returns false when the connection is to be dropped. */
static bool answer(struct sim_server *srv, struct MHD_Connection *c, struct req_ctx *rc,
		   struct sim_response *resp, struct sim_fault_plan *plan)
{
	struct sim_request req = {0};
	struct sim_who who = {0};
	char *path = NULL;
	json_t *query = NULL;
	bool keep = true;

	memset(plan, 0, sizeof(*plan));
	if (srv->settings->latency_ms > 0)
		stopping_sleep(srv, srv->settings->latency_ms);
	if (sim_url_split(rc->uri, &path, &query) < 0) {
		sim_status_error(resp, 400, "BadRequest", NULL, NULL, NULL,
				 "invalid request URI encoding");
		return true;
	}
	/* as upstream: authentication first, then the body's size */
	if (!sim_route_is_public(path) && identify(srv, c, &who) < 0) {
		sim_status_error(resp, 401, "Unauthorized", NULL, NULL, NULL, "Unauthorized");
	} else if (rc->too_large) {
		sim_status_error(resp, 413, "RequestEntityTooLarge", NULL, NULL, NULL,
				 "Request entity too large: limit is %u", SIM_MAX_BODY);
	} else {
		sim_faults_plan(&srv->faults, path, plan);
		if (plan->kind == SIM_FAULT_DROP) {
			keep = false;
		} else if (plan->kind == SIM_FAULT_ERROR) {
			sim_status_error(resp, 500, "InternalError", NULL, NULL, NULL,
					 "Internal error occurred: injected fault");
		} else if (plan->kind == SIM_FAULT_THROTTLE) {
			throttle(resp, srv->settings->faults.retry_after_s);
		} else {
			req.method = rc->method;
			req.path = path;
			req.query = query;
			req.content_type =
			    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
			req.accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
			req.body = rc->body.data;
			req.body_len = rc->body.len;
			req.who = &who.id;
			sim_route(&srv->router, &req, resp);
		}
	}
	sim_who_release(&who);
	json_decref(query);
	free(path);
	return keep;
}

static struct stream *new_stream(struct sim_server *srv, struct req_ctx *rc)
{
	struct stream *st = xcalloc(1, sizeof(*st));

	st->srv = srv;
	st->fd = -1;
	st->method = xstrdup(rc->method ? rc->method : "");
	st->uri = xstrdup(rc->uri);
	st->start = rc->start;
	return st;
}

static struct MHD_Response *make_watch(struct sim_server *srv, struct MHD_Connection *c,
				       struct req_ctx *rc, struct sim_response *resp,
				       const struct sim_fault_plan *plan)
{
	struct stream *st = new_stream(srv, rc);
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

	st->watch = resp->watch;
	resp->watch = NULL;
	st->status = resp->status;
	st->fd = ci ? ci->connect_fd : -1;
	st->data = resp->body; /* anything sent before the events */
	st->len = resp->len;
	resp->body = NULL;
	if (plan->watch_cut_ms > 0) {
		clock_gettime(CLOCK_MONOTONIC, &st->cut_at);
		st->cut_at.tv_sec += plan->watch_cut_ms / 1000;
		st->cut_at.tv_nsec += (plan->watch_cut_ms % 1000) * 1000000L;
		if (st->cut_at.tv_nsec >= 1000000000L) {
			st->cut_at.tv_sec++;
			st->cut_at.tv_nsec -= 1000000000L;
		}
	}
	rc->streaming = true;
	return MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, watch_read, st,
						 stream_free);
}

static struct MHD_Response *make_response(struct sim_server *srv, struct MHD_Connection *c,
					  struct req_ctx *rc, struct sim_response *resp,
					  const struct sim_fault_plan *plan)
{
	struct MHD_Response *r;

	rc->status = resp->status;
	if (resp->watch)
		return make_watch(srv, c, rc, resp, plan);
	rc->bytes = resp->len;
	if (plan->kind == SIM_FAULT_TRUNCATE || plan->slow_ms > 0) {
		struct stream *st = new_stream(srv, rc);

		st->data = resp->body;
		st->len = resp->len;
		st->limit = plan->kind == SIM_FAULT_TRUNCATE ? resp->len / 2 : resp->len;
		st->slow_ms = plan->slow_ms;
		resp->body = NULL;
		rc->bytes = st->limit;
		return MHD_create_response_from_callback(st->len, 16384, body_read, st,
							 stream_free);
	}
	r = MHD_create_response_from_buffer(resp->len, resp->body, MHD_RESPMEM_MUST_FREE);
	if (r)
		resp->body = NULL;
	return r;
}

static enum MHD_Result respond(struct sim_server *srv, struct MHD_Connection *c, struct req_ctx *rc)
{
	struct sim_response resp = {0};
	struct sim_fault_plan plan;
	struct MHD_Response *r;
	enum MHD_Result ok;
	char num[24];

	if (!answer(srv, c, rc, &resp, &plan)) {
		sim_response_release(&resp);
		return MHD_NO;
	}
	r = make_response(srv, c, rc, &resp, &plan);
	if (!r) {
		sim_response_release(&resp);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				resp.content_type ? resp.content_type : "application/json");
	MHD_add_response_header(r, "Cache-Control", "no-cache, private");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (resp.status == 429) {
		snprintf(num, sizeof(num), "%d", srv->settings->faults.retry_after_s);
		MHD_add_response_header(r, "Retry-After", num);
	}
	ok = MHD_queue_response(c, (unsigned int)resp.status, r);
	MHD_destroy_response(r);
	sim_response_release(&resp);
	return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct sim_server *srv = cls;
	struct req_ctx *rc = *con_cls;

	(void)version;
	if (!rc)
		*con_cls = rc = on_uri(NULL, url, c);
	if (!rc->started) {
		const char *cl =
		    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

		rc->started = true;
		rc->method = xstrdup(method);
		/* refuse a body announced too large without reading it */
		if (cl && strtoull(cl, NULL, 10) > SIM_MAX_BODY) {
			rc->too_large = true;
			return respond(srv, c, rc);
		}
		return MHD_YES;
	}
	if (*upload_size) {
		if (rc->too_large || rc->body.len + *upload_size > SIM_MAX_BODY) {
			rc->too_large = true;
			buf_reset(&rc->body);
		} else {
			buf_add(&rc->body, upload, *upload_size);
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (rc->status) /* answered early */
		return MHD_YES;
	return respond(srv, c, rc);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	log_debug("http: %s", msg);
}

struct sim_server *sim_server_start(const struct sim_server_config *cfg, char **cause)
{
	struct sim_server *srv = xcalloc(1, sizeof(*srv));
	struct sockaddr_in sin = {0};
	const union MHD_DaemonInfo *info;

	srv->router.api = cfg->api;
	srv->router.settings = cfg->settings;
	srv->router.openapi = cfg->openapi;
	srv->settings = cfg->settings;
	srv->tls = cfg->tls;
	atomic_init(&srv->stopping, false);
	if (sim_accesslog_open(&srv->log, cfg->log_path, cause) < 0) {
		free(srv);
		return NULL;
	}
	sim_faults_init(&srv->faults, &cfg->settings->faults, cfg->settings->seed);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)cfg->port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv->d = MHD_start_daemon(
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
		MHD_USE_TLS | MHD_USE_ITC | MHD_USE_ERROR_LOG,
	    0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
	    MHD_OPTION_HTTPS_MEM_KEY, cfg->tls->server_key_pem, MHD_OPTION_HTTPS_MEM_CERT,
	    cfg->tls->server_cert_pem, MHD_OPTION_HTTPS_MEM_TRUST, cfg->tls->client_ca_pem,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
	    srv, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)300,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024), MHD_OPTION_EXTERNAL_LOGGER,
	    mhd_log, NULL, MHD_OPTION_END);
	if (!srv->d) {
		*cause = xasprintf("cannot listen on 127.0.0.1:%d (port taken or TLS setup failed)",
				   cfg->port);
		sim_faults_release(&srv->faults);
		sim_accesslog_close(&srv->log);
		free(srv);
		return NULL;
	}
	info = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info ? info->port : cfg->port;
	return srv;
}

int sim_server_port(const struct sim_server *srv)
{
	return srv->port;
}

void sim_server_stop(struct sim_server *srv)
{
	if (!srv)
		return;
	atomic_store(&srv->stopping, true);
	MHD_stop_daemon(srv->d);
	sim_faults_release(&srv->faults);
	sim_accesslog_close(&srv->log);
	free(srv);
}
