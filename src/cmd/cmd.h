/* cmd.h: kaic's subcommands as descriptors (one file per command in cmd/), the
 * dispatcher that main() calls, and the small helpers every command shares. */
#ifndef KAIC_CMD_H
#define KAIC_CMD_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "kube/kube.h"
#include "run/run_opts.h"
#include "util/exit.h"

/* The name kubectl gives the binary when it runs as the plugin `kubectl aiconformance`. */
#define KAIC_PLUGIN_NAME "kubectl-aiconformance"

enum cmd_flags {
	CMD_PASSTHROUGH = 1 << 0, /* arguments go to the command untouched: only a --help
				     right after the name is taken by the dispatcher */
	CMD_CLUSTER = 1 << 1,	  /* talks to a cluster (kubeconfig flags apply) */
};

struct cmd_entry {
	const char *name;
	const char *usage; /* "run [flags]": the synopsis after the program name */
	const char *help;  /* a one-line summary, a blank line, then the flags */
	/* Runs the command; argv[0] is the command name. Returns the exit status. */
	int (*exec)(const struct cmd_entry *self, int argc, char **argv);
	unsigned flags;
};

extern const struct cmd_entry cmd_run_entry;
extern const struct cmd_entry cmd_list_entry;
extern const struct cmd_entry cmd_checklist_entry;
extern const struct cmd_entry cmd_cleanup_entry;
extern const struct cmd_entry cmd_images_entry;
extern const struct cmd_entry cmd_manifests_entry;
extern const struct cmd_entry cmd_probe_entry;
extern const struct cmd_entry cmd_product_entry;
extern const struct cmd_entry cmd_version_entry;
extern const struct cmd_entry cmd_help_entry;

/* The command table, NULL-terminated, in the order `kaic help` lists it. */
extern const struct cmd_entry *const cmd_table[];

/* The command called name, or NULL. */
const struct cmd_entry *cmd_find(const char *name);

/* The whole program: dispatches argv (argv[0] the program path; a basename of
 * kubectl-aiconformance behaves the same). Returns the process exit status: 2 with a
 * one-line message on stderr for an unknown command or missing arguments. */
int cmd_main(int argc, char **argv);

/* Prints "usage: kaic USAGE" and the help text of e. */
void cmd_print_help(const struct cmd_entry *e, FILE *out);
/* Prints the command list (for `kaic --help` and `kaic help`). */
void cmd_print_commands(FILE *out);

/* opt.c: prints "kaic NAME: MESSAGE" on stderr and returns 2 (the usage-error status). */
int cmd_usage_error(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* opt.c: the same, printed as a usage error; returns 2. */
int cmd_getopt_error(const char *name, int c, const char *cur, int optopt);

/* Opens a client for the kubeconfig flags: in_cluster (or, when no kubeconfig exists
 * anywhere and KUBERNETES_SERVICE_HOST is set, automatically) uses the service
 * account. Returns NULL with *cause (caller frees) naming the problem. */
struct kube_client *cmd_client_open(const char *kubeconfig, const char *context, bool in_cluster,
				    const struct kube_client_opts *opts, char **cause);

/* opt.c: getopt_long for a command (set optind = 0 before the first call; optstring
 * starts with "+:"). Returns the option, -1 at the end, or '?' after printing the usage
 * error for a bad argument (the command then exits 2). */
int cmd_getopt(const char *name, int argc, char **argv, const char *optstring,
	       const struct option *longopts);
/* opt.c: after the options: 0, or 2 after a usage error when arguments are left. */
int cmd_no_args(const char *name, int argc, char **argv);

/* opt.c: log level for -v counted verbose times: 0 warnings, 1 info, 2+ debug. */
void cmd_set_verbosity(int verbose);

#endif
