/* test_checks.c: every passive check against inventory fixtures; the cases are data in
 * tests/data/checks/<domain>.json, one file per domain table of checks/checks.h:
 *
 *   {"base": FIXTURE, "cases": {"NAME": CASE, ...}}
 *
 * FIXTURE is what inventory_new_fixture takes: "version", "resources" (discovery
 * entries), "lists" (list key "group/version/resource", core group "/v1/nodes", to
 * items), "proxy" (proxy path to body), "errors" (list key or proxy path to
 * {"code", "reason", "message"}). A CASE has these keys, no other:
 *   "about"    what the case changes, for the reader (optional)
 *   "fixture"  merged onto a copy of base: resources appended; lists, proxy and errors
 *              key by key (null removes a key); an error also removes the list or
 *              proxy answer of its key; version replaced
 *   "drop"     discovery entries removed, each "group", "group/version" or
 *              "group/version/resource"; each must match some entry
 *   "prefer"   "group/version" entries marked preferred; each must match
 *   "opts"     string options of `kaic run` by field name: {"metrics_endpoint": "..."}
 *   "expect"   a non-empty list of {"id", "verdict", "hint", "evidence", "no_evidence"}:
 *              the check id (of this file's domain) run passive on a fresh inventory
 *              gives verdict (Full, Partial, No, Error), a remediation unless Full,
 *              one containing hint when given, every evidence substring in some
 *              evidence line and no no_evidence substring in any.
 * Each case is one test "<domain>/<case>"; a failure names the case, the check and what
 * was expected, then prints the actual verdict, remediation and evidence. A missing
 * domain file, a file of no domain, an unknown key, an unknown requirement or one of
 * another domain, a case without expectations and a passive check that no case runs
 * fail before any case runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/checks.h"
#include "checks/cncf.h"
#include "kube/inventory.h"
#include "run/run_opts.h"

#define DATA_DIR "tests/data/checks"

static const struct domain {
	const char *name;
	const struct check *const *checks;
} domains[] = {
    {"cncf", checks_cncf},
    {"hardware", checks_hardware},
    {"networking", checks_networking},
    {"observability", checks_observability},
    {"security", checks_security},
    {"storage", checks_storage},
    {"workloads", checks_workloads},
};
#define NDOMAINS (sizeof(domains) / sizeof(domains[0]))

/* The string options of `kaic run` that checks read and a case may set. */
static const struct opt_field {
	const char *name;
	size_t off;
} opt_fields[] = {
    {"metrics_endpoint", offsetof(struct run_opts, metrics_endpoint)},
    {"prometheus_url", offsetof(struct run_opts, prometheus_url)},
    {"trace_query_url", offsetof(struct run_opts, trace_query_url)},
    {"pod_label", offsetof(struct run_opts, pod_label)},
    {"image", offsetof(struct run_opts, image)},
};

struct tcase {
	char *title;	      /* "<domain>/<case>" */
	json_t *fixture;      /* base with the case's changes */
	json_t *expect;	      /* the case's "expect" */
	struct run_opts opts; /* strings borrowed from the file */
};

static struct tcase *cases;
static size_t ncases;
static json_t *docs[NDOMAINS];
static int problems;

/* A formatted string (caller frees). */
static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	char *s;
	va_list ap;
	va_start(ap, f);
	if (vasprintf(&s, f, ap) < 0)
		abort();
	va_end(ap);
	return s;
}

static void problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void problem(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("ERROR: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	problems++;
}

/* Reports every key of o not in the NULL-terminated allowed. */
static void only_keys(const json_t *o, const char *const *allowed, const char *where)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)o, key, v) {
		const char *const *a = allowed;
		while (*a != NULL && strcmp(*a, key) != 0)
			a++;
		if (*a == NULL)
			problem("%s: unknown key \"%s\"", where, key);
	}
}

/* Whether every element of a (NULL: absent) is a string. */
static bool strings(const json_t *a, const char *what, const char *where)
{
	size_t i;
	json_t *s;
	if (a == NULL)
		return true;
	if (!json_is_array(a)) {
		problem("%s: \"%s\" is not a list", where, what);
		return false;
	}
	json_array_foreach(a, i, s) {
		if (!json_is_string(s)) {
			problem("%s: \"%s\" has a non-string element", where, what);
			return false;
		}
	}
	return true;
}

