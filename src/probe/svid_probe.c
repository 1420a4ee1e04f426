/* svid_probe.c: `kaic probe svid --socket PATH [--timeout 5s]`: asks the SPIFFE Workload
 * API at the Unix socket PATH (the SPIRE agent's socket, as the SPIFFE CSI driver mounts
 * it; a directory: its spire-agent.sock, agent.sock, socket, else its first socket) for
 * the pod's X.509 SVID: gRPC FetchX509SVID over HTTP/2 (prior knowledge), with
 * the security header "workload.spiffe.io: true", taking the stream's first message.
 * Result: {"socket", "spiffe_id", "uri_san", "uri_sans", "not_after", "chain_verified",
 * "verify_error", "bundle_trust_domain", "svid_pem" (the chain, leaf first),
 * "bundle_pem", "grpc_status", "grpc_message", "error"}; never the private key. Exit 0
 * when an SVID was received. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <dirent.h>

#include "probe/common.h"
#include "probe/svid.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#define SVID_NAME "svid"
#define SVID_URL "http://localhost/SpiffeWorkloadAPI/FetchX509SVID"
#define SVID_MAX_MESSAGE (1 << 20)

struct svid_call {
	struct buf body;
	long grpc_status; /* -1 none */
	char grpc_message[256];
	bool complete; /* one whole gRPC message received */
};

/* The first gRPC message's payload length when the 5-byte prefix is in, else -1. */
static long msg_len(const struct buf *b)
{
	if (b->len < 5)
		return -1;
	const unsigned char *p = (const unsigned char *)b->data;
	return (long)((unsigned long)p[1] << 24 | (unsigned long)p[2] << 16 |
		      (unsigned long)p[3] << 8 | p[4]);
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct svid_call *c = arg;
	size_t n = size * nmemb;
	buf_add(&c->body, p, n);
	long m = msg_len(&c->body);
	if (m > SVID_MAX_MESSAGE)
		return 0;
	if (m >= 0 && c->body.len >= (size_t)m + 5) {
		c->complete = true;
		return 0; /* a stream: stop after the first message */
	}
	return n;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct svid_call *c = arg;
	size_t n = size * nmemb;
	if (n > 12 && strncasecmp(p, "grpc-status:", 12) == 0)
		c->grpc_status = strtol(p + 12, NULL, 10);
	else if (n > 13 && strncasecmp(p, "grpc-message:", 13) == 0) {
		const char *v = p + 13;
		while (*v == ' ')
			v++;
		size_t l = strcspn(v, "\r\n");
		snprintf(c->grpc_message, sizeof(c->grpc_message), "%.*s", (int)l, v);
	}
	return n;
}

/* Calls FetchX509SVID. 0 when a message came; -1 with *err (caller frees). */
static int svid_fetch(const char *socket, double timeout, struct svid_call *c, char **err)
{
	CURL *h = curl_easy_init();
	if (h == NULL) {
		*err = xstrdup("cannot create a curl handle");
		return -1;
	}
	static const char frame[5] = {0, 0, 0, 0, 0}; /* X509SVIDRequest{} */
	struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/grpc");
	hdrs = curl_slist_append(hdrs, "TE: trailers");
	hdrs = curl_slist_append(hdrs, "workload.spiffe.io: true");
	hdrs = curl_slist_append(hdrs, "Expect:");
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(h, CURLOPT_URL, SVID_URL);
	curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, socket);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, frame);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)sizeof(frame));
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(timeout * 1000));
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "kaic-probe/" KAIC_VERSION);
	CURLcode rc = curl_easy_perform(h);
	int out = 0;
	if (!c->complete) {
		if (c->grpc_status > 0)
			*err = xasprintf("the Workload API answered gRPC status %ld%s%s",
					 c->grpc_status, c->grpc_message[0] ? ": " : "",
					 c->grpc_message);
		else
			*err =
			    xstrdup(rc != CURLE_OK ? (errbuf[0] ? errbuf : curl_easy_strerror(rc))
						   : "the stream ended without a message");
		out = -1;
	}
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return out;
}

