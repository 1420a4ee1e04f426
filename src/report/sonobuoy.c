/* sonobuoy.c: the Sonobuoy plugin contract: sonobuoy_results.yaml in Sonobuoy's "manual"
 * results format, every report packed into one tarball, then the "done" file naming it. */
#include "report/sonobuoy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/report.h"
#include "report/tgz.h"
#include "util/buf.h"
#include "util/xmalloc.h"
#include "util/yaml.h"

const char *report_sonobuoy_status(const struct req_result *rr, bool strict)
{
	switch (rr->res.verdict) {
	case VERDICT_FULL:
		return "passed";
	case VERDICT_PARTIAL:
	case VERDICT_NO:
		if (strict || (rr->req && rr->req->level == LEVEL_MUST))
			return "failed";
		return "passed";
	case VERDICT_SKIPPED:
		/* Sonobuoy counts skipped as passed: a MUST the run did not decide is unknown */
		return rr->req && rr->req->level == LEVEL_MUST ? "unknown" : "skipped";
	case VERDICT_ERROR:
		return "unknown";
	}
	return "unknown";
}

const char *report_sonobuoy_aggregate(const char *const *statuses, size_t n)
{
	bool unknown = false;

	if (n == 0)
		return "unknown";
	for (size_t i = 0; i < n; i++) {
		if (strcmp(statuses[i], "failed") == 0 || strcmp(statuses[i], "timeout") == 0)
			return "failed";
		if (strcmp(statuses[i], "passed") != 0 && strcmp(statuses[i], "skipped") != 0)
			unknown = true;
	}
	return unknown ? "unknown" : "passed";
}

static json_t *requirement_item(const struct req_result *rr, bool strict)
{
	const struct requirement *req = rr->req;
	const struct check_result *res = &rr->res;
	json_t *item = json_object(), *meta = json_object(), *details = json_object();
	json_t *ev = json_array();
	char *name = xasprintf("%s %s", req->id, req->title);

	json_object_set_new(item, "name", json_string(name));
	json_object_set_new(item, "status", json_string(report_sonobuoy_status(rr, strict)));
	/* Sonobuoy's meta is a map of strings. */
	json_object_set_new(meta, "id", json_string(req->id));
	json_object_set_new(meta, "level", json_string(level_name(req->level)));
	json_object_set_new(item, "meta", meta);
	json_object_set_new(details, "verdict", json_string(verdict_name(res->verdict)));
	json_object_set_new(details, "level", json_string(level_name(req->level)));
	json_object_set_new(details, "mode", json_string(mode_name(res->mode)));
	for (size_t i = 0; i < res->nevidence; i++)
		json_array_append_new(ev, json_string(res->evidence[i]));
	json_object_set_new(details, "evidence", ev);
	if (res->remediation)
		json_object_set_new(details, "remediation", json_string(res->remediation));
	json_object_set_new(details, "duration_ms", json_integer(res->duration_ms));
	if (req->cncf_id)
		json_object_set_new(details, "cncf_id", json_string(req->cncf_id));
	json_object_set_new(item, "details", details);
	free(name);
	return item;
}

/* Sets item's "status" from its "items" children. */
static void aggregate_into(json_t *item)
{
	json_t *kids = json_object_get(item, "items");
	size_t n = json_array_size(kids);
	const char **st = xcalloc(n ? n : 1, sizeof(*st));

	for (size_t i = 0; i < n; i++)
		st[i] = json_string_value(json_object_get(json_array_get(kids, i), "status"));
	json_object_set_new(item, "status", json_string(report_sonobuoy_aggregate(st, n)));
	free(st);
}

static json_t *domain_item(const char *domain)
{
	json_t *item = json_object();

	json_object_set_new(item, "name", json_string(domain));
	json_object_set_new(item, "status", json_string("skipped"));
	json_object_set_new(item, "items", json_array());
	return item;
}

