/* probe.c: `kaic probe NAME ...`: the in-pod workloads of the active tests. */
#include "cmd/cmd.h"
#include "probe/probe.h"

static int probe_exec(const struct cmd_entry *self, int argc, char **argv)
{
	(void)self;
	return probe_main(argc, argv);
}

const struct cmd_entry cmd_probe_entry = {
    .name = "probe",
    .usage = "probe NAME [flags]",
    .help = "Run one of the in-pod workloads of the active tests (inside test pods).\n"
	    "\n"
	    "Each probe prints a JSON result on stdout and writes it to the termination\n"
	    "message file (/dev/termination-log, or $KAIC_TERMINATION_LOG).\n"
	    "\n"
	    "Probes: echo (HTTP server answering its pod name), http-load (requests to a URL,\n"
	    "counted by backend), connect (TCP connect test), metrics (inference-style\n"
	    "Prometheus metrics), fs (writes or verifies a file), sandbox (kernel and\n"
	    "runtime seen from inside), trace (an OTLP trace). \"kaic probe NAME --help\"\n"
	    "shows the flags of one probe.\n",
    .exec = probe_exec,
    .flags = CMD_PASSTHROUGH,
};
