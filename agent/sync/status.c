/* What the state directory says about the source and each environment (sync.h). */

#include "sync/sync.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/error.h"
#include "state/state.h"

#define SOURCE_STATE_MAX_BYTES (1U << 20)

/* state_dir/source.json, or JSON null when no fetch was recorded yet. */
static int read_source(const struct sync_config *c, json_t **ret, struct error *reterr)
{
	_cleanup_free_ char *path = sync_config_source_state_path(c);
	int r;

	r = state_read_object(path, SOURCE_STATE_MAX_BYTES, ret, reterr);
	if (r == -ENOENT) {
		*ret = json_null();
		return 0;
	}
	return r;
}

int sync_status(const struct sync_config *c, const char *env_name, json_t **ret,
                struct error *reterr)
{
	json_auto_t *doc = NULL, *source = NULL, *envs = json_array();
	int r;

	r = read_source(c, &source, reterr);
	if (r < 0)
		return r;
	for (size_t i = 0; i < c->n_environments; i++) {
		const struct sync_environment *env = &c->environments[i];
		json_t *state = NULL;

		if (env_name && !streq(env_name, env->name))
			continue;
		r = state_env_read(c->state_dir, env->name, &state, reterr);
		if (r < 0)
			return r;
		if (json_object_size(state) == 0) {
			json_decref(state);
			state = json_null();
		}
		if (json_array_append_new(envs, json_pack("{s:s, s:s, s:o}", "name", env->name,
		                                          "path", env->path, "state", state)) < 0)
			return error_set(reterr, -ENOMEM, "out of memory");
	}
	doc = json_pack("{s:s, s:O, s:O}", "state_dir", c->state_dir, "source", source,
	                "environments", envs);
	if (!doc)
		return error_set(reterr, -ENOMEM, "out of memory");
	*ret = TAKE_PTR(doc);
	return 0;
}
