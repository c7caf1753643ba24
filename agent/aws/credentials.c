/*
 * Where AWS credentials come from (aws.h): the SDKs' chain of environment, web identity and
 * profiles (keys, credential_process, AssumeRole through STS), then the instance role of
 * EC2 through IMDSv2.
 */

#include "aws/aws.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/process.h"
#include "core/strbuf.h"
#include "core/time.h"
#include "http/http.h"

#define PROCESS_TIMEOUT_USEC (60 * USEC_PER_SEC)
#define PROCESS_MAX_OUTPUT   (64 * 1024)
#define REFRESH_AHEAD_USEC   (5 * USEC_PER_MINUTE) /* as the SDKs: before they expire */

#define PROFILE_DEPTH_MAX 4 /* source_profile chains */
#define STS_VERSION       "2011-06-15"

enum source {
	SOURCE_STATIC,
	SOURCE_ENVIRONMENT,
	SOURCE_PROCESS,
	SOURCE_ASSUME_ROLE,  /* STS AssumeRole with the credentials of source */
	SOURCE_WEB_IDENTITY, /* STS AssumeRoleWithWebIdentity, unsigned, with a token file */
	SOURCE_IMDS,         /* the instance role, from the EC2 instance metadata service */
};

#define IMDS_ENDPOINT_DEFAULT "http://169.254.169.254"
#define IMDS_TOKEN_TTL        "21600"
#define IMDS_TIMEOUT_USEC     (2 * USEC_PER_SEC)

struct aws_credentials_provider {
	enum source source;
	pthread_mutex_t lock;
	struct aws_credentials cached;
	bool has_cached;
	char *profile; /* for messages */
	char *command; /* SOURCE_PROCESS: credential_process, run with sh -c */

	/* SOURCE_ASSUME_ROLE, SOURCE_WEB_IDENTITY */
	struct aws_credentials_provider *signer; /* AssumeRole: signs the call */
	char *role_arn;
	char *session_name;
	char *external_id;
	char *duration_seconds;
	char *token_file;
	char *region;       /* of the STS endpoint */
	char *sts_endpoint; /* the profile's endpoint_url, or NULL (see aws_endpoint()) */
	char *endpoint;     /* SOURCE_IMDS: of the metadata service */
	bool source_kind_web;
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

/* STS AssumeRole or AssumeRoleWithWebIdentity: the temporary credentials it answers. */
static int sts_assume(struct aws_credentials_provider *p, struct aws_credentials *ret,
                      struct error *reterr)
{
	const bool web = p->source_kind_web;
	const struct aws_client_options o = {
		.service = "sts",
		.service_name = "STS",
		.version = STS_VERSION,
		.region = p->region,
		.endpoint = p->sts_endpoint,
		.credentials = web ? NULL : p->signer,
	};
	_cleanup_free_ char *token = NULL;
	const char *params[16];
	struct aws_client *c = NULL;
	json_t *result = NULL;
	const json_t *creds;
	size_t n = 0, len = 0;
	uint64_t expiration = 0;
	int r;

