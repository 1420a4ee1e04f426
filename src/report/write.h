/* write.h: what the report writers share: atomic file writes and timestamps. */
#ifndef KAIC_REPORT_WRITE_H
#define KAIC_REPORT_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Writes len bytes to path through "path.tmp" and rename(2), so a reader never sees a
 * half-written report. Returns 0, or -1 with *cause (caller frees) naming the file. */
int report_write_file(const char *path, const char *data, size_t len, char **cause);

/* ts (CLOCK_REALTIME) in UTC as RFC 3339 "2025-06-01T12:34:56Z", or with date_only
 * "2025-06-01", into out (at least 32 bytes). */
void report_write_time(const struct timespec *ts, bool date_only, char out[32]);

#endif
