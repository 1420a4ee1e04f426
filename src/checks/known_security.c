/* known_security.c: known CNIs and NetworkPolicy agents, egress policy APIs,
 * workload-identity components, sandbox and confidential runtime handlers, TEE node
 * labels and image-signature admission engines, for the Security checks. */
#include <stddef.h>

#include "checks/known.h"

#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

const struct known_cni known_cnis[] = {
    {"Cilium", LIST("cilium"), LIST("kube-system", "cilium"), LIST("cilium.io"), NETPOL_ENFORCES,
     "--enable-policy=never"},
    {"GKE Dataplane V2 (Cilium)", LIST("anetd"), LIST("kube-system"), NULL, NETPOL_ENFORCES, NULL},
    {"Calico", LIST("calico-node"), LIST("kube-system", "calico-system"),
     LIST("crd.projectcalico.org", "projectcalico.org", "operator.tigera.io"), NETPOL_ENFORCES,
     NULL},
    {"Canal (Calico policy on flannel)", LIST("canal"), LIST("kube-system"), NULL, NETPOL_ENFORCES,
     NULL},
    {"Antrea", LIST("antrea-agent"), LIST("kube-system"), LIST("crd.antrea.io"), NETPOL_ENFORCES,
     NULL},
    {"kube-router", LIST("kube-router"), LIST("kube-system"), NULL, NETPOL_ENFORCES,
     "--run-firewall=false"},
    {"OVN-Kubernetes", LIST("ovnkube-node"), LIST("ovn-kubernetes", "openshift-ovn-kubernetes"),
     LIST("k8s.ovn.org"), NETPOL_ENFORCES, NULL},
    {"Weave Net", LIST("weave-net"), LIST("kube-system"), NULL, NETPOL_ENFORCES, NULL},
    {"kube-network-policies", LIST("kube-network-policies"), LIST("kube-system"), NULL,
     NETPOL_ENFORCES, NULL},
    {"Azure Network Policy Manager", LIST("azure-npm"), LIST("kube-system"), NULL, NETPOL_ENFORCES,
     NULL},
    {"kindnet", LIST("kindnet"), LIST("kube-system"), NULL, NETPOL_KINDNET,
     "--network-policy=false"},
    {"flannel", LIST("kube-flannel-ds", "kube-flannel"), LIST("kube-flannel", "kube-system"), NULL,
     NETPOL_NONE, NULL},
    {NULL, NULL, NULL, NULL, NETPOL_NONE, NULL},
};

const struct known_api known_egress_policy_apis[] = {
    {"cilium.io", "ciliumnetworkpolicies", "CiliumNetworkPolicy", "Cilium, toFQDNs egress"},
    {"cilium.io", "ciliumclusterwidenetworkpolicies", "CiliumClusterwideNetworkPolicy",
     "Cilium, cluster-wide"},
    {"policy.networking.k8s.io", "adminnetworkpolicies", "AdminNetworkPolicy",
     "network-policy-api"},
    {"policy.networking.k8s.io", "baselineadminnetworkpolicies", "BaselineAdminNetworkPolicy",
     "network-policy-api"},
    {"policy.networking.k8s.io", "clusternetworkpolicies", "ClusterNetworkPolicy",
     "network-policy-api"},
    {"crd.projectcalico.org", "globalnetworkpolicies", "GlobalNetworkPolicy", "Calico"},
    {"crd.projectcalico.org", "networkpolicies", "NetworkPolicy", "Calico"},
    {"projectcalico.org", "globalnetworkpolicies", "GlobalNetworkPolicy", "Calico API server"},
    {"projectcalico.org", "networkpolicies", "NetworkPolicy", "Calico API server"},
    {"crd.antrea.io", "clusternetworkpolicies", "ClusterNetworkPolicy", "Antrea, FQDN egress"},
    {"crd.antrea.io", "networkpolicies", "NetworkPolicy", "Antrea"},
    {NULL, NULL, NULL, NULL},
};

const struct known_csi_driver known_spiffe_csi_drivers[] = {
    {"csi.spiffe.io", "SPIRE SPIFFE CSI driver", false},
    {"spiffe.csi.cert-manager.io", "cert-manager csi-driver-spiffe", false},
    {NULL, NULL, false},
};

const struct known_api known_identity_apis[] = {
    {"spire.spiffe.io", "clusterspiffeids", "ClusterSPIFFEID", "SPIRE controller manager"},
    {"security.istio.io", "peerauthentications", "PeerAuthentication", "Istio mesh identity"},
    {"certificates.k8s.io", "podcertificaterequests", "PodCertificateRequest",
     "Kubernetes pod certificates"},
    {NULL, NULL, NULL, NULL},
};

