/* protobuf.c: the protobuf wire format read against the generated schema table
 * (base/pb_schema.c) into JSON; see protobuf.h. */

#include "base/protobuf.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/pb_schema.h"
#include "util/buf.h"
#include "util/esc.h"
#include "util/xmalloc.h"

static const unsigned char pb_magic[4] = {'k', '8', 's', 0};

/* A bounded reader over one message's bytes. */
struct rd {
	const uint8_t *p, *end;
};

/* One field as read from the wire. */
struct wire {
	uint32_t num;
	unsigned wt;	  /* 0 varint, 1 fixed64, 2 bytes, 5 fixed32 */
	uint64_t v;	  /* varint and fixed values */
	const uint8_t *b; /* wt 2: the bytes */
	size_t n;
};

/* The decoding of one body: the first error wins. */
struct dec {
	char *cause;
};

static int fail(struct dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct dec *d, const char *fmt, ...)
{
	if (!d->cause) {
		va_list ap;
		va_start(ap, fmt);
		if (vasprintf(&d->cause, fmt, ap) < 0)
			d->cause = NULL;
		va_end(ap);
		if (!d->cause)
			d->cause = xstrdup("protobuf decoding failed");
	}
	return -1;
}

bool sim_pb_content_type(const char *ct)
{
	return ct && !strncmp(ct, "application/vnd.kubernetes.protobuf",
			      strlen("application/vnd.kubernetes.protobuf"));
}

/* ---- the wire format ---- */

static int rd_varint(struct rd *r, uint64_t *v)
{
	uint64_t x = 0;
	for (unsigned shift = 0; shift < 70; shift += 7) {
		if (r->p >= r->end)
			return -1;
		uint8_t b = *r->p++;
		if (shift == 63 && b > 1)
			return -1; /* overflows 64 bits */
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -1;
}

static int rd_fixed(struct rd *r, size_t n, uint64_t *v)
{
	if ((size_t)(r->end - r->p) < n)
		return -1;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++)
		x |= (uint64_t)r->p[i] << (8 * i);
	r->p += n;
	*v = x;
	return 0;
}

/* Reads the next field; 0, or -1 with a cause. */
static int rd_field(struct rd *r, struct wire *w, struct dec *d)
{
	uint64_t key;
	if (rd_varint(r, &key) < 0)
		return fail(d, "proto: truncated field key");
	if (key >> 3 == 0 || key >> 3 > 536870911)
		return fail(d, "proto: illegal field number %llu", (unsigned long long)(key >> 3));
	w->num = (uint32_t)(key >> 3);
	w->wt = (unsigned)(key & 7);
	w->b = NULL;
	w->n = 0;
	switch (w->wt) {
	case 0:
		if (rd_varint(r, &w->v) < 0)
			return fail(d, "proto: truncated varint in field %u", w->num);
		return 0;
	case 1:
		if (rd_fixed(r, 8, &w->v) < 0)
			return fail(d, "proto: truncated fixed64 in field %u", w->num);
		return 0;
	case 5:
		if (rd_fixed(r, 4, &w->v) < 0)
			return fail(d, "proto: truncated fixed32 in field %u", w->num);
		return 0;
	case 2: {
		uint64_t n;
		if (rd_varint(r, &n) < 0 || n > (uint64_t)(r->end - r->p))
			return fail(d, "proto: bad length in field %u: unexpected EOF", w->num);
		w->b = r->p;
		w->n = (size_t)n;
		r->p += n;
		return 0;
	}
	default:
		return fail(d, "proto: illegal wireType %u in field %u", w->wt, w->num);
	}
}

/* ---- scalars ---- */

static json_t *str_value(const uint8_t *b, size_t n)
{
	if (esc_utf8_valid((const char *)b, n))
		return json_stringn((const char *)b, n);
	/* Go's encoding/json writes invalid UTF-8 as U+FFFD */
	struct buf out = BUF_INIT;
	buf_init(&out);
	esc_utf8_fix(&out, (const char *)b, n);
	json_t *s = json_stringn(out.data ? out.data : "", out.len);
	buf_release(&out);
	return s;
}

