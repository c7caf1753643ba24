/* STATE_DIR/envs/ENV/state.json, read and replaced atomically. */

#include "state/state.h"

#include <errno.h>
#include <stdlib.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/strbuf.h"
#include "doc/doc.h"

char *state_env_dir(const char *state_dir, const char *env)
{
	return xasprintf("%s/envs/%s", state_dir, env);
}

static char *state_file(const char *state_dir, const char *env)
{
	return xasprintf("%s/envs/%s/state.json", state_dir, env);
}

int state_env_read(const char *state_dir, const char *env, json_t **ret, struct error *reterr)
{
	_cleanup_free_ char *path = state_file(state_dir, env), *data = NULL;
	json_error_t jerr;
	json_t *doc;
	size_t len;
	int r;

	r = read_file_full(path, STATE_MAX_BYTES, &data, &len, reterr);
	if (r == -ENOENT) {
		*ret = json_object();
		return *ret ? 0 : error_set(reterr, -ENOMEM, "out of memory");
	}
	if (r < 0)
		return r;
	doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return error_set(reterr, -EBADMSG, "%s:%d: not a state document: %s", path,
		                 jerr.line, doc ? "expected an object" : jerr.text);
	}
	*ret = doc;
	return 0;
}

int state_env_write(const char *state_dir, const char *env, const json_t *doc, struct error *reterr)
{
	_cleanup_free_ char *dir = state_env_dir(state_dir, env), *path = NULL;
	_cleanup_(strbuf_release) struct strbuf text = STRBUF_INIT;
	int r;

	r = mkdir_parents(dir, 0700, reterr);
	if (r < 0)
		return r;
	path = state_file(state_dir, env);
	doc_json_dump(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER, &text);
	strbuf_addch(&text, '\n');
	return write_file_atomic(path, text.buf, text.len, 0600, reterr);
}
