/* tgz.c: a gzip-compressed tar archive of a directory's regular files, written with
 * libarchive. */
#include "report/tgz.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Adds dir/name to a as a regular file named name (mode 0644, root-owned). */
static int add_file(struct archive *a, const char *dir, const char *name, char **cause)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "rb");
	struct stat st;
	int rc = -1;
	if (f == NULL || fstat(fileno(f), &st) != 0) {
		*cause = xasprintf("cannot read \"%s\": %s", p, strerror(errno));
		goto out;
	}
	if (st.st_size > MAX_MEMBER) {
		*cause = xasprintf("cannot archive \"%s\": larger than 256 MiB", p);
		goto out;
	}
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, st.st_size);
	archive_entry_set_mtime(e, st.st_mtime, 0);
	if (archive_write_header(a, e) != ARCHIVE_OK) {
		*cause = xasprintf("cannot archive \"%s\": %s", p, archive_error_string(a));
		archive_entry_free(e);
		goto out;
	}
	archive_entry_free(e);
	char chunk[65536];
	size_t n;
	rc = 0;
	while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (archive_write_data(a, chunk, n) < 0) {
			*cause = xasprintf("cannot archive \"%s\": %s", p, archive_error_string(a));
			rc = -1;
		}
out:
	if (f != NULL)
		fclose(f);
	free(p);
	return rc;
}

int tgz_write_dir(const char *dir, const char *path, const char *const *exclude, char **cause)
{
	char **names = list_files(dir, exclude, cause);
	if (names == NULL)
		return -1;
	char *tmp = xasprintf("%s.tmp", path);
	struct archive *a = archive_write_new();
	int rc = 0;
	if (archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
	    archive_write_set_format_ustar(a) != ARCHIVE_OK ||
	    archive_write_open_filename(a, tmp) != ARCHIVE_OK) {
		*cause = xasprintf("cannot write \"%s\": %s", tmp, archive_error_string(a));
		rc = -1;
	}
	for (size_t i = 0; rc == 0 && names[i] != NULL; i++)
		rc = add_file(a, dir, names[i], cause);
	if (archive_write_close(a) != ARCHIVE_OK && rc == 0) {
		*cause = xasprintf("cannot write \"%s\": %s", tmp, archive_error_string(a));
		rc = -1;
	}
	archive_write_free(a);
	if (rc == 0 && rename(tmp, path) != 0) {
		*cause = xasprintf("cannot rename \"%s\": %s", tmp, strerror(errno));
		rc = -1;
	}
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	free_names(names);
	return rc;
}
