/* fuzz_kubeconfig.c: libFuzzer target for the kubeconfig parser (kube_config_parse) on
 * arbitrary bytes: it must fail cleanly with a one-line cause, never crash or leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kube/kube.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kube_config cfg;
	char *cause = NULL;
	/* relative file references resolve into a directory that does not exist */
	if (kube_config_parse(&cfg, (const char *)data, size, NULL, "/nonexistent-kaic-fuzz",
			      &cause) == 0) {
		kube_config_release(&cfg);
		return 0;
	}
	if (cause == NULL || strchr(cause, '\n') != NULL)
		abort(); /* every failure has exactly one line of cause */
	free(cause);
	return 0;
}
