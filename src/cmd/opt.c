/* opt.c: usage errors and getopt diagnostics shared by the commands. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "util/opt.h"
#include "util/log.h"
#include "util/xmalloc.h"

int cmd_usage_error(const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	char *clean = log_line(msg);
	fprintf(stderr, "kaic %s: %s\n", name, clean);
	free(clean);
	free(msg);
	return KAIC_EXIT_USAGE;
}

int cmd_getopt_error(const char *name, int c, const char *cur, int optopt)
{
	char *msg = opt_message(c, cur, optopt);
	cmd_usage_error(name, "%s", msg);
	free(msg);
	return KAIC_EXIT_USAGE;
}

int cmd_getopt(const char *name, int argc, char **argv, const char *optstring,
	       const struct option *longopts)
{
	opterr = 0;
	const char *cur = optind < argc ? argv[optind] : NULL;
	if (optind == 0)
		cur = argc > 1 ? argv[1] : NULL;
	int c = getopt_long(argc, argv, optstring, longopts, NULL);
	if (c == '?' || c == ':') {
		cmd_getopt_error(name, c, cur, optopt);
		return '?';
	}
	return c;
}

int cmd_no_args(const char *name, int argc, char **argv)
{
	if (optind < argc)
		return cmd_usage_error(name, "unexpected argument \"%s\"", argv[optind]);
	return 0;
}

void cmd_set_verbosity(int verbose)
{
	if (verbose >= 2)
		log_set_level(LOG_DEBUG);
	else if (verbose == 1)
		log_set_level(LOG_INFO);
	else
		log_set_level(LOG_WARN);
}
