/* cleanup.c: `kaic cleanup`: deletes what earlier runs left behind, found by kaic's
 * labels on every resource type that can be listed and deleted. */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "active/active.h"
#include "cmd/cmd.h"
#include "util/esc.h"
#include "util/log.h"
#include "util/xmalloc.h"

struct target {
	const struct kube_resource *res; /* borrowed from the discovery */
	char *ns;			 /* NULL when cluster-scoped */
	char *name;
	char *run_id; /* its kaic.io/run-id label, or NULL */
};

struct cleanup {
	struct kube_client *client;
	struct kube_discovery disc;
	bool dry_run;
	bool force;   /* --force: also the objects of runs that are alive */
	json_t *live; /* run ID -> true for runs whose heartbeat is fresh (unscoped cleanup) */
	struct target *t;
	size_t n;
	json_t *seen; /* uid -> true: one object served by two groups is deleted once */
	unsigned deleted, failed, unlisted, forbidden;
};

/* True for the one version of each group/resource that is listed: the preferred one,
 * else the first served. */
/* "kaic cleanup: MESSAGE" on stderr, on one line with the cluster's control characters
 * escaped (log_line). */
static void cleanup_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void cleanup_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	char *line = log_line(msg);
	fprintf(stderr, "kaic cleanup: %s\n", line);
	free(line);
	free(msg);
}

static bool chosen(const struct kube_discovery *d, size_t i)
{
	const struct kube_resource *r = &d->items[i];
	if (r->preferred)
		return true;
	for (size_t j = 0; j < d->n; j++) {
		const struct kube_resource *o = &d->items[j];
		if (j != i && strcmp(o->group, r->group) == 0 &&
		    strcmp(o->resource, r->resource) == 0 && (o->preferred || j < i))
			return false;
	}
	return true;
}

static bool is_namespace(const struct kube_resource *r)
{
	return r->group[0] == '\0' && strcmp(r->resource, "namespaces") == 0;
}

static void add_target(struct cleanup *c, const struct kube_resource *r, const json_t *obj)
{
	const json_t *md = json_object_get(obj, "metadata");
	const char *name = json_string_value(json_object_get(md, "name"));
	const char *ns = json_string_value(json_object_get(md, "namespace"));
	const char *uid = json_string_value(json_object_get(md, "uid"));
	if (name == NULL)
		return;
	if (uid != NULL) {
		if (json_object_get(c->seen, uid) != NULL)
			return;
		json_object_set_new(c->seen, uid, json_true());
	}
	const char *run =
	    json_string_value(json_object_get(json_object_get(md, "labels"), KAIC_LABEL_RUN_ID));
	c->t = xreallocarray(c->t, c->n + 1, sizeof(*c->t));
	c->t[c->n++] = (struct target){r, r->namespaced && ns ? xstrdup(ns) : NULL, xstrdup(name),
				       run ? xstrdup(run) : NULL};
}

/* Lists every chosen resource type with the selector and collects the objects. */
static void collect(struct cleanup *c, const char *query)
{
	unsigned need = KUBE_VERB_LIST | KUBE_VERB_DELETE;
	for (size_t i = 0; i < c->disc.n; i++) {
		const struct kube_resource *r = &c->disc.items[i];
		if ((r->verbs & need) != need || !chosen(&c->disc, i))
			continue;
		char *path = kube_resource_path(r, NULL, NULL);
		json_t *items = NULL;
		struct kube_error err = {0};
		if (kube_list(c->client, path, query, &items, NULL, &err) != 0) {
			if (err.http_code == 403) {
				/* least privilege: a role for kaic's own kinds lists no others */
				c->forbidden++;
				log_info("cleanup: not allowed to list \"%s\"", path);
			} else if (err.http_code != 404 && err.http_code != 405) {
				cleanup_error("cannot list \"%s\": %s", path, err.message);
				c->unlisted++;
			}
		} else {
			size_t k;
			json_t *obj;
			json_array_foreach(items, k, obj) {
				add_target(c, r, obj);
			}
		}
		json_decref(items);
		free(path);
	}
}

static void delete_one(struct cleanup *c, const struct target *t)
{
	const char *verb = c->dry_run ? "would delete" : "deleted";
	char *what = t->ns ? xasprintf("%s %s/%s", t->res->kind, t->ns, t->name)
			   : xasprintf("%s %s", t->res->kind, t->name);
	if (!c->dry_run) {
		char *path = kube_resource_path(t->res, t->ns, t->name);
		char *full = xasprintf("%s?propagationPolicy=Background", path);
		struct kube_error err = {0};
		int rc = kube_delete(c->client, full, &err);
		free(full);
		free(path);
		if (rc != 0 && err.http_code == 404) { /* gone meanwhile */
			free(what);
			return;
		}
		if (rc != 0) {
			cleanup_error("cannot delete %s: %s", what, err.message);
			c->failed++;
			free(what);
			return;
		}
	}
	char *shown = esc_text_dup(what); /* names come from the cluster */
	printf("%s %s\n", verb, shown);
	free(shown);
	c->deleted++;
	free(what);
}

