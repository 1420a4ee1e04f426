/* tgz.c: a gzip-compressed tar archive of a directory's regular files: the tar written
 * with libtar, then compressed with zlib. */
#include "report/tgz.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libtar.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "util/xmalloc.h"

#define MAX_MEMBER (256L * 1024 * 1024)

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool excluded(const char *name, const char *const *exclude)
{
	for (size_t i = 0; exclude && exclude[i]; i++)
		if (strcmp(name, exclude[i]) == 0)
			return true;
	return false;
}

/* The sorted names of dir's regular files not excluded; NULL-terminated. */
static char **list_files(const char *dir, const char *const *exclude, char **cause)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;

	if (!d) {
		*cause = xasprintf("cannot open \"%s\": %s", dir, strerror(errno));
		return NULL;
	}
	while ((de = readdir(d))) {
		struct stat st;
		char *p;

		if (de->d_name[0] == '.' || excluded(de->d_name, exclude))
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (lstat(p, &st) == 0 && S_ISREG(st.st_mode)) {
			names = xreallocarray(names, n + 2, sizeof(*names));
			names[n++] = xstrdup(de->d_name);
			names[n] = NULL;
		}
		free(p);
	}
	closedir(d);
	if (!names)
		names = xcalloc(1, sizeof(*names));
	qsort(names, n, sizeof(*names), cmp_str);
	return names;
}

static void free_names(char **names)
{
	for (size_t i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
}

/* Appends dir/name to t as a regular file named name (mode 0644, owned by 0:0, the
 * file's mtime). */
static int add_file(TAR *t, const char *dir, const char *name, char **cause)
{
	char *p = xasprintf("%s/%s", dir, name);
	struct stat st;
	int rc = -1;
	if (stat(p, &st) != 0) {
		*cause = xasprintf("cannot read \"%s\": %s", p, strerror(errno));
		goto out;
	}
	if (st.st_size > MAX_MEMBER) {
		*cause = xasprintf("cannot archive \"%s\": larger than 256 MiB", p);
		goto out;
	}
	memset(&t->th_buf, 0, sizeof(t->th_buf));
	th_set_type(t, S_IFREG);
	th_set_path(t, name);
	th_set_mode(t, S_IFREG | 0644);
	th_set_user(t, 0);
	th_set_group(t, 0);
	th_set_mtime(t, st.st_mtime);
	th_set_size(t, st.st_size);
	/* th_set_user/group name the owner from this system's passwd; the archive says root */
	snprintf(t->th_buf.uname, sizeof(t->th_buf.uname), "root");
	snprintf(t->th_buf.gname, sizeof(t->th_buf.gname), "root");
	if (th_write(t) != 0 || tar_append_regfile(t, p) != 0) {
		*cause = xasprintf("cannot archive \"%s\": %s", p, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(p);
	return rc;
}

/* Writes the tar archive of dir's files names to tar_path. */
static int write_tar(const char *dir, char **names, const char *tar_path, char **cause)
{
	TAR *t = NULL;
	if (tar_open(&t, tar_path, NULL, O_WRONLY | O_CREAT | O_TRUNC, 0600, 0) != 0) {
		*cause = xasprintf("cannot write \"%s\": %s", tar_path, strerror(errno));
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; rc == 0 && names[i] != NULL; i++)
		rc = add_file(t, dir, names[i], cause);
	if (rc == 0 && tar_append_eof(t) != 0) {
		*cause = xasprintf("cannot write \"%s\": %s", tar_path, strerror(errno));
		rc = -1;
	}
	if (tar_close(t) != 0 && rc == 0) {
		*cause = xasprintf("cannot write \"%s\": %s", tar_path, strerror(errno));
		rc = -1;
	}
	return rc;
}

/* Compresses the file at from into a new gzip file at to. */
static int gzip_file(const char *from, const char *to, char **cause)
{
	FILE *in = fopen(from, "rb");
	if (in == NULL) {
		*cause = xasprintf("cannot read \"%s\": %s", from, strerror(errno));
		return -1;
	}
	gzFile out = gzopen(to, "wb9");
	if (out == NULL) {
		*cause = xasprintf("cannot write \"%s\": %s", to, strerror(errno));
		fclose(in);
		return -1;
	}
	char chunk[65536];
	size_t n;
	int rc = 0;
	while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), in)) > 0)
		if (gzwrite(out, chunk, (unsigned)n) != (int)n)
			rc = -1;
	if (ferror(in))
		rc = -1;
	if (gzclose(out) != Z_OK)
		rc = -1;
	fclose(in);
	if (rc != 0)
		*cause = xasprintf("cannot write \"%s\": %s", to, strerror(errno));
	return rc;
}

int tgz_write_dir(const char *dir, const char *path, const char *const *exclude, char **cause)
{
	char **names = list_files(dir, exclude, cause);
	if (names == NULL)
		return -1;
	char *tar = xasprintf("%s.tar.tmp", path);
	char *tmp = xasprintf("%s.tmp", path);
	int rc = write_tar(dir, names, tar, cause);
	if (rc == 0)
		rc = gzip_file(tar, tmp, cause);
	if (rc == 0 && rename(tmp, path) != 0) {
		*cause = xasprintf("cannot rename \"%s\": %s", tmp, strerror(errno));
		rc = -1;
	}
	unlink(tar);
	if (rc != 0)
		unlink(tmp);
	free(tar);
	free(tmp);
	free_names(names);
	return rc;
}
