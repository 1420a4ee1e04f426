/* lease.c: Lease-based leader election (lease.h). */
#include "lease.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/log.h"
#include "util/xmalloc.h"

static void micro_time(char *buf, size_t len)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char s[32];
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%.24s.%06dZ", s, (int)((ts.tv_nsec / 1000) % 1000000));
}

static char *lease_path(const struct lease *l, bool item)
{
	return kube_path("coordination.k8s.io", "v1", "leases", l->ns, item ? l->name : NULL);
}

static json_t *new_lease(const struct lease *l, const char *now)
{
	return json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:i, s:s, s:s, s:i}}", "apiVersion",
			 "coordination.k8s.io/v1", "kind", "Lease", "metadata", "name", l->name,
			 "namespace", l->ns, "spec", "holderIdentity", l->id,
			 "leaseDurationSeconds", (int)((l->duration_ms + 999) / 1000),
			 "acquireTime", now, "renewTime", now, "leaseTransitions", 0);
}

static int create(struct lease *l, const char *now)
{
	json_t *obj = new_lease(l, now);
	char *path = lease_path(l, false);
	struct kube_error err = {0};
	int rc = kube_create(l->kc, path, obj, NULL, &err);
	free(path);
	json_decref(obj);
	if (rc != 0) {
		if (err.http_code != 409)
			log_warn("lease %s/%s: create: %s", l->ns, l->name, err.message);
		return err.http_code == 409 ? 0 : -1;
	}
	l->renewed_ms = now_ms();
	return 1;
}

/* Remembers the Lease's record; a change restarts the observed clock. */
static void observe(struct lease *l, const json_t *spec)
{
	char *rec = json_dumps(spec, JSON_COMPACT | JSON_SORT_KEYS);
	if (!rec)
		return;
	if (strncmp(rec, l->observed, sizeof(l->observed) - 1) != 0) {
		snprintf(l->observed, sizeof(l->observed), "%s", rec);
		l->observed_ms = now_ms();
	}
	free(rec);
}

int lease_try(struct lease *l)
{
	char now[64];
	micro_time(now, sizeof(now));
	char *path = lease_path(l, true);
	json_t *obj = NULL;
	struct kube_error err = {0};
	int rc = kube_get(l->kc, path, &obj, &err);
	if (rc != 0) {
		free(path);
		if (err.http_code == 404)
			return create(l, now);
		log_warn("lease %s/%s: %s", l->ns, l->name, err.message);
		return -1;
	}
	json_t *spec = json_object_get(obj, "spec");
	if (!json_is_object(spec)) {
		spec = json_object();
		json_object_set_new(obj, "spec", spec);
	}
	observe(l, spec);
	const char *holder = json_string_value(json_object_get(spec, "holderIdentity"));
	json_t *dur = json_object_get(spec, "leaseDurationSeconds");
	long long dur_ms = json_is_integer(dur) ? json_integer_value(dur) * 1000 : l->duration_ms;
	bool mine = holder && !strcmp(holder, l->id);
	bool held = holder && *holder && !mine && now_ms() < l->observed_ms + dur_ms;
	if (held) {
		free(path);
		json_decref(obj);
		return 0;
	}
	if (!mine) {
		json_t *tr = json_object_get(spec, "leaseTransitions");
		json_object_set_new(
		    spec, "leaseTransitions",
		    json_integer(json_is_integer(tr) ? json_integer_value(tr) + 1 : 1));
		json_object_set_new(spec, "acquireTime", json_string(now));
	}
	json_object_set_new(spec, "holderIdentity", json_string(l->id));
	json_object_set_new(spec, "leaseDurationSeconds",
			    json_integer((l->duration_ms + 999) / 1000));
	json_object_set_new(spec, "renewTime", json_string(now));
	json_t *out = NULL;
	rc = kube_update(l->kc, path, obj, &out, &err);
	free(path);
	json_decref(obj);
	if (rc != 0) {
		if (err.http_code != 409)
			log_warn("lease %s/%s: update: %s", l->ns, l->name, err.message);
		return err.http_code == 409 ? 0 : -1;
	}
	observe(l, json_object_get(out, "spec"));
	json_decref(out);
	l->renewed_ms = now_ms();
	return 1;
}

static void sleep_ms(const struct lease *l, long ms)
{
	for (long w = 0; w < ms && !atomic_load(l->stop); w += 50)
		usleep(50 * 1000);
}

static void *run(void *arg)
{
	struct lease *l = arg;
	while (!atomic_load(l->stop)) {
		int rc = lease_try(l);
		bool leading = atomic_load(l->leading);
		if (rc == 1 && !leading) {
			log_info("lease %s/%s: leading as %s", l->ns, l->name, l->id);
			atomic_store(l->leading, 1);
		} else if (leading && rc != 1 && now_ms() - l->renewed_ms > l->renew_deadline_ms) {
			log_error("lease %s/%s: not renewed within %ld ms; leadership lost", l->ns,
				  l->name, l->renew_deadline_ms);
			atomic_store(l->leading, 0);
			atomic_store(&l->lost, 1);
			return NULL;
		}
		sleep_ms(l, l->retry_ms);
	}
	return NULL;
}

void lease_start(struct lease *l)
{
	atomic_store(&l->lost, 0);
	pthread_create(&l->thread, NULL, run, l);
}

static void release(struct lease *l)
{
	char *path = lease_path(l, true);
	json_t *obj = NULL;
	struct kube_error err = {0};
	if (kube_get(l->kc, path, &obj, &err) == 0) {
		json_t *spec = json_object_get(obj, "spec");
		const char *holder = json_string_value(json_object_get(spec, "holderIdentity"));
		if (json_is_object(spec) && holder && !strcmp(holder, l->id)) {
			char now[64];
			micro_time(now, sizeof(now));
			json_object_set_new(spec, "holderIdentity", json_string(""));
			json_object_set_new(spec, "leaseDurationSeconds", json_integer(1));
			json_object_set_new(spec, "renewTime", json_string(now));
			if (kube_update(l->kc, path, obj, NULL, &err) == 0)
				log_info("lease %s/%s: released", l->ns, l->name);
			else
				log_warn("lease %s/%s: release: %s", l->ns, l->name, err.message);
		}
	}
	json_decref(obj);
	free(path);
}

void lease_stop(struct lease *l)
{
	pthread_join(l->thread, NULL);
	if (atomic_load(l->leading)) {
		atomic_store(l->leading, 0);
		release(l);
	}
}
