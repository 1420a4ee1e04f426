/* tgz.c: ustar archive of a directory's regular files, wrapped in a gzip stream made of
 * stored deflate blocks (reports are small; this avoids a zlib dependency). */
#include "report/tgz.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/xmalloc.h"

#define TAR_BLOCK 512
#define MAX_MEMBER (256L * 1024 * 1024)

unsigned long tgz_crc32(unsigned long crc, const void *data, size_t len)
{
	const unsigned char *p = data;

	crc = ~crc & 0xffffffffUL;
	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320UL & (0UL - (crc & 1)));
	}
	return ~crc & 0xffffffffUL;
}

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

/* width-1 zero-padded octal digits and a NUL; values too large keep their low digits
 * (callers stay far below the limits: 8 GiB sizes, 2242 mtimes). */
static void octal(char *field, size_t width, unsigned long long v)
{
	field[width - 1] = '\0';
	for (size_t i = width - 1; i > 0; i--) {
		field[i - 1] = (char)('0' + (v & 7));
		v >>= 3;
	}
}

static void tar_header(struct buf *tar, const char *name, size_t size, long long mtime)
{
	char h[TAR_BLOCK];
	unsigned sum = 0;

	memset(h, 0, sizeof(h));
	snprintf(h, 100, "%s", name); /* callers keep names under 100 bytes */
	octal(h + 100, 8, 0644);
	octal(h + 108, 8, 0);
	octal(h + 116, 8, 0);
	octal(h + 124, 12, size);
	octal(h + 136, 12, mtime > 0 ? (unsigned long long)mtime : 0);
	memset(h + 148, ' ', 8);
	h[156] = '0';
	snprintf(h + 257, 6, "ustar");
	h[263] = '0'; /* version "00", not NUL-terminated */
	h[264] = '0';
	snprintf(h + 265, 32, "root");
	snprintf(h + 297, 32, "root");
	for (size_t i = 0; i < sizeof(h); i++)
		sum += (unsigned char)h[i];
	octal(h + 148, 7, sum);
	h[155] = ' ';
	buf_add(tar, h, sizeof(h));
}

static void tar_pad(struct buf *tar)
{
	static const char zero[TAR_BLOCK];

	if (tar->len % TAR_BLOCK)
		buf_add(tar, zero, TAR_BLOCK - tar->len % TAR_BLOCK);
}

/* Appends one member; -1 with *cause when the file cannot be read or is too large. */
static int tar_add_file(struct buf *tar, const char *dir, const char *name, char **cause)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "rb");
	struct stat st;
	int rc = -1;

	if (strlen(name) >= 100)
		*cause = xasprintf("cannot archive \"%s\": name longer than 99 bytes", p);
	else if (!f || fstat(fileno(f), &st) != 0)
		*cause = xasprintf("cannot read \"%s\": %s", p, strerror(errno));
	else if (st.st_size > MAX_MEMBER)
		*cause = xasprintf("cannot archive \"%s\": larger than 256 MiB", p);
	else {
		size_t start, got;

		tar_header(tar, name, (size_t)st.st_size, (long long)st.st_mtime);
		start = tar->len;
		buf_grow(tar, (size_t)st.st_size + TAR_BLOCK);
		got = fread(tar->data + tar->len, 1, (size_t)st.st_size, f);
		tar->len += got;
		tar->data[tar->len] = '\0';
		if (got != (size_t)st.st_size || ferror(f)) {
			*cause = xasprintf("cannot read \"%s\": short read", p);
		} else {
			/* A file that changed size while read keeps the header honest. */
			tar->len = start + (size_t)st.st_size;
			tar_pad(tar);
			rc = 0;
		}
	}
	if (f)
		fclose(f);
	free(p);
	return rc;
}

static void put_le32(struct buf *b, unsigned long v)
{
	unsigned char c[4] = {v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >> 24) & 0xff};

	buf_add(b, c, 4);
}

/* gzip (RFC 1952) around stored deflate blocks (RFC 1951 section 3.2.4). */
static void gzip_stored(struct buf *out, const char *data, size_t len)
{
	static const unsigned char hdr[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
	size_t off = 0;

	buf_add(out, hdr, sizeof(hdr));
	do {
		size_t n = len - off > 65535 ? 65535 : len - off;
		unsigned char b[5];

		b[0] = off + n == len ? 1 : 0;
		b[1] = n & 0xff;
		b[2] = (n >> 8) & 0xff;
		b[3] = ~n & 0xff;
		b[4] = (~n >> 8) & 0xff;
		buf_add(out, b, sizeof(b));
		buf_add(out, data + off, n);
		off += n;
	} while (off < len);
	put_le32(out, tgz_crc32(0, data, len));
	put_le32(out, (unsigned long)(len & 0xffffffffUL));
}

static int write_atomic(const char *path, const char *data, size_t len, char **cause)
{
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "wb");
	int rc = -1;

	if (!f) {
		*cause = xasprintf("cannot write \"%s\": %s", tmp, strerror(errno));
	} else {
		bool ok = fwrite(data, 1, len, f) == len;

		ok = fflush(f) == 0 && ok;
		ok = fclose(f) == 0 && ok;
		if (!ok)
			*cause = xasprintf("cannot write \"%s\": %s", tmp, strerror(errno));
		else if (rename(tmp, path) != 0)
			*cause = xasprintf("cannot rename \"%s\": %s", tmp, strerror(errno));
		else
			rc = 0;
		if (rc != 0)
			unlink(tmp);
	}
	free(tmp);
	return rc;
}

int tgz_write_dir(const char *dir, const char *path, const char *const *exclude, char **cause)
{
	char **names = list_files(dir, exclude, cause);
	struct buf tar = BUF_INIT, gz = BUF_INIT;
	static const char end[2 * TAR_BLOCK];
	int rc = 0;

	if (!names)
		return -1;
	buf_init(&tar);
	buf_init(&gz);
	for (size_t i = 0; names[i] && rc == 0; i++)
		rc = tar_add_file(&tar, dir, names[i], cause);
	if (rc == 0) {
		buf_add(&tar, end, sizeof(end));
		gzip_stored(&gz, tar.data, tar.len);
		rc = write_atomic(path, gz.data, gz.len, cause);
	}
	buf_release(&tar);
	buf_release(&gz);
	free_names(names);
	return rc;
}