/* ---- the live-run guard ---- */

/* Seconds since a MicroTime/RFC 3339 UTC time ("2025-01-02T03:04:05.123456Z"), or -1. */
static long long age_s(const char *t)
{
	struct tm tm = {0};
	const char *end = t ? strptime(t, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (end == NULL)
		return -1;
	time_t then = timegm(&tm);
	return (long long)(time(NULL) - then);
}

/* Whether run_id's heartbeat Lease is fresh; says so on stdout when it is. A run whose
 * Lease cannot be read is not known to be alive (it crashed, or it predates heartbeats). */
static bool run_alive(struct cleanup *c, const char *run_id)
{
	char *ns = active_namespace_name(run_id);
	char *path = xasprintf("/apis/coordination.k8s.io/v1/namespaces/%s/leases/%s", ns,
			       KAIC_HEARTBEAT_LEASE);
	json_t *l = NULL;
	struct kube_error err = {0};
	bool alive = false;
	if (kube_get(c->client, path, &l, &err) == 0) {
		const char *renew =
		    json_string_value(json_object_get(json_object_get(l, "spec"), "renewTime"));
		long long age = age_s(renew);
		alive = age >= -KAIC_HEARTBEAT_FRESH_S && age < KAIC_HEARTBEAT_FRESH_S;
		if (alive)
			printf("skipping run %s: it is alive (heartbeat Lease %s/%s renewed %llds "
			       "ago); --force deletes its objects too\n",
			       run_id, ns, KAIC_HEARTBEAT_LEASE, age < 0 ? 0 : age);
	} else if (err.http_code != 404) {
		log_info("cleanup: cannot read the heartbeat of run %s: %s", run_id, err.message);
	}
	json_decref(l);
	free(path);
	free(ns);
	return alive;
}

/* Marks the runs that are alive, once per run ID. */
static void find_live_runs(struct cleanup *c)
{
	json_t *checked = json_object();
	for (size_t i = 0; i < c->n; i++) {
		const char *id = c->t[i].run_id;
		if (id == NULL || json_object_get(checked, id) != NULL)
			continue;
		json_object_set_new(checked, id, json_true());
		if (run_alive(c, id))
			json_object_set_new(c->live, id, json_true());
	}
	json_decref(checked);
}

static bool spared(const struct cleanup *c, const struct target *t)
{
	return t->run_id != NULL && json_object_get(c->live, t->run_id) != NULL;
}

/* Namespaced objects first, then the namespaces, then the other cluster-scoped ones. */
static void delete_all(struct cleanup *c)
{
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < c->n; i++) {
			const struct kube_resource *r = c->t[i].res;
			int p = r->namespaced ? 0 : is_namespace(r) ? 1 : 2;
			if (p == pass && !spared(c, &c->t[i]))
				delete_one(c, &c->t[i]);
		}
}

static bool valid_run_id(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 63)
		return false;
	for (const char *p = s; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-')
			return false;
	return true;
}

/* Prints what was done and what could not be; the exit status says whether the cluster
 * was searched everywhere and everything found was deleted. */
static int report(const struct cleanup *c)
{
	bool incomplete = c->unlisted > 0 || c->failed > 0;
	if (c->deleted == 0 && c->failed == 0)
		printf(incomplete ? "nothing found to clean up in the resource types listed\n"
				  : "nothing to clean up\n");
	else
		printf("%u object%s %s\n", c->deleted, c->deleted == 1 ? "" : "s",
		       c->dry_run ? "would be deleted" : "deleted");
	if (c->forbidden > 0)
		fprintf(stderr,
			"kaic cleanup: %u resource type%s not searched: listing forbidden to this "
			"user (-v names them)\n",
			c->forbidden, c->forbidden == 1 ? "" : "s");
	if (c->unlisted > 0)
		fprintf(stderr,
			"kaic cleanup: incomplete: %u resource type%s could not be listed (named "
			"above); run it again\n",
			c->unlisted, c->unlisted == 1 ? "" : "s");
	if (c->failed > 0)
		fprintf(stderr,
			"kaic cleanup: incomplete: %u object%s could not be deleted (named "
			"above)\n",
			c->failed, c->failed == 1 ? "" : "s");
	return incomplete ? KAIC_EXIT_NOT_CONFORMANT : KAIC_EXIT_OK;
}

