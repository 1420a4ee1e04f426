/* meta.c: reading and writing an object's metadata; see meta.h. */
#include "base/meta.h"

const char *sim_meta_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(json_object_get(obj, "metadata"), key));
}

json_t *sim_meta(json_t *obj)
{
	json_t *md = json_object_get(obj, "metadata");
	if (!json_is_object(md)) {
		md = json_object();
		json_object_set_new(obj, "metadata", md);
	} else if (md->refcount > 1) {
		/* shared with a stored object (obj is a shallow copy of it), which other
		 * threads may be serializing: copy before the caller writes */
		md = json_copy(md);
		json_object_set_new(obj, "metadata", md);
	}
	return md;
}
