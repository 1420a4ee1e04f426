/* runner.c: the check pool, the rules every verdict goes through, cleanup and signals. */
#include "run/runner.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "active/active.h"
#include "catalog/cncf.h"
#include "util/log.h"
#include "util/xmalloc.h"
#include "util/clock.h"
#include "util/exit.h"

/* The evidence reason for a check with no active part. */
#define NO_ACTIVE_TEST "no active test for it yet"

struct runner {
	const struct runner_cfg *cfg;
	struct run_result *out;
	struct req_result *tasks; /* runner_plan's tests, in its order */
	size_t ntasks;
	pthread_mutex_t lock;
	size_t next;	    /* next task to take */
	struct active *act; /* created by the first active part */
	atomic_int never;   /* the stop flag when there is no runner_signals */
};

int runner_new_run_id(char id[9], char **cause)
{
	unsigned char b[4];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*cause = xasprintf("cannot open \"/dev/urandom\": %s", strerror(errno));
		return -1;
	}
	ssize_t n = read(fd, b, sizeof(b));
	int e = errno;
	close(fd);
	if (n != (ssize_t)sizeof(b)) {
		*cause = xasprintf("cannot read \"/dev/urandom\": %s",
				   n < 0 ? strerror(e) : "short read");
		return -1;
	}
	snprintf(id, 9, "%02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
	return 0;
}

static atomic_int *stop_flag(struct runner *r)
{
	return r->cfg->sig != NULL ? &r->cfg->sig->stop : &r->never;
}

/* The earlier of now + the per-test timeout and the run deadline. */
static long long check_deadline(const struct runner_cfg *cfg)
{
	long long d = now_ms() + cfg->opts->timeout_s * 1000;
	if (cfg->deadline_ms > 0 && cfg->deadline_ms < d)
		d = cfg->deadline_ms;
	return d;
}

static struct active *get_active(struct runner *r)
{
	pthread_mutex_lock(&r->lock);
	if (r->act == NULL)
		r->act =
		    active_new(r->cfg->client, r->cfg->run_id, r->cfg->opts->timeout_s * 1000L);
	struct active *a = r->act;
	pthread_mutex_unlock(&r->lock);
	return a;
}

/* Makes sure the verdict is one of the five; a check that left garbage gets Error. */
static void sanitize(struct check_result *res, const char *id)
{
	switch (res->verdict) {
	case VERDICT_FULL:
	case VERDICT_PARTIAL:
	case VERDICT_NO:
	case VERDICT_ERROR:
	case VERDICT_SKIPPED:
		return;
	}
	log_warn("check %s returned an invalid verdict", id);
	check_evidence(res, "the check returned no valid verdict");
	check_verdict(res, VERDICT_ERROR, "report this as a bug in kaic");
}

/* Runs the active part of chk on res (passive already decided). Returns false, with
 * the reason in *why, when it could not start. */
static bool run_active(struct runner *r, const struct check *chk, struct check_ctx *ctx,
		       struct check_result *res, const char **why)
{
	if (*stop_flag(r)) {
		*why = r->cfg->sig != NULL && r->cfg->sig->timed_out ? "--run-timeout reached"
								     : "the run was interrupted";
		return false;
	}
	if (r->cfg->client == NULL) {
		*why = "no cluster client";
		return false;
	}
	ctx->act = get_active(r);
	if (chk->flags & CHECK_NEEDS_NAMESPACE) {
		struct kube_error err = {0};
		ctx->ns = active_namespace(ctx->act, &err);
		if (ctx->ns == NULL) {
			check_evidence(res,
				       "active test not run: cannot create the run namespace: "
				       "%s%s%s",
				       err.reason, *err.reason ? ": " : "", err.message);
			check_verdict(res, VERDICT_ERROR,
				      "let kaic create namespaces (see docs/permissions.md), or "
				      "run with --passive");
			*why = NULL;
			return false;
		}
	}
	ctx->deadline_ms = check_deadline(r->cfg);
	chk->active(ctx, res);
	sanitize(res, chk->id);
	return true;
}

/* Full decided passively for a check whose Full needs the active test: Partial. */
static void cap_passive_full(struct check_result *res, const char *id, const char *why)
{
	if (res->verdict != VERDICT_FULL || res->mode != MODE_PASSIVE)
		return;
	check_evidence(res, "not exercised: %s", why);
	if (strcmp(why, "passive mode") == 0)
		check_verdict(res, VERDICT_PARTIAL,
			      "run kaic without --passive so that an active test demonstrates it");
	else if (strcmp(why, NO_ACTIVE_TEST) == 0)
		check_verdict(res, VERDICT_PARTIAL,
			      "kaic %s has no active test for %s yet (docs/requirements.md lists "
			      "it as planned): demonstrate it by hand",
			      KAIC_VERSION, id);
	else
		check_verdict(res, VERDICT_PARTIAL,
			      "Full needs an active test that demonstrates it: see the evidence");
}

