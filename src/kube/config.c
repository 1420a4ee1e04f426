/* config.c: kubeconfig loading (merged KUBECONFIG list, contexts, clusters, users, files
 * or base64 data, tokens, exec plugins), and releasing and copying a struct kube_config.
 * The in-cluster config is in incluster.c, credential material in material.c. */
#include "kube/internal.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/xmalloc.h"
#include "util/yaml.h"

#define KC_FILE_LIMIT ((size_t)64 << 20)

/* The merged view of one or more kubeconfig files. Named entries map to
 * [body, file index]; the first file to define a name wins. */
struct kc {
	char **paths;
	char **dirs;
	size_t n;
	json_t *docs;
	json_t *clusters;
	json_t *users;
	json_t *contexts;
	const char *current;
	char *source;
};

/* ---- small JSON accessors ---- */

/* obj[key] as text: strings as they are, integers and booleans as YAML spells them.
 * Returns 1 when set (non-empty), 0 when absent, null or empty, -1 for another type. */
static int kc_text(const json_t *obj, const char *key, char **out)
{
	*out = NULL;
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_string(v))
		*out = xstrdup(json_string_value(v));
	else if (json_is_integer(v))
		*out = xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_boolean(v))
		*out = xstrdup(json_is_true(v) ? "true" : "false");
	else
		return -1;
	if (**out == '\0') {
		safefree(*out);
		return 0;
	}
	return 1;
}

/* obj[key] as a boolean ("true"/"false" strings too). Returns 0, or -1 for another type. */
static int kc_bool(const json_t *obj, const char *key, bool *out)
{
	*out = false;
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return 0;
	}
	if (json_is_string(v) && strcmp(json_string_value(v), "true") == 0) {
		*out = true;
		return 0;
	}
	if (json_is_string(v) && strcmp(json_string_value(v), "false") == 0)
		return 0;
	return -1;
}

static int kc_fail(char **cause, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int kc_fail(char **cause, const char *file, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	*cause = xasprintf("kubeconfig \"%s\": %s", file, msg);
	free(msg);
	/* names quoted from the file may hold control characters: keep the cause one line */
	for (char *p = *cause; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return -1;
}

/* ---- merging ---- */

static void kc_init(struct kc *k)
{
	memset(k, 0, sizeof(*k));
	k->docs = json_array();
	k->clusters = json_object();
	k->users = json_object();
	k->contexts = json_object();
}

static void kc_release(struct kc *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->paths[i]);
		free(k->dirs[i]);
	}
	free(k->paths);
	free(k->dirs);
	json_decref(k->docs);
	json_decref(k->clusters);
	json_decref(k->users);
	json_decref(k->contexts);
	free(k->source);
}

/* Adds the entries of doc[list] ("clusters" with bodies under "cluster", ...) that no
 * earlier file defined. */
