/* large.c: the generated scale scenario: nodes, one ResourceSlice per node with GPU
 * devices of driver gpu.example.com, namespaces and pods spread over them, built from the
 * parameters of scenario.yaml's `large:` instead of megabytes of YAML. */

#include "scenario/large.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "objects/admin.h"
#include "sim.h"
#include "util/xmalloc.h"

struct large_params {
	long nodes;
	long slices;
	long devices;
	long pods;
	long namespaces;
	const char *driver;
};

static int param(const json_t *large, const char *key, long def, long max, long *out, char **cause)
{
	const json_t *v = json_object_get(large, key);

	*out = def;
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max) {
		*cause =
		    xasprintf("scenario.yaml: large.%s: want an integer from 0 to %ld", key, max);
		return -1;
	}
	*out = (long)json_integer_value(v);
	return 0;
}

static const char *const known[] = {"nodes",  "slices", "devicesPerSlice", "pods", "namespaces",
				    "driver", NULL};

static int params(const json_t *large, struct large_params *p, char **cause)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)large, key, v) {
		size_t i = 0;

		while (known[i] && strcmp(known[i], key) != 0)
			i++;
		if (!known[i]) {
			*cause = xasprintf("scenario.yaml: large: unknown field \"%s\"", key);
			return -1;
		}
	}
	if (param(large, "nodes", 5000, 99999, &p->nodes, cause) < 0 ||
	    param(large, "slices", p->nodes, p->nodes, &p->slices, cause) < 0 ||
	    param(large, "devicesPerSlice", 8, 128, &p->devices, cause) < 0 ||
	    param(large, "pods", 20000, 1000000, &p->pods, cause) < 0 ||
	    param(large, "namespaces", 20, 1000, &p->namespaces, cause) < 0)
		return -1;
	v = json_object_get(large, "driver");
	if (v && (!json_is_string(v) || !*json_string_value(v))) {
		*cause = xstrdup("scenario.yaml: large.driver: want a driver name");
		return -1;
	}
	p->driver = v ? json_string_value(v) : "gpu.example.com";
	if (p->pods > 0 && (p->nodes == 0 || p->namespaces == 0)) {
		*cause = xstrdup("scenario.yaml: large: pods need nodes and namespaces");
		return -1;
	}
	return 0;
}

static void now_rfc3339(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int create(struct sim_api *api, json_t *obj, char **cause)
{
	char *why = NULL;

	if (!obj) {
		*cause = xstrdup("large: cannot build an object");
		return -1;
	}
	if (sim_api_create(api, obj, &why) == 0)
		return 0;
	*cause = xasprintf("large: %s", why ? why : "cannot create an object");
	free(why);
	return -1;
}

static json_t *node(long i, const char *version, const char *now, long gpus)
{
	char name[32], ip[80], gpu[24];

	snprintf(name, sizeof(name), "node-%05ld", i);
	snprintf(ip, sizeof(ip), "10.%ld.%ld.%ld", (i >> 16) & 255, (i >> 8) & 255, i & 255);
	snprintf(gpu, sizeof(gpu), "%ld", gpus);
	return json_pack(
	    "{s:s, s:s, s:{s:s, s:{s:s, s:s, s:s, s:s, s:s}}, s:{s:s}, "
	    "s:{s:{s:s, s:s, s:s, s:s}, s:{s:s, s:s, s:s, s:s}, "
	    "s:[{s:s, s:s, s:s, s:s, s:s, s:s}], s:[{s:s, s:s}, {s:s, s:s}], "
	    "s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s}}}",
	    "apiVersion", "v1", "kind", "Node", "metadata", "name", name, "labels",
	    "kubernetes.io/hostname", name, "kubernetes.io/os", "linux", "kubernetes.io/arch",
	    "amd64", "node.kubernetes.io/instance-type", "gpu-large", "nvidia.com/gpu.present",
	    "true", "spec", "providerID", "sim://large", "status", "capacity", "cpu", "64",
	    "memory", "512Gi", "pods", "110", "nvidia.com/gpu", gpu, "allocatable", "cpu", "63",
	    "memory", "500Gi", "pods", "110", "nvidia.com/gpu", gpu, "conditions", "type", "Ready",
	    "status", "True", "reason", "KubeletReady", "message",
	    "kubelet is posting ready status", "lastHeartbeatTime", now, "lastTransitionTime", now,
	    "addresses", "type", "InternalIP", "address", ip, "type", "Hostname", "address", name,
	    "nodeInfo", "kubeletVersion", version, "containerRuntimeVersion", "containerd://1.7.27",
	    "osImage", "Ubuntu 24.04.2 LTS", "kernelVersion", "6.8.0-60-generic", "operatingSystem",
	    "linux", "architecture", "amd64", "kubeProxyVersion", version);
}

/* The attributes a GPU DRA driver publishes: per-device ones (uuid unique in the
 * cluster; index, minor and PCI address repeating from node to node, as on identical
 * servers) and ones every device of the model shares. */
static json_t *device_attributes(long node, long d)
{
	char uuid[64], bus[32];
	snprintf(uuid, sizeof(uuid), "GPU-%08lx-%04lx-4000-8000-%012lx", (unsigned long)node,
		 (unsigned long)d, (unsigned long)(node * 131 + d));
	snprintf(bus, sizeof(bus), "0000:%02lx:00.0", (unsigned long)(0x18 + d * 0x10) & 0xff);
	return json_pack("{s:{s:s}, s:{s:s}, s:{s:I}, s:{s:I}, s:{s:s}, s:{s:s}, s:{s:s},"
			 " s:{s:s}, s:{s:s}, s:{s:s}}",
			 "type", "string", "gpu", "uuid", "string", uuid, "index", "int",
			 (json_int_t)d, "minor", "int", (json_int_t)d, "pcieBusID", "string", bus,
			 "productName", "string", "Example GPU 80GB", "brand", "string", "Example",
			 "architecture", "string", "Hopper", "cudaComputeCapability", "version",
			 "9.0.0", "driverVersion", "version", "1.0.0");
}

/* v1 and v1beta2 put attributes and capacity on the device, v1beta1 under "basic". */
static json_t *device(long node, long d, const char *api_version)
{
	char name[32];
	json_t *attrs = device_attributes(node, d);
	json_t *cap = json_pack("{s:{s:s}}", "memory", "value", "80Gi");

	snprintf(name, sizeof(name), "gpu-%ld", d);
	if (strcmp(api_version, "resource.k8s.io/v1beta1") == 0)
		return json_pack("{s:s, s:{s:o, s:o}}", "name", name, "basic", "attributes", attrs,
				 "capacity", cap);
	return json_pack("{s:s, s:o, s:o}", "name", name, "attributes", attrs, "capacity", cap);
}

static json_t *slice(long i, const char *api_version, const struct large_params *p)
{
	char node[32], name[300];
	json_t *devices = json_array();

	snprintf(node, sizeof(node), "node-%05ld", i);
	snprintf(name, sizeof(name), "%s-%s", node, p->driver);
	for (long d = 0; d < p->devices; d++)
		json_array_append_new(devices, device(i, d, api_version));
	return json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:s, s:{s:s, s:i, s:i}, s:o}}", "apiVersion",
			 api_version, "kind", "ResourceSlice", "metadata", "name", name, "spec",
			 "driver", p->driver, "nodeName", node, "pool", "name", node, "generation",
			 1, "resourceSliceCount", 1, "devices", devices);
}