static json_t *base64_value(const uint8_t *b, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct buf out = BUF_INIT;
	buf_init(&out);
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)b[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)b[i + 1] << 8;
		if (i + 2 < n)
			v |= b[i + 2];
		buf_addc(&out, tab[(v >> 18) & 63]);
		buf_addc(&out, tab[(v >> 12) & 63]);
		buf_addc(&out, i + 1 < n ? tab[(v >> 6) & 63] : '=');
		buf_addc(&out, i + 2 < n ? tab[v & 63] : '=');
	}
	json_t *s = json_stringn(out.data ? out.data : "", out.len);
	buf_release(&out);
	return s;
}

/* The wire type a kind is sent with (PB_MESSAGE, strings and bytes: 2). */
static unsigned kind_wt(unsigned kind)
{
	switch (kind) {
	case PB_BOOL:
	case PB_INT:
	case PB_UINT:
		return 0;
	case PB_DOUBLE:
	case PB_FIXED64:
		return 1;
	case PB_FLOAT:
	case PB_FIXED32:
		return 5;
	default:
		return 2;
	}
}

static json_t *real_value(double x, struct dec *d)
{
	if (!isfinite(x)) {
		fail(d, "json: unsupported value: %g", x);
		return NULL;
	}
	return json_real(x);
}

/* A scalar of kind from wire w (already checked to match); *zero set for Go's zero. */
static json_t *scalar_value(unsigned kind, const struct wire *w, bool *zero, struct dec *d)
{
	*zero = false;
	switch (kind) {
	case PB_STRING:
		*zero = w->n == 0;
		return str_value(w->b, w->n);
	case PB_BYTES:
		*zero = w->n == 0;
		return base64_value(w->b, w->n);
	case PB_BOOL:
		*zero = w->v == 0;
		return json_boolean(w->v != 0);
	case PB_INT:
	case PB_FIXED64:
		*zero = w->v == 0;
		return json_integer((json_int_t)(int64_t)w->v);
	case PB_FIXED32:
		*zero = w->v == 0;
		return json_integer((json_int_t)(uint32_t)w->v);
	case PB_UINT:
		*zero = w->v == 0;
		if (w->v > (uint64_t)INT64_MAX)
			return real_value((double)w->v, d);
		return json_integer((json_int_t)w->v);
	case PB_DOUBLE: {
		double x;
		memcpy(&x, &w->v, sizeof(x));
		*zero = x == 0;
		return real_value(x, d);
	}
	case PB_FLOAT: {
		uint32_t u = (uint32_t)w->v;
		float x;
		memcpy(&x, &u, sizeof(x));
		*zero = x == 0;
		return real_value((double)x, d);
	}
	default:
		fail(d, "proto: bad scalar kind");
		return NULL;
	}
}

/* ---- messages ---- */

static json_t *message_value(int mi, const uint8_t *b, size_t n, unsigned depth, struct dec *d);
static int decode_fields(int mi, const uint8_t *b, size_t n, unsigned depth, json_t *obj,
			 struct dec *d);

static const struct pb_field *field_of(int mi, uint32_t num)
{
	const struct pb_message *m = &pb_messages[mi];
	for (unsigned i = 0; i < m->n; i++)
		if (pb_fields[m->first + i].num == num)
			return &pb_fields[m->first + i];
	return NULL;
}

/* The value of one occurrence of field f (not a map entry, not packed). */
static json_t *field_value(const struct pb_field *f, const struct wire *w, unsigned depth,
			   bool *zero, struct dec *d)
{
	if (f->kind == PB_MESSAGE) {
		*zero = false;
		return message_value(f->msg, w->b, w->n, depth + 1, d);
	}
	return scalar_value(f->kind, w, zero, d);
}

/* The Go zero value of a map's missing value. */
static json_t *zero_value(const struct pb_field *f, unsigned depth, struct dec *d)
{
	struct wire w = {.wt = kind_wt(f->kind), .b = (const uint8_t *)""};
	bool zero;
	return field_value(f, &w, depth, &zero, d);
}

