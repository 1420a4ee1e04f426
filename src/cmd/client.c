/* client.c: opening a Kubernetes client from the kubeconfig flags every cluster command
 * shares (--kubeconfig, --context, --in-cluster). */
#include <stdlib.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "util/xmalloc.h"

/* True when some kubeconfig exists: --kubeconfig, $KUBECONFIG or ~/.kube/config. */
static bool kubeconfig_present(const char *path)
{
	if (path != NULL)
		return true;
	const char *env = getenv("KUBECONFIG");
	if (env != NULL && *env != '\0')
		return true;
	const char *home = getenv("HOME");
	if (home == NULL)
		return false;
	char *p = xasprintf("%s/.kube/config", home);
	bool ok = access(p, F_OK) == 0;
	free(p);
	return ok;
}

struct kube_client *cmd_client_open(const char *kubeconfig, const char *context, bool in_cluster,
				    const struct kube_client_opts *opts, char **cause)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	if (!in_cluster && !kubeconfig_present(kubeconfig) && host != NULL && *host != '\0')
		in_cluster = true;
	struct kube_config cfg = {0};
	int rc = in_cluster ? kube_config_in_cluster(&cfg, NULL, cause)
			    : kube_config_load(&cfg, kubeconfig, context, cause);
	if (rc != 0)
		return NULL;
	struct kube_client *c = kube_client_new(&cfg, opts, cause);
	kube_config_release(&cfg);
	return c;
}
