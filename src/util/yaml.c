/* yaml.c: YAML <-> JSON conversion on top of libyaml. */
#include "util/yaml.h"

#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#include "util/esc.h"
#include "util/xmalloc.h"

#define YAML_MAX_FILE (64u << 20)
#define YAML_MAX_ALIAS_NODES 10000

struct yctx {
	yaml_parser_t parser;
	json_t *anchors; /* anchor -> value */
	long alias_nodes;
	char *cause;
};

static bool is_int(const char *s)
{
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	if (*p == '\0')
		return false;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'o'))
		return false; /* keep hex/octal forms as strings: never seen in manifests */
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

static bool is_float(const char *s)
{
	const char *p = s;
	bool digit = false, dot = false, exp = false;
	if (*p == '-' || *p == '+')
		p++;
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digit = true;
		else if (*p == '.' && !dot && !exp)
			dot = true;
		else if ((*p == 'e' || *p == 'E') && digit && !exp) {
			exp = true;
			if (p[1] == '-' || p[1] == '+')
				p++;
		} else
			return false;
	}
	return digit && (dot || exp);
}

/* Resolves a plain scalar (YAML 1.2 core schema). */
static json_t *plain_scalar(const char *s)
{
	if (!strcmp(s, "") || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	    !strcmp(s, "NULL"))
		return json_null();
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
		return json_true();
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
		return json_false();
	if (is_int(s)) {
		errno = 0;
		long long v = strtoll(s, NULL, 10);
		if (errno == 0)
			return json_integer(v);
		return json_real(strtod(s, NULL));
	}
	if (is_float(s))
		return json_real(strtod(s, NULL));
	if (!strcmp(s, ".inf") || !strcmp(s, ".Inf") || !strcmp(s, "+.inf"))
		return json_string(s); /* JSON has no infinity: keep the text */
	return json_string(s);
}

static json_t *scalar_value(const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	const char *tag = (const char *)ev->data.scalar.tag;
	if (tag != NULL && strcmp(tag, "tag:yaml.org,2002:str") == 0)
		return json_stringn(s, len);
	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return json_stringn(s, len);
	if (strlen(s) != len)
		return json_stringn(s, len);
	return plain_scalar(s);
}

static void set_cause(struct yctx *y, const char *what)
{
	if (y->cause != NULL)
		return;
	if (y->parser.error != YAML_NO_ERROR)
		y->cause = xasprintf("line %zu: %s", y->parser.problem_mark.line + 1,
				     y->parser.problem ? y->parser.problem : "invalid YAML");
	else
		y->cause = xstrdup(what);
}

static json_t *parse_node(struct yctx *y, yaml_event_t *ev, int depth);

static void remember_anchor(struct yctx *y, const yaml_char_t *anchor, json_t *v)
{
	if (anchor != NULL && v != NULL)
		json_object_set(y->anchors, (const char *)anchor, v);
}

static json_t *parse_children(struct yctx *y, bool mapping, int depth)
{
	json_t *out = mapping ? json_object() : json_array();
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&y->parser, &ev)) {
			set_cause(y, "invalid YAML");
			json_decref(out);
			return NULL;
		}
		if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return out;
		}
		json_t *k = parse_node(y, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (k == NULL) {
			json_decref(out);
			return NULL;
		}
		/* JSON keys are strings: a mapping or sequence as a key has none (and its
		 * text nested as keys of keys grows exponentially with the escaping). */
		if (mapping && (json_is_object(k) || json_is_array(k))) {
			set_cause(y, "a YAML mapping key is a mapping or sequence");
			json_decref(k);
			json_decref(out);
			return NULL;
		}
		if (!mapping) {
			json_array_append_new(out, k);
			continue;
		}
		yaml_event_t vev;
		if (!yaml_parser_parse(&y->parser, &vev)) {
			set_cause(y, "invalid YAML");
			json_decref(k);
			json_decref(out);
			return NULL;
		}
		json_t *v = parse_node(y, &vev, depth + 1);
		yaml_event_delete(&vev);
		if (v == NULL) {
			json_decref(k);
			json_decref(out);
			return NULL;
		}
		char *kbuf = NULL;
		const char *key;
		if (json_is_string(k))
			key = json_string_value(k);
		else if (json_is_null(k))
			key = "null";
		else {
			kbuf = json_dumps(k, JSON_ENCODE_ANY | JSON_COMPACT);
			key = kbuf ? kbuf : "";
		}
		if (strcmp(key, "<<") == 0 && json_is_object(v)) {
			const char *mk;
			json_t *mv;
			json_object_foreach(v, mk, mv) {
				if (json_object_get(out, mk) == NULL)
					json_object_set(out, mk, mv);
			}
			json_decref(v);
		} else
			json_object_set_new(out, key, v);
		free(kbuf);
		json_decref(k);
	}
}

