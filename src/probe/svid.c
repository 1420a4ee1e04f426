/* svid.c: decoding the SPIFFE Workload API's X509SVIDResponse (protobuf) and reading an
 * SVID chain with OpenSSL (see svid.h). */
#include "probe/svid.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/xmalloc.h"

/* ---- protobuf ---- */

struct pb {
	const unsigned char *p, *end;
};

static int pb_varint(struct pb *b, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64 && b->p < b->end; shift += 7) {
		unsigned char c = *b->p++;
		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return 0;
	}
	return -1;
}

/* The next field: number, wire type, and for type 2 its bytes. -1 at a malformed one. */
static int pb_field(struct pb *b, uint64_t *num, int *type, const unsigned char **data, size_t *len)
{
	uint64_t key, v;
	if (pb_varint(b, &key) != 0)
		return -1;
	*num = key >> 3;
	*type = (int)(key & 7);
	*data = NULL;
	*len = 0;
	switch (*type) {
	case 0:
		return pb_varint(b, &v);
	case 1:
	case 5: {
		size_t n = *type == 1 ? 8 : 4;
		if ((size_t)(b->end - b->p) < n)
			return -1;
		b->p += n;
		return 0;
	}
	case 2:
		if (pb_varint(b, &v) != 0 || v > (uint64_t)(b->end - b->p))
			return -1;
		*data = b->p;
		*len = (size_t)v;
		b->p += v;
		return 0;
	default:
		return -1;
	}
}

char *svid_der_to_pem(const unsigned char *der, size_t len)
{
	BIO *out = BIO_new(BIO_s_mem());
	const unsigned char *p = der, *end = der + len;
	int n = 0;
	bool ok = true;
	while (ok && p < end) {
		X509 *x = d2i_X509(NULL, &p, (long)(end - p));
		ok = x != NULL && PEM_write_bio_X509(out, x) == 1;
		X509_free(x);
		n++;
	}
	char *data = NULL;
	long dl = BIO_get_mem_data(out, &data);
	char *pem = ok && n > 0 ? xstrndup(data, (size_t)dl) : NULL;
	BIO_free(out);
	return pem;
}

int svid_decode_response(const unsigned char *msg, size_t len, struct svid_response *out,
			 const char **why)
{
	memset(out, 0, sizeof(*out));
	struct pb b = {msg, msg + len};
	uint64_t num;
	int type;
	const unsigned char *d;
	size_t dl;
	while (b.p < b.end) {
		if (pb_field(&b, &num, &type, &d, &dl) != 0) {
			*why = "malformed X509SVIDResponse";
			return -1;
		}
		if (num != 1 || type != 2 || out->spiffe_id != NULL)
			continue; /* crl, federated_bundles, further SVIDs */
		struct pb s = {d, d + dl};
		const unsigned char *chain = NULL, *bundle = NULL;
		size_t clen = 0, blen = 0;
		while (s.p < s.end) {
			if (pb_field(&s, &num, &type, &d, &dl) != 0) {
				*why = "malformed X509SVID";
				svid_response_release(out);
				return -1;
			}
			if (type != 2)
				continue;
			if (num == 1 && out->spiffe_id == NULL)
				out->spiffe_id = xstrndup((const char *)d, dl);
			else if (num == 2) {
				chain = d;
				clen = dl;
			} else if (num == 4) {
				bundle = d;
				blen = dl;
			}
		}
		out->chain_pem = chain ? svid_der_to_pem(chain, clen) : NULL;
		out->bundle_pem = bundle ? svid_der_to_pem(bundle, blen) : NULL;
	}
	if (out->spiffe_id == NULL || out->chain_pem == NULL) {
		*why = out->spiffe_id == NULL ? "the response holds no SVID"
					      : "the SVID's certificates do not parse";
		svid_response_release(out);
		return -1;
	}
	return 0;
}

void svid_response_release(struct svid_response *r)
{
	free(r->spiffe_id);
	free(r->chain_pem);
	free(r->bundle_pem);
	memset(r, 0, sizeof(*r));
}

/* ---- X.509 ---- */

static STACK_OF(X509) * read_pem(const char *pem)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	if (pem == NULL)
		return sk;
	BIO *in = BIO_new_mem_buf(pem, -1);
	X509 *x;
	while ((x = PEM_read_bio_X509(in, NULL, NULL, NULL)) != NULL)
		sk_X509_push(sk, x);
	BIO_free(in);
	return sk;
}

/* The URI SANs of x: the first (new string) and their count. */
static char *uri_san(X509 *x, int *count)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	char *first = NULL;
	*count = 0;
	for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		if (g->type != GEN_URI)
			continue;
		(*count)++;
		if (first == NULL)
			first = xstrndup((const char *)ASN1_STRING_get0_data(g->d.ia5),
					 (size_t)ASN1_STRING_length(g->d.ia5));
	}
	GENERAL_NAMES_free(gens);
	return first;
}

char *svid_trust_domain(const char *id)
{
	if (id == NULL || strncmp(id, "spiffe://", 9) != 0)
		return NULL;
	const char *td = id + 9;
	size_t n = strcspn(td, "/");
	return n > 0 ? xstrndup(td, n) : NULL;
}

static void verify(STACK_OF(X509) * chain, STACK_OF(X509) * bundle, struct svid_info *out)
{
	X509_STORE *store = X509_STORE_new();
	for (int i = 0; i < sk_X509_num(bundle); i++)
		X509_STORE_add_cert(store, sk_X509_value(bundle, i));
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	for (int i = 1; i < sk_X509_num(chain); i++)
		sk_X509_push(untrusted, sk_X509_value(chain, i));
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	if (ctx && X509_STORE_CTX_init(ctx, store, sk_X509_value(chain, 0), untrusted) == 1) {
		out->chain_verified = X509_verify_cert(ctx) == 1;
		if (!out->chain_verified)
			snprintf(out->verify_error, sizeof(out->verify_error), "%s",
				 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
	}
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	X509_STORE_free(store);
}

int svid_inspect(const char *chain_pem, const char *bundle_pem, struct svid_info *out,
		 const char **why)
{
	memset(out, 0, sizeof(*out));
	STACK_OF(X509) *chain = read_pem(chain_pem), *bundle = read_pem(bundle_pem);
	int rc = -1;
	if (sk_X509_num(chain) == 0) {
		*why = "no certificate in the SVID";
		goto out;
	}
	X509 *leaf = sk_X509_value(chain, 0);
	out->uri = uri_san(leaf, &out->uri_count);
	out->leaf_is_ca = X509_check_ca(leaf) != 0;
	struct tm tm;
	if (ASN1_TIME_to_tm(X509_get0_notAfter(leaf), &tm) == 1)
		strftime(out->not_after, sizeof(out->not_after), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (sk_X509_num(bundle) > 0) {
		int n = 0;
		char *ca_uri = uri_san(sk_X509_value(bundle, 0), &n);
		out->bundle_td = svid_trust_domain(ca_uri);
		free(ca_uri);
		verify(chain, bundle, out);
	} else {
		snprintf(out->verify_error, sizeof(out->verify_error), "no trust bundle");
	}
	rc = 0;
out:
	sk_X509_pop_free(chain, X509_free);
	sk_X509_pop_free(bundle, X509_free);
	return rc;
}

void svid_info_release(struct svid_info *i)
{
	free(i->uri);
	free(i->bundle_td);
	memset(i, 0, sizeof(*i));
}
