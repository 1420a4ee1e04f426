/* dirwalk.h: a recursive walk of a directory tree, calling a visitor for each entry. */
#ifndef KAIC_UTIL_DIRWALK_H
#define KAIC_UTIL_DIRWALK_H

#include <stdbool.h>
#include <sys/stat.h>

/* One entry met by the walk. The strings are valid during the visitor's call only. */
struct dirwalk_entry {
	const char *rel;       /* path below the walked directory: "a/b.json" */
	const char *path;      /* the directory's path joined with rel */
	const char *name;      /* the last component of rel */
	const struct stat *st; /* stat(2) of path, following links; NULL when it failed */
};

/* What a visitor returns: go on (descending into a directory), leave this directory out,
 * or stop the walk with an error (the visitor sets *cause). */
enum { DIRWALK_NEXT = 0, DIRWALK_PRUNE = 1, DIRWALK_FAIL = -1 };

typedef int (*dirwalk_fn)(const struct dirwalk_entry *e, void *arg, char **cause);

/* Calls fn for every entry under dir, depth first, in the order readdir gives (sort
 * afterwards for a stable order); names starting with '.' are left out. Returns 0, or -1
 * with *cause (caller frees) when a directory cannot be read ("cannot read \"PATH\":
 * REASON") or fn returned DIRWALK_FAIL. */
int dirwalk(const char *dir, dirwalk_fn fn, void *arg, char **cause);

#endif
