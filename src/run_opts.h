/* run_opts.h: the parsed options of `kaic run` (the only process-wide settings). */
#ifndef KAIC_RUN_OPTS_H
#define KAIC_RUN_OPTS_H

#include <stdbool.h>
#include <stddef.h>

struct run_opts {
	const char *kubeconfig;
	const char *context;
	bool in_cluster;
	bool passive;
	bool strict;
	bool disruptive;
	int verbose;
	bool no_color;
	bool sonobuoy;
	char **focus; /* NULL-terminated IDs, or NULL */
	char **skip;
	const char *output_dir;
	long timeout_s; /* per test */
	long run_timeout_s;
	int parallel;
	const char *image;
	const char *vendor;
	const char *product;
	const char *product_version;
	const char *metrics_endpoint;
	const char *prometheus_url;
	const char *trace_query_url;
	const char *secondary_nic;
	const char *signed_image;
	const char *unsigned_image;
	const char *gds_image;
	long load_requests; /* NET-3.1 request count */
};

#endif
