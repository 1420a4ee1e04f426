/* run.c: `kaic run`: connects, runs the catalogue, writes the reports, exits with the
 * verdicts' status. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checks/checks.h"
#include "cmd/cmd.h"
#include "kube/inventory.h"
#include "catalog/cncf.h"
#include "report/product.h"
#include "report/report.h"
#include "run/runner.h"
#include "run/self_image.h"
#include "util/esc.h"
#include "util/log.h"
#include "util/xmalloc.h"
#include "util/clock.h"

/* The directories a run created for its reports, so that a run that writes none leaves
 * none behind. */
struct made_dirs {
	char **v; /* parents first */
	size_t n;
};

/* mkdir -p, recording in *made each directory it created. Returns 0, or -1 with
 * *cause. */
static int make_dirs(const char *dir, struct made_dirs *made, char **cause)
{
	char *p = xstrdup(dir);
	int rc = 0;
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0755) == 0) {
			made->v = xreallocarray(made->v, made->n + 1, sizeof(*made->v));
			made->v[made->n++] = xstrdup(p);
		} else if (errno != EEXIST) {
			*cause = xasprintf("cannot create \"%s\": %s", p, strerror(errno));
			rc = -1;
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	struct stat st;
	if (rc == 0 && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
		*cause = xasprintf("cannot use \"%s\": not a directory", dir);
		rc = -1;
	}
	free(p);
	return rc;
}

/* Removes the directories of made that are still empty, deepest first (rmdir never
 * removes one holding a report), and frees made. */
static void remove_empty_dirs(struct made_dirs *made)
{
	for (size_t i = made->n; i-- > 0;) {
		rmdir(made->v[i]);
		free(made->v[i]);
	}
	free(made->v);
	made->v = NULL;
	made->n = 0;
}

static bool want_color(const struct run_opts *o)
{
	const char *term = getenv("TERM");
	const char *nc = getenv("NO_COLOR");
	return !o->no_color && isatty(STDOUT_FILENO) && (nc == NULL || *nc == '\0') &&
	       (term == NULL || strcmp(term, "dumb") != 0);
}

/* The live view redraws every requirement in place: only when the terminal is tall
 * enough to hold them all (unknown height: assume it is). */
static bool tall_enough(size_t lines)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0)
		return true;
	return ws.ws_row > lines + 1;
}

/* Appends path to the NULL-terminated list *v. */
static void add_path(char ***v, const char *path)
{
	size_t n = 0;
	while (*v != NULL && (*v)[n] != NULL)
		n++;
	*v = xreallocarray(*v, n + 2, sizeof(**v));
	(*v)[n] = xstrdup(path);
	(*v)[n + 1] = NULL;
}

typedef int (*report_fn)(const struct run_result *r, const char *path, char **cause);

/* Writes one report into the output directory; 0, or -1 after printing why. */
static int write_one(struct run_result *res, const struct run_opts *o, const char *name,
		     report_fn fn)
{
	char *path = xasprintf("%s/%s", o->output_dir, name);
	char *cause = NULL;
	int rc = fn(res, path, &cause);
	if (rc == 0) {
		add_path(&res->reports, path);
	} else {
		fprintf(stderr, "kaic run: %s\n", cause);
	}
	free(cause);
	free(path);
	return rc;
}

/* PRODUCT.yaml, checked as `kaic product validate` checks it, then kaic-extras.yaml with
 * what the check found. */
static int write_cncf(struct run_result *res, const struct run_opts *o)
{
	int rc = write_one(res, o, "PRODUCT.yaml", report_product_write);
	if (rc == 0) {
		char *path = xasprintf("%s/PRODUCT.yaml", o->output_dir);
		res->product_problems = product_validate_file(path);
		res->product_checked = true;
		free(path);
	}
	return write_one(res, o, "kaic-extras.yaml", report_extras_write) | rc;
}

/* Writes every report into the output directory: checklist.md for the white paper,
 * PRODUCT.yaml and kaic-extras.yaml for the CNCF checklist. Returns 0, or -1 after
 * printing one line per report that could not be written. */
static int write_reports(struct run_result *res, const struct run_opts *o)
{
	int rc = 0;
	if (o->catalog != CATALOG_CNCF)
		rc |= write_one(res, o, "checklist.md", report_markdown_write);
	if (res->cncf != NULL) /* first: results.json tells what its validation found */
		rc |= write_cncf(res, o);
	rc |= write_one(res, o, "results.json", report_json_write);
	rc |= write_one(res, o, "junit.xml", report_junit_write);
	if (o->sonobuoy) {
		char *cause = NULL;
		if (report_sonobuoy_finish(res, o->output_dir, &cause) != 0) {
			fprintf(stderr, "kaic run: %s\n", cause);
			rc = -1;
		}
		free(cause);
	}
	return rc;
}

