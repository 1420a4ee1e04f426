/* main.c: kaic-agentd, the reference AgentTool controller and tool registry
 * (docs/agenttool.md): options, start-up, the resync timer, and shutdown on SIGTERM
 * (stop reconciling, release the Lease, exit 0). */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "informer.h"
#include "lease.h"
#include "reconcile.h"
#include "server.h"
#include "util/clock.h"
#include "util/exit.h"
#include "util/log.h"
#include "util/opt.h"
#include "util/xmalloc.h"

#define MAX_NS 64
#define MAX_RESOLVE 16

struct opts {
	const char *kubeconfig, *context;
	bool in_cluster;
	const char *ns[MAX_NS + 1];
	int nns;
	const char *resolve[MAX_RESOLVE + 1];
	int nresolve;
	long resync_ms, probe_interval_ms, probe_timeout_ms;
	long long max_bytes;
	int workers;
	const char *bind;
	int registry_port, metrics_port;
	bool leader_elect;
	const char *lease_ns, *lease_name, *id;
	long lease_ms, renew_ms, retry_ms;
	const char *sa;
	char id_buf[300], sa_ns[64], sa_name[256];
};

static void usage(FILE *f)
{
	fputs("usage: kaic-agentd [options]\n"
	      "Reconciles AgentTools (agents.kaic.io/v1alpha1) and serves the tool registry.\n"
	      "  --kubeconfig PATH, --context NAME, --in-cluster   the cluster\n"
	      "  --namespace NS            watch NS only (repeatable; default: all)\n"
	      "  --resync DUR              queue every tool again this often (10m)\n"
	      "  --probe-interval DUR      probe Ready tools again this often, +-10% (60s)\n"
	      "  --probe-timeout-max DUR   cap on a tool's timeoutSeconds (30s)\n"
	      "  --max-answer-bytes N      the largest answer read from a tool (1048576)\n"
	      "  --workers N               concurrent reconciles (16)\n"
	      "  --bind-address ADDR       listen address (0.0.0.0)\n"
	      "  --registry-port N         GET /v1/tools (8080)\n"
	      "  --metrics-port N          /healthz, /readyz, /metrics (8081)\n"
	      "  --leader-elect            elect a leader on a Lease (two replicas are safe)\n"
	      "  --lease-namespace NS, --lease-name NAME (kaic-agentd), --id ID\n"
	      "  --lease-duration DUR (15s), --renew-deadline DUR (10s), --retry-period DUR (2s)\n"
	      "  --token-service-account NS/NAME   whose tokens ServiceAccountToken tools get\n"
	      "                            (default: $POD_NAMESPACE/$SERVICE_ACCOUNT_NAME)\n"
	      "  --resolve HOST:PORT:ADDR  connect HOST:PORT to ADDR (tests; repeatable)\n"
	      "  -v, --verbose, -q, --quiet, --version, -h, --help\n",
	      f);
}

/* "500ms", "10s", "5m", "1h" or plain seconds -> ms; -1 when invalid. */
static long duration_ms(const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || v < 0 || v > 1e7)
		return -1;
	double mult = 1000;
	if (!strcmp(end, "ms"))
		mult = 1;
	else if (!strcmp(end, "m"))
		mult = 60000;
	else if (!strcmp(end, "h"))
		mult = 3600000;
	else if (*end && strcmp(end, "s") != 0)
		return -1;
	return (long)(v * mult);
}

static long number(const char *s, long lo, long hi)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	return errno || end == s || *end || v < lo || v > hi ? -1 : v;
}

enum {
	O_KUBECONFIG = 256,
	O_CONTEXT,
	O_IN_CLUSTER,
	O_NAMESPACE,
	O_RESYNC,
	O_PROBE_INTERVAL,
	O_PROBE_TIMEOUT,
	O_MAX_BYTES,
	O_WORKERS,
	O_BIND,
	O_REGISTRY_PORT,
	O_METRICS_PORT,
	O_LEADER,
	O_LEASE_NS,
	O_LEASE_NAME,
	O_ID,
	O_LEASE_DUR,
	O_RENEW,
	O_RETRY,
	O_SA,
	O_RESOLVE,
	O_VERSION,
};

