/* catalog.h: the requirements of the Kubernetes AI Conformance checklist, as data
 * compiled into the binary. Another spec version is another table, not new code. */
#ifndef KAIC_CATALOG_H
#define KAIC_CATALOG_H

#include <stddef.h>

enum level { LEVEL_MUST, LEVEL_SHOULD };

struct requirement {
	const char *id; /* "HW-1.1" */
	enum level level;
	const char *domain;	  /* "Hardware", "Workloads", ... (Appendix A order) */
	const char *title;	  /* short title as in the checklist */
	const char *description;  /* the requirement text */
	const char *cncf_id;	  /* the CNCF official id it overlaps (docs/cncf.md), or NULL */
	const char *cncf_section; /* its section there ("accelerators", ...), or NULL */
};

/* The table in Appendix A order; catalog_count() entries. */
const struct requirement *catalog_all(void);
size_t catalog_count(void);
/* NULL when unknown; ids compare case-insensitively. */
const struct requirement *catalog_find(const char *id);
const char *level_name(enum level l); /* "MUST" / "SHOULD" */
/* The name of the checklist version this table is ("v0.9"). */
const char *catalog_spec_version(void);

#endif
