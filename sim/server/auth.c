/* auth.c: authentication of kaic-sim requests: client certificates (user = CN,
 * groups = O) and bearer tokens from the scenario; everything else is anonymous. */

#include "server/auth.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/tls.h"
#include "sim.h"
#include "util/xmalloc.h"

static void who_fill(struct sim_who *who, char *user, char **groups)
{
	size_t n = 0;

	while (groups[n])
		n++;
	/* every authenticated identity is in system:authenticated, as upstream */
	groups = xreallocarray(groups, n + 2, sizeof(char *));
	groups[n] = xstrdup("system:authenticated");
	groups[n + 1] = NULL;
	who->user = user;
	who->groups = groups;
	who->id.user = user;
	who->id.groups = (const char **)groups;
}

static char **dup_groups(char *const *src)
{
	size_t n = 0;
	char **g;

	while (src && src[n])
		n++;
	g = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		g[i] = xstrdup(src[i]);
	return g;
}

/* The token of an "Authorization: Bearer X" header, or NULL. */
static const char *bearer(const char *authorization, size_t *len)
{
	const char *p = authorization;

	if (!p || strncasecmp(p, "Bearer ", 7) != 0)
		return NULL;
	p += 7;
	while (*p == ' ')
		p++;
	*len = strlen(p);
	while (*len > 0 && (p[*len - 1] == ' ' || p[*len - 1] == '\t'))
		(*len)--;
	return *len ? p : NULL;
}

static const struct sim_token *find_token(const struct sim_settings *s, const char *tok, size_t len)
{
	const struct sim_token *found = NULL;

	/* compare every token in constant time so timing reveals nothing */
	for (size_t i = 0; i < s->ntokens; i++) {
		const struct sim_token *t = &s->tokens[i];

		if (strlen(t->token) == len && CRYPTO_memcmp(t->token, tok, len) == 0)
			found = t;
	}
	return found;
}

int sim_auth_identify(const struct sim_tls *tls, const struct sim_settings *s,
		      const unsigned char *const *der, const size_t *lens, size_t nder,
		      const char *authorization, struct sim_who *who)
{
	char *user = NULL, **groups = NULL;
	const struct sim_token *t;
	const char *tok;
	size_t len = 0;

	memset(who, 0, sizeof(*who));
	if (tls && nder && sim_tls_verify_client(tls, der, lens, nder, &user, &groups) == 0) {
		who_fill(who, user, groups);
		return 0;
	}
	tok = bearer(authorization, &len);
	if (!tok || !s || !(t = find_token(s, tok, len)))
		return -1;
	who_fill(who, xstrdup(t->user), dup_groups(t->groups));
	return 0;
}

void sim_auth_admin(struct sim_who *who)
{
	char **groups = xcalloc(2, sizeof(char *));

	groups[0] = xstrdup("system:masters");
	who_fill(who, xstrdup("kubernetes-admin"), groups);
}

void sim_who_release(struct sim_who *who)
{
	if (who->groups)
		for (size_t i = 0; who->groups[i]; i++)
			free(who->groups[i]);
	free(who->groups);
	free(who->user);
	memset(who, 0, sizeof(*who));
}
