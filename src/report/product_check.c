/* product_check.c: `kaic product validate`: a PRODUCT.yaml checked as the CNCF AI
 * Conformance program checks a submission against its checklist version (docs/cncf.md,
 * "Validation"). One line per problem. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report/product.h"
#include "util/xmalloc.h"
#include "util/yaml.h"

struct problems {
	char **v;
	size_t n;
	size_t own_descriptions; /* items with kaic's own description */
};

static void add(struct problems *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct problems *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	p->v = xreallocarray(p->v, p->n + 2, sizeof(*p->v));
	p->v[p->n++] = s;
	p->v[p->n] = NULL;
}

static char **finish(struct problems *p)
{
	if (p->v == NULL)
		p->v = xcalloc(1, sizeof(*p->v));
	return p->v;
}

/* "[Vendor Name]": a value still the template's placeholder. */
static bool is_placeholder(const char *s)
{
	size_t n = strlen(s);
	return n >= 2 && s[0] == '[' && s[n - 1] == ']';
}

static bool is_status(const char *s)
{
	static const char *const ok[] = {"Implemented", "Partially Implemented", "Not Implemented",
					 "N/A"};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(s, ok[i]) == 0)
			return true;
	return false;
}

static void check_metadata(const json_t *meta, const struct cncf_version *v, struct problems *p)
{
	const char *key;
	const json_t *val;
	for (const char *const *k = v->metadata; *k != NULL; k++) {
		val = json_object_get(meta, *k);
		const char *s = json_string_value(val);
		if (val == NULL)
			add(p, "metadata.%s is missing", *k);
		else if (s == NULL || *s == '\0')
			add(p, "metadata.%s is empty", *k);
		else if (is_placeholder(s))
			add(p, "metadata.%s is still the placeholder \"%s\"", *k, s);
	}
	json_object_foreach((json_t *)meta, key, val) {
		bool known = false;
		for (const char *const *k = v->metadata; *k != NULL; k++)
			known = known || strcmp(*k, key) == 0;
		if (!known)
			add(p, "metadata.%s is not a field of the %s checklist", key, v->name);
	}
}

static void check_evidence_list(const json_t *ev, const char *id, struct problems *p)
{
	if (!json_is_array(ev)) {
		add(p, "%s: evidence is not a list", id);
		return;
	}
	for (size_t i = 0; i < json_array_size(ev); i++) {
		const char *s = json_string_value(json_array_get(ev, i));
		if (s == NULL || *s == '\0')
			add(p, "%s: evidence %zu is not a reference", id, i + 1);
		else if (is_placeholder(s))
			add(p, "%s: evidence %zu is still a placeholder \"%s\"", id, i + 1, s);
	}
}

/* One item against its facts (want). */
static void check_item(const json_t *it, const struct cncf_item *want, const char *ver,
		       struct problems *p)
{
	const char *id = want->id;
	const char *lvl = json_string_value(json_object_get(it, "level"));
	const char *desc = json_string_value(json_object_get(it, "description"));
	const char *st = json_string_value(json_object_get(it, "status"));
	const char *notes = json_string_value(json_object_get(it, "notes"));
	const json_t *ev = json_object_get(it, "evidence");
	bool has_notes = notes != NULL && *notes != '\0';
	if (lvl == NULL || strcmp(lvl, level_name(want->level)) != 0)
		add(p, "%s: level is %s, the %s checklist says %s", id, lvl ? lvl : "missing", ver,
		    level_name(want->level));
	const struct requirement *own = cncf_requirement(id);
	if (desc != NULL && own != NULL && strcmp(desc, own->description) == 0)
		p->own_descriptions++; /* one line for all of them */
	else if (desc == NULL || cncf_text_hash(desc) != want->text_hash)
		add(p, "%s: description is not the %s checklist's text%s", id, ver,
		    desc == NULL ? " (missing)" : "");
	if (st == NULL || !is_status(st)) {
		add(p,
		    "%s: status \"%s\" is not one of Implemented, Partially Implemented, Not "
		    "Implemented, N/A",
		    id, st ? st : "");
		st = NULL;
	}
	check_evidence_list(ev, id, p);
	if (json_object_get(it, "notes") != NULL && notes == NULL)
		add(p, "%s: notes is not a string", id);
	if (st == NULL)
		return;
	if (strcmp(st, "N/A") == 0 && !has_notes)
		add(p, "%s: N/A needs notes with the justification", id);
	if (strcmp(st, "Implemented") == 0 && json_array_size(ev) == 0)
		add(p, "%s: Implemented without evidence", id);
	if (want->level != LEVEL_MUST)
		return;
	if (strcmp(st, "N/A") == 0 && !want->na_allowed)
		add(p,
		    "%s: a MUST cannot be N/A (only a requirement that begins \"If the platform "
		    "...\" can)",
		    id);
	else if (strcmp(st, "Implemented") != 0 && strcmp(st, "N/A") != 0)
		add(p, "%s: a MUST is %s: it blocks submission", id, st);
}