/* The one rule for remediation, applied to every verdict a run reports: none on Full
 * (whatever a check's passive part said before its active test decided), and one on
 * every other verdict (a check that gave none is a kaic bug: say so). */
static void remediation_rule(struct check_result *res, const char *id)
{
	if (res->verdict == VERDICT_FULL) {
		free(res->remediation);
		res->remediation = NULL;
	} else if (res->remediation == NULL || res->remediation[0] == '\0') {
		log_warn("check %s gave no remediation for %s", id, verdict_name(res->verdict));
		check_verdict(res, res->verdict,
			      "kaic gave no hint for this verdict (report it as a bug): see the "
			      "evidence");
	}
}

static void run_check(struct runner *r, const struct check *chk, struct check_result *res)
{
	const struct runner_cfg *cfg = r->cfg;
	struct check_ctx ctx = {
	    .id = chk->id,
	    .client = cfg->client,
	    .inv = cfg->inv,
	    .opts = cfg->opts,
	    .run_id = cfg->run_id,
	    .cancel = stop_flag(r),
	    .deadline_ms = check_deadline(cfg),
	};
	chk->passive(&ctx, res);
	res->mode = MODE_PASSIVE;
	sanitize(res, chk->id);
	const char *why = "the active test did not run";
	bool found = res->verdict == VERDICT_FULL || res->verdict == VERDICT_PARTIAL;
	if (cfg->opts->passive)
		why = "passive mode";
	else if (chk->active == NULL)
		why = NO_ACTIVE_TEST;
	else if (found && !run_active(r, chk, &ctx, res, &why)) {
		if (why == NULL) /* run_active decided the verdict */
			return;
		if (*stop_flag(r)) {
			check_evidence(res, "not exercised: %s", why);
			check_verdict(res, VERDICT_ERROR,
				      "run kaic again (with a longer --run-timeout)");
			return;
		}
	}
	if (chk->flags & CHECK_FULL_NEEDS_ACTIVE)
		cap_passive_full(res, chk->id, why);
}

/* Skipped because --focus/--skip (why) left id out. */
static void skipped(struct check_result *res, const char *why, const char *id)
{
	check_evidence(res, "%s", why);
	if (strstr(why, "--skip") != NULL)
		check_verdict(res, VERDICT_SKIPPED,
			      "not decided: run without --skip %s to decide it", id);
	else
		check_verdict(res, VERDICT_SKIPPED, "not decided: add %s to --focus to decide it",
			      id);
}

const struct requirement *runner_cncf_decider(const struct runner_cfg *cfg,
					      const struct cncf_item *item)
{
	const struct check *own = cfg->find(item->id);
	if (own != NULL && own->passive != NULL)
		return cncf_requirement(item->id);
	return cncf_overlap(item->id);
}

static bool is_whitepaper(const struct runner_cfg *cfg, const struct requirement *req)
{
	return cfg->opts->catalog != CATALOG_CNCF && catalog_find(req->id) == req;
}

/* Why the test of req is needed by no item of the run (--focus/--skip left them all
 * out), or NULL when one needs it. */
static const char *task_excluded(const struct runner_cfg *cfg, const struct requirement *req)
{
	const char *why = NULL;
	if (is_whitepaper(cfg, req) && (why = run_opts_excluded(cfg->opts, req->id)) == NULL)
		return NULL;
	for (size_t i = 0; cfg->cncf != NULL && i < cfg->cncf->n; i++) {
		const struct cncf_item *it = &cfg->cncf->items[i];
		if (runner_cncf_decider(cfg, it) != req)
			continue;
		const char *w = run_opts_excluded(cfg->opts, it->id);
		if (w == NULL)
			return NULL;
		if (why == NULL)
			why = w;
	}
	return why != NULL ? why : "not in --focus";
}

