/* known_networking.c: Gateway API names, inference extension groups, and the APIs and
 * extended resources of secondary networks (Multus, SR-IOV, RDMA). */
#include "checks/known.h"

#include <stddef.h>
#include <string.h>

const char known_gateway_group[] = "gateway.networking.k8s.io";
const char known_gateway_bundle_annotation[] = "gateway.networking.k8s.io/bundle-version";
const char known_gateway_channel_annotation[] = "gateway.networking.k8s.io/channel";

const struct known_crd_group known_inference_groups[] = {
    {"inference.networking.k8s.io", "Gateway API Inference Extension"},
    {"inference.networking.x-k8s.io", "Gateway API Inference Extension (alpha)"},
    {NULL, NULL},
};

const struct known_crd_group known_secondary_net_groups[] = {
    {"k8s.cni.cncf.io", "Multus"},
    {"sriovnetwork.openshift.io", "SR-IOV Network Operator"},
    {"mellanox.com", "NVIDIA Network Operator"},
    {"whereabouts.cni.cncf.io", "Whereabouts IPAM"},
    {NULL, NULL},
};

const struct known_net_resource known_net_resources[] = {
    {"rdma/", "RDMA"},
    {"openshift.io/", "SR-IOV"},
    {"intel.com/", "SR-IOV"},
    {"mellanox.com/", "SR-IOV/RDMA"},
    {"nvidia.com/rdma", "RDMA"},
    {"nvidia.com/sriov", "SR-IOV"},
    {"networking.gke.io.networks/", "GKE multi-network"},
    {"vpc.amazonaws.com/efa", "AWS EFA"},
    {NULL, NULL},
};

const struct known_net_resource *known_net_resource_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (const struct known_net_resource *k = known_net_resources; k->prefix != NULL; k++)
		if (strncmp(name, k->prefix, strlen(k->prefix)) == 0)
			return k;
	return NULL;
}

const char *const known_net_capable_labels[] = {
    "feature.node.kubernetes.io/network-sriov.capable",
    "feature.node.kubernetes.io/rdma.capable",
    "feature.node.kubernetes.io/rdma.available",
    NULL,
};