/* One map entry {key 1, value 2} into obj[f->json]. */
static int map_entry(const struct pb_field *f, const struct wire *w, unsigned depth, json_t *obj,
		     struct dec *d)
{
	struct rd r = {w->b, w->b + w->n};
	json_t *key = NULL, *val = NULL;
	int rc = 0;
	while (rc == 0 && r.p < r.end) {
		struct wire e = {0};
		bool zero;
		if (rd_field(&r, &e, d) < 0) {
			rc = -1;
		} else if (e.num == 1 && e.wt == 2) {
			json_decref(key);
			key = str_value(e.b, e.n);
		} else if (e.num == 2 && e.wt == kind_wt(f->kind)) {
			json_decref(val);
			val = field_value(f, &e, depth, &zero, d);
			rc = val ? 0 : -1;
		} else if (e.num == 1 || e.num == 2) {
			rc = fail(d, "proto: wrong wireType = %u for field %s", e.wt, f->json);
		}
	}
	if (rc == 0 && !val)
		val = zero_value(f, depth, d);
	if (rc == 0 && val) {
		json_t *m = json_object_get(obj, f->json);
		if (!json_is_object(m)) {
			m = json_object();
			json_object_set_new(obj, f->json, m);
		}
		json_object_set(m, key ? json_string_value(key) : "", val);
	}
	json_decref(key);
	json_decref(val);
	return rc == 0 && val ? 0 : -1;
}

static int append(json_t *obj, const char *key, json_t *v)
{
	json_t *a = json_object_get(obj, key);
	if (!json_is_array(a)) {
		a = json_array();
		json_object_set_new(obj, key, a);
	}
	return json_array_append_new(a, v);
}

/* A packed repeated scalar (varint or fixed elements in one length-delimited field). */
static int packed(const struct pb_field *f, const struct wire *w, json_t *obj, struct dec *d)
{
	struct rd r = {w->b, w->b + w->n};
	while (r.p < r.end) {
		struct wire e = {.num = w->num, .wt = kind_wt(f->kind)};
		int rc = e.wt == 0   ? rd_varint(&r, &e.v)
			 : e.wt == 1 ? rd_fixed(&r, 8, &e.v)
				     : rd_fixed(&r, 4, &e.v);
		bool zero;
		json_t *v = rc < 0 ? NULL : scalar_value(f->kind, &e, &zero, d);
		if (!v)
			return rc < 0 ? fail(d, "proto: truncated packed field %s", f->json) : -1;
		append(obj, f->json, v);
	}
	return 0;
}

/* One occurrence of a known field into obj. */
static int decode_field(const struct pb_field *f, const struct wire *w, unsigned depth, json_t *obj,
			struct dec *d)
{
	unsigned want = (f->flags & PB_F_MAP) ? 2 : kind_wt(f->kind);
	if (w->wt != want) {
		if ((f->flags & PB_F_REPEATED) && w->wt == 2 && want != 2)
			return packed(f, w, obj, d);
		return fail(d, "proto: wrong wireType = %u for field %s", w->wt,
			    *f->json ? f->json : "(inline)");
	}
	if (f->flags & PB_F_MAP)
		return map_entry(f, w, depth, obj, d);
	if (f->flags & PB_F_INLINE) {
		if (depth + 1 > SIM_PB_MAX_DEPTH)
			return fail(d, "proto: nesting deeper than %d", SIM_PB_MAX_DEPTH);
		return decode_fields(f->msg, w->b, w->n, depth + 1, obj, d);
	}
	bool zero;
	json_t *v = field_value(f, w, depth, &zero, d);
	if (!v)
		return -1;
	if (f->flags & PB_F_REPEATED)
		return append(obj, f->json, v);
	if (zero && (f->flags & PB_F_OMITEMPTY) && !(f->flags & PB_F_POINTER)) {
		json_decref(v);
		json_object_del(obj, f->json);
		return 0;
	}
	return json_object_set_new(obj, f->json, v);
}

static int decode_fields(int mi, const uint8_t *b, size_t n, unsigned depth, json_t *obj,
			 struct dec *d)
{
	struct rd r = {b, b + n};
	while (r.p < r.end) {
		struct wire w = {0};
		if (rd_field(&r, &w, d) < 0)
			return -1;
		const struct pb_field *f = field_of(mi, w.num);
		if (f && decode_field(f, &w, depth, obj, d) < 0)
			return -1; /* unknown fields are skipped, as Go's decoders do */
	}
	return 0;
}

/* ---- the special messages ---- */

/* The varint/fixed values of fields 1..3 and the bytes of fields 1..3. */
struct small {
	uint64_t v[4];
	const uint8_t *b[4];
	size_t n[4];
	bool has[4];
};

