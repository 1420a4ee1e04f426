/* active_build.c: the objects every active test is made of: labelled metadata, probe pods
 * that meet the restricted Pod Security Standard, Services, and paths to create them at.
 * Nothing here talks to a cluster. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "util/xmalloc.h"

#define PROBE_UID 65532 /* the image's non-root user */

void active_params_init(struct active_params *p, const char *run_id, const char *ns,
			const char *image, long load_requests)
{
	memset(p, 0, sizeof(*p));
	p->run_id = run_id;
	p->ns = ns;
	p->image = image;
	p->device_class = ACTIVE_PLACEHOLDER_DEVICE_CLASS;
	p->gateway_class = ACTIVE_PLACEHOLDER_GATEWAY_CLASS;
	p->gateway_address = ACTIVE_PLACEHOLDER_GATEWAY_ADDRESS;
	p->requests = load_requests > 0 ? load_requests : ACTIVE_DEFAULT_REQUESTS;
	p->storage_class = ACTIVE_PLACEHOLDER_STORAGE_CLASS;
	p->snapshot_class = ACTIVE_PLACEHOLDER_SNAPSHOT_CLASS;
	p->agenttool_version = ACTIVE_AGENTTOOL_VERSION;
	p->runtime_class = ACTIVE_PLACEHOLDER_RUNTIME_CLASS;
	p->node = ACTIVE_PLACEHOLDER_NODE;
	p->signed_image = ACTIVE_PLACEHOLDER_SIGNED_IMAGE;
	p->unsigned_image = ACTIVE_PLACEHOLDER_UNSIGNED_IMAGE;
	p->gds_image = ACTIVE_PLACEHOLDER_GDS_IMAGE;
	p->accel_node = ACTIVE_PLACEHOLDER_ACCEL_NODE;
	p->otlp_endpoint = ACTIVE_PLACEHOLDER_OTLP_ENDPOINT;
	p->nad = ACTIVE_PLACEHOLDER_NAD;
}

void active_build_label(json_t *obj, const char *key, const char *value)
{
	json_t *md = json_object_get(obj, "metadata");
	json_t *labels = json_object_get(md, "labels");
	if (!json_is_object(labels)) {
		labels = json_object();
		json_object_set_new(md, "labels", labels);
	}
	json_object_set_new(labels, key, json_string(value));
}

json_t *active_build_object(const struct active_params *p, const char *api_version,
			    const char *kind, const char *name, bool namespaced)
{
	json_t *md = json_pack("{s:s}", "name", name);
	if (namespaced)
		json_object_set_new(md, "namespace", json_string(p->ns));
	json_t *obj =
	    json_pack("{s:s, s:s, s:o}", "apiVersion", api_version, "kind", kind, "metadata", md);
	active_label(obj, p->run_id);
	return obj;
}

/* The restricted profile: non-root, no privilege escalation, no capabilities,
 * RuntimeDefault seccomp. */
static json_t *container_security(void)
{
	return json_pack("{s:b, s:i, s:b, s:b, s:{s:[s]}, s:{s:s}}", "runAsNonRoot", 1, "runAsUser",
			 PROBE_UID, "allowPrivilegeEscalation", 0, "readOnlyRootFilesystem", 1,
			 "capabilities", "drop", "ALL", "seccompProfile", "type", "RuntimeDefault");
}

/* The probes stop at once on SIGTERM. The namespace controller looks again at a
 * namespace whose pods are terminating after their grace period, so a short one makes
 * the run's cleanup (deleting its namespace) take about 1 s rather than 5. */
#define PROBE_GRACE_S 1

json_t *active_build_pod(const struct active_params *p, const char *name, const char *probe,
			 json_t *args, bool one_shot)
{
	json_t *pod = active_build_object(p, "v1", "Pod", name, true);
	active_build_label(pod, "kaic.io/app", name);
	json_t *env = json_pack("[{s:s, s:{s:{s:s}}}]", "name", "POD_NAME", "valueFrom", "fieldRef",
				"fieldPath", "metadata.name");
	json_t *c = json_pack(
	    "{s:s, s:s, s:s, s:[s,s,s], s:o, s:o, s:s, s:{s:{s:s, s:s}, s:{s:s}}, s:o}", "name",
	    "probe", "image", p->image, "imagePullPolicy", "IfNotPresent", "command", "kaic",
	    "probe", probe, "args", args, "env", env, "terminationMessagePolicy",
	    "FallbackToLogsOnError", "resources", "requests", "cpu", "10m", "memory", "32Mi",
	    "limits", "memory", "128Mi", "securityContext", container_security());
	json_t *spec =
	    json_pack("{s:s, s:b, s:i, s:{s:b, s:i, s:i, s:{s:s}}, s:[o]}", "restartPolicy",
		      one_shot ? "Never" : "Always", "automountServiceAccountToken", 0,
		      "terminationGracePeriodSeconds", PROBE_GRACE_S, "securityContext",
		      "runAsNonRoot", 1, "runAsUser", PROBE_UID, "fsGroup", PROBE_UID,
		      "seccompProfile", "type", "RuntimeDefault", "containers", c);
	json_object_set_new(pod, "spec", spec);
	return pod;
}

json_t *active_build_service(const struct active_params *p, const char *name, const char *app,
			     int port, int target_port)
{
	json_t *svc = active_build_object(p, "v1", "Service", name, true);
	json_object_set_new(svc, "spec",
			    json_pack("{s:s, s:{s:s}, s:[{s:s, s:s, s:i, s:i}]}", "type",
				      "ClusterIP", "selector", "kaic.io/app", app, "ports", "name",
				      "http", "protocol", "TCP", "port", port, "targetPort",
				      target_port));
	return svc;
}

/* "NetworkPolicy" -> "networkpolicies", "Pod" -> "pods". */
static char *plural(const char *kind)
{
	if (strcmp(kind, "NetworkAttachmentDefinition") == 0) /* Multus' irregular plural */
		return xstrdup("network-attachment-definitions");
	size_t n = strlen(kind);
	char *s = xmalloc(n + 3);
	for (size_t i = 0; i <= n; i++)
		s[i] = (char)tolower((unsigned char)kind[i]);
	if (n > 1 && s[n - 1] == 'y' && strchr("aeiou", s[n - 2]) == NULL)
		memcpy(s + n - 1, "ies", 4);
	else if (n > 0 && s[n - 1] == 's')
		memcpy(s + n, "es", 3);
	else
		memcpy(s + n, "s", 2);
	return s;
}

char *active_build_path(const json_t *obj)
{
	const char *api = json_string_value(json_object_get(obj, "apiVersion"));
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	const char *ns =
	    json_string_value(json_object_get(json_object_get(obj, "metadata"), "namespace"));
	if (api == NULL || kind == NULL || *kind == '\0')
		return NULL;
	char *res = plural(kind);
	char *prefix = strchr(api, '/') ? xasprintf("/apis/%s", api) : xasprintf("/api/%s", api);
	char *path = ns ? xasprintf("%s/namespaces/%s/%s", prefix, ns, res)
			: xasprintf("%s/%s", prefix, res);
	free(prefix);
	free(res);
	return path;
}

json_t *active_build_find(const json_t *objs, const char *kind, const char *name)
{
	size_t i;
	json_t *o;
	json_array_foreach(objs, i, o) {
		const char *k = json_string_value(json_object_get(o, "kind"));
		const char *n =
		    json_string_value(json_object_get(json_object_get(o, "metadata"), "name"));
		if (k && n && strcmp(k, kind) == 0 && strcmp(n, name) == 0)
			return o;
	}
	return NULL;
}