static int kc_merge_list(struct kc *k, const json_t *doc, const char *list, const char *field,
			 json_t *map, size_t idx, char **cause)
{
	const char *file = k->paths[idx];
	json_t *arr = json_object_get(doc, list);
	if (arr == NULL || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return kc_fail(cause, file, "\"%s\" is not a list", list);
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e) {
		char *name = NULL;
		if (!json_is_object(e) || kc_text(e, "name", &name) != 1) {
			free(name);
			return kc_fail(cause, file, "%s[%zu] has no name", list, i);
		}
		json_t *body = json_object_get(e, field);
		if (body != NULL && !json_is_null(body) && !json_is_object(body)) {
			kc_fail(cause, file, "%s \"%s\": \"%s\" is not a mapping", field, name,
				field);
			free(name);
			return -1;
		}
		if (json_object_get(map, name) == NULL) {
			json_t *pair = json_array();
			json_array_append_new(pair, body && json_is_object(body) ? json_incref(body)
										 : json_object());
			json_array_append_new(pair, json_integer((json_int_t)idx));
			json_object_set_new(map, name, pair);
		}
		free(name);
	}
	return 0;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* Parses one file's text and merges it. */
static int kc_add(struct kc *k, const char *path, const char *dir, const char *text, size_t len,
		  char **cause)
{
	size_t idx = k->n++;
	k->paths = xreallocarray(k->paths, k->n, sizeof(char *));
	k->dirs = xreallocarray(k->dirs, k->n, sizeof(char *));
	k->paths[idx] = xstrdup(path);
	k->dirs[idx] = xstrdup(dir);
	json_t *docs = NULL;
	char *inner = NULL;
	if (yaml_to_json(text, len, &docs, &inner) != 0) {
		kc_fail(cause, path, "invalid YAML: %s", inner);
		free(inner);
		return -1;
	}
	json_t *doc = json_array_get(docs, 0);
	if (doc == NULL || json_is_null(doc)) {
		json_decref(docs);
		return 0;
	}
	if (!json_is_object(doc)) {
		json_decref(docs);
		return kc_fail(cause, path, "not a kubeconfig (the document is not a mapping)");
	}
	json_array_append(k->docs, doc);
	json_decref(docs);
	if (kc_merge_list(k, doc, "clusters", "cluster", k->clusters, idx, cause) != 0 ||
	    kc_merge_list(k, doc, "users", "user", k->users, idx, cause) != 0 ||
	    kc_merge_list(k, doc, "contexts", "context", k->contexts, idx, cause) != 0)
		return -1;
	if (k->current == NULL) {
		json_t *cur = json_object_get(doc, "current-context");
		if (json_is_string(cur) && *json_string_value(cur))
			k->current = json_string_value(cur);
		else if (cur != NULL && !json_is_null(cur) && !json_is_string(cur))
			return kc_fail(cause, path, "current-context is not a string");
	}
	return 0;
}

/* ---- resolving one context ---- */

static char *kc_resolve_path(const char *dir, const char *p)
{
	if (p[0] == '/')
		return xstrdup(p);
	return xasprintf("%s/%s", dir, p);
}

/* Loads PEM or secret material from "<field>-data" or the file "<field>". *data stays
 * NULL when neither is set. */
static int kc_material(const json_t *body, const char *field, const char *subject, const char *file,
		       const char *dir, char **data, size_t *len, char **cause)
{
	char *key = xasprintf("%s-data", field);
	char *text = NULL;
	int r = kc_text(body, key, &text);
	*data = NULL;
	*len = 0;
	if (r < 0) {
		kc_fail(cause, file, "%s: %s is not a string", subject, key);
		free(key);
		return -1;
	}
	if (r == 1) {
		int bad = kube_base64_decode(text, data, len);
		free(text);
		if (bad) {
			kc_fail(cause, file, "%s: %s is not valid base64", subject, key);
			free(key);
			return -1;
		}
		free(key);
		return 0;
	}
	free(key);
	r = kc_text(body, field, &text);
	if (r < 0)
		return kc_fail(cause, file, "%s: %s is not a string", subject, field);
	if (r == 0)
		return 0;
	char *path = kc_resolve_path(dir, text);
	free(text);
	char *inner = NULL;
	if (kube_read_file(path, KC_DATA_LIMIT, data, len, &inner) != 0) {
		kc_fail(cause, file, "%s: %s: %s", subject, field, inner);
		free(inner);
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

static int kc_check_pem(const char *what, const char *data, size_t len, const char *subject,
			const char *field, const char *file, char **cause)
{
	if (data == NULL || kube_pem_check(what, data, len) == 0)
		return 0;
	static const char *const want[][2] = {{"ca", "no PEM certificate"},
					      {"cert", "no PEM certificate"},
					      {"key", "no unencrypted PEM private key"}};
	const char *w = "invalid data";
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strcmp(want[i][0], what) == 0)
			w = want[i][1];
	return kc_fail(cause, file, "%s: %s holds %s", subject, field, w);
}

static int kc_cluster(struct kube_config *cfg, const json_t *body, const char *file,
		      const char *dir, char **cause)
{
	char *subject = xasprintf("cluster \"%s\"", cfg->cluster_name);
	char *server = NULL, *data = NULL;
	int rc = -1;
	if (kc_text(body, "server", &server) != 1) {
		kc_fail(cause, file, "no server for %s", subject);
		goto out;
	}
	while (*server && server[strlen(server) - 1] == '/')
		server[strlen(server) - 1] = '\0';
	if (strstr(server, "://") == NULL)
		cfg->server = xasprintf("https://%s", server);
	else if (strncmp(server, "https://", 8) == 0 || strncmp(server, "http://", 7) == 0)
		cfg->server = xstrdup(server);
	else {
		kc_fail(cause, file, "%s: server \"%s\" is not an https:// URL", subject, server);
		goto out;
	}
	if (kc_bool(body, "insecure-skip-tls-verify", &cfg->insecure) != 0) {
		kc_fail(cause, file, "%s: insecure-skip-tls-verify is not a boolean", subject);
		goto out;
	}
	if (kc_text(body, "tls-server-name", &cfg->tls_server_name) < 0 ||
	    kc_text(body, "proxy-url", &cfg->proxy_url) < 0) {
		kc_fail(cause, file, "%s: tls-server-name or proxy-url is not a string", subject);
		goto out;
	}
	size_t len;
	if (kc_material(body, "certificate-authority", subject, file, dir, &data, &len, cause))
		goto out;
	if (kc_check_pem("ca", data, len, subject, "certificate-authority", file, cause))
		goto out;
	cfg->ca_pem = data;
	cfg->ca_len = len;
	data = NULL;
	rc = 0;
out:
	free(data);
	free(server);
	free(subject);
	return rc;
}

static void free_strv(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static void kc_exec_free(struct kube_exec *ex)
{
	if (ex == NULL)
		return;
	free(ex->command);
	free_strv(ex->args);
	free_strv(ex->env);
	free(ex->api_version);
	free(ex->interactive_mode);
	free(ex);
}

/* Parses args: a list of strings (numbers are taken as written). */
static int kc_exec_args(const json_t *e, struct kube_exec *ex)
{
	json_t *args = json_object_get(e, "args");
	size_t n = json_is_array(args) ? json_array_size(args) : 0;
	ex->args = xcalloc(n + 1, sizeof(char *));
	if (args == NULL || json_is_null(args))
		return 0;
	if (!json_is_array(args))
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_t *a = json_array_get(args, i);
		if (json_is_string(a))
			ex->args[i] = xstrdup(json_string_value(a));
		else if (json_is_integer(a))
			ex->args[i] = xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(a));
		else
			return -1;
	}
	return 0;
}

/* Parses env: a list of {name, value}. */
static int kc_exec_env(const json_t *e, struct kube_exec *ex)
{
	json_t *env = json_object_get(e, "env");
	size_t n = json_is_array(env) ? json_array_size(env) : 0;
	ex->env = xcalloc(n + 1, sizeof(char *));
	if (env == NULL || json_is_null(env))
		return 0;
	if (!json_is_array(env))
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_t *kv = json_array_get(env, i);
		char *name = NULL, *value = NULL;
		if (kc_text(kv, "name", &name) != 1 || kc_text(kv, "value", &value) < 0 ||
		    strchr(name, '=') != NULL) {
			free(name);
			free(value);
			return -1;
		}
		ex->env[i] = xasprintf("%s=%s", name, value ? value : "");
		free(name);
		free(value);
	}
	return 0;
}

