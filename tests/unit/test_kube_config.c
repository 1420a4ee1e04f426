/* test_kube_config.c: kubeconfig forms, merging, errors, in-cluster config and exec
 * credential plugins (small shell scripts in a temporary directory). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kube/internal.h"
#include "util/xmalloc.h"
#include "util/clock.h"

static char tmp[256];

/* A throwaway EC certificate and key made with the openssl command (NULL without it). */
static char *pem_cert, *pem_key;

static char *path_in(const char *name)
{
	return xasprintf("%s/%s", tmp, name);
}

static void write_file(const char *name, const char *text, int mode)
{
	char *p = path_in(name);
	char *dir = xstrdup(p);
	*strrchr(dir, '/') = '\0';
	mkdir(dir, 0755);
	free(dir);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(p, (mode_t)mode);
	free(p);
}

static char *read_text(const char *name)
{
	char *p = path_in(name), *data = NULL, *cause = NULL;
	size_t len;
	if (kube_read_file(p, 1 << 20, &data, &len, &cause) != 0)
		free(cause);
	free(p);
	return data;
}

static void make_pem(void)
{
	char *cmd = xasprintf("cd %s && openssl req -x509 -newkey ec -pkeyopt "
			      "ec_paramgen_curve:prime256v1 -nodes -keyout k.pem -out c.pem "
			      "-days 1 -subj /CN=t >/dev/null 2>&1",
			      tmp);
	if (system(cmd) == 0) {
		pem_cert = read_text("c.pem");
		pem_key = read_text("k.pem");
	}
	free(cmd);
}

static int load_text(struct kube_config *cfg, const char *yaml, const char *ctx, char **cause)
{
	write_file("config", yaml, 0600);
	char *p = path_in("config");
	int rc = kube_config_load(cfg, p, ctx, cause);
	free(p);
	return rc;
}

/* Loads yaml and expects failure with a cause containing want (and one line). */
static void expect_fail(const char *yaml, const char *ctx, const char *want)
{
	struct kube_config cfg;
	char *cause = NULL;
	assert_int_equal(load_text(&cfg, yaml, ctx, &cause), -1);
	assert_non_null(cause);
	if (strstr(cause, want) == NULL)
		fail_msg("cause \"%s\" lacks \"%s\"", cause, want);
	assert_null(strchr(cause, '\n'));
	assert_non_null(strstr(cause, "kubeconfig"));
	free(cause);
}

#define BASIC                                                                                      \
	"apiVersion: v1\nkind: Config\ncurrent-context: a\n"                                       \
	"contexts:\n- name: a\n  context: {cluster: c, user: u, namespace: ns1}\n"                 \
	"clusters:\n- name: c\n  cluster:\n    server: https://10.1.2.3:6443/\n"

static void test_files_relative(void **state)
{
	(void)state;
	if (!pem_cert)
		skip();
	write_file("certs/ca.crt", pem_cert, 0644);
	write_file("certs/u.crt", pem_cert, 0644);
	write_file("certs/u.key", pem_key, 0600);
	struct kube_config cfg;
	char *cause = NULL;
	int rc = load_text(&cfg,
			   BASIC "    certificate-authority: certs/ca.crt\n"
				 "users:\n- name: u\n  user:\n    client-certificate: certs/u.crt\n"
				 "    client-key: certs/u.key\n",
			   NULL, &cause);
	if (rc != 0)
		fail_msg("%s", cause);
	assert_string_equal(cfg.server, "https://10.1.2.3:6443");
	assert_string_equal(cfg.namespace, "ns1");
	assert_string_equal(cfg.context_name, "a");
	assert_string_equal(cfg.cluster_name, "c");
	assert_string_equal(cfg.user_name, "u");
	assert_int_equal(cfg.ca_len, strlen(pem_cert));
	assert_memory_equal(cfg.ca_pem, pem_cert, cfg.ca_len);
	assert_memory_equal(cfg.key_pem, pem_key, strlen(pem_key));
	assert_null(cfg.token);
	assert_false(cfg.insecure);
	kube_config_release(&cfg);

	/* a missing file is named in the error */
	expect_fail(BASIC "    certificate-authority: certs/nope.crt\n", NULL,
		    "certs/nope.crt\": No such file or directory");
	/* a key that is no key */
	write_file("certs/bad.key", "not a key\n", 0600);
	expect_fail(BASIC "users:\n- name: u\n  user:\n    client-certificate: certs/u.crt\n"
			  "    client-key: certs/bad.key\n",
		    NULL, "client-key holds no unencrypted PEM private key");
	expect_fail(BASIC "users:\n- name: u\n  user:\n    client-certificate: certs/u.crt\n", NULL,
		    "needs both certificate and key");
}

