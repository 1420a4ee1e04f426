/* server.c: a small, bounded HTTP/1.1 server for the serving probes: one detached thread
 * per connection (at most SERVER_MAX_CONNS), keep-alive, Content-Length bodies, timeouts
 * on every read and write, and a stop through an eventfd or a signalfd. */
#include "probe/server.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/xmalloc.h"

#define SERVER_MAX_CONNS 256
#define SERVER_MAX_HEAD 16384
#define SERVER_MAX_HEADERS 100
#define SERVER_MAX_BODY (1 << 20)
#define SERVER_IDLE_MS 30000
#define SERVER_IO_MS 10000
#define SERVER_STACK (512 * 1024)

struct server_conn {
	struct probe_server *s;
	int fd;
};

const char *probe_http_header(const struct probe_http_request *req, const char *name)
{
	for (size_t i = 0; i < req->nheaders; i++)
		if (strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	return NULL;
}

static void server_request_release(struct probe_http_request *r)
{
	free(r->method);
	free(r->target);
	free(r->path);
	for (size_t i = 0; i < r->nheaders; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	free(r->body);
	memset(r, 0, sizeof *r);
}

static const char *server_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 202:
		return "Accepted";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 413:
		return "Payload Too Large";
	case 431:
		return "Request Header Fields Too Large";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	default:
		return status < 400 ? "OK" : "Error";
	}
}

static bool server_stopping(const struct probe_server *s)
{
	struct pollfd p = {.fd = s->stop_fd, .events = POLLIN};
	return poll(&p, 1, 0) > 0;
}

/* Waits until fd is ready for events; 1 ready, 0 timeout or stop (when stop_counts),
 * -1 error. */
static int server_wait(const struct probe_server *s, int fd, short events, int ms, bool stop_counts)
{
	struct pollfd p[2] = {{.fd = fd, .events = events}, {.fd = s->stop_fd, .events = POLLIN}};
	for (;;) {
		int n = poll(p, stop_counts ? 2 : 1, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0 || (stop_counts && (p[1].revents & POLLIN)))
			return 0;
		return 1;
	}
}

static int server_send_all(const struct probe_server *s, int fd, const char *data, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = send(fd, data + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    server_wait(s, fd, POLLOUT, SERVER_IO_MS, false) == 1)
			continue;
		return -1;
	}
	return 0;
}

static int server_respond(const struct probe_server *s, int fd, const char *method,
			  const struct probe_http_response *r, bool keep_alive)
{
	struct buf out = BUF_INIT;
	buf_addf(&out,
		 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		 "Connection: %s\r\n%s\r\n",
		 r->status, server_reason(r->status),
		 r->content_type ? r->content_type : "text/plain; charset=utf-8", r->body.len,
		 keep_alive ? "keep-alive" : "close", r->headers.data ? r->headers.data : "");
	if (method == NULL || strcmp(method, "HEAD") != 0)
		buf_add(&out, r->body.data ? r->body.data : "", r->body.len);
	int rc = server_send_all(s, fd, out.data, out.len);
	buf_release(&out);
	return rc;
}

static int server_error(const struct probe_server *s, int fd, int status, const char *msg)
{
	struct probe_http_response r = {.status = status, .body = BUF_INIT};
	buf_addf(&r.body, "%s\n", msg);
	int rc = server_respond(s, fd, NULL, &r, false);
	buf_release(&r.body);
	return rc;
}

/* End of the request head (after its blank line) in data[0..len), searching from from;
 * 0 when not complete yet. */
