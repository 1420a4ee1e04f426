/* json.c: results.json, the machine-readable report (docs/results-format.md). */
#include <stdlib.h>
#include <string.h>

#include "report/product.h"
#include "report/report.h"
#include "report/write.h"
#include "util/esc.h"
#include "util/xmalloc.h"

/* A JSON string of s. Evidence and remediation are valid UTF-8 already (check.c makes
 * them so); anything else (cleanup notes, cluster strings) has the bytes that are not
 * UTF-8 replaced by U+FFFD, so that json_dumps never fails and loses results.json. */
static json_t *text(const char *s)
{
	json_t *j = json_string(s);
	if (j != NULL)
		return j;
	char *fixed = esc_utf8_dup(s);
	j = json_string(fixed);
	free(fixed);
	return j;
}

static json_t *str_or_null(const char *s)
{
	return s != NULL ? text(s) : json_null();
}

static json_t *str_or(const char *s, const char *dflt)
{
	return text(s != NULL ? s : dflt);
}

static json_t *time_json(const struct timespec *ts)
{
	char buf[32];
	report_write_time(ts, false, buf);
	return json_string(buf);
}

static json_t *requirement_json(const struct req_result *rr)
{
	const struct check_result *res = &rr->res;
	json_t *ev = json_array();
	for (size_t i = 0; i < res->nevidence; i++)
		json_array_append_new(ev, text(res->evidence[i]));
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(rr->req->id));
	json_object_set_new(o, "level", json_string(level_name(rr->req->level)));
	json_object_set_new(o, "domain", json_string(rr->req->domain));
	json_object_set_new(o, "title", json_string(rr->req->title));
	json_object_set_new(o, "verdict", json_string(verdict_name(res->verdict)));
	json_object_set_new(o, "mode", json_string(mode_name(res->mode)));
	json_object_set_new(o, "evidence", ev);
	json_object_set_new(o, "remediation", str_or_null(res->remediation));
	json_object_set_new(o, "duration_ms", json_integer(res->duration_ms));
	return o;
}

static json_t *cncf_item_json(const struct cncf_result *c)
{
	const struct check_result *res = &c->res;
	json_t *ev = json_array();
	for (size_t i = 0; i < res->nevidence; i++)
		json_array_append_new(ev, text(res->evidence[i]));
	char *test = report_cncf_test_name(c->item->id);
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(c->item->id));
	json_object_set_new(o, "section", json_string(c->item->section));
	json_object_set_new(o, "level", json_string(level_name(c->item->level)));
	json_object_set_new(o, "status", json_string(cncf_status_name(cncf_status_of(c))));
	json_object_set_new(o, "decided_by", c->by ? json_string(c->by->id) : json_null());
	json_object_set_new(o, "excluded", json_boolean(c->excluded));
	json_object_set_new(o, "test", json_string(test));
	json_object_set_new(o, "verdict", json_string(verdict_name(res->verdict)));
	json_object_set_new(o, "mode", json_string(mode_name(res->mode)));
	json_object_set_new(o, "evidence", ev);
	json_object_set_new(o, "remediation", str_or_null(res->remediation));
	json_object_set_new(o, "duration_ms", json_integer(res->duration_ms));
	free(test);
	return o;
}

/* The CNCF checklist decided, or NULL when none was (--catalog whitepaper). */
static json_t *cncf_json(const struct run_result *r, bool strict)
{
	if (r->cncf == NULL)
		return NULL;
	json_t *items = json_array(), *problems = json_array();
	for (size_t i = 0; i < r->ncncf; i++)
		json_array_append_new(items, cncf_item_json(&r->cncf_items[i]));
	for (size_t i = 0; r->product_problems != NULL && r->product_problems[i] != NULL; i++)
		json_array_append_new(problems, text(r->product_problems[i]));
	bool submittable = r->product_checked && json_array_size(problems) == 0;
	return json_pack("{s:s,s:o,s:o,s:i,s:o}", "version", r->cncf->name, "template",
			 str_or_null(r->cncf_template), "product",
			 json_pack("{s:b,s:b,s:o}", "checked", r->product_checked, "submittable",
				   submittable, "problems", problems),
			 "exit_code", (int)run_result_exit_cncf(r, strict), "items", items);
}

