/* probe.c: `kaic probe NAME ...`: the table of in-pod probes and the dispatch to them. */
#include "probe/probe.h"

#include <stdio.h>
#include <string.h>

#include "probe/common.h"

static const struct probe_desc probe_table[] = {
    {"echo", "[--port 8080] [--name NAME] [--bind ADDR]",
     "HTTP server answering every request with its pod name (JSON)", probe_echo_run},
    {"http-load",
     "--url URL [--requests 100] [--header NAME:VALUE]... [--timeout 5s] [--concurrency 4]",
     "sends N GET requests and prints a histogram of the answering backends", probe_http_load_run},
    {"connect", "--host HOST --port PORT [--timeout 3s] [--expect open|closed] [--within DURATION]",
     "a TCP connection attempt, repeated until --expect holds for at most --within; exit "
     "status follows --expect",
     probe_connect_run},
    {"metrics", "[--port 9090] [--model NAME] [--bind ADDR]",
     "serves inference-server metrics (vLLM style) on /metrics", probe_metrics_run},
    {"fs", "--write PATH --content TEXT | --verify PATH --content TEXT",
     "writes a file with fsync, or verifies its content", probe_fs_run},
    {"sandbox", "[--root DIR]",
     "reports the kernel and sandbox/confidential-guest signals the pod sees", probe_sandbox_run},
    {"devices", "[--hold SECONDS] [--root DIR]",
     "reports the accelerators the pod sees (device files, GPU UUIDs, visible-devices env)",
     probe_devices_run},
    {"trace", "--endpoint URL [--service NAME] [--header NAME:VALUE]... [--timeout 5s]",
     "sends one OTLP/HTTP trace: plan -> act -> tool_call -> inference", probe_trace_run},
    {"netif", "[--root DIR]",
     "lists the network interfaces (addresses, MTU, state) and RDMA devices the pod sees",
     probe_netif_run},
    {"mcp", "[--port 8080] [--path /] [--tools 1] [--page-size 0] [--bind ADDR]",
     "MCP tool server (streamable HTTP): tools kaic-tool-1..N that echo their text", probe_mcp_run},
    {"job", "[--fail-if NAME=VALUE]...",
     "one member of a batch Job: exits 1 when every --fail-if env condition holds", probe_job_run},
    {"svid", "--socket PATH [--timeout 5s]",
     "fetches the pod's X.509 SVID from the SPIFFE Workload API and reads it", probe_svid_run},
};

#define PROBE_COUNT (sizeof probe_table / sizeof *probe_table)

const struct probe_desc *probe_find(const char *name)
{
	for (size_t i = 0; i < PROBE_COUNT; i++)
		if (strcmp(probe_table[i].name, name) == 0)
			return &probe_table[i];
	return NULL;
}

static void probe_print_list(FILE *out)
{
	fputs("usage: kaic probe NAME [flags]\n\nIn-pod workloads of the active tests. Each "
	      "prints one JSON document on stdout\nand writes it to the termination message "
	      "($KAIC_TERMINATION_LOG or\n/dev/termination-log). Exit status: 0 success, 1 "
	      "probe failed, 2 usage error.\n\nProbes:\n",
	      out);
	for (size_t i = 0; i < PROBE_COUNT; i++)
		fprintf(out, "  %-10s %s\n", probe_table[i].name, probe_table[i].summary);
	fputs("\nRun `kaic probe NAME --help` for a probe's flags.\n", out);
}

static bool probe_is_help(const char *a)
{
	return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 || strcmp(a, "help") == 0;
}

int probe_main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("kaic probe: missing probe name (see `kaic probe --help`)\n", stderr);
		return PROBE_EXIT_USAGE;
	}
	if (probe_is_help(argv[1])) {
		probe_print_list(stdout);
		return PROBE_EXIT_OK;
	}
	const struct probe_desc *d = probe_find(argv[1]);
	if (d == NULL) {
		fprintf(stderr, "kaic probe: unknown probe \"%s\" (see `kaic probe --help`)\n",
			argv[1]);
		return PROBE_EXIT_USAGE;
	}
	if (argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
		printf("usage: kaic probe %s %s\n\n%s\n", d->name, d->usage, d->summary);
		return PROBE_EXIT_OK;
	}
	return d->run(argc - 1, argv + 1);
}
