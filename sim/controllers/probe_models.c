/* probe_models.c: what `kaic probe NAME` would print inside a simulated pod, computed
 * from the scenario's objects instead of a network. The results have the keys of the
 * real probes (src/probe/):
 *   connect   {host, port, address, connected, error, reason, elapsed_ms, expect}: the
 *             host resolves to a Service, a pod IP or a ClusterIP; it connects when a
 *             Ready pod behind it listens on the port and the NetworkPolicies allow it
 *             (netpol.c); a denied connection times out. Name lookups need DNS egress.
 *   fs        {mode, path, bytes} / {mode, path, match, expected_bytes, actual_bytes}:
 *             files live per volume (storage.c) when PATH is under a PVC mount.
 *   sandbox   {kernel, kernel_version, proc_version, gvisor, gvisor_signals, hypervisor,
 *             tdx_guest, sev_guest, confidential_signals} from the node and RuntimeClass.
 *   trace     {endpoint, trace_id, spans, http_status, error}: accepted when the
 *             endpoint is a Service port 4318 backed by a Ready pod.
 *   http-load see probe_http.c.
 * The serving `kaic probe mcp` is modelled for MCP clients (the AgentTool controller):
 * ctl_probe_mcp_serve answers what initialize and tools/list (every page) would.
 * Unknown probes and bad arguments exit 2 with {"error"}. */

#include "controllers/probe_models.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controllers/ctl_util.h"
#include "controllers/netpol.h"
#include "controllers/probe_http.h"
#include "controllers/resolve.h"
#include "controllers/storage.h"
#include "sim.h"
#include "util/xmalloc.h"

/* ---- connect ---- */

static void connect_fail(json_t *res, const char *reason, const char *error, long ms)
{
	json_object_set_new(res, "connected", json_false());
	json_object_set_new(res, "reason", json_string(reason));
	json_object_set_new(res, "error", json_string(error));
	json_object_set_new(res, "elapsed_ms", json_integer(ms));
}

static int model_connect(struct sim_api *api, const json_t *pod, const json_t *args, json_t *res)
{
	const char *host = ctl_arg(args, "host"), *port_s = ctl_arg(args, "port");
	const char *expect = ctl_arg(args, "expect"), *timeout_s = ctl_arg(args, "timeout");
	char *end = NULL;
	long port = port_s ? strtol(port_s, &end, 10) : 0;
	double timeout = timeout_s ? strtod(timeout_s, NULL) : 3;
	if (timeout_s && strstr(timeout_s, "ms"))
		timeout /= 1000;
	if (!expect)
		expect = "open";
	if (!host || !*host || !port_s || *end || port < 1 || port > 65535 || timeout <= 0 ||
	    (strcmp(expect, "open") != 0 && strcmp(expect, "closed") != 0)) {
		json_object_set_new(res, "error", json_string("usage: --host and --port needed"));
		return 2;
	}
	long tmo_ms = (long)(timeout * 1000);
	json_object_set_new(res, "host", json_string(host));
	json_object_set_new(res, "port", json_integer(port));
	json_object_set_new(res, "address", json_null());
	json_object_set_new(res, "expect", json_string(expect));
	const char *ns = ctl_s(pod, "metadata.namespace");
	if (!ctl_is_ipv4(host) && !ctl_netpol_dns_allowed(api, pod)) {
		char *e =
		    xasprintf("cannot resolve \"%s\": Temporary failure in name resolution", host);
		connect_fail(res, "resolve", e, tmo_ms);
		free(e);
		return 1;
	}
	struct ctl_target t;
	if (ctl_resolve(api, ns, host, &t) < 0) {
		if (ctl_is_ipv4(host)) {
			json_object_set_new(res, "address", json_string(host));
			connect_fail(res, "timeout", "", tmo_ms);
			char *e = xasprintf("no connection within %gs", timeout);
			json_object_set_new(res, "error", json_string(e));
			free(e);
			return strcmp(expect, "closed") != 0 ? 1 : 0;
		}
		char *e = xasprintf("cannot resolve \"%s\": Name or service not known", host);
		connect_fail(res, "resolve", e, 2);
		free(e);
		return 1;
	}
	json_object_set_new(res, "address", json_string(t.addr));
	json_t *dest = NULL;
	long dport = port;
	bool has_port = true;
	if (t.svc) {
		json_t *eps = ctl_endpoints(api, t.svc, port, &has_port);
		json_t *first = json_array_get(eps, 0);
		if (first) {
			dest = json_incref(json_object_get(first, "pod"));
			dport = (long)json_integer_value(json_object_get(first, "port"));
		}
		json_decref(eps);
	} else if (t.pod) {
		dest = json_incref(t.pod);
	}
	bool connected = false;
	if (!has_port) {
		char *e = xasprintf("no connection within %gs", timeout);
		connect_fail(res, "timeout", e, tmo_ms);
		free(e);
	} else if (!dest || !ctl_pod_answers(dest)) {
		connect_fail(res, "refused", "Connection refused", 1);
	} else if (!ctl_netpol_allowed(api, pod, dest, dport, "TCP")) {
		char *e = xasprintf("no connection within %gs", timeout);
		connect_fail(res, "timeout", e, tmo_ms);
		free(e);
	} else if (!ctl_pod_listens(dest, dport)) {
		connect_fail(res, "refused", "Connection refused", 1);
	} else {
		connected = true;
		json_object_set_new(res, "connected", json_true());
		json_object_set_new(res, "error", json_null());
		json_object_set_new(res, "reason", json_null());
		json_object_set_new(res, "elapsed_ms", json_integer(1));
	}
	json_decref(dest);
	ctl_target_release(&t);
	return connected == !strcmp(expect, "open") ? 0 : 1;
}

