/* known_storage.c: known CSI drivers, non-CSI provisioners and GPUDirect Storage
 * markers, for the Storage checks. */
#include <stddef.h>

#include "checks/known.h"

const struct known_csi_driver known_csi_drivers[] = {
    {"ebs.csi.aws.com", "Amazon EBS CSI driver", true},
    {"efs.csi.aws.com", "Amazon EFS CSI driver", true},
    {"fsx.csi.aws.com", "Amazon FSx for Lustre CSI driver", true},
    {"pd.csi.storage.gke.io", "GCE Persistent Disk CSI driver", true},
    {"filestore.csi.storage.gke.io", "GCP Filestore CSI driver", true},
    {"gcsfuse.csi.storage.gke.io", "Cloud Storage FUSE CSI driver", true},
    {"disk.csi.azure.com", "Azure Disk CSI driver", true},
    {"file.csi.azure.com", "Azure File CSI driver", true},
    {"blob.csi.azure.com", "Azure Blob CSI driver", true},
    {"csi.vsphere.vmware.com", "vSphere CSI driver", true},
    {"rook-ceph.rbd.csi.ceph.com", "Rook Ceph RBD", true},
    {"rook-ceph.cephfs.csi.ceph.com", "Rook CephFS", true},
    {"rbd.csi.ceph.com", "Ceph RBD CSI", true},
    {"cephfs.csi.ceph.com", "CephFS CSI", true},
    {"driver.longhorn.io", "Longhorn", true},
    {"csi.trident.netapp.io", "NetApp Trident", true},
    {"hostpath.csi.k8s.io", "CSI hostpath driver", true},
    {"nfs.csi.k8s.io", "CSI NFS driver", true},
    {"smb.csi.k8s.io", "CSI SMB driver", true},
    {"local.csi.openebs.io", "OpenEBS LVM LocalPV", true},
    {"zfs.csi.openebs.io", "OpenEBS ZFS LocalPV", true},
    {"io.openebs.csi-mayastor", "OpenEBS Mayastor", true},
    {"topolvm.io", "TopoLVM", true},
    {"pxd.portworx.com", "Portworx", true},
    {"csi.weka.io", "WEKA CSI", true},
    {"csi.vastdata.com", "VAST CSI", true},
    {"lustre.csi.hpe.com", "Lustre CSI", true},
    {"secrets-store.csi.k8s.io", "Secrets Store CSI driver", false},
    {"csi.spiffe.io", "SPIFFE CSI driver", false},
    {"spiffe.csi.cert-manager.io", "cert-manager csi-driver-spiffe", false},
    {"csi.cert-manager.io", "cert-manager csi-driver", false},
    {NULL, NULL, false},
};

const struct known_provisioner known_non_csi_provisioners[] = {
    {"rancher.io/local-path", "local-path-provisioner"},
    {"kubernetes.io/no-provisioner", "static local volumes"},
    {"k8s.io/minikube-hostpath", "minikube hostpath"},
    {"microk8s.io/hostpath", "MicroK8s hostpath"},
    {"openebs.io/local", "OpenEBS LocalPV hostpath"},
    {"kubernetes.io/host-path", "in-tree hostPath"},
    {NULL, NULL},
};

/* The GPU operator's driver pod runs the nvidia-fs kernel module in "nvidia-fs-ctr"
 * (image nvcr.io/nvidia/cloud-native/nvidia-fs). */
const char *const known_gds_containers[] = {"nvidia-fs", NULL};
/* NFD's kernel source (kernel-loadedmodule.nvidia_fs via a NodeFeatureRule) or any
 * label naming the module. */
const char *const known_gds_node_labels[] = {"nvidia_fs", "nvidia-fs", NULL};
