/* The "source:" section of the config file. */

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/parse.h"
#include "core/strbuf.h"
#include "core/time.h"
#include "core/url.h"
#include "doc/doc.h"
#include "source/internal.h"
#include "source/source.h"

void source_config_init(struct source_config *c)
{
	*c = (struct source_config){
		.ref_kind = SOURCE_REF_BRANCH,
		.interval_usec = USEC_PER_MINUTE,
		.timeout_usec = 2 * USEC_PER_MINUTE,
		.retries = 3,
		.retry_initial_usec = USEC_PER_SEC,
		.retry_max_usec = 30 * USEC_PER_SEC,
	};
}

void source_config_release(struct source_config *c)
{
	free(c->url);
	free(c->ref);
	free(c->username);
	free(c->token_file);
	free(c->password_file);
	free(c->ssh_key_file);
	free(c->ssh_passphrase_file);
	free(c->known_hosts_file);
	free(c->ca_file);
	free(c->verify.allowed_signers_file);
	free(c->verify.gpg_keyring_file);
	source_config_init(c);
}

char *source_config_display_url(const struct source_config *c)
{
	return url_redact(c->url ? c->url : "");
}

struct parser {
	const char *file, *base_dir;
	const struct doc_positions *positions;
	struct error *reterr;
};

/* A problem with node (or, when node has no position, with parent). */
#define fail_at(x, node, parent, field, ...)                                                     \
	doc_error_at((x)->positions, (node), (parent), (x)->file, (field), -EINVAL, (x)->reterr, \
	             __VA_ARGS__)
#define fail(x, node, field, ...) fail_at(x, node, NULL, field, __VA_ARGS__)

static int get_string(struct parser *p, const json_t *parent, json_t *v, const char *field,
                      char **ret)
{
	if (!json_is_string(v) || json_string_length(v) == 0)
		return fail(p, json_is_string(v) ? v : parent, field,
		            "expected a non-empty string");
	if (strlen(json_string_value(v)) != json_string_length(v))
		return fail(p, v, field, "contains a NUL character");
	free(*ret);
	*ret = xstrdup(json_string_value(v));
	return 0;
}

static int get_path(struct parser *p, const json_t *parent, json_t *v, const char *field,
                    char **ret)
{
	int r = get_string(p, parent, v, field, ret);

	if (r < 0)
		return r;
	if ((*ret)[0] != '/' && p->base_dir) {
		char *joined = xstrjoin(p->base_dir, "/", *ret, NULL);

		free(*ret);
		*ret = joined;
	}
	return 0;
}

static int get_duration(struct parser *p, const json_t *parent, json_t *v, const char *field,
                        uint64_t *ret)
{
	if (!json_is_string(v) || parse_duration_usec(json_string_value(v), ret) < 0)
		return fail(p, json_is_string(v) ? v : parent, field,
		            "expected a duration such as 30s, 5m or 1h30m");
	return 0;
}

static int parse_auth(struct parser *p, struct source_config *c, const json_t *node)
{
	const char *key;
	json_t *v;
	int r = 0;

	if (!json_is_object(node))
		return fail(p, node, "source.auth", "expected a mapping");
	json_object_foreach((json_t *)node, key, v) {
		_cleanup_free_ char *field = xstrjoin("source.auth.", key, NULL);

		if (streq(key, "username"))
			r = get_string(p, node, v, field, &c->username);
		else if (streq(key, "token_file"))
			r = get_path(p, node, v, field, &c->token_file);
		else if (streq(key, "password_file"))
			r = get_path(p, node, v, field, &c->password_file);
		else if (streq(key, "ssh_key_file"))
			r = get_path(p, node, v, field, &c->ssh_key_file);
		else if (streq(key, "ssh_passphrase_file"))
			r = get_path(p, node, v, field, &c->ssh_passphrase_file);
		else if (streq(key, "known_hosts_file"))
			r = get_path(p, node, v, field, &c->known_hosts_file);
		else if (streq(key, "ca_file"))
			r = get_path(p, node, v, field, &c->ca_file);
		else
			r = fail_at(
			        p, v, node, field,
			        "unknown field (expected username, token_file, password_file, "
			        "ssh_key_file, ssh_passphrase_file, known_hosts_file or ca_file)");
		if (r < 0)
			return r;
	}
	if (c->token_file && c->password_file)
		return fail(p, node, "source.auth",
		            "token_file and password_file are two ways to say the same thing: "
		            "give one");
	return 0;
}