/* ---- fs ---- */

/* The PVC and path inside it of the pod's first container's mount holding path. */
static const char *fs_claim(const json_t *pod, const char *path, const char **rel, bool *read_only)
{
	json_t *c = json_array_get(ctl_at(pod, "spec.containers"), 0);
	const json_t *best = NULL;
	size_t best_len = 0, i;
	json_t *m;
	json_array_foreach(json_object_get(c, "volumeMounts"), i, m) {
		const char *mp = ctl_s(m, "mountPath");
		size_t n = strlen(mp);
		while (n > 1 && mp[n - 1] == '/')
			n--;
		if (n && !strncmp(path, mp, n) && path[n] == '/' && n >= best_len) {
			best = m;
			best_len = n;
		}
	}
	if (!best)
		return NULL;
	*rel = path + best_len + 1;
	*read_only = json_is_true(json_object_get(best, "readOnly"));
	json_t *v;
	json_array_foreach(ctl_at(pod, "spec.volumes"), i, v) {
		if (!strcmp(ctl_s(v, "name"), ctl_s(best, "name")))
			return ctl_str(v, "persistentVolumeClaim.claimName");
	}
	return NULL;
}

static int model_fs(struct sim_api *api, const json_t *pod, const json_t *args, json_t *res)
{
	const char *wpath = ctl_arg(args, "write"), *vpath = ctl_arg(args, "verify");
	const char *content = ctl_arg(args, "content");
	if (!wpath == !vpath || !content || !*(wpath ? wpath : vpath)) {
		json_object_set_new(res, "error",
				    json_string("usage: --write or --verify PATH "
						"and --content TEXT"));
		return 2;
	}
	const char *path = wpath ? wpath : vpath;
	json_object_set_new(res, "mode", json_string(wpath ? "write" : "verify"));
	json_object_set_new(res, "path", json_string(path));
	const char *rel = NULL;
	bool ro = false;
	const char *claim = fs_claim(pod, path, &rel, &ro);
	const char *ns = ctl_s(pod, "metadata.namespace");
	size_t len = strlen(content);
	if (wpath) {
		char *err = NULL;
		if (ro)
			err = xasprintf("cannot open \"%s\": Read-only file system", path);
		else if (claim && ctl_volume_write(api, ns, claim, rel, content) < 0)
			err = xasprintf("cannot write \"%s\": Input/output error", path);
		json_object_set_new(res, "bytes", json_integer(err ? 0 : (json_int_t)len));
		if (err)
			json_object_set_new(res, "error", json_string(err));
		free(err);
		return err ? 1 : 0;
	}
	json_object_set_new(res, "expected_bytes", json_integer((json_int_t)len));
	json_t *files = claim ? ctl_volume_files(api, ns, claim) : NULL;
	const char *have = json_string_value(json_object_get(files, rel));
	bool match = have && !strcmp(have, content);
	json_object_set_new(res, "match", json_boolean(match));
	if (have) {
		json_object_set_new(res, "actual_bytes", json_integer((json_int_t)strlen(have)));
	} else {
		char *e = xasprintf("cannot open \"%s\": No such file or directory", path);
		json_object_set_new(res, "error", json_string(e));
		free(e);
	}
	json_decref(files);
	return match ? 0 : 1;
}

