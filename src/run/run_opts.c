/* run_opts.c: the flags of `kaic run`, parsed and checked into struct run_opts. */
#include "run/run_opts.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog/catalog.h"
#include "catalog/cncf.h"
#include "util/opt.h"
#include "util/xmalloc.h"

#define MAX_DURATION_S (30L * 24 * 3600)

enum {
	OPT_KUBECONFIG = 256,
	OPT_CONTEXT,
	OPT_IN_CLUSTER,
	OPT_PASSIVE,
	OPT_FOCUS,
	OPT_SKIP,
	OPT_OUTPUT_DIR,
	OPT_TIMEOUT,
	OPT_RUN_TIMEOUT,
	OPT_PARALLEL,
	OPT_IMAGE,
	OPT_VENDOR,
	OPT_PRODUCT,
	OPT_PRODUCT_VERSION,
	OPT_STRICT,
	OPT_NO_COLOR,
	OPT_SONOBUOY,
	OPT_METRICS_ENDPOINT,
	OPT_PROMETHEUS_URL,
	OPT_POD_LABEL,
	OPT_TRACE_QUERY_URL,
	OPT_REQUESTS,
	OPT_MAX_RESPONSE_BYTES,
	OPT_MAX_TOTAL_BYTES,
	OPT_CATALOG,
	OPT_CNCF_VERSION,
	OPT_CNCF_TEMPLATE,
	OPT_CNCF_METADATA,
	OPT_SIGNED_IMAGE,
	OPT_UNSIGNED_IMAGE,
	OPT_GDS_IMAGE,
	OPT_DISRUPTIVE,
	OPT_SECONDARY_NIC,
};

static const struct option long_opts[] = {
    {"kubeconfig", required_argument, NULL, OPT_KUBECONFIG},
    {"context", required_argument, NULL, OPT_CONTEXT},
    {"in-cluster", no_argument, NULL, OPT_IN_CLUSTER},
    {"passive", no_argument, NULL, OPT_PASSIVE},
    {"focus", required_argument, NULL, OPT_FOCUS},
    {"skip", required_argument, NULL, OPT_SKIP},
    {"output-dir", required_argument, NULL, OPT_OUTPUT_DIR},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"run-timeout", required_argument, NULL, OPT_RUN_TIMEOUT},
    {"parallel", required_argument, NULL, OPT_PARALLEL},
    {"image", required_argument, NULL, OPT_IMAGE},
    {"vendor", required_argument, NULL, OPT_VENDOR},
    {"product", required_argument, NULL, OPT_PRODUCT},
    {"product-version", required_argument, NULL, OPT_PRODUCT_VERSION},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"verbose", no_argument, NULL, 'v'},
    {"no-color", no_argument, NULL, OPT_NO_COLOR},
    {"sonobuoy", no_argument, NULL, OPT_SONOBUOY},
    {"metrics-endpoint", required_argument, NULL, OPT_METRICS_ENDPOINT},
    {"prometheus-url", required_argument, NULL, OPT_PROMETHEUS_URL},
    {"pod-label", required_argument, NULL, OPT_POD_LABEL},
    {"trace-query-url", required_argument, NULL, OPT_TRACE_QUERY_URL},
    {"requests", required_argument, NULL, OPT_REQUESTS},
    {"max-response-bytes", required_argument, NULL, OPT_MAX_RESPONSE_BYTES},
    {"max-total-bytes", required_argument, NULL, OPT_MAX_TOTAL_BYTES},
    {"catalog", required_argument, NULL, OPT_CATALOG},
    {"cncf-version", required_argument, NULL, OPT_CNCF_VERSION},
    {"cncf-template", required_argument, NULL, OPT_CNCF_TEMPLATE},
    {"cncf-metadata", required_argument, NULL, OPT_CNCF_METADATA},
    {"signed-image", required_argument, NULL, OPT_SIGNED_IMAGE},
    {"unsigned-image", required_argument, NULL, OPT_UNSIGNED_IMAGE},
    {"gds-image", required_argument, NULL, OPT_GDS_IMAGE},
    {"disruptive", no_argument, NULL, OPT_DISRUPTIVE},
    {"secondary-nic", required_argument, NULL, OPT_SECONDARY_NIC},
    {NULL, 0, NULL, 0},
};

