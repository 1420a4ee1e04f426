/* review.h: the review APIs, answered without storing anything: access reviews
 * (SelfSubjectAccessReview, SubjectAccessReview, LocalSubjectAccessReview) from the RBAC
 * objects, SelfSubjectReview (kubectl auth whoami), SelfSubjectRulesReview and
 * TokenReview. Called by api.c with api->mu held. */
#ifndef KAIC_SIM_REST_REVIEW_H
#define KAIC_SIM_REST_REVIEW_H

#include <stdbool.h>

#include "rest/call.h"
#include "sim.h"

/* Whether c's resource is a review (a POST answered, never stored). */
bool sim_review_is(const struct sim_call *c);
/* Answers the review POSTed in c (201 with status, or the API server's error). */
void sim_call_review(struct sim_call *c, struct sim_response *resp);

#endif
