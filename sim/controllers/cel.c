/* cel.c: the subset of CEL that DRA device selectors use, evaluated against one
 * ResourceSlice device: device.driver; device.attributes["domain"].name and
 * device.capacity["domain"].name (also ["name"]; unqualified attributes belong to the
 * device's driver); string, int and bool literals, true/false; quantity("80Gi") and
 * semver("1.2.3") with .compareTo(); == != < <= > >=; !, &&, ||, parentheses. A version
 * attribute compares with a string as that string. Errors (a missing attribute, a type
 * mismatch) follow CEL's commutative && and ||; anything outside the subset, or a
 * result that is not true, does not match. */

#include "controllers/cel.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controllers/ctl_util.h"
#include "sim.h"

enum cel_type { CEL_ERR, CEL_BOOL, CEL_INT, CEL_STR, CEL_QTY, CEL_VER };

struct cel_val {
	enum cel_type t;
	long long i; /* BOOL, INT */
	double q;    /* QTY */
	char s[256]; /* STR, VER */
};

struct cel {
	const char *p;
	const json_t *dev;
	bool bad; /* outside the subset: never matches */
};

static void skip_ws(struct cel *c)
{
	while (isspace((unsigned char)*c->p))
		c->p++;
}

static bool eat(struct cel *c, const char *tok)
{
	skip_ws(c);
	size_t n = strlen(tok);
	if (strncmp(c->p, tok, n) != 0)
		return false;
	if (isalpha((unsigned char)tok[0]) && (isalnum((unsigned char)c->p[n]) || c->p[n] == '_'))
		return false;
	c->p += n;
	return true;
}

static bool ident(struct cel *c, char *out, size_t max)
{
	skip_ws(c);
	size_t n = 0;
	if (!isalpha((unsigned char)*c->p) && *c->p != '_')
		return false;
	while ((isalnum((unsigned char)c->p[n]) || c->p[n] == '_') && n + 1 < max)
		n++;
	memcpy(out, c->p, n);
	out[n] = '\0';
	c->p += n;
	return true;
}

static bool string_lit(struct cel *c, char *out, size_t max)
{
	skip_ws(c);
	char q = *c->p;
	if (q != '"' && q != '\'')
		return false;
	size_t n = 0;
	c->p++;
	while (*c->p && *c->p != q) {
		if (*c->p == '\\' && c->p[1])
			c->p++;
		if (n + 1 < max)
			out[n++] = *c->p;
		c->p++;
	}
	out[n] = '\0';
	if (*c->p != q)
		return false;
	c->p++;
	return true;
}

static bool quantity(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s)
		return false;
	static const struct {
		const char *suf;
		double mul;
	} sufs[] = {{"Ki", 1024.0},
		    {"Mi", 1048576.0},
		    {"Gi", 1073741824.0},
		    {"Ti", 1099511627776.0},
		    {"Pi", 1125899906842624.0},
		    {"k", 1e3},
		    {"M", 1e6},
		    {"G", 1e9},
		    {"T", 1e12},
		    {"P", 1e15},
		    {"m", 1e-3},
		    {"", 1}};
	for (size_t i = 0; i < sizeof(sufs) / sizeof(sufs[0]); i++) {
		if (!strcmp(end, sufs[i].suf)) {
			*out = v * sufs[i].mul;
			return true;
		}
	}
	return false;
}

bool ctl_cel_quantity(const char *s, double *out)
{
	return s != NULL && quantity(s, out);
}