static size_t server_head_end(const char *data, size_t len, size_t from)
{
	for (size_t i = from; i < len; i++) {
		if (data[i] != '\n')
			continue;
		if (i + 1 < len && data[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && data[i + 1] == '\r' && data[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static bool server_token(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f || strchr("()<>@,;:\\\"/[]?={}", c) != NULL)
			return false;
	}
	return true;
}

/* Parses the request line. */
static int server_parse_request_line(const char *l, size_t n, struct probe_http_request *r,
				     bool *http10)
{
	const char *sp1 = memchr(l, ' ', n);
	if (sp1 == NULL || !server_token(l, (size_t)(sp1 - l)))
		return -1;
	const char *t = sp1 + 1;
	const char *sp2 = memchr(t, ' ', n - (size_t)(t - l));
	if (sp2 == NULL || sp2 == t)
		return -1;
	const char *v = sp2 + 1;
	size_t vl = n - (size_t)(v - l);
	if (vl == 8 && memcmp(v, "HTTP/1.1", 8) == 0)
		*http10 = false;
	else if (vl == 8 && memcmp(v, "HTTP/1.0", 8) == 0)
		*http10 = true;
	else
		return -1;
	for (const char *c = t; c < sp2; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f)
			return -1;
	r->method = xstrndup(l, (size_t)(sp1 - l));
	r->target = xstrndup(t, (size_t)(sp2 - t));
	r->path = xstrndup(t, strcspn(r->target, "?#"));
	return 0;
}

static int server_parse_header(const char *l, size_t n, struct probe_http_request *r)
{
	const char *colon = memchr(l, ':', n);
	if (colon == NULL || !server_token(l, (size_t)(colon - l)) ||
	    r->nheaders == SERVER_MAX_HEADERS)
		return -1;
	const char *v = colon + 1, *e = l + n;
	while (v < e && (*v == ' ' || *v == '\t'))
		v++;
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	for (const char *c = v; c < e; c++)
		if (*c == '\0')
			return -1;
	if (r->nheaders % 16 == 0)
		r->headers = xreallocarray(r->headers, r->nheaders + 16, sizeof *r->headers);
	r->headers[r->nheaders].name = xstrndup(l, (size_t)(colon - l));
	r->headers[r->nheaders].value = xstrndup(v, (size_t)(e - v));
	r->nheaders++;
	return 0;
}

/* Parses the head data[0..len) into r. Returns 0 or -1 (malformed). */
static int server_parse_head(const char *data, size_t len, struct probe_http_request *r,
			     bool *http10)
{
	size_t off = 0;
	bool first = true;
	while (off < len) {
		const char *nl = memchr(data + off, '\n', len - off);
		size_t end = nl ? (size_t)(nl - data) : len;
		size_t ll = end - off;
		if (ll > 0 && data[end - 1] == '\r')
			ll--;
		if (ll == 0)
			break;
		const char *l = data + off;
		if (first ? server_parse_request_line(l, ll, r, http10) < 0
			  : (*l == ' ' || *l == '\t' || server_parse_header(l, ll, r) < 0))
			return -1;
		first = false;
		off = end + 1;
	}
	return first ? -1 : 0;
}

static bool server_keep_alive(const struct probe_http_request *r, bool http10)
{
	const char *c = probe_http_header(r, "Connection");
	if (c != NULL && strcasecmp(c, "close") == 0)
		return false;
	if (http10)
		return c != NULL && strcasecmp(c, "keep-alive") == 0;
	return true;
}

/* Reads from fd into in until it holds at least want bytes. 1 done, 0 closed/timeout/stop,
 * -1 error. */
static int server_fill(const struct probe_server *s, int fd, struct buf *in, size_t want,
		       int first_ms)
{
	char chunk[8192];
	while (in->len < want) {
		int w = server_wait(s, fd, POLLIN, in->len == 0 ? first_ms : SERVER_IO_MS,
				    in->len == 0);
		if (w <= 0)
			return w;
		ssize_t n = recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (n <= 0)
			return n == 0 ? 0 : -1;
		buf_add(in, chunk, (size_t)n);
		if (want == SIZE_MAX)
			return 1;
	}
	return 1;
}

/* Serves one request from the bytes in in (reading more as needed). Returns 1 to keep
 * the connection, 0 to close it. */
static int server_one(struct probe_server *s, int fd, struct buf *in)
{
	size_t head = 0, scanned = 0;
	while ((head = server_head_end(in->data, in->len, scanned)) == 0) {
		if (in->len >= SERVER_MAX_HEAD) {
			server_error(s, fd, 431, "request head too large");
			return 0;
		}
		scanned = in->len > 2 ? in->len - 2 : 0;
		if (server_fill(s, fd, in, SIZE_MAX, SERVER_IDLE_MS) <= 0)
			return 0;
	}
	struct probe_http_request req = {0};
	bool http10 = false;
	int keep = 0;
	if (server_parse_head(in->data, head, &req, &http10) < 0) {
		server_error(s, fd, 400, "malformed request");
		goto out;
	}
	if (probe_http_header(&req, "Transfer-Encoding") != NULL) {
		server_error(s, fd, 501, "chunked request bodies are not supported");
		goto out;
	}
	long cl = 0;
	const char *cls = probe_http_header(&req, "Content-Length");
	if (cls != NULL) {
		char *end;
		errno = 0;
		cl = strtol(cls, &end, 10);
		if (*cls < '0' || *cls > '9' || *end != '\0' || errno != 0 || cl < 0) {
			server_error(s, fd, 400, "invalid Content-Length");
			goto out;
		}
		if (cl > SERVER_MAX_BODY) {
			server_error(s, fd, 413, "request body too large");
			goto out;
		}
	}
	if (server_fill(s, fd, in, head + (size_t)cl, SERVER_IO_MS) <= 0)
		goto out;
	req.body = xstrndup(in->data + head, (size_t)cl);
	req.body_len = (size_t)cl;
	struct probe_http_response resp = {.status = 200, .body = BUF_INIT, .headers = BUF_INIT};
	buf_init(&resp.body);
	buf_init(&resp.headers);
	s->handler(&req, &resp, s->ctx);
	bool ka = server_keep_alive(&req, http10) && !server_stopping(s);
	int rc = server_respond(s, fd, req.method, &resp, ka);
	buf_release(&resp.body);
	buf_release(&resp.headers);
	pthread_mutex_lock(&s->lock);
	s->requests++;
	pthread_mutex_unlock(&s->lock);
	size_t used = head + (size_t)cl;
	memmove(in->data, in->data + used, in->len - used);
	in->len -= used;
	in->data[in->len] = '\0';
	keep = rc == 0 && ka;
out:
	server_request_release(&req);
	return keep;
}

static void *server_conn_main(void *arg)
{
	struct server_conn *c = arg;
	struct probe_server *s = c->s;
	struct buf in = BUF_INIT;
	buf_init(&in);
	while (server_one(s, c->fd, &in) == 1) {
	}
	buf_release(&in);
	close(c->fd);
	free(c);
	pthread_mutex_lock(&s->lock);
	if (--s->active == 0)
		pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static int server_bind(const char *addr, int port, char **cause)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	char ps[24];
	snprintf(ps, sizeof ps, "%d", port);
	struct addrinfo *res = NULL;
	int e = getaddrinfo(addr, ps, &hints, &res);
	if (e != 0) {
		*cause = xasprintf("cannot resolve \"%s\": %s", addr ? addr : "*", gai_strerror(e));
		return -1;
	}
	int fd = -1, err = 0;
	for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		if (addr == NULL && ai->ai_family != AF_INET6 && ai->ai_next != NULL)
			continue; /* prefer the dual-stack IPv6 wildcard */
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		int one = 1, zero = 0;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (ai->ai_family == AF_INET6 && addr == NULL)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 128) < 0) {
			err = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0 && addr == NULL)
		return server_bind("0.0.0.0", port, cause);
	if (fd < 0)
		*cause =
		    xasprintf("cannot listen on \"%s\" port %d: %s", addr, port, strerror(err));
	return fd;
}

int probe_server_open(struct probe_server *s, const char *bind_addr, int port,
		      probe_http_handler handler, void *ctx, char **cause)
{
	memset(s, 0, sizeof *s);
	s->listen_fd = s->stop_fd = -1;
	s->handler = handler;
	s->ctx = ctx;
	s->listen_fd = server_bind(bind_addr, port, cause);
	if (s->listen_fd < 0)
		return -1;
	s->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->stop_fd < 0) {
		*cause = xasprintf("cannot create an eventfd: %s", strerror(errno));
		close(s->listen_fd);
		s->listen_fd = -1;
		return -1;
	}
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
		struct sockaddr_storage ss;
	} a = {.ss = {0}};
	socklen_t sl = sizeof a;
	if (getsockname(s->listen_fd, &a.sa, &sl) < 0) {
		*cause = xasprintf("cannot read the listening address: %s", strerror(errno));
		close(s->stop_fd);
		close(s->listen_fd);
		s->listen_fd = s->stop_fd = -1;
		return -1;
	}
	s->port = ntohs(a.sa.sa_family == AF_INET6 ? a.in6.sin6_port : a.in.sin_port);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->idle, NULL);
	return 0;
}

