/* exit.h: kaic's exit statuses, the one place they are defined (docs/running.md
 * explains them to users). Every command returns one of these. */
#ifndef KAIC_UTIL_EXIT_H
#define KAIC_UTIL_EXIT_H

enum kaic_exit {
	/* The command did what was asked; for `kaic run`, every MUST requirement was decided
	 * Full (none Skipped) and nothing is Error. */
	KAIC_EXIT_OK = 0,
	/* `kaic run`: a MUST requirement is Partial or No (any level with --strict). Other
	 * commands: the work failed (a write, a delete, a listing). */
	KAIC_EXIT_NOT_CONFORMANT = 1,
	/* Bad usage or configuration: unknown option, bad value, no cluster reachable. */
	KAIC_EXIT_USAGE = 2,
	/* `kaic run`: no MUST failed, but something was not decided: a MUST Skipped by
	 * --focus/--skip, or any requirement Error. */
	KAIC_EXIT_UNDECIDED = 3,
	/* Stopped by SIGINT/SIGTERM (128 + SIGINT, as shells report it). */
	KAIC_EXIT_INTERRUPTED = 130,
};

#endif
