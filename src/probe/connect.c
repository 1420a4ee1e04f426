/* connect.c: `kaic probe connect`: a TCP connection attempt with a deadline, for
 * network-policy tests. With --within DURATION it repeats the attempt every 0.5 s until
 * the outcome matches --expect or DURATION has passed: a policy engine programs a new
 * pod a moment after its container starts, and until then the pod is unprotected.
 * Result: {"host", "port", "address", "connected", "error", "reason" (refused,
 * timeout, unreachable, resolve, other), "elapsed_ms", "expect", "attempts",
 * "first_connected"}, of the last attempt but the last two. Exit 0 when the outcome
 * matches --expect (open by default), 1 when it does not or the host cannot be
 * resolved. */
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
#define CONNECT_RETRY_S 0.5 /* between attempts under --within */

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

struct connect_args {
	const char *host;
	long port;
	double timeout; /* of one attempt */
	double within;	/* retry until the outcome matches --expect, up to this long */
	bool expect_open;
};

static int connect_parse(int argc, char **argv, struct connect_args *a)
{
	const char *port_s = NULL, *timeout_s = "3s", *expect = "open", *within_s = NULL;
	for (int i = 1; i < argc; i++) {
		const char *v;
		int m;
		if ((m = probe_opt(argc, argv, &i, "host", &v)) > 0)
			a->host = v;
		else if (m == 0 && (m = probe_opt(argc, argv, &i, "port", &v)) > 0)
			port_s = v;
		else if (m == 0 && (m = probe_opt(argc, argv, &i, "timeout", &v)) > 0)
			timeout_s = v;
		else if (m == 0 && (m = probe_opt(argc, argv, &i, "expect", &v)) > 0)
			expect = v;
		else if (m == 0 && (m = probe_opt(argc, argv, &i, "within", &v)) > 0)
			within_s = v;
		else if (m == 0)
			return probe_usage_error(CONNECT_NAME, "unknown argument \"%s\"", argv[i]);
		if (m < 0)
			return probe_usage_error(CONNECT_NAME, "%s needs a value", argv[i]);
	}
	if (a->host == NULL || *a->host == '\0')
		return probe_usage_error(CONNECT_NAME, "--host is required");
	if (port_s == NULL)
		return probe_usage_error(CONNECT_NAME, "--port is required");
	if (probe_parse_long(port_s, 1, 65535, &a->port) < 0)
		return probe_usage_error(CONNECT_NAME, "invalid port \"%s\"", port_s);
	if (probe_parse_duration(timeout_s, &a->timeout) < 0)
		return probe_usage_error(CONNECT_NAME, "invalid duration \"%s\"", timeout_s);
	if (within_s && probe_parse_duration(within_s, &a->within) < 0)
		return probe_usage_error(CONNECT_NAME, "invalid duration \"%s\"", within_s);
	if (strcmp(expect, "open") != 0 && strcmp(expect, "closed") != 0)
		return probe_usage_error(CONNECT_NAME, "invalid --expect \"%s\" (open or closed)",
					 expect);
	a->expect_open = strcmp(expect, "open") == 0;
	return 0;
}

/* One attempt: resolve, then connect to each address until one answers. Returns
 * whether the host resolved; *error and *reason describe a failure (*error is freed
 * first, caller frees). */
static bool connect_attempt(const struct connect_args *a, struct connect_outcome *o, char **error,
			    const char **reason)
{
	double deadline = now_s() + a->timeout;
	char ps[24];
	snprintf(ps, sizeof ps, "%ld", a->port);
	struct addrinfo hints = {
	    .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	memset(o, 0, sizeof *o);
	free(*error);
	*error = NULL;
	*reason = NULL;
	int gai = getaddrinfo(a->host, ps, &hints, &res);
	if (gai != 0) {
		*error = xasprintf("cannot resolve \"%s\": %s", a->host, gai_strerror(gai));
		*reason = "resolve";
		return false;
	}
	for (struct addrinfo *ai = res; ai != NULL && !o->connected; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if (now_s() >= deadline) {
			o->err = ETIMEDOUT;
			break;
		}
		connect_try(ai, deadline, o);
	}
	freeaddrinfo(res);
	if (!o->connected) {
		if (o->err == 0)
			o->err = EADDRNOTAVAIL;
		*reason = connect_reason(o->err);
		*error = o->err == ETIMEDOUT ? xasprintf("no connection within %gs", a->timeout)
					     : xstrdup(strerror(o->err));
	}
	return true;
}

int probe_connect_run(int argc, char **argv)
{
	struct connect_args a = {0};
	int rc = connect_parse(argc, argv, &a);
	if (rc != 0)
		return rc;
	double t0 = now_s();
	struct connect_outcome o = {0};
	char *error = NULL;
	const char *reason = NULL;
	bool resolved = false, first = false;
	int attempts = 0;
	for (;;) {
		resolved = connect_attempt(&a, &o, &error, &reason);
		if (attempts++ == 0)
			first = o.connected;
		if ((resolved && o.connected == a.expect_open) ||
		    now_s() + CONNECT_RETRY_S > t0 + a.within)
			break;
		poll(NULL, 0, (int)(CONNECT_RETRY_S * 1000));
	}
	json_t *j = json_object();
	json_object_set_new(j, "host", probe_json_string(a.host));
	json_object_set_new(j, "port", json_integer(a.port));
	json_object_set_new(j, "address", o.address[0] ? json_string(o.address) : json_null());
	json_object_set_new(j, "connected", json_boolean(o.connected));
	json_object_set_new(j, "error", probe_json_string(error));
	json_object_set_new(j, "reason", reason ? json_string(reason) : json_null());
	json_object_set_new(j, "elapsed_ms", json_integer((json_int_t)((now_s() - t0) * 1000)));
	json_object_set_new(j, "expect", json_string(a.expect_open ? "open" : "closed"));
	json_object_set_new(j, "attempts", json_integer(attempts));
	json_object_set_new(j, "first_connected", json_boolean(first));
	free(error);
	bool ok = resolved && o.connected == a.expect_open;
	return probe_emit(CONNECT_NAME, j, ok ? PROBE_EXIT_OK : PROBE_EXIT_FAILED);
}
