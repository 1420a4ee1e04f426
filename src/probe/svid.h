/* svid.h: X.509 SVIDs (SPIFFE): decoding the Workload API's X509SVIDResponse and
 * inspecting a certificate chain against its trust bundle. `kaic probe svid` uses it in
 * the pod; SEC-5.2's check uses it again on the PEM the probe reported, so that the
 * verdict rests on kaic's own reading of the certificates. */
#ifndef KAIC_PROBE_SVID_H
#define KAIC_PROBE_SVID_H

#include <stdbool.h>
#include <stddef.h>

/* The first SVID of an X509SVIDResponse (protobuf): spiffe_id (string), the DER chain
 * and bundle (concatenated DER certificates) as PEM. Never the private key. */
struct svid_response {
	char *spiffe_id;
	char *chain_pem;
	char *bundle_pem;
};
/* Decodes msg (one gRPC message's payload). 0, or -1 with *why (static) when it is not
 * an X509SVIDResponse with an SVID. */
int svid_decode_response(const unsigned char *msg, size_t len, struct svid_response *out,
			 const char **why);
void svid_response_release(struct svid_response *r);
/* PEM of the concatenated DER certificates der (new string), or NULL when one does not
 * parse. */
char *svid_der_to_pem(const unsigned char *der, size_t len);

/* What a chain says, read with OpenSSL. */
struct svid_info {
	char *uri;	     /* the leaf's URI SAN (NULL when none) */
	int uri_count;	     /* how many URI SANs the leaf has (a SPIFFE SVID: exactly 1) */
	char *bundle_td;     /* trust domain named by the bundle's first CA (URI SAN), or NULL */
	char not_after[32];  /* the leaf's notAfter, "2025-01-02T03:04:05Z" */
	bool leaf_is_ca;     /* basicConstraints CA:TRUE on the leaf (forbidden for an SVID) */
	bool chain_verified; /* the chain verifies against the bundle (OpenSSL, now) */
	char verify_error[160];
};
/* Reads chain_pem (leaf first) and bundle_pem. 0, or -1 with *why (static) when the
 * chain has no certificate. */
int svid_inspect(const char *chain_pem, const char *bundle_pem, struct svid_info *out,
		 const char **why);
void svid_info_release(struct svid_info *i);
/* The trust domain of a SPIFFE ID ("spiffe://TD/path"): a new string, or NULL when id is
 * not a SPIFFE ID. */
char *svid_trust_domain(const char *id);

#endif