/* Decides one requirement into rr. */
static void run_one(struct runner *r, struct req_result *rr)
{
	const struct runner_cfg *cfg = r->cfg;
	const char *id = rr->req->id;
	check_result_init(&rr->res);
	const char *excluded = task_excluded(cfg, rr->req);
	if (excluded != NULL) {
		skipped(&rr->res, excluded, id);
		rr->excluded = true;
		goto done;
	}
	bool late = cfg->deadline_ms > 0 && now_ms() >= cfg->deadline_ms;
	if (*stop_flag(r) || late) {
		late = late || (cfg->sig != NULL && cfg->sig->timed_out);
		check_evidence(&rr->res, "not run: %s",
			       late ? "--run-timeout reached" : "the run was interrupted");
		check_verdict(&rr->res, VERDICT_ERROR,
			      "run kaic again (with a longer --run-timeout)");
		goto done;
	}
	if (cfg->progress != NULL)
		cfg->progress->started(cfg->progress->arg, rr->req);
	long long t0 = now_ms();
	const struct check *chk = cfg->find(id);
	if (chk == NULL || chk->passive == NULL) {
		check_evidence(&rr->res, "not implemented");
		check_verdict(&rr->res, VERDICT_ERROR,
			      "kaic %s has no check for %s yet: assess it by hand", KAIC_VERSION,
			      id);
	} else {
		run_check(r, chk, &rr->res);
	}
	rr->res.duration_ms = now_ms() - t0;
done:
	remediation_rule(&rr->res, id);
	if (cfg->progress != NULL)
		cfg->progress->finished(cfg->progress->arg, rr);
}

static void *worker(void *arg)
{
	struct runner *r = arg;
	for (;;) {
		pthread_mutex_lock(&r->lock);
		size_t i = r->next++;
		pthread_mutex_unlock(&r->lock);
		if (i >= r->ntasks)
			return NULL;
		run_one(r, &r->tasks[i]);
	}
}

static void cleanup(struct runner *r)
{
	struct runner_signals *s = r->cfg->sig;
	if (s != NULL) {
		s->cleanup_phase = 1;
		if (s->count < 2)
			s->client_cancel = 0; /* let the deletes go out */
	}
	r->out->cleanup_ok = true;
	if (r->act == NULL)
		return;
	char **notes = NULL;
	if (active_cleanup(r->act, &notes) != 0)
		r->out->cleanup_ok = false;
	r->out->cleanup_notes = notes;
	active_cleanup_stats(r->act, &r->out->cleanup_stats);
	active_free(r->act);
	r->act = NULL;
}

static bool planned(const struct requirement **plan, size_t n, const struct requirement *req)
{
	for (size_t i = 0; i < n; i++)
		if (plan[i] == req)
			return true;
	return false;
}

const struct requirement **runner_plan(const struct runner_cfg *cfg, size_t *n)
{
	size_t cap = catalog_count() + (cfg->cncf != NULL ? cfg->cncf->n : 0);
	const struct requirement **plan =
	    xcalloc(cap > 0 ? cap : 1, sizeof(const struct requirement *));
	*n = 0;
	if (cfg->opts->catalog != CATALOG_CNCF)
		for (size_t i = 0; i < catalog_count(); i++)
			plan[(*n)++] = &catalog_all()[i];
	for (size_t i = 0; cfg->cncf != NULL && i < cfg->cncf->n; i++) {
		const struct requirement *by = runner_cncf_decider(cfg, &cfg->cncf->items[i]);
		if (by != NULL && !planned(plan, *n, by))
			plan[(*n)++] = by;
	}
	return plan;
}

static const struct req_result *task_of(const struct runner *r, const struct requirement *req)
{
	for (size_t i = 0; i < r->ntasks; i++)
		if (r->tasks[i].req == req)
			return &r->tasks[i];
	return NULL;
}

/* out->items: the white-paper requirements, each its test's result, or Skipped when
 * --focus/--skip left it out (its test ran for a CNCF item). */
static void fill_whitepaper(const struct runner *r, struct run_result *out)
{
	const struct run_opts *o = r->cfg->opts;
	if (o->catalog == CATALOG_CNCF)
		return;
	out->n = catalog_count();
	out->items = xcalloc(out->n, sizeof(*out->items));
	for (size_t i = 0; i < out->n; i++) {
		struct req_result *rr = &out->items[i];
		const struct req_result *t = task_of(r, &catalog_all()[i]);
		const char *why = run_opts_excluded(o, catalog_all()[i].id);
		rr->req = &catalog_all()[i];
		if (why != NULL && !t->excluded) {
			check_result_init(&rr->res);
			skipped(&rr->res, why, rr->req->id);
			rr->excluded = true;
		} else {
			check_result_copy(&rr->res, &t->res);
			rr->excluded = t->excluded;
		}
	}
}

