/* openapi.h: /openapi/v3, from a directory of documents or generated from discovery. */
#ifndef KAIC_SIM_SERVER_OPENAPI_H
#define KAIC_SIM_SERVER_OPENAPI_H

#include "sim.h"

struct sim_openapi;

/* Indexes the OpenAPI v3 documents of dir (api/v1.json, apis/GROUP/VERSION.json); with dir
 * NULL, documents are generated from discovery on request. Returns NULL with *cause. */
struct sim_openapi *sim_openapi_load(const char *dir, char **cause);
void sim_openapi_free(struct sim_openapi *o);
/* Answers GET /openapi/v3 (the index) and /openapi/v3/PATH (one document); api serves
 * the discovery that generated documents come from. Never fails: errors are Statuses. */
void sim_openapi_handle(const struct sim_openapi *o, struct sim_api *api, const char *path,
			struct sim_response *resp);

#endif
