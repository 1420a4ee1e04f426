/* fs.c: `kaic probe fs`: writes a file durably (--write) or checks that a file holds
 * given content (--verify), for the storage tests. Result: {"mode", "path", "bytes"} for
 * a write; {"mode", "path", "match", "expected_bytes", "actual_bytes"} for a verify; an
 * "error" when the file cannot be written or read. Exit 1 on error or mismatch. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe/common.h"
#include "util/xmalloc.h"

#define FS_NAME "fs"

static int fs_write_all(int fd, const char *data, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/* Makes the directory entry of path durable too (best effort). */
static void fs_sync_dir(const char *path)
{
	char *copy = xstrdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

static int fs_write(const char *path, const char *content, json_t *res)
{
	size_t len = strlen(content);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	char *err = NULL;
	if (fd < 0) {
		err = xasprintf("cannot open \"%s\": %s", path, strerror(errno));
	} else if (fs_write_all(fd, content, len) < 0 || fsync(fd) < 0) {
		err = xasprintf("cannot write \"%s\": %s", path, strerror(errno));
		close(fd);
	} else if (close(fd) < 0) {
		err = xasprintf("cannot close \"%s\": %s", path, strerror(errno));
	} else {
		fs_sync_dir(path);
	}
	json_object_set_new(res, "bytes", json_integer(err ? 0 : (json_int_t)len));
	if (err != NULL)
		json_object_set_new(res, "error", probe_json_string(err));
	free(err);
	return err ? PROBE_EXIT_FAILED : PROBE_EXIT_OK;
}

/* Reads at most max bytes of fd into a new buffer; *n gets the count. NULL on error. */
static char *fs_read_upto(int fd, size_t max, size_t *n)
{
	char *data = xmalloc(max + 1);
	size_t off = 0;
	while (off < max) {
		ssize_t r = read(fd, data + off, max - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(data);
			return NULL;
		}
		if (r == 0)
			break;
		off += (size_t)r;
	}
	*n = off;
	return data;
}

static int fs_verify(const char *path, const char *content, json_t *res)
{
	size_t len = strlen(content);
	json_object_set_new(res, "expected_bytes", json_integer((json_int_t)len));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *err = NULL, *data = NULL;
	size_t got = 0;
	struct stat st = {0};
	if (fd < 0) {
		err = xasprintf("cannot open \"%s\": %s", path, strerror(errno));
	} else if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		err = xasprintf("\"%s\" is not a regular file", path);
	} else if ((data = fs_read_upto(fd, len + 1, &got)) == NULL) {
		err = xasprintf("cannot read \"%s\": %s", path, strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	bool match = err == NULL && data != NULL && got == len && memcmp(data, content, len) == 0;
	json_object_set_new(res, "match", json_boolean(match));
	if (err == NULL)
		json_object_set_new(res, "actual_bytes", json_integer((json_int_t)st.st_size));
	else
		json_object_set_new(res, "error", probe_json_string(err));
	free(err);
	free(data);
	return match ? PROBE_EXIT_OK : PROBE_EXIT_FAILED;
}

int probe_fs_run(int argc, char **argv)
{
	const char *write_path = NULL, *verify_path = NULL, *content = NULL;
	for (int i = 1; i < argc; i++) {
		const char *v;
		int m;
		if ((m = probe_opt(argc, argv, &i, "write", &v)) > 0)
			write_path = v;
		else if (m == 0 && (m = probe_opt(argc, argv, &i, "verify", &v)) > 0)
			verify_path = v;
		else if (m == 0 && (m = probe_opt(argc, argv, &i, "content", &v)) > 0)
			content = v;
		else if (m == 0)
			return probe_usage_error(FS_NAME, "unknown argument \"%s\"", argv[i]);
		if (m < 0)
			return probe_usage_error(FS_NAME, "%s needs a value", argv[i]);
	}
	if ((write_path == NULL) == (verify_path == NULL))
		return probe_usage_error(FS_NAME, "give exactly one of --write PATH and "
						  "--verify PATH");
	if (content == NULL)
		return probe_usage_error(FS_NAME, "--content is required");
	const char *path = write_path ? write_path : verify_path;
	if (*path == '\0')
		return probe_usage_error(FS_NAME, "the path is empty");
	json_t *res = json_object();
	json_object_set_new(res, "mode", json_string(write_path ? "write" : "verify"));
	json_object_set_new(res, "path", probe_json_string(path));
	int status = write_path ? fs_write(path, content, res) : fs_verify(path, content, res);
	return probe_emit(FS_NAME, res, status);
}
