/* product_meta.c: --cncf-metadata FILE, the PRODUCT.yaml metadata only the vendor knows
 * (website, repository, documentation, logo, description, contact, the k8s-conformance
 * submission): a YAML mapping of the chosen checklist's metadata keys, or a PRODUCT.yaml
 * whose metadata mapping holds them, checked before anything runs. */
#include <stdlib.h>
#include <string.h>

#include "report/product.h"
#include "util/xmalloc.h"
#include "util/yaml.h"

/* Whether key is one of v's metadata keys. */
static bool meta_key(const struct cncf_version *v, const char *key)
{
	for (const char *const *k = v->metadata; *k != NULL; k++)
		if (strcmp(*k, key) == 0)
			return true;
	return false;
}

/* The mapping of values in doc: its "metadata" mapping when it has one, else itself. */
static const json_t *meta_map(const json_t *doc)
{
	const json_t *m = json_object_get(doc, "metadata");
	return json_is_object(m) ? m : doc;
}

/* The option of o that also sets key (--vendor, --product, --product-version) when it
 * was given, else NULL. */
static const char *meta_flag(const struct run_opts *o, const char *key)
{
	if (o == NULL)
		return NULL;
	if (strcmp(key, "vendorName") == 0)
		return o->vendor ? "--vendor" : NULL;
	if (strcmp(key, "platformName") == 0)
		return o->product ? "--product" : NULL;
	if (strcmp(key, "platformVersion") == 0)
		return o->product_version ? "--product-version" : NULL;
	return NULL;
}

/* Checks one entry; 0, or -1 with *cause. */
static int meta_check(const struct cncf_version *v, const struct run_opts *o, const char *key,
		      const json_t *val, char **cause)
{
	if (strcmp(key, "kubernetesVersion") == 0) {
		*cause = xstrdup("kubernetesVersion is the checklist's: kaic writes it");
		return -1;
	}
	if (!meta_key(v, key)) {
		*cause =
		    xasprintf("\"%s\" is not a metadata field of the %s checklist", key, v->name);
		return -1;
	}
	const char *s = json_string_value(val);
	if (s == NULL || s[strspn(s, " \t")] == '\0' || strcmp(s, product_placeholder(key)) == 0) {
		*cause = xasprintf("%s must be a non-empty string, not a placeholder", key);
		return -1;
	}
	if (meta_flag(o, key) != NULL) {
		*cause =
		    xasprintf("%s is given twice: by the file and by %s", key, meta_flag(o, key));
		return -1;
	}
	return 0;
}

int product_metadata_load(const char *path, const struct cncf_version *v, const struct run_opts *o,
			  json_t **out, char **cause)
{
	json_t *docs = NULL;
	char *why = NULL;
	*out = NULL;
	if (yaml_load_file(path, &docs, &why) != 0) {
		*cause = xasprintf("%s: %s", path, why);
		free(why);
		return -1;
	}
	const json_t *map = meta_map(json_array_get(docs, 0));
	if (json_array_size(docs) != 1 || !json_is_object(map)) {
		*cause = xasprintf("%s: not a mapping of metadata fields", path);
		json_decref(docs);
		return -1;
	}
	const char *key;
	const json_t *val;
	json_object_foreach((json_t *)map, key, val) {
		if (meta_check(v, o, key, val, &why) != 0) {
			*cause = xasprintf("%s: %s", path, why);
			free(why);
			json_decref(docs);
			return -1;
		}
	}
	*out = json_deep_copy(map);
	json_decref(docs);
	return 0;
}
