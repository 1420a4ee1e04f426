/* table.c: server-side printing: the meta.k8s.io/v1 Table that kubectl asks for
 * (Accept: application/json;as=Table;v=v1;g=meta.k8s.io), with the columns of the real
 * server for the common types and a CRD's additionalPrinterColumns. */

#include "rest/table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/meta.h"
#include "model/registry.h"
#include "sim.h"
#include "util/buf.h"
#include "util/xmalloc.h"

/* The real server's short durations: "45s", "3m20s", "5h", "12d", "2y30d". */
static char *human_age(const char *ts)
{
	struct tm tm = {0};
	if (!ts || !strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm))
		return xstrdup("<unknown>");
	long long s = (long long)(time(NULL) - timegm(&tm));
	if (s < -1)
		return xstrdup("<invalid>");
	if (s < 0)
		s = 0;
	if (s < 120)
		return xasprintf("%llds", s);
	long long m = s / 60, h = m / 60, d = h / 24;
	if (m < 10)
		return s % 60 ? xasprintf("%lldm%llds", m, s % 60) : xasprintf("%lldm", m);
	if (m < 180)
		return xasprintf("%lldm", m);
	if (h < 8)
		return m % 60 ? xasprintf("%lldh%lldm", h, m % 60) : xasprintf("%lldh", h);
	if (h < 48)
		return xasprintf("%lldh", h);
	if (h < 24 * 8)
		return h % 24 ? xasprintf("%lldd%lldh", d, h % 24) : xasprintf("%lldd", d);
	if (d < 365 * 2)
		return xasprintf("%lldd", d);
	if (d < 365 * 8)
		return d % 365 ? xasprintf("%lldy%lldd", d / 365, d % 365)
			       : xasprintf("%lldy", d / 365);
	return xasprintf("%lldy", d / 365);
}

static json_t *col(const char *name, const char *type, int priority)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:i}", "name", name, "type", type, "format",
			 !strcmp(name, "Name") ? "name" : "", "description", name, "priority",
			 priority);
}

static const json_t *at(const json_t *o, const char *path)
{
	const json_t *v = o;
	char *copy = xstrdup(path);
	char *p = copy;
	while (v && p && *p) {
		char *dot = strchr(p, '.');
		if (dot)
			*dot = '\0';
		v = json_object_get(v, p);
		p = dot ? dot + 1 : NULL;
	}
	free(copy);
	return v;
}

static const char *str(const json_t *o, const char *path, const char *dflt)
{
	const char *s = json_string_value(at(o, path));
	return s && *s ? s : dflt;
}

static json_int_t num(const json_t *o, const char *path)
{
	return json_integer_value(at(o, path));
}

static json_t *age_cell(const json_t *o)
{
	char *a = human_age(str(o, "metadata.creationTimestamp", NULL));
	json_t *s = json_string(a);
	free(a);
	return s;
}

static json_t *node_row(const json_t *o)
{
	const char *ready = "Unknown";
	size_t i;
	json_t *c;
	json_array_foreach(at(o, "status.conditions"), i, c) {
		if (!strcmp(str(c, "type", ""), "Ready"))
			ready = !strcmp(str(c, "status", ""), "True") ? "Ready" : "NotReady";
	}
	struct buf status = BUF_INIT, roles = BUF_INIT;
	buf_adds(&status, ready);
	if (json_is_true(at(o, "spec.unschedulable")))
		buf_adds(&status, ",SchedulingDisabled");
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)at(o, "metadata.labels"), k, v) {
		const char *pre = "node-role.kubernetes.io/";
		if (!strncmp(k, pre, strlen(pre)) && k[strlen(pre)])
			buf_addf(&roles, "%s%s", roles.len ? "," : "", k + strlen(pre));
	}
	const char *internal = "<none>", *external = "<none>";
	json_array_foreach(at(o, "status.addresses"), i, c) {
		if (!strcmp(str(c, "type", ""), "InternalIP"))
			internal = str(c, "address", "<none>");
		if (!strcmp(str(c, "type", ""), "ExternalIP"))
			external = str(c, "address", "<none>");
	}
	json_t *row = json_pack("[s, s, s, o, s, s, s, s, s, s]", str(o, "metadata.name", ""),
				status.data, roles.len ? roles.data : "<none>", age_cell(o),
				str(o, "status.nodeInfo.kubeletVersion", ""), internal, external,
				str(o, "status.nodeInfo.osImage", "<unknown>"),
				str(o, "status.nodeInfo.kernelVersion", "<unknown>"),
				str(o, "status.nodeInfo.containerRuntimeVersion", "<unknown>"));
	buf_release(&status);
	buf_release(&roles);
	return row;
}

