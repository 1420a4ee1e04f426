/* dcgm.c: the pod attribution of an accelerator metrics exporter. NVIDIA's DCGM exporter
 * asks the kubelet which pod holds each GPU and fills the pod, namespace and container
 * labels of that GPU's samples (empty when no pod holds it). kaic-sim serves exporter
 * metrics as static scenario files; this model rewrites them per request: a sample whose
 * UUID label names a device allocated by a ResourceClaim reserved for a running pod gets
 * that pod's labels. Settings: controllers.dcgm.attribute (default true). */

#include "controllers/dcgm.h"

#include <stdlib.h>
#include <string.h>

#include "controllers/ctl_util.h"
#include "sim.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#define DRA "resource.k8s.io"

struct holder {
	char *uuid;
	const char *ns, *pod, *container; /* borrowed from the holder pods */
};

struct holders {
	struct holder *v;
	size_t n;
};

/* The uuid attribute of device driver/pool/name in slices, borrowed, or NULL. */
static const char *device_uuid(const json_t *slices, const char *driver, const char *pool,
			       const char *name)
{
	size_t i, j;
	const json_t *s, *d;
	json_array_foreach(slices, i, s) {
		if (strcmp(ctl_s(s, "spec.driver"), driver) != 0 ||
		    strcmp(ctl_s(s, "spec.pool.name"), pool) != 0)
			continue;
		json_array_foreach(ctl_at(s, "spec.devices"), j, d) {
			if (strcmp(ctl_s(d, "name"), name) != 0)
				continue;
			const char *u = ctl_str(d, "attributes.uuid.string");
			return u ? u : ctl_str(d, "basic.attributes.uuid.string");
		}
	}
	return NULL;
}

/* The running pod named by one of the claim's reservedFor entries (read by name; kept
 * alive in keep, whose reference it is), or NULL. */
static const json_t *running_holder(struct sim_api *api, const json_t *claim, json_t *keep)
{
	size_t i;
	const json_t *r;
	const char *ns = ctl_s(claim, "metadata.namespace");
	json_array_foreach(ctl_at(claim, "status.reservedFor"), i, r) {
		json_t *p = ctl_get(api, "", "pods", ns, ctl_s(r, "name"));
		if (p != NULL && ctl_pod_answers(p)) {
			json_array_append_new(keep, p);
			return p;
		}
		json_decref(p);
	}
	return NULL;
}

static void add_claim(struct sim_api *api, struct holders *h, const json_t *claim,
		      const json_t *slices, json_t *pods)
{
	const json_t *pod = running_holder(api, claim, pods);
	size_t i;
	const json_t *r;
	if (pod == NULL)
		return;
	json_array_foreach(ctl_at(claim, "status.allocation.devices.results"), i, r) {
		const char *u =
		    device_uuid(slices, ctl_s(r, "driver"), ctl_s(r, "pool"), ctl_s(r, "device"));
		if (u == NULL)
			continue;
		h->v = xreallocarray(h->v, h->n + 1, sizeof(*h->v));
		h->v[h->n++] = (struct holder){xstrdup(u), ctl_s(pod, "metadata.namespace"),
					       ctl_s(pod, "metadata.name"),
					       ctl_s(pod, "spec.containers.0.name")};
	}
}

static const struct holder *find_holder(const struct holders *h, const char *uuid, size_t len)
{
	for (size_t i = 0; i < h->n; i++)
		if (strlen(h->v[i].uuid) == len && strncmp(h->v[i].uuid, uuid, len) == 0)
			return &h->v[i];
	return NULL;
}

/* Appends line (len bytes, without its newline) with the empty label NAME set to value. */
static void fill_label(struct buf *out, const char *line, size_t len, const char *name,
		       const char *value)
{
	char *pat = xasprintf(",%s=\"\"", name);
	const char *at = memmem(line, len, pat, strlen(pat));
	if (at == NULL) {
		buf_add(out, line, len);
	} else {
		size_t head = (size_t)(at - line) + strlen(name) + 3; /* up to and with =" */
		buf_add(out, line, head);
		buf_adds(out, value);
		buf_add(out, at + strlen(pat) - 1, len - (size_t)(at - line) - strlen(pat) + 1);
	}
	free(pat);
}

/* Appends one line, attributed when its UUID label names a held device. */
static void attribute_line(struct buf *out, const char *line, size_t len, const struct holders *h)
{
	const char *u = memmem(line, len, "UUID=\"", 6);
	const char *end = u ? memchr(u + 6, '"', len - (size_t)(u + 6 - line)) : NULL;
	const struct holder *who = end ? find_holder(h, u + 6, (size_t)(end - u - 6)) : NULL;
	if (who == NULL || line[0] == '#') {
		buf_add(out, line, len);
		return;
	}
	struct buf a = BUF_INIT, b = BUF_INIT;
	fill_label(&a, line, len, "pod", who->pod);
	fill_label(&b, a.data, a.len, "namespace", who->ns);
	fill_label(out, b.data, b.len, "container", who->container);
	buf_release(&a);
	buf_release(&b);
}

char *ctl_dcgm_attribute(struct sim_api *api, const char *body, size_t len, size_t *out_len)
{
	if (!ctl_setting_bool(api, "dcgm", "attribute", true) ||
	    memmem(body, len, "UUID=\"", 6) == NULL)
		return NULL;
	json_t *claims = ctl_list(api, DRA, "resourceclaims", NULL);
	json_t *pods = json_array(); /* the holders, read by name */
	json_t *slices =
	    json_array_size(claims) ? ctl_list(api, DRA, "resourceslices", NULL) : json_array();
	struct holders h = {0};
	size_t i;
	const json_t *c;
	json_array_foreach(claims, i, c) {
		add_claim(api, &h, c, slices, pods);
	}
	char *out = NULL;
	if (h.n > 0) {
		struct buf b = BUF_INIT;
		for (const char *p = body, *stop = body + len; p < stop;) {
			const char *nl = memchr(p, '\n', (size_t)(stop - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(stop - p);
			attribute_line(&b, p, n, &h);
			if (nl)
				buf_add(&b, "\n", 1);
			p += n + (nl ? 1 : 0);
		}
		out = buf_detach(&b, out_len);
	}
	for (i = 0; i < h.n; i++)
		free(h.v[i].uuid);
	free(h.v);
	json_decref(claims);
	json_decref(pods);
	json_decref(slices);
	return out;
}
