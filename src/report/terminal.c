/* terminal.c: progress on the terminal while a run goes (a live view redrawn in place
 * on a colour TTY, plain lines otherwise) and the summary after it. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/report.h"
#include "util/esc.h"
#include "util/xmalloc.h"

#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define RED "\033[31m"
#define MAGENTA "\033[35m"
#define GREY "\033[90m"
#define CYAN "\033[36m"
#define RESET "\033[0m"

enum line_state { LINE_WAITING, LINE_RUNNING, LINE_DONE };

struct report_term {
	FILE *out;
	bool color;
	bool live;
	pthread_mutex_t lock; /* the single writer: every output goes through it */
	pthread_cond_t wake;
	size_t n;
	const struct requirement **reqs; /* the run's tests, in runner_plan's order */
	int id_width;			 /* the ID column: 9, or wider for a longer id (CNCF's) */
	enum line_state *state;
	struct check_result *done; /* copies of verdict and mode (evidence not kept) */
	unsigned frame;
	bool drawn;
	bool stop;
	bool spinning;
	pthread_t spinner;
};

static const char *const frames[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};

static const char *verdict_color(enum verdict v)
{
	switch (v) {
	case VERDICT_FULL:
		return GREEN;
	case VERDICT_PARTIAL:
		return YELLOW;
	case VERDICT_NO:
		return RED;
	case VERDICT_ERROR:
		return MAGENTA;
	case VERDICT_SKIPPED:
		return GREY;
	}
	return "";
}

/* The verdict padded to 9 columns, coloured when t->color. */
static void put_verdict(struct report_term *t, enum verdict v)
{
	if (t->color)
		fprintf(t->out, "%s%-9s" RESET, verdict_color(v), verdict_name(v));
	else
		fprintf(t->out, "%-9s", verdict_name(v));
}

/* Writes s with its control characters as visible escapes: text that came from the
 * cluster (or anywhere else) cannot move the cursor or forge a line. */
static void put_text(struct report_term *t, const char *s)
{
	char *line = esc_text_dup(s);
	fputs(line, t->out);
	free(line);
}

static void put_line(struct report_term *t, size_t i)
{
	const struct requirement *req = t->reqs[i];
	fprintf(t->out, "%-*s%-8s", t->id_width, req->id, level_name(req->level));
	switch (t->state[i]) {
	case LINE_WAITING:
		fprintf(t->out, "%s%-10s%-9s%s%s", t->color ? GREY : "", "·", "", req->title,
			t->color ? RESET : "");
		return;
	case LINE_RUNNING:
		fprintf(t->out, "%s%s%s %-7s%-9s%s", t->color ? CYAN : "", frames[t->frame % 10],
			t->color ? RESET : "", "", "", req->title);
		return;
	case LINE_DONE:
		put_verdict(t, t->done[i].verdict);
		fprintf(t->out, "%-9s%s", mode_name(t->done[i].mode), req->title);
		return;
	}
}

/* Redraws every line in place; the lock is held. */
static void redraw(struct report_term *t)
{
	if (t->drawn)
		fprintf(t->out, "\033[%zuF", t->n);
	for (size_t i = 0; i < t->n; i++) {
		fputs("\r\033[2K", t->out);
		put_line(t, i);
		fputc('\n', t->out);
	}
	t->drawn = true;
	fflush(t->out);
}