static int kc_exec(struct kube_config *cfg, const json_t *e, const char *subject, const char *file,
		   const char *dir, char **cause)
{
	if (!json_is_object(e))
		return kc_fail(cause, file, "%s: exec is not a mapping", subject);
	struct kube_exec *ex = xcalloc(1, sizeof(*ex));
	char *cmd = NULL;
	const char *bad = NULL;
	if (kc_text(e, "command", &cmd) != 1)
		bad = "exec has no command";
	else if (kc_exec_args(e, ex) != 0)
		bad = "exec args is not a list of strings";
	else if (kc_exec_env(e, ex) != 0)
		bad = "exec env is not a list of {name, value}";
	else if (kc_text(e, "apiVersion", &ex->api_version) != 1)
		bad = "exec has no apiVersion";
	else if (strcmp(ex->api_version, "client.authentication.k8s.io/v1") != 0 &&
		 strcmp(ex->api_version, "client.authentication.k8s.io/v1beta1") != 0)
		bad = "exec apiVersion is not client.authentication.k8s.io/v1 or v1beta1";
	else if (kc_text(e, "interactiveMode", &ex->interactive_mode) < 0)
		bad = "exec interactiveMode is not a string";
	else if (kc_bool(e, "provideClusterInfo", &ex->provide_cluster_info) != 0)
		bad = "exec provideClusterInfo is not a boolean";
	if (bad == NULL && ex->interactive_mode == NULL)
		ex->interactive_mode = xstrdup("IfAvailable");
	if (bad == NULL && strcmp(ex->interactive_mode, "Never") != 0 &&
	    strcmp(ex->interactive_mode, "IfAvailable") != 0 &&
	    strcmp(ex->interactive_mode, "Always") != 0)
		bad = "exec interactiveMode is not Never, IfAvailable or Always";
	if (bad != NULL) {
		free(cmd);
		kc_exec_free(ex);
		return kc_fail(cause, file, "%s: %s", subject, bad);
	}
	/* like kubectl: a relative command with a slash is relative to the kubeconfig */
	if (cmd[0] != '/' && strchr(cmd, '/') != NULL) {
		ex->command = kc_resolve_path(dir, cmd);
		free(cmd);
	} else {
		ex->command = cmd;
	}
	cfg->exec = ex;
	return 0;
}

