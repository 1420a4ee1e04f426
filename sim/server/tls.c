/* tls.c: kaic-sim's certificates: a generated CA, server certificate and admin client
 * certificate (OpenSSL), and verification of client certificate chains. */

#include "server/tls.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#define DAY_S (24L * 3600L)

static char *ssl_cause(const char *what)
{
	char err[256];
	unsigned long e = ERR_get_error();

	if (!e)
		return xasprintf("%s", what);
	ERR_error_string_n(e, err, sizeof(err));
	ERR_clear_error();
	return xasprintf("%s: %s", what, err);
}

static EVP_PKEY *new_key(void)
{
	return EVP_EC_gen("P-256");
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return -1;
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* One certificate for key, signed by issuer/issuer_key (self-signed when NULL). */
static X509 *new_cert(EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, const char *cn,
		      const char *org, const char *const *exts)
{
	X509 *c = X509_new();
	X509_NAME *name;
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	int ok = c != NULL;

	if (ok && RAND_bytes(serial, sizeof(serial)) == 1) {
		serial[0] &= 0x7f;
		bn = BN_bin2bn(serial, sizeof(serial), NULL);
		ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c)) != NULL;
		BN_free(bn);
	} else {
		ok = 0;
	}
	ok = ok && X509_set_version(c, 2);
	ok = ok && X509_gmtime_adj(X509_getm_notBefore(c), -3600L);
	ok = ok && X509_gmtime_adj(X509_getm_notAfter(c), 3650L * DAY_S);
	ok = ok && X509_set_pubkey(c, key);
	name = ok ? X509_get_subject_name(c) : NULL;
	if (name && org)
		ok = X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
						(const unsigned char *)org, -1, -1, 0);
	if (name && ok)
		ok = X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
						(const unsigned char *)cn, -1, -1, 0);
	ok = ok && X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
	for (size_t i = 0; ok && exts[i]; i += 2)
		ok = add_ext(c, issuer ? issuer : c, OBJ_txt2nid(exts[i]), exts[i + 1]) == 0;
	ok = ok && X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256()) > 0;
	if (!ok) {
		X509_free(c);
		return NULL;
	}
	return c;
}

static char *bio_string(BIO *b)
{
	char *data;
	long n = BIO_get_mem_data(b, &data);
	char *s = xstrndup(data, n > 0 ? (size_t)n : 0);

	BIO_free(b);
	return s;
}

static char *cert_pem(X509 *c)
{
	BIO *b = BIO_new(BIO_s_mem());

	if (!b)
		abort();
	PEM_write_bio_X509(b, c);
	return bio_string(b);
}

static char *key_pem(EVP_PKEY *k)
{
	BIO *b = BIO_new(BIO_s_mem());

	if (!b)
		abort();
	PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
	return bio_string(b);
}

static char *read_text(const char *path, char **cause)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;

	if (!f) {
		*cause = xasprintf("cannot read \"%s\": %s", path, strerror(errno));
		return NULL;
	}
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	return buf_detach(&b, NULL);
}

/* Checks that a PEM text holds what it should, so errors show before serving. */
static int check_pem(const char *pem, bool key, const char *path, char **cause)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	void *obj;

	if (!b)
		abort();
	obj = key ? (void *)PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)
		  : (void *)PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (!obj) {
		ERR_clear_error();
		*cause =
		    xasprintf("\"%s\" holds no PEM %s", path, key ? "private key" : "certificate");
		return -1;
	}
	if (key)
		EVP_PKEY_free(obj);
	else
		X509_free(obj);
	return 0;
}

static int load_server_files(struct sim_tls *t, const char *cert_file, const char *key_file,
			     char **cause)
{
	t->server_cert_pem = read_text(cert_file, cause);
	if (!t->server_cert_pem)
		return -1;
	t->server_key_pem = read_text(key_file, cause);
	if (!t->server_key_pem)
		return -1;
	if (check_pem(t->server_cert_pem, false, cert_file, cause) < 0 ||
	    check_pem(t->server_key_pem, true, key_file, cause) < 0)
		return -1;
	t->ca_pem = xstrdup(t->server_cert_pem);
	return 0;
}

static const char *const ca_exts[] = {"basicConstraints",
				      "critical,CA:TRUE",
				      "keyUsage",
				      "critical,keyCertSign,cRLSign,digitalSignature",
				      "subjectKeyIdentifier",
				      "hash",
				      NULL};
static const char *const server_exts[] = {"basicConstraints",
					  "critical,CA:FALSE",
					  "keyUsage",
					  "critical,digitalSignature,keyEncipherment",
					  "extendedKeyUsage",
					  "serverAuth",
					  "subjectAltName",
					  "IP:127.0.0.1,DNS:localhost",
					  "authorityKeyIdentifier",
					  "keyid",
					  NULL};
static const char *const client_exts[] = {"basicConstraints",
					  "critical,CA:FALSE",
					  "keyUsage",
					  "critical,digitalSignature,keyEncipherment",
					  "extendedKeyUsage",
					  "clientAuth",
					  "authorityKeyIdentifier",
					  "keyid",
					  NULL};