static void test_data(void **state)
{
	(void)state;
	if (!pem_cert)
		skip();
	char *ca = kube_base64_encode(pem_cert, strlen(pem_cert));
	char *key = kube_base64_encode(pem_key, strlen(pem_key));
	char *y = xasprintf(BASIC "    certificate-authority-data: %s\n    tls-server-name: "
				  "api.example\n    proxy-url: http://proxy:3128\n"
				  "users:\n- name: u\n  user:\n    client-certificate-data: %s\n"
				  "    client-key-data: %s\n",
			    ca, ca, key);
	struct kube_config cfg;
	char *cause = NULL;
	if (load_text(&cfg, y, NULL, &cause) != 0)
		fail_msg("%s", cause);
	assert_int_equal(cfg.cert_len, strlen(pem_cert));
	assert_memory_equal(cfg.cert_pem, pem_cert, cfg.cert_len);
	assert_int_equal(cfg.key_len, strlen(pem_key));
	assert_memory_equal(cfg.key_pem, pem_key, cfg.key_len);
	assert_string_equal(cfg.tls_server_name, "api.example");
	assert_string_equal(cfg.proxy_url, "http://proxy:3128");
	kube_config_release(&cfg);
	free(y);

	/* bad base64: the error names the field, not the data */
	y = xasprintf(BASIC "users:\n- name: u\n  user:\n    client-certificate-data: %s\n"
			    "    client-key-data: 'S3Jl!!notbase64'\n",
		      ca);
	struct kube_config c2;
	assert_int_equal(load_text(&c2, y, NULL, &cause), -1);
	assert_non_null(strstr(cause, "user \"u\": client-key-data is not valid base64"));
	assert_null(strstr(cause, "S3Jl"));
	free(cause);
	free(y);
	free(ca);
	free(key);
}

static void test_base64(void **state)
{
	(void)state;
	char *out;
	size_t len;
	assert_int_equal(kube_base64_decode("aGVsbG8=", &out, &len), 0);
	assert_int_equal(len, 5);
	assert_string_equal(out, "hello");
	free(out);
	assert_int_equal(kube_base64_decode("aGVs\nbG8h", &out, &len), 0);
	assert_string_equal(out, "hello!");
	free(out);
	assert_int_equal(kube_base64_decode("aGVsbG8", &out, &len), -1);
	assert_int_equal(kube_base64_decode("aG=sbG8=", &out, &len), -1);
	assert_int_equal(kube_base64_decode("a*VsbG8=", &out, &len), -1);
}

static void test_token_forms(void **state)
{
	(void)state;
	struct kube_config cfg;
	char *cause = NULL;
	if (load_text(&cfg,
		      BASIC "    insecure-skip-tls-verify: true\n"
			    "users:\n- name: u\n  user:\n    token: 12345678\n",
		      NULL, &cause) != 0)
		fail_msg("%s", cause);
	assert_string_equal(cfg.token, "12345678"); /* YAML integer taken as written */
	assert_true(cfg.insecure);
	assert_null(cfg.token_file);
	kube_config_release(&cfg);

	write_file("tok/token", "file-token-abcdef\n", 0600);
	if (load_text(&cfg, BASIC "users:\n- name: u\n  user:\n    tokenFile: tok/token\n", NULL,
		      &cause) != 0)
		fail_msg("%s", cause);
	assert_string_equal(cfg.token, "file-token-abcdef");
	char *want = path_in("tok/token");
	assert_string_equal(cfg.token_file, want);
	free(want);
	kube_config_release(&cfg);

	expect_fail(BASIC "users:\n- name: u\n  user:\n    tokenFile: tok/missing\n", NULL,
		    "tokenFile: cannot read");
	expect_fail(BASIC "users:\n- name: u\n  user:\n    auth-provider: {name: oidc}\n", NULL,
		    "auth-provider \"oidc\" is not supported");
}