static void *spin(void *arg)
{
	struct report_term *t = arg;
	pthread_mutex_lock(&t->lock);
	while (!t->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&t->wake, &t->lock, &ts);
		if (t->stop)
			break;
		t->frame++;
		redraw(t);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

struct report_term *report_term_new(FILE *out, bool color, bool live)
{
	const struct requirement **reqs =
	    xcalloc(catalog_count(), sizeof(const struct requirement *));
	for (size_t i = 0; i < catalog_count(); i++)
		reqs[i] = &catalog_all()[i];
	struct report_term *t = report_term_new_plan(out, color, live, reqs, catalog_count());
	free(reqs);
	return t;
}

struct report_term *report_term_new_plan(FILE *out, bool color, bool live,
					 const struct requirement *const *reqs, size_t n)
{
	struct report_term *t = xcalloc(1, sizeof(*t));
	t->out = out;
	t->color = color || live;
	t->live = live;
	t->n = n;
	t->reqs = xcalloc(n > 0 ? n : 1, sizeof(const struct requirement *));
	memcpy(t->reqs, reqs, n * sizeof(const struct requirement *));
	t->id_width = 9;
	for (size_t i = 0; i < n; i++)
		if ((int)strlen(reqs[i]->id) + 1 > t->id_width)
			t->id_width = (int)strlen(reqs[i]->id) + 1;
	t->state = xcalloc(t->n, sizeof(*t->state));
	t->done = xcalloc(t->n, sizeof(*t->done));
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->wake, NULL);
	if (live) {
		pthread_mutex_lock(&t->lock);
		redraw(t);
		pthread_mutex_unlock(&t->lock);
		t->spinning = pthread_create(&t->spinner, NULL, spin, t) == 0;
	}
	return t;
}

static size_t index_of(struct report_term *t, const struct requirement *req)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->reqs[i]->id, req->id) == 0)
			return i;
	return t->n;
}

void report_term_started(struct report_term *t, const struct requirement *req)
{
	size_t i = index_of(t, req);
	if (i == t->n)
		return;
	pthread_mutex_lock(&t->lock);
	t->state[i] = LINE_RUNNING;
	if (t->live && !t->stop)
		redraw(t);
	pthread_mutex_unlock(&t->lock);
}

void report_term_finished(struct report_term *t, const struct req_result *rr)
{
	size_t i = index_of(t, rr->req);
	if (i == t->n)
		return;
	pthread_mutex_lock(&t->lock);
	t->state[i] = LINE_DONE;
	t->done[i].verdict = rr->res.verdict;
	t->done[i].mode = rr->res.mode;
	if (t->live && !t->stop) {
		redraw(t);
	} else if (!t->live) {
		put_line(t, i);
		fputc('\n', t->out);
		fflush(t->out);
	}
	pthread_mutex_unlock(&t->lock);
}

static void stop_live(struct report_term *t)
{
	pthread_mutex_lock(&t->lock);
	bool was = t->stop;
	t->stop = true;
	pthread_cond_signal(&t->wake);
	if (t->live && !was)
		redraw(t);
	pthread_mutex_unlock(&t->lock);
	if (t->spinning) {
		pthread_join(t->spinner, NULL);
		t->spinning = false;
	}
}

static void put_counts(struct report_term *t, const struct run_result *r)
{
	size_t c[3][5] = {{0}};
	for (size_t i = 0; i < r->n; i++) {
		unsigned v = (unsigned)r->items[i].res.verdict;
		if (v >= 5)
			continue;
		c[r->items[i].req->level == LEVEL_MUST ? 0 : 1][v]++;
		c[2][v]++;
	}
	fprintf(t->out, "\n%-9s", "");
	for (int v = VERDICT_FULL; v <= VERDICT_SKIPPED; v++) {
		if (t->color)
			fprintf(t->out, "%s%8s" RESET, verdict_color(v), verdict_name(v));
		else
			fprintf(t->out, "%8s", verdict_name(v));
	}
	static const char *const rows[] = {"MUST", "SHOULD", "total"};
	for (int row = 0; row < 3; row++) {
		fprintf(t->out, "\n%-9s", rows[row]);
		for (int v = 0; v < 5; v++)
			fprintf(t->out, "%8zu", c[row][v]);
	}
	fputc('\n', t->out);
}

/* The plain summary table in catalogue order (the live view already shows it). */
static void put_table(struct report_term *t)
{
	fprintf(t->out, "\n%-9s%-8s%-9s%-9s%s\n", "ID", "LEVEL", "VERDICT", "MODE", "REQUIREMENT");
	for (size_t i = 0; i < t->n; i++) {
		put_line(t, i);
		fputc('\n', t->out);
	}
}

