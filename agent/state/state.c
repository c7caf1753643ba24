/* STATE_DIR/envs/ENV/state.json, read and replaced atomically. */

#include "state/state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

int state_read_object(const char *path, size_t max_bytes, json_t **ret, struct error *reterr)
{
	_cleanup_free_ char *data = NULL;
	json_error_t jerr;
	json_t *doc;
	size_t len;
	int r;

	r = read_file_full(path, max_bytes, &data, &len, reterr);
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

int state_write_object(const char *path, const json_t *doc, struct error *reterr)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_(strbuf_release) struct strbuf text = STRBUF_INIT;
	const char *slash = strrchr(path, '/');
	int r;

	if (slash && slash != path) {
		dir = xstrndup(path, (size_t)(slash - path));
		r = mkdir_parents(dir, 0700, reterr);
		if (r < 0)
			return r;
	}
	doc_json_dump(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER, &text);
	strbuf_addch(&text, '\n');
	return write_file_atomic(path, text.buf, text.len, 0600, reterr);
}

int state_env_read(const char *state_dir, const char *env, json_t **ret, struct error *reterr)
{
	_cleanup_free_ char *path = state_file(state_dir, env);
	int r;

	r = state_read_object(path, STATE_MAX_BYTES, ret, reterr);
	if (r == -ENOENT) {
		*ret = json_object();
		return *ret ? 0 : error_set(reterr, -ENOMEM, "out of memory");
	}
	return r;
}

int state_env_write(const char *state_dir, const char *env, const json_t *doc, struct error *reterr)
{
	_cleanup_free_ char *path = state_file(state_dir, env);

	return state_write_object(path, doc, reterr);
}
