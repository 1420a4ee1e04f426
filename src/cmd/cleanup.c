/* cleanup.c: `kaic cleanup`: deletes what earlier runs left behind, found by kaic's
 * labels on every resource type that can be listed and deleted. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "active/active.h"
#include "cmd/cmd.h"
#include "util/log.h"
#include "util/xmalloc.h"

struct target {
	const struct kube_resource *res; /* borrowed from the discovery */
	char *ns;			 /* NULL when cluster-scoped */
	char *name;
};

struct cleanup {
	struct kube_client *client;
	struct kube_discovery disc;
	bool dry_run;
	struct target *t;
	size_t n;
	json_t *seen; /* uid -> true: one object served by two groups is deleted once */
	unsigned deleted, failed, unlisted, forbidden;
};

/* True for the one version of each group/resource that is listed: the preferred one,
 * else the first served. */
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
	c->t = xreallocarray(c->t, c->n + 1, sizeof(*c->t));
	c->t[c->n++] = (struct target){r, r->namespaced && ns ? xstrdup(ns) : NULL, xstrdup(name)};
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
				fprintf(stderr, "kaic cleanup: cannot list \"%s\": %s\n", path,
					err.message);
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
			fprintf(stderr, "kaic cleanup: cannot delete %s: %s\n", what, err.message);
			c->failed++;
			free(what);
			return;
		}
	}
	printf("%s %s\n", verb, what);
	c->deleted++;
	free(what);
}

/* Namespaced objects first, then the namespaces, then the other cluster-scoped ones. */
static void delete_all(struct cleanup *c)
{
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < c->n; i++) {
			const struct kube_resource *r = c->t[i].res;
			int p = r->namespaced ? 0 : is_namespace(r) ? 1 : 2;
			if (p == pass)
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
	collect(c, query);
	delete_all(c);
	free(query);
	json_decref(c->seen);
	for (size_t i = 0; i < c->n; i++) {
		free(c->t[i].ns);
		free(c->t[i].name);
	}
	free(c->t);
	kube_discovery_release(&c->disc);
	return report(c);
}

static int cleanup_exec(const struct cmd_entry *self, int argc, char **argv)
{
	enum { O_KUBECONFIG = 256, O_CONTEXT, O_IN_CLUSTER, O_RUN_ID, O_DRY_RUN };
	static const struct option opts[] = {
	    {"kubeconfig", required_argument, NULL, O_KUBECONFIG},
	    {"context", required_argument, NULL, O_CONTEXT},
	    {"in-cluster", no_argument, NULL, O_IN_CLUSTER},
	    {"run-id", required_argument, NULL, O_RUN_ID},
	    {"dry-run", no_argument, NULL, O_DRY_RUN},
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
    .usage = "cleanup [--run-id ID] [--dry-run] [flags]",
    .help = "Delete everything earlier runs left in the cluster.\n"
	    "\n"
	    "For leftovers of a run that could not clean up (a crash, kill -9). "
	    "Finds objects\n"
	    "of every resource type by the label " KAIC_LABEL_MANAGED_BY "=kaic\n"
	    "and deletes namespaced objects first, then namespaces, then cluster-scoped\n"
	    "objects, printing each one.\n"
	    "\n"
	    "  --run-id ID         only what the run ID left (label " KAIC_LABEL_RUN_ID ")\n"
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
