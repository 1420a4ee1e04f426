/* spiffe.h: the SPIRE agent's Workload API as `kaic probe svid` sees it. */
#ifndef KAIC_SIM_CONTROLLERS_SPIFFE_H
#define KAIC_SIM_CONTROLLERS_SPIFFE_H

#include <jansson.h>

#include "sim.h"

/* What `kaic probe svid --socket PATH` prints in pod (keys of src/probe/svid_probe.c)
 * into res; returns its exit status. The socket answers when PATH is (under) the mount
 * of a csi.spiffe.io volume of the pod's first container and the CSIDriver exists. The
 * agent issues an SVID when a ClusterSPIFFEID selects the pod (namespaceSelector,
 * podSelector; absent: all): its spiffeIDTemplate rendered (.TrustDomain,
 * .PodMeta.Namespace, .PodMeta.Name, .PodMeta.UID, .PodSpec.ServiceAccountName,
 * .PodSpec.NodeName). The SVID is a real X.509 certificate (EC P-256, one URI SAN)
 * signed by a CA generated for the call (URI SAN spiffe://TRUST-DOMAIN), which is the
 * bundle. Settings (controllers.spiffe): trustDomain ("example.org"); issue (true;
 * false: gRPC status 7 "no identity issued" for every pod); identity (a SPIFFE ID handed
 * to every pod instead of the rendered one). */
int ctl_spiffe_svid(struct sim_api *api, const json_t *pod, const json_t *args, json_t *res);

#endif