long run_opts_parse_duration(const char *s)
{
	if (s == NULL || *s == '\0')
		return -1;
	long total = 0;
	const char *p = s;
	while (*p != '\0') {
		if (!isdigit((unsigned char)*p))
			return -1;
		errno = 0;
		char *end;
		long n = strtol(p, &end, 10);
		if (errno != 0 || n > MAX_DURATION_S)
			return -1;
		long mult;
		switch (*end) {
		case '\0':
			if (p != s) /* a bare number only as the whole value */
				return -1;
			mult = 1;
			break;
		case 'h':
			mult = 3600;
			break;
		case 'm':
			mult = 60;
			break;
		case 's':
			mult = 1;
			break;
		default:
			return -1;
		}
		total += n * mult;
		if (total > MAX_DURATION_S)
			return -1;
		p = *end ? end + 1 : end;
	}
	return total > 0 ? total : -1;
}

unsigned long long run_opts_parse_size(const char *s)
{
	static const struct {
		const char *suffix;
		unsigned shift;
	} units[] = {{"", 0},	  {"Ki", 10}, {"KiB", 10}, {"Mi", 20},
		     {"MiB", 20}, {"Gi", 30}, {"GiB", 30}};
	if (s == NULL || !isdigit((unsigned char)*s))
		return 0;
	errno = 0;
	char *end;
	unsigned long long n = strtoull(s, &end, 10);
	if (errno != 0 || n > (1ULL << 40))
		return 0;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) != 0)
			continue;
		if (n > (1ULL << 40) >> units[i].shift)
			return 0;
		n <<= units[i].shift;
		return n >= 1024 ? n : 0;
	}
	return 0;
}

/* A decimal integer in [min, max], or -1 (never a valid value here). */
static long parse_int(const char *s, long min, long max)
{
	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	char *end;
	long n = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return -1;
	return n;
}

static size_t count_ids(char **ids)
{
	size_t n = 0;
	while (ids != NULL && ids[n] != NULL)
		n++;
	return n;
}

/* Appends the comma-separated IDs of list to *ids as canonical catalogue IDs.
 * Returns 0, or -1 with *cause for an unknown or empty ID. */
static int add_ids(char ***ids, const char *list, const char *flag, char **cause)
{
	char *copy = xstrdup(list);
	char *save = NULL;
	int rc = 0;
	bool any = false;
	for (char *tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		size_t len = strlen(tok);
		while (len > 0 && tok[len - 1] == ' ')
			tok[--len] = '\0';
		if (len == 0)
			continue;
		const struct requirement *req = catalog_find(tok);
		if (req == NULL)
			req = cncf_requirement(tok);
		if (req == NULL) {
			*cause = xasprintf("unknown requirement \"%s\" in %s (\"kaic list\" shows "
					   "the IDs)",
					   tok, flag);
			rc = -1;
			break;
		}
		size_t n = count_ids(*ids);
		*ids = xreallocarray(*ids, n + 2, sizeof(**ids));
		(*ids)[n] = xstrdup(req->id);
		(*ids)[n + 1] = NULL;
		any = true;
	}
	if (rc == 0 && !any) {
		*cause = xasprintf("invalid value \"%s\" for %s", list, flag);
		rc = -1;
	}
	free(copy);
	return rc;
}

static void set_defaults(struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->output_dir = "kaic-results";
	o->timeout_s = 300;
	o->parallel = 4;
	o->image = KAIC_DEFAULT_IMAGE;
	o->load_requests = 400;
	o->max_response_bytes = RUN_MAX_RESPONSE_BYTES;
	o->max_total_bytes = RUN_MAX_TOTAL_BYTES;
}

static bool is_url(const char *s)
{
	return (strncmp(s, "http://", 7) == 0 && s[7] != '\0') ||
	       (strncmp(s, "https://", 8) == 0 && s[8] != '\0');
}

/* Stores a string flag; empty values (and non-URLs for URL flags) are invalid. */
static int set_string(const char **dst, const char *val, const char *flag, bool url, char **cause)
{
	if (*val == '\0' || (url && !is_url(val))) {
		*cause = xasprintf("invalid value \"%s\" for %s", val, flag);
		return -1;
	}
	*dst = val;
	return 0;
}

/* A Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*. */
static bool is_label_name(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	while (*++s != '\0')
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static const char *flag_name(int c)
{
	for (const struct option *o = long_opts; o->name != NULL; o++)
		if (o->val == c)
			return o->name;
	return "?";
}

static int invalid(const char *val, int c, char **cause)
{
	*cause = xasprintf("invalid value \"%s\" for --%s", val, flag_name(c));
	return -1;
}

static int set_catalog(struct run_opts *o, const char *val, char **cause)
{
	static const struct {
		const char *name;
		enum run_catalog c;
	} names[] = {
	    {"both", CATALOG_BOTH}, {"whitepaper", CATALOG_WHITEPAPER}, {"cncf", CATALOG_CNCF}};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(val, names[i].name) == 0) {
			o->catalog = names[i].c;
			return 0;
		}
	*cause = xasprintf("invalid value \"%s\" for --catalog (whitepaper, cncf or both)", val);
	return -1;
}

