/* kubeconfig.c: writes the admin kubeconfig for a running kaic-sim (client certificate
 * user, the CA to trust, one context), atomically so readers never see half a file. */

#include "server/kubeconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/tls.h"
#include "util/buf.h"
#include "util/xmalloc.h"
#include "util/yaml.h"

static char *b64(const char *s)
{
	size_t n = strlen(s);
	char *out = xmalloc(4 * ((n + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
	return out;
}

static json_t *config(const struct sim_tls *t, int port)
{
	char *server = xasprintf("https://127.0.0.1:%d", port);
	char *ca = b64(t->ca_pem), *cert = b64(t->admin_cert_pem), *key = b64(t->admin_key_pem);
	json_t *c = json_pack("{s:s, s:s, s:[{s:s, s:{s:s, s:s}}], s:[{s:s, s:{s:s, s:s}}], "
			      "s:[{s:s, s:{s:s, s:s}}], s:s, s:{}}",
			      "apiVersion", "v1", "kind", "Config", "clusters", "name", "kaic-sim",
			      "cluster", "server", server, "certificate-authority-data", ca,
			      "users", "name", "kubernetes-admin", "user",
			      "client-certificate-data", cert, "client-key-data", key, "contexts",
			      "name", "kaic-sim", "context", "cluster", "kaic-sim", "user",
			      "kubernetes-admin", "current-context", "kaic-sim", "preferences");

	OPENSSL_cleanse(key, strlen(key));
	free(key);
	free(cert);
	free(ca);
	free(server);
	return c;
}

int sim_kubeconfig_write(const char *path, const struct sim_tls *t, int port, char **cause)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	json_t *c = config(t, port);
	struct buf out = BUF_INIT;
	int fd, rc = -1;
	ssize_t w = 0;

	buf_init(&out);
	yaml_emit(&out, c);
	json_decref(c);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		for (size_t off = 0; off < out.len && w >= 0; off += (size_t)w)
			w = write(fd, out.data + off, out.len - off);
		if (w >= 0 && fsync(fd) == 0 && close(fd) == 0) {
			fd = -1;
			rc = rename(tmp, path);
		}
	}
	if (rc < 0) {
		*cause = xasprintf("cannot write \"%s\": %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
	}
	OPENSSL_cleanse(out.data, out.len);
	buf_release(&out);
	free(tmp);
	return rc;
}
