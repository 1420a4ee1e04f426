/* esc.c: UTF-8 validation and repair, and visible escapes for control characters. */
#include "util/esc.h"

#include <stdlib.h>
#include <string.h>

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

size_t esc_utf8_len(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len;
	unsigned min, c;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		min = 0x80;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		min = 0x800;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		min = 0x10000;
		c = p[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return len;
}

unsigned esc_utf8_decode(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	static const unsigned char lead_mask[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
	unsigned c = p[0] & lead_mask[len];
	for (size_t i = 1; i < len; i++)
		c = (c << 6) | (p[i] & 0x3f);
	return c;
}

bool esc_utf8_valid(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t l = esc_utf8_len(s + i, n - i);
		if (l == 0 || s[i] == '\0')
			return false;
		i += l;
	}
	return true;
}

void esc_utf8_fix(struct buf *out, const char *s, size_t n)
{
	size_t run = 0; /* start of the pending run of good bytes */
	size_t i = 0;
	while (i < n) {
		size_t l = esc_utf8_len(s + i, n - i);
		if (l != 0 && s[i] != '\0') {
			i += l;
			continue;
		}
		buf_add(out, s + run, i - run);
		buf_adds(out, REPLACEMENT);
		i++;
		run = i;
	}
	buf_add(out, s + run, n - run);
}

char *esc_utf8_dup(const char *s)
{
	struct buf b = BUF_INIT;
	buf_init(&b);
	esc_utf8_fix(&b, s, strlen(s));
	return buf_detach(&b, NULL);
}

size_t esc_utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	size_t cut = max;
	/* back over continuation bytes, at most three, to the start of their character */
	while (cut > 0 && max - cut < 3 && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	if (((unsigned char)s[cut] & 0xc0) == 0x80)
		return max; /* not UTF-8 here: any cut is as good */
	size_t l = esc_utf8_len(s + cut, len - cut);
	return l != 0 && cut + l > max ? cut : max;
}

bool esc_is_control(unsigned c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029 ||
	       (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e ||
	       c == 0x200f || c == 0x061c || c == 0xfffe || c == 0xffff;
}

static void add_control(struct buf *out, unsigned c)
{
	switch (c) {
	case '\n':
		buf_adds(out, "\\n");
		break;
	case '\r':
		buf_adds(out, "\\r");
		break;
	case '\t':
		buf_adds(out, "\\t");
		break;
	default:
		if (c <= 0x7f)
			buf_addf(out, "\\x%02x", c);
		else
			buf_addf(out, "\\u%04x", c);
	}
}

void esc_text_keep(struct buf *out, const char *s, const char *keep)
{
	size_t n = strlen(s);
	size_t run = 0, i = 0;
	while (i < n) {
		size_t l = esc_utf8_len(s + i, n - i);
		unsigned c = l != 0 ? esc_utf8_decode(s + i, l) : 0;
		if (l != 0 &&
		    (!esc_is_control(c) || (c != 0 && c < 0x80 && strchr(keep, (int)c)))) {
			i += l;
			continue;
		}
		buf_add(out, s + run, i - run);
		if (l == 0) {
			buf_addf(out, "\\x%02x", (unsigned char)s[i]);
			i++;
		} else {
			add_control(out, c);
			i += l;
		}
		run = i;
	}
	buf_add(out, s + run, n - run);
}

void esc_text(struct buf *out, const char *s)
{
	esc_text_keep(out, s, "");
}

char *esc_text_dup(const char *s)
{
	struct buf b = BUF_INIT;
	buf_init(&b);
	esc_text(&b, s);
	return buf_detach(&b, NULL);
}