/* Fills what the reports need to know about the cluster and the client. */
static void describe_cluster(struct run_result *res, struct kube_client *c, struct inventory *inv)
{
	const struct kube_config *cfg = kube_client_config(c);
	res->server = xstrdup(cfg->server ? cfg->server : "");
	res->context = xstrdup(cfg->context_name ? cfg->context_name : "in-cluster");
	res->k8s_version = xstrdup(inventory_server_version(inv));
	kube_client_stats(c, &res->stats);
	/* the cleanup's deletes went out on their own connection: count them too */
	res->stats.requests += res->cleanup_stats.requests;
	res->stats.retries += res->cleanup_stats.retries;
	res->stats.bytes_in += res->cleanup_stats.bytes_in;
	res->stats.bytes_out += res->cleanup_stats.bytes_out;
	const struct kube_discovery *d = inventory_discovery(inv);
	res->discovery_requests = d->requests;
	res->aggregated_discovery = d->aggregated;
}

struct run_state {
	const struct run_opts *opts;
	char run_id[9];
	struct runner_signals sig;
	struct kube_client *client;
	struct inventory *inv;
	long long deadline_ms;
	const struct cncf_version *cncf; /* the CNCF checklist to decide, or NULL */
	json_t *metadata;		 /* --cncf-metadata's mapping, or NULL */
	char failure[700];	/* why the cluster could not be read, for the Sonobuoy result */
	const char *image_from; /* where opts->image came from, for the header */
};

/* Connects and reads /version and discovery. Returns 0, or the exit status. */
static int connect_cluster(struct run_state *st)
{
	const struct run_opts *o = st->opts;
	/* no client deadline: the signal thread cancels at the run deadline instead, so
	 * that the cleanup's deletes still go out afterwards */
	struct kube_client_opts kopts = {.cancel = &st->sig.client_cancel,
					 .max_response_bytes = (size_t)o->max_response_bytes,
					 .max_total_bytes = o->max_total_bytes};
	char *cause = NULL;
	st->client = cmd_client_open(o->kubeconfig, o->context, o->in_cluster, &kopts, &cause);
	if (st->client == NULL) {
		snprintf(st->failure, sizeof(st->failure), "%s", cause);
		cmd_usage_error("run", "%s", cause);
		free(cause);
		return KAIC_EXIT_USAGE;
	}
	struct kube_error err = {0};
	st->inv = inventory_new(st->client, &err);
	if (st->inv == NULL) {
		if (st->sig.count > 0)
			return KAIC_EXIT_INTERRUPTED;
		if (st->sig.timed_out)
			return cmd_usage_error("run",
					       "--run-timeout reached before the cluster at "
					       "\"%s\" answered",
					       kube_client_config(st->client)->server);
		snprintf(st->failure, sizeof(st->failure), "cannot read the cluster at \"%s\": %s",
			 kube_client_config(st->client)->server, err.message);
		cmd_usage_error("run", "%s", st->failure);
		return KAIC_EXIT_USAGE;
	}
	return KAIC_EXIT_OK;
}

/* The CNCF checklist of the run: --cncf-version, else the template's, else the nearest
 * at or below the cluster's version. Returns 0, or the exit status. */
static int choose_cncf(struct run_state *st)
{
	const struct run_opts *o = st->opts;
	if (o->catalog == CATALOG_WHITEPAPER)
		return KAIC_EXIT_OK;
	const struct cncf_version *tv = NULL;
	if (o->cncf_template != NULL) {
		char *text = NULL, *cause = NULL;
		if (product_template_load(o->cncf_template, &text, &tv, &cause) != 0) {
			cmd_usage_error("run", "--cncf-template: %s", cause);
			free(cause);
			return KAIC_EXIT_USAGE;
		}
		free(text);
	}
	const struct cncf_version *v = cncf_version_find(o->cncf_version);
	if (v != NULL && tv != NULL && v != tv)
		return cmd_usage_error("run",
				       "--cncf-template \"%s\" is the checklist %s, not "
				       "--cncf-version %s",
				       o->cncf_template, tv->name, v->name);
	if (v == NULL)
		v = tv;
	if (v == NULL)
		v = cncf_version_for_server(inventory_server_version(st->inv));
	if (v == NULL && o->catalog == CATALOG_CNCF) {
		char *ver = esc_text_dup(inventory_server_version(st->inv));
		cmd_usage_error("run",
				"the cluster runs Kubernetes %s, older than every CNCF checklist "
				"(%s): pass --cncf-version",
				ver, cncf_version_range());
		free(ver);
		return KAIC_EXIT_USAGE;
	}
	if (v == NULL)
		log_warn(
		    "the cluster's Kubernetes version is older than every CNCF checklist (%s): "
		    "only the white-paper checklist is decided (pass --cncf-version)",
		    cncf_version_range());
	st->cncf = v;
	if (v != NULL && o->cncf_metadata != NULL) {
		char *cause = NULL;
		if (product_metadata_load(o->cncf_metadata, v, o, &st->metadata, &cause) != 0) {
			cmd_usage_error("run", "--cncf-metadata: %s", cause);
			free(cause);
			return KAIC_EXIT_USAGE;
		}
	}
	return KAIC_EXIT_OK;
}

