/* server.h: kaic-sim's HTTPS front end: request routing (non-API paths, proxy,
 * OpenAPI, then the API dispatcher) and the libmicrohttpd server that authenticates,
 * injects faults, logs and streams watches. */
#ifndef KAIC_SIM_SERVER_SERVER_H
#define KAIC_SIM_SERVER_SERVER_H

#include <jansson.h>
#include <stdbool.h>

#include "server/openapi.h"
#include "server/tls.h"
#include "sim.h"

struct sim_router {
	struct sim_api *api;
	const struct sim_settings *settings;
	const struct sim_openapi *openapi;
};

/* Paths answered without authentication: /healthz, /readyz, /livez (and below), /version. */
bool sim_route_is_public(const char *path);
/* Splits a raw request target into its decoded path and a query object (name -> decoded
 * value, last one wins). Returns 0, or -1 when the encoding is invalid (NUL bytes,
 * invalid UTF-8); *path and *query are then NULL. */
int sim_url_split(const char *raw, char **path, json_t **query);
/* Answers one authenticated request (req->path decoded, req->query parsed): non-API
 * paths, proxy, OpenAPI, then sim_api_handle for /api and /apis. Never fails. */
void sim_route(const struct sim_router *r, const struct sim_request *req,
	       struct sim_response *resp);

struct sim_server;

struct sim_server_config {
	struct sim_api *api;
	const struct sim_settings *settings;
	const struct sim_tls *tls;
	const struct sim_openapi *openapi;
	const char *log_path; /* access log or NULL */
	int port;	      /* 0: any free port */
};

/* Starts serving HTTPS on 127.0.0.1. Returns the server, or NULL with *cause. */
struct sim_server *sim_server_start(const struct sim_server_config *cfg, char **cause);
/* The port actually bound. */
int sim_server_port(const struct sim_server *srv);
/* Stops accepting, ends open streams, waits for connection threads, frees srv. */
void sim_server_stop(struct sim_server *srv);

#endif