	params[n++] = "RoleArn";
	params[n++] = p->role_arn;
	params[n++] = "RoleSessionName";
	params[n++] = p->session_name;
	if (p->external_id && !web) {
		params[n++] = "ExternalId";
		params[n++] = p->external_id;
	}
	if (p->duration_seconds) {
		params[n++] = "DurationSeconds";
		params[n++] = p->duration_seconds;
	}
	if (web) {
		/* read at each call: the kubelet rotates it */
		r = read_file_full(p->token_file, PROCESS_MAX_OUTPUT, &token, &len, reterr);
		if (r < 0)
			return error_prefix(reterr, r, "AWS web identity token");
		while (len > 0 && (token[len - 1] == '\n' || token[len - 1] == '\r'))
			token[--len] = '\0';
		params[n++] = "WebIdentityToken";
		params[n++] = token;
	}
	params[n] = NULL;
	r = aws_client_new(&o, &c, reterr);
	if (r >= 0)
		r = aws_query(c, web ? "AssumeRoleWithWebIdentity" : "AssumeRole", params, &result,
		              reterr);
	aws_client_free(c);
	if (token)
		explicit_bzero(token, len);
	if (r < 0)
		return error_prefix(reterr, r, "AWS credentials for %s", p->role_arn);
	creds = json_object_get(result, "Credentials");
	if (!json_is_string(json_object_get(creds, "AccessKeyId")) ||
	    !json_is_string(json_object_get(creds, "SecretAccessKey")) ||
	    !json_is_string(json_object_get(creds, "SessionToken")) ||
	    parse_timestamp(json_string_value(json_object_get(creds, "Expiration")) ?
	                            json_string_value(json_object_get(creds, "Expiration")) :
	                            "",
	                    &expiration) < 0) {
		json_decref(result);
		return error_set(reterr, -EBADMSG,
		                 "AWS credentials for %s: STS answered no "
		                 "Credentials",
		                 p->role_arn);
	}
	copy(&(struct aws_credentials){ .access_key_id = (char *)json_string_value(
	                                        json_object_get(creds, "AccessKeyId")),
	                                .secret_access_key = (char *)json_string_value(
	                                        json_object_get(creds, "SecretAccessKey")),
	                                .session_token = (char *)json_string_value(
	                                        json_object_get(creds, "SessionToken")),
	                                .expiration_usec = expiration },
	     ret);
	wipe_string(json_object_get(creds, "SecretAccessKey"));
	wipe_string(json_object_get(creds, "SessionToken"));
	json_decref(result);
	return 0;
}

/* One request to the instance metadata service: the body of a 200, else an error. */
static int imds_request(struct http_client *http, const char *method, const char *url,
                        const char *header, struct strbuf *ret, struct error *reterr)
{
	const char *const headers[] = { header, NULL };
	const struct http_request req = { .method = method, .url = url, .headers = headers };
	struct http_response resp = HTTP_RESPONSE_INIT;
	int r;

	r = http_client_do(http, &req, &resp, reterr);
	if (r >= 0 && resp.status != 200)
		r = error_set(reterr, resp.status == 401 || resp.status == 403 ? -EACCES : -EPROTO,
		              "%s %s: HTTP %ld", method, url, resp.status);
	if (r >= 0)
		strbuf_add(ret, resp.body.buf ? resp.body.buf : "", resp.body.len);
	if (resp.body.buf)
		explicit_bzero(resp.body.buf, resp.body.len);
	http_response_release(&resp);
	return r;
}

/*
 * IMDSv2: a session token (PUT /latest/api/token), the instance role's name and then its
 * credentials (GET /latest/meta-data/iam/security-credentials/[ROLE]).
 */
static int imds_get(struct aws_credentials_provider *p, struct aws_credentials *ret,
                    struct error *reterr)
{
	const struct http_client_options ho = { .connect_timeout_usec = IMDS_TIMEOUT_USEC,
		                                .timeout_usec = IMDS_TIMEOUT_USEC,
		                                .max_response_bytes = PROCESS_MAX_OUTPUT,
		                                .retries = 1,
		                                .retry_initial_usec = 100 * USEC_PER_MSEC,
		                                .retry_max_usec = USEC_PER_SEC };
	_cleanup_(strbuf_release) struct strbuf token = STRBUF_INIT, role = STRBUF_INIT;
	struct strbuf body = STRBUF_INIT;
	_cleanup_free_ char *token_header = NULL, *url = NULL;
	struct http_client *http = NULL;
	json_t *doc = NULL;
	uint64_t expiration = 0;
	const char *id, *secret, *session, *code;
	int r;