static void test_context_errors(void **state)
{
	(void)state;
	expect_fail(BASIC, "nope", "context \"nope\" not found");
	/* a name with a line break (a block scalar) is still quoted on one line */
	expect_fail("current-context: |\n  two\n  lines\n", NULL,
		    "context \"two?lines?\" not found");
	expect_fail(BASIC "users: []\n", NULL, "user \"u\" (of context \"a\") not found");
	expect_fail("current-context: a\ncontexts:\n- name: a\n  context: {cluster: x}\n", NULL,
		    "cluster \"x\" (of context \"a\") not found");
	expect_fail("contexts:\n- name: a\n  context: {cluster: x}\n", NULL,
		    "no context given and current-context is not set");
	expect_fail("current-context: a\ncontexts:\n- name: a\n  context: {cluster: c}\n"
		    "clusters:\n- name: c\n  cluster: {insecure-skip-tls-verify: true}\n",
		    NULL, "no server for cluster \"c\"");
	expect_fail("clusters: {a: b}\n", NULL, "\"clusters\" is not a list");
	expect_fail("clusters:\n- cluster: {server: x}\n", NULL, "clusters[0] has no name");
	expect_fail("a: b\n  c: d\n", NULL, "invalid YAML: line");
	expect_fail("- just\n- a list\n", NULL, "not a kubeconfig");

	/* the invalid-YAML message names the file */
	struct kube_config cfg;
	char *cause = NULL;
	assert_int_equal(load_text(&cfg, "key: [unclosed\n", NULL, &cause), -1);
	char *p = path_in("config");
	char *want = xasprintf("kubeconfig \"%s\": invalid YAML: line", p);
	assert_non_null(strstr(cause, want));
	free(want);
	free(p);
	free(cause);

	/* explicit path that does not exist */
	assert_int_equal(kube_config_load(&cfg, "/nonexistent/kubeconfig", NULL, &cause), -1);
	assert_non_null(strstr(cause, "\"/nonexistent/kubeconfig\""));
	free(cause);
}

static void test_merge(void **state)
{
	(void)state;
	write_file("m/a.yaml",
		   "current-context: ctx-a\n"
		   "contexts:\n- name: ctx-a\n  context: {cluster: shared, user: ua}\n"
		   "clusters:\n- name: shared\n  cluster: {server: 'https://a.example'}\n"
		   "users:\n- name: ua\n  user: {token: token-from-a}\n",
		   0600);
	write_file(
	    "m/b.yaml",
	    "current-context: ctx-b\n"
	    "contexts:\n- name: ctx-b\n  context: {cluster: shared, user: ub, namespace: b}\n"
	    "- name: ctx-a\n  context: {cluster: other}\n"
	    "clusters:\n- name: shared\n  cluster: {server: 'https://b.example'}\n"
	    "users:\n- name: ub\n  user: {tokenFile: btoken}\n",
	    0600);
	write_file("m/btoken", "token-from-b-file\n", 0600);
	char *a = path_in("m/a.yaml"), *b = path_in("m/b.yaml");
	char *env = xasprintf("%s:/nonexistent/skipped:%s", a, b);
	setenv("KUBECONFIG", env, 1);
	struct kube_config cfg;
	char *cause = NULL;
	if (kube_config_load(&cfg, NULL, NULL, &cause) != 0)
		fail_msg("%s", cause);
	/* first file wins: current-context, the ctx-a entry and the shared cluster */
	assert_string_equal(cfg.context_name, "ctx-a");
	assert_string_equal(cfg.server, "https://a.example");
	assert_string_equal(cfg.token, "token-from-a");
	assert_non_null(strstr(cfg.source, a));
	assert_non_null(strstr(cfg.source, b));
	kube_config_release(&cfg);

	/* ctx-b comes from b; its tokenFile resolves against b's directory */
	if (kube_config_load(&cfg, NULL, "ctx-b", &cause) != 0)
		fail_msg("%s", cause);
	assert_string_equal(cfg.server, "https://a.example");
	assert_string_equal(cfg.namespace, "b");
	assert_string_equal(cfg.token, "token-from-b-file");
	kube_config_release(&cfg);

	/* reversed order: b's values win */
	free(env);
	env = xasprintf("%s:%s", b, a);
	setenv("KUBECONFIG", env, 1);
	if (kube_config_load(&cfg, NULL, NULL, &cause) != 0)
		fail_msg("%s", cause);
	assert_string_equal(cfg.context_name, "ctx-b");
	assert_string_equal(cfg.server, "https://b.example");
	kube_config_release(&cfg);
	assert_int_equal(kube_config_load(&cfg, NULL, "ctx-a", &cause), -1);
	assert_non_null(strstr(cause, "cluster \"other\" (of context \"ctx-a\") not found"));
	free(cause);

	setenv("KUBECONFIG", "/nonexistent/1:/nonexistent/2", 1);
	assert_int_equal(kube_config_load(&cfg, NULL, NULL, &cause), -1);
	assert_non_null(strstr(cause, "none of the files in KUBECONFIG exists"));
	free(cause);
	unsetenv("KUBECONFIG");
	free(env);
	free(a);
	free(b);
}

