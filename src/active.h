/* active.h: the active-test framework: the run namespace, labels on everything the
 * run creates, a cleanup registry that always runs, and waits through watch with
 * deadlines. One struct active per run, shared by the checks (thread-safe). */
#ifndef KAIC_ACTIVE_H
#define KAIC_ACTIVE_H

#include <jansson.h>
#include <stdbool.h>

#include "kube/kube.h"
#include "run_opts.h"

struct active;

#define KAIC_LABEL_MANAGED_BY "app.kubernetes.io/managed-by"
#define KAIC_LABEL_RUN_ID "kaic.io/run-id"

/* Borrows c and opts. */
struct active *active_new(struct kube_client *c, const char *run_id, const struct run_opts *opts);
/* Creates the run namespace kaic-<run-id> (labelled) once; later calls return it.
 * NULL with *err when it cannot be created. */
const char *active_namespace(struct active *a, struct kube_error *err);
/* Adds kaic's labels to obj (metadata.labels), then creates it at path and registers it
 * for cleanup. *out (may be NULL) gets the created object. */
int active_create(struct active *a, const char *path, json_t *obj, json_t **out,
		  struct kube_error *err);
/* Deletes everything registered, newest first, then the namespace, and waits (bounded)
 * until they are gone. Safe to call twice. Returns 0 when everything is gone. Notes
 * on what could not be deleted are appended to *notes (NULL-terminated, caller frees). */
int active_cleanup(struct active *a, char ***notes);
void active_free(struct active *a);

#endif
