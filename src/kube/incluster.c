/* incluster.c: the in-cluster config, from the pod's service-account mount. */
#include "kube/internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/xmalloc.h"

#define SA_ROOT "/var/run/secrets/kubernetes.io/serviceaccount"

static char *sa_read(const char *root, const char *name, bool required, char **cause)
{
	char *path = xasprintf("%s/%s", root, name);
	char *data = NULL, *inner = NULL;
	size_t len;
	if (kube_read_file(path, KC_DATA_LIMIT, &data, &len, &inner) != 0) {
		if (required)
			*cause = xasprintf("in-cluster config: %s", inner);
		free(inner);
		free(path);
		return NULL;
	}
	free(path);
	return data;
}

int kube_config_in_cluster(struct kube_config *cfg, const char *root, char **cause)
{
	memset(cfg, 0, sizeof(*cfg));
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	if (host == NULL || port == NULL || !*host || !*port) {
		*cause = xstrdup("in-cluster config: KUBERNETES_SERVICE_HOST and "
				 "KUBERNETES_SERVICE_PORT must be set");
		return -1;
	}
	if (root == NULL)
		root = SA_ROOT;
	cfg->source = xstrdup("in-cluster");
	cfg->context_name = xstrdup("in-cluster");
	cfg->cluster_name = xstrdup("in-cluster");
	cfg->user_name = xstrdup("serviceaccount");
	bool v6 = strchr(host, ':') != NULL;
	cfg->server = xasprintf("https://%s%s%s:%s", v6 ? "[" : "", host, v6 ? "]" : "", port);
	cfg->token_file = xasprintf("%s/token", root);
	cfg->token = sa_read(root, "token", true, cause);
	if (cfg->token == NULL)
		goto fail;
	cfg->token[strcspn(cfg->token, "\r\n")] = '\0';
	if (*cfg->token == '\0') {
		*cause = xasprintf("in-cluster config: \"%s\" holds no token", cfg->token_file);
		goto fail;
	}
	log_add_secret(cfg->token);
	cfg->ca_pem = sa_read(root, "ca.crt", true, cause);
	if (cfg->ca_pem == NULL)
		goto fail;
	cfg->ca_len = strlen(cfg->ca_pem);
	if (kube_pem_check("ca", cfg->ca_pem, cfg->ca_len) != 0) {
		*cause =
		    xasprintf("in-cluster config: \"%s/ca.crt\" holds no PEM certificate", root);
		goto fail;
	}
	char *ns = sa_read(root, "namespace", false, cause);
	if (ns != NULL)
		ns[strcspn(ns, "\r\n")] = '\0';
	if (ns != NULL && *ns != '\0')
		cfg->namespace = ns;
	else {
		free(ns);
		cfg->namespace = xstrdup("default");
	}
	return 0;
fail:
	kube_config_release(cfg);
	return -1;
}
