/* product_template.c: fills in the official CNCF checklist file a vendor downloads from
 * the program (--cncf-template): every line stays byte for byte, except the value of each
 * item's status, evidence and notes, and of the metadata kaic knows. Values are written
 * as YAML double-quoted scalars (evidence as a flow sequence), so each filled field
 * keeps its one line and its comment. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/product.h"
#include "util/xmalloc.h"
#include "util/yaml.h"

#define TEMPLATE_MAX (1 << 20)

static int read_text(const char *path, char **text, char **cause)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		*cause = xasprintf("cannot read \"%s\": %s", path, strerror(errno));
		return -1;
	}
	struct buf b = BUF_INIT;
	buf_init(&b);
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len <= TEMPLATE_MAX)
		buf_add(&b, chunk, n);
	bool err = ferror(f) != 0;
	fclose(f);
	if (err || b.len > TEMPLATE_MAX || memchr(b.data, '\0', b.len) != NULL) {
		*cause =
		    xasprintf("cannot read \"%s\": %s", path,
			      err ? "read error" : "not a checklist file (binary or over 1 MiB)");
		buf_release(&b);
		return -1;
	}
	*text = buf_detach(&b, NULL);
	return 0;
}

/* The structure of doc against v: NULL when it is v's, else why not (new string). */
static char *structure_problem(const json_t *doc, const struct cncf_version *v)
{
	const json_t *spec = json_object_get(doc, "spec");
	size_t k = 0;
	const char *sec;
	const json_t *items;
	if (!json_is_object(spec))
		return xstrdup("it has no spec section");
	json_object_foreach((json_t *)spec, sec, items) {
		for (size_t i = 0; i < json_array_size(items); i++) {
			const json_t *it = json_array_get(items, i);
			const char *id = json_string_value(json_object_get(it, "id"));
			const char *lvl = json_string_value(json_object_get(it, "level"));
			if (k >= v->n || id == NULL || strcmp(id, v->items[k].id) != 0 ||
			    strcmp(sec, v->items[k].section) != 0)
				return xasprintf("spec.%s item %zu is \"%s\", where the checklist "
						 "has %s",
						 sec, i + 1, id ? id : "(no id)",
						 k < v->n ? v->items[k].id : "no more items");
			if (lvl == NULL || strcmp(lvl, level_name(v->items[k].level)) != 0)
				return xasprintf("%s has level %s, the checklist says %s", id,
						 lvl ? lvl : "(none)",
						 level_name(v->items[k].level));
			k++;
		}
	}
	if (k != v->n)
		return xasprintf("%s is missing", v->items[k].id);
	return NULL;
}

int product_template_load(const char *path, char **text, const struct cncf_version **v,
			  char **cause)
{
	json_t *docs = NULL;
	*text = NULL;
	if (read_text(path, text, cause) != 0)
		return -1;
	char *why = NULL;
	if (yaml_to_json(*text, strlen(*text), &docs, &why) != 0) {
		*cause = xasprintf("cannot read \"%s\": %s", path, why);
		free(why);
		goto fail;
	}
	const json_t *doc = json_array_get(docs, 0);
	const char *kv = json_string_value(
	    json_object_get(json_object_get(doc, "metadata"), "kubernetesVersion"));
	if (json_array_size(docs) != 1 || kv == NULL) {
		*cause = xasprintf("\"%s\" is not a CNCF AI Conformance checklist (no "
				   "metadata.kubernetesVersion)",
				   path);
		goto fail;
	}
	if ((*v = cncf_version_find(kv)) == NULL) {
		*cause = xasprintf("\"%s\" is a checklist for Kubernetes %s; kaic has %s", path, kv,
				   cncf_version_range());
		goto fail;
	}
	if ((why = structure_problem(doc, *v)) != NULL) {
		*cause =
		    xasprintf("\"%s\" is not the CNCF checklist %s: %s", path, (*v)->name, why);
		free(why);
		goto fail;
	}
	json_decref(docs);
	return 0;
fail:
	json_decref(docs);
	free(*text);
	*text = NULL;
	return -1;
}

/* s as a YAML double-quoted scalar. */
static void add_quoted(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			buf_addf(b, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			buf_addf(b, "\\x%02x", *p);
		else
			buf_addc(b, (char)*p);
	}
	buf_addc(b, '"');
}

/* The length of the YAML value at the start of v: a double- or single-quoted scalar, a
 * one-line flow sequence, or a plain scalar up to " #" or the end. */
