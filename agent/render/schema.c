/* The strategic-merge schema of smp-schema.c, exported as opaque node handles (render.h). */
#include "render/render.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "core/macro.h"
#include "render/internal.h"

static const struct render_smp_node *node_get(int node)
{
	const struct render_smp_schema *s = render_smp_schema();

	if (node < 0 || (size_t)node >= s->n_nodes)
		return NULL;
	return &s->nodes[node];
}

int render_schema_type(const char *api_version, const char *kind)
{
	const struct render_smp_schema *s = render_smp_schema();
	size_t lo = 0, hi = s->n_types;

	if (!api_version || !kind)
		return -1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct render_smp_type *t = &s->types[mid];
		int c = strcmp(t->api_version, api_version);

		if (c == 0)
			c = strcmp(t->kind, kind);
		if (c == 0)
			return t->node;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int render_schema_field(int node, const char *name)
{
	const struct render_smp_schema *s = render_smp_schema();
	const struct render_smp_node *n = node_get(node);
	size_t lo, hi;

	if (!n || !name)
		return -1;
	lo = n->fields;
	hi = (size_t)n->fields + n->n_fields;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->fields[mid].name, name);

		if (c == 0)
			return s->fields[mid].node;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return n->additional;
}

int render_schema_items(int node)
{
	const struct render_smp_node *n = node_get(node);

	if (!n || !n->is_array)
		return -1;
	return n->items;
}

bool render_schema_merge_keys(int node, const char *const **ret_keys, size_t *ret_n)
{
	const struct render_smp_node *n = node_get(node);
	size_t k = 0;

	if (!n || !n->is_array || !n->merge)
		return false;
	while (k < ELEMENTSOF(n->keys) && n->keys[k])
		k++;
	*ret_keys = n->keys;
	*ret_n = k;
	return true;
}
