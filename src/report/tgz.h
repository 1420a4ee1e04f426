/* tgz.h: a minimal writer of gzip-compressed ustar archives (no zlib needed), used to hand
 * a directory of reports to Sonobuoy's worker as one tarball. */
#ifndef KAIC_TGZ_H
#define KAIC_TGZ_H

#include <stddef.h>

/* Writes the regular files of dir (not recursing; skipping names listed in the
 * NULL-terminated exclude array, which may be NULL) into a new .tar.gz at path. Entries
 * are stored under their base names, sorted, mode 0644, owned by uid/gid 0. The gzip
 * stream uses stored (uncompressed) deflate blocks: valid for every gzip reader.
 * Returns 0, or -1 with *cause (caller frees) naming the file that failed. */
int tgz_write_dir(const char *dir, const char *path, const char *const *exclude, char **cause);

/* CRC-32 (IEEE 802.3, as gzip uses it) of len bytes, continuing from crc (start with 0). */
unsigned long tgz_crc32(unsigned long crc, const void *data, size_t len);

#endif