	r = http_client_new(&ho, &http, reterr);
	if (r < 0)
		return r;
	url = xasprintf("%s/latest/api/token", p->endpoint);
	r = imds_request(http, "PUT", url, "X-aws-ec2-metadata-token-ttl-seconds: " IMDS_TOKEN_TTL,
	                 &token, reterr);
	if (r >= 0) {
		token_header = xasprintf("X-aws-ec2-metadata-token: %s", token.buf);
		free(url);
		url = xasprintf("%s/latest/meta-data/iam/security-credentials/", p->endpoint);
		r = imds_request(http, "GET", url, token_header, &role, reterr);
	}
	if (r >= 0) {
		role.len = strcspn(role.buf, "\r\n");
		role.buf[role.len] = '\0';
		if (role.len == 0)
			r = error_set(reterr, -ENOKEY, "this instance has no IAM role");
	}
	if (r >= 0) {
		free(url);
		url = xasprintf("%s/latest/meta-data/iam/security-credentials/%s", p->endpoint,
		                role.buf);
		r = imds_request(http, "GET", url, token_header, &body, reterr);
	}
	http_client_free(http);
	if (token.buf)
		explicit_bzero(token.buf, token.len);
	if (token_header)
		explicit_bzero(token_header, strlen(token_header));
	if (r < 0)
		return error_prefix(reterr, r,
		                    "AWS credentials from the instance metadata service");
	doc = json_loadb(body.buf ? body.buf : "", body.len, 0, NULL);
	if (body.buf)
		explicit_bzero(body.buf, body.len);
	strbuf_release(&body);
	id = json_string_value(json_object_get(doc, "AccessKeyId"));
	secret = json_string_value(json_object_get(doc, "SecretAccessKey"));
	session = json_string_value(json_object_get(doc, "Token"));
	code = json_string_value(json_object_get(doc, "Code"));
	/* as botocore: the four fields make the answer; a Code, when there is one, must agree */
	if (!json_is_object(doc) || (code && !streq(code, "Success")) || !id || !secret ||
	    parse_timestamp(json_string_value(json_object_get(doc, "Expiration")) ?
	                            json_string_value(json_object_get(doc, "Expiration")) :
	                            "",
	                    &expiration) < 0)
		r = error_set(reterr, -EBADMSG,
		              "AWS credentials from the instance metadata service: the answer for "
		              "role %s is not usable%s%s",
		              role.buf, code ? ": " : "", code ? code : "");
	else
		copy(&(struct aws_credentials){ .access_key_id = (char *)id,
		                                .secret_access_key = (char *)secret,
		                                .session_token = (char *)session,
		                                .expiration_usec = expiration },
		     ret);
	wipe_string(json_object_get(doc, "SecretAccessKey"));
	wipe_string(json_object_get(doc, "Token"));
	json_decref(doc);
	return r;
}

/* The region of the STS endpoint: the profile's, else AWS_REGION or AWS_DEFAULT_REGION. */
static char *sts_region(const char *profile_region)
{
	const char *v = profile_region;

	if (!v || !*v)
		v = getenv("AWS_REGION");
	if (!v || !*v)
		v = getenv("AWS_DEFAULT_REGION");
	return xstrdup(v && *v ? v : "us-east-1");
}

static struct aws_credentials_provider *role_provider(enum source source, const char *profile,
                                                      const char *role_arn,
                                                      const char *session_name, const char *region)
{
	struct aws_credentials_provider *p = provider_new(source);

	p->source_kind_web = source == SOURCE_WEB_IDENTITY;
	p->profile = xstrdup(profile ? profile : "(environment)");
	p->role_arn = xstrdup(role_arn);
	p->session_name =
	        session_name && *session_name ?
	                xstrdup(session_name) :
	                xasprintf("driftless-%llu",
	                          (unsigned long long)(now_usec(CLOCK_REALTIME) / USEC_PER_SEC));
	p->region = sts_region(region);
	return p;
}

static int profile_provider(const char *name, unsigned depth, struct aws_credentials_provider **ret,
                            struct error *reterr);

/* The profile's own keys, or why it has none that can be used yet. */
static int from_profile(const struct aws_profile *prof, unsigned depth,
                        struct aws_credentials_provider **ret, struct error *reterr)
{
	struct aws_credentials_provider *p;
	int r;

	if (prof->role_arn && prof->web_identity_token_file) {
		p = role_provider(SOURCE_WEB_IDENTITY, prof->name, prof->role_arn,
		                  prof->role_session_name, prof->region);
		p->sts_endpoint = prof->endpoint_url ? xstrdup(prof->endpoint_url) : NULL;
		p->token_file = xstrdup(prof->web_identity_token_file);
		p->duration_seconds =
		        prof->duration_seconds ? xstrdup(prof->duration_seconds) : NULL;
		*ret = p;
		return 0;
	}
	if (prof->role_arn) {
		struct aws_credentials_provider *source = NULL;

		if (prof->source_profile && streq(prof->source_profile, prof->name)) {
			/* its own keys sign the AssumeRole, as the SDKs allow */
			if (prof->aws_access_key_id && prof->aws_secret_access_key) {
				source = provider_new(SOURCE_STATIC);
				copy(
				        &(struct aws_credentials){
				                .access_key_id = prof->aws_access_key_id,
				                .secret_access_key = prof->aws_secret_access_key,
				                .session_token = prof->aws_session_token },
				        &source->cached);
				r = 0;
			} else {
				r = error_set(
				        reterr, -ELOOP,
				        "AWS profile '%s' is its own source_profile and has no "
				        "keys",
				        prof->name);
			}
		} else if (prof->source_profile)
			r = profile_provider(prof->source_profile, depth + 1, &source, reterr);
		else if (prof->credential_source && streq(prof->credential_source, "Environment"))
			r = aws_credentials_provider_new_default(&source, reterr);
		else
			r = error_set(reterr, prof->credential_source ? -EOPNOTSUPP : -EINVAL,
			              "AWS profile '%s': role_arn needs source_profile or "
			              "credential_source = Environment%s",
			              prof->name,
			              prof->credential_source ?
			                      " (Ec2InstanceMetadata and "
			                      "EcsContainer are not supported yet)" :
			                      "");
		if (r < 0)
			return r;
		p = role_provider(SOURCE_ASSUME_ROLE, prof->name, prof->role_arn,
		                  prof->role_session_name, prof->region);
		p->sts_endpoint = prof->endpoint_url ? xstrdup(prof->endpoint_url) : NULL;
		p->signer = source;
		p->external_id = prof->external_id ? xstrdup(prof->external_id) : NULL;
		p->duration_seconds =
		        prof->duration_seconds ? xstrdup(prof->duration_seconds) : NULL;
		*ret = p;
		return 0;
	}
	if (prof->aws_access_key_id && prof->aws_secret_access_key) {
		*ret = provider_new(SOURCE_STATIC);
		copy(&(struct aws_credentials){ .access_key_id = prof->aws_access_key_id,
		                                .secret_access_key = prof->aws_secret_access_key,
		                                .session_token = prof->aws_session_token },
		     &(*ret)->cached);
		return 0;
	}
	if (prof->credential_process) {
		*ret = provider_new(SOURCE_PROCESS);
		(*ret)->profile = xstrdup(prof->name);
		(*ret)->command = xstrdup(prof->credential_process);
		return 0;
	}
	return error_set(reterr, -ENOKEY,
	                 "AWS profile '%s' has no aws_access_key_id and aws_secret_access_key, "
	                 "credential_process or role_arn",
	                 prof->name);
}

static int profile_provider(const char *name, unsigned depth, struct aws_credentials_provider **ret,
                            struct error *reterr)
{
	struct aws_profile prof;
	int r;