static const struct option longopts[] = {
    {"kubeconfig", required_argument, NULL, O_KUBECONFIG},
    {"context", required_argument, NULL, O_CONTEXT},
    {"in-cluster", no_argument, NULL, O_IN_CLUSTER},
    {"namespace", required_argument, NULL, O_NAMESPACE},
    {"resync", required_argument, NULL, O_RESYNC},
    {"probe-interval", required_argument, NULL, O_PROBE_INTERVAL},
    {"probe-timeout-max", required_argument, NULL, O_PROBE_TIMEOUT},
    {"max-answer-bytes", required_argument, NULL, O_MAX_BYTES},
    {"workers", required_argument, NULL, O_WORKERS},
    {"bind-address", required_argument, NULL, O_BIND},
    {"registry-port", required_argument, NULL, O_REGISTRY_PORT},
    {"metrics-port", required_argument, NULL, O_METRICS_PORT},
    {"leader-elect", no_argument, NULL, O_LEADER},
    {"lease-namespace", required_argument, NULL, O_LEASE_NS},
    {"lease-name", required_argument, NULL, O_LEASE_NAME},
    {"id", required_argument, NULL, O_ID},
    {"lease-duration", required_argument, NULL, O_LEASE_DUR},
    {"renew-deadline", required_argument, NULL, O_RENEW},
    {"retry-period", required_argument, NULL, O_RETRY},
    {"token-service-account", required_argument, NULL, O_SA},
    {"resolve", required_argument, NULL, O_RESOLVE},
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, 'q'},
    {"version", no_argument, NULL, O_VERSION},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int bad(const char *opt, const char *val)
{
	fprintf(stderr, "kaic-agentd: invalid value \"%s\" for --%s\n", val, opt);
	return KAIC_EXIT_USAGE;
}

static int set_duration(long *dst, const char *name, const char *v)
{
	*dst = duration_ms(v);
	return *dst <= 0 ? bad(name, v) : 0;
}

static int set_number(int *dst, const char *name, const char *v, long lo, long hi)
{
	long n = number(v, lo, hi);
	*dst = (int)n;
	return n < 0 ? bad(name, v) : 0;
}

static int option(struct opts *o, int c, const char *v)
{
	switch (c) {
	case O_KUBECONFIG:
		o->kubeconfig = v;
		return 0;
	case O_CONTEXT:
		o->context = v;
		return 0;
	case O_IN_CLUSTER:
		o->in_cluster = true;
		return 0;
	case O_NAMESPACE:
		if (o->nns >= MAX_NS || !*v)
			return bad("namespace", v);
		o->ns[o->nns++] = v;
		return 0;
	case O_RESOLVE:
		if (o->nresolve >= MAX_RESOLVE || !strchr(v, ':'))
			return bad("resolve", v);
		o->resolve[o->nresolve++] = v;
		return 0;
	case O_RESYNC:
		return set_duration(&o->resync_ms, "resync", v);
	case O_PROBE_INTERVAL:
		return set_duration(&o->probe_interval_ms, "probe-interval", v);
	case O_PROBE_TIMEOUT:
		return set_duration(&o->probe_timeout_ms, "probe-timeout-max", v);
	case O_MAX_BYTES: {
		long n = number(v, 1024, 1L << 30);
		o->max_bytes = n;
		return n < 0 ? bad("max-answer-bytes", v) : 0;
	}
	case O_WORKERS:
		return set_number(&o->workers, "workers", v, 1, 256);
	case O_BIND:
		o->bind = v;
		return 0;
	case O_REGISTRY_PORT:
		return set_number(&o->registry_port, "registry-port", v, 0, 65535);
	case O_METRICS_PORT:
		return set_number(&o->metrics_port, "metrics-port", v, 0, 65535);
	case O_LEADER:
		o->leader_elect = true;
		return 0;
	case O_LEASE_NS:
		o->lease_ns = v;
		return 0;
	case O_LEASE_NAME:
		o->lease_name = v;
		return 0;
	case O_ID:
		o->id = v;
		return 0;
	case O_LEASE_DUR:
		return set_duration(&o->lease_ms, "lease-duration", v);
	case O_RENEW:
		return set_duration(&o->renew_ms, "renew-deadline", v);
	case O_RETRY:
		return set_duration(&o->retry_ms, "retry-period", v);
	case O_SA:
		o->sa = v;
		return 0;
	case 'v':
		log_set_level(LOG_DEBUG);
		return 0;
	case 'q':
		log_set_level(LOG_WARN);
		return 0;
	default:
		return KAIC_EXIT_USAGE;
	}
}

