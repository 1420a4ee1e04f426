/* probe.h: `kaic probe NAME ...`, the in-pod workloads of the active tests (echo,
 * http-load, connect, metrics, fs, ...). Each prints JSON on stdout and writes it to
 * the termination message file (/dev/termination-log, or $KAIC_TERMINATION_LOG). */
#ifndef KAIC_PROBE_H
#define KAIC_PROBE_H

/* argv[0] is "probe". Returns the process exit status (0 success, 1 probe failed,
 * 2 usage error with a one-line message on stderr). */
int probe_main(int argc, char **argv);

#endif
