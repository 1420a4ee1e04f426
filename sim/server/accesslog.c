/* accesslog.c: kaic-sim's access log, one line per request:
 * "METHOD URL STATUS BYTES MS" (URL with its query; MS the duration in milliseconds). */

#include "server/accesslog.h"

#include <errno.h>
#include <string.h>

#include "sim.h"
#include "util/buf.h"
#include "util/xmalloc.h"

int sim_accesslog_open(struct sim_accesslog *l, const char *path, char **cause)
{
	pthread_mutex_init(&l->mu, NULL);
	l->f = NULL;
	if (!path)
		return 0;
	l->f = fopen(path, "a");
	if (!l->f) {
		*cause = xasprintf("cannot open \"%s\": %s", path, strerror(errno));
		pthread_mutex_destroy(&l->mu);
		return -1;
	}
	return 0;
}

/* Escapes what would break the line's fields: spaces, controls, non-ASCII bytes. */
static void add_url(struct buf *b, const char *url)
{
	for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
		if (*p <= 0x20 || *p >= 0x7f)
			buf_addf(b, "%%%02X", *p);
		else
			buf_addc(b, (char)*p);
	}
}

void sim_accesslog_write(struct sim_accesslog *l, const char *method, const char *url, int status,
			 uint64_t bytes, double ms)
{
	struct buf line = BUF_INIT;

	if (!l->f)
		return;
	buf_init(&line);
	add_url(&line, method && *method ? method : "-");
	buf_addc(&line, ' ');
	add_url(&line, url && *url ? url : "-");
	buf_addf(&line, " %d %llu %.1f\n", status, (unsigned long long)bytes, ms);
	pthread_mutex_lock(&l->mu);
	fwrite(line.data, 1, line.len, l->f);
	fflush(l->f);
	pthread_mutex_unlock(&l->mu);
	buf_release(&line);
}

void sim_accesslog_close(struct sim_accesslog *l)
{
	if (l->f)
		fclose(l->f);
	l->f = NULL;
	pthread_mutex_destroy(&l->mu);
}
