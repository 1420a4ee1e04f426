/* common.c: argument and duration parsing, JSON result emission and the termination
 * message shared by every `kaic probe`. */
#include "probe/common.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/xmalloc.h"

#define PROBE_DEFAULT_TERMINATION_LOG "/dev/termination-log"

int probe_usage_error(const char *name, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "kaic probe %s: ", name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	const struct probe_desc *d = probe_find(name);
	if (d != NULL)
		fprintf(stderr, "usage: kaic probe %s %s\n", d->name, d->usage);
	return PROBE_EXIT_USAGE;
}

int probe_opt(int argc, char **argv, int *i, const char *opt, const char **value)
{
	const char *a = argv[*i];
	size_t n = strlen(opt);
	if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, opt, n) != 0)
		return 0;
	if (a[2 + n] == '=') {
		*value = a + 3 + n;
		return 1;
	}
	if (a[2 + n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*value = argv[++*i];
	return 1;
}

int probe_parse_duration(const char *s, double *seconds)
{
	if (s == NULL || !(isdigit((unsigned char)*s) || *s == '.'))
		return -1;
	errno = 0;
	char *end;
	double v = strtod(s, &end);
	if (errno != 0 || end == s || !isfinite(v))
		return -1;
	double unit;
	if (*end == '\0' || strcmp(end, "s") == 0)
		unit = 1;
	else if (strcmp(end, "ms") == 0)
		unit = 0.001;
	else if (strcmp(end, "m") == 0)
		unit = 60;
	else if (strcmp(end, "h") == 0)
		unit = 3600;
	else
		return -1;
	v *= unit;
	if (v <= 0 || v > 86400)
		return -1;
	*seconds = v;
	return 0;
}

int probe_parse_long(const char *s, long min, long max, long *out)
{
	if (s == NULL ||
	    !(isdigit((unsigned char)*s) || (*s == '-' && isdigit((unsigned char)s[1]))))
		return -1;
	errno = 0;
	char *end;
	long v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Size of the compact JSON text of j. */
static size_t probe_json_size(const json_t *j)
{
	return json_dumpb(j, NULL, 0, JSON_COMPACT);
}

char *probe_termination_text(const json_t *result)
{
	char *text = json_dumps(result, JSON_COMPACT | JSON_REAL_PRECISION(9));
	if (text == NULL || strlen(text) <= PROBE_TERMINATION_MAX)
		return text != NULL ? text : xstrdup("{}");
	free(text);
	json_t *copy = json_deep_copy(result);
	json_t *omitted = json_array();
	json_object_set_new(copy, "truncated", json_true());
	for (;;) {
		json_object_set(copy, "omitted", omitted);
		text = json_dumps(copy, JSON_COMPACT | JSON_REAL_PRECISION(9));
		if (strlen(text) <= PROBE_TERMINATION_MAX)
			break;
		free(text);
		/* Drop the largest member that is not our own bookkeeping. */
		const char *key, *worst = NULL;
		size_t worst_size = 0;
		json_t *v;
		json_object_foreach(copy, key, v) {
			if (strcmp(key, "probe") == 0 || strcmp(key, "truncated") == 0 ||
			    strcmp(key, "omitted") == 0)
				continue;
			size_t sz = probe_json_size(v) + strlen(key);
			if (sz > worst_size) {
				worst_size = sz;
				worst = key;
			}
		}
		if (worst == NULL) {
			text = xstrdup("{\"truncated\":true}");
			break;
		}
		json_array_append_new(omitted, json_string(worst));
		json_object_del(copy, worst);
	}
	json_decref(omitted);
	json_decref(copy);
	return text;
}

int probe_termination_write(const char *text, size_t len)
{
	const char *path = getenv("KAIC_TERMINATION_LOG");
	int flags = O_WRONLY | O_TRUNC | O_CLOEXEC;
	if (path != NULL && *path != '\0') {
		flags |= O_CREAT;
	} else {
		path = PROBE_DEFAULT_TERMINATION_LOG;
		if (access(path, F_OK) != 0)
			return 0;
	}
	int fd = open(path, flags, 0644);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	return close(fd) == 0 ? 0 : -1;
}

int probe_emit(const char *name, json_t *result, int status)
{
	if (result == NULL)
		result = json_object();
	json_t *out = json_object();
	json_object_set_new(out, "probe", json_string(name));
	json_object_update(out, result);
	json_decref(result);
	char *line = json_dumps(out, JSON_COMPACT | JSON_REAL_PRECISION(9));
	if (line != NULL) {
		fputs(line, stdout);
		fputc('\n', stdout);
		fflush(stdout);
	}
	free(line);
	char *term = probe_termination_text(out);
	if (probe_termination_write(term, strlen(term)) < 0)
		fprintf(stderr, "kaic probe %s: cannot write the termination message: %s\n", name,
			strerror(errno));
	free(term);
	json_decref(out);
	return status;
}

void probe_random(void *buf, size_t n)
{
	unsigned char *p = buf;
	size_t off = 0;
	while (off < n) {
		ssize_t r = getrandom(p + off, n - off, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	if (off == n)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	unsigned long long x = (unsigned long long)ts.tv_nsec ^
			       ((unsigned long long)ts.tv_sec << 30) ^ (unsigned long long)getpid();
	for (; off < n; off++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[off] = (unsigned char)x;
	}
}

char *probe_header_line(const char *kv)
{
	const char *colon = strchr(kv, ':');
	if (colon == NULL || colon == kv)
		return NULL;
	for (const char *c = kv; c < colon; c++)
		if (isspace((unsigned char)*c) || iscntrl((unsigned char)*c))
			return NULL;
	for (const char *c = colon; *c != '\0'; c++)
		if (*c == '\r' || *c == '\n')
			return NULL;
	const char *v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	return xasprintf("%.*s: %s", (int)(colon - kv), kv, v);
}

json_t *probe_json_string(const char *s)
{
	if (s == NULL)
		return json_null();
	json_t *j = json_string(s);
	if (j != NULL)
		return j;
	/* Keep ASCII and replace everything else: enough for names, paths and headers. */
	char *copy = xstrdup(s);
	for (char *c = copy; *c != '\0'; c++)
		if ((unsigned char)*c >= 0x80)
			*c = '?';
	j = json_string(copy);
	free(copy);
	return j != NULL ? j : json_string("");
}
