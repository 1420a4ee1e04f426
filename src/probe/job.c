/* job.c: `kaic probe job [--fail-if NAME=VALUE]...`: a one-shot member of a batch Job
 * (JobSet, Kueue tests). It reports the environment variables the conditions name and
 * JOB_COMPLETION_INDEX, and fails (exit 1) when every --fail-if condition holds, so that
 * a test can make exactly one pod of one attempt fail (JOBSET_JOB_INDEX=1,
 * JOB_COMPLETION_INDEX=1, JOBSET_RESTART_ATTEMPT=0). Result: {"env": {NAME: value or
 * null}, "failed": bool, "reason"}. Without --fail-if it always succeeds. */
#include <stdlib.h>
#include <string.h>

#include "probe/common.h"
#include "util/xmalloc.h"

#define JOB_NAME "job"
#define JOB_MAX_CONDS 16

int probe_job_run(int argc, char **argv)
{
	const char *conds[JOB_MAX_CONDS];
	size_t n = 0;
	for (int i = 1; i < argc; i++) {
		const char *v;
		int m = probe_opt(argc, argv, &i, "fail-if", &v);
		if (m == 0)
			return probe_usage_error(JOB_NAME, "unknown argument \"%s\"", argv[i]);
		if (m < 0)
			return probe_usage_error(JOB_NAME, "%s needs a value", argv[i]);
		const char *eq = strchr(v, '=');
		if (eq == NULL || eq == v)
			return probe_usage_error(JOB_NAME, "--fail-if \"%s\" is not NAME=VALUE", v);
		if (n == JOB_MAX_CONDS)
			return probe_usage_error(JOB_NAME, "more than %d --fail-if conditions",
						 JOB_MAX_CONDS);
		conds[n++] = v;
	}
	json_t *env = json_object();
	const char *idx = getenv("JOB_COMPLETION_INDEX");
	json_object_set_new(env, "JOB_COMPLETION_INDEX", probe_json_string(idx));
	bool all = n > 0;
	for (size_t k = 0; k < n; k++) {
		const char *eq = strchr(conds[k], '=');
		char *name = xstrndup(conds[k], (size_t)(eq - conds[k]));
		const char *have = getenv(name);
		json_object_set_new(env, name, probe_json_string(have));
		all = all && have != NULL && strcmp(have, eq + 1) == 0;
		free(name);
	}
	json_t *res = json_pack("{s:o, s:b}", "env", env, "failed", all);
	if (all)
		json_object_set_new(
		    res, "reason",
		    json_string("every --fail-if condition holds: failing on purpose"));
	return probe_emit(JOB_NAME, res, all ? PROBE_EXIT_FAILED : PROBE_EXIT_OK);
}
