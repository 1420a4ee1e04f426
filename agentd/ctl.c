/* ctl.c: the controller context (ctl.h). */
#include "ctl.h"

#include <stdlib.h>
#include <string.h>

static void memo_free(struct ctl_memo *m)
{
	if (!m)
		return;
	free(m->endpoint);
	free(m->auth);
	json_decref(m->tools);
	json_decref(m->server);
	free(m);
}

void ctl_init(struct ctl *c, const struct ctl_opts *o, struct kube_client *kc, const char *sa_ns,
	      const char *sa_name)
{
	memset(c, 0, sizeof(*c));
	c->opts = *o;
	c->kc = kc;
	cache_init(&c->cache);
	queue_init(&c->queue, 500, o->probe_interval_ms > 0 ? o->probe_interval_ms : 60000);
	metrics_init(&c->metrics);
	auth_init(&c->auth, kc, sa_ns, sa_name);
	pthread_mutex_init(&c->memo_mu, NULL);
	hmap_init(&c->memos);
}

static void memo_drop(const char *key, size_t len, void *val, void *arg)
{
	(void)key, (void)len, (void)arg;
	memo_free(val);
}

void ctl_release(struct ctl *c)
{
	hmap_each(&c->memos, memo_drop, NULL);
	hmap_release(&c->memos);
	pthread_mutex_destroy(&c->memo_mu);
	auth_release(&c->auth);
	metrics_release(&c->metrics);
	queue_release(&c->queue);
	cache_release(&c->cache);
}

void ctl_invalidate(struct ctl *c, const char *key)
{
	pthread_mutex_lock(&c->memo_mu);
	struct ctl_memo *m = hmap_get(&c->memos, key);
	if (m)
		m->stale = true;
	pthread_mutex_unlock(&c->memo_mu);
	queue_add(&c->queue, key);
}

void ctl_memo_due(struct ctl *c, const char *key, long long due_ms)
{
	pthread_mutex_lock(&c->memo_mu);
	struct ctl_memo *m = hmap_get(&c->memos, key);
	if (m)
		m->due_ms = due_ms;
	pthread_mutex_unlock(&c->memo_mu);
}

void ctl_forget(struct ctl *c, const char *key)
{
	pthread_mutex_lock(&c->memo_mu);
	memo_free(hmap_del(&c->memos, key));
	pthread_mutex_unlock(&c->memo_mu);
	queue_forget(&c->queue, key);
}

bool ctl_watches(const struct ctl *c, const char *ns)
{
	if (!c->opts.namespaces || !c->opts.namespaces[0])
		return true;
	for (size_t i = 0; c->opts.namespaces[i]; i++)
		if (!strcmp(c->opts.namespaces[i], ns))
			return true;
	return false;
}
