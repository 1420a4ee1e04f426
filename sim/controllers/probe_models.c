/* probe_models.c: what `kaic probe NAME` would print inside a simulated pod, computed
 * from the scenario's objects instead of a network. The results have the keys of the
 * real probes (src/probe/):
 *   connect   {host, port, address, connected, error, reason, elapsed_ms, expect,
 *             attempts, first_connected}: the host resolves to a Service, a pod IP or a
 *             ClusterIP; it connects when a Ready pod behind it listens on the port and
 *             the NetworkPolicies allow it (netpol.c); a denied connection times out.
 *             Name lookups need DNS egress. networkPolicy.programDelaySeconds leaves a
 *             new pod unprotected for a while (model_connect).
 *   fs        {mode, path, bytes} / {mode, path, match, expected_bytes, actual_bytes}:
 *             files live per volume (storage.c) when PATH is under a PVC mount.
 *   sandbox   {kernel, kernel_version, proc_version, gvisor, gvisor_signals, hypervisor,
 *             tdx_guest, sev_guest, tsm_report, confidential_signals} from the node and
 *             RuntimeClass (settings sandbox.isolate, sandbox.tee).
 *   trace     {endpoint, trace_id, spans, http_status, error}: accepted when the
 *             endpoint is a Service port 4318 backed by a Ready pod.
 *   netif     {interfaces, rdma, uverbs}: eth0 and Multus' secondary interfaces
 *             (multus.c).
 *   http-load see probe_http.c.
 *   job       {env, failed, reason}: the first container's env (value, or a fieldRef to
 *             metadata.name/namespace/labels['k']/annotations['k'] of the pod); exit 1
 *             when every --fail-if NAME=VALUE holds.
 *   svid      see spiffe.c.
 * The serving `kaic probe mcp` is modelled for MCP clients (the AgentTool controller):
 * ctl_probe_mcp_serve answers what initialize and tools/list (every page) would.
 * Unknown probes and bad arguments exit 2 with {"error"}. */

#include "controllers/probe_models.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controllers/ctl_util.h"
#include "controllers/multus.h"
#include "controllers/netpol.h"
#include "controllers/probe_http.h"
#include "controllers/resolve.h"
#include "controllers/spiffe.h"
#include "controllers/storage.h"
#include "sim.h"
#include "util/buf.h"
#include "util/xmalloc.h"

/* ---- connect ---- */

static void connect_fail(json_t *res, const char *reason, const char *error, long ms)
{
	json_object_set_new(res, "connected", json_false());
	json_object_set_new(res, "reason", json_string(reason));
	json_object_set_new(res, "error", json_string(error));
	json_object_set_new(res, "elapsed_ms", json_integer(ms));
}

struct connect_req {
	const char *host, *expect;
	long port;
	double timeout, within;
};

static double model_duration(const char *s, double dflt)
{
	if (!s)
		return dflt;
	double v = strtod(s, NULL);
	return strstr(s, "ms") ? v / 1000 : v;
}