static void test_parse_buffer(void **state)
{
	(void)state;
	const char *y = BASIC "users:\n- name: u\n  user:\n    exec:\n"
			      "      apiVersion: client.authentication.k8s.io/v1\n"
			      "      command: ./bin/plugin\n      args: [get-token, 7]\n"
			      "      env:\n      - {name: FOO, value: bar}\n"
			      "      provideClusterInfo: true\n";
	struct kube_config cfg;
	char *cause = NULL;
	if (kube_config_parse(&cfg, y, strlen(y), NULL, "/base", &cause) != 0)
		fail_msg("%s", cause);
	assert_non_null(cfg.exec);
	assert_string_equal(cfg.exec->command, "/base/./bin/plugin");
	assert_string_equal(cfg.exec->args[0], "get-token");
	assert_string_equal(cfg.exec->args[1], "7");
	assert_null(cfg.exec->args[2]);
	assert_string_equal(cfg.exec->env[0], "FOO=bar");
	assert_string_equal(cfg.exec->interactive_mode, "IfAvailable");
	assert_true(cfg.exec->provide_cluster_info);
	kube_config_release(&cfg);

	const char *bad = BASIC "users:\n- name: u\n  user:\n    exec:\n"
				"      apiVersion: client.authentication.k8s.io/v1alpha1\n"
				"      command: plugin\n";
	assert_int_equal(kube_config_parse(&cfg, bad, strlen(bad), NULL, "/", &cause), -1);
	assert_non_null(strstr(cause, "kubeconfig \"<data>\": user \"u\": exec apiVersion"));
	free(cause);
	const char *mode = BASIC "users:\n- name: u\n  user:\n    exec:\n"
				 "      apiVersion: client.authentication.k8s.io/v1\n"
				 "      command: plugin\n      interactiveMode: Sometimes\n";
	assert_int_equal(kube_config_parse(&cfg, mode, strlen(mode), NULL, "/", &cause), -1);
	assert_non_null(strstr(cause, "interactiveMode is not Never, IfAvailable or Always"));
	free(cause);
}

static void test_in_cluster(void **state)
{
	(void)state;
	struct kube_config cfg;
	char *cause = NULL;
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
	assert_int_equal(kube_config_in_cluster(&cfg, tmp, &cause), -1);
	assert_non_null(strstr(cause, "KUBERNETES_SERVICE_HOST"));
	free(cause);

	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	char *root = path_in("sa");
	mkdir(root, 0755);
	assert_int_equal(kube_config_in_cluster(&cfg, root, &cause), -1);
	assert_non_null(strstr(cause, "in-cluster config: cannot read"));
	assert_non_null(strstr(cause, "sa/token"));
	free(cause);
	if (!pem_cert) {
		free(root);
		skip();
	}
	write_file("sa/token", "sa-token-value-xyz\n", 0600);
	write_file("sa/ca.crt", pem_cert, 0644);
	assert_int_equal(kube_config_in_cluster(&cfg, root, &cause), 0);
	assert_string_equal(cfg.server, "https://10.96.0.1:443");
	assert_string_equal(cfg.token, "sa-token-value-xyz");
	assert_string_equal(cfg.namespace, "default");
	assert_string_equal(cfg.source, "in-cluster");
	assert_non_null(cfg.token_file);
	kube_config_release(&cfg);

	write_file("sa/namespace", "kaic-system\n", 0644);
	setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
	assert_int_equal(kube_config_in_cluster(&cfg, root, &cause), 0);
	assert_string_equal(cfg.server, "https://[fd00::1]:443");
	assert_string_equal(cfg.namespace, "kaic-system");
	kube_config_release(&cfg);
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
	free(root);
}