static const char *const fixture_keys[] = {"version", "resources", "lists",
					   "proxy",   "errors",	   NULL};

/* Checks a fixture's shape: resources a list, lists/proxy/errors objects. */
static bool fixture_ok(const json_t *fx, const char *where)
{
	if (!json_is_object(fx)) {
		problem("%s: not an object", where);
		return false;
	}
	only_keys(fx, fixture_keys, where);
	bool ok = true;
	const json_t *res = json_object_get(fx, "resources");
	if (res != NULL && !json_is_array(res)) {
		problem("%s: \"resources\" is not a list", where);
		ok = false;
	}
	for (const char *const *k = fixture_keys + 2; *k != NULL; k++) {
		const json_t *m = json_object_get(fx, *k);
		if (m != NULL && !json_is_object(m)) {
			problem("%s: \"%s\" is not an object", where, *k);
			ok = false;
		}
	}
	return ok;
}

/* Whether discovery entry r matches sel: "group", "group/version" or
 * "group/version/resource". */
static bool entry_matches(const json_t *r, const char *sel)
{
	const char *fields[] = {"group", "version", "resource"};
	char *copy = strdup(sel);
	char *rest = copy;
	bool ok = true;
	for (size_t i = 0; i < 3 && rest != NULL && ok; i++) {
		char *part = strsep(&rest, "/");
		const char *v = json_string_value(json_object_get(r, fields[i]));
		ok = v != NULL && strcmp(v, part) == 0;
	}
	if (rest != NULL) /* more than three parts */
		ok = false;
	free(copy);
	return ok;
}

/* Merges one object-valued fixture key of over onto fx: a key replaced, null removes. */
static void merge_map(json_t *fx, const json_t *over, const char *name)
{
	const json_t *m = json_object_get(over, name);
	if (m == NULL)
		return;
	json_t *dst = json_object_get(fx, name);
	if (dst == NULL) {
		dst = json_object();
		json_object_set_new(fx, name, dst);
	}
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)m, key, v) {
		if (json_is_null(v))
			json_object_del(dst, key);
		else
			json_object_set_new(dst, key, json_deep_copy(v));
	}
}

/* Builds the fixture of case c (named where) from base; NULL after a problem. */
static json_t *build_fixture(const json_t *base, const json_t *c, const char *where)
{
	json_t *fx = json_deep_copy(base);
	if (json_object_get(fx, "resources") == NULL)
		json_object_set_new(fx, "resources", json_array());
	json_t *res = json_object_get(fx, "resources");
	const json_t *over = json_object_get(c, "fixture");
	if (over != NULL) {
		char *w = fmt("%s: \"fixture\"", where);
		bool ok = fixture_ok(over, w);
		free(w);
		if (!ok) {
			json_decref(fx);
			return NULL;
		}
		size_t i;
		json_t *r;
		json_array_foreach(json_object_get(over, "resources"), i, r)
			json_array_append_new(res, json_deep_copy(r));
		if (json_object_get(over, "version") != NULL)
			json_object_set_new(fx, "version",
					    json_deep_copy(json_object_get(over, "version")));
		merge_map(fx, over, "lists");
		merge_map(fx, over, "proxy");
		merge_map(fx, over, "errors");
		const char *key;
		json_t *e;
		json_object_foreach(json_object_get(over, "errors"), key, e) {
			if (json_is_null(e))
				continue;
			if (json_object_get(json_object_get(over, "lists"), key) != NULL ||
			    json_object_get(json_object_get(over, "proxy"), key) != NULL)
				problem("%s: \"%s\" has both an answer and an error", where, key);
			json_object_del(json_object_get(fx, "lists"), key);
			json_object_del(json_object_get(fx, "proxy"), key);
		}
	}
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(c, "drop"), i, s) {
		size_t before = json_array_size(res);
		for (size_t j = json_array_size(res); j-- > 0;)
			if (entry_matches(json_array_get(res, j), json_string_value(s)))
				json_array_remove(res, j);
		if (json_array_size(res) == before)
			problem("%s: \"drop\" \"%s\" matches no discovery entry", where,
				json_string_value(s));
	}
	json_array_foreach(json_object_get(c, "prefer"), i, s) {
		const char *sel = json_string_value(s);
		bool hit = false;
		size_t j;
		json_t *r;
		json_array_foreach(res, j, r) {
			if (strchr(sel, '/') != NULL && entry_matches(r, sel)) {
				json_object_set_new(r, "preferred", json_true());
				hit = true;
			}
		}
		if (!hit)
			problem("%s: \"prefer\" \"%s\" matches no group/version", where, sel);
	}
	return fx;
}