/* The IDs that failed the run (run_result_is_failure), after the prefix; false when none. */
static bool put_failures(struct report_term *t, const struct run_result *r, bool strict,
			 const char *prefix)
{
	const char *sep = prefix;
	for (size_t i = 0; i < r->n; i++) {
		const struct req_result *rr = &r->items[i];
		if (run_result_is_failure(rr, strict)) {
			fprintf(t->out, "%s%s", sep, rr->req->id);
			sep = ", ";
		}
	}
	return sep != prefix;
}

/* The requirements that were not decided (run_result_is_undecided), with their level and
 * verdict, after the prefix; false when none. */
static bool put_undecided(struct report_term *t, const struct run_result *r, const char *prefix)
{
	const char *sep = prefix;
	for (size_t i = 0; i < r->n; i++) {
		const struct req_result *rr = &r->items[i];
		if (run_result_is_undecided(rr)) {
			fprintf(t->out, "%s%s (%s, %s)", sep, rr->req->id,
				level_name(rr->req->level), verdict_name(rr->res.verdict));
			sep = ", ";
		}
	}
	return sep != prefix;
}

/* The white paper's outcome for its exit status code. */
static void put_whitepaper(struct report_term *t, const struct run_result *r, int code)
{
	bool strict = r->opts != NULL && r->opts->strict;
	switch (code) {
	case KAIC_EXIT_OK:
		fputs("every MUST requirement is Full", t->out);
		break;
	case KAIC_EXIT_NOT_CONFORMANT:
		put_failures(t, r, strict, strict ? "not Full: " : "MUST requirements not Full: ");
		put_undecided(t, r, "; not decided: ");
		break;
	case KAIC_EXIT_UNDECIDED:
		if (!put_undecided(t, r, "not decided: "))
			fputs("no requirement was decided", t->out);
		break;
	default:
		fputs("the run was interrupted", t->out);
	}
}

/* The CNCF items that fail (failed) or were not decided, after prefix; false when none. */
static bool put_cncf_ids(struct report_term *t, const struct run_result *r, bool failed,
			 const char *prefix)
{
	bool strict = r->opts != NULL && r->opts->strict;
	const char *sep = prefix;
	for (size_t i = 0; i < r->ncncf; i++) {
		const struct cncf_result *c = &r->cncf_items[i];
		if (failed ? cncf_result_is_failure(c, strict) : cncf_result_is_undecided(c)) {
			fprintf(t->out, "%s%s (%s)", sep, c->item->id,
				cncf_status_name(cncf_status_of(c)));
			sep = ", ";
		}
	}
	return sep != prefix;
}

/* The CNCF table: each item's status and the test that decided it. */
static void put_cncf_table(struct report_term *t, const struct run_result *r)
{
	fprintf(t->out, "\nCNCF AI Conformance %s (PRODUCT.yaml)\n%-29s%-8s%-23s%s\n",
		r->cncf->name, "ID", "LEVEL", "STATUS", "DECIDED BY");
	for (size_t i = 0; i < r->ncncf; i++) {
		const struct cncf_result *c = &r->cncf_items[i];
		fprintf(t->out, "%-29s%-8s%-23s", c->item->id, level_name(c->item->level),
			cncf_status_name(cncf_status_of(c)));
		if (c->excluded)
			fputs("(left out by --focus/--skip)\n", t->out);
		else if (c->by == NULL)
			fputs("(kaic has no test for it yet)\n", t->out);
		else
			fprintf(t->out, "%s: %s (%s)\n", c->by->id, verdict_name(c->res.verdict),
				mode_name(c->res.mode));
	}
}

static void put_cncf(struct report_term *t, const struct run_result *r, int code)
{
	switch (code) {
	case KAIC_EXIT_OK:
		fputs("every MUST is Implemented (or N/A where the checklist allows it)", t->out);
		break;
	case KAIC_EXIT_NOT_CONFORMANT:
		put_cncf_ids(t, r, true, "MUSTs not Implemented: ");
		put_cncf_ids(t, r, false, "; not decided: ");
		break;
	case KAIC_EXIT_UNDECIDED:
		if (!put_cncf_ids(t, r, false, "not decided: "))
			fputs("no requirement was decided", t->out);
		break;
	default:
		fputs("the run was interrupted", t->out);
	}
}

