/* resolve.c: where a host name, address or URL leads inside the simulated cluster, for
 * the probe models (probe_models.c, probe_http.c), Prometheus and the AgentTool
 * controller: Services, pod IPs, Gateway addresses, the Ready endpoints behind a
 * Service port. */

#include "controllers/resolve.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "controllers/ctl_util.h"
#include "sim.h"
#include "util/xmalloc.h"

bool ctl_is_ipv4(const char *s)
{
	struct in_addr a;
	return inet_pton(AF_INET, s, &a) == 1;
}

static json_t *find_by(struct sim_api *api, const char *group, const char *resource,
		       const char *path, const char *value)
{
	json_t *all = ctl_list(api, group, resource, NULL);
	json_t *r = NULL;
	size_t i;
	json_t *o;
	json_array_foreach(all, i, o) {
		if (!r && !strcmp(ctl_s(o, path), value))
			r = json_incref(o);
	}
	json_decref(all);
	return r;
}

static json_t *gateway_with_address(struct sim_api *api, const char *host)
{
	json_t *all = ctl_list(api, "gateway.networking.k8s.io", "gateways", NULL);
	json_t *r = NULL;
	size_t i, j;
	json_t *g, *a;
	json_array_foreach(all, i, g) {
		json_array_foreach(ctl_at(g, "status.addresses"), j, a) {
			if (!r && !strcmp(ctl_s(a, "value"), host))
				r = json_incref(g);
		}
	}
	json_decref(all);
	return r;
}

int ctl_resolve(struct sim_api *api, const char *ns, const char *host, struct ctl_target *t)
{
	memset(t, 0, sizeof(*t));
	if (!host || !*host)
		return -1;
	if ((t->gw = gateway_with_address(api, host))) {
		snprintf(t->addr, sizeof(t->addr), "%s", host);
		return 0;
	}
	if (ctl_is_ipv4(host)) {
		snprintf(t->addr, sizeof(t->addr), "%s", host);
		t->svc = find_by(api, "", "services", "spec.clusterIP", host);
		if (!t->svc)
			t->pod = find_by(api, "", "pods", "status.podIP", host);
		return t->svc || t->pod ? 0 : -1;
	}
	char *copy = xstrdup(host);
	size_t n = strlen(copy);
	if (n && copy[n - 1] == '.')
		copy[n - 1] = '\0';
	char *parts[6] = {0};
	size_t np = 0;
	for (char *p = copy, *dot; p && np < 6; p = dot ? dot + 1 : NULL) {
		dot = strchr(p, '.');
		if (dot)
			*dot = '\0';
		parts[np++] = p;
	}
	bool ok = np == 1 || np == 2 || (np == 3 && !strcmp(parts[2], "svc")) ||
		  (np == 5 && !strcmp(parts[2], "svc") && !strcmp(parts[3], "cluster") &&
		   !strcmp(parts[4], "local"));
	if (ok)
		t->svc = ctl_get(api, "", "services", np >= 2 ? parts[1] : ns, parts[0]);
	free(copy);
	if (!t->svc)
		return -1;
	snprintf(t->addr, sizeof(t->addr), "%s", ctl_s(t->svc, "spec.clusterIP"));
	return 0;
}

void ctl_target_release(struct ctl_target *t)
{
	json_decref(t->svc);
	json_decref(t->pod);
	json_decref(t->gw);
	memset(t, 0, sizeof(*t));
}

/* The container port number named name in pod, or -1. */
static long named_port(const json_t *pod, const char *name)
{
	bool any;
	json_t *ports = ctl_pod_ports(pod, &any);
	long r = -1;
	size_t i;
	json_t *p;
	json_array_foreach(ports, i, p) {
		if (r < 0 && *name && !strcmp(ctl_s(p, "name"), name))
			r = (long)json_integer_value(json_object_get(p, "port"));
	}
	json_decref(ports);
	return r;
}

bool ctl_pod_listens(const json_t *pod, long port)
{
	bool any;
	json_t *ports = ctl_pod_ports(pod, &any);
	bool r = any;
	size_t i;
	json_t *p;
	json_array_foreach(ports, i, p) {
		r = r || json_integer_value(json_object_get(p, "port")) == port;
	}
	json_decref(ports);
	return r;
}

json_t *ctl_endpoints(struct sim_api *api, const json_t *svc, long port, bool *has_port)
{
	json_t *r = json_array();
	const json_t *sp = NULL;
	size_t i;
	json_t *p;
	json_array_foreach(ctl_at(svc, "spec.ports"), i, p) {
		if (!sp && json_integer_value(json_object_get(p, "port")) == port)
			sp = p;
	}
	*has_port = sp != NULL;
	json_t *sel = ctl_at(svc, "spec.selector");
	if (!sp || !json_object_size(sel))
		return r;
	json_t *pods = ctl_list(api, "", "pods", ctl_s(svc, "metadata.namespace"));
	json_t *pod;
	json_array_foreach(pods, i, pod) {
		if (!ctl_pod_answers(pod) || !ctl_map_match(sel, ctl_at(pod, "metadata.labels")))
			continue;
		json_t *tp = json_object_get(sp, "targetPort");
		long target = json_is_integer(tp)  ? (long)json_integer_value(tp)
			      : json_is_string(tp) ? named_port(pod, json_string_value(tp))
						   : port;
		if (target < 0)
			target = port;
		json_array_append_new(
		    r, json_pack("{s:O, s:I}", "pod", pod, "port", (json_int_t)target));
	}
	json_decref(pods);
	return r;
}

int ctl_url_split(const char *url, char **host, long *port, const char **path)
{
	const char *p;
	long dflt;
	if (!strncmp(url, "http://", 7)) {
		p = url + 7;
		dflt = 80;
	} else if (!strncmp(url, "https://", 8)) {
		p = url + 8;
		dflt = 443;
	} else {
		return -1;
	}
	size_t n = strcspn(p, ":/?#");
	if (!n)
		return -1;
	*host = xstrndup(p, n);
	*port = dflt;
	p += n;
	if (*p == ':') {
		char *end;
		*port = strtol(p + 1, &end, 10);
		p = end;
	}
	*path = *p == '/' ? p : "/";
	return 0;
}
