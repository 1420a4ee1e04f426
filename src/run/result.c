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
	free_strv(r->cleanup_notes);
	free_strv(r->reports);
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

enum kaic_exit run_result_exit_code(const struct run_result *r, bool strict)
{
	if (r->interrupted)
		return KAIC_EXIT_INTERRUPTED;
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
