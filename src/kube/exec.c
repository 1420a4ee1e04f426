/* exec.c: exec credential plugins (client.authentication.k8s.io/v1 and v1beta1): runs the
 * plugin without a shell, parses its ExecCredential and caches it until it expires. */
#include "kube/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/xmalloc.h"
#include "util/clock.h"

extern char **environ;

void kube_cred_release(struct kube_cred *cred)
{
	if (cred->token) {
		OPENSSL_cleanse(cred->token, strlen(cred->token));
		free(cred->token);
	}
	if (cred->key_pem) {
		OPENSSL_cleanse(cred->key_pem, cred->key_len);
		free(cred->key_pem);
	}
	free(cred->cert_pem);
	memset(cred, 0, sizeof(*cred));
}

static void cred_copy(struct kube_cred *dst, const struct kube_cred *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->token = src->token ? xstrdup(src->token) : NULL;
	if (src->cert_pem) {
		dst->cert_pem = xstrndup(src->cert_pem, src->cert_len);
		dst->cert_len = src->cert_len;
	}
	if (src->key_pem) {
		dst->key_pem = xstrndup(src->key_pem, src->key_len);
		dst->key_len = src->key_len;
	}
}

void kube_exec_init(struct kube_exec_state *st)
{
	memset(st, 0, sizeof(*st));
	pthread_mutex_init(&st->lock, NULL);
	st->timeout_ms = 30000;
	st->max_output = (size_t)1 << 20;
}

void kube_exec_release(struct kube_exec_state *st)
{
	kube_cred_release(&st->cred);
	pthread_mutex_destroy(&st->lock);
}

void kube_exec_invalidate(struct kube_exec_state *st)
{
	pthread_mutex_lock(&st->lock);
	st->have = false;
	pthread_mutex_unlock(&st->lock);
}

static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	*out = v;
	return 0;
}

int kube_time_parse(const char *s, time_t *t)
{
	struct tm tm = {0};
	int y, mo, d, h, mi, se;
	const char *p = s;
	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
	    digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
		return -1;
	p++;
	if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) || *p++ != ':' ||
	    digits(&p, 2, &se))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return -1;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	long off = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, oh, om;
		if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) || oh > 23 || om > 59)
			return -1;
		off = sign * (oh * 3600L + om * 60L);
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*t = timegm(&tm) - off;
	return 0;
}

static int parse_fail(char **cause, const struct kube_exec *ex, const char *what)
{
	*cause = xasprintf("exec plugin \"%s\" %s", ex->command, what);
	return -1;
}

int kube_exec_parse(const struct kube_exec *ex, const char *out, size_t len, struct kube_cred *cred,
		    time_t *expiry, char **cause)
{
	memset(cred, 0, sizeof(*cred));
	*expiry = 0;
	json_error_t jerr;
	json_t *doc = json_loadb(out, len, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		*cause = xasprintf("exec plugin \"%s\" wrote invalid JSON (line %d, column %d); "
				   "want an ExecCredential",
				   ex->command, jerr.line, jerr.column);
		return -1;
	}
	int rc = -1;
	const char *kind = json_string_value(json_object_get(doc, "kind"));
	const char *av = json_string_value(json_object_get(doc, "apiVersion"));
	json_t *status = json_object_get(doc, "status");
	if (!json_is_object(doc) || kind == NULL || strcmp(kind, "ExecCredential") != 0) {
		parse_fail(cause, ex, "wrote something other than an ExecCredential");
		goto out;
	}
	if (av == NULL || strcmp(av, ex->api_version) != 0) {
		*cause = xasprintf("exec plugin \"%s\" answered with another apiVersion than "
				   "the configured \"%s\"",
				   ex->command, ex->api_version);
		goto out;
	}
	if (!json_is_object(status)) {
		parse_fail(cause, ex, "wrote an ExecCredential without status");
		goto out;
	}
	const char *token = json_string_value(json_object_get(status, "token"));
	const char *cert = json_string_value(json_object_get(status, "clientCertificateData"));
	const char *key = json_string_value(json_object_get(status, "clientKeyData"));
	const char *exp = json_string_value(json_object_get(status, "expirationTimestamp"));
	if ((cert && *cert) != (key && *key)) {
		parse_fail(cause, ex,
			   "returned a client certificate without its key or the "
			   "other way round");
		goto out;
	}
	if (!(token && *token) && !(cert && *cert)) {
		parse_fail(cause, ex, "returned neither a token nor a client certificate");
		goto out;
	}
	if (cert && *cert &&
	    (kube_pem_check("cert", cert, strlen(cert)) != 0 ||
	     kube_pem_check("key", key, strlen(key)) != 0)) {
		parse_fail(cause, ex, "returned a client certificate or key that is not valid PEM");
		goto out;
	}
	if (exp && *exp && kube_time_parse(exp, expiry) != 0) {
		parse_fail(cause, ex, "returned an invalid expirationTimestamp");
		goto out;
	}
	if (token && *token)
		cred->token = xstrdup(token);
	if (cert && *cert) {
		cred->cert_pem = xstrdup(cert);
		cred->cert_len = strlen(cert);
		cred->key_pem = xstrdup(key);
		cred->key_len = strlen(key);
	}
	rc = 0;
out:
	json_decref(doc);
	return rc;
}