static bool in_domain(const struct domain *d, const struct check *c)
{
	for (const struct check *const *p = d->checks; *p != NULL; p++)
		if (*p == c)
			return true;
	return false;
}

static bool verdict_of(const char *name, enum verdict *v)
{
	for (int i = VERDICT_FULL; i <= VERDICT_SKIPPED; i++) {
		if (strcmp(verdict_name((enum verdict)i), name) == 0) {
			*v = (enum verdict)i;
			return true;
		}
	}
	return false;
}

/* Checks one expectation's shape; marks its check in covered (of d's table). */
static void expectation_ok(const struct domain *d, const json_t *e, const char *where,
			   bool *covered)
{
	static const char *const keys[] = {"id",       "verdict",     "hint",
					   "evidence", "no_evidence", NULL};
	if (!json_is_object(e)) {
		problem("%s: an expectation is not an object", where);
		return;
	}
	const char *id = json_string_value(json_object_get(e, "id"));
	char *w = fmt("%s: %s", where, id ? id : "expectation");
	only_keys(e, keys, w);
	free(w);
	const char *verdict = json_string_value(json_object_get(e, "verdict"));
	const json_t *hint = json_object_get(e, "hint");
	enum verdict v;
	if (id == NULL) {
		problem("%s: an expectation without \"id\"", where);
	} else {
		const struct check *c = checks_find(id);
		if (c == NULL || c->passive == NULL)
			problem("%s: unknown requirement \"%s\" (no passive check)", where, id);
		else if (!in_domain(d, c))
			problem("%s: %s is not a %s check", where, id, d->name);
		else
			for (size_t i = 0; d->checks[i] != NULL; i++)
				covered[i] |= d->checks[i] == c;
	}
	if (verdict == NULL || !verdict_of(verdict, &v))
		problem("%s: %s: \"verdict\" is not one of Full, Partial, No, Error, Skipped",
			where, id ? id : "?");
	if (hint != NULL && !json_is_string(hint))
		problem("%s: %s: \"hint\" is not a string", where, id ? id : "?");
	strings(json_object_get(e, "evidence"), "evidence", where);
	strings(json_object_get(e, "no_evidence"), "no_evidence", where);
}

/* Sets o's string options from opts (an object of opt_fields names). */
static void opts_from(struct run_opts *o, const json_t *opts, const char *where)
{
	if (opts == NULL)
		return;
	if (!json_is_object(opts)) {
		problem("%s: \"opts\" is not an object", where);
		return;
	}
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)opts, key, v) {
		size_t i = 0;
		while (i < sizeof(opt_fields) / sizeof(opt_fields[0]) &&
		       strcmp(opt_fields[i].name, key) != 0)
			i++;
		if (i == sizeof(opt_fields) / sizeof(opt_fields[0]))
			problem("%s: unknown option \"%s\"", where, key);
		else if (!json_is_string(v))
			problem("%s: option \"%s\" is not a string", where, key);
		else
			*(const char **)((char *)o + opt_fields[i].off) = json_string_value(v);
	}
}