static int kc_token(struct kube_config *cfg, const json_t *body, const char *subject,
		    const char *file, const char *dir, char **cause)
{
	char *tf = NULL;
	if (kc_text(body, "token", &cfg->token) < 0)
		return kc_fail(cause, file, "%s: token is not a string", subject);
	if (kc_text(body, "tokenFile", &tf) < 0)
		return kc_fail(cause, file, "%s: tokenFile is not a string", subject);
	if (cfg->token != NULL || tf == NULL) {
		free(tf);
		return 0;
	}
	cfg->token_file = kc_resolve_path(dir, tf);
	free(tf);
	char *inner = NULL, *data = NULL;
	size_t len;
	if (kube_read_file(cfg->token_file, KC_DATA_LIMIT, &data, &len, &inner) != 0) {
		kc_fail(cause, file, "%s: tokenFile: %s", subject, inner);
		free(inner);
		return -1;
	}
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r' || data[len - 1] == ' ' ||
			   data[len - 1] == '\t'))
		data[--len] = '\0';
	if (len == 0 || strlen(data) != len) {
		free(data);
		return kc_fail(cause, file, "%s: tokenFile \"%s\" holds no token", subject,
			       cfg->token_file);
	}
	cfg->token = data;
	return 0;
}

static int kc_user(struct kube_config *cfg, const json_t *body, const char *file, const char *dir,
		   char **cause)
{
	char *subject = xasprintf("user \"%s\"", cfg->user_name);
	int rc = -1;
	char *ap = NULL;
	if (json_object_get(body, "auth-provider") != NULL) {
		json_t *p = json_object_get(body, "auth-provider");
		kc_text(p, "name", &ap);
		kc_fail(cause, file,
			"%s: auth-provider \"%s\" is not supported (use an exec plugin)", subject,
			ap ? ap : "");
		goto out;
	}
	if (kc_material(body, "client-certificate", subject, file, dir, &cfg->cert_pem,
			&cfg->cert_len, cause) ||
	    kc_material(body, "client-key", subject, file, dir, &cfg->key_pem, &cfg->key_len,
			cause))
		goto out;
	if ((cfg->cert_pem == NULL) != (cfg->key_pem == NULL)) {
		kc_fail(cause, file, "%s: a client certificate needs both certificate and key",
			subject);
		goto out;
	}
	if (kc_check_pem("cert", cfg->cert_pem, cfg->cert_len, subject, "client-certificate", file,
			 cause) ||
	    kc_check_pem("key", cfg->key_pem, cfg->key_len, subject, "client-key", file, cause))
		goto out;
	if (kc_token(cfg, body, subject, file, dir, cause) != 0)
		goto out;
	json_t *e = json_object_get(body, "exec");
	if (e != NULL && !json_is_null(e) && kc_exec(cfg, e, subject, file, dir, cause) != 0)
		goto out;
	if (json_object_get(body, "username") != NULL || json_object_get(body, "password"))
		log_warn("kubeconfig \"%s\": %s: basic authentication is not supported; ignored",
			 file, subject);
	rc = 0;
out:
	free(ap);
	free(subject);
	return rc;
}

