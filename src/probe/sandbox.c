/* sandbox.c: `kaic probe sandbox`: what kernel and isolation a pod sees, for the sandbox
 * and confidential-computing tests, without dmesg. Result: {"kernel" (uname -r),
 * "kernel_version", "proc_version", "gvisor", "gvisor_signals", "hypervisor",
 * "tdx_guest", "sev_guest", "tsm_report", "confidential_signals"}. Exit 0 whenever it
 * could look. tsm_report: configfs-tsm's attestation report interface
 * (/sys/kernel/config/tsm/report, Linux 6.7+) is present. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "probe/common.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#define SANDBOX_NAME "sandbox"
/* The fixed version string gVisor's sentry reports as its kernel (uname -v). */
#define SANDBOX_GVISOR_RELEASE "4.4.0"
#define SANDBOX_GVISOR_VERSION "#1 SMP Sun Jan 10 15:06:54 PST 2016"

/* Reads the first max bytes of root/rel with the trailing newline removed; NULL if it
 * cannot be read. */
static char *sandbox_read(const char *root, const char *rel, size_t max)
{
	char *path = xasprintf("%s%s", root, rel);
	FILE *f = fopen(path, "re");
	free(path);
	if (f == NULL)
		return NULL;
	char *data = xmalloc(max + 1);
	size_t n = fread(data, 1, max, f);
	fclose(f);
	data[n] = '\0';
	while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
		data[--n] = '\0';
	return data;
}

static bool sandbox_exists(const char *root, const char *rel)
{
	char *path = xasprintf("%s%s", root, rel);
	bool ok = access(path, F_OK) == 0;
	free(path);
	return ok;
}

/* Whether the first "flags" line of cpuinfo holds flag as a whole word. */
static bool sandbox_cpu_flag(const char *cpuinfo, const char *flag)
{
	if (cpuinfo == NULL)
		return false;
	const char *line = strstr(cpuinfo, "\nflags");
	if (line == NULL)
		line = strncmp(cpuinfo, "flags", 5) == 0 ? cpuinfo : NULL;
	if (line == NULL)
		return false;
	const char *end = strchr(line + 1, '\n');
	size_t fl = strlen(flag);
	for (const char *p = strstr(line, flag); p != NULL && (end == NULL || p < end);
	     p = strstr(p + 1, flag)) {
		if ((p[-1] == ' ' || p[-1] == '\t') &&
		    (p[fl] == ' ' || p[fl] == '\n' || p[fl] == '\0'))
			return true;
	}
	return false;
}

static void sandbox_signal(json_t *arr, bool cond, const char *what)
{
	if (cond)
		json_array_append_new(arr, json_string(what));
}

int probe_sandbox_run(int argc, char **argv)
{
	const char *root = "";
	for (int i = 1; i < argc; i++) {
		const char *v;
		int m = probe_opt(argc, argv, &i, "root", &v);
		if (m == 0)
			return probe_usage_error(SANDBOX_NAME, "unknown argument \"%s\"", argv[i]);
		if (m < 0)
			return probe_usage_error(SANDBOX_NAME, "%s needs a value", argv[i]);
		root = v;
	}
	struct utsname u;
	bool have_uname = *root == '\0' && uname(&u) == 0;
	char *release = sandbox_read(root, "/proc/sys/kernel/osrelease", 256);
	char *version = sandbox_read(root, "/proc/sys/kernel/version", 256);
	char *proc_version = sandbox_read(root, "/proc/version", 1024);
	char *cpuinfo = sandbox_read(root, "/proc/cpuinfo", 1 << 16);
	if (release == NULL && have_uname)
		release = xstrdup(u.release);
	if (version == NULL && have_uname)
		version = xstrdup(u.version);

	json_t *gv = json_array();
	sandbox_signal(gv, proc_version && strstr(proc_version, "gVisor") != NULL,
		       "/proc/version mentions gVisor");
	sandbox_signal(gv,
		       release && version && strcmp(release, SANDBOX_GVISOR_RELEASE) == 0 &&
			   strcmp(version, SANDBOX_GVISOR_VERSION) == 0,
		       "kernel 4.4.0 with gVisor's fixed version string");
	json_t *cc = json_array();
	bool tdx = sandbox_exists(root, "/dev/tdx_guest");
	bool sev = sandbox_exists(root, "/dev/sev-guest");
	sandbox_signal(cc, tdx, "/dev/tdx_guest");
	sandbox_signal(cc, sev, "/dev/sev-guest");
	bool tsm = sandbox_exists(root, "/sys/kernel/config/tsm/report");
	sandbox_signal(cc, tsm, "configfs-tsm report");
	sandbox_signal(cc, sandbox_cpu_flag(cpuinfo, "tdx_guest"), "cpu flag tdx_guest");
	sandbox_signal(cc, sandbox_cpu_flag(cpuinfo, "sev_snp"), "cpu flag sev_snp");

	json_t *res = json_object();
	json_object_set_new(res, "kernel", probe_json_string(release));
	json_object_set_new(res, "kernel_version", probe_json_string(version));
	json_object_set_new(res, "proc_version", probe_json_string(proc_version));
	json_object_set_new(res, "gvisor", json_boolean(json_array_size(gv) > 0));
	json_object_set_new(res, "gvisor_signals", gv);
	json_object_set_new(res, "hypervisor",
			    json_boolean(sandbox_cpu_flag(cpuinfo, "hypervisor")));
	json_object_set_new(res, "tdx_guest", json_boolean(tdx));
	json_object_set_new(res, "sev_guest", json_boolean(sev));
	json_object_set_new(res, "tsm_report", json_boolean(tsm));
	json_object_set_new(res, "confidential_signals", cc);
	int status = release != NULL ? PROBE_EXIT_OK : PROBE_EXIT_FAILED;
	if (release == NULL)
		json_object_set_new(res, "error", json_string("cannot read the kernel release"));
	free(release);
	free(version);
	free(proc_version);
	free(cpuinfo);
	return probe_emit(SANDBOX_NAME, res, status);
}