/* ---- sandbox ---- */

static int model_sandbox(struct sim_api *api, const json_t *pod, json_t *res)
{
	json_t *node = ctl_get(api, "", "nodes", NULL, ctl_s(pod, "spec.nodeName"));
	const char *rcn = ctl_str(pod, "spec.runtimeClassName");
	json_t *rc = rcn ? ctl_get(api, "node.k8s.io", "runtimeclasses", NULL, rcn) : NULL;
	const char *handler = ctl_s(rc, "handler");
	const char *nk = ctl_str(node, "status.nodeInfo.kernelVersion");
	char *kernel = xstrdup(nk ? nk : "6.8.0-60-generic");
	char *version = xstrdup("#60-Ubuntu SMP PREEMPT_DYNAMIC Fri May  2 12:00:00 UTC 2025");
	bool gvisor = !strcmp(handler, "runsc") || !strncmp(handler, "runsc-", 6);
	bool kata = !strncmp(handler, "kata", 4);
	bool tdx = kata && strstr(handler, "tdx");
	bool sev = kata && (strstr(handler, "snp") || strstr(handler, "sev"));
	if (gvisor) {
		free(kernel);
		free(version);
		kernel = xstrdup("4.4.0");
		version = xstrdup("#1 SMP Sun Jan 10 15:06:54 PST 2016");
	} else if (kata) {
		free(kernel);
		kernel = xstrdup("6.12.28-kata");
	}
	char *proc = xasprintf("Linux version %s (kaic-sim) %s", kernel, version);
	json_t *gs = json_array(), *cs = json_array();
	if (gvisor)
		json_array_append_new(
		    gs, json_string("kernel 4.4.0 with gVisor's fixed version string"));
	if (tdx) {
		json_array_append_new(cs, json_string("/dev/tdx_guest"));
		json_array_append_new(cs, json_string("cpu flag tdx_guest"));
	}
	if (sev) {
		json_array_append_new(cs, json_string("/dev/sev-guest"));
		json_array_append_new(cs, json_string("cpu flag sev_snp"));
	}
	json_object_set_new(res, "kernel", json_string(kernel));
	json_object_set_new(res, "kernel_version", json_string(version));
	json_object_set_new(res, "proc_version", json_string(proc));
	json_object_set_new(res, "gvisor", json_boolean(gvisor));
	json_object_set_new(res, "gvisor_signals", gs);
	json_object_set_new(res, "hypervisor", json_boolean(kata));
	json_object_set_new(res, "tdx_guest", json_boolean(tdx));
	json_object_set_new(res, "sev_guest", json_boolean(sev));
	json_object_set_new(res, "confidential_signals", cs);
	free(kernel);
	free(version);
	free(proc);
	json_decref(rc);
	json_decref(node);
	return 0;
}

/* ---- trace ---- */

static void trace_id(struct sim_api *api, char *out, size_t nbytes)
{
	static const char hex[] = "0123456789abcdef";
	char rnd[33];
	ctl_random(api, rnd, 2 * nbytes);
	for (size_t i = 0; i < 2 * nbytes; i++)
		out[i] = hex[(unsigned char)rnd[i] % 16];
	out[2 * nbytes] = '\0';
}

