/* active.h: the active-test framework: the run namespace, labels on everything the
 * run creates, a cleanup registry that always runs, and waits through watch with
 * deadlines. One struct active per run, shared by the checks (thread-safe). */
#ifndef KAIC_ACTIVE_H
#define KAIC_ACTIVE_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "kube/kube.h"

struct active;

#define KAIC_LABEL_MANAGED_BY "app.kubernetes.io/managed-by"
#define KAIC_LABEL_RUN_ID "kaic.io/run-id"
/* The run's heartbeat: a coordination.k8s.io Lease of this name in the run namespace,
 * created with it and renewed every 10 s while the run lives; `kaic cleanup` without
 * --run-id leaves a run alone whose renewTime is fresher than KAIC_HEARTBEAT_FRESH_S. */
#define KAIC_HEARTBEAT_LEASE "kaic-heartbeat"
#define KAIC_HEARTBEAT_FRESH_S 60

/* Borrows c. test_timeout_ms (the per-test timeout, 0 = none) bounds how long the
 * cleanup waits for deleted objects to be gone (within fixed limits). */
struct active *active_new(struct kube_client *c, const char *run_id, long test_timeout_ms);
/* Creates the run namespace kaic-<run-id> (labelled) once, with the heartbeat Lease
 * (whose renewal runs on its own thread until active_cleanup); later calls return it.
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
/* Registers the patch that undoes a change a test makes outside the run namespace (a
 * node's condition, its cordon), before the test makes it: the cleanup sends every
 * registered patch that has not gone through yet, newest first and before the deletes,
 * whatever ended the run. Returns its id (>= 0), or -1 after the cleanup. */
int active_on_cleanup_patch(struct active *a, const char *path, const char *patch_type,
			    const json_t *patch, const char *what);
/* Sends restore id now (-1: every one), each at most once successfully, retrying
 * transient failures; a 404 counts as restored. Returns 0, or -1 with notes. */
int active_restore(struct active *a, int id, char ***notes);
/* What the cleanup's own client (its deletes) sent; zeros when it used the run's client. */
void active_cleanup_stats(struct active *a, struct kube_stats *out);
void active_free(struct active *a);

/* ---- additions: builders that need no cluster ---- */

/* "kaic-<run-id>" (caller frees). */
char *active_namespace_name(const char *run_id);
/* Sets kaic's two labels on obj's metadata.labels (creating them as needed). */
void active_label(json_t *obj, const char *run_id);
/* The run namespace object: kaic's labels and the Pod Security Standard "restricted"
 * (enforce, audit, warn). New reference. */
json_t *active_namespace_object(const char *run_id);

/* The heartbeat Lease of run_id's namespace with renewTime and acquireTime renew_time
 * (MicroTime, "2025-01-02T03:04:05.000000Z"; NULL: without them), labelled. New
 * reference. */
json_t *active_heartbeat_object(const char *run_id, const char *renew_time);
/* The current time as a MicroTime string into buf (at least 32 bytes). */
void active_heartbeat_time(char *buf, size_t len);

/* ---- additions: reading back and waiting ---- */

/* The run ID (borrowed). */
const char *active_run_id(const struct active *a);
/* The client checks use (borrowed). */
struct kube_client *active_client(const struct active *a);

/* What active_wait's predicate answers: keep waiting, or stop (the caller looks at the
 * object to tell success from failure). */
enum active_wait_answer { ACTIVE_WAIT_MORE = 0, ACTIVE_WAIT_DONE = 1 };
typedef enum active_wait_answer (*active_wait_pred)(const json_t *obj, void *arg);

/* Waits until pred answers DONE for the object name in the collection path
 * ("/api/v1/namespaces/NS/pods"): reads it, then watches it from its resourceVersion
 * (fieldSelector metadata.name), falling back to polling with backoff when watch fails.
 * pred also sees a missing object as NULL, and is asked again about the last state seen
 * whenever a watch window (at most WAIT_WINDOW_S) ends without an event, so that it may
 * count time. An object that existed during the wait and is
 * then deleted (a DELETED event, or 404 on re-reading it) ends the wait at once unless
 * pred answers DONE for NULL: -1 with reason "Deleted" and a message saying what was
 * observed of who deleted it (deletionTimestamp, last manager, run-id label). Returns 0 with *out
 * (new reference, may be NULL when out is NULL or the object is gone) when pred said DONE; -1 with
 * *err on an API error, reason "Timeout" when deadline_ms (absolute CLOCK_MONOTONIC ms) passed with
 * the server answering, the unanswered request's error (reason "NoAnswer" without an HTTP status)
 * when it passed while the server did not answer, and "Cancelled" when *cancel became non-zero;
 * *out then holds the last object seen (or NULL). */
int active_wait(struct active *a, const char *path, const char *name, active_wait_pred pred,
		void *arg, long long deadline_ms, atomic_int *cancel, json_t **out,
		struct kube_error *err);
/* Sleeps ms, or until deadline_ms (absolute CLOCK_MONOTONIC ms) if that comes first, in
 * short steps. False when *cancel became non-zero or the deadline passed. */
bool active_nap(long ms, long long deadline_ms, atomic_int *cancel);
/* GET pods/NAME/log of namespace ns (last 64 KiB): new string, or NULL with *err. */
char *active_pod_log(struct active *a, const char *ns, const char *pod, struct kube_error *err);
/* The termination message of the pod's first container (state or lastState), borrowed
 * from pod, or NULL. */
const char *active_termination_message(const json_t *pod);
/* The max most recent Warning Events of namespace ns (when there is none, the two most
 * recent others) about objects named prefix or "prefix-..." (NULL: every object), each
 * formatted as "Warning FailedScheduling pod/x: message", as a new NULL-terminated
 * array (caller frees each and the array); NULL when there are none or they cannot be
 * read. */
char **active_events(struct active *a, const char *ns, const char *prefix, size_t max);

#endif
