/* opt.h: what getopt_long's answer for a bad argument means, in words. */
#ifndef KAIC_UTIL_OPT_H
#define KAIC_UTIL_OPT_H

/* What getopt_long's answer for a bad argument ('?' or ':') means, as a message such as
 * `unknown option "--x"` (caller frees). cur is the argument getopt was looking at
 * (argv[optind] before the call); commands use the optstring prefix "+:". */
char *opt_message(int c, const char *cur, int optopt);

#endif