/* The requirements shown while the run goes (runner_plan's). */
static const struct requirement **plan_of(const struct run_state *st, size_t *n)
{
	struct runner_cfg cfg = {.opts = st->opts, .find = checks_find, .cncf = st->cncf};
	return runner_plan(&cfg, n);
}

/* Before anything runs: names the disruptive tests of the plan (white-paper and CNCF
 * checks) this run will run (--disruptive), or says that they will not. */
static void warn_disruptive(const struct run_opts *o, const struct requirement **plan, size_t n)
{
	if (o->passive)
		return;
	for (size_t i = 0; i < n; i++) {
		const char *id = plan[i]->id;
		const struct check *c = checks_find(id);
		if (c == NULL || c->disruption == NULL || run_opts_excluded(o, id) != NULL)
			continue;
		if (o->disruptive)
			fprintf(stderr, "kaic run: warning: --disruptive: %s %s\n", id,
				c->disruption);
		else
			log_info("%s's disruptive test does not run without --disruptive", id);
	}
	fflush(stderr);
}

static int run_checks(struct run_state *st)
{
	const struct run_opts *o = st->opts;
	struct run_result res = {.opts = o};
	res.run_id = xstrdup(st->run_id);
	clock_gettime(CLOCK_REALTIME, &res.started);
	bool color = want_color(o);
	char *version = esc_text_dup(inventory_server_version(st->inv)); /* the cluster's */
	char checklists[64];
	if (st->cncf == NULL)
		snprintf(checklists, sizeof(checklists), "checklist %s", catalog_spec_version());
	else if (o->catalog == CATALOG_CNCF)
		snprintf(checklists, sizeof(checklists), "CNCF %s", st->cncf->name);
	else
		snprintf(checklists, sizeof(checklists), "checklist %s, CNCF %s",
			 catalog_spec_version(), st->cncf->name);
	printf("kaic %s (%s): %s (Kubernetes %s), run %s, %s mode\n", KAIC_VERSION, checklists,
	       kube_client_config(st->client)->server, version, st->run_id,
	       o->passive ? "passive" : "active");
	free(version);
	if (!o->passive) { /* the image may come from the cluster (own_image): escaped */
		char *image = esc_text_dup(o->image);
		printf("test pods run %s (%s)\n", image, st->image_from);
		free(image);
	}
	fflush(stdout);
	size_t nplan;
	const struct requirement **plan = plan_of(st, &nplan);
	warn_disruptive(o, plan, nplan);
	struct report_term *term =
	    report_term_new_plan(stdout, color, color && tall_enough(nplan), plan, nplan);
	free(plan);
	res.cncf_template = o->cncf_template;
	res.cncf_metadata = st->metadata;
	struct runner_progress progress = report_term_progress(term);
	struct runner_cfg cfg = {
	    .opts = o,
	    .client = st->client,
	    .inv = st->inv,
	    .run_id = st->run_id,
	    .progress = &progress,
	    .find = checks_find,
	    .sig = &st->sig,
	    .deadline_ms = st->deadline_ms,
	    .cncf = st->cncf,
	};
	runner_execute(&cfg, &res);
	clock_gettime(CLOCK_REALTIME, &res.finished);
	describe_cluster(&res, st->client, st->inv);
	int wrc = write_reports(&res, o);
	report_term_summary(term, &res);
	report_term_free(term);
	int rc = run_result_exit_code(&res, o->strict);
	run_result_release(&res);
	return wrc != 0 && rc != KAIC_EXIT_INTERRUPTED ? KAIC_EXIT_USAGE : rc;
}

/* As a Sonobuoy plugin, a run that could not start still reports: every requirement
 * Error with the cause, then the done file, so the worker does not wait for its timeout. */
