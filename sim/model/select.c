/* select.c: label selectors (=, ==, !=, in, notin, exists, !key, gt, lt) and field
 * selectors (=, ==, != on metadata.name, metadata.namespace and registered fields). */

#include "model/select.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "model/registry.h"
#include "sim.h"
#include "util/xmalloc.h"

struct lexer {
	const char *p;
};

static void skip_ws(struct lexer *lx)
{
	while (*lx->p == ' ' || *lx->p == '\t')
		lx->p++;
}

static bool key_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-' || c == '/';
}

/* Reads a key or value token (possibly empty). */
static char *read_word(struct lexer *lx)
{
	skip_ws(lx);
	const char *s = lx->p;
	while (*lx->p && key_char(*lx->p))
		lx->p++;
	return xstrndup(s, (size_t)(lx->p - s));
}

static bool valid_key(const char *k)
{
	if (!*k || strlen(k) > 316)
		return false;
	const char *slash = strchr(k, '/');
	if (slash && (slash == k || strchr(slash + 1, '/') || !slash[1]))
		return false;
	const char *name = slash ? slash + 1 : k;
	if (!isalnum((unsigned char)name[0]) || !isalnum((unsigned char)name[strlen(name) - 1]))
		return false;
	return strlen(name) <= 63;
}

static bool valid_value(const char *v)
{
	size_t n = strlen(v);
	if (!n)
		return true;
	if (n > 63 || strchr(v, '/'))
		return false;
	return isalnum((unsigned char)v[0]) && isalnum((unsigned char)v[n - 1]);
}

static void add_req(struct sim_selector *sel, char *key, enum sim_sel_op op, char **values)
{
	sel->reqs = xreallocarray(sel->reqs, sel->n + 1, sizeof(*sel->reqs));
	sel->reqs[sel->n].key = key;
	sel->reqs[sel->n].op = op;
	sel->reqs[sel->n].values = values;
	sel->n++;
}

static char **one_value(char *v)
{
	char **vals = xcalloc(2, sizeof(*vals));
	vals[0] = v;
	return vals;
}

static int parse_set(struct lexer *lx, char ***out, char **cause)
{
	skip_ws(lx);
	if (*lx->p != '(') {
		*cause = xstrdup("unable to parse requirement: found '', expected: '('");
		return -1;
	}
	lx->p++;
	size_t n = 0;
	char **vals = xcalloc(1, sizeof(*vals));
	for (;;) {
		char *v = read_word(lx);
		skip_ws(lx);
		if (!valid_value(v)) {
			*cause = xasprintf(
			    "unable to parse requirement: invalid label value: \"%s\"", v);
			free(v);
			sim_strv_free(vals);
			return -1;
		}
		vals = xreallocarray(vals, n + 2, sizeof(*vals));
		vals[n++] = v;
		vals[n] = NULL;
		if (*lx->p == ',') {
			lx->p++;
			continue;
		}
		if (*lx->p == ')') {
			lx->p++;
			break;
		}
		*cause = xstrdup("unable to parse requirement: found end of string, expected: ')'");
		sim_strv_free(vals);
		return -1;
	}
	*out = vals;
	return 0;
}

static int parse_one(struct lexer *lx, struct sim_selector *sel, char **cause)
{
	skip_ws(lx);
	bool neg = false;
	if (*lx->p == '!') {
		neg = true;
		lx->p++;
	}
	char *key = read_word(lx);
	if (!valid_key(key)) {
		*cause = xasprintf("unable to parse requirement: invalid label key \"%s\"", key);
		free(key);
		return -1;
	}
	skip_ws(lx);
	if (neg || !*lx->p || *lx->p == ',') {
		add_req(sel, key, neg ? SEL_NOTEXISTS : SEL_EXISTS, xcalloc(1, sizeof(char *)));
		return 0;
	}
	enum sim_sel_op op;
	const char *p = lx->p;
	if (!strncmp(p, "==", 2) || !strncmp(p, "!=", 2)) {
		op = *p == '=' ? SEL_EQ : SEL_NE;
		lx->p += 2;
	} else if (*p == '=' || *p == '>' || *p == '<') {
		op = *p == '=' ? SEL_EQ : *p == '>' ? SEL_GT : SEL_LT;
		lx->p++;
	} else if (!strncmp(p, "in", 2) && (p[2] == ' ' || p[2] == '(')) {
		op = SEL_IN;
		lx->p += 2;
	} else if (!strncmp(p, "notin", 5) && (p[5] == ' ' || p[5] == '(')) {
		op = SEL_NOTIN;
		lx->p += 5;
	} else {
		*cause = xasprintf("unable to parse requirement: found '%c', expected: in, notin, "
				   "=, ==, !=, gt, lt",
				   *p);
		free(key);
		return -1;
	}
	char **vals;
	if (op == SEL_IN || op == SEL_NOTIN) {
		if (parse_set(lx, &vals, cause) < 0) {
			free(key);
			return -1;
		}
	} else {
		char *v = read_word(lx);
		bool ok = valid_value(v);
		if (op == SEL_GT || op == SEL_LT) {
			char *end;
			strtol(v, &end, 10);
			ok = *v && !*end;
		}
		if (!ok) {
			*cause = xasprintf(
			    "unable to parse requirement: invalid label value: \"%s\"", v);
			free(v);
			free(key);
			return -1;
		}
		vals = one_value(v);
	}
	add_req(sel, key, op, vals);
	return 0;
}

