/* dirwalk.c: the recursive directory walk; see dirwalk.h. */
#include "util/dirwalk.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

/* Walks dir/rel (rel "" for dir itself). */
static int walk(const char *dir, const char *rel, dirwalk_fn fn, void *arg, char **cause)
{
	char *path = *rel ? xasprintf("%s/%s", dir, rel) : xstrdup(dir);
	DIR *d = opendir(path);
	if (d == NULL) {
		*cause = xasprintf("cannot read \"%s\": %s", path, strerror(errno));
		free(path);
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char *sub = *rel ? xasprintf("%s/%s", rel, e->d_name) : xstrdup(e->d_name);
		char *full = xasprintf("%s/%s", dir, sub);
		struct stat st;
		bool ok = stat(full, &st) == 0;
		struct dirwalk_entry ent = {sub, full, e->d_name, ok ? &st : NULL};
		int step = fn(&ent, arg, cause);
		if (step == DIRWALK_FAIL)
			rc = -1;
		else if (step == DIRWALK_NEXT && ok && S_ISDIR(st.st_mode))
			rc = walk(dir, sub, fn, arg, cause);
		free(full);
		free(sub);
	}
	closedir(d);
	free(path);
	return rc;
}

int dirwalk(const char *dir, dirwalk_fn fn, void *arg, char **cause)
{
	return walk(dir, "", fn, arg, cause);
}
