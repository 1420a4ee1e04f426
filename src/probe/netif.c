/* netif.c: `kaic probe netif`: the network interfaces and RDMA devices a pod sees, for
 * the multi-NIC test (NET-3.2). Result: {"interfaces": [{name, mac, mtu, operstate,
 * addresses}], "rdma": [{name, node_guid}], "uverbs": [names under /dev/infiniband]},
 * sorted by name. Reads ROOT/sys/class/net, ROOT/sys/class/infiniband and
 * ROOT/dev/infiniband (--root, for tests); the addresses come from getifaddrs when ROOT is
 * the real one. Exit 0 whenever /sys/class/net could be read. */
#include <arpa/inet.h>
#include <dirent.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/common.h"
#include "util/xmalloc.h"

#define NETIF_NAME "netif"
#define NETIF_MAX 256

/* The first line of ROOT/DIR/NAME/FILE, or NULL. */
static char *netif_read(const char *root, const char *dir, const char *name, const char *file)
{
	char *path = xasprintf("%s%s/%s%s%s", root, dir, name, *file ? "/" : "", file);
	FILE *f = fopen(path, "re");
	free(path);
	if (f == NULL)
		return NULL;
	char buf[256];
	char *line = fgets(buf, sizeof buf, f);
	fclose(f);
	if (line == NULL)
		return NULL;
	buf[strcspn(buf, "\r\n")] = '\0';
	return xstrdup(buf);
}

static int netif_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of ROOT/DIR but . and .., sorted; NULL-terminated (caller frees). NULL
 * when the directory cannot be read. */
static char **netif_list(const char *root, const char *dir)
{
	char *path = xasprintf("%s%s", root, dir);
	DIR *d = opendir(path);
	free(path);
	if (d == NULL)
		return NULL;
	char **v = xcalloc(NETIF_MAX + 1, sizeof(*v));
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && n < NETIF_MAX)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			v[n++] = xstrdup(e->d_name);
	closedir(d);
	qsort(v, n, sizeof(*v), netif_cmp);
	return v;
}

static void netif_free(char **v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* The addresses of interface name ("10.0.0.5/24"), from ifs. */
static json_t *netif_addresses(const struct ifaddrs *ifs, const char *name)
{
	json_t *a = json_array();
	for (const struct ifaddrs *i = ifs; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || strcmp(i->ifa_name, name) != 0)
			continue;
		char ip[INET6_ADDRSTRLEN] = "";
		int bits = 0;
		if (i->ifa_addr->sa_family == AF_INET) {
			inet_ntop(AF_INET,
				  &((const struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr, ip,
				  sizeof ip);
			const struct sockaddr_in *m = (const void *)i->ifa_netmask;
			for (unsigned long v = m ? ntohl(m->sin_addr.s_addr) : 0; v; v <<= 1)
				bits += (v & 0x80000000UL) != 0;
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			inet_ntop(AF_INET6,
				  &((const struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr,
				  ip, sizeof ip);
			const struct sockaddr_in6 *m = (const void *)i->ifa_netmask;
			for (int k = 0; m && k < 16; k++)
				for (unsigned char b = m->sin6_addr.s6_addr[k]; b; b <<= 1)
					bits += (b & 0x80) != 0;
		} else {
			continue;
		}
		char *s = xasprintf("%s/%d", ip, bits);
		json_array_append_new(a, json_string(s));
		free(s);
	}
	return a;
}

static json_t *netif_interfaces(const char *root, char **names)
{
	struct ifaddrs *ifs = NULL;
	if (*root == '\0' && getifaddrs(&ifs) != 0)
		ifs = NULL;
	json_t *arr = json_array();
	for (size_t i = 0; names[i] != NULL; i++) {
		char *mac = netif_read(root, "/sys/class/net", names[i], "address");
		char *mtu = netif_read(root, "/sys/class/net", names[i], "mtu");
		char *state = netif_read(root, "/sys/class/net", names[i], "operstate");
		json_array_append_new(arr, json_pack("{s:s, s:o, s:I, s:o, s:o}", "name", names[i],
						     "mac", probe_json_string(mac), "mtu",
						     (json_int_t)(mtu ? strtol(mtu, NULL, 10) : 0),
						     "operstate", probe_json_string(state),
						     "addresses", netif_addresses(ifs, names[i])));
		free(mac);
		free(mtu);
		free(state);
	}
	if (ifs != NULL)
		freeifaddrs(ifs);
	return arr;
}

int probe_netif_run(int argc, char **argv)
{
	const char *root = "";
	for (int i = 1; i < argc; i++) {
		const char *v;
		int m = probe_opt(argc, argv, &i, "root", &v);
		if (m == 0)
			return probe_usage_error(NETIF_NAME, "unknown argument \"%s\"", argv[i]);
		if (m < 0)
			return probe_usage_error(NETIF_NAME, "%s needs a value", argv[i]);
		root = v;
	}
	char **nets = netif_list(root, "/sys/class/net");
	char **ib = netif_list(root, "/sys/class/infiniband");
	char **uv = netif_list(root, "/dev/infiniband");
	json_t *res = json_object();
	char *none[] = {NULL};
	json_object_set_new(res, "interfaces", netif_interfaces(root, nets ? nets : none));
	json_t *rdma = json_array();
	for (size_t i = 0; ib != NULL && ib[i] != NULL; i++) {
		char *guid = netif_read(root, "/sys/class/infiniband", ib[i], "node_guid");
		json_array_append_new(rdma, json_pack("{s:s, s:o}", "name", ib[i], "node_guid",
						      probe_json_string(guid)));
		free(guid);
	}
	json_object_set_new(res, "rdma", rdma);
	json_t *uverbs = json_array();
	for (size_t i = 0; uv != NULL && uv[i] != NULL; i++)
		json_array_append_new(uverbs, json_string(uv[i]));
	json_object_set_new(res, "uverbs", uverbs);
	int status = nets != NULL ? PROBE_EXIT_OK : PROBE_EXIT_FAILED;
	if (nets == NULL)
		json_object_set_new(res, "error", json_string("cannot read /sys/class/net"));
	netif_free(nets);
	netif_free(ib);
	netif_free(uv);
	return probe_emit(NETIF_NAME, res, status);
}