int sim_labelsel_parse(const char *s, struct sim_selector *sel, char **cause)
{
	memset(sel, 0, sizeof(*sel));
	struct lexer lx = {s ? s : ""};
	skip_ws(&lx);
	if (!*lx.p)
		return 0;
	for (;;) {
		if (parse_one(&lx, sel, cause) < 0)
			goto fail;
		skip_ws(&lx);
		if (!*lx.p)
			return 0;
		if (*lx.p != ',') {
			*cause = xasprintf("unable to parse requirement: found '%c', expected: ','",
					   *lx.p);
			goto fail;
		}
		lx.p++;
	}
fail:
	sim_selector_release(sel);
	return -1;
}

static bool field_known(const struct sim_rtype *rt, const char *f)
{
	if (!strcmp(f, "metadata.name") || !strcmp(f, "metadata.namespace"))
		return true;
	return rt && sim_strv_has(rt->fields, f);
}

int sim_fieldsel_parse(const char *s, const struct sim_rtype *rt, struct sim_selector *sel,
		       char **cause)
{
	memset(sel, 0, sizeof(*sel));
	char **terms = sim_strv_split(s);
	for (char **t = terms; *t; t++) {
		char *term = *t;
		enum sim_sel_op op = SEL_EQ;
		char *eq = strstr(term, "!=");
		size_t skip = 2;
		if (eq) {
			op = SEL_NE;
		} else if ((eq = strstr(term, "=="))) {
			skip = 2;
		} else if ((eq = strchr(term, '='))) {
			skip = 1;
		} else {
			*cause =
			    xasprintf("invalid selector: '%s'; can't understand '%s'", s, term);
			goto fail;
		}
		char *key = xstrndup(term, (size_t)(eq - term));
		char *k = key;
		while (*k == ' ')
			k++;
		for (char *e = k + strlen(k); e > k && e[-1] == ' '; e--)
			e[-1] = '\0';
		if (!field_known(rt, k)) {
			*cause = xasprintf("field label not supported: %s", k);
			free(key);
			goto fail;
		}
		char *kk = xstrdup(k);
		free(key);
		add_req(sel, kk, op, one_value(xstrdup(eq + skip)));
	}
	sim_strv_free(terms);
	return 0;
fail:
	sim_strv_free(terms);
	sim_selector_release(sel);
	return -1;
}

void sim_selector_release(struct sim_selector *sel)
{
	for (size_t i = 0; i < sel->n; i++) {
		free(sel->reqs[i].key);
		sim_strv_free(sel->reqs[i].values);
	}
	free(sel->reqs);
	memset(sel, 0, sizeof(*sel));
}

static bool req_match(const struct sim_req *r, const char *v)
{
	switch (r->op) {
	case SEL_EQ:
		return v && !strcmp(v, r->values[0]);
	case SEL_NE:
		return !v || strcmp(v, r->values[0]) != 0;
	case SEL_IN:
		return v && sim_strv_has(r->values, v);
	case SEL_NOTIN:
		return !v || !sim_strv_has(r->values, v);
	case SEL_EXISTS:
		return v != NULL;
	case SEL_NOTEXISTS:
		return v == NULL;
	case SEL_GT:
	case SEL_LT: {
		if (!v)
			return false;
		char *end;
		long a = strtol(v, &end, 10);
		if (*end || !*v)
			return false;
		long b = strtol(r->values[0], NULL, 10);
		return r->op == SEL_GT ? a > b : a < b;
	}
	}
	return false;
}

bool sim_labelsel_match(const struct sim_selector *sel, const json_t *obj)
{
	if (!sel || !sel->n)
		return true;
	json_t *labels = json_object_get(json_object_get(obj, "metadata"), "labels");
	for (size_t i = 0; i < sel->n; i++) {
		const char *v = json_string_value(json_object_get(labels, sel->reqs[i].key));
		if (!req_match(&sel->reqs[i], v))
			return false;
	}
	return true;
}

char *sim_field_value(const json_t *obj, const char *path)
{
	if (!strcmp(path, "source"))
		path = "source.component";
	const json_t *v = obj;
	const char *p = path;
	while (v && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		char *k = xstrndup(p, n);
		v = json_object_get(v, k);
		free(k);
		p = dot ? dot + 1 : p + n;
	}
	if (!v || json_is_null(v)) {
		bool flag =
		    !strcmp(path, "spec.unschedulable") || !strcmp(path, "spec.hostNetwork");
		return xstrdup(flag ? "false" : "");
	}
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_boolean(v))
		return xstrdup(json_is_true(v) ? "true" : "false");
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

bool sim_fieldsel_match(const struct sim_selector *sel, const json_t *obj)
{
	if (!sel)
		return true;
	for (size_t i = 0; i < sel->n; i++) {
		char *v = sim_field_value(obj, sel->reqs[i].key);
		bool ok = req_match(&sel->reqs[i], v);
		free(v);
		if (!ok)
			return false;
	}
	return true;
}