static void check_spec(const json_t *spec, const struct cncf_version *v, struct problems *p)
{
	const char *sec;
	const json_t *items;
	bool *seen = xcalloc(v->n, sizeof(*seen));
	json_object_foreach((json_t *)spec, sec, items) {
		if (!json_is_array(items)) {
			add(p, "spec.%s is not a list of items", sec);
			continue;
		}
		for (size_t i = 0; i < json_array_size(items); i++) {
			const json_t *it = json_array_get(items, i);
			const char *id = json_string_value(json_object_get(it, "id"));
			const struct cncf_item *want = id ? cncf_version_item(v, id) : NULL;
			if (want == NULL) {
				add(p, "spec.%s: %s is not an item of the %s checklist", sec,
				    id ? id : "an item without id", v->name);
				continue;
			}
			if (strcmp(want->section, sec) != 0)
				add(p, "%s: in spec.%s, the %s checklist has it in spec.%s", id,
				    sec, v->name, want->section);
			if (seen[want - v->items])
				add(p, "%s: listed more than once", id);
			seen[want - v->items] = true;
			check_item(it, want, v->name, p);
		}
	}
	for (size_t i = 0; i < v->n; i++)
		if (!seen[i])
			add(p, "%s: missing (spec.%s, %s)", v->items[i].id, v->items[i].section,
			    level_name(v->items[i].level));
	free(seen);
}

char **product_validate_doc(const json_t *doc)
{
	struct problems p = {0};
	const json_t *meta = json_object_get(doc, "metadata");
	const json_t *spec = json_object_get(doc, "spec");
	const char *kv = json_string_value(json_object_get(meta, "kubernetesVersion"));
	const struct cncf_version *v = cncf_version_find(kv);
	if (!json_is_object(doc) || !json_is_object(meta) || !json_is_object(spec)) {
		add(&p, "not a PRODUCT.yaml: it needs a metadata and a spec mapping");
		return finish(&p);
	}
	if (v == NULL) {
		add(&p, "metadata.kubernetesVersion \"%s\" names no CNCF checklist (kaic has %s)",
		    kv ? kv : "", cncf_version_range());
		return finish(&p);
	}
	const char *key;
	const json_t *val;
	json_object_foreach((json_t *)doc, key, val)
		if (strcmp(key, "metadata") != 0 && strcmp(key, "spec") != 0)
			add(&p, "%s is not a section of the %s checklist", key, v->name);
	check_metadata(meta, v, &p);
	check_spec(spec, v, &p);
	if (p.own_descriptions > 0)
		add(&p,
		    "%zu descriptions are kaic's own summaries, not the %s checklist's text: run "
		    "kaic with --cncf-template AIConformance-%s.yaml (the official file)",
		    p.own_descriptions, v->name, v->name);
	return finish(&p);
}

char **product_validate_file(const char *path)
{
	json_t *docs = NULL;
	char *cause = NULL;
	if (yaml_load_file(path, &docs, &cause) != 0) {
		struct problems p = {0};
		add(&p, "%s", cause);
		free(cause);
		return finish(&p);
	}
	char **res;
	if (json_array_size(docs) != 1) {
		struct problems p = {0};
		add(&p, "\"%s\" holds %zu YAML documents, not one", path, json_array_size(docs));
		res = finish(&p);
	} else {
		res = product_validate_doc(json_array_get(docs, 0));
	}
	json_decref(docs);
	return res;
}

size_t product_problems_count(char **problems)
{
	size_t n = 0;
	while (problems != NULL && problems[n] != NULL)
		n++;
	return n;
}

void product_problems_free(char **problems)
{
	for (size_t i = 0; problems != NULL && problems[i] != NULL; i++)
		free(problems[i]);
	free(problems);
}
