/* fuzz_prom.c: libFuzzer target for the Prometheus / OpenMetrics text parser. Besides
 * crashes and sanitizer reports it checks the parser's contract: a parsed document is
 * self-consistent, and a failure leaves the document empty with a "line N: " cause. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prom/prom.h"

static void fuzz_prom_check_doc(const struct prom_doc *doc)
{
	for (size_t i = 0; i < doc->nsamples; i++) {
		const struct prom_sample *s = &doc->samples[i];
		if (s->name == NULL || s->name[0] == '\0' || s->nlabels > 64)
			abort();
		for (size_t j = 0; j < s->nlabels; j++)
			if (prom_label(s, s->labels[j].name) == NULL)
				abort();
		if (!prom_has_family(doc, s->name))
			abort();
	}
	for (size_t i = 0; i < doc->nfamilies; i++)
		if (doc->families[i].name == NULL || doc->families[i].type == NULL)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prom_doc doc;
	char *cause = NULL;
	if (prom_parse((const char *)data, size, &doc, &cause) == 0) {
		if (cause != NULL)
			abort();
		fuzz_prom_check_doc(&doc);
	} else {
		if (cause == NULL || strncmp(cause, "line ", 5) != 0 || strchr(cause, '\n') ||
		    doc.nsamples != 0 || doc.nfamilies != 0 || doc.samples != NULL)
			abort();
		free(cause);
	}
	prom_doc_release(&doc);
	return 0;
}
