/* devices.c: `kaic probe devices`: which accelerators the pod can see, for the
 * secure_accelerator_access test. Result: {"device_nodes": accelerator device files
 * under /dev (nvidiaN, accel/accelN, neuronN, dri/renderDN, hlN), "uuids": GPU UUIDs
 * of /proc/driver/nvidia/gpus/x/information, "env": the visible-devices variables that
 * are set, and the variables a DRA driver's CDI spec sets to name its devices and
 * claims}. Exit 0 whenever it could look. --root DIR reads DIR/dev and DIR/proc.
 * --hold SECONDS prints the report on stdout at once, then keeps running (holding the
 * pod's devices) that long before it exits with the report as termination message. */
#include <ctype.h>
#include <stdbool.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe/common.h"
#include "util/xmalloc.h"

#define DEVICES_NAME "devices"
#define DEVICES_MAX 256

static const char *const devices_env[] = {
    "NVIDIA_VISIBLE_DEVICES", "CUDA_VISIBLE_DEVICES",
    "ROCR_VISIBLE_DEVICES",   "HIP_VISIBLE_DEVICES",
    "GPU_DEVICE_ORDINAL",     "NEURON_RT_VISIBLE_CORES",
    "TPU_VISIBLE_CHIPS",      "HABANA_VISIBLE_DEVICES",
    "ZE_AFFINITY_MASK",	      NULL,
};

/* Whether name is prefix followed by one or more digits only. */
static bool devices_numbered(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strncmp(name, prefix, n) != 0 || name[n] == '\0')
		return false;
	for (const char *p = name + n; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

/* Adds "/dev/SUB/NAME" for every entry of root/dev/SUB numbered after one of prefixes. */
static void devices_scan(const char *root, const char *sub, const char *const *prefixes,
			 json_t *out)
{
	char *dir = xasprintf("%s/dev%s%s", root, *sub ? "/" : "", sub);
	DIR *d = opendir(dir);
	free(dir);
	if (d == NULL)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && json_array_size(out) < DEVICES_MAX) {
		for (const char *const *p = prefixes; *p; p++) {
			if (devices_numbered(e->d_name, *p)) {
				char *path =
				    xasprintf("/dev%s%s/%s", *sub ? "/" : "", sub, e->d_name);
				json_array_append_new(out, json_string(path));
				free(path);
				break;
			}
		}
	}
	closedir(d);
}

/* The "GPU UUID:" line of every root/proc/driver/nvidia/gpus/BUS/information. */
static void devices_uuids(const char *root, json_t *out)
{
	char *dir = xasprintf("%s/proc/driver/nvidia/gpus", root);
	DIR *d = opendir(dir);
	if (d == NULL) {
		free(dir);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL && json_array_size(out) < DEVICES_MAX) {
		if (e->d_name[0] == '.')
			continue;
		char *path = xasprintf("%s/%s/information", dir, e->d_name);
		FILE *f = fopen(path, "re");
		free(path);
		char line[512];
		while (f != NULL && fgets(line, sizeof line, f) != NULL) {
			if (strncmp(line, "GPU UUID:", 9) != 0)
				continue;
			char *v = line + 9;
			while (*v == ' ' || *v == '\t')
				v++;
			v[strcspn(v, "\r\n")] = '\0';
			json_array_append_new(out, json_string(v));
		}
		if (f != NULL)
			fclose(f);
	}
	closedir(d);
	free(dir);
}

/* Whether an environment variable's name is one a DRA driver's CDI spec sets to name the
 * devices or claims it injected (the example driver's GPU_DEVICE_N and
 * GPU_DEVICE_N_RESOURCE_CLAIM, DRA_RESOURCE_DRIVER_NAME; a vendor's *_VISIBLE_DEVICES). */
static bool devices_cdi_name(const char *name, size_t len)
{
	char buf[128];
	if (len >= sizeof buf)
		return false;
	memcpy(buf, name, len);
	buf[len] = '\0';
	return strstr(buf, "DEVICE") != NULL || strstr(buf, "RESOURCE_CLAIM") != NULL ||
	       strncmp(buf, "DRA_", 4) == 0;
}

/* Adds the environment's CDI variables (devices_cdi_name) to env, at most DEVICES_MAX. */
static void devices_cdi_env(json_t *env)
{
	for (char **e = environ; e != NULL && *e != NULL; e++) {
		const char *eq = strchr(*e, '=');
		if (eq == NULL || !devices_cdi_name(*e, (size_t)(eq - *e)) ||
		    json_object_size(env) >= DEVICES_MAX)
			continue;
		char *name = xstrndup(*e, (size_t)(eq - *e));
		json_object_set_new(env, name, probe_json_string(eq + 1));
		free(name);
	}
}

static int devices_sort(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The array sorted (deterministic output). */
static json_t *devices_sorted(json_t *arr)
{
	size_t n = json_array_size(arr);
	const char **v = xmalloc((n + 1) * sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = json_string_value(json_array_get(arr, i));
	qsort(v, n, sizeof *v, devices_sort);
	json_t *out = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(out, json_string(v[i]));
	free(v);
	json_decref(arr);
	return out;
}

int probe_devices_run(int argc, char **argv)
{
	const char *root = "";
	long hold = 0;
	for (int i = 1; i < argc; i++) {
		const char *v;
		int m = probe_opt(argc, argv, &i, "root", &v);
		bool is_hold = m == 0 && (m = probe_opt(argc, argv, &i, "hold", &v)) != 0;
		if (m == 0)
			return probe_usage_error(DEVICES_NAME, "unknown argument \"%s\"", argv[i]);
		if (m < 0)
			return probe_usage_error(DEVICES_NAME, "%s needs a value", argv[i]);
		if (!is_hold)
			root = v;
		else if (probe_parse_long(v, 0, 86400, &hold) != 0)
			return probe_usage_error(DEVICES_NAME, "invalid --hold \"%s\" (0 to 86400)",
						 v);
	}
	static const char *const top[] = {"nvidia", "neuron", "hl", NULL};
	static const char *const accel[] = {"accel", NULL};
	static const char *const dri[] = {"renderD", NULL};
	json_t *nodes = json_array(), *uuids = json_array(), *env = json_object();
	devices_scan(root, "", top, nodes);
	devices_scan(root, "accel", accel, nodes);
	devices_scan(root, "dri", dri, nodes);
	devices_uuids(root, uuids);
	for (const char *const *e = devices_env; *e; e++) {
		const char *v = getenv(*e);
		if (v != NULL)
			json_object_set_new(env, *e, probe_json_string(v));
	}
	devices_cdi_env(env);
	json_t *res = json_object();
	json_object_set_new(res, "device_nodes", devices_sorted(nodes));
	json_object_set_new(res, "uuids", devices_sorted(uuids));
	json_object_set_new(res, "env", env);
	if (hold > 0) {
		char *text = json_dumps(res, JSON_COMPACT);
		printf("%s\n", text ? text : "{}");
		fflush(stdout);
		free(text);
		for (long s = 0; s < hold; s++)
			sleep(1);
	}
	return probe_emit(DEVICES_NAME, res, PROBE_EXIT_OK);
}
