/* server.h: the small HTTP/1.1 server behind `kaic probe echo` and `kaic probe metrics`:
 * plain sockets, one thread per connection (bounded), keep-alive, and a clean stop on
 * SIGTERM/SIGINT or on request. Bodies of requests are read and handed to the handler. */
#ifndef KAIC_PROBE_SERVER_H
#define KAIC_PROBE_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

struct probe_http_header {
	char *name; /* as sent */
	char *value;
};

struct probe_http_request {
	char *method;
	char *target; /* as sent, e.g. "/a?b=c" */
	char *path;   /* target without the query */
	struct probe_http_header *headers;
	size_t nheaders;
	char *body;
	size_t body_len;
};

struct probe_http_response {
	int status;
	const char *content_type; /* static string */
	struct buf body;
	struct buf headers; /* extra header lines, each "Name: value\r\n" (may stay empty) */
};

/* Fills resp (status defaults to 200, body empty) for req. Called from connection
 * threads at once: must be thread-safe. */
typedef void (*probe_http_handler)(const struct probe_http_request *req,
				   struct probe_http_response *resp, void *ctx);

struct probe_server {
	int listen_fd;
	int stop_fd; /* eventfd: readable once a stop was asked for */
	int port;    /* the bound port */
	probe_http_handler handler;
	void *ctx;
	pthread_mutex_t lock;
	pthread_cond_t idle;
	int active; /* connection threads running */
	unsigned long requests;
};

/* The value of header name (case-insensitive) in req, or NULL. */
const char *probe_http_header(const struct probe_http_request *req, const char *name);

/* Binds and listens on bind_addr:port (bind_addr NULL: every address, IPv6 and IPv4;
 * port 0: any free port, see s->port). Returns 0, or -1 with *cause (caller frees). */
int probe_server_open(struct probe_server *s, const char *bind_addr, int port,
		      probe_http_handler handler, void *ctx, char **cause);
/* Serves until probe_server_stop() or, when signals is true, SIGTERM or SIGINT (blocked
 * in the calling thread and taken through a signalfd, so call it before other threads
 * exist). Lets open connections finish their current request. Returns 0, or -1 with
 * *cause. */
int probe_server_run(struct probe_server *s, bool signals, char **cause);
/* Asks a running server to stop; async-signal-safe and callable from any thread. */
void probe_server_stop(struct probe_server *s);
/* Requests answered so far. */
unsigned long probe_server_requests(struct probe_server *s);
/* Closes the sockets; s may then be opened again. */
void probe_server_close(struct probe_server *s);

#endif
