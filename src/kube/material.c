/* material.c: credential material: files read with a size limit, base64, PEM checks,
 * and registering secrets with the log's redaction. */
#include "kube/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/xmalloc.h"

int kube_read_file(const char *path, size_t limit, char **data, size_t *len, char **cause)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		*cause = xasprintf("cannot read \"%s\": %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*cause = xasprintf("cannot read \"%s\": not a regular file", path);
		close(fd);
		return -1;
	}
	struct buf b = BUF_INIT;
	buf_init(&b);
	char chunk[8192];
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*cause = xasprintf("cannot read \"%s\": %s", path, strerror(errno));
			break;
		}
		if (r == 0) {
			close(fd);
			*data = buf_detach(&b, len);
			return 0;
		}
		if (b.len + (size_t)r > limit) {
			*cause =
			    xasprintf("cannot read \"%s\": larger than %zu MiB", path, limit >> 20);
			break;
		}
		buf_add(&b, chunk, (size_t)r);
	}
	close(fd);
	buf_release(&b);
	return -1;
}

int kube_base64_decode(const char *text, char **out, size_t *len)
{
	size_t n = strlen(text);
	char *clean = xmalloc(n + 1);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (text[i] != ' ' && text[i] != '\n' && text[i] != '\r' && text[i] != '\t')
			clean[m++] = text[i];
	clean[m] = '\0';
	if (m % 4 != 0 || m > (size_t)1 << 30) {
		free(clean);
		return -1;
	}
	unsigned char *dec = xmalloc(m / 4 * 3 + 1);
	int r = m ? EVP_DecodeBlock(dec, (const unsigned char *)clean, (int)m) : 0;
	if (r < 0) {
		free(clean);
		free(dec);
		return -1;
	}
	size_t pad = 0;
	if (m >= 1 && clean[m - 1] == '=')
		pad++;
	if (m >= 2 && clean[m - 2] == '=')
		pad++;
	/* '=' anywhere but the end is invalid */
	for (size_t i = 0; i + pad < m; i++)
		if (clean[i] == '=') {
			free(clean);
			free(dec);
			return -1;
		}
	free(clean);
	*len = (size_t)r - pad;
	dec[*len] = '\0';
	*out = (char *)dec;
	return 0;
}

char *kube_base64_encode(const void *data, size_t len)
{
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return 0;
}

int kube_pem_check(const char *what, const char *pem, size_t len)
{
	if (len == 0 || len > INT32_MAX)
		return -1;
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	if (bio == NULL)
		return -1;
	int ok = 0;
	if (strcmp(what, "key") == 0) {
		EVP_PKEY *k = PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL);
		ok = k != NULL;
		EVP_PKEY_free(k);
	} else {
		X509 *x;
		while ((x = PEM_read_bio_X509(bio, NULL, no_password, NULL)) != NULL) {
			ok++;
			X509_free(x);
			if (strcmp(what, "cert") == 0)
				break;
		}
	}
	BIO_free(bio);
	ERR_clear_error();
	return ok ? 0 : -1;
}

void kube_config_secrets(const struct kube_config *cfg)
{
	log_add_secret(cfg->token);
	if (cfg->key_pem)
		kube_secret_lines(cfg->key_pem);
}

void kube_secret_lines(const char *text)
{
	const char *p = text;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n >= 16 && strncmp(p, "-----", 5) != 0) {
			char *line = xstrndup(p, n);
			if (n && line[n - 1] == '\r')
				line[n - 1] = '\0';
			log_add_secret(line);
			free(line);
		}
		p += n;
		if (*p == '\n')
			p++;
	}
}