int sim_tls_init(struct sim_tls *t, const char *cert_file, const char *key_file, char **cause)
{
	EVP_PKEY *ca_key = NULL, *srv_key = NULL, *adm_key = NULL;
	X509 *ca = NULL, *srv = NULL, *adm = NULL;
	X509_STORE *store = NULL;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	if ((cert_file == NULL) != (key_file == NULL)) {
		*cause = xstrdup("--tls-cert and --tls-key go together");
		return -1;
	}
	ca_key = new_key();
	adm_key = new_key();
	if (!ca_key || !adm_key) {
		*cause = ssl_cause("cannot generate keys");
		goto out;
	}
	ca = new_cert(ca_key, NULL, NULL, "kaic-sim-ca", NULL, ca_exts);
	adm = ca ? new_cert(adm_key, ca, ca_key, "kubernetes-admin", "system:masters", client_exts)
		 : NULL;
	if (!ca || !adm) {
		*cause = ssl_cause("cannot create certificates");
		goto out;
	}
	if (cert_file) {
		if (load_server_files(t, cert_file, key_file, cause) < 0)
			goto out;
	} else {
		srv_key = new_key();
		srv = srv_key ? new_cert(srv_key, ca, ca_key, "kaic-sim", NULL, server_exts) : NULL;
		if (!srv) {
			*cause = ssl_cause("cannot create the server certificate");
			goto out;
		}
		t->server_cert_pem = cert_pem(srv);
		t->server_key_pem = key_pem(srv_key);
		t->ca_pem = cert_pem(ca);
	}
	t->client_ca_pem = cert_pem(ca);
	t->admin_cert_pem = cert_pem(adm);
	t->admin_key_pem = key_pem(adm_key);
	store = X509_STORE_new();
	if (!store || !X509_STORE_add_cert(store, ca)) {
		*cause = ssl_cause("cannot build the client certificate store");
		X509_STORE_free(store);
		goto out;
	}
	t->client_store = store;
	t->verify_lock = xmalloc(sizeof(*t->verify_lock));
	pthread_mutex_init(t->verify_lock, NULL);
	rc = 0;
out:
	X509_free(ca);
	X509_free(srv);
	X509_free(adm);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(srv_key);
	EVP_PKEY_free(adm_key);
	if (rc < 0)
		sim_tls_release(t);
	return rc;
}

void sim_tls_release(struct sim_tls *t)
{
	free(t->ca_pem);
	free(t->server_cert_pem);
	if (t->server_key_pem)
		OPENSSL_cleanse(t->server_key_pem, strlen(t->server_key_pem));
	free(t->server_key_pem);
	free(t->client_ca_pem);
	free(t->admin_cert_pem);
	if (t->admin_key_pem)
		OPENSSL_cleanse(t->admin_key_pem, strlen(t->admin_key_pem));
	free(t->admin_key_pem);
	X509_STORE_free(t->client_store);
	if (t->verify_lock != NULL) {
		pthread_mutex_destroy(t->verify_lock);
		free(t->verify_lock);
	}
	memset(t, 0, sizeof(*t));
}

static char *name_entry(X509_NAME *name, int index)
{
	X509_NAME_ENTRY *e = X509_NAME_get_entry(name, index);
	ASN1_STRING *s = e ? X509_NAME_ENTRY_get_data(e) : NULL;
	unsigned char *utf8 = NULL;
	int n;
	char *out;

	if (!s || (n = ASN1_STRING_to_UTF8(&utf8, s)) < 0)
		return NULL;
	out = xstrndup((const char *)utf8, (size_t)n);
	OPENSSL_free(utf8);
	return out;
}

static int subject_identity(X509 *leaf, char **user, char ***groups)
{
	X509_NAME *name = X509_get_subject_name(leaf);
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	size_t n = 0;

	if (i < 0)
		return -1;
	*user = name_entry(name, i);
	if (!*user || !**user) {
		safefree(*user);
		return -1;
	}
	*groups = xcalloc(1, sizeof(char *));
	for (i = -1; (i = X509_NAME_get_index_by_NID(name, NID_organizationName, i)) >= 0;) {
		char *g = name_entry(name, i);

		if (!g)
			continue;
		*groups = xreallocarray(*groups, n + 2, sizeof(char *));
		(*groups)[n++] = g;
		(*groups)[n] = NULL;
	}
	return 0;
}

int sim_tls_verify_client(const struct sim_tls *t, const unsigned char *const *der,
			  const size_t *lens, size_t n, char **user, char ***groups)
{
	STACK_OF(X509) *chain = NULL;
	X509_STORE_CTX *ctx = NULL;
	X509 *leaf = NULL;
	int rc = -1;

	*user = NULL;
	*groups = NULL;
	if (!t->client_store || n == 0)
		return -1;
	chain = sk_X509_new_null();
	for (size_t i = 0; chain && i < n; i++) {
		const unsigned char *p = der[i];
		X509 *c = d2i_X509(NULL, &p, (long)lens[i]);

		if (!c)
			goto out;
		if (i == 0)
			leaf = c;
		else
			sk_X509_push(chain, c);
	}
	ctx = X509_STORE_CTX_new();
	if (!leaf || !ctx || !X509_STORE_CTX_init(ctx, t->client_store, leaf, chain))
		goto out;
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
	pthread_mutex_lock(t->verify_lock);
	int verified = X509_verify_cert(ctx);
	pthread_mutex_unlock(t->verify_lock);
	if (verified != 1)
		goto out;
	rc = subject_identity(leaf, user, groups);
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	X509_free(leaf);
	sk_X509_pop_free(chain, X509_free);
	return rc;
}