static void defaults(struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->resync_ms = 600000;
	o->probe_interval_ms = 60000;
	o->probe_timeout_ms = 30000;
	o->max_bytes = 1 << 20;
	o->workers = 16;
	o->registry_port = 8080;
	o->metrics_port = 8081;
	o->lease_name = "kaic-agentd";
	o->lease_ms = 15000;
	o->renew_ms = 10000;
	o->retry_ms = 2000;
}

static int finish(struct opts *o)
{
	const char *pod_ns = getenv("POD_NAMESPACE");
	if (!o->lease_ns)
		o->lease_ns = pod_ns && *pod_ns ? pod_ns : "kaic-system";
	if (!o->id) {
		char host[256] = "kaic-agentd";
		gethostname(host, sizeof(host) - 1);
		snprintf(o->id_buf, sizeof(o->id_buf), "%s_%ld", host, (long)getpid());
		o->id = o->id_buf;
	}
	if (o->renew_ms >= o->lease_ms || o->retry_ms >= o->renew_ms) {
		fprintf(stderr, "kaic-agentd: need --retry-period < --renew-deadline < "
				"--lease-duration\n");
		return KAIC_EXIT_USAGE;
	}
	const char *sa = o->sa;
	const char *env_sa = getenv("SERVICE_ACCOUNT_NAME");
	if (sa) {
		const char *slash = strchr(sa, '/');
		if (!slash || slash == sa || !slash[1] || (size_t)(slash - sa) >= sizeof(o->sa_ns))
			return bad("token-service-account", sa);
		snprintf(o->sa_ns, sizeof(o->sa_ns), "%.*s", (int)(slash - sa), sa);
		snprintf(o->sa_name, sizeof(o->sa_name), "%s", slash + 1);
	} else if (pod_ns && *pod_ns && env_sa && *env_sa) {
		snprintf(o->sa_ns, sizeof(o->sa_ns), "%s", pod_ns);
		snprintf(o->sa_name, sizeof(o->sa_name), "%s", env_sa);
	}
	return 0;
}

static int parse(struct opts *o, int argc, char **argv)
{
	defaults(o);
	opterr = 0;
	for (;;) {
		const char *cur = optind < argc ? argv[optind] : "";
		int c = getopt_long(argc, argv, "+:vqh", longopts, NULL);
		if (c == -1)
			break;
		if (c == 'h') {
			usage(stdout);
			exit(KAIC_EXIT_OK);
		}
		if (c == O_VERSION) {
			printf("kaic-agentd %s\n", KAIC_VERSION);
			exit(KAIC_EXIT_OK);
		}
		if (c == '?' || c == ':') {
			char *m = opt_message(c, cur, optopt);
			fprintf(stderr, "kaic-agentd: %s (see --help)\n", m);
			free(m);
			return KAIC_EXIT_USAGE;
		}
		int rc = option(o, c, optarg);
		if (rc)
			return rc;
	}
	if (optind < argc) {
		fprintf(stderr, "kaic-agentd: unexpected argument \"%s\"\n", argv[optind]);
		return KAIC_EXIT_USAGE;
	}
	return finish(o);
}

static struct kube_client *client(const struct opts *o, atomic_int *cancel)
{
	struct kube_config cfg = {0};
	char *cause = NULL;
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	bool in = o->in_cluster || (!o->kubeconfig && !getenv("KUBECONFIG") && host && *host);
	int rc = in ? kube_config_in_cluster(&cfg, NULL, &cause)
		    : kube_config_load(&cfg, o->kubeconfig, o->context, &cause);
	struct kube_client *c = NULL;
	if (rc == 0) {
		struct kube_client_opts ko = {.user_agent = "kaic-agentd/" KAIC_VERSION,
					      .cancel = cancel,
					      .request_timeout_ms = 30000};
		c = kube_client_new(&cfg, &ko, &cause);
	}
	kube_config_release(&cfg);
	if (!c) {
		log_error("%s", cause ? cause : "no cluster configuration");
		free(cause);
	}
	return c;
}

struct runtime {
	struct ctl ctl;
	struct informer inf[3 * MAX_NS];
	int ninf;
	struct workers workers;
	struct server server;
	struct lease lease;
	struct kube_client *kc, *lease_kc;
	atomic_int stop;
};