/* The KUBERNETES_EXEC_INFO document. */
static char *exec_info(const struct kube_config *cfg, bool interactive)
{
	const struct kube_exec *ex = cfg->exec;
	json_t *spec = json_object();
	json_object_set_new(spec, "interactive", json_boolean(interactive));
	if (ex->provide_cluster_info) {
		json_t *cl = json_object();
		json_object_set_new(cl, "server", json_string(cfg->server ? cfg->server : ""));
		if (cfg->tls_server_name)
			json_object_set_new(cl, "tls-server-name",
					    json_string(cfg->tls_server_name));
		if (cfg->insecure)
			json_object_set_new(cl, "insecure-skip-tls-verify", json_true());
		if (cfg->ca_pem) {
			char *b64 = kube_base64_encode(cfg->ca_pem, cfg->ca_len);
			json_object_set_new(cl, "certificate-authority-data", json_string(b64));
			free(b64);
		}
		if (cfg->proxy_url)
			json_object_set_new(cl, "proxy-url", json_string(cfg->proxy_url));
		json_object_set_new(spec, "cluster", cl);
	}
	json_t *doc = json_object();
	json_object_set_new(doc, "apiVersion", json_string(ex->api_version));
	json_object_set_new(doc, "kind", json_string("ExecCredential"));
	json_object_set_new(doc, "spec", spec);
	char *s = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return s;
}

static bool env_overridden(const char *entry, char **env)
{
	size_t n = strcspn(entry, "=");
	if (strncmp(entry, "KUBERNETES_EXEC_INFO=", 21) == 0)
		return true;
	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], entry, n) == 0 && env[i][n] == '=')
			return true;
	return false;
}

/* kaic's environment, then the plugin's env, then KUBERNETES_EXEC_INFO. */
static char **exec_envp(const struct kube_exec *ex, const char *info)
{
	size_t n = 0, m = 0;
	while (environ && environ[n])
		n++;
	while (ex->env && ex->env[m])
		m++;
	char **envp = xcalloc(n + m + 2, sizeof(char *));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!env_overridden(environ[i], ex->env))
			envp[k++] = xstrdup(environ[i]);
	for (size_t i = 0; i < m; i++)
		envp[k++] = xstrdup(ex->env[i]);
	envp[k++] = xasprintf("KUBERNETES_EXEC_INFO=%s", info);
	return envp;
}

static void free_strv(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

struct run {
	const struct kube_exec *ex;
	pid_t pid;
	int out; /* read end of stdout */
	int err; /* read end of the exec-failure pipe */
};

/* Forks and execs the plugin; returns 0 or -1 with *cause. */
static int exec_spawn(struct run *r, char **argv, char **envp, bool interactive, char **cause)
{
	int outp[2], errp[2];
	if (pipe2(outp, O_CLOEXEC) != 0)
		goto sysfail;
	if (pipe2(errp, O_CLOEXEC) != 0) {
		close(outp[0]);
		close(outp[1]);
		goto sysfail;
	}
	int devnull = interactive ? -1 : open("/dev/null", O_RDONLY | O_CLOEXEC);
	r->pid = fork();
	if (r->pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(outp[1], 1);
		execvpe(argv[0], argv, envp);
		int e = errno;
		ssize_t w = write(errp[1], &e, sizeof(e));
		(void)w;
		_exit(127);
	}
	int saved = errno;
	if (devnull >= 0)
		close(devnull);
	close(outp[1]);
	close(errp[1]);
	if (r->pid < 0) {
		close(outp[0]);
		close(errp[0]);
		errno = saved;
		goto sysfail;
	}
	r->out = outp[0];
	r->err = errp[0];
	return 0;
sysfail:
	*cause = xasprintf("exec plugin \"%s\": cannot start: %s", r->ex->command, strerror(errno));
	return -1;
}

/* Reads the plugin's stdout until EOF, the limit or the timeout. Returns 0, or -1 with
 * *cause (the plugin is then killed). */
static int exec_collect(struct run *r, long long end, long timeout_ms, size_t limit,
			struct buf *out, char **cause)
{
	char chunk[16384];
	for (;;) {
		long long left = end - now_ms();
		if (left <= 0) {
			*cause = xasprintf("exec plugin \"%s\" timed out after %ld ms",
					   r->ex->command, timeout_ms);
			return -1;
		}
		struct pollfd p = {.fd = r->out, .events = POLLIN};
		int n = poll(&p, 1, (int)(left > 1000 ? 1000 : left));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			continue;
		ssize_t got = read(r->out, chunk, sizeof(chunk));
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got <= 0)
			return 0;
		if (out->len + (size_t)got > limit) {
			*cause = xasprintf("exec plugin \"%s\" wrote more than %zu KiB",
					   r->ex->command, limit >> 10);
			return -1;
		}
		buf_add(out, chunk, (size_t)got);
	}
}