static void server_accept(struct probe_server *s, pthread_attr_t *attr)
{
	int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE)
			poll(NULL, 0, 100); /* let connections finish */
		return;
	}
	pthread_mutex_lock(&s->lock);
	bool full = s->active >= SERVER_MAX_CONNS;
	if (!full)
		s->active++;
	pthread_mutex_unlock(&s->lock);
	if (full) {
		close(fd);
		return;
	}
	struct server_conn *c = xmalloc(sizeof *c);
	c->s = s;
	c->fd = fd;
	pthread_t t;
	if (pthread_create(&t, attr, server_conn_main, c) != 0) {
		close(fd);
		free(c);
		pthread_mutex_lock(&s->lock);
		if (--s->active == 0)
			pthread_cond_broadcast(&s->idle);
		pthread_mutex_unlock(&s->lock);
	}
}

int probe_server_run(struct probe_server *s, bool signals, char **cause)
{
	sigset_t set, old;
	int sfd = -1;
	if (signals) {
		sigemptyset(&set);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGINT);
		pthread_sigmask(SIG_BLOCK, &set, &old);
		sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
		if (sfd < 0) {
			*cause = xasprintf("cannot create a signalfd: %s", strerror(errno));
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			return -1;
		}
	}
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, SERVER_STACK);
	struct pollfd p[3] = {{.fd = s->listen_fd, .events = POLLIN},
			      {.fd = s->stop_fd, .events = POLLIN},
			      {.fd = sfd, .events = POLLIN}};
	int rc = 0;
	for (;;) {
		int n = poll(p, signals ? 3 : 2, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*cause = xasprintf("poll: %s", strerror(errno));
			rc = -1;
			break;
		}
		if (p[1].revents & POLLIN)
			break;
		if (signals && (p[2].revents & POLLIN)) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof si) > 0)
				break;
		}
		if (p[0].revents & POLLIN)
			server_accept(s, &attr);
	}
	probe_server_stop(s);
	close(s->listen_fd);
	s->listen_fd = -1;
	pthread_mutex_lock(&s->lock);
	while (s->active > 0)
		pthread_cond_wait(&s->idle, &s->lock);
	pthread_mutex_unlock(&s->lock);
	pthread_attr_destroy(&attr);
	if (signals) {
		close(sfd);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	return rc;
}

void probe_server_stop(struct probe_server *s)
{
	uint64_t one = 1;
	ssize_t n = write(s->stop_fd, &one, sizeof one);
	(void)n;
}

unsigned long probe_server_requests(struct probe_server *s)
{
	pthread_mutex_lock(&s->lock);
	unsigned long n = s->requests;
	pthread_mutex_unlock(&s->lock);
	return n;
}

void probe_server_close(struct probe_server *s)
{
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->stop_fd >= 0) {
		close(s->stop_fd);
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->idle);
	}
	s->listen_fd = s->stop_fd = -1;
}