static int read_small(const uint8_t *b, size_t n, struct small *s, struct dec *d)
{
	struct rd r = {b, b + n};
	memset(s, 0, sizeof(*s));
	while (r.p < r.end) {
		struct wire w = {0};
		if (rd_field(&r, &w, d) < 0)
			return -1;
		if (w.num > 3)
			continue;
		s->has[w.num] = true;
		s->v[w.num] = w.v;
		s->b[w.num] = w.b;
		s->n[w.num] = w.n;
	}
	return 0;
}

static json_t *time_value(const struct small *s, bool micro, struct dec *d)
{
	int64_t sec = (int64_t)s->v[1];
	int64_t nsec = (int32_t)s->v[2];
	if (sec == 0 && nsec == 0)
		return json_null(); /* Go's zero Time marshals as null */
	struct tm tm;
	time_t t = (time_t)sec;
	if (nsec < 0 || nsec >= 1000000000 || !gmtime_r(&t, &tm) || tm.tm_year + 1900 < 0 ||
	    tm.tm_year + 1900 > 9999) {
		fail(d, "Time.MarshalJSON: year outside of range [0,9999]");
		return NULL;
	}
	char out[48];
	size_t k = strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%S", &tm);
	if (micro)
		snprintf(out + k, sizeof(out) - k, ".%06dZ", (int)(nsec / 1000));
	else
		snprintf(out + k, sizeof(out) - k, "Z");
	return json_string(out);
}

/* Go's time.Duration.String(). */
static json_t *duration_value(int64_t ns)
{
	char out[64];
	uint64_t u = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	const char *sign = ns < 0 ? "-" : "";
	if (u == 0)
		return json_string("0s");
	if (u < 1000000000ull) {
		const char *unit = u < 1000 ? "ns" : u < 1000000 ? "\xc2\xb5s" : "ms";
		uint64_t div = u < 1000 ? 1 : u < 1000000 ? 1000 : 1000000;
		char frac[16] = "";
		if (u % div) {
			snprintf(frac, sizeof(frac), ".%0*llu", div == 1000 ? 3 : 6,
				 (unsigned long long)(u % div));
			for (size_t k = strlen(frac); k > 0 && frac[k - 1] == '0'; k--)
				frac[k - 1] = 0;
		}
		snprintf(out, sizeof(out), "%s%llu%s%s", sign, (unsigned long long)(u / div), frac,
			 unit);
		return json_string(out);
	}
	uint64_t s = u / 1000000000ull, f = u % 1000000000ull;
	char frac[16] = "";
	if (f) {
		snprintf(frac, sizeof(frac), ".%09llu", (unsigned long long)f);
		for (size_t k = strlen(frac); k > 0 && frac[k - 1] == '0'; k--)
			frac[k - 1] = 0;
	}
	if (s >= 3600)
		snprintf(out, sizeof(out), "%s%lluh%llum%llu%ss", sign,
			 (unsigned long long)(s / 3600), (unsigned long long)(s / 60 % 60),
			 (unsigned long long)(s % 60), frac);
	else if (s >= 60)
		snprintf(out, sizeof(out), "%s%llum%llu%ss", sign, (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60), frac);
	else
		snprintf(out, sizeof(out), "%s%llu%ss", sign, (unsigned long long)s, frac);
	return json_string(out);
}

static json_t *raw_value(const struct small *s, struct dec *d)
{
	if (!s->has[1] || s->n[1] == 0)
		return json_null();
	json_error_t err;
	json_t *v = json_loadb((const char *)s->b[1], s->n[1], JSON_DECODE_ANY, &err);
	if (!v)
		fail(d, "embedded JSON is invalid: %s", err.text);
	return v;
}

/* JSONSchemaPropsOr*: the schema (the one singular message field) when set, else the
 * other field (a bool, false when absent; or an array). */
static json_t *or_value(int mi, const uint8_t *b, size_t n, unsigned depth, struct dec *d)
{
	json_t *tmp = json_object();
	if (decode_fields(mi, b, n, depth, tmp, d) < 0) {
		json_decref(tmp);
		return NULL;
	}
	const struct pb_message *m = &pb_messages[mi];
	json_t *out = NULL;
	for (unsigned i = 0; i < m->n && !out; i++) {
		const struct pb_field *f = &pb_fields[m->first + i];
		if (f->kind == PB_MESSAGE && !(f->flags & PB_F_REPEATED))
			out = json_incref(json_object_get(tmp, f->json));
	}
	for (unsigned i = 0; i < m->n && !out; i++) {
		const struct pb_field *f = &pb_fields[m->first + i];
		if (f->kind == PB_MESSAGE && !(f->flags & PB_F_REPEATED))
			continue;
		out = json_incref(json_object_get(tmp, f->json));
		if (!out)
			out = f->kind == PB_BOOL ? json_false() : json_array();
	}
	json_decref(tmp);
	return out ? out : json_null();
}

