/* Deep copies of document trees. */

#include "doc/doc.h"

#include "core/alloc.h"
#include "core/strbuf.h"

json_t *doc_copy(const json_t *node)
{
	json_t *copy, *value;
	const char *key;
	size_t i;

	if (!node)
		return NULL;
	switch (json_typeof(node)) {
	case JSON_OBJECT:
		copy = json_object();
		if (!copy)
			alloc_die(0);
		json_object_foreach((json_t *)node, key, value) {
			size_t len = json_object_iter_key_len(json_object_key_to_iter(key));

			if (json_object_setn_new_nocheck(copy, key, len, doc_copy(value)) < 0)
				alloc_die(0);
		}
		return copy;
	case JSON_ARRAY:
		copy = json_array();
		if (!copy)
			alloc_die(0);
		json_array_foreach(node, i, value)
			if (json_array_append_new(copy, doc_copy(value)) < 0)
				alloc_die(0);
		return copy;
	case JSON_STRING:
		copy = json_stringn_nocheck(json_string_value(node), json_string_length(node));
		break;
	case JSON_INTEGER:
		copy = json_integer(json_integer_value(node));
		break;
	case JSON_REAL:
		copy = json_real(json_real_value(node));
		break;
	default:
		/* true, false and null are singletons */
		return json_incref((json_t *)node);
	}
	if (!copy)
		alloc_die(0);
	return copy;
}

static int append_to_strbuf(const char *buffer, size_t size, void *data)
{
	strbuf_add(data, buffer, size);
	return 0;
}

void doc_json_dump(const json_t *node, size_t flags, struct strbuf *out)
{
	(void)json_dump_callback(node, append_to_strbuf, out, flags);
}
