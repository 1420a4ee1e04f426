/* self_image.c: the image of kaic's own container, read from its pod. */
#include "run/self_image.h"

#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

/* Whether container c runs kaic: its command's first word is kaic or ends in /kaic. */
static bool runs_kaic(const json_t *c)
{
	const char *cmd = json_string_value(json_array_get(json_object_get(c, "command"), 0));
	if (cmd == NULL)
		return false;
	const char *base = strrchr(cmd, '/');
	return strcmp(base ? base + 1 : cmd, "kaic") == 0;
}

char *run_self_image(struct kube_client *c, char **why)
{
	const struct kube_config *cfg = kube_client_config(c);
	const char *pod = getenv("HOSTNAME");
	if (cfg->source == NULL || strcmp(cfg->source, "in-cluster") != 0)
		return NULL; /* no pod to read: nothing to tell */
	if (pod == NULL || *pod == '\0') {
		*why = xstrdup("HOSTNAME (the pod's name) is not set");
		return NULL;
	}
	char *path = xasprintf("/api/v1/namespaces/%s/pods/%s", cfg->namespace, pod);
	json_t *obj = NULL;
	struct kube_error err = {0};
	int rc = kube_get(c, path, &obj, &err);
	free(path);
	if (rc != 0) {
		*why = xasprintf("cannot read pod %s/%s: %s", cfg->namespace, pod, err.message);
		return NULL;
	}
	char *image = NULL;
	size_t i, found = 0;
	json_t *ct;
	json_array_foreach(json_object_get(json_object_get(obj, "spec"), "containers"), i, ct) {
		const char *img = json_string_value(json_object_get(ct, "image"));
		if (!runs_kaic(ct) || img == NULL)
			continue;
		if (found++ == 0)
			image = xstrdup(img);
	}
	json_decref(obj);
	if (found != 1) {
		free(image);
		*why = xasprintf("pod %s/%s has %zu containers that run kaic, not one",
				 cfg->namespace, pod, found);
		return NULL;
	}
	return image;
}
