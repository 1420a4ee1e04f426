/* xmalloc.h: allocation wrappers that abort on out-of-memory, and small string helpers. */
#ifndef KAIC_XMALLOC_H
#define KAIC_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

/* Each returns valid memory or aborts the process with a message; never NULL. */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Formatted allocation; the caller owns the result. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Frees *pp and sets it to NULL (curl's safefree). */
#define safefree(p)                                                                                \
	do {                                                                                       \
		free(p);                                                                           \
		(p) = NULL;                                                                        \
	} while (0)

#endif
