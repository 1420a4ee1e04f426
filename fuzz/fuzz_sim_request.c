/* fuzz_sim_request.c: fuzzes kaic-sim's request path: URL splitting, routing and the REST
 * layer, with an admin identity over a small in-memory scenario.
 *
 * Input: "METHOD\nURL\nCONTENT-TYPE\nBODY…" (missing lines are empty). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "objects/admin.h"
#include "rest/watch.h"
#include "runtime.h"
#include "scenario/scenario.h"
#include "server/auth.h"
#include "server/openapi.h"
#include "server/server.h"
#include "sim.h"
#include "util/xmalloc.h"

/* libFuzzer keeps one process: the scenario is built once, then renewed every so often
 * so that created objects do not pile up. */
struct fuzz_world {
	struct sim_settings settings;
	struct sim_api *api;
	struct sim_openapi *openapi;
	struct sim_who admin;
	unsigned long runs;
};

static const char *const seed_objects[] = {
    "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"team-a\"}}",
    "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"node-a\","
    "\"labels\":{\"gpu\":\"true\"}}}",
    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"namespace\":"
    "\"team-a\",\"labels\":{\"app\":\"x\"}},\"spec\":{\"nodeName\":\"node-a\","
    "\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}",
    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm\","
    "\"namespace\":\"team-a\"},\"data\":{\"k\":\"v\"}}",
    "{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\","
    "\"metadata\":{\"name\":\"widgets.example.com\"},\"spec\":{\"group\":\"example.com\","
    "\"scope\":\"Namespaced\",\"names\":{\"plural\":\"widgets\",\"singular\":\"widget\","
    "\"kind\":\"Widget\",\"listKind\":\"WidgetList\"},\"versions\":[{\"name\":\"v1\","
    "\"served\":true,\"storage\":true,\"schema\":{\"openAPIV3Schema\":{\"type\":\"object\","
    "\"x-kubernetes-preserve-unknown-fields\":true}}}]}}",
    "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"w\","
    "\"namespace\":\"team-a\"},\"spec\":{\"size\":1}}",
    NULL};

static void world_build(struct fuzz_world *w)
{
	char *cause = NULL;

	w->api = sim_api_new(&w->settings);
	for (size_t i = 0; seed_objects[i]; i++) {
		json_t *o = json_loads(seed_objects[i], 0, NULL);

		if (!o || sim_api_create(w->api, o, &cause) < 0)
			abort(); /* the harness itself is broken */
	}
}

static struct fuzz_world *world(void)
{
	static struct fuzz_world w;
	char *cause = NULL;

	if (!w.api) {
		sim_settings_defaults(&w.settings);
		w.settings.proxy = xcalloc(1, sizeof(*w.settings.proxy));
		w.settings.proxy[0] = (struct sim_proxy_answer){
		    xstrdup("/api/v1/namespaces/team-a/services/m:9400/proxy/metrics"),
		    xstrdup("up 1\n"), 5, xstrdup("text/plain"), 200};
		w.settings.nproxy = 1;
		w.openapi = sim_openapi_load(NULL, &cause);
		sim_auth_admin(&w.admin);
		world_build(&w);
	} else if (++w.runs % 2000 == 0) {
		sim_api_free(w.api);
		world_build(&w);
	}
	return &w;
}

/* Next '\n'-terminated field of data[*off..size) as a new string. */
static char *field(const uint8_t *data, size_t size, size_t *off)
{
	size_t start = *off, end = start;

	while (end < size && data[end] != '\n')
		end++;
	*off = end < size ? end + 1 : end;
	return xstrndup((const char *)data + start, end - start);
}

static void drain(struct sim_watch *w)
{
	for (int i = 0; i < 4; i++) {
		char *line = NULL;
		size_t len = 0;
		int rc = sim_watch_next(w, &line, &len, 0);

		free(line);
		if (rc < 0)
			break;
	}
	sim_watch_free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_world *w = world();
	struct sim_router r = {w->api, &w->settings, w->openapi};
	struct sim_request req = {0};
	struct sim_response resp = {0};
	size_t off = 0;
	char *method = field(data, size, &off);
	char *url = field(data, size, &off);
	char *ctype = field(data, size, &off);
	char *path = NULL;
	json_t *query = NULL;

	/* URLs are C strings on the wire: an embedded NUL ends them, as in the server */
	if (sim_url_split(url, &path, &query) == 0) {
		req.method = method;
		req.path = path;
		req.query = query;
		req.content_type = *ctype ? ctype : NULL;
		req.accept = NULL;
		req.body = (const char *)data + off;
		req.body_len = size - off;
		req.who = &w->admin.id;
		sim_route(&r, &req, &resp);
		if (resp.watch) {
			drain(resp.watch);
			resp.watch = NULL;
		}
		if (resp.status < 100 || resp.status > 599 || (!resp.body && resp.len))
			abort();
		sim_response_release(&resp);
	}
	json_decref(query);
	free(path);
	free(method);
	free(url);
	free(ctype);
	return 0;
}
