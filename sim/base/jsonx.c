/* jsonx.c: see jsonx.h. */
#include "base/jsonx.h"

#include <stdbool.h>

static json_t *child_at(json_t *parent, const char *key, bool array)
{
	json_t *v = json_object_get(parent, key);
	if (array ? !json_is_array(v) : !json_is_object(v)) {
		v = array ? json_array() : json_object();
		json_object_set_new(parent, key, v);
	}
	return v;
}

json_t *sim_json_object_at(json_t *parent, const char *key)
{
	return child_at(parent, key, false);
}

json_t *sim_json_array_at(json_t *parent, const char *key)
{
	return child_at(parent, key, true);
}
