#include "doc/doc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "doc/internal.h"

/* Open addressing on the node's address; the table never shrinks. */
struct slot {
	const json_t *node;
	struct doc_position pos;
};

struct doc_positions {
	struct slot *slots;
	size_t n_slots; /* a power of two */
	size_t n_used;
};

struct doc_positions *doc_positions_new(void)
{
	struct doc_positions *p = xcalloc(1, sizeof(*p));

	p->n_slots = 64;
	p->slots = xcalloc(p->n_slots, sizeof(*p->slots));
	return p;
}

struct doc_positions *doc_positions_free(struct doc_positions *p)
{
	if (p) {
		free(p->slots);
		free(p);
	}
	return NULL;
}

static size_t slot_of(const struct doc_positions *p, const json_t *node)
{
	uint64_t h = (uint64_t)(uintptr_t)node * 0x9E3779B97F4A7C15ULL;

	return (size_t)(h >> 32) & (p->n_slots - 1);
}

static void insert(struct doc_positions *p, const json_t *node, struct doc_position pos)
{
	size_t i = slot_of(p, node);

	while (p->slots[i].node && p->slots[i].node != node)
		i = (i + 1) & (p->n_slots - 1);
	if (!p->slots[i].node)
		p->n_used++;
	p->slots[i].node = node;
	p->slots[i].pos = pos;
}

void doc_positions_set(struct doc_positions *p, const json_t *node, unsigned line, unsigned column)
{
	if (!p || !node || node == json_true() || node == json_false() || node == json_null())
		return;
	if ((p->n_used + 1) * 4 > p->n_slots * 3) {
		struct slot *old = p->slots;
		size_t n = p->n_slots;

		p->n_slots *= 2;
		p->slots = xcalloc(p->n_slots, sizeof(*p->slots));
		p->n_used = 0;
		for (size_t i = 0; i < n; i++)
			if (old[i].node)
				insert(p, old[i].node, old[i].pos);
		free(old);
	}
	insert(p, node, (struct doc_position){ line, column });
}

const struct doc_position *doc_positions_get(const struct doc_positions *p, const json_t *node)
{
	size_t i;

	if (!p || !node)
		return NULL;
	for (i = slot_of(p, node); p->slots[i].node; i = (i + 1) & (p->n_slots - 1))
		if (p->slots[i].node == node)
			return &p->slots[i].pos;
	return NULL;
}

int doc_error_at(const struct doc_positions *p, const json_t *node, const json_t *fallback,
                 const char *file, const char *field, int code, struct error *reterr,
                 const char *fmt, ...)
{
	const struct doc_position *pos = p && node ? doc_positions_get(p, node) : NULL;
	struct strbuf text = STRBUF_INIT;
	va_list ap;
	int r;

	if (!pos && p && fallback)
		pos = doc_positions_get(p, fallback);
	va_start(ap, fmt);
	strbuf_vaddf(&text, fmt, ap);
	va_end(ap);
	r = error_set_at(reterr, code,
	                 &(struct error_pos){ .file = file,
	                                      .line = pos ? pos->line : 0,
	                                      .column = pos ? pos->column : 0,
	                                      .field = field },
	                 "%s", text.buf);
	strbuf_release(&text);
	return r;
}
