/* active_http.c: a bounded GET of an absolute URL, for active tests whose query API the
 * user names as a URL (--trace-query-url) instead of a Service behind the API server's
 * proxy. */
#include <curl/curl.h>
#include <stdlib.h>

#include "checks/active_tests.h"
#include "util/buf.h"

#define HTTP_BODY_LIMIT (4 << 20)
#define HTTP_TIMEOUT_MS 15000L

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	if (b->len + size * n > HTTP_BODY_LIMIT)
		return 0;
	buf_add(b, p, size * n);
	return size * n;
}

int active_http_get(const char *url, char **body, size_t *len, long *code, struct kube_error *err)
{
	*body = NULL;
	*len = 0;
	*code = 0;
	CURL *h = curl_easy_init();
	if (h == NULL) {
		kube_error_set(err, 0, "Internal", "cannot start an HTTP request");
		return -1;
	}
	struct buf b = BUF_INIT;
	buf_init(&b);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, HTTP_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	CURLcode rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, code);
	curl_easy_cleanup(h);
	if (rc != CURLE_OK) {
		kube_error_set(err, 0, "Unavailable", "GET \"%s\": %s", url,
			       curl_easy_strerror(rc));
		buf_release(&b);
		return -1;
	}
	*body = buf_detach(&b, len);
	return 0;
}
