/* tgz.h: gzip-compressed tar archives (libtar and zlib), used to hand a directory of reports
 * to Sonobuoy's worker as one tarball. */
#ifndef KAIC_TGZ_H
#define KAIC_TGZ_H

#include <stddef.h>

/* Writes the regular files of dir (not recursing; skipping names listed in the
 * NULL-terminated exclude array, which may be NULL) into a new .tar.gz at path. Entries
 * are stored under their base names, sorted, mode 0644, owned by uid/gid 0. The archive
 * is written beside path and renamed into place.
 * Returns 0, or -1 with *cause (caller frees) naming the file that failed. */
int tgz_write_dir(const char *dir, const char *path, const char *const *exclude, char **cause);

#endif