static int semver_cmp(const char *a, const char *b)
{
	long x[3] = {0}, y[3] = {0};
	const char *p = a, *q = b;
	for (int i = 0; i < 3; i++) {
		char *end;
		x[i] = strtol(p, &end, 10);
		p = *end == '.' ? end + 1 : end;
		y[i] = strtol(q, &end, 10);
		q = *end == '.' ? end + 1 : end;
	}
	for (int i = 0; i < 3; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

/* The attribute or capacity map of the device (v1, or v1beta1's basic). */
static json_t *dev_map(const json_t *dev, const char *key)
{
	json_t *m = json_object_get(dev, key);
	if (!m)
		m = json_object_get(json_object_get(dev, "basic"), key);
	return m;
}

static json_t *qualified(const json_t *dev, const char *key, const char *domain, const char *name)
{
	json_t *m = dev_map(dev, key);
	char full[512];
	snprintf(full, sizeof(full), "%s/%s", domain, name);
	json_t *v = json_object_get(m, full);
	if (!v && !strcmp(domain, ctl_s(dev, "driver")))
		v = json_object_get(m, name);
	return v;
}

static void set_err(struct cel_val *v)
{
	memset(v, 0, sizeof(*v));
	v->t = CEL_ERR;
}

static void attr_value(const json_t *a, struct cel_val *v)
{
	json_t *x;
	set_err(v);
	if ((x = json_object_get(a, "string")) && json_is_string(x)) {
		v->t = CEL_STR;
		snprintf(v->s, sizeof(v->s), "%s", json_string_value(x));
	} else if ((x = json_object_get(a, "version")) && json_is_string(x)) {
		v->t = CEL_VER;
		snprintf(v->s, sizeof(v->s), "%s", json_string_value(x));
	} else if ((x = json_object_get(a, "int")) && json_is_integer(x)) {
		v->t = CEL_INT;
		v->i = json_integer_value(x);
	} else if ((x = json_object_get(a, "bool")) && json_is_boolean(x)) {
		v->t = CEL_BOOL;
		v->i = json_is_true(x);
	}
}

static void parse_or(struct cel *c, struct cel_val *v);

/* device.driver | device.attributes[..]... | device.capacity[..]... */
static void parse_device(struct cel *c, struct cel_val *v)
{
	char id[64], dom[256], name[256];
	set_err(v);
	if (!eat(c, ".") || !ident(c, id, sizeof(id))) {
		c->bad = true;
		return;
	}
	if (!strcmp(id, "driver")) {
		v->t = CEL_STR;
		snprintf(v->s, sizeof(v->s), "%s", ctl_s(c->dev, "driver"));
		return;
	}
	bool attrs = !strcmp(id, "attributes");
	if ((!attrs && strcmp(id, "capacity") != 0) || !eat(c, "[") ||
	    !string_lit(c, dom, sizeof(dom)) || !eat(c, "]")) {
		c->bad = true;
		return;
	}
	if (eat(c, "[")) {
		if (!string_lit(c, name, sizeof(name)) || !eat(c, "]")) {
			c->bad = true;
			return;
		}
	} else if (!eat(c, ".") || !ident(c, name, sizeof(name))) {
		c->bad = true;
		return;
	}
	json_t *a = qualified(c->dev, attrs ? "attributes" : "capacity", dom, name);
	if (attrs) {
		attr_value(a, v);
	} else if (a && quantity(json_is_string(json_object_get(a, "value"))
				     ? json_string_value(json_object_get(a, "value"))
				     : "",
				 &v->q)) {
		v->t = CEL_QTY;
	}
}

static int compare(const struct cel_val *a, const struct cel_val *b, bool *ok)
{
	*ok = true;
	if (a->t == CEL_QTY && b->t == CEL_QTY)
		return a->q < b->q ? -1 : a->q > b->q;
	if (a->t == CEL_VER && b->t == CEL_VER)
		return semver_cmp(a->s, b->s);
	if ((a->t == CEL_STR || a->t == CEL_VER) && (b->t == CEL_STR || b->t == CEL_VER))
		return strcmp(a->s, b->s) < 0 ? -1 : strcmp(a->s, b->s) > 0;
	if (a->t == b->t && (a->t == CEL_INT || a->t == CEL_BOOL))
		return a->i < b->i ? -1 : a->i > b->i;
	*ok = false;
	return 0;
}

static void parse_postfix(struct cel *c, struct cel_val *v)
{
	while (eat(c, ".compareTo")) {
		struct cel_val arg;
		if (!eat(c, "(")) {
			c->bad = true;
			return;
		}
		parse_or(c, &arg);
		if (!eat(c, ")")) {
			c->bad = true;
			return;
		}
		bool ok;
		int r = compare(v, &arg, &ok);
		bool numeric = (v->t == CEL_QTY || v->t == CEL_VER) && v->t == arg.t;
		set_err(v);
		if (ok && numeric) {
			v->t = CEL_INT;
			v->i = r;
		}
	}
}

static void parse_primary(struct cel *c, struct cel_val *v)
{
	char buf[256];
	set_err(v);
	skip_ws(c);
	if (eat(c, "(")) {
		parse_or(c, v);
		if (!eat(c, ")"))
			c->bad = true;
	} else if (eat(c, "true") || eat(c, "false")) {
		v->t = CEL_BOOL;
		v->i = c->p[-1] == 'e' && c->p[-2] == 'u';
	} else if (eat(c, "device")) {
		parse_device(c, v);
	} else if (eat(c, "quantity") || eat(c, "semver")) {
		bool q = c->p[-1] == 'y';
		if (!eat(c, "(") || !string_lit(c, buf, sizeof(buf)) || !eat(c, ")")) {
			c->bad = true;
			return;
		}
		if (q && quantity(buf, &v->q)) {
			v->t = CEL_QTY;
		} else if (!q) {
			v->t = CEL_VER;
			snprintf(v->s, sizeof(v->s), "%s", buf);
		}
	} else if (string_lit(c, buf, sizeof(buf))) {
		v->t = CEL_STR;
		snprintf(v->s, sizeof(v->s), "%s", buf);
	} else if (isdigit((unsigned char)*c->p) || *c->p == '-') {
		char *end;
		v->t = CEL_INT;
		v->i = strtoll(c->p, &end, 10);
		if (end == c->p || *end == '.')
			c->bad = true;
		c->p = end;
	} else {
		c->bad = true;
		return;
	}
	parse_postfix(c, v);
}

static void parse_cmp(struct cel *c, struct cel_val *v)
{
	parse_primary(c, v);
	static const char *const ops[] = {"==", "!=", "<=", ">=", "<", ">", NULL};
	skip_ws(c);
	for (size_t i = 0; ops[i]; i++) {
		if (!eat(c, ops[i]))
			continue;
		struct cel_val r;
		parse_primary(c, &r);
		if (v->t == CEL_ERR || r.t == CEL_ERR) {
			set_err(v);
			return;
		}
		bool ok;
		int k = compare(v, &r, &ok);
		bool res = i == 0   ? k == 0
			   : i == 1 ? k != 0
			   : i == 2 ? k <= 0
			   : i == 3 ? k >= 0
			   : i == 4 ? k < 0
				    : k > 0;
		bool ordered = i < 2 || (v->t != CEL_BOOL && v->t != CEL_STR) ||
			       (v->t == CEL_STR && r.t == CEL_STR);
		set_err(v);
		if (ok && ordered) {
			v->t = CEL_BOOL;
			v->i = res;
		}
		return;
	}
}

static void parse_unary(struct cel *c, struct cel_val *v)
{
	skip_ws(c);
	if (*c->p == '!' && c->p[1] != '=') {
		c->p++;
		parse_unary(c, v);
		if (v->t == CEL_BOOL)
			v->i = !v->i;
		else
			set_err(v);
		return;
	}
	parse_cmp(c, v);
}

static void parse_and(struct cel *c, struct cel_val *v)
{
	parse_unary(c, v);
	while (eat(c, "&&")) {
		struct cel_val r;
		parse_unary(c, &r);
		bool lf = v->t == CEL_BOOL && !v->i, rf = r.t == CEL_BOOL && !r.i;
		bool lt = v->t == CEL_BOOL && v->i, rt = r.t == CEL_BOOL && r.i;
		set_err(v);
		if (lf || rf || (lt && rt)) {
			v->t = CEL_BOOL;
			v->i = lt && rt;
		}
	}
}

static void parse_or(struct cel *c, struct cel_val *v)
{
	parse_and(c, v);
	while (eat(c, "||")) {
		struct cel_val r;
		parse_and(c, &r);
		bool lt = v->t == CEL_BOOL && v->i, rt = r.t == CEL_BOOL && r.i;
		bool lf = v->t == CEL_BOOL && !v->i, rf = r.t == CEL_BOOL && !r.i;
		set_err(v);
		if (lt || rt || (lf && rf)) {
			v->t = CEL_BOOL;
			v->i = lt || rt;
		}
	}
}

bool ctl_cel_match(const char *expr, const json_t *device)
{
	if (!expr || !json_is_object(device))
		return false;
	struct cel c = {.p = expr, .dev = device};
	struct cel_val v;
	parse_or(&c, &v);
	skip_ws(&c);
	return !c.bad && !*c.p && v.t == CEL_BOOL && v.i;
}
