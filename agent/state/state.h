#pragma once
/*
 * state: what the agent knows about each environment, on disk under the state directory:
 * STATE_DIR/envs/ENV/state.json. Written atomically (write-temp, fsync, rename, fsync-dir)
 * so a reader sees the old document or the new one, never a mix, even after a crash.
 *
 * The document is owned by sync/ (see sync.h for its fields); this module only stores it.
 */

#include <jansson.h>

struct error;

/* The largest state.json read. */
#define STATE_MAX_BYTES (16U * 1024U * 1024U)

/* STATE_DIR/envs/ENV, freed by the caller. */
char *state_env_dir(const char *state_dir, const char *env);

/*
 * Read STATE_DIR/envs/ENV/state.json into *ret (an object; the caller decrefs it). An
 * absent file gives an empty object. Errors: -EBADMSG when it is not a JSON object, and
 * those of reading a file; reterr names the file.
 */
int state_env_read(const char *state_dir, const char *env, json_t **ret, struct error *reterr);

/* Replace STATE_DIR/envs/ENV/state.json with doc (directories created, mode 0600). */
int state_env_write(const char *state_dir, const char *env, const json_t *doc,
                    struct error *reterr);
