#pragma once
/*
 * state: what the agent knows about each environment, on disk under the state directory:
 * STATE_DIR/envs/ENV/state.json. Written atomically (write-temp, fsync, rename, fsync-dir)
 * so a reader sees the old document or the new one, never a mix, even after a crash.
 *
 * The document is owned by sync/ (see sync.h for its fields); this module only stores it.
 */

#include <stddef.h>

#include <jansson.h>

struct error;

/* The largest state.json read. */
#define STATE_MAX_BYTES (16U * 1024U * 1024U)

/*
 * Read the JSON object in the file path (at most max_bytes) into *ret; the caller decrefs
 * it. Errors: -ENOENT when there is no such file, -EBADMSG when it is not a JSON object,
 * and those of reading a file; reterr names the file.
 */
int state_read_object(const char *path, size_t max_bytes, json_t **ret, struct error *reterr);

/*
 * Replace the file path with doc as indented JSON, atomically (mode 0600), creating its
 * directory (and parents, 0700) first.
 */
int state_write_object(const char *path, const json_t *doc, struct error *reterr);

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
