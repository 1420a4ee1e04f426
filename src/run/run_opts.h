/* run_opts.h: the parsed options of `kaic run` (the only process-wide settings). */
#ifndef KAIC_RUN_OPTS_H
#define KAIC_RUN_OPTS_H

#include <stdbool.h>
#include <stddef.h>

/* The image every test pod runs and `kaic images` prints unless --image overrides it.
 * A plain name, so air-gapped users retag their mirror's copy to it (or pass --image). */
#define KAIC_DEFAULT_IMAGE "kaic:" KAIC_VERSION

/* --catalog: which checklists a run decides. */
enum run_catalog { CATALOG_BOTH, CATALOG_WHITEPAPER, CATALOG_CNCF };

struct run_opts {
	const char *kubeconfig;
	const char *context;
	bool in_cluster;
	bool passive;
	bool strict;
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
	bool image_given; /* --image was passed (else an in-cluster run uses its own) */
	const char *vendor;
	const char *product;
	const char *product_version;
	const char *metrics_endpoint;
	const char *prometheus_url;
	const char *pod_label; /* OBS-6.1: the series label naming the scraped pod */
	const char *trace_query_url;
	bool disruptive;	   /* --disruptive: tests that fault or add nodes run */
	const char *secondary_nic; /* NET-3.2: the host interface a macvlan NAD attaches to */
	long load_requests;	   /* NET-3.1 request count */
	unsigned long long max_response_bytes; /* --max-response-bytes */
	unsigned long long max_total_bytes;    /* --max-total-bytes */
	enum run_catalog catalog;	       /* --catalog (default both) */
	const char *cncf_version;   /* --cncf-version "1.35", or NULL: from the cluster */
	const char *cncf_template;  /* --cncf-template FILE, or NULL */
	const char *cncf_metadata;  /* --cncf-metadata FILE, or NULL */
	const char *signed_image;   /* SEC-5.5: an image the signature policy admits */
	const char *unsigned_image; /* SEC-5.5: an image it must reject */
	const char *gds_image;	    /* STO-4.2: an image with gdscheck (opt-in) */
};

/* Defaults of --max-response-bytes and --max-total-bytes. */
#define RUN_MAX_RESPONSE_BYTES (64ULL << 20)
#define RUN_MAX_TOTAL_BYTES (512ULL << 20)

/* run_opts.c: parses the arguments of `kaic run` (argv[0] is "run") into o, defaults
 * first. Strings borrow argv (or the environment); focus/skip hold canonical catalogue
 * IDs. When SONOBUOY_RESULTS_DIR is set (or --sonobuoy), sonobuoy is true and the
 * output dir is that directory (/tmp/sonobuoy/results when unset). Returns 0, or -1 with
 * *cause (caller frees) a one-line message: `unknown option "--x"`,
 * `invalid value "1.32" for --cncf-version (kaic has the checklists 1.33..1.37)`,
 * `invalid value "abc" for --parallel`, `unknown requirement "XX-9" in --focus`,
 * `--focus and --skip both name "HW-1.1"`, `--skip leaves no requirement to run`. */
int run_opts_parse(struct run_opts *o, int argc, char **argv, char **cause);
/* Where Sonobuoy's worker looks when SONOBUOY_RESULTS_DIR is unset. */
#define SONOBUOY_DEFAULT_DIR "/tmp/sonobuoy/results"
/* The Sonobuoy results directory: $SONOBUOY_RESULTS_DIR when set and non-empty, else the
 * default. */
const char *run_opts_sonobuoy_dir(void);
/* Frees what run_opts_parse allocated (the focus/skip arrays). */
void run_opts_release(struct run_opts *o);
/* "64Mi", "512MiB", "1Gi", "100000" (bytes; Ki, Mi, Gi with an optional B), at least
 * 1 KiB and at most 1 TiB; 0 when invalid. */
unsigned long long run_opts_parse_size(const char *s);
/* "30s", "5m", "1h", "1h30m" or plain seconds, as seconds (> 0); -1 when invalid. */
long run_opts_parse_duration(const char *s);
/* Why id (a white-paper or CNCF id) is left out of the run ("excluded by --skip",
 * "not in --focus"), or NULL. */
const char *run_opts_excluded(const struct run_opts *o, const char *id);

#endif