/* One modelled attempt; policies (when enforce) decide. Returns whether it connected. */
static bool connect_once(struct sim_api *api, const json_t *pod, const struct connect_req *q,
			 bool policies, json_t *res)
{
	long tmo_ms = (long)(q->timeout * 1000);
	char *tmo = xasprintf("no connection within %gs", q->timeout);
	const char *ns = ctl_s(pod, "metadata.namespace");
	struct ctl_target t = {0};
	bool connected = false, resolved = false;
	json_object_set_new(res, "address", json_null());
	if (!ctl_is_ipv4(q->host) && policies && !ctl_netpol_dns_allowed(api, pod)) {
		char *e = xasprintf("cannot resolve \"%s\": Temporary failure in name resolution",
				    q->host);
		connect_fail(res, "resolve", e, tmo_ms);
		free(e);
	} else if (ctl_resolve(api, ns, q->host, &t) < 0) {
		if (ctl_is_ipv4(q->host)) {
			json_object_set_new(res, "address", json_string(q->host));
			connect_fail(res, "timeout", tmo, tmo_ms);
		} else {
			char *e =
			    xasprintf("cannot resolve \"%s\": Name or service not known", q->host);
			connect_fail(res, "resolve", e, 2);
			free(e);
		}
	} else {
		resolved = true;
	}
	if (resolved) {
		json_object_set_new(res, "address", json_string(t.addr));
		json_t *dest = NULL;
		long dport = q->port;
		bool has_port = true;
		if (t.svc) {
			json_t *eps = ctl_endpoints(api, t.svc, q->port, &has_port);
			json_t *first = json_array_get(eps, 0);
			if (first) {
				dest = json_incref(json_object_get(first, "pod"));
				dport = (long)json_integer_value(json_object_get(first, "port"));
			}
			json_decref(eps);
		} else if (t.pod) {
			dest = json_incref(t.pod);
		}
		if (!has_port) {
			connect_fail(res, "timeout", tmo, tmo_ms);
		} else if (!dest || !ctl_pod_answers(dest)) {
			connect_fail(res, "refused", "Connection refused", 1);
		} else if (policies && !ctl_netpol_allowed(api, pod, dest, dport, "TCP")) {
			connect_fail(res, "timeout", tmo, tmo_ms);
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
	}
	ctl_target_release(&t);
	free(tmo);
	return connected;
}

/* A new pod is unprotected for networkPolicy.programDelaySeconds after its container
 * starts (a policy engine programs it a moment later): its first attempt ignores the
 * policies, and --within lets it retry every 0.5 s until the delay has passed. */
static int model_connect(struct sim_api *api, const json_t *pod, const json_t *args, json_t *res)
{
	struct connect_req q = {.host = ctl_arg(args, "host"), .expect = ctl_arg(args, "expect")};
	const char *port_s = ctl_arg(args, "port");
	char *end = NULL;
	q.port = port_s ? strtol(port_s, &end, 10) : 0;
	q.timeout = model_duration(ctl_arg(args, "timeout"), 3);
	q.within = model_duration(ctl_arg(args, "within"), 0);
	if (!q.expect)
		q.expect = "open";
	if (!q.host || !*q.host || !port_s || *end || q.port < 1 || q.port > 65535 ||
	    q.timeout <= 0 || q.within < 0 ||
	    (strcmp(q.expect, "open") != 0 && strcmp(q.expect, "closed") != 0)) {
		json_object_set_new(res, "error", json_string("usage: --host and --port needed"));
		return 2;
	}
	bool want = !strcmp(q.expect, "open");
	json_object_set_new(res, "host", json_string(q.host));
	json_object_set_new(res, "port", json_integer(q.port));
	json_object_set_new(res, "expect", json_string(q.expect));
	bool enforce = ctl_setting_bool(api, "networkPolicy", "enforce", true);
	const json_t *d = ctl_setting(api, "networkPolicy", "programDelaySeconds");
	double delay = enforce && json_is_number(d) ? json_number_value(d) : 0;
	bool first = connect_once(api, pod, &q, enforce && delay <= 0, res);
	bool connected = first;
	long attempts = 1;
	if (delay > 0 && first != want && q.within >= delay) {
		attempts += (long)(delay / 0.5) + 1;
		connected = connect_once(api, pod, &q, true, res);
		json_object_set_new(res, "elapsed_ms", json_integer((json_int_t)(delay * 1000)));
	} else if (first != want && q.within > 0) {
		attempts += (long)(q.within / 0.5);
		json_object_set_new(res, "elapsed_ms", json_integer((json_int_t)(q.within * 1000)));
	}
	json_object_set_new(res, "attempts", json_integer(attempts));
	json_object_set_new(res, "first_connected", json_boolean(first));
	const char *reason = json_string_value(json_object_get(res, "reason"));
	bool resolved = reason == NULL || strcmp(reason, "resolve") != 0;
	return resolved && connected == want ? 0 : 1;
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
	/* sandbox.isolate false: the handlers run pods as runc does (host kernel); sandbox.tee
	 * false: the TEE handlers' guests run without TDX/SEV (no guest device) */
	bool isolate = ctl_setting_bool(api, "sandbox", "isolate", true);
	bool tee = isolate && ctl_setting_bool(api, "sandbox", "tee", true);
	bool gvisor = isolate && (!strcmp(handler, "runsc") || !strncmp(handler, "runsc-", 6));
	bool kata = isolate && !strncmp(handler, "kata", 4);
	bool tdx = tee && kata && strstr(handler, "tdx");
	bool sev = tee && kata && (strstr(handler, "snp") || strstr(handler, "sev"));
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
	if (tdx)
		json_array_append_new(cs, json_string("/dev/tdx_guest"));
	if (sev)
		json_array_append_new(cs, json_string("/dev/sev-guest"));
	if (tdx || sev)
		json_array_append_new(cs, json_string("configfs-tsm report"));
	if (tdx)
		json_array_append_new(cs, json_string("cpu flag tdx_guest"));
	if (sev)
		json_array_append_new(cs, json_string("cpu flag sev_snp"));
	json_object_set_new(res, "kernel", json_string(kernel));
	json_object_set_new(res, "kernel_version", json_string(version));
	json_object_set_new(res, "proc_version", json_string(proc));
	json_object_set_new(res, "gvisor", json_boolean(gvisor));
	json_object_set_new(res, "gvisor_signals", gs);
	json_object_set_new(res, "hypervisor", json_boolean(kata));
	json_object_set_new(res, "tdx_guest", json_boolean(tdx));
	json_object_set_new(res, "sev_guest", json_boolean(sev));
	json_object_set_new(res, "tsm_report", json_boolean(tdx || sev));
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

/* ---- devices ---- */

#define DRA_GROUP_NAME "resource.k8s.io"

/* Adds what a container holding slice device dev sees of it. */
static void device_seen(const json_t *dev, json_t *files, json_t *uuids)
{
	json_t *attrs = json_object_get(dev, "attributes");
	const json_t *idx = ctl_at(attrs, "index.int");
	const char *uuid = ctl_str(attrs, "uuid.string");
	char *f = idx ? xasprintf("/dev/nvidia%lld", (long long)json_integer_value(idx))
		      : xasprintf("/dev/accel/accel-%s", ctl_s(dev, "name"));
	json_array_append_new(files, json_string(f));
	free(f);
	if (uuid)
		json_array_append_new(uuids, json_string(uuid));
}

/* Whether slice device (driver, pool, name) is one of the results. */
static bool allocated(const json_t *results, const char *driver, const char *pool, const char *name)
{
	size_t i;
	const json_t *r;
	json_array_foreach(results, i, r) {
		if (!strcmp(ctl_s(r, "driver"), driver) && !strcmp(ctl_s(r, "pool"), pool) &&
		    !strcmp(ctl_s(r, "device"), name))
			return true;
	}
	return false;
}

/* The allocation results of every claim of the pod, as one new array. */
static json_t *pod_results(struct sim_api *api, const json_t *pod)
{
	json_t *all = json_array();
	json_t *claims = ctl_pod_claims(api, pod);
	size_t i;
	const json_t *claim;
	json_array_foreach(claims, i, claim) {
		json_array_extend(all, ctl_at(claim, "status.allocation.devices.results"));
	}
	json_decref(claims);
	return all;
}

/* What `kaic probe devices` sees: the devices of the pod's allocated claims (device file
 * /dev/nvidiaINDEX, the uuid attribute, NVIDIA_VISIBLE_DEVICES); with
 * kubelet.isolateDevices false, every device of the pod's node, as a runtime that
 * exposes all GPUs to every container does; with kubelet.injectDevices false, nothing (a
 * runtime without CDI support, or a driver whose CDI spec injects nothing). */
static int model_devices(struct sim_api *api, const json_t *pod, json_t *res)
{
	bool isolate = ctl_setting_bool(api, "kubelet", "isolateDevices", true);
	if (!ctl_setting_bool(api, "kubelet", "injectDevices", true)) {
		json_object_set_new(res, "device_nodes", json_array());
		json_object_set_new(res, "uuids", json_array());
		json_object_set_new(res, "env", json_object());
		return 0;
	}
	const char *node = ctl_s(pod, "spec.nodeName");
	json_t *results = pod_results(api, pod);
	json_t *slices = ctl_list(api, DRA_GROUP_NAME, "resourceslices", NULL);
	json_t *files = json_array(), *uuids = json_array();
	size_t i, j;
	const json_t *s, *d;
	json_array_foreach(slices, i, s) {
		const char *drv = ctl_s(s, "spec.driver"), *pool = ctl_s(s, "spec.pool.name");
		json_array_foreach(ctl_at(s, "spec.devices"), j, d) {
			bool mine = isolate ? allocated(results, drv, pool, ctl_s(d, "name"))
					    : !strcmp(ctl_s(s, "spec.nodeName"), node);
			if (mine)
				device_seen(d, files, uuids);
		}
	}
	json_t *env = json_object();
	if (json_array_size(uuids)) {
		struct buf b = BUF_INIT;
		buf_init(&b);
		json_array_foreach(uuids, i, s) {
			buf_addf(&b, "%s%s", i ? "," : "", json_string_value(s));
		}
		json_object_set_new(env, "NVIDIA_VISIBLE_DEVICES", json_stringn(b.data, b.len));
		buf_release(&b);
	}
	json_object_set_new(res, "device_nodes", files);
	json_object_set_new(res, "uuids", uuids);
	json_object_set_new(res, "env", env);
	json_decref(slices);
	json_decref(results);
	return 0;
}

/* ---- gdscheck (NVIDIA GPUDirect Storage's check, not a kaic probe) ---- */

bool ctl_runs_gdscheck(const json_t *pod)
{
	json_t *c = json_array_get(ctl_at(pod, "spec.containers"), 0);
	const char *a0 = json_string_value(json_array_get(json_object_get(c, "command"), 0));
	const char *base = a0 ? strrchr(a0, '/') : NULL;
	base = base ? base + 1 : a0;
	return base && !strcmp(base, "gdscheck");
}

/* Appends a GPU INFO line per device allocated to the pod's claims; returns how many. */
static int gds_gpus(struct sim_api *api, const json_t *pod, struct buf *b)
{
	int n = 0;
	json_t *results = pod_results(api, pod);
	size_t i;
	const json_t *r;
	json_array_foreach(results, i, r) {
		buf_addf(b,
			 " GPU index %d %s bar:1 bar size (MiB):131072 supports GDS, IOMMU State: "
			 "Disabled\n",
			 n++, ctl_s(r, "device"));
	}
	json_decref(results);
	return n;
}

int ctl_gdscheck_run(struct sim_api *api, const json_t *pod, char **text)
{
	bool drv = ctl_setting_bool(api, "gds", "driver", true);
	const char *ok = drv ? "Supported" : "Unsupported";
	struct buf b = BUF_INIT;
	buf_init(&b);
	buf_addf(&b,
		 " GDS release version: 1.13.1.3\n nvidia_fs version:  %s libcufile version: "
		 "2.12\n Platform: x86_64\n ============\n ENVIRONMENT:\n ============\n "
		 "=====================\n DRIVER CONFIGURATION:\n =====================\n "
		 "NVMe               : %s\n NVMeOF             : %s\n SCSI               : "
		 "Unsupported\n NFS                : Unsupported\n WekaFS             : "
		 "Unsupported\n Userspace RDMA     : Unsupported\n --Mellanox PeerDirect : "
		 "Disabled\n =====================\n CUFILE CONFIGURATION:\n "
		 "=====================\n properties.use_compat_mode : true\n =========\n GPU "
		 "INFO:\n =========\n",
		 drv ? "2.17" : "N/A", ok, ok);
	int gpus = gds_gpus(api, pod, &b);
	buf_adds(&b, " ==============\n PLATFORM INFO:\n ==============\n IOMMU: disabled\n");
	bool good = drv && gpus > 0;
	buf_adds(&b, good ? " Platform verification succeeded\n"
			  : " Platform verification error :\n GDS driver is not loaded\n");
	*text = xstrdup(b.data);
	buf_release(&b);
	return good ? 0 : 1;
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

/* ---- job ---- */

/* The value of the downward-API fieldPath for pod (borrowed), or NULL. */
static const char *field_value(const json_t *pod, const char *path)
{
	if (!strcmp(path, "metadata.name") || !strcmp(path, "metadata.namespace"))
		return ctl_str(pod, path);
	const char *keys[] = {"metadata.labels['", "metadata.annotations['"};
	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(keys[i]), len = strlen(path);
		if (strncmp(path, keys[i], n) != 0 || len < n + 2 ||
		    strcmp(path + len - 2, "']") != 0)
			continue;
		char *k = xstrndup(path + n, len - n - 2);
		const char *v = json_string_value(json_object_get(
		    ctl_at(pod, i == 0 ? "metadata.labels" : "metadata.annotations"), k));
		free(k);
		return v;
	}
	return NULL;
}

/* The container's environment variable name as the pod would see it, or NULL. */
static const char *env_value(const json_t *pod, const char *name)
{
	const char *v = NULL;
	size_t i;
	json_t *e;
	json_t *c = json_array_get(ctl_at(pod, "spec.containers"), 0);
	json_array_foreach(json_object_get(c, "env"), i, e) {
		if (strcmp(ctl_s(e, "name"), name) != 0)
			continue;
		const char *fp = ctl_str(e, "valueFrom.fieldRef.fieldPath");
		v = fp ? field_value(pod, fp) : ctl_str(e, "value");
	}
	return v;
}

static int model_job(const json_t *pod, const json_t *args, json_t *res)
{
	json_t *conds = ctl_arg_all(args, "fail-if");
	json_t *env = json_object();
	const char *idx = env_value(pod, "JOB_COMPLETION_INDEX");
	json_object_set_new(env, "JOB_COMPLETION_INDEX", idx ? json_string(idx) : json_null());
	bool all = json_array_size(conds) > 0, bad = false;
	size_t i;
	json_t *c;
	json_array_foreach(conds, i, c) {
		const char *s = json_string_value(c), *eq = s ? strchr(s, '=') : NULL;
		if (!eq || eq == s) {
			bad = true;
			continue;
		}
		char *name = xstrndup(s, (size_t)(eq - s));
		const char *have = env_value(pod, name);
		json_object_set_new(env, name, have ? json_string(have) : json_null());
		all = all && have && !strcmp(have, eq + 1);
		free(name);
	}
	json_decref(conds);
	if (bad) {
		json_decref(env);
		json_object_set_new(res, "error", json_string("--fail-if needs NAME=VALUE"));
		return 2;
	}
	json_object_set_new(res, "env", env);
	json_object_set_new(res, "failed", json_boolean(all));
	if (all)
		json_object_set_new(
		    res, "reason",
		    json_string("every --fail-if condition holds: failing on purpose"));
	return all ? 1 : 0;
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
	else if (!strcmp(name, "devices"))
		rc = model_devices(api, pod, res);
	else if (!strcmp(name, "trace"))
		rc = model_trace(api, pod, args, res);
	else if (!strcmp(name, "svid"))
		rc = ctl_spiffe_svid(api, pod, args, res);
	else if (!strcmp(name, "netif"))
		rc = ctl_multus_netif(api, pod, res);
	else if (!strcmp(name, "http-load"))
		rc = ctl_probe_http_load(api, pod, args, res);
	else if (!strcmp(name, "job"))
		rc = model_job(pod, args, res);
	else {
		char *e = xasprintf("unknown probe \"%s\"", name);
		json_object_set_new(res, "error", json_string(e));
		free(e);
		rc = 2;
	}
	*output = res;
	return rc;
}