/* Waits (until end) for the plugin and turns its end into an error when it failed. */
static int exec_reap(struct run *r, bool killed, long long end, long timeout_ms, char **cause)
{
	int status = 0, e = 0;
	if (killed)
		kill(r->pid, SIGKILL);
	for (;;) {
		pid_t w = waitpid(r->pid, &status, killed ? 0 : WNOHANG);
		if (w == r->pid || (w < 0 && errno != EINTR))
			break;
		if (w == 0 && now_ms() >= end) {
			*cause = xasprintf("exec plugin \"%s\" timed out after %ld ms",
					   r->ex->command, timeout_ms);
			kill(r->pid, SIGKILL);
			killed = true;
		} else if (w == 0) {
			struct timespec ts = {0, 10 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
	}
	ssize_t got = read(r->err, &e, sizeof(e));
	close(r->err);
	close(r->out);
	if (killed)
		return -1;
	if (got == (ssize_t)sizeof(e)) {
		*cause =
		    xasprintf("exec plugin \"%s\": cannot run: %s", r->ex->command, strerror(e));
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		*cause = xasprintf("exec plugin \"%s\" failed with exit status %d", r->ex->command,
				   WEXITSTATUS(status));
		return -1;
	}
	if (WIFSIGNALED(status)) {
		*cause = xasprintf("exec plugin \"%s\" was killed by signal %d", r->ex->command,
				   WTERMSIG(status));
		return -1;
	}
	return 0;
}

/* Runs the plugin and returns its stdout in *out. */
static int exec_run(struct kube_exec_state *st, const struct kube_config *cfg, struct buf *out,
		    char **cause)
{
	const struct kube_exec *ex = cfg->exec;
	bool tty = isatty(0);
	bool interactive = strcmp(ex->interactive_mode, "Never") != 0 && tty;
	if (strcmp(ex->interactive_mode, "Always") == 0 && !tty) {
		*cause = xasprintf("exec plugin \"%s\" needs a terminal (interactiveMode Always) "
				   "but standard input is not one",
				   ex->command);
		return -1;
	}
	char *info = exec_info(cfg, interactive);
	char **envp = exec_envp(ex, info);
	size_t nargs = 0;
	while (ex->args && ex->args[nargs])
		nargs++;
	char **argv = xcalloc(nargs + 2, sizeof(char *));
	argv[0] = ex->command;
	for (size_t i = 0; i < nargs; i++)
		argv[i + 1] = ex->args[i];
	struct run r = {.ex = ex};
	int rc = exec_spawn(&r, argv, envp, interactive, cause);
	if (rc == 0) {
		st->runs++;
		log_debug("running exec plugin \"%s\"", ex->command);
		long long end = now_ms() + st->timeout_ms;
		int failed = exec_collect(&r, end, st->timeout_ms, st->max_output, out, cause);
		rc = exec_reap(&r, failed != 0, end, st->timeout_ms, cause);
	}
	free(argv);
	free_strv(envp);
	free(info);
	return rc;
}

int kube_exec_credential(struct kube_exec_state *st, const struct kube_config *cfg,
			 struct kube_cred *out, char **cause)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&st->lock);
	if (st->have && (!st->expires || time(NULL) < st->expiry)) {
		cred_copy(out, &st->cred);
		pthread_mutex_unlock(&st->lock);
		return 0;
	}
	struct buf b = BUF_INIT;
	buf_init(&b);
	int rc = exec_run(st, cfg, &b, cause);
	if (rc == 0) {
		if (b.len >= 4)
			log_add_secret(b.data);
		struct kube_cred cred;
		time_t expiry;
		rc = kube_exec_parse(cfg->exec, b.data, b.len, &cred, &expiry, cause);
		if (rc == 0) {
			log_add_secret(cred.token);
			if (cred.key_pem)
				kube_secret_lines(cred.key_pem);
			kube_cred_release(&st->cred);
			st->cred = cred;
			st->have = true;
			st->expires = expiry != 0;
			st->expiry = expiry;
			cred_copy(out, &st->cred);
		}
	}
	OPENSSL_cleanse(b.data, b.len);
	buf_release(&b);
	pthread_mutex_unlock(&st->lock);
	return rc;
}
