/* protobuf.h: decoding of the Kubernetes protobuf encoding (content type
 * application/vnd.kubernetes.protobuf) of built-in types into their JSON form, as
 * kube-apiserver decodes what kubectl's typed clients send. Schema: base/pb_schema.h. */
#ifndef KAIC_SIM_BASE_PROTOBUF_H
#define KAIC_SIM_BASE_PROTOBUF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Deepest message nesting decoded (a deeper body is refused). */
#define SIM_PB_MAX_DEPTH 100

/* Whether content type ct (may be NULL) is Kubernetes' protobuf. */
bool sim_pb_content_type(const char *ct);

/* Decodes body ("k8s\0" then a runtime.Unknown holding apiVersion, kind and the
 * object's bytes) into a new JSON object, apiVersion and kind first, the fields as
 * Go's encoding/json writes the decoded struct (omitempty zeros dropped, pointers kept,
 * inline members merged, Time/Quantity/IntOrString/RawExtension in their JSON forms).
 * NULL when the body is malformed or its kind has no protobuf schema: *cause (the
 * caller frees) says why. Every read is bounds-checked; never trusts a length. */
json_t *sim_pb_decode(const void *body, size_t len, char **cause);

/* What Go's encoding/json would not write back of obj, a built-in kind (apiVersion and
 * kind as the schema knows them; others are left alone): the zero values ("", 0, false)
 * of omitempty fields that are not pointers, as the API server drops them when it
 * decodes a body into its types. */
void sim_pb_prune(json_t *obj);

#endif