static json_t *parse_node(struct yctx *y, yaml_event_t *ev, int depth)
{
	if (depth > 512) {
		set_cause(y, "YAML nested too deeply");
		return NULL;
	}
	json_t *v = NULL;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		v = scalar_value(ev);
		remember_anchor(y, ev->data.scalar.anchor, v);
		return v;
	case YAML_ALIAS_EVENT: {
		json_t *a = json_object_get(y->anchors, (const char *)ev->data.alias.anchor);
		if (a == NULL) {
			set_cause(y, "unknown YAML alias");
			return NULL;
		}
		y->alias_nodes += 1 + (long)(json_is_object(a)	? json_object_size(a)
					     : json_is_array(a) ? json_array_size(a)
								: 0);
		if (y->alias_nodes > YAML_MAX_ALIAS_NODES) {
			set_cause(y, "too many YAML alias expansions");
			return NULL;
		}
		return json_deep_copy(a);
	}
	case YAML_MAPPING_START_EVENT: {
		const yaml_char_t *anchor = ev->data.mapping_start.anchor;
		char *a = anchor ? xstrdup((const char *)anchor) : NULL;
		v = parse_children(y, true, depth);
		remember_anchor(y, (const yaml_char_t *)a, v);
		free(a);
		return v;
	}
	case YAML_SEQUENCE_START_EVENT: {
		const yaml_char_t *anchor = ev->data.sequence_start.anchor;
		char *a = anchor ? xstrdup((const char *)anchor) : NULL;
		v = parse_children(y, false, depth);
		remember_anchor(y, (const yaml_char_t *)a, v);
		free(a);
		return v;
	}
	default:
		set_cause(y, "unexpected YAML event");
		return NULL;
	}
}

int yaml_to_json(const char *text, size_t len, json_t **docs, char **cause)
{
	struct yctx y = {0};
	*docs = NULL;
	if (!yaml_parser_initialize(&y.parser)) {
		*cause = xstrdup("cannot initialise the YAML parser");
		return -1;
	}
	yaml_parser_set_input_string(&y.parser, (const unsigned char *)text, len);
	y.anchors = json_object();
	json_t *out = json_array();
	bool done = false;
	while (!done) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&y.parser, &ev)) {
			set_cause(&y, "invalid YAML");
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			json_object_clear(y.anchors);
			break;
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_SCALAR_EVENT:
		case YAML_ALIAS_EVENT: {
			json_t *v = parse_node(&y, &ev, 0);
			if (v == NULL)
				done = true;
			else if (json_is_null(v))
				json_decref(v);
			else
				json_array_append_new(out, v);
			break;
		}
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&y.parser);
	json_decref(y.anchors);
	if (y.cause != NULL) {
		json_decref(out);
		*cause = y.cause;
		return -1;
	}
	*docs = out;
	return 0;
}

