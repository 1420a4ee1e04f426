/* test_active_sec.c: what the SHOULD tests of SEC-5.2 and STO-4.2 read without a
 * cluster: the Workload API's X509SVIDResponse (protobuf), an SVID chain checked with
 * OpenSSL against its bundle (the right CA, another CA, two URI SANs, a CA as leaf),
 * gdscheck's report, and the sandbox tests' pod names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "checks/active_tests.h"
#include "probe/svid.h"
#include "util/buf.h"
#include "util/xmalloc.h"

static void ext(X509 *c, X509 *issuer, int nid, const char *v)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, c, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, v);
	assert_non_null(e);
	assert_int_equal(X509_add_ext(c, e, -1), 1);
	X509_EXTENSION_free(e);
}

/* A certificate for key with SAN san, signed by issuer (self-signed when NULL). */
static X509 *cert(EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, const char *san, bool ca)
{
	static long serial = 1;
	X509 *c = X509_new();
	ASN1_INTEGER_set(X509_get_serialNumber(c), serial++);
	X509_set_version(c, 2);
	X509_gmtime_adj(X509_getm_notBefore(c), -60);
	X509_gmtime_adj(X509_getm_notAfter(c), 3600);
	X509_set_pubkey(c, key);
	X509_NAME *n = X509_get_subject_name(c);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)(ca ? "CA" : "W"),
				   -1, -1, 0);
	X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : n);
	ext(c, issuer ? issuer : c, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
	if (ca)
		ext(c, c, NID_key_usage, "critical,keyCertSign");
	ext(c, issuer ? issuer : c, NID_subject_alt_name, san);
	assert_true(X509_sign(c, ikey ? ikey : key, EVP_sha256()) > 0);
	return c;
}

static char *pem(X509 *c)
{
	BIO *b = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(b, c);
	char *d;
	long n = BIO_get_mem_data(b, &d);
	char *s = xstrndup(d, (size_t)n);
	BIO_free(b);
	return s;
}

static void der_add(struct buf *b, X509 *c)
{
	unsigned char *d = NULL;
	int n = i2d_X509(c, &d);
	buf_add(b, d, (size_t)n);
	OPENSSL_free(d);
}

/* protobuf: field num, wire type 2, data */
static void pb_bytes(struct buf *b, int num, const void *data, size_t len)
{
	buf_addc(b, (char)(num << 3 | 2));
	size_t v = len;
	do {
		buf_addc(b, (char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0)));
		v >>= 7;
	} while (v);
	buf_add(b, data, len);
}

struct pki {
	EVP_PKEY *cakey, *key, *otherkey;
	X509 *ca, *leaf, *other_ca;
};

static int setup(void **state)
{
	struct pki *k = xcalloc(1, sizeof(*k));
	k->cakey = EVP_EC_gen("P-256");
	k->key = EVP_EC_gen("P-256");
	k->otherkey = EVP_EC_gen("P-256");
	k->ca = cert(k->cakey, NULL, NULL, "URI:spiffe://example.org", true);
	k->leaf = cert(k->key, k->ca, k->cakey, "URI:spiffe://example.org/ns/a/sa/default", false);
	k->other_ca = cert(k->otherkey, NULL, NULL, "URI:spiffe://other.org", true);
	*state = k;
	return 0;
}

static int teardown(void **state)
{
	struct pki *k = *state;
	X509_free(k->ca);
	X509_free(k->leaf);
	X509_free(k->other_ca);
	EVP_PKEY_free(k->cakey);
	EVP_PKEY_free(k->key);
	EVP_PKEY_free(k->otherkey);
	free(k);
	return 0;
}

static void test_decode_response(void **state)
{
	struct pki *k = *state;
	struct buf chain = BUF_INIT, bundle = BUF_INIT, svid = BUF_INIT, msg = BUF_INIT;
	buf_init(&chain);
	buf_init(&bundle);
	buf_init(&svid);
	buf_init(&msg);
	der_add(&chain, k->leaf);
	der_add(&bundle, k->ca);
	const char *id = "spiffe://example.org/ns/a/sa/default";
	pb_bytes(&svid, 1, id, strlen(id));
	pb_bytes(&svid, 2, chain.data, chain.len);
	pb_bytes(&svid, 3, "secret-key-bytes", 16); /* the key: never reported */
	pb_bytes(&svid, 4, bundle.data, bundle.len);
	pb_bytes(&msg, 1, svid.data, svid.len);
	pb_bytes(&msg, 2, "crl", 3);

	struct svid_response r;
	const char *why = NULL;
	assert_int_equal(svid_decode_response((unsigned char *)msg.data, msg.len, &r, &why), 0);
	assert_string_equal(r.spiffe_id, id);
	char *leaf = pem(k->leaf), *ca = pem(k->ca);
	assert_string_equal(r.chain_pem, leaf);
	assert_string_equal(r.bundle_pem, ca);
	assert_null(strstr(r.chain_pem, "secret"));
	svid_response_release(&r);
	free(leaf);
	free(ca);

	/* no SVID; truncated bytes */
	assert_int_equal(svid_decode_response((unsigned char *)"\x12\x03"
							       "crl",
					      5, &r, &why),
			 -1);
	assert_string_equal(why, "the response holds no SVID");
	assert_int_equal(svid_decode_response((unsigned char *)msg.data, msg.len / 2, &r, &why),
			 -1);
	buf_release(&chain);
	buf_release(&bundle);
	buf_release(&svid);
	buf_release(&msg);
}