static void report_failed_start(struct run_state *st)
{
	const struct run_opts *o = st->opts;
	struct run_result res = {.opts = o};
	res.run_id = xstrdup(st->run_id);
	res.server = xstrdup("");
	res.k8s_version = xstrdup("unknown");
	res.context = xstrdup("");
	clock_gettime(CLOCK_REALTIME, &res.started);
	res.finished = res.started;
	res.n = catalog_count();
	res.items = xcalloc(res.n, sizeof(*res.items));
	for (size_t i = 0; i < res.n; i++) {
		res.items[i].req = &catalog_all()[i];
		check_result_init(&res.items[i].res);
		check_evidence(&res.items[i].res, "kaic could not start: %s", st->failure);
		check_verdict(&res.items[i].res, VERDICT_ERROR,
			      "fix the cluster access named in the evidence and run again");
	}
	write_reports(&res, o);
	run_result_release(&res);
}

/* In a cluster without --image, the test pods run kaic's own image. Returns the image
 * found (caller frees) or NULL, saying either way. */
static char *own_image(struct run_state *st)
{
	const struct run_opts *o = st->opts;
	if (o->image_given || o->passive)
		return NULL;
	char *why = NULL;
	char *image = run_self_image(st->client, &why);
	if (image != NULL)
		st->image_from = "this pod's image; --image overrides it";
	else if (why != NULL)
		log_warn("test pods run %s: cannot tell this pod's image (%s)", o->image, why);
	free(why);
	return image;
}

static int run_main(const struct run_opts *o)
{
	struct run_state st = {.opts = o, .image_from = o->image_given ? "--image" : "the default"};
	struct made_dirs made = {0};
	char *cause = NULL;
	if (runner_new_run_id(st.run_id, &cause) != 0 ||
	    make_dirs(o->output_dir, &made, &cause) != 0) {
		cmd_usage_error("run", "%s", cause);
		free(cause);
		remove_empty_dirs(&made);
		return KAIC_EXIT_USAGE;
	}
	if (o->run_timeout_s > 0)
		st.deadline_ms = now_ms() + o->run_timeout_s * 1000;
	if (runner_signals_start(&st.sig, st.run_id, st.deadline_ms) != 0)
		log_warn("cannot watch for signals: Ctrl-C will not clean up");
	log_info("run %s, reports in \"%s\"", st.run_id, o->output_dir);
	int rc = connect_cluster(&st);
	struct run_opts own = *o;
	char *image = rc == 0 ? own_image(&st) : NULL;
	if (image != NULL) {
		own.image = image;
		st.opts = &own;
	}
	if (rc == 0)
		rc = choose_cncf(&st);
	if (rc == 0)
		rc = run_checks(&st);
	else if (rc == KAIC_EXIT_USAGE && o->sonobuoy && st.failure[0] != '\0')
		report_failed_start(&st);
	inventory_free(st.inv);
	kube_client_free(st.client);
	json_decref(st.metadata);
	runner_signals_stop(&st.sig);
	remove_empty_dirs(&made); /* only those of a run that wrote no report */
	free(image);
	return rc;
}

static int run_exec(const struct cmd_entry *self, int argc, char **argv)
{
	struct run_opts opts;
	char *cause = NULL;
	if (run_opts_parse(&opts, argc, argv, &cause) != 0) {
		cmd_usage_error(self->name, "%s", cause);
		free(cause);
		return KAIC_EXIT_USAGE;
	}
	cmd_set_verbosity(opts.verbose);
	int rc = run_main(&opts);
	run_opts_release(&opts);
	return rc;
}

