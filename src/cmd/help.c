/* help.c: `kaic help [COMMAND]`. */
#include "cmd/cmd.h"

static int help_exec(const struct cmd_entry *self, int argc, char **argv)
{
	if (argc < 2) {
		cmd_print_commands(stdout);
		return KAIC_EXIT_OK;
	}
	if (argc > 2)
		return cmd_usage_error(self->name, "unexpected argument \"%s\"", argv[2]);
	const struct cmd_entry *e = cmd_find(argv[1]);
	if (e == NULL)
		return cmd_usage_error(self->name, "unknown command \"%s\"", argv[1]);
	cmd_print_help(e, stdout);
	return KAIC_EXIT_OK;
}

const struct cmd_entry cmd_help_entry = {
    .name = "help",
    .usage = "help [COMMAND]",
    .help = "Show the commands, or the flags of one command.\n",
    .exec = help_exec,
    .flags = 0,
};
