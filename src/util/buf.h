/* buf.h: a growable byte buffer that is always NUL-terminated (after git's strbuf). */
#ifndef KAIC_BUF_H
#define KAIC_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data; /* never NULL after buf_init; NUL-terminated */
	size_t len;
	size_t alloc;
};

#define BUF_INIT                                                                                   \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

void buf_init(struct buf *b);
/* Frees the contents; the struct may be reused after buf_init. */
void buf_release(struct buf *b);
void buf_reset(struct buf *b);
void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Returns the contents and leaves b empty: you now own the storage. */
char *buf_detach(struct buf *b, size_t *len);

#endif
