/* checklist.c: `kaic checklist`: the blank self-assessment template (Appendix A). */
#include "cmd/cmd.h"
#include "report/report.h"

static int checklist_exec(const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option opts[] = {{NULL, 0, NULL, 0}};
	optind = 0;
	if (cmd_getopt(self->name, argc, argv, "+:", opts) == '?' ||
	    cmd_no_args(self->name, argc, argv) != 0)
		return KAIC_EXIT_USAGE;
	report_markdown_template(stdout);
	return fflush(stdout) == 0 ? KAIC_EXIT_OK : KAIC_EXIT_NOT_CONFORMANT;
}

const struct cmd_entry cmd_checklist_entry = {
    .name = "checklist",
    .usage = "checklist",
    .help = "Print the blank self-assessment checklist (Markdown, Appendix A layout).\n"
	    "\n"
	    "Fill in the Support Level (No, Partial, Full) and the notes by hand, or run\n"
	    "\"kaic run\", which writes it filled in as checklist.md.\n",
    .exec = checklist_exec,
    .flags = 0,
};
