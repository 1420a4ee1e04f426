/* main.c: kaic-sim entry point: options, scenario, certificates, the HTTPS server, the
 * kubeconfig, then serving until SIGTERM or SIGINT. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"
#include "scenario/scenario.h"
#include "server/kubeconfig.h"
#include "server/openapi.h"
#include "server/server.h"
#include "server/tls.h"
#include "sim.h"
#include "util/log.h"
#include "util/xmalloc.h"

struct options {
	const char *scenario;
	const char *kubeconfig_out;
	const char *log_path;
	const char *tls_cert;
	const char *tls_key;
	const char *openapi;
	long port;
	bool seed_set;
	unsigned long seed;
	bool verbose;
};

static const char usage[] =
    "usage: kaic-sim --scenario DIR [--port N] [--kubeconfig-out FILE] [--seed N]\n"
    "                [--log FILE] [--tls-cert FILE --tls-key FILE] [--openapi DIR] [-v]\n"
    "\n"
    "Serves the Kubernetes API over HTTPS on 127.0.0.1 from the scenario in DIR.\n"
    "  --scenario DIR        manifests and scenario.yaml (see docs/scenarios.md)\n"
    "  --port N              port to listen on; 0 (default) picks a free one\n"
    "  --kubeconfig-out FILE write an admin kubeconfig there once ready\n"
    "  --seed N              seed for fault injection (overrides scenario.yaml)\n"
    "  --log FILE            access log: METHOD URL STATUS BYTES MS per request\n"
    "  --tls-cert, --tls-key serve this certificate instead of a generated one\n"
    "  --openapi DIR         serve /openapi/v3 from DIR (api/v1.json, apis/G/V.json)\n"
    "  -v, --verbose         debug messages on stderr\n"
    "  -h, --help            this text\n";

static int bad(const char *fmt, const char *arg)
{
	fputs("kaic-sim: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs(" (see --help)\n", stderr);
	return 2;
}

static bool number(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0' && *out <= max;
}

/* Returns 0 to go on, 1 after --help, 2 on bad flags (message printed). */
static int parse(int argc, char **argv, struct options *o)
{
	static const struct option longs[] = {{"scenario", required_argument, NULL, 's'},
					      {"port", required_argument, NULL, 'p'},
					      {"kubeconfig-out", required_argument, NULL, 'k'},
					      {"seed", required_argument, NULL, 'S'},
					      {"log", required_argument, NULL, 'l'},
					      {"tls-cert", required_argument, NULL, 'c'},
					      {"tls-key", required_argument, NULL, 'K'},
					      {"openapi", required_argument, NULL, 'o'},
					      {"verbose", no_argument, NULL, 'v'},
					      {"help", no_argument, NULL, 'h'},
					      {NULL, 0, NULL, 0}};
	unsigned long n;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hv", longs, NULL)) != -1) {
		switch (c) {
		case 's':
			o->scenario = optarg;
			break;
		case 'k':
			o->kubeconfig_out = optarg;
			break;
		case 'l':
			o->log_path = optarg;
			break;
		case 'c':
			o->tls_cert = optarg;
			break;
		case 'K':
			o->tls_key = optarg;
			break;
		case 'o':
			o->openapi = optarg;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		case 'p':
			if (!number(optarg, 65535, &n))
				return bad("invalid port \"%s\"", optarg);
			o->port = (long)n;
			break;
		case 'S':
			if (!number(optarg, ULONG_MAX, &n))
				return bad("invalid seed \"%s\"", optarg);
			o->seed = n;
			o->seed_set = true;
			break;
		case ':':
			return bad("option \"%s\" needs a value", argv[optind - 1]);
		default:
			return bad("unknown option \"%s\"", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad("unexpected argument \"%s\"", argv[optind]);
	if (!o->scenario)
		return bad("%s", "--scenario DIR is required");
	if ((o->tls_cert == NULL) != (o->tls_key == NULL))
		return bad("%s", "--tls-cert and --tls-key go together");
	return 0;
}

static int fail(char *cause)
{
	char *safe = log_redact(cause);

	fprintf(stderr, "kaic-sim: %s\n", safe);
	free(safe);
	free(cause);
	return 2;
}

/* Serves until SIGTERM or SIGINT (blocked in every thread, taken here). */
static void serve(const sigset_t *stop)
{
	int sig;

	while (sigwait(stop, &sig) != 0)
		;
	log_info("signal %d: stopping", sig);
}

static int run(const struct options *o, const sigset_t *stop)
{
	struct sim_settings s;
	struct sim_server_config cfg = {0};
	struct sim_openapi *oa = NULL;
	struct sim_server *srv = NULL;
	struct sim_api *api = NULL;
	struct sim_tls tls = {0};
	char *cause = NULL;
	int rc = 2;

	if (sim_scenario_settings(o->scenario, &s, &cause) < 0)
		return fail(cause);
	if (o->seed_set)
		s.seed = o->seed;
	for (size_t i = 0; i < s.ntokens; i++)
		log_add_secret(s.tokens[i].token);
	api = sim_api_new(&s);
	if (sim_scenario_load(api, o->scenario, &s, &cause) < 0 ||
	    !(oa = sim_openapi_load(o->openapi, &cause)) ||
	    sim_tls_init(&tls, o->tls_cert, o->tls_key, &cause) < 0)
		goto out;
	cfg = (struct sim_server_config){api, &s, &tls, oa, o->log_path, (int)o->port};
	if (!(srv = sim_server_start(&cfg, &cause)))
		goto out;
	if (o->kubeconfig_out &&
	    sim_kubeconfig_write(o->kubeconfig_out, &tls, sim_server_port(srv), &cause) < 0)
		goto out;
	printf("listening on https://127.0.0.1:%d\n", sim_server_port(srv));
	fflush(stdout);
	serve(stop);
	rc = 0;
out:
	sim_server_stop(srv);
	if (rc)
		fail(cause);
	sim_api_free(api);
	sim_openapi_free(oa);
	sim_tls_release(&tls);
	sim_settings_release(&s);
	return rc;
}

int main(int argc, char **argv)
{
	struct options o = {0};
	sigset_t stop;
	int rc = parse(argc, argv, &o);

	if (rc)
		return rc == 1 ? 0 : rc;
	log_set_level(o.verbose ? LOG_DEBUG : LOG_WARN);
	/* block the stop signals before any thread starts, so only sigwait takes them */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	return run(&o, &stop);
}
