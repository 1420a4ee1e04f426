/* scenario.h: loading a scenario directory: scenario.yaml into settings, then every
 * manifest into the store (docs/scenarios.md). */
#ifndef KAIC_SIM_SCENARIO_SCENARIO_H
#define KAIC_SIM_SCENARIO_SCENARIO_H

#include "sim.h"

/* Fills s with the defaults of an empty scenario.yaml (release with sim_settings_release). */
void sim_settings_defaults(struct sim_settings *s);
/* Reads DIR/scenario.yaml (optional) into s; defaults when absent. -1 with *cause. */
int sim_scenario_settings(const char *dir, struct sim_settings *s, char **cause);
/* Loads every manifest of DIR (YAML multi-doc, JSON, kind List; CRDs first) into api,
 * then generates the large objects when settings ask, then the local APIServices of
 * every served group/version (objects/admin.h: sim_api_local_apiservices). -1 with
 * *cause. */
int sim_scenario_load(struct sim_api *api, const char *dir, const struct sim_settings *s,
		      char **cause);
void sim_settings_release(struct sim_settings *s);

#endif
