/* cmd.c: the command table, the dispatcher behind main() and the helpers commands share. */
#include "cmd/cmd.h"

#include <stdlib.h>
#include <string.h>

const struct cmd_entry *const cmd_table[] = {
    &cmd_run_entry,
    &cmd_list_entry,
    &cmd_checklist_entry,
    &cmd_product_entry,
    &cmd_cleanup_entry,
    &cmd_images_entry,
    &cmd_manifests_entry,
    &cmd_probe_entry,
    &cmd_version_entry,
    &cmd_help_entry,
    NULL,
};

const struct cmd_entry *cmd_find(const char *name)
{
	for (const struct cmd_entry *const *e = cmd_table; *e != NULL; e++)
		if (strcmp((*e)->name, name) == 0)
			return *e;
	return NULL;
}

void cmd_print_help(const struct cmd_entry *e, FILE *out)
{
	fprintf(out, "usage: kaic %s\n\n%s", e->usage, e->help);
	size_t n = strlen(e->help);
	if (n > 0 && e->help[n - 1] != '\n')
		fputc('\n', out);
}

/* The first line of a help text, for the command list. */
static void print_summary(FILE *out, const char *help)
{
	const char *nl = strchr(help, '\n');
	fprintf(out, "%.*s\n", nl ? (int)(nl - help) : (int)strlen(help), help);
}

void cmd_print_commands(FILE *out)
{
	fputs("usage: kaic COMMAND [flags]\n"
	      "       kubectl aiconformance COMMAND [flags]   (as a kubectl plugin)\n\n"
	      "kaic certifies a Kubernetes cluster against the Kubernetes AI Conformance "
	      "checklist.\n\nCommands:\n",
	      out);
	for (const struct cmd_entry *const *e = cmd_table; *e != NULL; e++) {
		fprintf(out, "  %-11s", (*e)->name);
		print_summary(out, (*e)->help);
	}
	fputs("\nRun \"kaic help COMMAND\" or \"kaic COMMAND --help\" for a command's flags.\n",
	      out);
}

static bool is_help(const char *a)
{
	return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

/* True when argv asks for help before any "--". */
static bool wants_help(const struct cmd_entry *e, int argc, char **argv)
{
	if (argc > 1 && is_help(argv[1]))
		return true;
	if (e->flags & CMD_PASSTHROUGH)
		return false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (is_help(argv[i]))
			return true;
	}
	return false;
}

int cmd_main(int argc, char **argv)
{
	if (argc < 2) {
		cmd_print_commands(stderr);
		return KAIC_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (is_help(name)) {
		cmd_print_commands(stdout);
		return KAIC_EXIT_OK;
	}
	if (strcmp(name, "--version") == 0)
		name = "version";
	const struct cmd_entry *e = cmd_find(name);
	if (e == NULL) {
		if (name[0] == '-')
			fprintf(stderr,
				"kaic: unknown option \"%s\" (a command comes first: "
				"\"kaic help\" lists them)\n",
				name);
		else
			fprintf(stderr, "kaic: unknown command \"%s\" (\"kaic help\" lists them)\n",
				name);
		return KAIC_EXIT_USAGE;
	}
	if (wants_help(e, argc - 1, argv + 1)) {
		cmd_print_help(e, stdout);
		return KAIC_EXIT_OK;
	}
	return e->exec(e, argc - 1, argv + 1);
}
