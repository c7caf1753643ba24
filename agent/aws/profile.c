/*
 * The shared config and credentials files of the AWS SDKs and CLI (aws.h): ~/.aws/config
 * ([default], [profile NAME]) and ~/.aws/credentials ([NAME]), INI as the SDKs read it.
 */

#include "aws/aws.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/strbuf.h"

#define PROFILE_FILE_MAX (1U << 20)

static const struct {
	const char *key;
	size_t offset;
} known_keys[] = {
#define K(name)                                           \
	{                                                 \
#		name, offsetof(struct aws_profile, name) \
	}
	K(aws_access_key_id),  K(aws_secret_access_key),
	K(aws_session_token),  K(region),
	K(role_arn),           K(source_profile),
	K(credential_source),  K(external_id),
	K(role_session_name),  K(web_identity_token_file),
	K(credential_process), K(duration_seconds),
	K(endpoint_url),
#undef K
};

void aws_profile_release(struct aws_profile *p)
{
	if (!p)
		return;
	free(p->name);
	for (size_t i = 0; i < ELEMENTSOF(known_keys); i++) {
		char **v = (char **)(void *)((char *)p + known_keys[i].offset);

		if (*v)
			explicit_bzero(*v, strlen(*v));
		free(*v);
	}
	*p = (struct aws_profile){ 0 };
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* The section a line "[...]" opens, as a profile name; NULL when it is not a profile. */
static char *section_profile(const char *inside, bool is_config)
{
	_cleanup_free_ char *copy = xstrdup(inside);
	char *s = trim(copy);

	if (!is_config)
		return xstrdup(s);
	if (streq(s, "default"))
		return xstrdup("default");
	if (!strncmp(s, "profile", 7) && (s[7] == ' ' || s[7] == '\t'))
		return xstrdup(trim(s + 8));
	return NULL; /* [sso-session x], [services x], or "[name]" without "profile" */
}

/* Read file's section for profile into p; keys already set are kept unless overwrite. */
static int read_file(const char *file, bool is_config, const char *profile, bool overwrite,
                     struct aws_profile *p, bool *ret_found, struct error *reterr)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	bool in_profile = false;
	unsigned line_no = 0;
	int r;

	r = read_file_full(file, PROFILE_FILE_MAX, &data, &len, reterr);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (char *line = data, *next; line && *line; line = next) {
		char *eq, *key, *value;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		line_no++;
		line = trim(line);
		if (!*line || *line == '#' || *line == ';')
			continue;
		if (*line == '[') {
			char *close = strchr(line, ']');
			_cleanup_free_ char *name = NULL;

			if (!close)
				return error_set(reterr, -EBADMSG, "%s:%u: a section without ']'",
				                 file, line_no);
			*close = '\0';
			name = section_profile(line + 1, is_config);
			in_profile = name && streq(name, profile);
			*ret_found = *ret_found || in_profile;
			continue;
		}
		if (!in_profile)
			continue;
		if (line[0] == ' ' || line[0] == '\t')
			continue; /* a nested setting (s3 = ...) */
		eq = strchr(line, '=');
		if (!eq)
			return error_set(reterr, -EBADMSG, "%s:%u: expected key = value", file,
			                 line_no);
		*eq = '\0';
		key = trim(line);
		value = trim(eq + 1);
		if (!*value)
			continue; /* "s3 =" opens nested settings */
		for (size_t i = 0; i < ELEMENTSOF(known_keys); i++) {
			char **v;

			if (strcasecmp(key, known_keys[i].key) != 0)
				continue;
			v = (char **)(void *)((char *)p + known_keys[i].offset);
			if (*v && !overwrite)
				break;
			free(*v);
			*v = xstrdup(value);
			break;
		}
	}
	return 0;
}

static char *default_path(const char *env, const char *name)
{
	const char *v = getenv(env), *home = getenv("HOME");

	if (v && *v)
		return xstrdup(v);
	return xasprintf("%s/.aws/%s", home && *home ? home : "/nonexistent", name);
}

int aws_profile_load(const char *name, struct aws_profile *ret, struct error *reterr)
{
	_cleanup_free_ char *config = default_path("AWS_CONFIG_FILE", "config");
	_cleanup_free_ char *credentials =
	        default_path("AWS_SHARED_CREDENTIALS_FILE", "credentials");
	struct aws_profile p = { 0 };
	bool found = false;
	int r;

	if (!name || !*name)
		name = getenv("AWS_PROFILE");
	if (!name || !*name)
		name = "default";
	p.name = xstrdup(name);
	/* the credentials file wins for the keys both set */
	r = read_file(credentials, false, name, true, &p, &found, reterr);
	if (r >= 0)
		r = read_file(config, true, name, false, &p, &found, reterr);
	if (r >= 0 && !found)
		r = error_set(reterr, -ENOENT, "AWS profile '%s' is in neither %s nor %s", name,
		              config, credentials);
	if (r < 0) {
		aws_profile_release(&p);
		return r;
	}
	*ret = p;
	return 0;
}

char *aws_region_default(void)
{
	const char *v = getenv("AWS_REGION");
	struct aws_profile p = { 0 };
	char *region = NULL;

	if (!v || !*v)
		v = getenv("AWS_DEFAULT_REGION");
	if (v && *v)
		return xstrdup(v);
	if (aws_profile_load(NULL, &p, NULL) >= 0 && p.region && *p.region)
		region = xstrdup(p.region);
	aws_profile_release(&p);
	return region;
}
