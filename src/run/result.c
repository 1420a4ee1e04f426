/* result.c: the run result every report is written from: release and exit status. */
#include "run/result.h"

#include <stdlib.h>
#include <string.h>

static void free_strv(char **v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

void run_result_release(struct run_result *r)
{
	free(r->run_id);
	free(r->server);
	free(r->k8s_version);
	free(r->context);
	for (size_t i = 0; i < r->n; i++)
		check_result_release(&r->items[i].res);
	free(r->items);
	for (size_t i = 0; i < r->ncncf; i++)
		check_result_release(&r->cncf_items[i].res);
	free(r->cncf_items);
	free_strv(r->cleanup_notes);
	free_strv(r->reports);
	free_strv(r->product_problems);
	memset(r, 0, sizeof(*r));
}

bool run_result_is_failure(const struct req_result *rr, bool strict)
{
	enum verdict v = rr->res.verdict;
	if (v != VERDICT_PARTIAL && v != VERDICT_NO)
		return false;
	return rr->req->level == LEVEL_MUST || strict;
}

bool run_result_is_undecided(const struct req_result *rr)
{
	enum verdict v = rr->res.verdict;
	return v == VERDICT_ERROR || (v == VERDICT_SKIPPED && rr->req->level == LEVEL_MUST);
}

enum cncf_status cncf_status_of(const struct cncf_result *c)
{
	if (c->by == NULL || c->excluded)
		return CNCF_NOT_IMPLEMENTED;
	switch (c->res.verdict) {
	case VERDICT_FULL:
		return CNCF_IMPLEMENTED;
	case VERDICT_PARTIAL:
		return CNCF_PARTIAL;
	case VERDICT_SKIPPED:
		if (c->item->level == LEVEL_SHOULD || c->item->na_allowed)
			return CNCF_NA;
		break;
	case VERDICT_NO:
	case VERDICT_ERROR:
		break;
	}
	return CNCF_NOT_IMPLEMENTED;
}

const char *cncf_status_name(enum cncf_status s)
{
	switch (s) {
	case CNCF_IMPLEMENTED:
		return "Implemented";
	case CNCF_PARTIAL:
		return "Partially Implemented";
	case CNCF_NA:
		return "N/A";
	case CNCF_NOT_IMPLEMENTED:
		break;
	}
	return "Not Implemented";
}

bool cncf_result_is_failure(const struct cncf_result *c, bool strict)
{
	if (c->by == NULL || c->excluded)
		return false;
	if (c->res.verdict != VERDICT_PARTIAL && c->res.verdict != VERDICT_NO)
		return false;
	return c->item->level == LEVEL_MUST || strict;
}

bool cncf_result_is_undecided(const struct cncf_result *c)
{
	if (c->item->level != LEVEL_MUST)
		return c->by != NULL && !c->excluded && c->res.verdict == VERDICT_ERROR;
	if (c->by == NULL || c->excluded || c->res.verdict == VERDICT_ERROR)
		return true;
	return c->res.verdict == VERDICT_SKIPPED && cncf_status_of(c) != CNCF_NA;
}

enum kaic_exit run_result_exit_whitepaper(const struct run_result *r, bool strict)
{
	bool undecided = false;
	for (size_t i = 0; i < r->n; i++) {
		if (run_result_is_failure(&r->items[i], strict))
			return KAIC_EXIT_NOT_CONFORMANT;
		if (run_result_is_undecided(&r->items[i]))
			undecided = true;
	}
	/* no items at all decide nothing either */
	return undecided || r->n == 0 ? KAIC_EXIT_UNDECIDED : KAIC_EXIT_OK;
}

enum kaic_exit run_result_exit_cncf(const struct run_result *r, bool strict)
{
	if (r->cncf == NULL)
		return KAIC_EXIT_OK;
	bool undecided = false;
	for (size_t i = 0; i < r->ncncf; i++) {
		if (cncf_result_is_failure(&r->cncf_items[i], strict))
			return KAIC_EXIT_NOT_CONFORMANT;
		if (cncf_result_is_undecided(&r->cncf_items[i]))
			undecided = true;
	}
	return undecided || r->ncncf == 0 ? KAIC_EXIT_UNDECIDED : KAIC_EXIT_OK;
}

enum kaic_exit run_result_exit_code(const struct run_result *r, bool strict)
{
	if (r->interrupted)
		return KAIC_EXIT_INTERRUPTED;
	/* --catalog cncf decides no white-paper requirement: only the CNCF result counts */
	enum kaic_exit wp =
	    r->n == 0 && r->cncf != NULL ? KAIC_EXIT_OK : run_result_exit_whitepaper(r, strict);
	enum kaic_exit cn = run_result_exit_cncf(r, strict);
	if (wp == KAIC_EXIT_NOT_CONFORMANT || cn == KAIC_EXIT_NOT_CONFORMANT)
		return KAIC_EXIT_NOT_CONFORMANT;
	return wp == KAIC_EXIT_UNDECIDED || cn == KAIC_EXIT_UNDECIDED ? KAIC_EXIT_UNDECIDED
								      : KAIC_EXIT_OK;
}