static void start_informers(struct runtime *r, const struct opts *o)
{
	int nns = o->nns ? o->nns : 1;
	for (int i = 0; i < nns; i++) {
		const char *ns = o->nns ? o->ns[i] : NULL;
		for (int k = INF_TOOLS; k <= INF_SLICES; k++)
			informer_start(&r->inf[r->ninf++], &r->ctl, (enum informer_kind)k, ns);
	}
}

/* Waits for SIGTERM/SIGINT (or a lost lease), queueing every tool each resync. */
static int wait_loop(struct runtime *r, const struct opts *o, const sigset_t *set)
{
	long long next_resync = now_ms() + o->resync_ms;
	for (;;) {
		struct timespec ts = {0, 200 * 1000 * 1000};
		int sig = sigtimedwait(set, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT) {
			log_info("signal %d: shutting down", sig);
			return KAIC_EXIT_OK;
		}
		if (o->leader_elect && atomic_load(&r->lease.lost))
			return KAIC_EXIT_NOT_CONFORMANT;
		if (now_ms() >= next_resync) {
			informer_resync(&r->ctl);
			next_resync = now_ms() + o->resync_ms;
		}
	}
}

static void shutdown_all(struct runtime *r, const struct opts *o)
{
	atomic_store(&r->ctl.cancel, 1);
	atomic_store(&r->stop, 1);
	queue_shutdown(&r->ctl.queue);
	workers_join(&r->workers);
	if (o->leader_elect)
		lease_stop(&r->lease);
	for (int i = 0; i < r->ninf; i++)
		informer_join(&r->inf[i]);
	server_stop(&r->server);
}

static int run(const struct opts *o, const sigset_t *set)
{
	struct runtime *r = xcalloc(1, sizeof(*r));
	struct ctl_opts co = {.namespaces = o->nns ? (const char **)o->ns : NULL,
			      .resync_ms = o->resync_ms,
			      .probe_interval_ms = o->probe_interval_ms,
			      .probe_timeout_max_ms = o->probe_timeout_ms,
			      .max_answer_bytes = (size_t)o->max_bytes,
			      .workers = o->workers,
			      .resolve = o->nresolve ? o->resolve : NULL};
	int rc = KAIC_EXIT_USAGE;
	r->kc = client(o, &r->ctl.cancel);
	r->lease_kc = r->kc ? client(o, NULL) : NULL;
	if (!r->lease_kc)
		goto out;
	ctl_init(&r->ctl, &co, r->kc, o->sa_ns[0] ? o->sa_ns : NULL,
		 o->sa_name[0] ? o->sa_name : NULL);
	r->ctl.informers = 3 * (o->nns ? o->nns : 1);
	char err[256];
	if (server_start(&r->server, &r->ctl, o->bind, o->registry_port, o->metrics_port, err,
			 sizeof(err)) != 0) {
		log_error("%s", err);
		ctl_release(&r->ctl);
		goto out;
	}
	start_informers(r, o);
	workers_start(&r->workers, &r->ctl);
	if (o->leader_elect) {
		r->lease = (struct lease){.kc = r->lease_kc,
					  .ns = o->lease_ns,
					  .name = o->lease_name,
					  .id = o->id,
					  .duration_ms = o->lease_ms,
					  .renew_deadline_ms = o->renew_ms,
					  .retry_ms = o->retry_ms,
					  .leading = &r->ctl.leading,
					  .stop = &r->stop};
		lease_start(&r->lease);
	} else {
		atomic_store(&r->ctl.leading, 1);
	}
	int rport, mport;
	server_ports(&r->server, &rport, &mport);
	log_info("kaic-agentd %s: registry on port %d, metrics on port %d%s", KAIC_VERSION, rport,
		 mport, o->leader_elect ? ", electing a leader" : "");
	rc = wait_loop(r, o, set);
	shutdown_all(r, o);
	ctl_release(&r->ctl);
out:
	if (r->kc)
		kube_client_free(r->kc);
	if (r->lease_kc)
		kube_client_free(r->lease_kc);
	free(r);
	return rc;
}

int main(int argc, char **argv)
{
	log_set_level(LOG_INFO);
	struct opts o;
	int rc = parse(&o, argc, argv);
	if (rc)
		return rc;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	srandom((unsigned)(now_ms() ^ getpid()));
	rc = run(&o, &set);
	curl_global_cleanup();
	return rc;
}