/* Loads and checks one domain's file, appending its cases. */
static void load_domain(const char *top, size_t di)
{
	static const char *const file_keys[] = {"base", "cases", NULL};
	static const char *const case_keys[] = {"about", "drop",   "expect", "fixture",
						"opts",	 "prefer", NULL};
	const struct domain *d = &domains[di];
	char *full = fmt("%s/" DATA_DIR "/%s.json", top, d->name);
	char *path = full + strlen(top) + 1; /* what messages name */
	json_error_t jerr;
	json_t *doc = json_load_file(full, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		if (jerr.line > 0)
			problem("%s:%d: %s", path, jerr.line, jerr.text);
		else
			problem("%s: %s", path, jerr.text);
		free(full);
		return;
	}
	docs[di] = doc;
	only_keys(doc, file_keys, path);
	const json_t *base = json_object_get(doc, "base");
	const json_t *all = json_object_get(doc, "cases");
	char *where = fmt("%s: \"base\"", path);
	bool ok = fixture_ok(base, where);
	free(where);
	if (ok && (!json_is_object(all) || json_object_size(all) == 0)) {
		problem("%s: no \"cases\"", path);
		ok = false;
	}
	if (!ok) {
		free(full);
		return;
	}
	size_t nchecks = 0;
	while (d->checks[nchecks] != NULL)
		nchecks++;
	bool *covered = calloc(nchecks, sizeof(*covered));
	cases = realloc(cases, (ncases + json_object_size(all)) * sizeof(*cases));
	const char *name;
	json_t *c;
	where = NULL;
	json_object_foreach((json_t *)all, name, c) {
		free(where);
		where = fmt("%s: case \"%s\"", path, name);
		if (!json_is_object(c)) {
			problem("%s: not an object", where);
			continue;
		}
		only_keys(c, case_keys, where);
		const json_t *about = json_object_get(c, "about");
		if (about != NULL && !json_is_string(about))
			problem("%s: \"about\" is not a string", where);
		const json_t *expect = json_object_get(c, "expect");
		if (!json_is_array(expect) || json_array_size(expect) == 0) {
			problem("%s: no expectations (\"expect\": [...])", where);
			continue;
		}
		size_t i;
		json_t *e;
		json_array_foreach(expect, i, e)
			expectation_ok(d, e, where, covered);
		if (!strings(json_object_get(c, "drop"), "drop", where) ||
		    !strings(json_object_get(c, "prefer"), "prefer", where))
			continue;
		struct tcase *t = &cases[ncases];
		memset(t, 0, sizeof(*t));
		opts_from(&t->opts, json_object_get(c, "opts"), where);
		t->fixture = build_fixture(base, c, where);
		if (t->fixture == NULL)
			continue;
		t->expect = json_incref((json_t *)expect);
		if (asprintf(&t->title, "%s/%s", d->name, name) < 0)
			abort();
		ncases++;
	}
	for (size_t i = 0; i < nchecks; i++)
		if (d->checks[i]->passive != NULL && !covered[i])
			problem("%s: no case runs %s", path, d->checks[i]->id);
	free(covered);
	free(where);
	free(full);
}

/* Reports every .json file of the data directory that is no domain's. */
static void stray_files(const char *top)
{
	char *path = fmt("%s/" DATA_DIR, top);
	DIR *dir = opendir(path);
	free(path);
	if (dir == NULL) {
		problem("cannot open %s/" DATA_DIR, top);
		return;
	}
	struct dirent *de;
	while ((de = readdir(dir)) != NULL) {
		size_t n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 5, ".json") != 0)
			continue;
		size_t i = 0;
		while (i < NDOMAINS && (strlen(domains[i].name) != n - 5 ||
					strncmp(domains[i].name, de->d_name, n - 5) != 0))
			i++;
		if (i == NDOMAINS)
			problem(DATA_DIR "/%s: no domain table is called \"%.*s\"", de->d_name,
				(int)(n - 5), de->d_name);
	}
	closedir(dir);
}

static bool has_evidence(const struct check_result *r, const char *needle)
{
	for (size_t i = 0; i < r->nevidence; i++)
		if (strstr(r->evidence[i], needle) != NULL)
			return true;
	return false;
}

