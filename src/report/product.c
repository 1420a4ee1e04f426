/* product.c: PRODUCT.yaml, the CNCF AI Conformance submission file (the layout of the CNCF
 * AIConformance-<version>.yaml checklist), filled in from a run's verdicts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "util/buf.h"
#include "util/xmalloc.h"
#include "util/yaml.h"

/* The CNCF form's sections in its order; requirements without a CNCF id go last, in an
 * extra section of the same item shape (docs/sonobuoy.md, "PRODUCT.yaml"). */
static const char *const cncf_sections[] = {
    "accelerators",  "networking", "schedulingOrchestration",
    "observability", "security",   "operator",
};
#define KAIC_SECTION "kaic"

static const char *placeholder(const char *v, const char *ph)
{
	return v && *v ? v : ph;
}

/* "v1.35.2+k3s1" -> "v1.35"; NULL when it does not start with vMAJOR.MINOR. */
static char *minor_version(const char *v)
{
	long major, minor;
	char *end;

	if (!v || *v != 'v')
		return NULL;
	major = strtol(v + 1, &end, 10);
	if (end == v + 1 || *end != '.')
		return NULL;
	v = end + 1;
	minor = strtol(v, &end, 10);
	if (end == v)
		return NULL;
	return xasprintf("v%ld.%ld", major, minor);
}

static const char *product_status(enum verdict v)
{
	switch (v) {
	case VERDICT_FULL:
		return "Implemented";
	case VERDICT_PARTIAL:
		return "Partially Implemented";
	case VERDICT_NO:
		return "Not Implemented";
	case VERDICT_ERROR:
	case VERDICT_SKIPPED:
		break;
	}
	return "";
}

static json_t *metadata(const struct run_result *r)
{
	const struct run_opts *o = r->opts;
	json_t *m = json_object();
	char *kv = minor_version(r->k8s_version);

	json_object_set_new(m, "kubernetesVersion", json_string(kv ? kv : "[Kubernetes Version]"));
	json_object_set_new(m, "platformName",
			    json_string(placeholder(o ? o->product : NULL, "[Platform Name]")));
	json_object_set_new(
	    m, "platformVersion",
	    json_string(placeholder(o ? o->product_version : NULL, "[Platform Version]")));
	json_object_set_new(m, "vendorName",
			    json_string(placeholder(o ? o->vendor : NULL, "[Vendor Name]")));
	json_object_set_new(m, "websiteUrl", json_string("[Website URL]"));
	json_object_set_new(m, "repoUrl", json_string("[Repository URL]"));
	json_object_set_new(m, "documentationUrl", json_string("[Documentation URL]"));
	json_object_set_new(m, "productLogoUrl", json_string("[Product Logo URL]"));
	json_object_set_new(m, "description", json_string("[Description]"));
	json_object_set_new(m, "contactEmailAddress", json_string("[Contact Email Address]"));
	json_object_set_new(m, "k8sConformanceUrl",
			    json_string("[URL to k8s-conformance submission]"));
	free(kv);
	return m;
}

static char *item_notes(const struct req_result *rr)
{
	const struct check_result *res = &rr->res;
	struct buf b = BUF_INIT;

	buf_init(&b);
	buf_addf(&b, "kaic %s %s (%s): %s, decided %s", catalog_spec_version(), rr->req->id,
		 level_name(rr->req->level), verdict_name(res->verdict), mode_name(res->mode));
	if (rr->req->cncf_id != NULL && rr->req->level == LEVEL_SHOULD)
		buf_addf(&b,
			 "; a SHOULD in the checklist, which kaic's exit status counts only "
			 "with --strict: check the CNCF form's level for %s",
			 rr->req->cncf_id);
	if (res->verdict == VERDICT_ERROR)
		buf_adds(&b, "; kaic could not decide, fill in the status by hand");
	else if (res->verdict == VERDICT_SKIPPED)
		buf_adds(&b, "; excluded from this run");
	if (res->verdict != VERDICT_FULL && res->remediation && *res->remediation)
		buf_addf(&b, "; remediation: %s", res->remediation);
	return buf_detach(&b, NULL);
}