	if (depth > PROFILE_DEPTH_MAX)
		return error_set(reterr, -ELOOP,
		                 "AWS profiles: source_profile chain longer than %d "
		                 "at '%s'",
		                 PROFILE_DEPTH_MAX, name);
	r = aws_profile_load(name, &prof, reterr);
	if (r < 0)
		return r;
	r = from_profile(&prof, depth, ret, reterr);
	aws_profile_release(&prof);
	return r;
}

int aws_credentials_provider_new_default(struct aws_credentials_provider **ret,
                                         struct error *reterr)
{
	const char *id = getenv("AWS_ACCESS_KEY_ID"), *secret = getenv("AWS_SECRET_ACCESS_KEY");
	const char *profile_name = getenv("AWS_PROFILE");
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
	/* 2. web identity from the environment (EKS IRSA and the like) */
	if (getenv("AWS_WEB_IDENTITY_TOKEN_FILE") && *getenv("AWS_WEB_IDENTITY_TOKEN_FILE") &&
	    getenv("AWS_ROLE_ARN") && *getenv("AWS_ROLE_ARN")) {
		struct aws_credentials_provider *p =
		        role_provider(SOURCE_WEB_IDENTITY, NULL, getenv("AWS_ROLE_ARN"),
		                      getenv("AWS_ROLE_SESSION_NAME"), NULL);

		p->token_file = xstrdup(getenv("AWS_WEB_IDENTITY_TOKEN_FILE"));
		*ret = p;
		return 0;
	}

	/* 3. the shared files: $AWS_PROFILE, else default */
	r = profile_provider(profile_name && *profile_name ? profile_name : NULL, 0, ret, &e);
	if (r >= 0)
		return 0;
	if (r != -ENOENT || (profile_name && *profile_name)) {
		if (reterr)
			*reterr = e;
		return r;
	}
	/* 4. the instance role, on EC2 (unless AWS_EC2_METADATA_DISABLED=true) */
	if (!getenv("AWS_EC2_METADATA_DISABLED") ||
	    strcasecmp(getenv("AWS_EC2_METADATA_DISABLED"), "true") != 0) {
		const char *endpoint = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
		struct aws_credentials_provider *p = provider_new(SOURCE_IMDS);
		size_t n;

		p->endpoint = xstrdup(endpoint && *endpoint ? endpoint : IMDS_ENDPOINT_DEFAULT);
		n = strlen(p->endpoint);
		while (n > 0 && p->endpoint[n - 1] == '/')
			p->endpoint[--n] = '\0';
		p->profile = xstrdup("(instance metadata)");
		*ret = p;
		return 0;
	}
	return error_set(reterr, -ENOKEY,
	                 "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
	                 "(and AWS_SESSION_TOKEN for temporary ones), or a profile with them in "
	                 "~/.aws/credentials (the instance metadata service is disabled)");
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
	} else if (p->source != SOURCE_STATIC) {
		/* ask again when none is cached or the cached ones expire within 5 minutes */
		if (!p->has_cached ||
		    (p->cached.expiration_usec &&
		     p->cached.expiration_usec < now_usec(CLOCK_REALTIME) + REFRESH_AHEAD_USEC)) {
			struct aws_credentials fresh = { 0 };

			r = p->source == SOURCE_PROCESS ? run_process(p, &fresh, reterr) :
			    p->source == SOURCE_IMDS    ? imds_get(p, &fresh, reterr) :
			                                  sts_assume(p, &fresh, reterr);
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
	aws_credentials_provider_free(p->signer);
	free(p->role_arn);
	free(p->session_name);
	free(p->external_id);
	free(p->duration_seconds);
	free(p->token_file);
	free(p->region);
	free(p->sts_endpoint);
	free(p->endpoint);
	pthread_mutex_destroy(&p->lock);
	free(p);
	return NULL;
}