/* Whether PRODUCT.yaml passed `kaic product validate`, with its problems. */
static void put_product(struct report_term *t, const struct run_result *r)
{
	if (!r->product_checked) {
		fputs("PRODUCT.yaml: not written\n", t->out);
		return;
	}
	size_t n = 0;
	while (r->product_problems != NULL && r->product_problems[n] != NULL)
		n++;
	if (n == 0) {
		fputs("PRODUCT.yaml: submittable (kaic product validate finds no problem)\n",
		      t->out);
		return;
	}
	fprintf(t->out, "PRODUCT.yaml: not submittable, %zu problem%s:\n", n, n == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		fputs("          ", t->out);
		put_text(t, r->product_problems[i]);
		fputc('\n', t->out);
	}
}

/* The closing lines: each checklist's outcome, then the exit status. */
static void put_outcome(struct report_term *t, const struct run_result *r)
{
	bool strict = r->opts != NULL && r->opts->strict;
	int code = run_result_exit_code(r, strict);
	if (r->cncf == NULL) {
		fprintf(t->out, "Result:   exit %d: ", code);
		put_whitepaper(t, r, code);
		fputc('\n', t->out);
		return;
	}
	if (r->n > 0) {
		int wc =
		    r->interrupted ? KAIC_EXIT_INTERRUPTED : run_result_exit_whitepaper(r, strict);
		fprintf(t->out, "White paper %s: ", catalog_spec_version());
		put_whitepaper(t, r, wc);
		fputc('\n', t->out);
	}
	int cc = r->interrupted ? KAIC_EXIT_INTERRUPTED : run_result_exit_cncf(r, strict);
	fprintf(t->out, "CNCF %s: ", r->cncf->name);
	put_cncf(t, r, cc);
	fputc('\n', t->out);
	put_product(t, r);
	static const char *const says[] = {
	    [KAIC_EXIT_OK] = "every MUST is decided and met",
	    [KAIC_EXIT_NOT_CONFORMANT] = "a MUST is not met (above)",
	    [KAIC_EXIT_UNDECIDED] = "no MUST failed, but one was not decided (above)",
	};
	fprintf(t->out, "Result:   exit %d: %s\n", code,
		code == KAIC_EXIT_INTERRUPTED				 ? "the run was interrupted"
		: code >= 0 && code <= KAIC_EXIT_UNDECIDED && says[code] ? says[code]
									 : "");
}

void report_term_summary(struct report_term *t, const struct run_result *r)
{
	stop_live(t);
	pthread_mutex_lock(&t->lock);
	if (!t->live)
		put_table(t);
	put_counts(t, r);
	if (r->cncf != NULL)
		put_cncf_table(t, r);
	fprintf(t->out, "\nAPI:      %lu requests (%u for discovery, %s), %llu bytes received\n",
		r->stats.requests, r->discovery_requests,
		r->aggregated_discovery ? "aggregated" : "legacy", r->stats.bytes_in);
	if (!r->cleanup_ok) {
		fputs("Cleanup:  incomplete", t->out);
		for (size_t i = 0; r->cleanup_notes != NULL && r->cleanup_notes[i] != NULL; i++) {
			fputs("\n          ", t->out);
			put_text(t, r->cleanup_notes[i]);
		}
		fputc('\n', t->out);
	}
	for (size_t i = 0; r->reports != NULL && r->reports[i] != NULL; i++) {
		fprintf(t->out, "%-10s", i == 0 ? "Reports:" : "");
		put_text(t, r->reports[i]);
		fputc('\n', t->out);
	}
	put_outcome(t, r);
	fflush(t->out);
	pthread_mutex_unlock(&t->lock);
}

void report_term_free(struct report_term *t)
{
	if (t == NULL)
		return;
	stop_live(t);
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->wake);
	free(t->state);
	free(t->done);
	free(t->reqs);
	free(t);
}

static void progress_started(void *arg, const struct requirement *req)
{
	report_term_started(arg, req);
}

static void progress_finished(void *arg, const struct req_result *rr)
{
	report_term_finished(arg, rr);
}

struct runner_progress report_term_progress(struct report_term *t)
{
	return (struct runner_progress){
	    .started = progress_started, .finished = progress_finished, .arg = t};
}
