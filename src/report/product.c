/* product.c: PRODUCT.yaml, the CNCF AI Conformance submission file, in the exact
 * structure of the chosen checklist version (metadata, then spec's sections and items in
 * the checklist's order), and kaic-extras.yaml, kaic's own record beside it. With
 * --cncf-template the official file is filled in (product_template.c); without it kaic
 * writes its own one-line descriptions (docs/cncf.md). */
#include <stdlib.h>
#include <string.h>

#include "report/product.h"
#include "report/write.h"
#include "util/buf.h"
#include "util/xmalloc.h"
#include "util/yaml.h"

char *report_cncf_test_name(const char *id)
{
	struct buf b = BUF_INIT;
	bool up = true;
	buf_init(&b);
	buf_adds(&b, "Test");
	for (const char *p = id; *p != '\0'; p++) {
		if (*p == '_' || *p == '-') {
			up = true;
			continue;
		}
		buf_addc(&b, up && *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p);
		up = false;
	}
	return buf_detach(&b, NULL);
}

const char *product_placeholder(const char *key)
{
	static const struct {
		const char *key, *ph;
	} ph[] = {
	    {"platformName", "[Platform Name]"},
	    {"platformVersion", "[Platform Version]"},
	    {"vendorName", "[Vendor Name]"},
	    {"websiteUrl", "[Website URL]"},
	    {"repoUrl", "[Repository URL]"},
	    {"documentationUrl", "[Documentation URL]"},
	    {"productLogoUrl", "[Product Logo URL]"},
	    {"description", "[Description]"},
	    {"contactEmailAddress", "[Contact Email Address]"},
	    {"k8sConformanceUrl", "[URL to k8s-conformance submission]"},
	};
	for (size_t i = 0; i < sizeof(ph) / sizeof(ph[0]); i++)
		if (strcmp(ph[i].key, key) == 0)
			return ph[i].ph;
	return "[...]";
}

const char *product_metadata_value(const struct run_result *r, const char *key)
{
	const struct run_opts *o = r->opts;
	if (strcmp(key, "kubernetesVersion") == 0)
		return r->cncf->k8s;
	if (o == NULL)
		return NULL;
	if (strcmp(key, "platformName") == 0 && o->product != NULL)
		return o->product;
	if (strcmp(key, "platformVersion") == 0 && o->product_version != NULL)
		return o->product_version;
	if (strcmp(key, "vendorName") == 0 && o->vendor != NULL)
		return o->vendor;
	return json_string_value(json_object_get(r->cncf_metadata, key));
}

/* The last evidence line, or "" */
static const char *last_evidence(const struct check_result *res)
{
	return res->nevidence > 0 ? res->evidence[res->nevidence - 1] : "";
}

char *product_item_notes(const struct cncf_result *c)
{
	const struct check_result *res = &c->res;
	struct buf b = BUF_INIT;
	buf_init(&b);
	if (c->excluded) {
		buf_addf(&b, "Not decided: this kaic run left it out (%s).", last_evidence(res));
		return buf_detach(&b, NULL);
	}
	if (c->by == NULL) {
		buf_addf(&b,
			 "kaic %s has no test for this requirement yet: assess it by hand and "
			 "fill in its status, evidence and notes.",
			 KAIC_VERSION);
		return buf_detach(&b, NULL);
	}
	buf_addf(&b, "kaic %s, test %s (%s): %s.", KAIC_VERSION, c->by->id, mode_name(res->mode),
		 verdict_name(res->verdict));
	switch (cncf_status_of(c)) {
	case CNCF_IMPLEMENTED:
		buf_adds(&b, " The evidence links the test and what it observed.");
		break;
	case CNCF_NA:
		buf_addf(&b, " Not applicable to this platform, as the test observed: %s",
			 last_evidence(res));
		break;
	case CNCF_PARTIAL:
	case CNCF_NOT_IMPLEMENTED:
		if (res->verdict == VERDICT_ERROR)
			buf_addf(&b, " kaic could not decide: %s.", last_evidence(res));
		else if (res->verdict == VERDICT_SKIPPED)
			buf_addf(&b,
				 " The test found it not applicable (%s), which the checklist "
				 "does not allow for this MUST.",
				 last_evidence(res));
		if (res->remediation != NULL)
			buf_addf(&b, " Remediation: %s", res->remediation);
		break;
	}
	return buf_detach(&b, NULL);
}

json_t *product_item_evidence(const struct run_result *r, const struct cncf_result *c)
{
	json_t *ev = json_array();
	if (c->by == NULL || c->excluded)
		return ev;
	const char *dir = r->opts != NULL && r->opts->output_dir ? r->opts->output_dir : ".";
	char *name = report_cncf_test_name(c->item->id);
	char *s = xasprintf("file://%s/junit.xml#%s", dir, name);
	json_array_append_new(ev, json_string(s));
	free(s);
	s = xasprintf("file://%s/results.json", dir);
	json_array_append_new(ev, json_string(s));
	free(s);
	free(name);
	return ev;
}

static json_t *metadata(const struct run_result *r)
{
	json_t *m = json_object();
	for (const char *const *k = r->cncf->metadata; *k != NULL; k++) {
		const char *v = product_metadata_value(r, *k);
		json_object_set_new(m, *k, json_string(v != NULL ? v : product_placeholder(*k)));
	}
	return m;
}