/* An image reference: printable, no blanks, not starting with '-' (the registry decides
 * the rest). */
static bool is_image_ref(const char *s)
{
	if (*s == '\0' || *s == '-')
		return false;
	for (; *s != '\0'; s++)
		if (!isgraph((unsigned char)*s))
			return false;
	return true;
}

/* A Linux interface name: 1 to 15 bytes, none of them '/', ':', a space or a control. */
static bool is_ifname(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s) ||
		    iscntrl((unsigned char)*s))
			return false;
	return true;
}

/* Applies one parsed option. Returns 0 or -1 with *cause. */
static int apply(struct run_opts *o, int c, const char *val, char **cause)
{
	char flag[40];
	snprintf(flag, sizeof(flag), "--%s", flag_name(c));
	long n;
	switch (c) {
	case OPT_KUBECONFIG:
		return set_string(&o->kubeconfig, val, flag, false, cause);
	case OPT_CONTEXT:
		return set_string(&o->context, val, flag, false, cause);
	case OPT_IN_CLUSTER:
		o->in_cluster = true;
		return 0;
	case OPT_PASSIVE:
		o->passive = true;
		return 0;
	case OPT_FOCUS:
		return add_ids(&o->focus, val, flag, cause);
	case OPT_SKIP:
		return add_ids(&o->skip, val, flag, cause);
	case OPT_OUTPUT_DIR:
		return set_string(&o->output_dir, val, flag, false, cause);
	case OPT_TIMEOUT:
		if ((n = run_opts_parse_duration(val)) < 0)
			return invalid(val, c, cause);
		o->timeout_s = n;
		return 0;
	case OPT_RUN_TIMEOUT:
		if ((n = run_opts_parse_duration(val)) < 0)
			return invalid(val, c, cause);
		o->run_timeout_s = n;
		return 0;
	case OPT_PARALLEL:
		if ((n = parse_int(val, 1, 64)) < 0)
			return invalid(val, c, cause);
		o->parallel = (int)n;
		return 0;
	case OPT_REQUESTS:
		if ((n = parse_int(val, 1, 1000000)) < 0)
			return invalid(val, c, cause);
		o->load_requests = n;
		return 0;
	case OPT_MAX_RESPONSE_BYTES:
		if ((o->max_response_bytes = run_opts_parse_size(val)) == 0)
			return invalid(val, c, cause);
		return 0;
	case OPT_MAX_TOTAL_BYTES:
		if ((o->max_total_bytes = run_opts_parse_size(val)) == 0)
			return invalid(val, c, cause);
		return 0;
	case OPT_IMAGE:
		o->image_given = true;
		return set_string(&o->image, val, flag, false, cause);
	case OPT_VENDOR:
		return set_string(&o->vendor, val, flag, false, cause);
	case OPT_PRODUCT:
		return set_string(&o->product, val, flag, false, cause);
	case OPT_PRODUCT_VERSION:
		return set_string(&o->product_version, val, flag, false, cause);
	case OPT_STRICT:
		o->strict = true;
		return 0;
	case 'v':
		o->verbose++;
		return 0;
	case OPT_NO_COLOR:
		o->no_color = true;
		return 0;
	case OPT_SONOBUOY:
		o->sonobuoy = true;
		return 0;
	case OPT_METRICS_ENDPOINT:
		return set_string(&o->metrics_endpoint, val, flag, false, cause);
	case OPT_PROMETHEUS_URL:
		return set_string(&o->prometheus_url, val, flag, true, cause);
	case OPT_POD_LABEL:
		if (!is_label_name(val))
			return invalid(val, c, cause);
		o->pod_label = val;
		return 0;
	case OPT_TRACE_QUERY_URL:
		return set_string(&o->trace_query_url, val, flag, true, cause);
	case OPT_CATALOG:
		return set_catalog(o, val, cause);
	case OPT_CNCF_VERSION:
		if (cncf_version_find(val) == NULL) {
			*cause = xasprintf("invalid value \"%s\" for --cncf-version (kaic has the "
					   "checklists %s)",
					   val, cncf_version_range());
			return -1;
		}
		o->cncf_version = cncf_version_find(val)->name;
		return 0;
	case OPT_CNCF_TEMPLATE:
		return set_string(&o->cncf_template, val, flag, false, cause);
	case OPT_CNCF_METADATA:
		return set_string(&o->cncf_metadata, val, flag, false, cause);
	case OPT_SIGNED_IMAGE:
	case OPT_UNSIGNED_IMAGE:
	case OPT_GDS_IMAGE:
		if (!is_image_ref(val))
			return invalid(val, c, cause);
		*(c == OPT_SIGNED_IMAGE	    ? &o->signed_image
		  : c == OPT_UNSIGNED_IMAGE ? &o->unsigned_image
					    : &o->gds_image) = val;
		return 0;
	case OPT_DISRUPTIVE:
		o->disruptive = true;
		return 0;
	case OPT_SECONDARY_NIC:
		if (!is_ifname(val))
			return invalid(val, c, cause);
		o->secondary_nic = val;
		return 0;
	}
	*cause = xstrdup("unknown option");
	return -1;
}