static json_t *pod_row(const json_t *o)
{
	size_t total = json_array_size(at(o, "spec.containers")), ready = 0, i;
	json_int_t restarts = 0;
	const char *reason = str(o, "status.reason", str(o, "status.phase", "Unknown"));
	json_t *c;
	json_array_foreach(at(o, "status.containerStatuses"), i, c) {
		restarts += num(c, "restartCount");
		if (json_is_true(json_object_get(c, "ready")))
			ready++;
		const char *w = str(c, "state.waiting.reason", NULL);
		const char *t = str(c, "state.terminated.reason", NULL);
		if (w)
			reason = w;
		else if (t)
			reason = t;
	}
	if (str(o, "metadata.deletionTimestamp", NULL))
		reason = "Terminating";
	char readys[32];
	snprintf(readys, sizeof(readys), "%zu/%zu", ready, total);
	return json_pack("[s, s, s, I, o, s, s, s, s]", str(o, "metadata.name", ""), readys, reason,
			 restarts, age_cell(o), str(o, "status.podIP", "<none>"),
			 str(o, "spec.nodeName", "<none>"),
			 str(o, "status.nominatedNodeName", "<none>"), "<none>");
}

static json_t *service_row(const json_t *o)
{
	struct buf ports = BUF_INIT;
	size_t i;
	json_t *p;
	json_array_foreach(at(o, "spec.ports"), i, p) {
		buf_addf(&ports, "%s%lld", ports.len ? "," : "", (long long)num(p, "port"));
		if (num(p, "nodePort"))
			buf_addf(&ports, ":%lld", (long long)num(p, "nodePort"));
		buf_addf(&ports, "/%s", str(p, "protocol", "TCP"));
	}
	const char *ext = "<none>";
	json_t *ing = json_array_get(at(o, "status.loadBalancer.ingress"), 0);
	if (ing)
		ext = str(ing, "ip", str(ing, "hostname", "<none>"));
	else if (!strcmp(str(o, "spec.type", ""), "LoadBalancer"))
		ext = "<pending>";
	json_t *row =
	    json_pack("[s, s, s, s, s, o]", str(o, "metadata.name", ""),
		      str(o, "spec.type", "ClusterIP"), str(o, "spec.clusterIP", "<none>"), ext,
		      ports.len ? ports.data : "<none>", age_cell(o));
	buf_release(&ports);
	return row;
}

