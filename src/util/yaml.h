/* yaml.h: YAML <-> JSON (jansson) with libyaml. Used for kubeconfig, scenarios,
 * manifests and the YAML reports. */
#ifndef KAIC_YAML_H
#define KAIC_YAML_H

#include <jansson.h>
#include <stddef.h>

#include "util/buf.h"

/* Parses a YAML stream (all documents) into a new JSON array with one element per
 * non-empty document. Plain scalars resolve as in YAML 1.2's core schema (null, bool,
 * int, float), quoted ones stay strings; aliases are expanded (at most 10,000 nodes
 * through aliases, against "billion laughs"). Returns 0, or -1 with *cause (caller
 * frees) such as "line 3: mapping values are not allowed in this context". */
int yaml_to_json(const char *text, size_t len, json_t **docs, char **cause);
/* Reads and parses a file (limit 64 MiB); same contract, *cause names the file. */
int yaml_load_file(const char *path, json_t **docs, char **cause);
/* Appends v as one YAML document (block style, keys in insertion order) to out.
 * Strings that would read back as another type are quoted. */
void yaml_emit(struct buf *out, const json_t *v);

#endif