static int run_cleanup(struct cleanup *c, const char *run_id)
{
	struct kube_error err = {0};
	if (kube_discover(c->client, &c->disc, &err) != 0)
		return cmd_usage_error("cleanup", "cannot read the cluster at \"%s\": %s",
				       kube_client_config(c->client)->server, err.message);
	char *query = run_id ? xasprintf("labelSelector=app.kubernetes.io%%2Fmanaged-by%%3Dkaic"
					 "%%2Ckaic.io%%2Frun-id%%3D%s",
					 run_id)
			     : xstrdup("labelSelector=app.kubernetes.io%2Fmanaged-by%3Dkaic");
	c->seen = json_object();
	c->live = json_object();
	collect(c, query);
	if (run_id == NULL && !c->force)
		find_live_runs(c);
	delete_all(c);
	json_decref(c->live);
	free(query);
	json_decref(c->seen);
	for (size_t i = 0; i < c->n; i++) {
		free(c->t[i].ns);
		free(c->t[i].name);
		free(c->t[i].run_id);
	}
	free(c->t);
	kube_discovery_release(&c->disc);
	return report(c);
}

static int cleanup_exec(const struct cmd_entry *self, int argc, char **argv)
{
	enum { O_KUBECONFIG = 256, O_CONTEXT, O_IN_CLUSTER, O_RUN_ID, O_DRY_RUN, O_FORCE };
	static const struct option opts[] = {
	    {"kubeconfig", required_argument, NULL, O_KUBECONFIG},
	    {"context", required_argument, NULL, O_CONTEXT},
	    {"in-cluster", no_argument, NULL, O_IN_CLUSTER},
	    {"run-id", required_argument, NULL, O_RUN_ID},
	    {"dry-run", no_argument, NULL, O_DRY_RUN},
	    {"force", no_argument, NULL, O_FORCE},
	    {"verbose", no_argument, NULL, 'v'},
	    {NULL, 0, NULL, 0},
	};
	const char *kubeconfig = NULL, *context = NULL, *run_id = NULL;
	bool in_cluster = false;
	int verbose = 0, c;
	struct cleanup cl = {0};
	optind = 0;
	while ((c = cmd_getopt(self->name, argc, argv, "+:v", opts)) != -1) {
		if (c == '?')
			return KAIC_EXIT_USAGE;
		if (c == O_KUBECONFIG)
			kubeconfig = optarg;
		else if (c == O_CONTEXT)
			context = optarg;
		else if (c == O_IN_CLUSTER)
			in_cluster = true;
		else if (c == O_RUN_ID)
			run_id = optarg;
		else if (c == O_DRY_RUN)
			cl.dry_run = true;
		else if (c == O_FORCE)
			cl.force = true;
		else
			verbose++;
	}
	if (cmd_no_args(self->name, argc, argv) != 0)
		return KAIC_EXIT_USAGE;
	if (run_id != NULL && !valid_run_id(run_id))
		return cmd_usage_error(self->name, "invalid value \"%s\" for --run-id", run_id);
	cmd_set_verbosity(verbose);
	char *cause = NULL;
	struct kube_client_opts kopts = {0};
	cl.client = cmd_client_open(kubeconfig, context, in_cluster, &kopts, &cause);
	if (cl.client == NULL) {
		cmd_usage_error(self->name, "%s", cause);
		free(cause);
		return KAIC_EXIT_USAGE;
	}
	int rc = run_cleanup(&cl, run_id);
	kube_client_free(cl.client);
	return rc;
}

const struct cmd_entry cmd_cleanup_entry = {
    .name = "cleanup",
    .usage = "cleanup [--run-id ID] [--force] [--dry-run] [flags]",
    .help = "Delete everything earlier runs left in the cluster.\n"
	    "\n"
	    "For leftovers of a run that could not clean up (a crash, kill -9). "
	    "Finds objects\n"
	    "of every resource type by the label " KAIC_LABEL_MANAGED_BY "=kaic\n"
	    "and deletes namespaced objects first, then namespaces, then cluster-scoped\n"
	    "objects, printing each one.\n"
	    "\n"
	    "Without --run-id, the objects of a run that is still alive (its heartbeat\n"
	    "Lease " KAIC_HEARTBEAT_LEASE " renewed within the last minute) are left alone.\n"
	    "\n"
	    "  --run-id ID         only what the run ID left (label " KAIC_LABEL_RUN_ID ")\n"
	    "  --force             also the objects of runs that are alive\n"
	    "  --dry-run           print what would be deleted, delete nothing\n"
	    "  --kubeconfig FILE   kubeconfig to use (default: $KUBECONFIG, ~/.kube/config)\n"
	    "  --context NAME      kubeconfig context (default: the current context)\n"
	    "  --in-cluster        use the pod's service account\n"
	    "  -v, --verbose       more diagnostics on stderr (twice: debug)\n"
	    "\n"
	    "Exit status: 0 done; 1 incomplete: a resource type could not be listed or an\n"
	    "object could not be deleted (each is named on stderr); 2 usage or\n"
	    "configuration error. A type listing is forbidden for is reported, not an error.\n",
    .exec = cleanup_exec,
    .flags = CMD_CLUSTER,
};