static void test_time(void **state)
{
	(void)state;
	time_t t;
	assert_int_equal(kube_time_parse("1970-01-01T00:01:00Z", &t), 0);
	assert_int_equal(t, 60);
	assert_int_equal(kube_time_parse("2024-05-01T10:00:00.123456Z", &t), 0);
	assert_int_equal(t, 1714557600);
	assert_int_equal(kube_time_parse("2024-05-01T12:00:00+02:00", &t), 0);
	assert_int_equal(t, 1714557600);
	assert_int_equal(kube_time_parse("2024-05-01T10:00:00", &t), -1);
	assert_int_equal(kube_time_parse("2024-13-01T10:00:00Z", &t), -1);
	assert_int_equal(kube_time_parse("yesterday", &t), -1);
}

/* ---- exec plugins ---- */

/* A config whose exec plugin is tmp/NAME with the given body (after a counter line). */
static void exec_cfg(struct kube_config *cfg, const char *name, const char *api, const char *mode,
		     const char *body)
{
	char *script = xasprintf("#!/bin/sh\necho run >> \"%s/%s.count\"\n%s", tmp, name, body);
	write_file(name, script, 0755);
	free(script);
	memset(cfg, 0, sizeof(*cfg));
	cfg->server = xstrdup("https://127.0.0.1:6443");
	cfg->exec = xcalloc(1, sizeof(*cfg->exec));
	cfg->exec->command = path_in(name);
	cfg->exec->args = xcalloc(3, sizeof(char *));
	cfg->exec->args[0] = xstrdup("arg-one");
	cfg->exec->env = xcalloc(2, sizeof(char *));
	cfg->exec->env[0] = xstrdup("KAIC_TEST_VAR=from-env");
	cfg->exec->api_version = xasprintf("client.authentication.k8s.io/%s", api);
	cfg->exec->interactive_mode = xstrdup(mode);
}

static int runs_of(const char *name)
{
	char *n = xasprintf("%s.count", name);
	char *t = read_text(n);
	free(n);
	int runs = 0;
	for (char *p = t; p && *p; p++)
		runs += *p == '\n';
	free(t);
	return runs;
}

static char *exec_ok(struct kube_exec_state *st, struct kube_config *cfg)
{
	struct kube_cred cred;
	char *cause = NULL;
	if (kube_exec_credential(st, cfg, &cred, &cause) != 0)
		fail_msg("%s", cause);
	char *tok = cred.token ? xstrdup(cred.token) : NULL;
	kube_cred_release(&cred);
	return tok;
}

static char *exec_err(struct kube_exec_state *st, struct kube_config *cfg)
{
	struct kube_cred cred;
	char *cause = NULL;
	assert_int_equal(kube_exec_credential(st, cfg, &cred, &cause), -1);
	assert_null(strchr(cause, '\n'));
	return cause;
}

static void test_exec_v1_cached(void **state)
{
	(void)state;
	struct kube_config cfg;
	/* the token echoes an argument and an env var; the exec info is checked */
	exec_cfg(
	    &cfg, "p1", "v1", "Never",
	    "case \"$KUBERNETES_EXEC_INFO\" in *'\"interactive\":false'*) ;; *) exit 9;; esac\n"
	    "case \"$KUBERNETES_EXEC_INFO\" in *'\"kind\":\"ExecCredential\"'*) ;; "
	    "*) exit 8;; esac\n"
	    "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":"
	    "\"ExecCredential\",\"status\":{\"token\":\"tok-'$1'-'$KAIC_TEST_VAR'\"}}'\n");
	struct kube_exec_state st;
	kube_exec_init(&st);
	char *t = exec_ok(&st, &cfg);
	assert_string_equal(t, "tok-arg-one-from-env");
	free(t);
	t = exec_ok(&st, &cfg);
	assert_string_equal(t, "tok-arg-one-from-env");
	free(t);
	assert_int_equal(runs_of("p1"), 1); /* no expiry: cached */
	kube_exec_invalidate(&st);
	free(exec_ok(&st, &cfg));
	assert_int_equal(runs_of("p1"), 2); /* after a 401 it runs again */
	kube_exec_release(&st);
	kube_config_release(&cfg);
}