static json_t *item(const struct req_result *rr, bool cncf)
{
	const struct requirement *req = rr->req;
	json_t *it = json_object(), *ev = json_array();
	char *notes = item_notes(rr);

	json_object_set_new(it, "id", json_string(cncf ? req->cncf_id : req->id));
	json_object_set_new(it, "description", json_string(req->description));
	/* kaic's level, the one its exit status and every other report use, also where the
	 * CNCF form gives its id another (gang_scheduling is a MUST there, WL-2.3 a SHOULD) */
	json_object_set_new(it, "level", json_string(level_name(req->level)));
	json_object_set_new(it, "status", json_string(product_status(rr->res.verdict)));
	for (size_t i = 0; i < rr->res.nevidence; i++)
		json_array_append_new(ev, json_string(rr->res.evidence[i]));
	json_object_set_new(it, "evidence", ev);
	json_object_set_new(it, "notes", json_string(notes));
	free(notes);
	return it;
}

/* The items of section (NULL: the requirements with no CNCF id), or NULL when none. */
static json_t *section_items(const struct run_result *r, const char *section)
{
	json_t *items = json_array();

	for (size_t i = 0; i < r->n; i++) {
		const struct requirement *req = r->items[i].req;

		if (!req)
			continue;
		if (section ? (req->cncf_id && req->cncf_section &&
			       strcmp(req->cncf_section, section) == 0)
			    : !(req->cncf_id && req->cncf_section))
			json_array_append_new(items, item(&r->items[i], section != NULL));
	}
	if (json_array_size(items) == 0) {
		json_decref(items);
		return NULL;
	}
	return items;
}

/* The PRODUCT.yaml document as a new object (metadata, spec). */
static json_t *product_build(const struct run_result *r)
{
	json_t *doc = json_object(), *spec = json_object(), *items;

	json_object_set_new(doc, "metadata", metadata(r));
	for (size_t i = 0; i < sizeof(cncf_sections) / sizeof(cncf_sections[0]); i++)
		if ((items = section_items(r, cncf_sections[i])))
			json_object_set_new(spec, cncf_sections[i], items);
	/* A section the catalogue names that this table lacks still gets written. */
	for (size_t i = 0; i < r->n; i++) {
		const char *s = r->items[i].req ? r->items[i].req->cncf_section : NULL;

		if (s && r->items[i].req->cncf_id && !json_object_get(spec, s) &&
		    (items = section_items(r, s)))
			json_object_set_new(spec, s, items);
	}
	if ((items = section_items(r, NULL)))
		json_object_set_new(spec, KAIC_SECTION, items);
	json_object_set_new(doc, "spec", spec);
	return doc;
}

int report_product_write(const struct run_result *r, const char *path, char **cause)
{
	json_t *doc = product_build(r);
	struct buf out = BUF_INIT;
	FILE *f;
	int rc = -1;

	buf_init(&out);
	buf_adds(&out, "# Kubernetes AI Conformance Checklist\n"
		       "# Filled in by kaic from a conformance run. Replace the \"[...]\" "
		       "placeholders, review every status,\n"
		       "# evidence and notes field, and add the CNCF requirements kaic does not "
		       "assess before submitting.\n"
		       "# Levels and statuses are kaic's, as in its other reports and its exit "
		       "status.\n"
		       "# The \"" KAIC_SECTION "\" section lists the checklist requirements with "
		       "no CNCF counterpart, MUSTs among them,\n"
		       "# which kaic's exit status counts as well; the CNCF form has no item for "
		       "them.\n\n");
	yaml_emit(&out, doc);
	f = fopen(path, "w");
	if (!f) {
		*cause = xasprintf("cannot write \"%s\": %s", path, strerror(errno));
	} else {
		bool ok = fwrite(out.data, 1, out.len, f) == out.len;

		ok = fclose(f) == 0 && ok;
		if (!ok)
			*cause = xasprintf("cannot write \"%s\": %s", path, strerror(errno));
		else
			rc = 0;
	}
	buf_release(&out);
	json_decref(doc);
	return rc;
}
