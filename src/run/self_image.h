/* self_image.h: the image kaic's own pod runs, for test pods when kaic runs in a
 * cluster (a Job, a Sonobuoy plugin) and --image is not given: a mirrored image then
 * needs changing in one place, the manifest. */
#ifndef KAIC_RUN_SELF_IMAGE_H
#define KAIC_RUN_SELF_IMAGE_H

#include "kube/kube.h"

/* Reads the pod kaic runs in (HOSTNAME in the service account's namespace) and returns
 * the image of its container that runs kaic (command "kaic" or ".../kaic"), caller
 * frees. NULL outside a cluster (*why NULL), or when it cannot tell, with *why (caller
 * frees). */
char *run_self_image(struct kube_client *c, char **why);

#endif