static bool has_id(char **ids, const char *id);

/* --focus and --skip must not name the same requirement, and must leave one to run.
 * Returns 0, or -1 with *cause. */
static int check_selection(const struct run_opts *o, char **cause)
{
	for (size_t i = 0; o->focus != NULL && o->focus[i] != NULL; i++)
		if (has_id(o->skip, o->focus[i])) {
			*cause = xasprintf("--focus and --skip both name \"%s\"", o->focus[i]);
			return -1;
		}
	if (o->catalog != CATALOG_CNCF)
		for (size_t i = 0; i < catalog_count(); i++)
			if (run_opts_excluded(o, catalog_all()[i].id) == NULL)
				return 0;
	for (size_t v = 0; o->catalog != CATALOG_WHITEPAPER && v < cncf_version_count(); v++)
		for (size_t i = 0; i < cncf_version_at(v)->n; i++)
			if (run_opts_excluded(o, cncf_version_at(v)->items[i].id) == NULL)
				return 0;
	*cause = xstrdup(o->focus != NULL ? "--focus names no requirement of the catalogue run"
					  : "--skip leaves no requirement to run");
	return -1;
}

int run_opts_parse(struct run_opts *o, int argc, char **argv, char **cause)
{
	set_defaults(o);
	*cause = NULL;
	optind = 0; /* GNU: full reinitialisation, so the parser can run more than once */
	opterr = 0;
	for (;;) {
		const char *cur = optind < argc ? argv[optind] : NULL;
		if (optind == 0)
			cur = argc > 1 ? argv[1] : NULL;
		int c = getopt_long(argc, argv, "+:v", long_opts, NULL);
		if (c == -1)
			break;
		if (c == '?' || c == ':') {
			*cause = opt_message(c, cur, optopt);
			goto fail;
		}
		if (apply(o, c, optarg, cause) != 0)
			goto fail;
	}
	if (optind < argc) {
		*cause = xasprintf("unexpected argument \"%s\"", argv[optind]);
		goto fail;
	}
	if (check_selection(o, cause) != 0)
		goto fail;
	if (o->catalog == CATALOG_WHITEPAPER &&
	    (o->cncf_version || o->cncf_template || o->cncf_metadata)) {
		*cause = xasprintf("%s needs the CNCF checklist (--catalog cncf or both)",
				   o->cncf_version    ? "--cncf-version"
				   : o->cncf_template ? "--cncf-template"
						      : "--cncf-metadata");
		goto fail;
	}
	if (o->in_cluster && (o->kubeconfig != NULL || o->context != NULL)) {
		*cause = xstrdup("--in-cluster cannot be combined with --kubeconfig or --context");
		goto fail;
	}
	const char *sdir = getenv("SONOBUOY_RESULTS_DIR");
	if (sdir != NULL && *sdir != '\0')
		o->sonobuoy = true;
	if (o->sonobuoy)
		o->output_dir = run_opts_sonobuoy_dir();
	return 0;
fail:
	run_opts_release(o);
	return -1;
}

static void free_ids(char **ids)
{
	for (size_t i = 0; ids != NULL && ids[i] != NULL; i++)
		free(ids[i]);
	free(ids);
}

void run_opts_release(struct run_opts *o)
{
	free_ids(o->focus);
	free_ids(o->skip);
	o->focus = NULL;
	o->skip = NULL;
}

static bool has_id(char **ids, const char *id)
{
	for (size_t i = 0; ids != NULL && ids[i] != NULL; i++)
		if (strcasecmp(ids[i], id) == 0)
			return true;
	return false;
}

const char *run_opts_excluded(const struct run_opts *o, const char *id)
{
	if (o->focus != NULL && !has_id(o->focus, id))
		return "not in --focus";
	if (has_id(o->skip, id))
		return "excluded by --skip";
	return NULL;
}

const char *run_opts_sonobuoy_dir(void)
{
	const char *d = getenv("SONOBUOY_RESULTS_DIR");

	return d && *d ? d : SONOBUOY_DEFAULT_DIR;
}
