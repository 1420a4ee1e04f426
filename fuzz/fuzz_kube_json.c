/* fuzz_kube_json.c: libFuzzer target for the client's JSON decoders on arbitrary bytes:
 * aggregated and legacy discovery documents, Status decoding and ExecCredential parsing. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kube/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct kube_discovery d = {0};
	char *cause = NULL;
	json_t *out = NULL;

	if (kube_discovery_parse_aggregated(&d, text, size, &cause) != 0)
		free(cause);
	if (kube_discovery_parse_resources(&d, "g", "v1", true, text, size, &cause) != 0)
		free(cause);
	for (size_t i = 0; i < d.n; i++) {
		char *p = kube_resource_path(&d.items[i], "ns", "name");
		free(p);
		(void)kube_discovery_find(&d, d.items[i].group, NULL, d.items[i].resource);
	}
	kube_discovery_release(&d);

	if (kube_discovery_parse_versions(text, size, &out, &cause) == 0)
		json_decref(out);
	else
		free(cause);
	if (kube_discovery_parse_groups(text, size, &out, &cause) == 0)
		json_decref(out);
	else
		free(cause);

	struct kube_error err;
	kube_status_decode(size ? 400 + data[0] % 200 : 500, "/fuzz", text, size, &err);
	if (strlen(err.message) >= sizeof(err.message) || strlen(err.reason) >= sizeof(err.reason))
		abort();

	struct kube_exec ex = {.command = "fuzz", .api_version = "client.authentication.k8s.io/v1"};
	struct kube_cred cred;
	time_t expiry;
	if (kube_exec_parse(&ex, text, size, &cred, &expiry, &cause) == 0)
		kube_cred_release(&cred);
	else
		free(cause);
	return 0;
}