static void test_exec_v1beta1_expiry(void **state)
{
	(void)state;
	struct kube_config cfg;
	exec_cfg(&cfg, "p2", "v1beta1", "IfAvailable",
		 "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":"
		 "\"ExecCredential\",\"status\":{\"token\":\"expired-token-1\","
		 "\"expirationTimestamp\":\"2001-01-01T00:00:00Z\"}}'\n");
	struct kube_exec_state st;
	kube_exec_init(&st);
	free(exec_ok(&st, &cfg));
	free(exec_ok(&st, &cfg));
	assert_int_equal(runs_of("p2"), 2); /* expired: runs every time */
	kube_exec_release(&st);
	kube_config_release(&cfg);

	exec_cfg(&cfg, "p3", "v1beta1", "IfAvailable",
		 "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":"
		 "\"ExecCredential\",\"status\":{\"token\":\"fresh-token-1\","
		 "\"expirationTimestamp\":\"2999-01-01T00:00:00Z\"}}'\n");
	kube_exec_init(&st);
	free(exec_ok(&st, &cfg));
	free(exec_ok(&st, &cfg));
	assert_int_equal(runs_of("p3"), 1);
	kube_exec_release(&st);
	kube_config_release(&cfg);
}

static void test_exec_cluster_info(void **state)
{
	(void)state;
	struct kube_config cfg;
	exec_cfg(&cfg, "p4", "v1", "Never",
		 "case \"$KUBERNETES_EXEC_INFO\" in "
		 "*'\"cluster\":{\"server\":\"https://127.0.0.1:6443\"'*) ;; *) exit 7;; esac\n"
		 "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":"
		 "\"ExecCredential\",\"status\":{\"token\":\"cluster-info-ok\"}}'\n");
	struct kube_exec_state st;
	kube_exec_init(&st);
	char *cause = exec_err(&st, &cfg); /* without provideClusterInfo: exit 7 */
	assert_non_null(strstr(cause, "failed with exit status 7"));
	free(cause);
	cfg.exec->provide_cluster_info = true;
	char *t = exec_ok(&st, &cfg);
	assert_string_equal(t, "cluster-info-ok");
	free(t);
	kube_exec_release(&st);
	kube_config_release(&cfg);
}

static void test_exec_cert(void **state)
{
	(void)state;
	if (!pem_cert)
		skip();
	json_t *st_json =
	    json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion", "client.authentication.k8s.io/v1",
		      "kind", "ExecCredential", "status", "clientCertificateData", pem_cert,
		      "clientKeyData", pem_key);
	char *doc = json_dumps(st_json, JSON_COMPACT);
	json_decref(st_json);
	write_file("cred.json", doc, 0600);
	free(doc);
	char *body = xasprintf("cat '%s/cred.json'\n", tmp);
	struct kube_config cfg;
	exec_cfg(&cfg, "p5", "v1", "Never", body);
	free(body);
	struct kube_exec_state st;
	kube_exec_init(&st);
	struct kube_cred cred;
	char *cause = NULL;
	if (kube_exec_credential(&st, &cfg, &cred, &cause) != 0)
		fail_msg("%s", cause);
	assert_null(cred.token);
	assert_string_equal(cred.cert_pem, pem_cert);
	assert_string_equal(cred.key_pem, pem_key);
	kube_cred_release(&cred);
	kube_exec_release(&st);
	kube_config_release(&cfg);
}