/* Runs one expectation; appends what failed to out. Returns whether it passed. */
static bool run_expectation(const struct tcase *t, const json_t *e, FILE *out)
{
	const char *id = json_string_value(json_object_get(e, "id"));
	enum verdict want = VERDICT_ERROR;
	verdict_of(json_string_value(json_object_get(e, "verdict")), &want);
	const char *hint = json_string_value(json_object_get(e, "hint"));
	const struct check *chk = checks_find(id);
	struct inventory *inv = inventory_new_fixture(json_deep_copy(t->fixture));
	struct check_ctx ctx = {.id = id, .inv = inv, .opts = &t->opts};
	struct check_result r;
	check_result_init(&r);
	chk->passive(&ctx, &r);
	inventory_free(inv);

	size_t failed = 0;
#define MISS(...)                                                                                  \
	do {                                                                                       \
		fprintf(out, "%s: %s: ", t->title, id);                                            \
		fprintf(out, __VA_ARGS__);                                                         \
		fputc('\n', out);                                                                  \
		failed++;                                                                          \
	} while (0)
	if (r.verdict != want)
		MISS("verdict %s, expected %s", verdict_name(r.verdict), verdict_name(want));
	if (r.mode != MODE_PASSIVE)
		MISS("mode %s, expected passive", mode_name(r.mode));
	if (want == VERDICT_FULL && r.remediation != NULL)
		MISS("a remediation on a Full verdict");
	if (want != VERDICT_FULL && r.remediation == NULL)
		MISS("no remediation, expected one");
	if (hint != NULL && (r.remediation == NULL || strstr(r.remediation, hint) == NULL)) {
		char *q = json_dumps(json_object_get(e, "hint"), JSON_ENCODE_ANY);
		MISS("the remediation does not contain %s", q);
		free(q);
	}
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(e, "evidence"), i, s) {
		if (!has_evidence(&r, json_string_value(s))) {
			char *q = json_dumps(s, JSON_ENCODE_ANY);
			MISS("no evidence line contains %s", q);
			free(q);
		}
	}
	json_array_foreach(json_object_get(e, "no_evidence"), i, s) {
		if (has_evidence(&r, json_string_value(s))) {
			char *q = json_dumps(s, JSON_ENCODE_ANY);
			MISS("an evidence line contains %s", q);
			free(q);
		}
	}
#undef MISS
	if (failed > 0) {
		fprintf(out, "  actual: %s; remediation: %s\n", verdict_name(r.verdict),
			r.remediation ? r.remediation : "(none)");
		for (size_t k = 0; k < r.nevidence; k++)
			fprintf(out, "    %s\n", r.evidence[k]);
	}
	check_result_release(&r);
	return failed == 0;
}

static void run_case(void **state)
{
	const struct tcase *t = *state;
	char *msg = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&msg, &len);
	assert_non_null(out);
	size_t failed = 0, i;
	json_t *e;
	json_array_foreach(t->expect, i, e)
		failed += !run_expectation(t, e, out);
	fclose(out);
	if (failed > 0) {
		fputs(msg, stderr);
		free(msg);
		fail_msg("%s: %zu of %zu expectations failed", t->title, failed,
			 json_array_size(t->expect));
	}
	free(msg);
}

int main(void)
{
	const char *top = getenv("TOP");
	if (top == NULL)
		top = ".";
	stray_files(top);
	for (size_t i = 0; i < NDOMAINS; i++)
		load_domain(top, i);
	int rc = 1;
	if (problems > 0) {
		fprintf(stderr, "%d problem%s in %s/" DATA_DIR "; no case run\n", problems,
			problems == 1 ? "" : "s", top);
	} else {
		struct CMUnitTest *tests = calloc(ncases, sizeof(*tests));
		for (size_t i = 0; i < ncases; i++) {
			tests[i].name = cases[i].title;
			tests[i].test_func = run_case;
			tests[i].initial_state = &cases[i];
		}
		rc = _cmocka_run_group_tests("checks", tests, ncases, NULL, NULL);
		free(tests);
	}
	for (size_t i = 0; i < ncases; i++) {
		free(cases[i].title);
		json_decref(cases[i].fixture);
		json_decref(cases[i].expect);
	}
	free(cases);
	for (size_t i = 0; i < NDOMAINS; i++)
		json_decref(docs[i]);
	return rc;
}