static int model_trace(struct sim_api *api, const json_t *pod, const json_t *args, json_t *res)
{
	const char *ep = ctl_arg(args, "endpoint");
	char *host = NULL;
	long port = 0;
	const char *path = NULL;
	if (!ep || ctl_url_split(ep, &host, &port, &path) < 0) {
		free(host);
		json_object_set_new(res, "error", json_string("usage: --endpoint URL needed"));
		return 2;
	}
	char *url =
	    xasprintf("%.*s/v1/traces", (int)(strlen(ep) - (ep[strlen(ep) - 1] == '/')), ep);
	static const char *const names[] = {"plan", "act", "tool_call", "inference"};
	char tid[33], ids[4][17];
	trace_id(api, tid, 16);
	json_t *spans = json_array();
	for (int i = 0; i < 4; i++) {
		trace_id(api, ids[i], 8);
		json_array_append_new(spans, json_pack("{s:s, s:s, s:s?}", "name", names[i],
						       "span_id", ids[i], "parent_span_id",
						       i > 0 ? ids[i - 1] : NULL));
	}
	struct ctl_target t;
	long status = 0;
	char *err = NULL;
	if (ctl_resolve(api, ctl_s(pod, "metadata.namespace"), host, &t) < 0 || !t.svc) {
		err = xasprintf("Could not resolve host: %s", host);
	} else {
		bool has_port;
		json_t *eps = ctl_endpoints(api, t.svc, port, &has_port);
		json_t *first = json_object_get(json_array_get(eps, 0), "pod");
		if (port != 4318 || !first)
			err = xasprintf("Failed to connect to %s port %ld: Connection refused",
					host, port);
		else if (!ctl_netpol_allowed(api, pod, first,
					     (long)json_integer_value(
						 json_object_get(json_array_get(eps, 0), "port")),
					     "TCP"))
			err = xstrdup("Connection timed out after 5000 milliseconds");
		else
			status = 200;
		json_decref(eps);
	}
	ctl_target_release(&t);
	json_object_set_new(res, "endpoint", json_string(url));
	json_object_set_new(res, "trace_id", json_string(tid));
	json_object_set_new(res, "spans", spans);
	json_object_set_new(res, "http_status", status ? json_integer(status) : json_null());
	json_object_set_new(res, "error", err ? json_string(err) : json_null());
	free(err);
	free(url);
	free(host);
	return status ? 0 : 1;
}

/* ---- mcp (a server: what its clients see) ---- */

#define MCP_MAX_TOOLS 10000

json_t *ctl_probe_mcp_serve(const json_t *pod, long port, const char *path, const char **why)
{
	json_t *args = NULL;
	const char *probe = ctl_pod_probe(pod, &args);
	const char *ps = ctl_arg(args, "port"), *want = ctl_arg(args, "path");
	const char *ts = ctl_arg(args, "tools"), *pgs = ctl_arg(args, "page-size");
	char *end = NULL;
	long tools = ts ? strtol(ts, &end, 10) : 1;
	bool bad_tools = (ts && *end) || tools < 1 || tools > MCP_MAX_TOOLS;
	long page = pgs ? strtol(pgs, &end, 10) : 0;
	bool bad_page = (pgs && *end) || page < 0 || page > MCP_MAX_TOOLS;
	json_t *r = NULL;
	if (!probe || strcmp(probe, "mcp") != 0)
		*why = "the pod does not serve MCP (connection answered, initialize failed)";
	else if (!ctl_pod_answers(pod))
		*why = "the MCP server pod is not Ready, or its container does not run";
	else if ((ps ? strtol(ps, NULL, 10) : 8080) != port)
		*why = "connection refused: nothing listens on that port";
	else if (bad_tools || bad_page)
		*why = "the MCP server exited: usage error";
	else if (strcmp(path && *path ? path : "/", want ? want : "/") != 0)
		*why = "HTTP 404 from the MCP endpoint: wrong path";
	else {
		json_t *names = json_array();
		for (long i = 1; i <= tools; i++) {
			char n[32];
			snprintf(n, sizeof n, "kaic-tool-%ld", i);
			json_array_append_new(names, json_string(n));
		}
		r = json_pack("{s:{s:s, s:s}, s:o, s:I}", "server", "name", "kaic-probe-mcp",
			      "version", KAIC_VERSION, "tools", names, "pages",
			      (json_int_t)(page ? (tools + page - 1) / page : 1));
	}
	json_decref(args);
	return r;
}

int ctl_probe_run(struct sim_api *api, const json_t *pod, const char *name, const json_t *args,
		  json_t **output)
{
	json_t *res = json_object();
	json_object_set_new(res, "probe", json_string(name));
	int rc;
	if (!strcmp(name, "connect"))
		rc = model_connect(api, pod, args, res);
	else if (!strcmp(name, "fs"))
		rc = model_fs(api, pod, args, res);
	else if (!strcmp(name, "sandbox"))
		rc = model_sandbox(api, pod, res);
	else if (!strcmp(name, "trace"))
		rc = model_trace(api, pod, args, res);
	else if (!strcmp(name, "http-load"))
		rc = ctl_probe_http_load(api, pod, args, res);
	else {
		char *e = xasprintf("unknown probe \"%s\"", name);
		json_object_set_new(res, "error", json_string(e));
		free(e);
		rc = 2;
	}
	*output = res;
	return rc;
}