static json_t *special_value(int mi, const uint8_t *b, size_t n, unsigned depth, struct dec *d)
{
	const struct pb_message *m = &pb_messages[mi];
	if (m->special == PB_SP_OR)
		return or_value(mi, b, n, depth, d);
	if (m->special == PB_SP_ARRAY) {
		json_t *tmp = json_object();
		json_t *out = NULL;
		if (decode_fields(mi, b, n, depth, tmp, d) == 0) {
			out = json_incref(json_object_get(tmp, pb_fields[m->first].json));
			if (!out)
				out = json_array();
		}
		json_decref(tmp);
		return out;
	}
	struct small s;
	if (read_small(b, n, &s, d) < 0)
		return NULL;
	switch (m->special) {
	case PB_SP_TIME:
	case PB_SP_MICROTIME:
		return time_value(&s, m->special == PB_SP_MICROTIME, d);
	case PB_SP_DURATION:
		return duration_value((int64_t)s.v[1]);
	case PB_SP_RAW:
		return raw_value(&s, d);
	case PB_SP_QUANTITY:
		return s.n[1] ? str_value(s.b[1], s.n[1]) : json_string("0");
	case PB_SP_INTORSTRING:
		if (s.v[1] == 1)
			return str_value(s.b[3] ? s.b[3] : (const uint8_t *)"", s.n[3]);
		return json_integer((json_int_t)(int32_t)s.v[2]);
	default:
		fail(d, "proto: unknown special message");
		return NULL;
	}
}

