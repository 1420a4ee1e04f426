/* write.c: atomic report files and UTC timestamps for the report writers. */
#include "report/write.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/xmalloc.h"

int report_write_file(const char *path, const char *data, size_t len, char **cause)
{
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "wb");
	if (f == NULL) {
		*cause = xasprintf("cannot write \"%s\": %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	bool ok = fwrite(data, 1, len, f) == len;
	ok = fflush(f) == 0 && ok;
	int e = errno;
	ok = fclose(f) == 0 && ok;
	if (!ok) {
		*cause = xasprintf("cannot write \"%s\": %s", path, strerror(e ? e : errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		*cause = xasprintf("cannot write \"%s\": %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

void report_write_time(const struct timespec *ts, bool date_only, char out[32])
{
	struct tm tm;
	time_t t = ts->tv_sec;
	gmtime_r(&t, &tm);
	strftime(out, 32, date_only ? "%Y-%m-%d" : "%Y-%m-%dT%H:%M:%SZ", &tm);
}