int yaml_load_file(const char *path, json_t **docs, char **cause)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		*cause = xasprintf("cannot read \"%s\": %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && st.st_size > (off_t)YAML_MAX_FILE) {
		fclose(f);
		*cause = xasprintf("\"%s\" is larger than 64 MiB", path);
		return -1;
	}
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len <= YAML_MAX_FILE)
		buf_add(&b, chunk, n);
	bool bad = ferror(f);
	fclose(f);
	if (bad || b.len > YAML_MAX_FILE) {
		buf_release(&b);
		*cause = xasprintf("cannot read \"%s\"", path);
		return -1;
	}
	char *inner = NULL;
	int rc = yaml_to_json(b.data ? b.data : "", b.len, docs, &inner);
	buf_release(&b);
	if (rc != 0) {
		*cause = xasprintf("\"%s\": %s", path, inner);
		free(inner);
	}
	return rc;
}

/* ---- emitting ---- */

/* Words that some YAML reader takes for a boolean or null when plain: YAML 1.1's
 * (PyYAML; gopkg.in/yaml.v2, which Sonobuoy uses, adds y and n), compared ignoring case,
 * and the merge and value keys. */
static bool special_word(const char *s)
{
	static const char *const words[] = {"y",  "n",	 "yes",	 "no", "true", "false",
					    "on", "off", "null", "~",  NULL};
	for (size_t i = 0; words[i] != NULL; i++)
		if (strcasecmp(s, words[i]) == 0)
			return true;
	return strcmp(s, "=") == 0 || strcmp(s, "<<") == 0;
}

/* Whether a string must be quoted to read back as the same string with YAML 1.1 and
 * 1.2 readers. Plain style is kept only for printable ASCII that starts with neither
 * an indicator nor a character that could begin a number, timestamp or special float
 * ([-+.0-9]: every int, float, sexagesimal and timestamp form of YAML 1.1 does). */
static bool needs_quotes(const char *s)
{
	if (*s == '\0')
		return true;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return true;
	if (strchr("-?:,[]{}#&*!|>'\"%@` +.0123456789", s[0]) != NULL)
		return true;
	if (strstr(s, ": ") || strstr(s, " #"))
		return true;
	size_t n = strlen(s);
	if (s[n - 1] == ' ' || s[n - 1] == ':')
		return true;
	if (special_word(s))
		return true;
	json_t *v = plain_scalar(s);
	bool other = !json_is_string(v);
	json_decref(v);
	return other;
}

/* Appends the character c (of len bytes at p) inside a double-quoted scalar. */
static void emit_quoted_char(struct buf *out, const char *p, size_t len, unsigned c)
{
	switch (c) {
	case '"':
		buf_adds(out, "\\\"");
		return;
	case '\\':
		buf_adds(out, "\\\\");
		return;
	case '\n':
		buf_adds(out, "\\n");
		return;
	case '\t':
		buf_adds(out, "\\t");
		return;
	case '\r':
		buf_adds(out, "\\r");
		return;
	}
	/* C0, DEL, C1 (NEL among them) and the non-characters YAML readers refuse; line
	 * and paragraph separators and the byte-order mark, which readers treat apart */
	if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
		buf_addf(out, "\\x%02x", c);
	else if (c == 0x2028 || c == 0x2029 || c == 0xfeff || c == 0xfffe || c == 0xffff)
		buf_addf(out, "\\u%04x", c);
	else
		buf_add(out, p, len);
}

/* Appends s double-quoted; bytes that are not UTF-8 become U+FFFD ("\uFFFD"). */
static void emit_quoted(struct buf *out, const char *s)
{
	size_t n = strlen(s);
	buf_addc(out, '"');
	for (size_t i = 0; i < n;) {
		size_t l = esc_utf8_len(s + i, n - i);
		if (l == 0) {
			buf_adds(out, "\\uFFFD");
			i++;
			continue;
		}
		emit_quoted_char(out, s + i, l, esc_utf8_decode(s + i, l));
		i += l;
	}
	buf_addc(out, '"');
}

