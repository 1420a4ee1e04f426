/* active.c: placeholder until the active-test framework lands: creates nothing. */
#include "active.h"

#include <stdlib.h>

#include "util/xmalloc.h"

struct active {
	int unused;
};

struct active *active_new(struct kube_client *c, const char *run_id, const struct run_opts *opts)
{
	(void)c;
	(void)run_id;
	(void)opts;
	return xcalloc(1, sizeof(struct active));
}

const char *active_namespace(struct active *a, struct kube_error *err)
{
	(void)a;
	kube_error_set(err, 0, "NotImplemented", "active tests are not implemented yet");
	return NULL;
}

int active_create(struct active *a, const char *path, json_t *obj, json_t **out,
		  struct kube_error *err)
{
	(void)a;
	(void)path;
	(void)obj;
	(void)out;
	kube_error_set(err, 0, "NotImplemented", "active tests are not implemented yet");
	return -1;
}

int active_cleanup(struct active *a, char ***notes)
{
	(void)a;
	(void)notes;
	return 0;
}

void active_free(struct active *a)
{
	free(a);
}
