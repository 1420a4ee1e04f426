/* cncf.h: the checklists of the CNCF AI Conformance program (AIConformance-1.33 … 1.37.yaml)
 * as facts compiled into kaic: for each version its requirement ids in the file's order,
 * with section and level, and its metadata keys. The program's descriptions are not
 * copied: `--cncf-template` takes the official file; without it kaic writes its own
 * one-line summary of each id (docs/cncf.md). */
#ifndef KAIC_CATALOG_CNCF_H
#define KAIC_CATALOG_CNCF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"

struct cncf_item {
	const char *id;	     /* "secure_accelerator_access" */
	const char *section; /* "security" */
	enum level level;
	/* a MUST whose text begins "If the platform provides/supports ...": N/A with notes
	 * is an allowed answer */
	bool na_allowed;
	/* cncf_text_hash of the program's description in this version: kaic checks a
	 * description without holding the text */
	uint64_t text_hash;
};

struct cncf_version {
	const char *name; /* "1.35" */
	const char *k8s;  /* "v1.35": metadata.kubernetesVersion */
	const struct cncf_item *items;
	size_t n;
	const char *const *metadata; /* metadata keys in the file's order, NULL-terminated */
};

size_t cncf_version_count(void);
/* Oldest first. */
const struct cncf_version *cncf_version_at(size_t i);
/* "1.35" or "v1.35"; NULL when kaic has no such checklist. */
const struct cncf_version *cncf_version_find(const char *name);
/* The checklist for a server's gitVersion ("v1.35.2+k3s1"): the newest whose version is
 * at or below the server's minor version. NULL when the server is older than every
 * checklist or its version cannot be read. */
const struct cncf_version *cncf_version_for_server(const char *git_version);
/* The item id of v, or NULL. */
const struct cncf_item *cncf_version_item(const struct cncf_version *v, const char *id);
/* kaic's requirement for an official id of any version: id is the official id, domain
 * "CNCF", a short title and kaic's one-line description of what it verifies; its level
 * is the newest checklist's. NULL for an id no checklist has. */
const struct requirement *cncf_requirement(const char *id);
/* The white-paper requirement that overlaps the official id (its cncf_id is id), or
 * NULL. */
const struct requirement *cncf_overlap(const char *id);
/* 64-bit FNV-1a of text's bytes. */
uint64_t cncf_text_hash(const char *text);
/* "1.33..1.37", for messages. */
const char *cncf_version_range(void);

#endif
