/* proxy.c: the API server's service and pod proxy (GET
 * /api/v1/namespaces/NS/{services,pods}/NAME[:PORT]/proxy/PATH), answered by the dynamic
 * proxy hooks of the simulated controllers (sim_proxy_hooks), then from the scenario's
 * proxy list; unknown targets get the real server's errors. */

#include "server/proxy.h"

#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "controllers/dcgm.h"
#include "controllers/registry.h"
#include "objects/admin.h"
#include "sim.h"
#include "util/xmalloc.h"

/* Splits path into up to max segments (pointers into copy). Returns the count. */
static size_t segments(char *copy, char **seg, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *s = strtok_r(copy, "/", &save); s && n < max; s = strtok_r(NULL, "/", &save))
		seg[n++] = s;
	return n;
}

/* api / v1 / namespaces / NS / services|pods / NAME / proxy [ / ...] */
static bool parse(const char *path, char **copy, char **seg, size_t *n)
{
	if (strncmp(path, "/api/v1/namespaces/", 19) != 0)
		return false;
	*copy = xstrdup(path);
	*n = segments(*copy, seg, 8);
	if (*n >= 7 && strcmp(seg[0], "api") == 0 && strcmp(seg[1], "v1") == 0 &&
	    strcmp(seg[2], "namespaces") == 0 &&
	    (strcmp(seg[4], "services") == 0 || strcmp(seg[4], "pods") == 0) &&
	    strcmp(seg[6], "proxy") == 0)
		return true;
	safefree(*copy);
	return false;
}

bool sim_proxy_is_proxy_path(const char *path)
{
	char *copy = NULL, *seg[8];
	size_t n;
	bool ok = parse(path, &copy, seg, &n);

	free(copy);
	return ok;
}

/* "scheme:name:port", "name:port" or "name" -> name (as upstream's SplitSchemeNamePort). */
static char *target_name(const char *s)
{
	const char *c1 = strchr(s, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

	if (c2)
		return xstrndup(c1 + 1, (size_t)(c2 - c1 - 1));
	if (c1)
		return xstrndup(s, (size_t)(c1 - s));
	return xstrdup(s);
}

/* A static answer; exporter metrics get the pod attribution of the devices pods hold. */
static void answer(struct sim_api *api, const struct sim_proxy_answer *a, struct sim_response *resp)
{
	resp->status = a->status ? a->status : 200;
	resp->content_type = xstrdup(a->content_type ? a->content_type : "text/plain");
	resp->body = ctl_dcgm_attribute(api, a->body, a->len, &resp->len);
	if (resp->body != NULL)
		return;
	resp->body = xmalloc(a->len + 1);
	memcpy(resp->body, a->body, a->len);
	resp->body[a->len] = '\0';
	resp->len = a->len;
}

void sim_proxy_handle(struct sim_api *api, const struct sim_settings *s, const char *method,
		      const char *path, struct sim_response *resp)
{
	sim_proxy_handle_query(api, s, method, path, NULL, resp);
}

void sim_proxy_handle_query(struct sim_api *api, const struct sim_settings *s, const char *method,
			    const char *path, const json_t *query, struct sim_response *resp)
{
	char *copy = NULL, *seg[8], *name;
	bool service;
	json_t *obj;
	size_t n;

	if (!parse(path, &copy, seg, &n)) {
		sim_status_error(resp, 404, "NotFound", NULL, NULL, NULL,
				 "the server could not find the requested resource");
		return;
	}
	service = strcmp(seg[4], "services") == 0;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		sim_status_error(resp, 405, "MethodNotAllowed", NULL, NULL, NULL,
				 "the server does not allow this method on the requested resource");
		free(copy);
		return;
	}
	for (size_t i = 0; sim_proxy_hooks[i]; i++) {
		if (sim_proxy_hooks[i](api, method, path, query, resp)) {
			free(copy);
			return;
		}
	}
	for (size_t i = 0; s && i < s->nproxy; i++) {
		if (strcmp(s->proxy[i].path, path) == 0) {
			answer(api, &s->proxy[i], resp);
			free(copy);
			return;
		}
	}
	name = target_name(seg[5]);
	obj = sim_api_get(api, "", service ? "services" : "pods", seg[3], name);
	if (!obj)
		sim_status_error(resp, 404, "NotFound", "", service ? "services" : "pods", name,
				 "%s \"%s\" not found", service ? "services" : "pods", name);
	else if (service)
		sim_status_error(resp, 503, "ServiceUnavailable", NULL, NULL, NULL,
				 "no endpoints available for service \"%s\"", name);
	else
		sim_status_error(resp, 503, "ServiceUnavailable", NULL, NULL, NULL,
				 "error trying to reach service: pod \"%s\" does not answer", name);
	json_decref(obj);
	free(name);
	free(copy);
}
