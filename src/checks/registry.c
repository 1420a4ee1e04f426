/* registry.c: finds the check registered for a requirement ID in the domain tables. */
#include "checks/checks.h"
#include "checks/cncf.h"

#include <strings.h>

static const struct check *const *const tables[] = {
    checks_hardware, checks_workloads,	   checks_networking, checks_storage,
    checks_security, checks_observability, checks_cncf,
};

const struct check *checks_find(const char *id)
{
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct check *const *c = tables[t]; *c != NULL; c++)
			if (strcasecmp((*c)->id, id) == 0)
				return *c;
	return NULL;
}