static void test_exec_failures(void **state)
{
	(void)state;
	struct kube_config cfg;
	struct kube_exec_state st;
	char *cause;

	exec_cfg(&cfg, "f1", "v1", "Never", "echo 'SECRET-GARBAGE-OUTPUT-123'\n");
	kube_exec_init(&st);
	cause = exec_err(&st, &cfg);
	assert_non_null(strstr(cause, "wrote invalid JSON"));
	assert_null(strstr(cause, "SECRET-GARBAGE"));
	free(cause);
	kube_exec_release(&st);
	kube_config_release(&cfg);

	exec_cfg(&cfg, "f2", "v1", "Never", "echo plugin-diagnostic >&2\nexit 3\n");
	kube_exec_init(&st);
	cause = exec_err(&st, &cfg);
	assert_non_null(strstr(cause, "failed with exit status 3"));
	free(cause);
	kube_exec_release(&st);
	kube_config_release(&cfg);

	exec_cfg(&cfg, "f3", "v1", "Never",
		 "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":"
		 "\"ExecCredential\",\"status\":{\"token\":\"wrong-version-token\"}}'\n");
	kube_exec_init(&st);
	cause = exec_err(&st, &cfg);
	assert_non_null(strstr(cause, "another apiVersion"));
	assert_null(strstr(cause, "wrong-version-token"));
	free(cause);
	kube_exec_release(&st);
	kube_config_release(&cfg);

	exec_cfg(&cfg, "f4", "v1", "Never",
		 "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":"
		 "\"ExecCredential\",\"status\":{}}'\n");
	kube_exec_init(&st);
	cause = exec_err(&st, &cfg);
	assert_non_null(strstr(cause, "neither a token nor a client certificate"));
	free(cause);
	kube_exec_release(&st);
	kube_config_release(&cfg);

	exec_cfg(&cfg, "f5", "v1", "Always", "exit 0\n");
	kube_exec_init(&st);
	cause = exec_err(&st, &cfg); /* stdin is /dev/null in this test */
	assert_non_null(strstr(cause, "interactiveMode Always"));
	free(cause);
	assert_int_equal(runs_of("f5"), 0);
	kube_exec_release(&st);
	kube_config_release(&cfg);

	exec_cfg(&cfg, "f6", "v1", "Never", "exec sleep 5\n");
	kube_exec_init(&st);
	st.timeout_ms = 300;
	long long t0 = now_ms();
	cause = exec_err(&st, &cfg);
	assert_true(now_ms() - t0 < 3000);
	assert_non_null(strstr(cause, "timed out after 300 ms"));
	free(cause);
	kube_exec_release(&st);
	kube_config_release(&cfg);

	exec_cfg(&cfg, "f7", "v1", "Never",
		 "i=0; while [ $i -lt 200 ]; do echo 0123456789012345678901234567890123456789;"
		 " i=$((i+1)); done\n");
	kube_exec_init(&st);
	st.max_output = 1024;
	cause = exec_err(&st, &cfg);
	assert_non_null(strstr(cause, "wrote more than 1 KiB"));
	free(cause);
	kube_exec_release(&st);
	kube_config_release(&cfg);

	exec_cfg(&cfg, "f8", "v1", "Never", "");
	free(cfg.exec->command);
	cfg.exec->command = xstrdup("kaic-no-such-plugin-xyz");
	kube_exec_init(&st);
	cause = exec_err(&st, &cfg);
	assert_non_null(strstr(cause, "cannot run: No such file or directory"));
	free(cause);
	kube_exec_release(&st);
	kube_config_release(&cfg);
}

static void test_exec_parse_bad_expiry(void **state)
{
	(void)state;
	struct kube_exec ex = {.command = "p", .api_version = "client.authentication.k8s.io/v1"};
	const char *out = "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":"
			  "\"ExecCredential\",\"status\":{\"token\":\"abcd-token\","
			  "\"expirationTimestamp\":\"tomorrow\"}}";
	struct kube_cred cred;
	time_t exp;
	char *cause = NULL;
	assert_int_equal(kube_exec_parse(&ex, out, strlen(out), &cred, &exp, &cause), -1);
	assert_non_null(strstr(cause, "invalid expirationTimestamp"));
	assert_null(strstr(cause, "tomorrow"));
	free(cause);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "%s/kaic-kcfg-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(tmp));
	/* deterministic: no terminal on stdin, whatever runs the test */
	int fd = open("/dev/null", O_RDONLY);
	dup2(fd, 0);
	close(fd);
	make_pem();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char *cmd = xasprintf("rm -rf '%s'", tmp);
	int rc = system(cmd);
	(void)rc;
	free(cmd);
	free(pem_cert);
	free(pem_key);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_files_relative),
	    cmocka_unit_test(test_data),
	    cmocka_unit_test(test_base64),
	    cmocka_unit_test(test_token_forms),
	    cmocka_unit_test(test_context_errors),
	    cmocka_unit_test(test_merge),
	    cmocka_unit_test(test_parse_buffer),
	    cmocka_unit_test(test_in_cluster),
	    cmocka_unit_test(test_time),
	    cmocka_unit_test(test_exec_v1_cached),
	    cmocka_unit_test(test_exec_v1beta1_expiry),
	    cmocka_unit_test(test_exec_cluster_info),
	    cmocka_unit_test(test_exec_cert),
	    cmocka_unit_test(test_exec_failures),
	    cmocka_unit_test(test_exec_parse_bad_expiry),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
