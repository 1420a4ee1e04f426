/* faults.c: seeded fault injection for /api and /apis requests (500s, 429s, dropped
 * connections, truncated and slow bodies, cut watch streams), as scenario.yaml asks. */

#include "server/faults.h"

#include <string.h>

#include "sim.h"

/* splitmix64: small, fast and the same on every platform */
static uint64_t next_u64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double next_unit(uint64_t *state)
{
	return (double)(next_u64(state) >> 11) / 9007199254740992.0; /* [0, 1) */
}

void sim_faults_init(struct sim_fault_state *fs, const struct sim_faults *f, unsigned long seed)
{
	pthread_mutex_init(&fs->mu, NULL);
	fs->rng = (uint64_t)seed;
	fs->f = f;
}

void sim_faults_release(struct sim_fault_state *fs)
{
	pthread_mutex_destroy(&fs->mu);
}

static bool under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(path, prefix, n) == 0 &&
	       (path[n] == '\0' || path[n] == '/' || (n > 0 && prefix[n - 1] == '/'));
}

static bool in_scope(const struct sim_faults *f, const char *path)
{
	if (!under(path, "/api") && !under(path, "/apis"))
		return false;
	return !f->only_path_prefix || !*f->only_path_prefix ||
	       strncmp(path, f->only_path_prefix, strlen(f->only_path_prefix)) == 0;
}

void sim_faults_plan(struct sim_fault_state *fs, const char *path, struct sim_fault_plan *plan)
{
	const struct sim_faults *f = fs->f;
	double r[4];

	memset(plan, 0, sizeof(*plan));
	if (!f || !in_scope(f, path))
		return;
	plan->slow_ms = f->slow_ms > 0 ? f->slow_ms : 0;
	plan->watch_cut_ms = f->watch_cut_after_s > 0 ? f->watch_cut_after_s * 1000 : 0;
	if (f->drop_rate <= 0 && f->error_rate <= 0 && f->throttle_rate <= 0 &&
	    f->truncate_rate <= 0)
		return;
	/* always draw the same count so one request's outcome never shifts the next's */
	pthread_mutex_lock(&fs->mu);
	for (int i = 0; i < 4; i++)
		r[i] = next_unit(&fs->rng);
	pthread_mutex_unlock(&fs->mu);
	if (r[0] < f->drop_rate)
		plan->kind = SIM_FAULT_DROP;
	else if (r[1] < f->error_rate)
		plan->kind = SIM_FAULT_ERROR;
	else if (r[2] < f->throttle_rate)
		plan->kind = SIM_FAULT_THROTTLE;
	else if (r[3] < f->truncate_rate)
		plan->kind = SIM_FAULT_TRUNCATE;
}
