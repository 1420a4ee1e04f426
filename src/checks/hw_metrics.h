/* hw_metrics.h: HW-1.2's passive part (hw_metrics.c), registered by hardware.c, and what
 * HW-1.2's active test (active_hw12.c) uses of its knowledge of accelerator metrics
 * exporters. */
#ifndef KAIC_CHECKS_HW_METRICS_H
#define KAIC_CHECKS_HW_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "run/check.h"
#include "prom/prom.h"

/* HW-1.2's passive part (struct check .passive). */
void hw_metrics_passive(struct check_ctx *ctx, struct check_result *res);
/* Whether a DRA driver's devices count as accelerators: known accelerator drivers and
 * unrecognised ones (new vendors); known network or helper drivers do not. */
bool hw_accel_driver(const char *driver);

/* One metrics endpoint, scraped through the API server proxy. */
struct hw_scrape {
	char *path;  /* API-server proxy path */
	char *label; /* "pod NS/NAME:PORT", for evidence */
};

/* The exporters' endpoints (or --metrics-endpoint's): the count, a new array in *out.
 * Exporters of unknown workloads are recognised by probing their series through the
 * inventory's proxy cache. */
size_t hw_metrics_targets(struct check_ctx *ctx, struct hw_scrape **out);
void hw_metrics_targets_free(struct hw_scrape *t, size_t n);

enum hw_family { HW_FAMILY_NONE, HW_FAMILY_UTIL, HW_FAMILY_MEM };
/* Which of the known families (known_accel_series) a sample belongs to. */
enum hw_family hw_metrics_family(const struct prom_sample *s);
/* The device a sample is about, lower case (a UUID, or "NODE#INDEX"); caller frees. */
char *hw_metrics_device_key(const struct prom_sample *s, const char *target);

#endif