json_t *report_sonobuoy_build(const struct run_result *r)
{
	bool strict = r->opts && r->opts->strict;
	json_t *root = json_object(), *domains = json_array(), *meta = json_object();
	json_t *cur = NULL;

	json_object_set_new(root, "name", json_string("kaic"));
	json_object_set_new(root, "status", json_string("skipped"));
	json_object_set_new(meta, "checklist", json_string(catalog_spec_version()));
	json_object_set_new(meta, "kubernetes",
			    json_string(r->k8s_version ? r->k8s_version : "unknown"));
	if (r->run_id)
		json_object_set_new(meta, "run-id", json_string(r->run_id));
	json_object_set_new(meta, "mode",
			    json_string(r->opts && r->opts->passive ? "passive" : "active"));
	json_object_set_new(root, "meta", meta);
	for (size_t i = 0; i < r->n; i++) {
		const struct req_result *rr = &r->items[i];

		if (!rr->req)
			continue;
		if (!cur ||
		    strcmp(json_string_value(json_object_get(cur, "name")), rr->req->domain) != 0) {
			cur = domain_item(rr->req->domain);
			json_array_append_new(domains, cur);
		}
		json_array_append_new(json_object_get(cur, "items"), requirement_item(rr, strict));
	}
	for (size_t i = 0; i < json_array_size(domains); i++)
		aggregate_into(json_array_get(domains, i));
	json_object_set_new(root, "items", domains);
	aggregate_into(root);
	return root;
}

/* Writes data to dir/name through a temporary file and rename(2). */
static int write_file_atomic(const char *dir, const char *name, const char *data, size_t len,
			     char **cause)
{
	char *path = xasprintf("%s/%s", dir, name);
	char *tmp = xasprintf("%s/.%s.tmp", dir, name);
	FILE *f = fopen(tmp, "wb");
	int rc = -1;

	if (!f) {
		*cause = xasprintf("cannot write \"%s\": %s", tmp, strerror(errno));
	} else {
		bool ok = fwrite(data, 1, len, f) == len;

		ok = fflush(f) == 0 && ok;
		ok = fsync(fileno(f)) == 0 && ok;
		ok = fclose(f) == 0 && ok;
		if (!ok)
			*cause = xasprintf("cannot write \"%s\": %s", tmp, strerror(errno));
		else if (rename(tmp, path) != 0)
			*cause = xasprintf("cannot rename \"%s\" to \"%s\": %s", tmp, path,
					   strerror(errno));
		else
			rc = 0;
		if (rc != 0)
			unlink(tmp);
	}
	free(tmp);
	free(path);
	return rc;
}

static int write_results_yaml(const struct run_result *r, const char *dir, char **cause)
{
	json_t *tree = report_sonobuoy_build(r);
	struct buf out = BUF_INIT;
	int rc;

	buf_init(&out);
	buf_adds(&out, "# kaic results in Sonobuoy's manual format (docs/sonobuoy.md)\n");
	yaml_emit(&out, tree);
	rc = write_file_atomic(dir, SONOBUOY_RESULTS_FILE, out.data, out.len, cause);
	buf_release(&out);
	json_decref(tree);
	return rc;
}

int report_sonobuoy_finish(const struct run_result *r, const char *results_dir, char **cause)
{
	static const char *const exclude[] = {SONOBUOY_DONE_FILE, SONOBUOY_TARBALL, NULL};
	char *tarball, *content;
	int rc;

	if (!results_dir || !*results_dir)
		results_dir = run_opts_sonobuoy_dir();
	if (write_results_yaml(r, results_dir, cause) != 0)
		return -1;
	tarball = xasprintf("%s/%s", results_dir, SONOBUOY_TARBALL);
	rc = tgz_write_dir(results_dir, tarball, exclude, cause);
	if (rc == 0) {
		/* The worker reads the done file as soon as it appears: write it last, whole. */
		content = xasprintf("%s\n", tarball);
		rc = write_file_atomic(results_dir, SONOBUOY_DONE_FILE, content, strlen(content),
				       cause);
		free(content);
	}
	free(tarball);
	return rc;
}