static int parse_verify(struct parser *p, struct source_config *c, const json_t *node)
{
	const char *key;
	json_t *v;
	int r = 0;

	if (!json_is_object(node))
		return fail(p, node, "source.verify", "expected a mapping");
	json_object_foreach((json_t *)node, key, v) {
		_cleanup_free_ char *field = xstrjoin("source.verify.", key, NULL);

		if (streq(key, "allowed_signers_file"))
			r = get_path(p, node, v, field, &c->verify.allowed_signers_file);
		else if (streq(key, "gpg_keyring_file"))
			r = get_path(p, node, v, field, &c->verify.gpg_keyring_file);
		else
			r = fail_at(
			        p, v, node, field,
			        "unknown field (expected allowed_signers_file or gpg_keyring_file)");
		if (r < 0)
			return r;
	}
	if (!c->verify.allowed_signers_file && !c->verify.gpg_keyring_file)
		return fail(
		        p, node, "source.verify",
		        "give allowed_signers_file (SSH signatures), gpg_keyring_file (OpenPGP) "
		        "or both");
	return 0;
}

static bool is_ssh_url(const char *url)
{
	const char *colon = strchr(url, ':'), *slash = strchr(url, '/');

	if (strncmp(url, "ssh://", 6) == 0 || strncmp(url, "git+ssh://", 10) == 0 ||
	    strncmp(url, "ssh+git://", 10) == 0)
		return true;
	return !strstr(url, "://") && colon && url[0] != '/' && (!slash || colon < slash);
}

int source_config_parse(struct source_config *c, const json_t *node, const char *file,
                        const char *base_dir, const struct doc_positions *positions,
                        struct error *reterr)
{
	struct parser p = {
		.file = file, .base_dir = base_dir, .positions = positions, .reterr = reterr
	};
	const json_t *ref_node = NULL;
	const char *key;
	json_t *v;
	int r = 0;

	if (!json_is_object(node))
		return fail(&p, node, "source", "expected a mapping");
	json_object_foreach((json_t *)node, key, v) {
		_cleanup_free_ char *field = xstrjoin("source.", key, NULL);

		if (streq(key, "url")) {
			r = get_string(&p, node, v, field, &c->url);
		} else if (streq(key, "branch") || streq(key, "tag") || streq(key, "commit")) {
			if (ref_node)
				return fail(&p, v, field, "give one of branch, tag and commit");
			ref_node = v;
			c->ref_kind = streq(key, "branch") ? SOURCE_REF_BRANCH :
			              streq(key, "tag")    ? SOURCE_REF_TAG :
			                                     SOURCE_REF_COMMIT;
			r = get_string(&p, node, v, field, &c->ref);
			if (r >= 0 && c->ref_kind == SOURCE_REF_COMMIT &&
			    (strlen(c->ref) != 40 || strspn(c->ref, "0123456789abcdef") != 40))
				return fail(&p, v, field,
				            "expected a full commit id (40 hex digits)");
			if (r >= 0 && c->ref_kind != SOURCE_REF_COMMIT &&
			    (strncmp(c->ref, "refs/", 5) == 0 || strpbrk(c->ref, " ~^:?*[\\") ||
			     strstr(c->ref, "..")))
				return fail(
				        &p, v, field,
				        "expected a %s name such as main or v1.2 (without refs/...)",
				        key);
		} else if (streq(key, "interval")) {
			r = get_duration(&p, node, v, field, &c->interval_usec);
		} else if (streq(key, "timeout")) {
			r = get_duration(&p, node, v, field, &c->timeout_usec);
			if (r >= 0 && c->timeout_usec == 0)
				return fail(&p, v, field, "must be more than 0");
		} else if (streq(key, "retries")) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > 100)
				return fail(&p, json_is_integer(v) ? v : node, field,
				            "expected a number from 0 to 100");
			c->retries = (unsigned)json_integer_value(v);
		} else if (streq(key, "allow_force_push")) {
			if (!json_is_boolean(v))
				return fail(&p, node, field, "expected true or false");
			c->allow_force_push = json_is_true(v);
		} else if (streq(key, "auth")) {
			r = parse_auth(&p, c, v);
		} else if (streq(key, "verify")) {
			r = parse_verify(&p, c, v);
		} else {
			r = fail_at(
			        &p, v, node, field,
			        "unknown field (expected url, branch, tag, commit, interval, timeout, "
			        "retries, allow_force_push, auth or verify)");
		}
		if (r < 0)
			return r;
	}
	if (!c->url)
		return fail(&p, node, "source.url", "missing: the repository to follow");
	if (!c->ref)
		c->ref = xstrdup("main");
	if (is_ssh_url(c->url) && !c->known_hosts_file)
		return fail(&p, node, "source.auth.known_hosts_file",
		            "required for an SSH URL: driftless never trusts an unknown host key");
	if (is_ssh_url(c->url) && !c->ssh_key_file)
		return fail(&p, node, "source.auth.ssh_key_file", "required for an SSH URL");
	if (strstr(c->url, "://") && strchr(strstr(c->url, "://") + 3, '@') &&
	    strchr(strstr(c->url, "://") + 3, ':') &&
	    strchr(strstr(c->url, "://") + 3, ':') < strchr(strstr(c->url, "://") + 3, '@'))
		return fail(&p, node, "source.url",
		            "contains a password: put it in a file and name it in "
		            "source.auth.password_file or token_file");
	return 0;
}