/* Adds what the SVID's certificates say to res. */
static void svid_report(json_t *res, const struct svid_response *r)
{
	struct svid_info info;
	const char *why = NULL;
	json_object_set_new(res, "spiffe_id", probe_json_string(r->spiffe_id));
	json_object_set_new(res, "svid_pem", probe_json_string(r->chain_pem));
	json_object_set_new(res, "bundle_pem", probe_json_string(r->bundle_pem));
	if (svid_inspect(r->chain_pem, r->bundle_pem, &info, &why) != 0) {
		json_object_set_new(res, "error", json_string(why));
		return;
	}
	json_object_set_new(res, "uri_san", probe_json_string(info.uri));
	json_object_set_new(res, "uri_sans", json_integer(info.uri_count));
	json_object_set_new(res, "not_after", json_string(info.not_after));
	json_object_set_new(res, "chain_verified", json_boolean(info.chain_verified));
	json_object_set_new(res, "verify_error",
			    info.verify_error[0] ? json_string(info.verify_error) : json_null());
	json_object_set_new(res, "bundle_trust_domain", probe_json_string(info.bundle_td));
	svid_info_release(&info);
}

static bool is_socket(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* The socket to use for path (new string): path itself unless it is a directory. */
static char *svid_socket(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return xstrdup(path);
	static const char *const names[] = {"spire-agent.sock", "agent.sock", "socket", NULL};
	for (size_t i = 0; names[i]; i++) {
		char *s = xasprintf("%s/%s", path, names[i]);
		if (is_socket(s))
			return s;
		free(s);
	}
	char *found = NULL;
	DIR *d = opendir(path);
	struct dirent *e;
	while (d && found == NULL && (e = readdir(d)) != NULL) {
		char *s = xasprintf("%s/%s", path, e->d_name);
		if (is_socket(s))
			found = s;
		else
			free(s);
	}
	if (d)
		closedir(d);
	return found ? found : xasprintf("%s/spire-agent.sock", path);
}

int probe_svid_run(int argc, char **argv)
{
	const char *socket = NULL, *timeout_s = "5s";
	for (int i = 1; i < argc; i++) {
		const char *v;
		int m = probe_opt(argc, argv, &i, "socket", &v);
		if (m > 0)
			socket = v;
		else if (m == 0 && (m = probe_opt(argc, argv, &i, "timeout", &v)) > 0)
			timeout_s = v;
		else if (m == 0)
			return probe_usage_error(SVID_NAME, "unknown argument \"%s\"", argv[i]);
		if (m < 0)
			return probe_usage_error(SVID_NAME, "%s needs a value", argv[i]);
	}
	double timeout = 0;
	if (socket == NULL || *socket == '\0')
		return probe_usage_error(SVID_NAME, "--socket is required");
	if (probe_parse_duration(timeout_s, &timeout) < 0)
		return probe_usage_error(SVID_NAME, "invalid duration \"%s\"", timeout_s);
	struct svid_call c = {.grpc_status = -1};
	buf_init(&c.body);
	char *err = NULL;
	char *path = svid_socket(socket);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = svid_fetch(path, timeout, &c, &err);
	curl_global_cleanup();
	json_t *res = json_object();
	json_object_set_new(res, "socket", probe_json_string(path));
	free(path);
	json_object_set_new(res, "grpc_status",
			    c.grpc_status >= 0 ? json_integer(c.grpc_status) : json_null());
	json_object_set_new(res, "grpc_message",
			    c.grpc_message[0] ? probe_json_string(c.grpc_message) : json_null());
	struct svid_response r = {0};
	const char *why = NULL;
	if (rc == 0 && svid_decode_response((const unsigned char *)c.body.data + 5,
					    (size_t)msg_len(&c.body), &r, &why) != 0) {
		err = xstrdup(why);
		rc = -1;
	}
	if (rc == 0)
		svid_report(res, &r);
	if (err != NULL)
		json_object_set_new(res, "error", json_string(err));
	svid_response_release(&r);
	buf_release(&c.body);
	free(err);
	return probe_emit(SVID_NAME, res, rc == 0 ? PROBE_EXIT_OK : PROBE_EXIT_FAILED);
}