static void emit_string(struct buf *out, const char *s)
{
	if (needs_quotes(s))
		emit_quoted(out, s);
	else
		buf_adds(out, s);
}

/* A finite double as a YAML float both YAML 1.1 (which wants a '.') and 1.2 read. */
static void emit_real(struct buf *out, double d)
{
	char num[40];
	snprintf(num, sizeof(num), "%.17g", d);
	char *e = strchr(num, 'e');
	if (strchr(num, '.') != NULL)
		buf_adds(out, num);
	else if (e != NULL)
		buf_addf(out, "%.*s.0%s", (int)(e - num), num, e);
	else
		buf_addf(out, "%s.0", num);
}

static void emit_scalar(struct buf *out, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		emit_string(out, json_string_value(v));
		break;
	case JSON_INTEGER:
		buf_addf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL: {
		double d = json_real_value(v);
		if (isfinite(d))
			emit_real(out, d);
		else
			buf_adds(out, isnan(d) ? ".nan" : (d > 0 ? ".inf" : "-.inf"));
		break;
	}
	case JSON_TRUE:
		buf_adds(out, "true");
		break;
	case JSON_FALSE:
		buf_adds(out, "false");
		break;
	case JSON_NULL:
		buf_adds(out, "null");
		break;
	default:
		break;
	}
}

static bool is_empty_container(const json_t *v)
{
	return (json_is_object(v) && json_object_size(v) == 0) ||
	       (json_is_array(v) && json_array_size(v) == 0);
}

static void indent(struct buf *out, int n)
{
	for (int i = 0; i < n; i++)
		buf_addc(out, ' ');
}

static void emit_node(struct buf *out, const json_t *v, int level);

static void emit_value_after_key(struct buf *out, const json_t *v, int level)
{
	if (json_is_object(v) && !is_empty_container(v)) {
		buf_addc(out, '\n');
		emit_node(out, v, level + 1);
	} else if (json_is_array(v) && !is_empty_container(v)) {
		buf_addc(out, '\n');
		emit_node(out, v, level);
	} else {
		buf_addc(out, ' ');
		if (is_empty_container(v))
			buf_adds(out, json_is_object(v) ? "{}" : "[]");
		else
			emit_scalar(out, v);
		buf_addc(out, '\n');
	}
}

/* Emits v at indentation level (2 spaces each); containers start on a fresh line. */
static void emit_node(struct buf *out, const json_t *v, int level)
{
	if (json_is_object(v)) {
		const char *k;
		json_t *c;
		json_object_foreach((json_t *)v, k, c) {
			indent(out, level * 2);
			emit_string(out, k);
			buf_addc(out, ':');
			emit_value_after_key(out, c, level);
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_t *c;
		json_array_foreach(v, i, c) {
			indent(out, level * 2);
			buf_adds(out, "- ");
			if (json_is_object(c) && !is_empty_container(c)) {
				/* first key on the dash line, the rest indented under it */
				struct buf tmp = BUF_INIT;
				emit_node(&tmp, c, level + 1);
				buf_adds(out, tmp.data + (level + 1) * 2);
				buf_release(&tmp);
			} else if (json_is_array(c) && !is_empty_container(c)) {
				buf_addc(out, '\n');
				emit_node(out, c, level + 1);
			} else {
				if (is_empty_container(c))
					buf_adds(out, json_is_object(c) ? "{}" : "[]");
				else
					emit_scalar(out, c);
				buf_addc(out, '\n');
			}
		}
	} else {
		indent(out, level * 2);
		emit_scalar(out, v);
		buf_addc(out, '\n');
	}
}

void yaml_emit(struct buf *out, const json_t *v)
{
	if (is_empty_container(v)) {
		buf_adds(out, json_is_object(v) ? "{}\n" : "[]\n");
		return;
	}
	emit_node(out, v, 0);
}