static size_t value_len(const char *v, size_t len)
{
	size_t i = 0;
	if (len > 0 && (v[0] == '"' || v[0] == '\'')) {
		for (i = 1; i < len; i++) {
			if (v[0] == '"' && v[i] == '\\') {
				i++;
				continue;
			}
			if (v[i] == v[0])
				return i + 1;
		}
		return len;
	}
	if (len > 0 && v[0] == '[') {
		const char *end = memchr(v, ']', len);
		return end != NULL ? (size_t)(end - v) + 1 : len;
	}
	while (i < len && !(v[i] == '#' && i > 0 && v[i - 1] == ' '))
		i++;
	while (i > 0 && v[i - 1] == ' ')
		i--;
	return i;
}

/* When line (len bytes, no newline) is "<indent>key: value[ comment]", the key (into
 * key, NUL-terminated) and the offset of its value; else false. */
static bool key_line(const char *line, size_t len, char key[64], size_t *value_at)
{
	size_t i = 0;
	while (i < len && line[i] == ' ')
		i++;
	if (i + 1 < len && line[i] == '-' && line[i + 1] == ' ')
		i += 2;
	size_t k = i;
	while (k < len && (isalnum((unsigned char)line[k]) || line[k] == '_'))
		k++;
	if (k == i || k >= len || line[k] != ':' || k - i >= 64)
		return false;
	memcpy(key, line + i, k - i);
	key[k - i] = '\0';
	k++;
	while (k < len && line[k] == ' ')
		k++;
	*value_at = k;
	return true;
}

static const struct cncf_result *find_item(const struct run_result *r, const char *id, size_t n)
{
	for (size_t i = 0; i < r->ncncf; i++)
		if (strlen(r->cncf_items[i].item->id) == n &&
		    strncmp(r->cncf_items[i].item->id, id, n) == 0)
			return &r->cncf_items[i];
	return NULL;
}

/* The new value of key in the current part of the file, or false to keep the line. */
static bool new_value(const struct run_result *r, bool meta, const struct cncf_result *cur,
		      const char *key, struct buf *v)
{
	if (meta) {
		const char *val = product_metadata_value(r, key);
		if (val == NULL || strcmp(key, "kubernetesVersion") == 0)
			return false;
		add_quoted(v, val);
		return true;
	}
	if (cur == NULL)
		return false;
	if (strcmp(key, "status") == 0) {
		add_quoted(v, cncf_status_name(cncf_status_of(cur)));
	} else if (strcmp(key, "notes") == 0) {
		char *notes = product_item_notes(cur);
		add_quoted(v, notes);
		free(notes);
	} else if (strcmp(key, "evidence") == 0) {
		json_t *ev = product_item_evidence(r, cur);
		buf_addc(v, '[');
		for (size_t i = 0; i < json_array_size(ev); i++) {
			if (i > 0)
				buf_adds(v, ", ");
			add_quoted(v, json_string_value(json_array_get(ev, i)));
		}
		buf_addc(v, ']');
		json_decref(ev);
	} else {
		return false;
	}
	return true;
}

int product_template_fill(const char *text, const struct run_result *r, struct buf *out,
			  char **cause)
{
	bool meta = false;
	const struct cncf_result *cur = NULL;
	size_t filled = 0;
	struct buf v = BUF_INIT;
	buf_init(&v);
	for (const char *line = text; *line != '\0';) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		size_t body = len > 0 && line[len - 1] == '\r' ? len - 1 : len;
		char key[64];
		size_t at;
		buf_reset(&v);
		if (body > 0 && line[0] != ' ' && line[0] != '#')
			meta = strncmp(line, "metadata:", 9) == 0;
		if (line[0] == ' ' && key_line(line, body, key, &at)) {
			if (strcmp(key, "id") == 0 && !meta)
				cur = find_item(r, line + at, value_len(line + at, body - at));
			else if (new_value(r, meta, cur, key, &v)) {
				size_t vl = value_len(line + at, body - at);
				buf_add(out, line, at);
				buf_add(out, v.data, v.len);
				buf_add(out, line + at + vl, len - at - vl);
				filled++;
				goto next;
			}
		}
		buf_add(out, line, len);
	next:
		if (nl != NULL)
			buf_addc(out, '\n');
		line = nl ? nl + 1 : line + len;
	}
	buf_release(&v);
	if (filled < 3 * r->ncncf) {
		*cause = xasprintf("the template does not have a status, evidence and notes line "
				   "for each of its %zu items",
				   r->ncncf);
		return -1;
	}
	return 0;
}

int product_template_fill_file(const char *path, const struct run_result *r, struct buf *out,
			       char **cause)
{
	char *text = NULL;
	const struct cncf_version *v = NULL;
	if (product_template_load(path, &text, &v, cause) != 0)
		return -1;
	int rc = -1;
	if (v != r->cncf)
		*cause = xasprintf("\"%s\" is the checklist %s, the run decided %s", path, v->name,
				   r->cncf->name);
	else
		rc = product_template_fill(text, r, out, cause);
	free(text);
	return rc;
}