static json_t *pod(long k, const char *ns, const struct large_params *p, const char *now)
{
	char name[32], node[32], ip[80], shard[24];

	snprintf(name, sizeof(name), "pod-%06ld", k);
	snprintf(node, sizeof(node), "node-%05ld", k % p->nodes);
	snprintf(ip, sizeof(ip), "10.%ld.%ld.%ld", 128 + ((k >> 16) & 127), (k >> 8) & 255,
		 k & 255);
	snprintf(shard, sizeof(shard), "%ld", k % 10);
	return json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s, s:s}}, "
			 "s:{s:s, s:[{s:s, s:s, s:{s:{s:s, s:s}}}], s:s, s:s}, "
			 "s:{s:s, s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}]}}",
			 "apiVersion", "v1", "kind", "Pod", "metadata", "name", name, "namespace",
			 ns, "labels", "app", "load", "shard", shard, "spec", "nodeName", node,
			 "containers", "name", "main", "image", "registry.example.com/load:1.0",
			 "resources", "requests", "cpu", "100m", "memory", "128Mi", "restartPolicy",
			 "Always", "schedulerName", "default-scheduler", "status", "phase",
			 "Running", "podIP", ip, "hostIP", "10.0.0.1", "startTime", now,
			 "conditions", "type", "Ready", "status", "True", "type", "PodScheduled",
			 "status", "True");
}

int sim_large_generate(struct sim_api *api, const struct sim_settings *s, char **cause)
{
	const char *dra =
	    s->resource_versions && s->resource_versions[0] ? s->resource_versions[0] : "v1";
	char *slice_api = xasprintf("resource.k8s.io/%s", dra);
	struct large_params p;
	char now[32];
	long k = 0;
	int rc = 0;

	if (params(s->large, &p, cause) < 0) {
		free(slice_api);
		return -1;
	}
	now_rfc3339(now);
	/* names grow in sorted order, so each insertion lands at the end of its collection */
	for (long i = 0; rc == 0 && i < p.nodes; i++)
		rc = create(api, node(i, s->version, now, p.devices), cause);
	for (long i = 0; rc == 0 && i < p.slices; i++)
		rc = create(api, slice(i, slice_api, &p), cause);
	for (long n = 0; rc == 0 && n < p.namespaces && p.pods > 0; n++) {
		char ns[32];
		long count = p.pods / p.namespaces + (n < p.pods % p.namespaces ? 1 : 0);

		snprintf(ns, sizeof(ns), "load-%03ld", n);
		rc = create(api,
			    json_pack("{s:s, s:s, s:{s:s, s:{s:s}}}", "apiVersion", "v1", "kind",
				      "Namespace", "metadata", "name", ns, "labels",
				      "kaic.io/large", "true"),
			    cause);
		for (long j = 0; rc == 0 && j < count; j++, k++)
			rc = create(api, pod(k, ns, &p, now), cause);
	}
	free(slice_api);
	return rc;
}