static void test_inspect(void **state)
{
	struct pki *k = *state;
	char *leaf = pem(k->leaf), *ca = pem(k->ca), *other = pem(k->other_ca);
	struct svid_info i;
	const char *why = NULL;
	assert_int_equal(svid_inspect(leaf, ca, &i, &why), 0);
	assert_string_equal(i.uri, "spiffe://example.org/ns/a/sa/default");
	assert_int_equal(i.uri_count, 1);
	assert_string_equal(i.bundle_td, "example.org");
	assert_true(i.chain_verified);
	assert_false(i.leaf_is_ca);
	assert_int_equal(strlen(i.not_after), 20);
	svid_info_release(&i);

	/* another trust domain's CA does not verify it */
	assert_int_equal(svid_inspect(leaf, other, &i, &why), 0);
	assert_false(i.chain_verified);
	assert_string_equal(i.bundle_td, "other.org");
	assert_true(i.verify_error[0] != '\0');
	svid_info_release(&i);

	/* two URI SANs; a CA as the leaf */
	X509 *two = cert(k->key, k->ca, k->cakey,
			 "URI:spiffe://example.org/a,URI:spiffe://example.org/b", false);
	char *twop = pem(two);
	assert_int_equal(svid_inspect(twop, ca, &i, &why), 0);
	assert_int_equal(i.uri_count, 2);
	svid_info_release(&i);
	assert_int_equal(svid_inspect(ca, ca, &i, &why), 0);
	assert_true(i.leaf_is_ca);
	svid_info_release(&i);
	assert_int_equal(svid_inspect("not a certificate", ca, &i, &why), -1);

	char *td = svid_trust_domain("spiffe://example.org/ns/x");
	assert_string_equal(td, "example.org");
	free(td);
	assert_null(svid_trust_domain("https://example.org/x"));
	assert_null(svid_trust_domain("spiffe:///x"));
	X509_free(two);
	free(twop);
	free(leaf);
	free(ca);
	free(other);
}

static const char GDS_OK[] =
    " GDS release version: 1.13.1.3\n"
    " nvidia_fs version:  2.17 libcufile version: 2.12\n"
    " Platform: x86_64\n"
    " =====================\n"
    " DRIVER CONFIGURATION:\n"
    " =====================\n"
    " NVMe               : Supported\n"
    " NVMeOF             : Unsupported\n"
    " WekaFS             : Supported\n"
    " --Mellanox PeerDirect : Disabled\n"
    " =====================\n"
    " CUFILE CONFIGURATION:\n"
    " =====================\n"
    " properties.use_compat_mode : Supported\n"
    " =========\n"
    " GPU INFO:\n"
    " =========\n"
    " GPU index 0 NVIDIA H100 80GB HBM3 bar:1 bar size (MiB):131072 supports GDS, IOMMU "
    "State: Disabled\n"
    " GPU index 1 Tesla T4 bar:1 bar size (MiB):256 does not support GDS\n"
    " ==============\n"
    " PLATFORM INFO:\n"
    " ==============\n"
    " Platform verification succeeded\n";

static void test_gds_parse(void **state)
{
	(void)state;
	struct active_gds_report r;
	active_sto42_parse(GDS_OK, &r);
	assert_true(r.recognised);
	assert_string_equal(r.nvidia_fs, "2.17");
	assert_int_equal(r.supported_drivers, 2); /* not the cuFile property */
	assert_string_equal(r.drivers, "NVMe, WekaFS");
	assert_int_equal(r.gpus, 2);
	assert_int_equal(r.gds_gpus, 1);
	assert_true(r.platform_ok);
	assert_false(r.platform_error);

	active_sto42_parse(" GDS release version: 1.13\n nvidia_fs version:  N/A libcufile "
			   "version: 2.12\n DRIVER CONFIGURATION:\n NVMe : Unsupported\n"
			   " Platform verification error :\n GDS driver is not loaded\n",
			   &r);
	assert_true(r.recognised);
	assert_string_equal(r.nvidia_fs, "N/A");
	assert_int_equal(r.supported_drivers, 0);
	assert_int_equal(r.gpus, 0);
	assert_true(r.platform_error);

	active_sto42_parse("exec: gdscheck: not found\n", &r);
	assert_false(r.recognised);
	active_sto42_parse(NULL, &r);
	assert_false(r.recognised);
}

static void test_sandbox_names(void **state)
{
	(void)state;
	char *n = active_sandbox_pod_name("sandbox", "kata.Qemu_x", "-runc");
	assert_string_equal(n, "sandbox-kata-qemu-x-runc");
	free(n);
	char longrc[80];
	memset(longrc, 'a', sizeof(longrc) - 1);
	longrc[sizeof(longrc) - 1] = '\0';
	n = active_sandbox_pod_name("sandbox", longrc, "-runc");
	assert_int_equal(strlen(n), 63);
	assert_string_equal(n + 58, "-runc");
	free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decode_response),
	    cmocka_unit_test(test_inspect),
	    cmocka_unit_test(test_gds_parse),
	    cmocka_unit_test(test_sandbox_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
