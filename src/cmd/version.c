/* version.c: `kaic version`: the program and checklist versions. */
#include <jansson.h>

#include "catalog/catalog.h"
#include "cmd/cmd.h"

static int version_exec(const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
	bool json = false;
	int c;
	optind = 0;
	while ((c = cmd_getopt(self->name, argc, argv, "+:", opts)) != -1) {
		if (c == '?')
			return KAIC_EXIT_USAGE;
		json = true;
	}
	if (cmd_no_args(self->name, argc, argv) != 0)
		return KAIC_EXIT_USAGE;
	if (!json) {
		printf("kaic %s (Kubernetes AI Conformance checklist %s)\n", KAIC_VERSION,
		       catalog_spec_version());
		return KAIC_EXIT_OK;
	}
	json_t *doc = json_pack("{s:s,s:s,s:i,s:s}", "kaic_version", KAIC_VERSION, "spec_version",
				catalog_spec_version(), "requirements", (int)catalog_count(),
				"image", KAIC_DEFAULT_IMAGE);
	json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(doc);
	return KAIC_EXIT_OK;
}

const struct cmd_entry cmd_version_entry = {
    .name = "version",
    .usage = "version [--json]",
    .help = "Print kaic's version and the checklist version it certifies against.\n"
	    "\n"
	    "  --json   as JSON (kaic_version, spec_version, requirements, image)\n",
    .exec = version_exec,
    .flags = 0,
};