static json_t *summary_json(const struct run_result *r, bool strict)
{
	static const char *const keys[] = {"full", "partial", "no", "error", "skipped"};
	json_int_t counts[5] = {0};
	json_int_t must_failures = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct req_result *rr = &r->items[i];
		if ((unsigned)rr->res.verdict < 5)
			counts[rr->res.verdict]++;
		if (rr->req->level == LEVEL_MUST && run_result_is_failure(rr, false))
			must_failures++;
	}
	json_t *s = json_object();
	for (size_t v = 0; v < 5; v++)
		json_object_set_new(s, keys[v], json_integer(counts[v]));
	json_object_set_new(s, "total", json_integer((json_int_t)r->n));
	json_object_set_new(s, "must_failures", json_integer(must_failures));
	json_object_set_new(s, "exit_code", json_integer(run_result_exit_code(r, strict)));
	return s;
}

static json_t *cleanup_json(const struct run_result *r)
{
	json_t *notes = json_array();
	for (size_t i = 0; r->cleanup_notes != NULL && r->cleanup_notes[i] != NULL; i++)
		json_array_append_new(notes, text(r->cleanup_notes[i]));
	return json_pack("{s:b,s:o}", "ok", r->cleanup_ok, "notes", notes);
}

static long long elapsed_ms(const struct timespec *a, const struct timespec *b)
{
	long long ms =
	    ((long long)b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
	return ms > 0 ? ms : 0;
}

json_t *report_json_build(const struct run_result *r)
{
	const struct run_opts *o = r->opts;
	bool strict = o != NULL && o->strict;
	json_t *doc = json_object();
	json_object_set_new(doc, "kaic_version", json_string(KAIC_VERSION));
	json_object_set_new(doc, "spec_version", json_string(catalog_spec_version()));
	json_object_set_new(doc, "run_id", str_or(r->run_id, ""));
	json_object_set_new(doc, "cluster",
			    json_pack("{s:o,s:o,s:o}", "server", str_or(r->server, ""), "version",
				      str_or(r->k8s_version, "unknown"), "context",
				      str_or(r->context, "")));
	json_object_set_new(doc, "mode",
			    json_string(o != NULL && o->passive ? "passive" : "active"));
	json_object_set_new(doc, "strict", json_boolean(strict));
	json_object_set_new(doc, "product",
			    json_pack("{s:o,s:o,s:o}", "vendor", str_or_null(o ? o->vendor : NULL),
				      "name", str_or_null(o ? o->product : NULL), "version",
				      str_or_null(o ? o->product_version : NULL)));
	json_object_set_new(doc, "started", time_json(&r->started));
	json_object_set_new(doc, "finished", time_json(&r->finished));
	json_object_set_new(doc, "duration_ms",
			    json_integer(elapsed_ms(&r->started, &r->finished)));
	json_object_set_new(doc, "interrupted", json_boolean(r->interrupted));
	json_object_set_new(doc, "api_requests", json_integer((json_int_t)r->stats.requests));
	json_object_set_new(doc, "api_retries", json_integer((json_int_t)r->stats.retries));
	json_object_set_new(doc, "api_bytes", json_integer((json_int_t)r->stats.bytes_in));
	json_object_set_new(doc, "api_bytes_sent", json_integer((json_int_t)r->stats.bytes_out));
	json_object_set_new(doc, "discovery_requests", json_integer(r->discovery_requests));
	json_object_set_new(doc, "aggregated_discovery", json_boolean(r->aggregated_discovery));
	json_t *reqs = json_array();
	for (size_t i = 0; i < r->n; i++)
		json_array_append_new(reqs, requirement_json(&r->items[i]));
	json_object_set_new(doc, "requirements", reqs);
	json_t *cncf = cncf_json(r, strict);
	if (cncf != NULL)
		json_object_set_new(doc, "cncf", cncf);
	json_object_set_new(doc, "summary", summary_json(r, strict));
	json_object_set_new(doc, "cleanup", cleanup_json(r));
	return doc;
}

int report_json_write(const struct run_result *r, const char *path, char **cause)
{
	json_t *doc = report_json_build(r);
	char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (text == NULL) {
		*cause = xasprintf("cannot write \"%s\": cannot encode the results", path);
		return -1;
	}
	size_t len = strlen(text);
	char *withnl = xasprintf("%s\n", text);
	free(text);
	int rc = report_write_file(path, withnl, len + 1, cause);
	free(withnl);
	return rc;
}
