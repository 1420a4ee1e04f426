/* auth.c: service-account tokens and Secret bearer tokens for probes (auth.h). */
#include "auth.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/log.h"
#include "util/xmalloc.h"

#define TOKEN_SECONDS 3600

struct auth_token {
	char *token;
	long long renew_ms; /* when to ask for a new one */
};

void auth_init(struct auth *a, struct kube_client *kc, const char *sa_ns, const char *sa_name)
{
	memset(a, 0, sizeof(*a));
	a->kc = kc;
	a->sa_ns = sa_ns;
	a->sa_name = sa_name;
	pthread_mutex_init(&a->mu, NULL);
	hmap_init(&a->tokens);
}

static void drop(const char *key, size_t len, void *val, void *arg)
{
	(void)key, (void)len, (void)arg;
	struct auth_token *t = val;
	free(t->token);
	free(t);
}

void auth_release(struct auth *a)
{
	hmap_each(&a->tokens, drop, NULL);
	hmap_release(&a->tokens);
	pthread_mutex_destroy(&a->mu);
}

static char *request_token(struct auth *a, const char *audience, struct kube_error *err)
{
	if (!a->sa_ns || !a->sa_name) {
		kube_error_set(err, 0, "NoServiceAccount", "%s",
			       "kaic-agentd does not know its service account "
			       "(--token-service-account or POD_NAMESPACE and "
			       "SERVICE_ACCOUNT_NAME)");
		return NULL;
	}
	char *path = kube_path("", "v1", "serviceaccounts", a->sa_ns, a->sa_name);
	char *full = xasprintf("%s/token", path);
	free(path);
	json_t *req = json_pack("{s:s, s:s, s:{s:[s], s:i}}", "apiVersion",
				"authentication.k8s.io/v1", "kind", "TokenRequest", "spec",
				"audiences", audience, "expirationSeconds", TOKEN_SECONDS);
	json_t *out = NULL;
	int rc = kube_create(a->kc, full, req, &out, err);
	free(full);
	json_decref(req);
	if (rc != 0)
		return NULL;
	const char *tok =
	    json_string_value(json_object_get(json_object_get(out, "status"), "token"));
	char *t = tok && *tok ? xstrdup(tok) : NULL;
	if (!t)
		kube_error_set(err, 200, "InvalidTokenRequest", "%s",
			       "the TokenRequest answer holds no status.token");
	else
		log_add_secret(t);
	json_decref(out);
	return t;
}

char *auth_sa_token(struct auth *a, const char *audience, struct kube_error *err)
{
	pthread_mutex_lock(&a->mu);
	struct auth_token *t = hmap_get(&a->tokens, audience);
	if (t && t->renew_ms > now_ms()) {
		char *tok = xstrdup(t->token);
		pthread_mutex_unlock(&a->mu);
		return tok;
	}
	pthread_mutex_unlock(&a->mu);
	char *tok = request_token(a, audience, err);
	if (!tok)
		return NULL;
	pthread_mutex_lock(&a->mu);
	t = hmap_get(&a->tokens, audience);
	if (!t) {
		t = xcalloc(1, sizeof(*t));
		hmap_put(&a->tokens, audience, t);
	}
	free(t->token);
	t->token = xstrdup(tok);
	t->renew_ms = now_ms() + TOKEN_SECONDS * 800LL;
	pthread_mutex_unlock(&a->mu);
	return tok;
}

static char *b64decode(const char *s)
{
	size_t n = strlen(s);
	unsigned char *out = xmalloc(n / 4 * 3 + 4);
	int len = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
	if (len < 0 || n % 4 != 0) {
		free(out);
		return NULL;
	}
	while (n > 0 && s[n - 1] == '=' && len > 0) { /* EVP_DecodeBlock keeps padding zeros */
		n--;
		len--;
	}
	out[len] = '\0';
	if (strlen((char *)out) != (size_t)len) { /* a NUL inside */
		free(out);
		return NULL;
	}
	return (char *)out;
}

int auth_secret_token(struct auth *a, const char *ns, const char *name, char **token, char *msg,
		      size_t msglen, struct kube_error *err)
{
	*token = NULL;
	char *path = kube_path("", "v1", "secrets", ns, name);
	json_t *sec = NULL;
	int rc = kube_get(a->kc, path, &sec, err);
	free(path);
	if (rc != 0) {
		if (err->http_code == 404) {
			snprintf(msg, msglen, "Secret %s/%s does not exist", ns, name);
			return 1;
		}
		return -1;
	}
	const char *v = json_string_value(json_object_get(json_object_get(sec, "data"), "token"));
	char *t = v ? b64decode(v) : NULL;
	json_decref(sec);
	if (!t || !*t || strpbrk(t, "\r\n")) {
		free(t);
		snprintf(msg, msglen, "Secret %s/%s has no usable key \"token\"", ns, name);
		return 1;
	}
	log_add_secret(t);
	*token = t;
	return 0;
}
