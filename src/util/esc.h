/* esc.h: text from the cluster made safe to store and to show. Strings kaic reports
 * (evidence, Status messages, cleanup notes) are whatever the cluster sent: these make
 * them valid UTF-8 (for JSON and YAML) and turn every control character into a visible
 * escape (for terminals, logs and checklist.md), so that no byte from the cluster can
 * move a terminal's cursor, ring its bell or forge a report line. */
#ifndef KAIC_ESC_H
#define KAIC_ESC_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* Length (1 to 4) of the well-formed UTF-8 character at s, of at most n bytes, or 0
 * when s does not start one (a stray continuation byte, an overlong form, a surrogate,
 * above U+10FFFF, cut short). n must be at least 1. */
size_t esc_utf8_len(const char *s, size_t n);
/* Decodes the character of length len (esc_utf8_len) at s. */
unsigned esc_utf8_decode(const char *s, size_t len);
/* True when s[0..n) is well-formed UTF-8 without NUL bytes. */
bool esc_utf8_valid(const char *s, size_t n);
/* Appends s[0..n) with each byte that does not start a well-formed character (and each
 * NUL) replaced by U+FFFD: the result is valid UTF-8, jansson and YAML accept it. */
void esc_utf8_fix(struct buf *out, const char *s, size_t n);
/* A new copy of s made valid UTF-8 as esc_utf8_fix does; the caller frees it. */
char *esc_utf8_dup(const char *s);
/* The largest length <= max at which s (of length len) can be cut without splitting a
 * UTF-8 character: max itself unless a character straddles it. */
size_t esc_utf8_cut(const char *s, size_t len, size_t max);
/* Whether the code point c must not reach a terminal raw: C0 controls (tab and line
 * feed included), DEL, C1 controls, line/paragraph separators, bidi controls, and the
 * noncharacters U+FFFE and U+FFFF (which XML and YAML refuse). */
bool esc_is_control(unsigned c);
/* Appends s as one line of visible text: "\n", "\r", "\t" for those controls, "\xHH"
 * for other C0 controls, DEL and bytes that are not UTF-8, "\uHHHH" for the other
 * characters esc_is_control names; everything else (backslashes too) unchanged. */
void esc_text(struct buf *out, const char *s);
/* esc_text, except that the ASCII controls in keep (such as "\t\n") stay raw. */
void esc_text_keep(struct buf *out, const char *s, const char *keep);
/* esc_text into a new string; the caller frees it. */
char *esc_text_dup(const char *s);

#endif
