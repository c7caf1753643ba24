/*
 * Where AWS credentials come from (aws.h). Today: given ones, the environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) and a profile's own keys.
 * The rest of the SDKs' chain (AssumeRole, credential_process, web identity, IMDSv2) plugs
 * in here; until then those are refused by name.
 */

#include "aws/aws.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/time.h"

enum source {
	SOURCE_STATIC,
	SOURCE_ENVIRONMENT,
};

struct aws_credentials_provider {
	enum source source;
	pthread_mutex_t lock;
	struct aws_credentials cached;
};

static void copy(const struct aws_credentials *from, struct aws_credentials *to)
{
	*to = (struct aws_credentials){
		.access_key_id = from->access_key_id ? xstrdup(from->access_key_id) : NULL,
		.secret_access_key =
		        from->secret_access_key ? xstrdup(from->secret_access_key) : NULL,
		.session_token = from->session_token ? xstrdup(from->session_token) : NULL,
		.expiration_usec = from->expiration_usec,
	};
}

static struct aws_credentials_provider *provider_new(enum source source)
{
	struct aws_credentials_provider *p = xcalloc(1, sizeof(*p));

	p->source = source;
	pthread_mutex_init(&p->lock, NULL);
	return p;
}

struct aws_credentials_provider *
aws_credentials_provider_new_static(const struct aws_credentials *c)
{
	struct aws_credentials_provider *p = provider_new(SOURCE_STATIC);

	copy(c, &p->cached);
	return p;
}

/* The profile's own keys, or why it has none that can be used yet. */
static int from_profile(const struct aws_profile *prof, struct aws_credentials_provider **ret,
                        struct error *reterr)
{
	if (prof->aws_access_key_id && prof->aws_secret_access_key) {
		*ret = provider_new(SOURCE_STATIC);
		copy(&(struct aws_credentials){ .access_key_id = prof->aws_access_key_id,
		                                .secret_access_key = prof->aws_secret_access_key,
		                                .session_token = prof->aws_session_token },
		     &(*ret)->cached);
		return 0;
	}
	if (prof->role_arn || prof->web_identity_token_file || prof->credential_process ||
	    prof->credential_source)
		return error_set(reterr, -EOPNOTSUPP,
		                 "AWS profile '%s': role_arn, web_identity_token_file, "
		                 "credential_process and credential_source are not supported yet; "
		                 "give it aws_access_key_id and aws_secret_access_key, or use the "
		                 "environment",
		                 prof->name);
	return error_set(reterr, -ENOKEY,
	                 "AWS profile '%s' has no aws_access_key_id and "
	                 "aws_secret_access_key",
	                 prof->name);
}

int aws_credentials_provider_new_default(struct aws_credentials_provider **ret,
                                         struct error *reterr)
{
	const char *id = getenv("AWS_ACCESS_KEY_ID"), *secret = getenv("AWS_SECRET_ACCESS_KEY");
	const char *profile_name = getenv("AWS_PROFILE");
	struct aws_profile prof;
	struct error e = ERROR_INIT;
	int r;

	/* 1. the environment */
	if (id && *id && secret && *secret) {
		*ret = provider_new(SOURCE_ENVIRONMENT);
		return 0;
	}
	if ((id && *id) || (secret && *secret))
		return error_set(reterr, -ENOKEY,
		                 "AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go "
		                 "together; only one is set");
	if (getenv("AWS_WEB_IDENTITY_TOKEN_FILE") && getenv("AWS_ROLE_ARN"))
		return error_set(
		        reterr, -EOPNOTSUPP,
		        "AWS credentials: web identity (AWS_WEB_IDENTITY_TOKEN_FILE) is not "
		        "supported yet");

	/* 2. the shared files: $AWS_PROFILE, else default */
	r = aws_profile_load(profile_name, &prof, &e);
	if (r >= 0) {
		r = from_profile(&prof, ret, reterr);
		aws_profile_release(&prof);
		return r;
	}
	if (r != -ENOENT || (profile_name && *profile_name)) {
		if (reterr)
			*reterr = e;
		return r;
	}
	return error_set(reterr, -ENOKEY,
	                 "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
	                 "(and AWS_SESSION_TOKEN for temporary ones), or a profile with them in "
	                 "~/.aws/credentials");
}

int aws_credentials_provider_get(struct aws_credentials_provider *p, struct aws_credentials *ret,
                                 struct error *reterr)
{
	int r = 0;

	pthread_mutex_lock(&p->lock);
	if (p->source == SOURCE_ENVIRONMENT) {
		/* read each time: a wrapper that rotates them may change the environment */
		const char *id = getenv("AWS_ACCESS_KEY_ID");
		const char *secret = getenv("AWS_SECRET_ACCESS_KEY");
		const char *token = getenv("AWS_SESSION_TOKEN");

		if (!id || !*id || !secret || !*secret)
			r = error_set(reterr, -ENOKEY,
			              "AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY "
			              "is no longer set");
		else
			copy(&(struct aws_credentials){ .access_key_id = (char *)id,
			                                .secret_access_key = (char *)secret,
			                                .session_token = token && *token ?
			                                                         (char *)token :
			                                                         NULL },
			     ret);
	} else {
		copy(&p->cached, ret);
	}
	pthread_mutex_unlock(&p->lock);
	return r;
}

struct aws_credentials_provider *aws_credentials_provider_free(struct aws_credentials_provider *p)
{
	if (!p)
		return NULL;
	aws_credentials_release(&p->cached);
	pthread_mutex_destroy(&p->lock);
	free(p);
	return NULL;
}
