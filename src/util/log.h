/* log.h: leveled diagnostics to stderr, with secrets redacted before anything is written. */
#ifndef KAIC_LOG_H
#define KAIC_LOG_H

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* The one piece of process-wide state: set once from parsed options. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Registers a secret (token, key material) so that it is masked in every later message
 * and in log_redact(); strings shorter than 4 bytes are ignored. Thread-safe. */
void log_add_secret(const char *secret);
/* Returns a copy of s with every registered secret and every "Authorization:" /
 * "Bearer " value replaced by "[redacted]"; the caller owns it. */
char *log_redact(const char *s);
/* log_redact, then every control character as a visible escape (esc_text: "\x1b",
 * "\r", "\n"): one line that cannot drive a terminal. The caller owns it. */
char *log_line(const char *s);
/* Writes "kaic: LEVEL: " and the message as log_line makes it, on one line. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