/* out->cncf_items: each item of the checklist, decided by its test. */
static void fill_cncf(const struct runner *r, struct run_result *out)
{
	const struct runner_cfg *cfg = r->cfg;
	out->cncf = cfg->cncf;
	if (cfg->cncf == NULL)
		return;
	out->ncncf = cfg->cncf->n;
	out->cncf_items = xcalloc(out->ncncf, sizeof(*out->cncf_items));
	for (size_t i = 0; i < out->ncncf; i++) {
		struct cncf_result *c = &out->cncf_items[i];
		const struct req_result *t;
		c->item = &cfg->cncf->items[i];
		c->by = runner_cncf_decider(cfg, c->item);
		const char *why = run_opts_excluded(cfg->opts, c->item->id);
		if (why != NULL) {
			check_result_init(&c->res);
			skipped(&c->res, why, c->item->id);
			c->excluded = true;
		} else if (c->by == NULL || (t = task_of(r, c->by)) == NULL) {
			check_result_init(&c->res);
			check_evidence(&c->res, "kaic has no test for this requirement yet");
			check_verdict(&c->res, VERDICT_ERROR,
				      "kaic %s has no check for %s yet: assess it by hand",
				      KAIC_VERSION, c->item->id);
			c->by = NULL;
		} else {
			check_result_copy(&c->res, &t->res);
		}
	}
}

void runner_execute(const struct runner_cfg *cfg, struct run_result *out)
{
	struct runner r = {.cfg = cfg, .out = out};
	pthread_mutex_init(&r.lock, NULL);
	const struct requirement **plan = runner_plan(cfg, &r.ntasks);
	r.tasks = xcalloc(r.ntasks > 0 ? r.ntasks : 1, sizeof(*r.tasks));
	for (size_t i = 0; i < r.ntasks; i++)
		r.tasks[i].req = plan[i];
	free(plan);
	int nthreads = cfg->opts->parallel > 0 ? cfg->opts->parallel : 1;
	if ((size_t)nthreads > r.ntasks)
		nthreads = (int)r.ntasks;
	pthread_t *threads = xcalloc(nthreads > 0 ? (size_t)nthreads : 1, sizeof(*threads));
	int started = 0;
	for (int i = 0; i < nthreads; i++) {
		if (pthread_create(&threads[i], NULL, worker, &r) != 0)
			break;
		started++;
	}
	if (started == 0) /* no thread at all: run them here */
		worker(&r);
	for (int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	cleanup(&r);
	out->interrupted = cfg->sig != NULL && cfg->sig->count > 0;
	fill_whitepaper(&r, out);
	fill_cncf(&r, out);
	for (size_t i = 0; i < r.ntasks; i++)
		check_result_release(&r.tasks[i].res);
	free(r.tasks);
	pthread_mutex_destroy(&r.lock);
}

/* ---- signals ---- */

static void *signal_thread(void *arg)
{
	struct runner_signals *s = arg;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	const struct timespec tick = {0, 100 * 1000 * 1000};
	while (!s->done) {
		int sig = sigtimedwait(&set, NULL, &tick);
		if (s->deadline_ms > 0 && !s->timed_out && !s->cleanup_phase &&
		    now_ms() >= s->deadline_ms) {
			s->timed_out = 1;
			s->stop = 1;
			s->client_cancel = 1;
			fprintf(stderr, "kaic: --run-timeout reached: stopping the run, then "
					"cleaning up\n");
		}
		if (sig < 0)
			continue;
		s->count++;
		if (s->count == 1) {
			s->stop = 1;
			s->client_cancel = 1;
			fprintf(stderr,
				"\nkaic: %s: stopping the run, then cleaning up (again to "
				"stop waiting for the cleanup)\n",
				sig == SIGINT ? "interrupted" : "terminated");
		} else if (s->count == 2) {
			s->client_cancel = 1;
			fprintf(stderr, "\nkaic: not waiting for the cleanup any more (again to "
					"exit at once)\n");
		} else {
			fprintf(stderr,
				"\nkaic: exiting; remove what is left with \"kaic cleanup "
				"--run-id %s\"\n",
				s->run_id ? s->run_id : "");
			_exit(KAIC_EXIT_INTERRUPTED);
		}
	}
	return NULL;
}

int runner_signals_start(struct runner_signals *s, const char *run_id, long long deadline_ms)
{
	memset(s, 0, sizeof(*s));
	s->run_id = run_id;
	s->deadline_ms = deadline_ms;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, &s->old_mask);
	if (pthread_create(&s->thread, NULL, signal_thread, s) != 0) {
		pthread_sigmask(SIG_SETMASK, &s->old_mask, NULL);
		return -1;
	}
	s->started = true;
	return 0;
}

void runner_signals_stop(struct runner_signals *s)
{
	if (!s->started)
		return;
	s->done = 1;
	pthread_join(s->thread, NULL);
	s->started = false;
	pthread_sigmask(SIG_SETMASK, &s->old_mask, NULL);
}
