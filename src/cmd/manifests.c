/* manifests.c: `kaic manifests`: prints every object an active run would create, as one
 * multi-document YAML stream, without a cluster (for review, air-gapped approval and
 * validation). */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "checks/active_tests.h"
#include "cmd/cmd.h"
#include "util/buf.h"
#include "util/xmalloc.h"
#include "util/yaml.h"

#define MANIFESTS_RUN_ID "manifests"

/* Whether id is in the comma-separated list (NULL = every ID). */
static bool focused(const char *list, const char *id)
{
	if (list == NULL)
		return true;
	char *copy = xstrdup(list);
	bool found = false;
	char *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok != NULL && !found;
	     tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		const struct requirement *r = catalog_find(tok);
		found = r != NULL && strcmp(r->id, id) == 0;
	}
	free(copy);
	return found;
}

/* The first ID of list that is not in the catalogue (a new string), or NULL. */
static char *unknown_id(const char *list)
{
	char *copy = xstrdup(list);
	char *bad = NULL, *save = NULL;
	bool any = false;
	for (char *tok = strtok_r(copy, ",", &save); tok != NULL && bad == NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (*tok == '\0')
			continue;
		any = true;
		if (catalog_find(tok) == NULL)
			bad = xstrdup(tok);
	}
	free(copy);
	return bad != NULL || any ? bad : xstrdup(list);
}

static int print_manifests(const char *focus, const char *image)
{
	char *ns = active_namespace_name(MANIFESTS_RUN_ID);
	struct active_params p;
	active_params_init(&p, MANIFESTS_RUN_ID, ns, image, 0);
	struct buf out = BUF_INIT;
	buf_init(&out);
	json_t *nsobj = active_namespace_object(MANIFESTS_RUN_ID);
	buf_adds(&out, "---\n");
	yaml_emit(&out, nsobj);
	json_decref(nsobj);
	json_t *lease = active_heartbeat_object(MANIFESTS_RUN_ID, NULL);
	buf_adds(&out, "---\n");
	yaml_emit(&out, lease);
	json_decref(lease);
	for (const struct active_test *t = active_tests; t->id != NULL; t++) {
		if (!focused(focus, t->id))
			continue;
		json_t *objs = t->objects(&p);
		size_t i;
		json_t *o;
		json_array_foreach(objs, i, o) {
			buf_adds(&out, "---\n");
			yaml_emit(&out, o);
		}
		json_decref(objs);
	}
	fwrite(out.data, 1, out.len, stdout);
	buf_release(&out);
	free(ns);
	return fflush(stdout) == 0 ? KAIC_EXIT_OK : KAIC_EXIT_NOT_CONFORMANT;
}

static int manifests_exec(const struct cmd_entry *self, int argc, char **argv)
{
	enum { O_FOCUS = 256, O_IMAGE };
	static const struct option opts[] = {
	    {"focus", required_argument, NULL, O_FOCUS},
	    {"image", required_argument, NULL, O_IMAGE},
	    {NULL, 0, NULL, 0},
	};
	const char *focus = NULL, *image = KAIC_DEFAULT_IMAGE;
	int c;
	optind = 0;
	while ((c = cmd_getopt(self->name, argc, argv, "+:", opts)) != -1) {
		if (c == '?')
			return KAIC_EXIT_USAGE;
		if (*optarg == '\0')
			return cmd_usage_error(self->name, "invalid value \"\" for --%s",
					       c == O_FOCUS ? "focus" : "image");
		if (c == O_FOCUS)
			focus = optarg;
		else
			image = optarg;
	}
	if (cmd_no_args(self->name, argc, argv) != 0)
		return KAIC_EXIT_USAGE;
	if (focus != NULL) {
		char *bad = unknown_id(focus);
		if (bad != NULL) {
			int rc = strcmp(bad, focus) == 0 && catalog_find(focus) == NULL &&
					 strspn(focus, ", ") == strlen(focus)
				     ? cmd_usage_error(self->name,
						       "invalid value \"%s\" for --focus", focus)
				     : cmd_usage_error(self->name,
						       "unknown requirement \"%s\" in --focus "
						       "(\"kaic list\" shows the IDs)",
						       bad);
			free(bad);
			return rc;
		}
	}
	return print_manifests(focus, image);
}

const struct cmd_entry cmd_manifests_entry = {
    .name = "manifests",
    .usage = "manifests [--focus ID,...] [--image REF]",
    .help = "Print every object an active run would create, as YAML, without a cluster.\n"
	    "\n"
	    "For review, air-gapped approval and validation. The run ID is \"manifests\"\n"
	    "(namespace kaic-manifests); what a run discovers in the cluster (DeviceClass,\n"
	    "GatewayClass and the Gateway's address, StorageClass and VolumeSnapshotClass,\n"
	    "the Prometheus monitor labels) appears as example-* placeholders. A run creates\n"
	    "the PodMonitor only where monitoring.coreos.com is served, and the snapshot\n"
	    "objects only where a VolumeSnapshotClass of the StorageClass's driver exists.\n"
	    "WL-2.3's Kueue ResourceFlavor, WorkloadPriorityClass and ClusterQueue are\n"
	    "cluster-scoped (named queue-<run-id>...); WL-2.4's constraint attribute and\n"
	    "device count are discovered (shown: resource.kubernetes.io/pcieRoot, 5).\n"
	    "\n"
	    "  --focus ID,...   only the objects of these requirements (\"kaic list\")\n"
	    "  --image REF      image of the test pods (default " KAIC_DEFAULT_IMAGE ")\n",
    .exec = manifests_exec,
    .flags = 0,
};