/* Picks the context and fills cfg from the merged files. */
static int kc_resolve(struct kc *k, struct kube_config *cfg, const char *context, char **cause)
{
	const char *src = k->source;
	if (k->n == 0)
		return kc_fail(cause, src, "no kubeconfig file");
	const char *name = context && *context ? context : k->current;
	if (name == NULL)
		return kc_fail(cause, src, "no context given and current-context is not set");
	json_t *ctx = json_object_get(k->contexts, name);
	if (ctx == NULL)
		return kc_fail(cause, src, "context \"%s\" not found", name);
	const json_t *cbody = json_array_get(ctx, 0);
	const char *cfile = k->paths[json_integer_value(json_array_get(ctx, 1))];
	cfg->context_name = xstrdup(name);
	if (kc_text(cbody, "cluster", &cfg->cluster_name) != 1)
		return kc_fail(cause, cfile, "context \"%s\" names no cluster", name);
	if (kc_text(cbody, "user", &cfg->user_name) < 0)
		return kc_fail(cause, cfile, "context \"%s\": user is not a string", name);
	if (kc_text(cbody, "namespace", &cfg->namespace) < 0)
		return kc_fail(cause, cfile, "context \"%s\": namespace is not a string", name);
	if (cfg->namespace == NULL)
		cfg->namespace = xstrdup("default");

	json_t *cl = json_object_get(k->clusters, cfg->cluster_name);
	if (cl == NULL)
		return kc_fail(cause, src, "cluster \"%s\" (of context \"%s\") not found",
			       cfg->cluster_name, name);
	size_t ci = (size_t)json_integer_value(json_array_get(cl, 1));
	if (kc_cluster(cfg, json_array_get(cl, 0), k->paths[ci], k->dirs[ci], cause) != 0)
		return -1;
	if (cfg->user_name == NULL)
		return 0;
	json_t *us = json_object_get(k->users, cfg->user_name);
	if (us == NULL)
		return kc_fail(cause, src, "user \"%s\" (of context \"%s\") not found",
			       cfg->user_name, name);
	size_t ui = (size_t)json_integer_value(json_array_get(us, 1));
	return kc_user(cfg, json_array_get(us, 0), k->paths[ui], k->dirs[ui], cause);
}

static int kc_finish(struct kc *k, struct kube_config *cfg, const char *context, char **cause)
{
	int rc = kc_resolve(k, cfg, context, cause);
	if (rc == 0) {
		cfg->source = k->source;
		k->source = NULL;
	} else {
		kube_config_release(cfg);
	}
	kc_release(k);
	return rc;
}

int kube_config_parse(struct kube_config *cfg, const char *text, size_t len, const char *context,
		      const char *base_dir, char **cause)
{
	struct kc k;
	memset(cfg, 0, sizeof(*cfg));
	kc_init(&k);
	k.source = xstrdup("<data>");
	if (kc_add(&k, "<data>", base_dir ? base_dir : ".", text, len, cause) != 0) {
		kc_release(&k);
		return -1;
	}
	return kc_finish(&k, cfg, context, cause);
}

/* The files to merge: path, else $KUBECONFIG (missing entries skipped, like kubectl),
 * else ~/.kube/config. Returns a NULL-terminated list or NULL with *cause. */
static char **kc_files(const char *path, char **cause)
{
	char **files = xcalloc(2, sizeof(char *));
	if (path && *path) {
		files[0] = xstrdup(path);
		return files;
	}
	const char *env = getenv("KUBECONFIG");
	if (env && *env) {
		size_t n = 0;
		char *copy = xstrdup(env);
		for (char *save = NULL, *p = strtok_r(copy, ":", &save); p;
		     p = strtok_r(NULL, ":", &save)) {
			bool dup = false;
			for (size_t i = 0; i < n; i++)
				dup = dup || strcmp(files[i], p) == 0;
			struct stat st;
			if (dup || (stat(p, &st) != 0 && errno == ENOENT))
				continue;
			files = xreallocarray(files, n + 2, sizeof(char *));
			files[n++] = xstrdup(p);
			files[n] = NULL;
		}
		free(copy);
		if (n == 0) {
			*cause = xasprintf("kubeconfig \"%s\": none of the files in KUBECONFIG "
					   "exists",
					   env);
			free(files);
			return NULL;
		}
		return files;
	}
	const char *home = getenv("HOME");
	if (home == NULL || *home == '\0') {
		*cause = xstrdup("kubeconfig: no --kubeconfig, KUBECONFIG or HOME to find one");
		free(files);
		return NULL;
	}
	files[0] = xasprintf("%s/.kube/config", home);
	return files;
}

