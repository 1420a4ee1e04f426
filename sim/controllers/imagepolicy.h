/* imagepolicy.h: the model of Sigstore policy-controller's validating webhook. */
#ifndef KAIC_SIM_CONTROLLERS_IMAGEPOLICY_H
#define KAIC_SIM_CONTROLLERS_IMAGEPOLICY_H

#include <jansson.h>
#include <stdbool.h>

#include "sim.h"

/* A sim_admit_hook: when a ValidatingWebhookConfiguration registers policy-controller's
 * webhook "policy.sigstore.dev" for pods (CREATE) and its namespaceSelector selects the
 * namespace, every container image matched by the images globs of a ClusterImagePolicy
 * must be signed for it: it is when the scenario lists it in
 * controllers.imagePolicy.signed (exact references). An image that no policy matches is
 * denied (policy-controller's default no-match-policy: deny). A policy in mode warn
 * admits. Denials answer 400 "admission webhook \"policy.sigstore.dev\" denied the
 * request: validation failed: ...", as the API server relays them; a dry run is refused
 * when the webhook's sideEffects is not None or NoneOnDryRun. Setting imagePolicy.verify
 * false: the webhook admits every image (it verifies nothing). */
bool ctl_imagepolicy_admit(struct sim_api *api, const char *group, const char *resource,
			   const char *ns, const json_t *obj, bool dry_run,
			   struct sim_response *resp);

#endif
