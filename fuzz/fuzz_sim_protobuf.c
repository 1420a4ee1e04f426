/* fuzz_sim_protobuf.c: kaic-sim's decoder of Kubernetes protobuf request bodies
 * (base/protobuf.c) on arbitrary input. A first byte 0: the rest is the whole body.
 * Otherwise the first two bytes pick the kind the body claims and the rest is the
 * object's bytes, wrapped in the envelope here, so that the fuzzer reaches deep into
 * the schema without having to find the envelope first. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/pb_schema.h"
#include "base/protobuf.h"

static void put_varint(uint8_t **p, uint64_t v)
{
	while (v >= 0x80) {
		*(*p)++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*(*p)++ = (uint8_t)v;
}

static void put_str(uint8_t **p, unsigned num, const char *s, size_t n)
{
	put_varint(p, (uint64_t)num << 3 | 2);
	put_varint(p, n);
	memcpy(*p, s, n);
	*p += n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *cause = NULL;
	json_t *v;
	if (size < 2)
		return 0;
	if (data[0] == 0) {
		v = sim_pb_decode(data + 1, size - 1, &cause);
	} else {
		const struct pb_top *k = &pb_kinds[((size_t)data[0] << 8 | data[1]) % pb_nkinds];
		size_t la = strlen(k->api_version), lk = strlen(k->kind);
		uint8_t *body = malloc(size + la + lk + 64), *p = body;
		uint8_t tm[256], *t = tm;
		if (!body)
			return 0;
		memcpy(p, "k8s", 4);
		p += 4;
		put_str(&t, 1, k->api_version, la);
		put_str(&t, 2, k->kind, lk);
		put_str(&p, 1, (const char *)tm, (size_t)(t - tm));
		put_str(&p, 2, (const char *)data + 2, size - 2);
		v = sim_pb_decode(body, (size_t)(p - body), &cause);
		free(body);
	}
	/* exactly one of an object and a cause */
	if ((v == NULL) == (cause == NULL) || (v && !json_is_object(v)))
		abort();
	if (v) {
		char *s = json_dumps(v, 0);
		if (!s)
			abort();
		free(s);
	}
	json_decref(v);
	free(cause);
	return 0;
}
