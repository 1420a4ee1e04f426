/* common.h: what every `kaic probe` shares: the probe table, argument and duration
 * parsing, and emitting the one JSON result on stdout and in the termination message.
 * Every result object carries "probe": NAME; the rest is documented per probe. */
#ifndef KAIC_PROBE_COMMON_H
#define KAIC_PROBE_COMMON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define PROBE_EXIT_OK 0
#define PROBE_EXIT_FAILED 1
#define PROBE_EXIT_USAGE 2
/* Kubernetes keeps at most this many bytes of a termination message. */
#define PROBE_TERMINATION_MAX 4096

/* One probe: `kaic probe NAME USAGE`; run gets argv[0] = NAME and returns the exit status. */
struct probe_desc {
	const char *name;
	const char *usage;
	const char *summary;
	int (*run)(int argc, char **argv);
};

/* The probes, one per file. */
int probe_echo_run(int argc, char **argv);
int probe_http_load_run(int argc, char **argv);
int probe_connect_run(int argc, char **argv);
int probe_metrics_run(int argc, char **argv);
int probe_fs_run(int argc, char **argv);
int probe_sandbox_run(int argc, char **argv);
int probe_devices_run(int argc, char **argv);
int probe_netif_run(int argc, char **argv);
int probe_trace_run(int argc, char **argv);
int probe_mcp_run(int argc, char **argv);
int probe_job_run(int argc, char **argv);
int probe_svid_run(int argc, char **argv);

/* The probe called name, or NULL (probe.c). */
const struct probe_desc *probe_find(const char *name);

/* Prints "kaic probe NAME: MESSAGE" and NAME's usage line on stderr; returns 2. */
int probe_usage_error(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Matches argv[*i] against the long option opt ("port" for --port VALUE or --port=VALUE).
 * Returns 1 and sets *value (advancing *i past a separate value), 0 when argv[*i] is not
 * that option, -1 when its value is missing. */
int probe_opt(int argc, char **argv, int *i, const char *opt, const char **value);

/* Parses "5s", "500ms", "2m", "1h" or a bare number of seconds into *seconds.
 * Returns 0, or -1 for anything else, zero, negative, or more than a day. */
int probe_parse_duration(const char *s, double *seconds);
/* Parses a decimal integer in [min, max]. Returns 0 or -1. */
int probe_parse_long(const char *s, long min, long max, long *out);

/* Adds "probe": name to result (which it takes over), prints it as one line of compact
 * JSON on stdout, writes it to the termination message (probe_termination_write), and
 * returns status. */
int probe_emit(const char *name, json_t *result, int status);

/* The text of result to use as a termination message: the compact JSON when it fits in
 * PROBE_TERMINATION_MAX bytes, else a copy without its largest members, listed under
 * "omitted", with "truncated": true. Always valid JSON; caller frees. */
char *probe_termination_text(const json_t *result);

/* Writes text to $KAIC_TERMINATION_LOG (created if needed) or, when that is unset, to
 * /dev/termination-log if it exists. Returns 0, or -1 when the file cannot be written
 * (a missing default file is not an error). */
int probe_termination_write(const char *text, size_t len);

/* Fills buf with n random bytes (getrandom, or the clock when that fails). */
void probe_random(void *buf, size_t n);

/* A JSON string of s (NULL gives null); bytes that are not valid UTF-8 become '?'. */
json_t *probe_json_string(const char *s);

/* Splits "Name: value" or "Name:value" into a curl header line "Name: value" (caller
 * frees). NULL when there is no colon or the name is empty. */
char *probe_header_line(const char *kv);

#endif
