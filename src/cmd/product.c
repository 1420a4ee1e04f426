/* product.c: `kaic product validate FILE`: checks a PRODUCT.yaml as the CNCF AI
 * Conformance program does (docs/cncf.md, "Validation"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "report/product.h"
#include "util/esc.h"
#include "util/xmalloc.h"

static int validate(const char *path)
{
	char **problems = product_validate_file(path);
	size_t n = product_problems_count(problems);
	for (size_t i = 0; i < n; i++) {
		char *line = esc_text_dup(problems[i]);
		printf("%s: %s\n", path, line);
		free(line);
	}
	if (n == 0)
		printf("%s: valid: every MUST is Implemented (or N/A where allowed), metadata "
		       "filled in\n",
		       path);
	product_problems_free(problems);
	return fflush(stdout) == 0 && n == 0 ? KAIC_EXIT_OK : KAIC_EXIT_NOT_CONFORMANT;
}

static int product_exec(const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = {{NULL, 0, NULL, 0}};
	optind = 0;
	if (cmd_getopt(self->name, argc, argv, "+:", opts) == '?')
		return KAIC_EXIT_USAGE;
	if (optind >= argc)
		return cmd_usage_error(self->name, "missing subcommand (validate FILE)");
	if (strcmp(argv[optind], "validate") != 0)
		return cmd_usage_error(self->name, "unknown subcommand \"%s\" (validate FILE)",
				       argv[optind]);
	if (optind + 1 >= argc)
		return cmd_usage_error(self->name, "validate needs a FILE");
	if (optind + 2 < argc)
		return cmd_usage_error(self->name, "unexpected argument \"%s\"", argv[optind + 2]);
	return validate(argv[optind + 1]);
}

const struct cmd_entry cmd_product_entry = {
    .name = "product",
    .usage = "product validate FILE",
    .help = "Check a CNCF AI Conformance PRODUCT.yaml as the program does.\n"
	    "\n"
	    "Checks the checklist version's sections, ids, levels and descriptions, the\n"
	    "statuses (Implemented, Partially Implemented, Not Implemented, N/A), that every\n"
	    "MUST is Implemented (or N/A with notes where the checklist allows it), evidence\n"
	    "for Implemented, and that the metadata is filled in (placeholders flagged).\n"
	    "Exit status: 0 valid; 1 one line per problem on stdout; 2 usage error.\n",
    .exec = product_exec,
    .flags = 0,
};
