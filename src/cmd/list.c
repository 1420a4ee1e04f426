/* list.c: `kaic list`: the catalogue of requirements, as a table or JSON. */
#include <jansson.h>
#include <stdlib.h>

#include "catalog/catalog.h"
#include "checks/checks.h"
#include "cmd/cmd.h"

/* "passive, active", "passive" or "-": which parts of the check exist. */
static const char *parts(const struct check *c)
{
	if (c == NULL || c->passive == NULL)
		return "-";
	return c->active != NULL ? "passive, active" : "passive";
}

static void print_table(void)
{
	const struct requirement *reqs = catalog_all();
	printf("%-9s%-8s%-15s%-17s%s\n", "ID", "LEVEL", "DOMAIN", "CHECKS", "TITLE");
	for (size_t i = 0; i < catalog_count(); i++)
		printf("%-9s%-8s%-15s%-17s%s\n", reqs[i].id, level_name(reqs[i].level),
		       reqs[i].domain, parts(checks_find(reqs[i].id)), reqs[i].title);
}

static int print_json(void)
{
	const struct requirement *reqs = catalog_all();
	json_t *arr = json_array();
	for (size_t i = 0; i < catalog_count(); i++) {
		const struct check *c = checks_find(reqs[i].id);
		json_array_append_new(
		    arr, json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:b}", "id", reqs[i].id, "level",
				   level_name(reqs[i].level), "domain", reqs[i].domain, "title",
				   reqs[i].title, "description", reqs[i].description, "passive",
				   c != NULL && c->passive != NULL, "active",
				   c != NULL && c->active != NULL));
	}
	json_t *doc =
	    json_pack("{s:s,s:o}", "spec_version", catalog_spec_version(), "requirements", arr);
	int rc = json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	putchar('\n');
	return rc == 0 ? KAIC_EXIT_OK : KAIC_EXIT_NOT_CONFORMANT;
}

static int list_exec(const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
	bool json = false;
	optind = 0;
	int c;
	while ((c = cmd_getopt(self->name, argc, argv, "+:", opts)) != -1) {
		if (c == '?')
			return KAIC_EXIT_USAGE;
		json = true;
	}
	if (cmd_no_args(self->name, argc, argv) != 0)
		return KAIC_EXIT_USAGE;
	if (json)
		return print_json();
	print_table();
	return KAIC_EXIT_OK;
}

const struct cmd_entry cmd_list_entry = {
    .name = "list",
    .usage = "list [--json]",
    .help = "List the requirements of the checklist (ID, level, domain, title).\n"
	    "\n"
	    "  --json   print them as JSON (with descriptions and which checks exist)\n",
    .exec = list_exec,
    .flags = 0,
};
