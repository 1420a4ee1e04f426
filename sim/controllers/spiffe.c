/* spiffe.c: the SPIRE agent's Workload API, modelled for `kaic probe svid` (see
 * spiffe.h): which SVID a pod gets, as real X.509 certificates. */

#include "controllers/spiffe.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "controllers/ctl_util.h"
#include "sim.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#define CSI_DRIVER "csi.spiffe.io"
#define SOCKET_NAME "spire-agent.sock"
#define VALID_S 3600L

/* The socket path for arg when it lies in a csi.spiffe.io mount of the pod (new
 * string), else NULL. */
static char *agent_socket(struct sim_api *api, const json_t *pod, const char *arg)
{
	json_t *drv = ctl_get(api, "storage.k8s.io", "csidrivers", NULL, CSI_DRIVER);
	json_decref(drv);
	if (!drv || !arg)
		return NULL;
	json_t *c = json_array_get(ctl_at(pod, "spec.containers"), 0);
	size_t i, j;
	json_t *m, *v;
	json_array_foreach(json_object_get(c, "volumeMounts"), i, m) {
		const char *mp = ctl_s(m, "mountPath");
		size_t n = strlen(mp);
		bool dir = !strcmp(arg, mp);
		bool inside =
		    n && !strncmp(arg, mp, n) && arg[n] == '/' && !strcmp(arg + n + 1, SOCKET_NAME);
		if (!dir && !inside)
			continue;
		json_array_foreach(ctl_at(pod, "spec.volumes"), j, v) {
			if (!strcmp(ctl_s(v, "name"), ctl_s(m, "name")) &&
			    !strcmp(ctl_s(v, "csi.driver"), CSI_DRIVER))
				return dir ? xasprintf("%s/%s", mp, SOCKET_NAME) : xstrdup(arg);
		}
	}
	return NULL;
}

static bool selects(const json_t *sel, const json_t *labels)
{
	if (sel == NULL)
		return true;
	json_t *l = labels ? json_incref((json_t *)labels) : json_object();
	bool ok = ctl_selector_match(sel, l);
	json_decref(l);
	return ok;
}

static char *render(const char *t, const json_t *vals)
{
	struct buf b = BUF_INIT;
	buf_init(&b);
	for (const char *o; (o = strstr(t, "{{")) && strstr(o, "}}");) {
		const char *c = strstr(o, "}}"), *f = o + 2;
		buf_add(&b, t, (size_t)(o - t));
		while (*f == ' ')
			f++;
		size_t n = (size_t)(c - f);
		while (n && f[n - 1] == ' ')
			n--;
		char key[64];
		snprintf(key, sizeof key, "%.*s", (int)(n < 63 ? n : 63), f);
		const char *v = json_string_value(json_object_get(vals, key));
		buf_adds(&b, v ? v : "<no value>");
		t = c + 2;
	}
	buf_adds(&b, t);
	char *s = xstrdup(b.data ? b.data : "");
	buf_release(&b);
	return s;
}

/* The SPIFFE ID the agent issues to pod (new string), or NULL. */
static char *issued_id(struct sim_api *api, const json_t *pod, const char *td)
{
	const char *fixed = json_string_value(ctl_setting(api, "spiffe", "identity"));
	if (fixed)
		return xstrdup(fixed);
	const char *ns = ctl_s(pod, "metadata.namespace");
	json_t *nso = ctl_get(api, "", "namespaces", NULL, ns);
	json_t *nsl = json_deep_copy(ctl_at(nso, "metadata.labels"));
	json_decref(nso);
	if (!nsl)
		nsl = json_object();
	json_object_set_new(nsl, "kubernetes.io/metadata.name", json_string(ns));
	const char *sa = ctl_str(pod, "spec.serviceAccountName");
	json_t *vals =
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", ".TrustDomain", td, ".PodMeta.Namespace",
		      ns, ".PodMeta.Name", ctl_s(pod, "metadata.name"), ".PodMeta.UID",
		      ctl_s(pod, "metadata.uid"), ".PodSpec.ServiceAccountName",
		      sa ? sa : "default", ".PodSpec.NodeName", ctl_s(pod, "spec.nodeName"));
	json_t *ids = ctl_list(api, "spire.spiffe.io", "clusterspiffeids", NULL);
	char *id = NULL;
	size_t i;
	json_t *cs;
	json_array_foreach(ids, i, cs) {
		if (!id && selects(ctl_at(cs, "spec.namespaceSelector"), nsl) &&
		    selects(ctl_at(cs, "spec.podSelector"), ctl_at(pod, "metadata.labels")))
			id = render(ctl_s(cs, "spec.spiffeIDTemplate"), vals);
	}
	json_decref(ids);
	json_decref(vals);
	json_decref(nsl);
	return id;
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	int ok = ext && X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* A certificate for key with URI SAN uri, signed by issuer (self-signed when NULL). */
static X509 *new_cert(EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, const char *uri, bool ca)
{
	X509 *c = X509_new();
	unsigned char serial[16] = {0};
	int ok = c && RAND_bytes(serial, sizeof serial) == 1;
	serial[0] &= 0x7f;
	BIGNUM *bn = ok ? BN_bin2bn(serial, sizeof serial, NULL) : NULL;
	ok = ok && bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c)) != NULL;
	BN_free(bn);
	ok = ok && X509_set_version(c, 2) && X509_gmtime_adj(X509_getm_notBefore(c), -60L) &&
	     X509_gmtime_adj(X509_getm_notAfter(c), VALID_S) && X509_set_pubkey(c, key);
	X509_NAME *name = ok ? X509_get_subject_name(c) : NULL;
	ok = ok && X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
					      (const unsigned char *)(ca ? "SPIFFE" : "SPIRE"), -1,
					      -1, 0);
	ok = ok && X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
	char *san = xasprintf("URI:%s", uri);
	ok = ok && add_ext(c, issuer ? issuer : c, NID_basic_constraints,
			   ca ? "critical,CA:TRUE" : "critical,CA:FALSE") == 0;
	ok = ok && add_ext(c, issuer ? issuer : c, NID_key_usage,
			   ca ? "critical,keyCertSign,cRLSign"
			      : "critical,digitalSignature,keyEncipherment,keyAgreement") == 0;
	ok = ok && add_ext(c, issuer ? issuer : c, NID_subject_alt_name, san) == 0;
	free(san);
	ok = ok && X509_sign(c, ikey ? ikey : key, EVP_sha256()) > 0;
	if (!ok) {
		X509_free(c);
		return NULL;
	}
	return c;
}