static json_t *item(const struct run_result *r, const struct cncf_result *c)
{
	const struct requirement *own = cncf_requirement(c->item->id);
	json_t *it = json_object();
	char *notes = product_item_notes(c);
	json_object_set_new(it, "id", json_string(c->item->id));
	json_object_set_new(it, "description", json_string(own->description));
	json_object_set_new(it, "level", json_string(level_name(c->item->level)));
	json_object_set_new(it, "status", json_string(cncf_status_name(cncf_status_of(c))));
	json_object_set_new(it, "evidence", product_item_evidence(r, c));
	json_object_set_new(it, "notes", json_string(notes));
	free(notes);
	return it;
}

/* The document kaic writes without a template. */
static json_t *product_build(const struct run_result *r)
{
	json_t *doc = json_object(), *spec = json_object();
	json_object_set_new(doc, "metadata", metadata(r));
	for (size_t i = 0; i < r->ncncf; i++) {
		const char *sec = r->cncf_items[i].item->section;
		json_t *items = json_object_get(spec, sec);
		if (items == NULL) {
			items = json_array();
			json_object_set_new(spec, sec, items);
		}
		json_array_append_new(items, item(r, &r->cncf_items[i]));
	}
	json_object_set_new(doc, "spec", spec);
	return doc;
}

static int write_own(const struct run_result *r, const char *path, char **cause)
{
	json_t *doc = product_build(r);
	struct buf out = BUF_INIT;
	buf_init(&out);
	buf_addf(
	    &out,
	    "# Kubernetes AI Conformance Checklist - v%s\n"
	    "# Filled in by kaic %s from a conformance run, in the structure of the CNCF\n"
	    "# checklist AIConformance-%s.yaml. The descriptions are kaic's own summaries of\n"
	    "# what it verified, not the program's text: before submitting, run kaic with\n"
	    "# --cncf-template AIConformance-%s.yaml (the official file), replace the \"[...]\"\n"
	    "# placeholders, and check the result with \"kaic product validate\".\n\n",
	    r->cncf->name, KAIC_VERSION, r->cncf->name, r->cncf->name);
	yaml_emit(&out, doc);
	json_decref(doc);
	int rc = report_write_file(path, out.data, out.len, cause);
	buf_release(&out);
	return rc;
}

int report_product_write(const struct run_result *r, const char *path, char **cause)
{
	if (r->cncf == NULL) {
		*cause = xasprintf("cannot write \"%s\": no CNCF checklist was decided", path);
		return -1;
	}
	if (r->cncf_template == NULL)
		return write_own(r, path, cause);
	struct buf out = BUF_INIT;
	buf_init(&out);
	int rc = product_template_fill_file(r->cncf_template, r, &out, cause);
	if (rc == 0)
		rc = report_write_file(path, out.data, out.len, cause);
	buf_release(&out);
	return rc;
}

static json_t *strv_json(char **v)
{
	json_t *a = json_array();
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *extras_item(const struct cncf_result *c)
{
	json_t *it = json_object(), *ev = json_array();
	json_object_set_new(it, "id", json_string(c->item->id));
	json_object_set_new(it, "status", json_string(cncf_status_name(cncf_status_of(c))));
	json_object_set_new(it, "decidedBy", c->by ? json_string(c->by->id) : json_null());
	json_object_set_new(it, "verdict", json_string(verdict_name(c->res.verdict)));
	json_object_set_new(it, "mode", json_string(mode_name(c->res.mode)));
	for (size_t i = 0; i < c->res.nevidence; i++)
		json_array_append_new(ev, json_string(c->res.evidence[i]));
	json_object_set_new(it, "evidence", ev);
	json_object_set_new(it, "remediation",
			    c->res.remediation ? json_string(c->res.remediation) : json_null());
	return it;
}

int report_extras_write(const struct run_result *r, const char *path, char **cause)
{
	if (r->cncf == NULL) {
		*cause = xasprintf("cannot write \"%s\": no CNCF checklist was decided", path);
		return -1;
	}
	json_t *doc = json_object(), *items = json_array(), *wp = json_array();
	json_object_set_new(doc, "kaicVersion", json_string(KAIC_VERSION));
	json_object_set_new(doc, "runId", json_string(r->run_id ? r->run_id : ""));
	json_object_set_new(doc, "cncfVersion", json_string(r->cncf->name));
	json_object_set_new(doc, "template",
			    r->cncf_template ? json_string(r->cncf_template) : json_null());
	json_object_set_new(doc, "submittable",
			    json_boolean(r->product_checked && r->product_problems != NULL &&
					 r->product_problems[0] == NULL));
	json_object_set_new(doc, "problems", strv_json(r->product_problems));
	for (size_t i = 0; i < r->ncncf; i++)
		json_array_append_new(items, extras_item(&r->cncf_items[i]));
	json_object_set_new(doc, "items", items);
	/* the white-paper requirements the CNCF form has no item for */
	for (size_t i = 0; i < r->n; i++) {
		const struct requirement *req = r->items[i].req;
		if (req->cncf_id != NULL && cncf_version_item(r->cncf, req->cncf_id) != NULL)
			continue;
		json_array_append_new(wp, json_pack("{s:s,s:s,s:s}", "id", req->id, "level",
						    level_name(req->level), "verdict",
						    verdict_name(r->items[i].res.verdict)));
	}
	json_object_set_new(doc, "whitepaperOnly", wp);
	struct buf out = BUF_INIT;
	buf_init(&out);
	buf_addf(&out,
		 "# kaic-extras.yaml: what kaic %s decided for each item of PRODUCT.yaml\n"
		 "# (CNCF checklist %s), with its evidence; not part of the submission.\n\n",
		 KAIC_VERSION, r->cncf->name);
	yaml_emit(&out, doc);
	json_decref(doc);
	int rc = report_write_file(path, out.data, out.len, cause);
	buf_release(&out);
	return rc;
}
