/*
 * Where AWS credentials come from (aws.h). Today: given ones, the environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), a profile's own keys, and
 * its credential_process. The rest of the SDKs' chain (AssumeRole, web identity, IMDSv2)
 * plugs in here; until then those are refused by name.
 */

#include "aws/aws.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/process.h"
#include "core/strbuf.h"
#include "core/time.h"

#define PROCESS_TIMEOUT_USEC (60 * USEC_PER_SEC)
#define PROCESS_MAX_OUTPUT   (64 * 1024)
#define REFRESH_AHEAD_USEC   (5 * USEC_PER_MINUTE) /* as the SDKs: before they expire */

enum source {
	SOURCE_STATIC,
	SOURCE_ENVIRONMENT,
	SOURCE_PROCESS,
};

struct aws_credentials_provider {
	enum source source;
	pthread_mutex_t lock;
	struct aws_credentials cached;
	bool has_cached;
	char *profile; /* SOURCE_PROCESS: for messages */
	char *command; /* SOURCE_PROCESS: credential_process, run with sh -c */
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

/* jansson frees strings without wiping them: do it in place before the node goes. */
static void wipe_string(json_t *v)
{
	if (json_is_string(v))
		explicit_bzero((char *)json_string_value(v), json_string_length(v));
}

/*
 * Run credential_process and read what it prints, as the SDKs define it: {"Version": 1,
 * "AccessKeyId", "SecretAccessKey", "SessionToken" (optional), "Expiration" (optional,
 * RFC 3339)}.
 */
static int run_process(struct aws_credentials_provider *p, struct aws_credentials *ret,
                       struct error *reterr)
{
	const char *const argv[] = { "/bin/sh", "-c", p->command, NULL };
	const struct process_options o = { .argv = argv,
		                           .timeout_usec = PROCESS_TIMEOUT_USEC,
		                           .max_output_bytes = PROCESS_MAX_OUTPUT };
	struct strbuf out = STRBUF_INIT;
	struct error e = ERROR_INIT;
	json_t *doc, *id, *secret, *token, *exp;
	const char *why = NULL;
	uint64_t expiration = 0;
	int r;

	r = process_run(&o, &out, &e);
	if (r > 0)
		(void)error_set(&e, -EACCES, "failed with exit status %d", r);
	doc = r == 0 ? json_loadb(out.buf ? out.buf : "", out.len, 0, NULL) : NULL;
	if (out.buf)
		explicit_bzero(out.buf, out.len);
	strbuf_release(&out);
	if (r != 0)
		return error_set(reterr, r < 0 ? r : -EACCES,
		                 "AWS profile '%s': credential_process %s", p->profile, e.message);
	id = json_object_get(doc, "AccessKeyId");
	secret = json_object_get(doc, "SecretAccessKey");
	token = json_object_get(doc, "SessionToken");
	exp = json_object_get(doc, "Expiration");
	if (!json_is_object(doc))
		why = "printed no JSON object";
	else if (json_integer_value(json_object_get(doc, "Version")) != 1)
		why = "printed another Version than 1";
	else if (!json_is_string(id) || !json_is_string(secret) || !json_string_length(id) ||
	         !json_string_length(secret))
		why = "printed no AccessKeyId and SecretAccessKey";
	else if ((token && !json_is_null(token) && !json_is_string(token)) ||
	         (exp && !json_is_null(exp) &&
	          (!json_is_string(exp) ||
	           parse_timestamp(json_string_value(exp), &expiration) < 0)))
		why = "printed an invalid SessionToken or Expiration";
	if (why)
		r = -EBADMSG;
	if (r >= 0)
		copy(&(struct aws_credentials){ .access_key_id = (char *)json_string_value(id),
		                                .secret_access_key =
		                                        (char *)json_string_value(secret),
		                                .session_token =
		                                        json_is_string(token) ?
		                                                (char *)json_string_value(token) :
		                                                NULL,
		                                .expiration_usec = expiration },
		     ret);
	wipe_string(secret);
	wipe_string(token);
	json_decref(doc);
	if (why)
		return error_set(reterr, r, "AWS profile '%s': credential_process %s", p->profile,
		                 why);
	return 0;
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
	if (prof->role_arn || prof->web_identity_token_file || prof->credential_source)
		return error_set(
		        reterr, -EOPNOTSUPP,
		        "AWS profile '%s': role_arn, web_identity_token_file and "
		        "credential_source are not supported yet; give it "
		        "aws_access_key_id and aws_secret_access_key or credential_process, "
		        "or use the environment",
		        prof->name);
	if (prof->credential_process) {
		*ret = provider_new(SOURCE_PROCESS);
		(*ret)->profile = xstrdup(prof->name);
		(*ret)->command = xstrdup(prof->credential_process);
		return 0;
	}
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
	} else if (p->source == SOURCE_PROCESS) {
		/* run again when none is cached or the cached ones expire within 5 minutes */
		if (!p->has_cached ||
		    (p->cached.expiration_usec &&
		     p->cached.expiration_usec < now_usec(CLOCK_REALTIME) + REFRESH_AHEAD_USEC)) {
			struct aws_credentials fresh = { 0 };

			r = run_process(p, &fresh, reterr);
			if (r >= 0) {
				aws_credentials_release(&p->cached);
				p->cached = fresh;
				p->has_cached = true;
			}
		}
		if (r >= 0)
			copy(&p->cached, ret);
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
	free(p->profile);
	free(p->command);
	pthread_mutex_destroy(&p->lock);
	free(p);
	return NULL;
}
