/*
 * libFuzzer target: a tree of kustomization files (a txtar archive, as in
 * tests/conformance/cases: "-- path --" lines start each file) is rendered, and every file
 * is also parsed and printed on its own. Nothing may crash, leak or trip a sanitizer.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "core/tree.h"
#include "doc/doc.h"
#include "render/render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT (64 * 1024)

static void parse_and_print(const char *data, size_t len)
{
	json_t *docs = NULL, *doc;
	struct strbuf out = STRBUF_INIT;
	size_t i;

	if (doc_parse_yaml(data, len, "fuzz.yaml", NULL, &docs, NULL) < 0)
		return;
	json_array_foreach(docs, i, doc)
		(void)doc_emit_yaml(doc, &out, NULL);
	strbuf_release(&out);
	json_decref(docs);
}

/* Split a txtar archive into files of the tree. */
static void add_files(struct tree *tree, const char *text)
{
	const char *p = text, *name = NULL, *body = NULL;
	size_t name_len = 0;

	for (;;) {
		const char *nl = strchr(p, '\n');
		const char *line_end = nl ? nl : p + strlen(p);
		bool header = line_end - p > 6 && strncmp(p, "-- ", 3) == 0 &&
		              strncmp(line_end - 3, " --", 3) == 0;

		if (header || !nl) {
			if (name) {
				_cleanup_free_ char *path = NULL;
				_cleanup_free_ char *raw = xstrndup(name, name_len);
				const char *end = header ? p : line_end;

				if (tree_path_join("", raw, &path) >= 0 && !isempty(path)) {
					tree_mem_add_file(tree, path, body, (size_t)(end - body));
					parse_and_print(body, (size_t)(end - body));
				}
			}
			if (!nl)
				break;
			name = p + 3;
			name_len = (size_t)(line_end - 3 - name);
			body = nl + 1;
		}
		p = nl + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = NULL;
	struct tree *tree;
	json_t *objects = NULL;
	struct strbuf out = STRBUF_INIT;

	if (size > MAX_INPUT)
		return 0;
	text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';

	tree = tree_mem_new();
	add_files(tree, text);
	if (render_kustomization(tree, "", &objects, NULL) >= 0)
		(void)render_print(objects, &out, NULL);
	json_decref(objects);
	strbuf_release(&out);
	tree_free(tree);
	return 0;
}