int kube_config_load(struct kube_config *cfg, const char *path, const char *context, char **cause)
{
	memset(cfg, 0, sizeof(*cfg));
	char **files = kc_files(path, cause);
	if (files == NULL)
		return -1;
	struct kc k;
	kc_init(&k);
	struct buf src = BUF_INIT;
	buf_init(&src);
	int rc = 0;
	for (size_t i = 0; files[i] && rc == 0; i++) {
		buf_addf(&src, "%s%s", i ? ":" : "", files[i]);
		char *text = NULL, *inner = NULL, *dir = dir_of(files[i]);
		size_t len;
		if (kube_read_file(files[i], KC_FILE_LIMIT, &text, &len, &inner) != 0) {
			*cause = xasprintf("kubeconfig \"%s\": %s", files[i], inner);
			free(inner);
			rc = -1;
		} else {
			rc = kc_add(&k, files[i], dir, text, len, cause);
		}
		free(text);
		free(dir);
	}
	free_strv(files);
	k.source = buf_detach(&src, NULL);
	if (rc != 0) {
		kc_release(&k);
		return -1;
	}
	if (kc_finish(&k, cfg, context, cause) != 0)
		return -1;
	kube_config_secrets(cfg);
	return 0;
}

void kube_config_release(struct kube_config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->source);
	free(cfg->context_name);
	free(cfg->cluster_name);
	free(cfg->user_name);
	free(cfg->namespace);
	free(cfg->server);
	free(cfg->ca_pem);
	free(cfg->cert_pem);
	if (cfg->key_pem) {
		OPENSSL_cleanse(cfg->key_pem, cfg->key_len);
		free(cfg->key_pem);
	}
	if (cfg->token) {
		OPENSSL_cleanse(cfg->token, strlen(cfg->token));
		free(cfg->token);
	}
	free(cfg->token_file);
	free(cfg->tls_server_name);
	free(cfg->proxy_url);
	kc_exec_free(cfg->exec);
	memset(cfg, 0, sizeof(*cfg));
}

/* ---- copies ---- */

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static char *dup_mem(const char *s, size_t n)
{
	if (s == NULL)
		return NULL;
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static char **dup_vec(char *const *v)
{
	if (v == NULL)
		return NULL;
	size_t n = 0;
	while (v[n] != NULL)
		n++;
	char **out = xcalloc(n + 1, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

void kube_config_copy(struct kube_config *dst, const struct kube_config *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->source = dup_or_null(src->source);
	dst->context_name = dup_or_null(src->context_name);
	dst->cluster_name = dup_or_null(src->cluster_name);
	dst->user_name = dup_or_null(src->user_name);
	dst->namespace = dup_or_null(src->namespace);
	dst->server = dup_or_null(src->server);
	dst->ca_pem = dup_mem(src->ca_pem, src->ca_len);
	dst->ca_len = src->ca_len;
	dst->cert_pem = dup_mem(src->cert_pem, src->cert_len);
	dst->cert_len = src->cert_len;
	dst->key_pem = dup_mem(src->key_pem, src->key_len);
	dst->key_len = src->key_len;
	dst->token = dup_or_null(src->token);
	dst->token_file = dup_or_null(src->token_file);
	dst->insecure = src->insecure;
	dst->tls_server_name = dup_or_null(src->tls_server_name);
	dst->proxy_url = dup_or_null(src->proxy_url);
	if (src->exec != NULL) {
		struct kube_exec *e = xcalloc(1, sizeof(*e));
		e->command = dup_or_null(src->exec->command);
		e->args = dup_vec(src->exec->args);
		e->env = dup_vec(src->exec->env);
		e->api_version = dup_or_null(src->exec->api_version);
		e->interactive_mode = dup_or_null(src->exec->interactive_mode);
		e->provide_cluster_info = src->exec->provide_cluster_info;
		dst->exec = e;
	}
}
