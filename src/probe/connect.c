/* connect.c: `kaic probe connect`: one TCP connection attempt with a deadline, for
 * network-policy tests. Result: {"host", "port", "address", "connected", "error",
 * "reason" (refused, timeout, unreachable, resolve, other), "elapsed_ms", "expect"}.
 * Exit 0 when the outcome matches --expect (open by default), 1 when it does not or
 * the host cannot be resolved. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe/common.h"
#include "util/xmalloc.h"
#include "util/clock.h"

#define CONNECT_NAME "connect"

struct connect_outcome {
	bool connected;
	int err; /* errno of the last failure, ETIMEDOUT for the deadline */
	char address[INET6_ADDRSTRLEN];
};

/* Tries one address until deadline (monotonic seconds). */
static void connect_try(const struct addrinfo *ai, double deadline, struct connect_outcome *o)
{
	void *a = ai->ai_family == AF_INET6
		      ? (void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
		      : (void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
	inet_ntop(ai->ai_family, a, o->address, sizeof o->address);
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		o->err = errno;
		return;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
		o->connected = true;
	} else if (errno != EINPROGRESS) {
		o->err = errno;
	} else {
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		for (;;) {
			int ms = (int)((deadline - now_s()) * 1000);
			int n = ms > 0 ? poll(&p, 1, ms) : 0;
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				o->err = n == 0 ? ETIMEDOUT : errno;
				break;
			}
			int soerr = 0;
			socklen_t sl = sizeof soerr;
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
			o->connected = soerr == 0;
			o->err = soerr;
			break;
		}
	}
	close(fd);
}

static const char *connect_reason(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return "refused";
	case ETIMEDOUT:
		return "timeout";
	case ENETUNREACH:
	case EHOSTUNREACH:
		return "unreachable";
	default:
		return "other";
	}
}

static int connect_parse(int argc, char **argv, const char **host, long *port, double *timeout,
			 bool *expect_open)
{
	const char *port_s = NULL, *timeout_s = "3s", *expect = "open";
	for (int i = 1; i < argc; i++) {
		const char *v;
		int m;
		if ((m = probe_opt(argc, argv, &i, "host", &v)) > 0)
			*host = v;
		else if (m == 0 && (m = probe_opt(argc, argv, &i, "port", &v)) > 0)
			port_s = v;
		else if (m == 0 && (m = probe_opt(argc, argv, &i, "timeout", &v)) > 0)
			timeout_s = v;
		else if (m == 0 && (m = probe_opt(argc, argv, &i, "expect", &v)) > 0)
			expect = v;
		else if (m == 0)
			return probe_usage_error(CONNECT_NAME, "unknown argument \"%s\"", argv[i]);
		if (m < 0)
			return probe_usage_error(CONNECT_NAME, "%s needs a value", argv[i]);
	}
	if (*host == NULL || **host == '\0')
		return probe_usage_error(CONNECT_NAME, "--host is required");
	if (port_s == NULL)
		return probe_usage_error(CONNECT_NAME, "--port is required");
	if (probe_parse_long(port_s, 1, 65535, port) < 0)
		return probe_usage_error(CONNECT_NAME, "invalid port \"%s\"", port_s);
	if (probe_parse_duration(timeout_s, timeout) < 0)
		return probe_usage_error(CONNECT_NAME, "invalid duration \"%s\"", timeout_s);
	if (strcmp(expect, "open") != 0 && strcmp(expect, "closed") != 0)
		return probe_usage_error(CONNECT_NAME, "invalid --expect \"%s\" (open or closed)",
					 expect);
	*expect_open = strcmp(expect, "open") == 0;
	return 0;
}

int probe_connect_run(int argc, char **argv)
{
	const char *host = NULL;
	long port = 0;
	double timeout = 0;
	bool expect_open = true;
	int rc = connect_parse(argc, argv, &host, &port, &timeout, &expect_open);
	if (rc != 0)
		return rc;
	double t0 = now_s(), deadline = t0 + timeout;
	char ps[24];
	snprintf(ps, sizeof ps, "%ld", port);
	struct addrinfo hints = {
	    .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	int gai = getaddrinfo(host, ps, &hints, &res);
	struct connect_outcome o = {0};
	char *error = NULL;
	const char *reason = NULL;
	if (gai != 0) {
		error = xasprintf("cannot resolve \"%s\": %s", host, gai_strerror(gai));
		reason = "resolve";
	} else {
		for (struct addrinfo *ai = res; ai != NULL && !o.connected; ai = ai->ai_next) {
			if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
				continue;
			if (now_s() >= deadline) {
				o.err = ETIMEDOUT;
				break;
			}
			connect_try(ai, deadline, &o);
		}
		freeaddrinfo(res);
		if (!o.connected) {
			if (o.err == 0)
				o.err = EADDRNOTAVAIL;
			reason = connect_reason(o.err);
			error = o.err == ETIMEDOUT ? xasprintf("no connection within %gs", timeout)
						   : xstrdup(strerror(o.err));
		}
	}
	json_t *j = json_object();
	json_object_set_new(j, "host", probe_json_string(host));
	json_object_set_new(j, "port", json_integer(port));
	json_object_set_new(j, "address", o.address[0] ? json_string(o.address) : json_null());
	json_object_set_new(j, "connected", json_boolean(o.connected));
	json_object_set_new(j, "error", probe_json_string(error));
	json_object_set_new(j, "reason", reason ? json_string(reason) : json_null());
	json_object_set_new(j, "elapsed_ms", json_integer((json_int_t)((now_s() - t0) * 1000)));
	json_object_set_new(j, "expect", json_string(expect_open ? "open" : "closed"));
	free(error);
	bool ok = gai == 0 && o.connected == expect_open;
	return probe_emit(CONNECT_NAME, j, ok ? PROBE_EXIT_OK : PROBE_EXIT_FAILED);
}