static char *pem(X509 *c)
{
	BIO *b = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(b, c);
	char *data = NULL;
	long n = BIO_get_mem_data(b, &data);
	char *s = xstrndup(data, n > 0 ? (size_t)n : 0);
	BIO_free(b);
	return s;
}

/* Fills res with a freshly issued SVID for id under trust domain td. -1 when OpenSSL
 * failed. */
static int issue(json_t *res, const char *id, const char *td)
{
	EVP_PKEY *cakey = EVP_EC_gen("P-256"), *key = EVP_EC_gen("P-256");
	char *tdu = xasprintf("spiffe://%s", td);
	X509 *ca = cakey ? new_cert(cakey, NULL, NULL, tdu, true) : NULL;
	X509 *leaf = ca && key ? new_cert(key, ca, cakey, id, false) : NULL;
	int rc = -1;
	if (leaf) {
		char *lp = pem(leaf), *cp = pem(ca);
		char na[32];
		time_t t = time(NULL) + VALID_S;
		struct tm tm;
		strftime(na, sizeof na, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
		json_object_set_new(res, "spiffe_id", json_string(id));
		json_object_set_new(res, "uri_san", json_string(id));
		json_object_set_new(res, "uri_sans", json_integer(1));
		json_object_set_new(res, "not_after", json_string(na));
		json_object_set_new(res, "chain_verified", json_true());
		json_object_set_new(res, "verify_error", json_null());
		json_object_set_new(res, "bundle_trust_domain", json_string(td));
		json_object_set_new(res, "svid_pem", json_string(lp));
		json_object_set_new(res, "bundle_pem", json_string(cp));
		free(lp);
		free(cp);
		rc = 0;
	}
	X509_free(leaf);
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(cakey);
	free(tdu);
	return rc;
}

int ctl_spiffe_svid(struct sim_api *api, const json_t *pod, const json_t *args, json_t *res)
{
	const char *arg = ctl_arg(args, "socket");
	if (!arg || !*arg) {
		json_object_set_new(res, "error", json_string("usage: --socket is required"));
		return 2;
	}
	char *sock = agent_socket(api, pod, arg);
	json_object_set_new(res, "socket", json_string(sock ? sock : arg));
	json_object_set_new(res, "grpc_status", json_null());
	json_object_set_new(res, "grpc_message", json_null());
	free(sock);
	if (!sock) {
		json_object_set_new(
		    res, "error",
		    json_string("Failed to connect to localhost port 80 after 0 ms: "
				"Couldn't connect to server"));
		return 1;
	}
	const char *td = json_string_value(ctl_setting(api, "spiffe", "trustDomain"));
	td = td ? td : "example.org";
	char *id = ctl_setting_bool(api, "spiffe", "issue", true) ? issued_id(api, pod, td) : NULL;
	if (!id) {
		json_object_set_new(res, "grpc_status", json_integer(7));
		json_object_set_new(res, "grpc_message", json_string("no identity issued"));
		json_object_set_new(res, "error",
				    json_string("the Workload API answered gRPC "
						"status 7: no identity issued"));
		return 1;
	}
	int rc = issue(res, id, td);
	if (rc != 0)
		json_object_set_new(res, "error", json_string("the agent could not sign an SVID"));
	free(id);
	return rc == 0 ? 0 : 1;
}
