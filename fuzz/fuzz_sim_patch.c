/* fuzz_sim_patch.c: the patch engines of kaic-sim (JSON merge, JSON patch, strategic
 * merge) and the label/field selector parsers on arbitrary input. The first byte picks
 * the engine; the rest is the patch document or selector. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/patch.h"
#include "model/select.h"
#include "sim.h"
#include "util/xmalloc.h"

static const char target_json[] =
    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\","
    "\"labels\":{\"a\":\"1\"},\"finalizers\":[\"x\"],\"ownerReferences\":[{\"uid\":\"u1\","
    "\"name\":\"o\"}]},\"spec\":{\"replicas\":1,\"template\":{\"spec\":{\"containers\":[{"
    "\"name\":\"c\",\"image\":\"i\",\"env\":[{\"name\":\"E\",\"value\":\"1\"}],\"ports\":[{"
    "\"containerPort\":80}],\"volumeMounts\":[{\"name\":\"v\",\"mountPath\":\"/m\"}]}],"
    "\"volumes\":[{\"name\":\"v\",\"emptyDir\":{}}],\"tolerations\":[{\"key\":\"k\"}]}}},"
    "\"status\":{\"conditions\":[{\"type\":\"Available\",\"status\":\"True\"}]}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0] % 5;
	const char *doc = (const char *)data + 1;
	size_t len = size - 1;
	if (mode >= 3) {
		/* a copy with a terminator (strndup would read the input as a C string) */
		char *s = malloc(len + 1);
		if (s == NULL)
			return 0;
		memcpy(s, doc, len);
		s[len] = '\0';
		struct sim_selector sel;
		char *cause = NULL;
		int rc = mode == 3 ? sim_labelsel_parse(s, &sel, &cause)
				   : sim_fieldsel_parse(s, NULL, &sel, &cause);
		if (rc == 0) {
			json_t *t = json_loads(target_json, 0, NULL);
			(void)(mode == 3 ? sim_labelsel_match(&sel, t)
					 : sim_fieldsel_match(&sel, t));
			json_decref(t);
			sim_selector_release(&sel);
		}
		free(cause);
		free(s);
		return 0;
	}
	json_t *patch = json_loadb(doc, len, JSON_DECODE_ANY, NULL);
	if (!patch)
		return 0;
	json_t *target = json_loads(target_json, 0, NULL);
	char *before = json_dumps(target, JSON_SORT_KEYS);
	char *cause = NULL;
	int code = 0;
	json_t *out = mode == 0	  ? sim_patch_merge(target, patch)
		      : mode == 1 ? sim_patch_json(target, patch, &cause, &code)
				  : sim_patch_strategic(target, patch, &cause, &code);
	/* the target is never modified */
	char *after = json_dumps(target, JSON_SORT_KEYS);
	if (strcmp(before, after))
		abort();
	if (!out && !cause && mode != 0)
		abort();
	if (!out && (code != 400 && code != 415 && code != 422))
		abort();
	free(before);
	free(after);
	free(cause);
	json_decref(out);
	json_decref(target);
	json_decref(patch);
	return 0;
}