const struct cmd_entry cmd_run_entry = {
    .name = "run",
    .usage = "run [flags]",
    .help = "Run the conformance checks against the cluster and write the reports.\n"
	    "\n"
	    "Cluster:\n"
	    "  --kubeconfig FILE       kubeconfig to use (default: $KUBECONFIG, ~/.kube/config)\n"
	    "  --context NAME          kubeconfig context (default: the current context)\n"
	    "  --in-cluster            use the pod's service account (automatic in a pod\n"
	    "                          when no kubeconfig exists)\n"
	    "What to run:\n"
	    "  --passive               read only: create nothing in the cluster (requirements\n"
	    "                          whose Full needs an active test top out at Partial)\n"
	    "  --focus ID,...          run only these requirements (\"kaic list\" shows the IDs)\n"
	    "  --skip ID,...           leave these requirements out (reported Skipped)\n"
	    "  --strict                SHOULD requirements that are not Full fail the run too\n"
	    "  --catalog C             whitepaper, cncf or both (default both): the checklists\n"
	    "                          decided (the white paper's 18 requirements, the CNCF\n"
	    "                          AI Conformance checklist)\n"
	    "  --cncf-version V        the CNCF checklist, 1.33..1.37 (default: the nearest at\n"
	    "                          or below the cluster's Kubernetes version)\n"
	    "  --cncf-template FILE    the official AIConformance-V.yaml to fill in as\n"
	    "                          PRODUCT.yaml (its text kept exactly; V is its version)\n"
	    "  --cncf-metadata FILE    PRODUCT.yaml's metadata only the vendor knows (YAML:\n"
	    "                          websiteUrl, repoUrl, contactEmailAddress, ...)\n"
	    "  --timeout DURATION      deadline per test: 30s, 5m, 1h or seconds (default 5m)\n"
	    "  --run-timeout DURATION  deadline for the whole run (default none)\n"
	    "  --parallel N            requirements checked at once, 1-64 (default 4)\n"
	    "  --max-response-bytes N  largest API answer read: 64Mi, 1Gi or bytes (default\n"
	    "                          64Mi); a larger one is an Error naming the request\n"
	    "  --max-total-bytes N     most bytes read from the API server in all, which\n"
	    "                          bounds the memory a run holds (default 512Mi); past\n"
	    "                          it, requests fail and what they decide is Error\n"
	    "Reports:\n"
	    "  --output-dir DIR        where reports go (default ./kaic-results, created)\n"
	    "  --vendor NAME           vendor, for checklist.md and PRODUCT.yaml\n"
	    "  --product NAME          product name\n"
	    "  --product-version V     product version\n"
	    "  --sonobuoy              run as a Sonobuoy plugin (also when\n"
	    "                          $SONOBUOY_RESULTS_DIR is set): reports go there\n"
	    "  --no-color              plain progress lines, no colours\n"
	    "  -v, --verbose           more diagnostics on stderr (twice: debug); secrets are\n"
	    "                          never printed\n"
	    "Active tests:\n"
	    "  --image REF             image of the test pods (default: in a pod, its own;\n"
	    "                          else " KAIC_DEFAULT_IMAGE ")\n"
	    "  --requests N            requests of the NET-3.1 traffic test (default 400)\n"
	    "  --metrics-endpoint EP   accelerator metrics for HW-1.2, as\n"
	    "                          NAMESPACE/SERVICE:PORT[/PATH] or an API proxy path\n"
	    "  --prometheus-url URL    monitoring query API for OBS-6.1\n"
	    "  --pod-label NAME        series label naming the scraped pod for OBS-6.1 (besides\n"
	    "                          pod, exported_pod, kubernetes_pod_name, pod_name, ...)\n"
	    "  --trace-query-url URL   trace query API (Jaeger or Tempo /api/traces/ID) that\n"
	    "                          OBS-6.2 reads its trace back from: a URL or an API\n"
	    "                          proxy path (default: a Jaeger query or Tempo Service)\n"
	    "  --secondary-nic IFACE   NET-3.2 attaches a macvlan NetworkAttachmentDefinition\n"
	    "                          on this host interface (default: an existing NAD)\n"
	    "  --disruptive            also run the tests that disturb nodes (HW-1.3 fakes an\n"
	    "                          accelerator fault on one node, which the platform\n"
	    "                          cordons and drains; kaic restores it;\n"
	    "                          cluster_autoscaling makes the autoscaler add a node\n"
	    "                          and waits for its removal); named in a warning\n"
	    "                          before the run starts\n"
	    "  --signed-image REF      SEC-5.5: an image the signature policy must admit\n"
	    "  --unsigned-image REF    SEC-5.5: an image it must reject (both: server-side\n"
	    "                          dry-run pod creations, nothing runs)\n"
	    "  --gds-image REF         STO-4.2 (opt-in): an image with NVIDIA's gdscheck, run\n"
	    "                          as `gdscheck -p` in a pod holding an accelerator\n"
	    "\n"
	    "Reports: checklist.md (white paper), results.json, junit.xml, PRODUCT.yaml and\n"
	    "kaic-extras.yaml (CNCF) in the output directory. Exit status, over both\n"
	    "checklists: 0 every white-paper MUST Full and every CNCF MUST Implemented (or N/A\n"
	    "where allowed); 1 a MUST Partial or No (any requirement with --strict); 2 usage or\n"
	    "configuration error; 3 no MUST failed, but one was not decided (Error, no check,\n"
	    "or Skipped by --focus/--skip) or a SHOULD is Error; 130 interrupted (after\n"
	    "cleanup). docs/running.md explains them.\n",
    .exec = run_exec,
    .flags = CMD_CLUSTER,
};