static json_t *message_value(int mi, const uint8_t *b, size_t n, unsigned depth, struct dec *d)
{
	if (mi < 0 || (size_t)mi >= pb_nmessages) {
		fail(d, "proto: no schema for a field's message");
		return NULL;
	}
	if (depth > SIM_PB_MAX_DEPTH) {
		fail(d, "proto: nesting deeper than %d", SIM_PB_MAX_DEPTH);
		return NULL;
	}
	if (pb_messages[mi].special != PB_SP_NONE)
		return special_value(mi, b, n, depth, d);
	json_t *obj = json_object();
	if (decode_fields(mi, b, n, depth, obj, d) < 0) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

/* ---- the envelope ---- */

struct unknown {
	char *api_version, *kind, *encoding;
	const uint8_t *raw;
	size_t nraw;
};

static char *dup_field(const struct wire *w)
{
	return xstrndup((const char *)w->b, w->n);
}

static int read_unknown(const uint8_t *b, size_t n, struct unknown *u, struct dec *d)
{
	struct rd r = {b, b + n};
	while (r.p < r.end) {
		struct wire w = {0};
		if (rd_field(&r, &w, d) < 0)
			return -1;
		if (w.num > 4)
			continue;
		if (w.wt != 2)
			return fail(d, "proto: wrong wireType = %u for field %u of Unknown", w.wt,
				    w.num);
		if (w.num == 1) {
			struct rd t = {w.b, w.b + w.n};
			while (t.p < t.end) {
				struct wire tw = {0};
				if (rd_field(&t, &tw, d) < 0)
					return -1;
				char **dst = tw.num == 1   ? &u->api_version
					     : tw.num == 2 ? &u->kind
							   : NULL;
				if (dst && tw.wt != 2)
					return fail(d, "proto: wrong wireType = %u in TypeMeta",
						    tw.wt);
				if (dst) {
					free(*dst);
					*dst = dup_field(&tw);
				}
			}
		} else if (w.num == 2) {
			u->raw = w.b;
			u->nraw = w.n;
		} else if (w.num == 3) {
			free(u->encoding);
			u->encoding = dup_field(&w);
		}
	}
	return 0;
}

static int find_kind(const char *api_version, const char *kind)
{
	for (size_t i = 0; i < pb_nkinds; i++)
		if (!strcmp(pb_kinds[i].api_version, api_version) &&
		    !strcmp(pb_kinds[i].kind, kind))
			return pb_kinds[i].msg;
	return -1;
}

json_t *sim_pb_decode(const void *body, size_t len, char **cause)
{
	struct dec d = {0};
	struct unknown u = {0};
	json_t *obj = NULL;
	*cause = NULL;
	if (len < sizeof(pb_magic) || memcmp(body, pb_magic, sizeof(pb_magic)) != 0) {
		fail(&d, "provided data does not appear to be a protobuf message, expected "
			 "prefix [107 56 115 0]");
	} else if (read_unknown((const uint8_t *)body + 4, len - 4, &u, &d) == 0) {
		const char *av = u.api_version ? u.api_version : "";
		const char *kind = u.kind ? u.kind : "";
		int mi = find_kind(av, kind);
		if (u.encoding && *u.encoding) {
			fail(&d, "unsupported content encoding \"%s\"", u.encoding);
		} else if (!*kind) {
			fail(&d, "Object 'Kind' is missing in protobuf body");
		} else if (mi < 0) {
			fail(&d, "no kind \"%s\" is registered for version \"%s\"", kind, av);
		} else {
			obj = json_object();
			json_object_set_new(obj, "apiVersion", json_string(av));
			json_object_set_new(obj, "kind", json_string(kind));
			if (decode_fields(mi, u.raw ? u.raw : (const uint8_t *)"", u.nraw, 0, obj,
					  &d) < 0) {
				json_decref(obj);
				obj = NULL;
			}
		}
	}
	free(u.api_version);
	free(u.kind);
	free(u.encoding);
	if (!obj)
		*cause = d.cause ? d.cause : xstrdup("protobuf decoding failed");
	else
		free(d.cause);
	return obj;
}

/* ---- pruning JSON as a round trip through the Go types would ---- */

/* The field of message mi named key in JSON, inline members' fields included. */
static const struct pb_field *field_by_json(int mi, const char *key, unsigned depth)
{
	const struct pb_message *m = &pb_messages[mi];
	for (unsigned i = 0; i < m->n && depth < SIM_PB_MAX_DEPTH; i++) {
		const struct pb_field *f = &pb_fields[m->first + i];
		const struct pb_field *in =
		    (f->flags & PB_F_INLINE) ? field_by_json(f->msg, key, depth + 1) : NULL;
		if (in)
			return in;
		if (!(f->flags & PB_F_INLINE) && !strcmp(f->json, key))
			return f;
	}
	return NULL;
}

static bool zero_json(unsigned kind, const json_t *v)
{
	switch (kind) {
	case PB_STRING:
	case PB_BYTES:
		return json_is_string(v) && json_string_length(v) == 0;
	case PB_BOOL:
		return json_is_false(v);
	default:
		return json_is_number(v) && json_number_value(v) == 0;
	}
}

static void prune_message(int mi, json_t *obj, unsigned depth)
{
	if (depth > SIM_PB_MAX_DEPTH || !json_is_object(obj) ||
	    pb_messages[mi].special != PB_SP_NONE)
		return;
	const char *key;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(obj, tmp, key, v) {
		const struct pb_field *f = field_by_json(mi, key, 0);
		if (!f)
			continue;
		if (f->kind == PB_MESSAGE) {
			size_t i;
			json_t *e;
			if (f->flags & PB_F_MAP) {
				const char *k;
				json_object_foreach(v, k, e) {
					prune_message(f->msg, e, depth + 1);
				}
			} else if (f->flags & PB_F_REPEATED) {
				json_array_foreach(v, i, e) {
					prune_message(f->msg, e, depth + 1);
				}
			} else {
				prune_message(f->msg, v, depth + 1);
			}
		} else if (!(f->flags & (PB_F_REPEATED | PB_F_MAP | PB_F_POINTER)) &&
			   (f->flags & PB_F_OMITEMPTY) && zero_json(f->kind, v)) {
			json_object_del(obj, key);
		}
	}
}

void sim_pb_prune(json_t *obj)
{
	const char *av = json_string_value(json_object_get(obj, "apiVersion"));
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	int mi = av && kind ? find_kind(av, kind) : -1;
	if (mi >= 0)
		prune_message(mi, obj, 0);
}