const struct known_api known_trust_apis[] = {
    {"certificates.k8s.io", "clustertrustbundles", "ClusterTrustBundle",
     "Kubernetes trust distribution"},
    {"trust.cert-manager.io", "bundles", "Bundle", "cert-manager trust-manager"},
    {NULL, NULL, NULL, NULL},
};

const struct known_workload known_identity_daemonsets[] = {
    {"spire-agent", "SPIRE agent"},
    {"spiffe-csi-driver", "SPIFFE CSI driver"},
    {"ztunnel", "Istio ambient ztunnel"},
    {"cert-manager-csi-driver-spiffe", "cert-manager csi-driver-spiffe"},
    {NULL, NULL},
};

const struct known_runtime known_runtime_handlers[] = {
    {"kata-qemu-coco-dev", "Kata Containers CoCo (development, no TEE)",
     RUNTIME_SANDBOX | RUNTIME_CONFIDENTIAL | RUNTIME_NO_TEE},
    {"kata-*-coco-dev*", "Kata Containers CoCo (development, no TEE)",
     RUNTIME_SANDBOX | RUNTIME_CONFIDENTIAL | RUNTIME_NO_TEE},
    {"kata*-tdx*", "Kata Containers on Intel TDX", RUNTIME_SANDBOX | RUNTIME_CONFIDENTIAL},
    {"kata*-snp*", "Kata Containers on AMD SEV-SNP", RUNTIME_SANDBOX | RUNTIME_CONFIDENTIAL},
    {"kata*-sev*", "Kata Containers on AMD SEV", RUNTIME_SANDBOX | RUNTIME_CONFIDENTIAL},
    {"kata*-se", "Kata Containers on IBM Secure Execution", RUNTIME_SANDBOX | RUNTIME_CONFIDENTIAL},
    {"kata-remote", "Kata peer pods (confidential VM)", RUNTIME_SANDBOX | RUNTIME_CONFIDENTIAL},
    {"kata*", "Kata Containers", RUNTIME_SANDBOX},
    {"runsc*", "gVisor", RUNTIME_SANDBOX},
    {"gvisor", "gVisor (GKE Sandbox)", RUNTIME_SANDBOX},
    {NULL, NULL, 0},
};

const struct known_api known_sandbox_apis[] = {
    {"agents.x-k8s.io", "sandboxes", "Sandbox", "agent-sandbox"},
    {NULL, NULL, NULL, NULL},
};

const struct known_label known_tee_node_labels[] = {
    {"feature.node.kubernetes.io/cpu-security.tdx.enabled", "Intel TDX"},
    {"feature.node.kubernetes.io/cpu-security.sev.snp.enabled", "AMD SEV-SNP"},
    {"feature.node.kubernetes.io/cpu-security.sev.es.enabled", "AMD SEV-ES"},
    {"feature.node.kubernetes.io/cpu-security.sev.enabled", "AMD SEV"},
    {"feature.node.kubernetes.io/cpu-security.se.enabled", "IBM Secure Execution"},
    {NULL, NULL},
};

const struct known_image_policy known_image_policies[] = {
    {"Sigstore policy-controller", "policy.sigstore.dev", "clusterimagepolicies",
     "ClusterImagePolicy", POLMODE_SIGSTORE, LIST("policy.sigstore.dev")},
    {"Kyverno", "kyverno.io", "clusterpolicies", "ClusterPolicy", POLMODE_KYVERNO,
     LIST("kyverno-resource-validating-webhook-cfg", "kyverno-verify")},
    {"Kyverno", "kyverno.io", "policies", "Policy", POLMODE_KYVERNO,
     LIST("kyverno-resource-validating-webhook-cfg", "kyverno-verify")},
    {"Kyverno", "policies.kyverno.io", "imagevalidatingpolicies", "ImageValidatingPolicy",
     POLMODE_KYVERNO_IVP, LIST("kyverno-resource-validating-webhook-cfg", "kyverno-verify")},
    {"Ratify", "config.ratify.deislabs.io", "verifiers", "Verifier", POLMODE_NONE,
     LIST("gatekeeper-validating-webhook-configuration")},
    {"Connaisseur", NULL, NULL, NULL, POLMODE_NONE, LIST("connaisseur-webhook")},
    {NULL, NULL, NULL, NULL, POLMODE_NONE, NULL},
};