/* metav1.LabelSelector as labels.Selector's String(): requirements sorted by key. */
static int by_key(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void selector_string(const json_t *sel, struct buf *out)
{
	size_t n = json_object_size(json_object_get(sel, "matchLabels")) +
		   json_array_size(json_object_get(sel, "matchExpressions"));
	char **req = xcalloc(n + 1, sizeof(char *));
	size_t k = 0, i, j;
	const char *key;
	json_t *v;
	json_object_foreach(json_object_get(sel, "matchLabels"), key, v) {
		req[k++] =
		    xasprintf("%s=%s", key, json_string_value(v) ? json_string_value(v) : "");
	}
	json_array_foreach(json_object_get(sel, "matchExpressions"), i, v) {
		const char *op = str(v, "operator", ""), *ek = str(v, "key", "");
		size_t nv = json_array_size(json_object_get(v, "values"));
		char **vals = xcalloc(nv + 1, sizeof(char *));
		json_t *x;
		json_array_foreach(json_object_get(v, "values"), j, x) {
			vals[j] = (char *)(json_string_value(x) ? json_string_value(x) : "");
		}
		qsort(vals, nv, sizeof(char *), by_key);
		struct buf b = BUF_INIT;
		for (j = 0; j < nv; j++)
			buf_addf(&b, "%s%s", j ? "," : "", vals[j]);
		if (!strcmp(op, "In") || !strcmp(op, "NotIn"))
			req[k++] = xasprintf("%s %s (%s)", ek, !strcmp(op, "In") ? "in" : "notin",
					     b.data ? b.data : "");
		else
			req[k++] = xasprintf("%s%s", !strcmp(op, "DoesNotExist") ? "!" : "", ek);
		buf_release(&b);
		free(vals);
	}
	qsort(req, k, sizeof(char *), by_key);
	for (i = 0; i < k; i++) {
		buf_addf(out, "%s%s", i ? "," : "", req[i]);
		free(req[i]);
	}
	free(req);
}

/* The wide cells of workloads: CONTAINERS, IMAGES, SELECTOR. */
static void workload_wide(const json_t *o, json_t *row)
{
	struct buf names = BUF_INIT, images = BUF_INIT, sel = BUF_INIT;
	size_t i;
	json_t *c;
	json_array_foreach(at(o, "spec.template.spec.containers"), i, c) {
		buf_addf(&names, "%s%s", i ? "," : "", str(c, "name", ""));
		buf_addf(&images, "%s%s", i ? "," : "", str(c, "image", ""));
	}
	selector_string(at(o, "spec.selector"), &sel);
	json_array_append_new(row, json_string(names.data ? names.data : ""));
	json_array_append_new(row, json_string(images.data ? images.data : ""));
	json_array_append_new(row, json_string(sel.data ? sel.data : ""));
	buf_release(&names);
	buf_release(&images);
	buf_release(&sel);
}

static json_t *deployment_row(const json_t *o)
{
	char ready[48];
	snprintf(ready, sizeof(ready), "%lld/%lld", (long long)num(o, "status.readyReplicas"),
		 (long long)num(o, "spec.replicas"));
	json_t *row = json_pack("[s, s, I, I, o]", str(o, "metadata.name", ""), ready,
				num(o, "status.updatedReplicas"),
				num(o, "status.availableReplicas"), age_cell(o));
	workload_wide(o, row);
	return row;
}

static json_t *replicaset_row(const json_t *o)
{
	json_t *row =
	    json_pack("[s, I, I, I, o]", str(o, "metadata.name", ""), num(o, "spec.replicas"),
		      num(o, "status.replicas"), num(o, "status.readyReplicas"), age_cell(o));
	workload_wide(o, row);
	return row;
}

static json_t *age_of(const char *ts)
{
	char *a = human_age(ts);
	json_t *s = json_string(a);
	free(a);
	return s;
}

/* core/v1 Events as the API server prints them (wide: every column). */
static json_t *event_row(const json_t *o)
{
	const char *first = str(o, "firstTimestamp", str(o, "eventTime", NULL));
	const char *last = str(o, "lastTimestamp", first);
	json_int_t count = num(o, "count");
	if (at(o, "series")) {
		last = str(o, "series.lastObservedTime", last);
		count = num(o, "series.count");
	} else if (count == 0) {
		count = 1;
	}
	const char *kind = str(o, "involvedObject.kind", "");
	char *lower = xstrdup(kind);
	for (char *p = lower; *p; p++)
		*p = (char)((*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p);
	const char *name = str(o, "involvedObject.name", NULL);
	char *target = name ? xasprintf("%s/%s", lower, name) : xstrdup(lower);
	const char *comp = str(o, "source.component", str(o, "reportingComponent", ""));
	const char *host = str(o, "source.host", str(o, "reportingInstance", ""));
	char *source = *host ? xasprintf("%s, %s", comp, host) : xstrdup(comp);
	/* strings.TrimSpace of the message */
	const char *msg = str(o, "message", "");
	while (*msg == ' ' || *msg == '\t' || *msg == '\n' || *msg == '\r')
		msg++;
	size_t mlen = strlen(msg);
	while (mlen && strchr(" \t\n\r", msg[mlen - 1]))
		mlen--;
	json_t *row = json_pack(
	    "[o, s, s, s, s, s, s%, o, I, s]", last ? age_of(last) : json_string("<unknown>"),
	    str(o, "type", ""), str(o, "reason", ""), target,
	    str(o, "involvedObject.fieldPath", ""), source, msg, mlen,
	    first ? age_of(first) : json_string("<unknown>"), count, str(o, "metadata.name", ""));
	free(lower);
	free(target);
	free(source);
	return row;
}

static json_t *data_row(const json_t *o, bool secret)
{
	size_t count = json_object_size(json_object_get(o, "data")) +
		       json_object_size(json_object_get(o, "binaryData")) +
		       json_object_size(json_object_get(o, "stringData"));
	json_int_t n = (json_int_t)count;
	if (secret)
		return json_pack("[s, s, I, o]", str(o, "metadata.name", ""),
				 str(o, "type", "Opaque"), n, age_cell(o));
	return json_pack("[s, I, o]", str(o, "metadata.name", ""), n, age_cell(o));
}

/* A CRD column: its jsonPath evaluated as a dotted path. */
static json_t *crd_cell(const json_t *o, const json_t *column)
{
	const char *path = str(column, "jsonPath", "");
	if (*path == '.')
		path++;
	const char *type = str(column, "type", "string");
	if (!strcmp(type, "date")) {
		char *a = human_age(json_string_value(at(o, path)));
		json_t *s = json_string(a);
		free(a);
		return s;
	}
	const json_t *v = at(o, path);
	if (!v)
		return json_string("");
	if (json_is_string(v) || json_is_number(v) || json_is_boolean(v))
		return json_deep_copy(v);
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	json_t *r = json_string(s);
	free(s);
	return r;
}

enum kind { K_GENERIC, K_NODE, K_POD, K_SVC, K_DEPLOY, K_RS, K_CM, K_SECRET, K_NS, K_EVENT, K_CRD };

static enum kind kind_of(const struct sim_rtype *rt)
{
	if (rt->crd && json_array_size(rt->columns))
		return K_CRD;
	if (!strcmp(rt->group, "apps") && !strcmp(rt->resource, "deployments"))
		return K_DEPLOY;
	if (!strcmp(rt->group, "apps") && !strcmp(rt->resource, "replicasets"))
		return K_RS;
	if (*rt->group)
		return K_GENERIC;
	static const struct {
		const char *r;
		enum kind k;
	} core[] = {{"nodes", K_NODE},	  {"pods", K_POD},	 {"services", K_SVC},
		    {"configmaps", K_CM}, {"secrets", K_SECRET}, {"namespaces", K_NS},
		    {"events", K_EVENT},  {NULL, K_GENERIC}};
	for (size_t i = 0; core[i].r; i++)
		if (!strcmp(rt->resource, core[i].r))
			return core[i].k;
	return K_GENERIC;
}

static json_t *columns(const struct sim_rtype *rt, enum kind k)
{
	switch (k) {
	case K_NODE:
		return json_pack("[o,o,o,o,o,o,o,o,o,o]", col("Name", "string", 0),
				 col("Status", "string", 0), col("Roles", "string", 0),
				 col("Age", "string", 0), col("Version", "string", 0),
				 col("Internal-IP", "string", 1), col("External-IP", "string", 1),
				 col("OS-Image", "string", 1), col("Kernel-Version", "string", 1),
				 col("Container-Runtime", "string", 1));
	case K_POD:
		return json_pack(
		    "[o,o,o,o,o,o,o,o,o]", col("Name", "string", 0), col("Ready", "string", 0),
		    col("Status", "string", 0), col("Restarts", "integer", 0),
		    col("Age", "string", 0), col("IP", "string", 1), col("Node", "string", 1),
		    col("Nominated Node", "string", 1), col("Readiness Gates", "string", 1));
	case K_SVC:
		return json_pack("[o,o,o,o,o,o]", col("Name", "string", 0),
				 col("Type", "string", 0), col("Cluster-IP", "string", 0),
				 col("External-IP", "string", 0), col("Port(s)", "string", 0),
				 col("Age", "string", 0));
	case K_DEPLOY:
		return json_pack("[o,o,o,o,o,o,o,o]", col("Name", "string", 0),
				 col("Ready", "string", 0), col("Up-to-date", "integer", 0),
				 col("Available", "integer", 0), col("Age", "string", 0),
				 col("Containers", "string", 1), col("Images", "string", 1),
				 col("Selector", "string", 1));
	case K_RS:
		return json_pack("[o,o,o,o,o,o,o,o]", col("Name", "string", 0),
				 col("Desired", "integer", 0), col("Current", "integer", 0),
				 col("Ready", "integer", 0), col("Age", "string", 0),
				 col("Containers", "string", 1), col("Images", "string", 1),
				 col("Selector", "string", 1));
	case K_EVENT: {
		json_t *name = col("Name", "string", 1);
		return json_pack("[o,o,o,o,o,o,o,o,o,o]", col("Last Seen", "string", 0),
				 col("Type", "string", 0), col("Reason", "string", 0),
				 col("Object", "string", 0), col("Subobject", "string", 1),
				 col("Source", "string", 1), col("Message", "string", 0),
				 col("First Seen", "string", 1), col("Count", "string", 1), name);
	}
	case K_CM:
		return json_pack("[o,o,o]", col("Name", "string", 0), col("Data", "integer", 0),
				 col("Age", "string", 0));
	case K_SECRET:
		return json_pack("[o,o,o,o]", col("Name", "string", 0), col("Type", "string", 0),
				 col("Data", "integer", 0), col("Age", "string", 0));
	case K_NS:
		return json_pack("[o,o,o]", col("Name", "string", 0), col("Status", "string", 0),
				 col("Age", "string", 0));
	case K_CRD: {
		json_t *cols = json_pack("[o]", col("Name", "string", 0));
		size_t i;
		json_t *c;
		json_array_foreach(rt->columns, i, c) {
			json_t *d = col(str(c, "name", ""), str(c, "type", "string"),
					(int)num(c, "priority"));
			if (!strcmp(str(c, "type", ""), "date"))
				json_object_set_new(d, "type", json_string("string"));
			json_array_append_new(cols, d);
		}
		return cols;
	}
	default:
		return json_pack("[o,o]", col("Name", "string", 0), col("Age", "string", 0));
	}
}

static json_t *cells(const struct sim_rtype *rt, enum kind k, const json_t *o)
{
	switch (k) {
	case K_NODE:
		return node_row(o);
	case K_POD:
		return pod_row(o);
	case K_SVC:
		return service_row(o);
	case K_DEPLOY:
		return deployment_row(o);
	case K_RS:
		return replicaset_row(o);
	case K_EVENT:
		return event_row(o);
	case K_CM:
		return data_row(o, false);
	case K_SECRET:
		return data_row(o, true);
	case K_NS:
		return json_pack("[s, s, o]", str(o, "metadata.name", ""),
				 str(o, "status.phase", "Active"), age_cell(o));
	case K_CRD: {
		json_t *r = json_pack("[s]", str(o, "metadata.name", ""));
		size_t i;
		json_t *c;
		json_array_foreach(rt->columns, i, c) {
			json_array_append_new(r, crd_cell(o, c));
		}
		return r;
	}
	default:
		return json_pack("[s, o]", str(o, "metadata.name", ""), age_cell(o));
	}
}

static json_t *row_object(const struct sim_rtype *rt, const json_t *o, const char *include,
			  const char *version)
{
	if (include && !strcmp(include, "None"))
		return NULL;
	if (include && !strcmp(include, "Object"))
		return sim_obj_for_version(rt, o, version);
	return json_pack("{s:s, s:s, s:O}", "kind", "PartialObjectMetadata", "apiVersion",
			 "meta.k8s.io/v1", "metadata", json_object_get(o, "metadata"));
}

bool sim_table_wanted(const char *accept)
{
	return accept && strstr(accept, "as=Table") && strstr(accept, "g=meta.k8s.io");
}

json_t *sim_table_from(const struct sim_rtype *rt, const json_t *answer, const char *include,
		       const char *version)
{
	enum kind k = kind_of(rt);
	json_t *items = json_object_get(answer, "items");
	json_t *md = items ? json_deep_copy(json_object_get(answer, "metadata")) : json_object();
	if (!items) {
		const char *rv = sim_meta_str(answer, "resourceVersion");
		if (rv)
			json_object_set_new(md, "resourceVersion", json_string(rv));
	}
	json_t *rows = json_array();
	size_t n = items ? json_array_size(items) : 1;
	for (size_t i = 0; i < n; i++) {
		const json_t *o = items ? json_array_get(items, i) : answer;
		json_t *row = json_pack("{s:o}", "cells", cells(rt, k, o));
		json_t *obj = row_object(rt, o, include, version);
		if (obj)
			json_object_set_new(row, "object", obj);
		json_array_append_new(rows, row);
	}
	return json_pack("{s:s, s:s, s:o, s:o, s:o}", "kind", "Table", "apiVersion",
			 "meta.k8s.io/v1", "metadata", md, "columnDefinitions", columns(rt, k),
			 "rows", rows);
}
