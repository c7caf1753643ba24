#pragma once
/*
 * aws: SigV4, credentials, and the RDS and STS APIs over http/. Owns libxml2, which
 * parses the AWS Query protocol's XML replies.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct error;

/* Append {"name", "version"} for libxml2 to the array libs. */
void aws_library_versions(json_t *libs);

/*
 * Load libxml2 (it is loaded on first use, see core/dl.h). A command that will need it calls
 * this first, so that a missing or wrong library is an error, not a stop mid-way.
 */
int aws_load_library(struct error *reterr);

/* --- credentials --- */

struct aws_credentials {
	char *access_key_id;
	char *secret_access_key; /* wiped when released */
	char *session_token;     /* NULL: long-term keys; wiped when released */
	uint64_t expiration_usec; /* CLOCK_REALTIME; 0: never */
};

void aws_credentials_release(struct aws_credentials *c);

/*
 * --- AWS Signature Version 4 ---
 *
 * The canonical request: the method; the URL's path, normalised (dot segments and empty
 * segments removed) when normalize_path, then URI-encoded (so a path that is already
 * percent-encoded is encoded twice, as every service but S3 expects); the query's
 * parameters decoded, encoded with only A-Z a-z 0-9 - _ . ~ left as they are, sorted by
 * name then value; the headers, names in lower case, values trimmed with runs of white
 * space made one, repeated names joined with ',', sorted (Host from the URL unless given;
 * Authorization, User-Agent, Expect, Connection and X-Amzn-Trace-Id are never signed); the
 * signed header names; the hex SHA-256 of the body. Then the string to sign
 * (AWS4-HMAC-SHA256, the time, the scope DATE/REGION/SERVICE/aws4_request, the hash of the
 * canonical request) and its HMAC-SHA256 with the key derived from the secret through the
 * date, region, service and "aws4_request".
 */
struct aws_sigv4_request {
	const char *method;
	const char *url;             /* http(s)://host[:port]/path?query, as it is sent */
	const char *const *headers;  /* "Name: value", NULL-terminated (may be NULL) */
	const void *body;
	size_t body_len;
	const char *region;
	const char *service;
	uint64_t now_usec;           /* CLOCK_REALTIME; 0: now */
	bool normalize_path;         /* every service but S3 */
	bool sign_content_sha256;    /* add and sign X-Amz-Content-Sha256 (S3 style) */
	bool omit_session_token;     /* a token is added but not signed (rare services) */
};

/*
 * Sign r with c: *ret_headers (a strv, freed by the caller) are the headers to add to the
 * request, "X-Amz-Date: ...", "X-Amz-Content-Sha256: ..." (with sign_content_sha256),
 * "X-Amz-Security-Token: ..." (with a session token) and "Authorization: AWS4-HMAC-SHA256
 * Credential=..., SignedHeaders=..., Signature=...". Errors: -EINVAL a URL that is not
 * http(s), a header without a colon, no credentials, no region or service.
 */
int aws_sigv4_sign(const struct aws_sigv4_request *r, const struct aws_credentials *c,
                   char ***ret_headers, struct error *reterr);

/*
 * r's URL with the signature in its query (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
 * X-Amz-Expires, X-Amz-Security-Token with a session token, X-Amz-SignedHeaders,
 * X-Amz-Signature), valid for expires_seconds (1 to 604800); the query comes out in
 * canonical order. The headers of r that are signed must be sent with the URL.
 */
int aws_sigv4_presign(const struct aws_sigv4_request *r, const struct aws_credentials *c,
                      unsigned expires_seconds, char **ret_url, struct error *reterr);

/*
 * --- EKS ---
 *
 * The bearer token EKS clusters take from IAM principals (what `aws eks get-token` prints):
 * "k8s-aws-v1." and the base64url, without padding, of an STS GetCallerIdentity URL
 * presigned for AWS_EKS_TOKEN_URL_EXPIRES seconds with the signed header
 * "x-k8s-aws-id: CLUSTER". sts_endpoint (NULL: https://sts.REGION.amazonaws.com) is for
 * AWS_ENDPOINT_URL_STS and tests. The API server accepts a token for 15 minutes from
 * now_usec (0: now); callers reuse one for AWS_EKS_TOKEN_REUSE_USEC.
 */
#define AWS_EKS_TOKEN_URL_EXPIRES 60
#define AWS_EKS_TOKEN_REUSE_USEC  (14ULL * 60ULL * 1000000ULL)

int aws_eks_token(const char *cluster, const char *region, const char *sts_endpoint,
                  const struct aws_credentials *c, uint64_t now_usec, char **ret,
                  struct error *reterr);

/*
 * --- XML replies ---
 *
 * An XML document as JSON: an element with element children is an object of them (a name
 * that repeats becomes an array of its values, in order), any other element the string of
 * its text; attributes and namespaces are dropped. *ret_root (may be NULL) gets the root
 * element's name, *ret its value. Entities are not expanded and nothing is fetched.
 * Errors: -EBADMSG not XML (reterr says where).
 */
int aws_xml_parse(const char *data, size_t len, char **ret_root, json_t **ret,
                  struct error *reterr);

/*
 * container[member] as an array, for the lists of the Query protocol, whose one member
 * comes out as a lone value: absent -> [], a value -> [value], an array as it is. A new
 * reference.
 */
json_t *aws_xml_list(json_t *container, const char *member);

/*
 * --- profiles ---
 *
 * A profile of the shared files, as the SDKs read them: $AWS_CONFIG_FILE (~/.aws/config;
 * sections [default] and [profile NAME]) and $AWS_SHARED_CREDENTIALS_FILE
 * (~/.aws/credentials; sections [NAME]), the credentials file winning for a key both set.
 * Keys are case-insensitive; comments start with # or ;; nested settings (indented lines)
 * and unknown keys are skipped. A missing file is an empty one. Every value is a string,
 * NULL when not set; all are wiped when released.
 */
struct aws_profile {
	char *name;
	char *aws_access_key_id;
	char *aws_secret_access_key;
	char *aws_session_token;
	char *region;
	char *role_arn;
	char *source_profile;
	char *credential_source;
	char *external_id;
	char *role_session_name;
	char *web_identity_token_file;
	char *credential_process;
	char *duration_seconds;
	char *endpoint_url;
};

/*
 * Load the profile name (NULL or "": $AWS_PROFILE, else "default"). Errors: -ENOENT a
 * profile in neither file, -EBADMSG a line that is not INI (file:line), those of reading.
 */
int aws_profile_load(const char *name, struct aws_profile *ret, struct error *reterr);
void aws_profile_release(struct aws_profile *p);

/*
 * The region when the config does not say: $AWS_REGION, else $AWS_DEFAULT_REGION, else the
 * region of the profile $AWS_PROFILE (else default); NULL when none. Freed by the caller.
 */
char *aws_region_default(void);

/*
 * --- where credentials come from ---
 *
 * A provider hands out copies (released by the caller with aws_credentials_release()),
 * thread-safe. _new_default() follows the SDKs' chain:
 *  1. the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;
 *  2. web identity: AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN (AWS_ROLE_SESSION_NAME),
 *     STS AssumeRoleWithWebIdentity, unsigned, the token file read at each call;
 *  3. the profile $AWS_PROFILE (else default) of the shared files: role_arn with
 *     web_identity_token_file, or with source_profile (chains of up to 4; a profile may be
 *     its own source when it has keys) or credential_source = Environment, by STS
 *     AssumeRole (external_id, duration_seconds, role_session_name, the profile's region
 *     for STS); its keys; its credential_process (run with sh -c, the SDKs' JSON
 *     {"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"});
 *  4. the instance role on EC2, through IMDSv2 (a session token, then the role and its
 *     credentials) at $AWS_EC2_METADATA_SERVICE_ENDPOINT or http://169.254.169.254,
 *     unless AWS_EC2_METADATA_DISABLED=true.
 * Temporary credentials are asked again 5 minutes before they expire. Errors: -ENOKEY none
 * of these, -ENOENT an $AWS_PROFILE that does not exist, -ELOOP a source_profile loop,
 * -EOPNOTSUPP what comes later (credential_source Ec2InstanceMetadata or EcsContainer);
 * from _get(): STS's errors (aws_query()), a credential_process's (-EACCES, -EBADMSG,
 * -ETIMEDOUT, -ENOENT), and the metadata service's (those of http_client_do(), -EBADMSG).
 */
struct aws_credentials_provider;

struct aws_credentials_provider *aws_credentials_provider_new_static(const struct aws_credentials *c);
int aws_credentials_provider_new_default(struct aws_credentials_provider **ret,
                                         struct error *reterr);
int aws_credentials_provider_get(struct aws_credentials_provider *p, struct aws_credentials *ret,
                                 struct error *reterr);
struct aws_credentials_provider *aws_credentials_provider_free(struct aws_credentials_provider *p);

/*
 * --- the Query protocol (RDS, STS) ---
 *
 * aws_query() POSTs Action, Version and params (name, value, name, value, ..., NULL;
 * form-encoded here) to the endpoint, signed with SigV4, and gives the ACTIONResult
 * element of the reply as JSON (see aws_xml_parse()). Throttling codes, HTTP 5xx and
 * broken connections are retried up to max_attempts (3) in all, with full-jitter
 * exponential backoff from 1 s capped at 20 s, as the SDKs' standard retry mode does.
 *
 * Errors carry the service, the action, AWS's code and message and the request id
 * ("RDS ModifyDBInstance: InvalidParameterCombination: ... (HTTP 400, request id ...)"),
 * with the code mapped by aws_error_code_to_errno(): -EACCES credentials or permissions,
 * -ENOENT *NotFound, -EBUSY an instance or group in a state that does not allow the call
 * now (come back later), -EEXIST *AlreadyExists, -EINVAL a parameter, -EDQUOT a quota,
 * -EAGAIN throttled until the attempts ran out, -EPROTO anything else; -EIO a server
 * error; the transport errors of http_client_do().
 */
#define AWS_MAX_ATTEMPTS_DEFAULT 3

struct aws_client_options {
	const char *service;      /* "rds", "sts": the signing name and endpoint prefix */
	const char *service_name; /* for messages: "RDS" (NULL: service) */
	const char *version;      /* "2014-10-31" */
	const char *region;
	const char *endpoint;     /* from the config file; see aws_endpoint() */
	const char *ca_file;      /* NULL: the system's CAs */
	struct aws_credentials_provider *credentials; /* borrowed; NULL: unsigned calls */
	unsigned max_attempts;                        /* 0: AWS_MAX_ATTEMPTS_DEFAULT */
	uint64_t backoff_initial_usec, backoff_max_usec; /* 0: 1 s and 20 s */
};

struct aws_client;

int aws_client_new(const struct aws_client_options *o, struct aws_client **ret,
                   struct error *reterr);
struct aws_client *aws_client_free(struct aws_client *c);
const char *aws_client_endpoint(const struct aws_client *c);
int aws_query(struct aws_client *c, const char *action, const char *const *params, json_t **ret,
              struct error *reterr);
int aws_error_code_to_errno(const char *code);

/*
 * aws_query() of an action that pages its list with Marker (DescribeDBParameters): the
 * items of every page (RESULT[list][member], aws_xml_list()) in one array *ret, each page
 * asked with the Marker of the one before until a page has none. At most
 * AWS_QUERY_MAX_PAGES pages (-EPROTO beyond, or when a Marker repeats). *ret_pages (may be
 * NULL): how many pages were asked for, also on failure.
 */
#define AWS_QUERY_MAX_PAGES 1000

int aws_query_all(struct aws_client *c, const char *action, const char *const *params,
                  const char *list, const char *member, json_t **ret, unsigned *ret_pages,
                  struct error *reterr);

/*
 * The endpoint of service in region, without a trailing '/': $AWS_ENDPOINT_URL_<SERVICE>
 * (upper case, '-' and ' ' as '_'), else $AWS_ENDPOINT_URL, else configured (may be NULL),
 * else https://SERVICE.REGION.amazonaws.com (.com.cn in China). Freed by the caller.
 */
char *aws_endpoint(const char *service, const char *region, const char *configured);

/*
 * --- the RDS kinds (apiVersion driftless.dev/v1alpha1) ---
 *
 * As git gives them, checked: each field of its type, unknown fields refused, errors
 * naming the kind, the object and the field ("RDSInstance 'shop-db': spec.multiAZ:
 * expected true or false"). Integers and booleans not set are -1; the policy fields
 * applyImmediately, allowMajorVersionUpgrade, allowReboot and create default to false (0).
 * dbInstanceIdentifier defaults to metadata.name and is kept in lower case, as RDS keeps it.
 * masterUsername, dbSubnetGroupName, vpcSecurityGroupIds and storageEncrypted are used
 * when the instance is created (create: true, which needs engine, dbInstanceClass,
 * allocatedStorage and masterUsername) and not compared afterwards.
 */
struct aws_rds_instance {
	char *name; /* metadata.name */
	char *region;
	char *identifier;
	char *engine;
	char *engine_version;
	char *instance_class;
	int64_t allocated_storage;
	int64_t max_allocated_storage;
	char *storage_type;
	int64_t iops;
	int64_t storage_throughput;
	int multi_az;
	int64_t backup_retention_period;
	char *backup_window;
	char *maintenance_window;
	int deletion_protection;
	char *parameter_group;
	int auto_minor_version_upgrade;
	int publicly_accessible;
	int iam_auth;
	json_t *tags; /* {key: value} or NULL */
	char *master_username;
	char *subnet_group;
	char **security_groups; /* strv */
	int storage_encrypted;
	int apply_immediately;
	int allow_major_version_upgrade;
	int allow_reboot; /* reboot to apply parameters that wait for one (pending-reboot) */
	int create;       /* create the instance when it is missing */
};

int aws_rds_instance_parse(const json_t *obj, struct aws_rds_instance *ret, struct error *reterr);
void aws_rds_instance_release(struct aws_rds_instance *i);

/* DBParameterGroup: spec.family (required), description, region, parameters {name: value}. */
struct aws_rds_parameter_group {
	char *name;
	char *region;
	char *family;
	char *description;
	json_t *parameters; /* {name: string, number or boolean} */
};

int aws_rds_parameter_group_parse(const json_t *obj, struct aws_rds_parameter_group *ret,
                                  struct error *reterr);
void aws_rds_parameter_group_release(struct aws_rds_parameter_group *g);

/*
 * What differs between want and an instance as DescribeDBInstances gives it (one
 * DBInstance, aws_xml_parse()d), field by field, read the way a careful DBA reads it:
 *  - the effective value is the pending one (PendingModifiedValues) when there is one, else
 *    the live one; a change already queued that is the desired one is reported with
 *    in_flight, and must not be sent again;
 *  - engine versions match by prefix ("16" matches "16.4"), classes, storage types and
 *    windows without regard to case, identifiers in lower case;
 *  - storage above the desired size is no drift when autoscaling is on
 *    (maxAllocatedStorage);
 *  - the parameter group by name; ParameterApplyStatus "applying" is in flight.
 * Fields git does not set are not compared. Tags come apart (ListTagsForResource).
 */
struct aws_rds_drift {
	const char *field; /* the spec field, "multiAZ" */
	const char *api;   /* the ModifyDBInstance parameter, "MultiAZ" */
	char *desired;     /* as RDS writes it: "true", "100", "db.r6g.large" */
	char *live;        /* the effective value (pending, else live); NULL: absent */
	bool in_flight;    /* the desired value is already queued or being applied */
};

int aws_rds_instance_drift(const struct aws_rds_instance *want, const json_t *live,
                           struct aws_rds_drift **ret, size_t *ret_n);
void aws_rds_drift_release(struct aws_rds_drift *d, size_t n);

/*
 * The ModifyDBInstance that closes the drift d of want (in-flight entries skipped), or a
 * refusal (-EPERM, naming the object, the field and why) by the guard rails: the engine
 * never changes (a new instance), storage never shrinks, a major version upgrade only with
 * allowMajorVersionUpgrade (which the call then carries). ApplyImmediately is the spec's
 * applyImmediately (false by default: RDS queues the change for the maintenance window).
 * Deleting an instance is not something this ever asks for.
 *
 * params: name, value, ... NULL for aws_query() (DBInstanceIdentifier first); n_fields 0:
 * nothing to send. notes: what a human should know, one line each ("dbInstanceClass:
 * db.t4g.small -> db.t4g.medium restarts the instance", "queued for the maintenance window
 * sun:03:30-sun:04:30").
 */
struct aws_rds_change {
	char **params;
	char **notes;
	size_t n_fields;
	bool apply_immediately;
};

int aws_rds_instance_change(const struct aws_rds_instance *want, const json_t *live,
                            const struct aws_rds_drift *d, size_t n, struct aws_rds_change *ret,
                            struct error *reterr);
void aws_rds_change_release(struct aws_rds_change *c);

/*
 * Lists go on the wire as the RDS API's shapes name their members (what botocore sends):
 * Tags.Tag.N.Key, Parameters.Parameter.N.ParameterName, VpcSecurityGroupIds.
 * VpcSecurityGroupId.N, but TagKeys.member.N.
 *
 * The CreateDBInstance of want (create: true), a strv of name, value, ... for aws_query():
 * every field git sets under its API name, the create-only fields, the tags
 * (Tags.Tag.N.Key/.Value), and ManageMasterUserPassword=true: RDS makes the master
 * password and keeps it in Secrets Manager, so that none ever sits in git.
 */
char **aws_rds_instance_create_params(const struct aws_rds_instance *want);

/*
 * Tags by diff, for the instance arn: want (spec.tags, {key: value}) against live_tags (the
 * Tag elements of DescribeDBInstances' TagList, aws_xml_list()ed, each {Key, Value}).
 * *ret_add: the AddTagsToResource params (ResourceName, Tags.Tag.N.Key/.Value) of the
 * tags git sets that are missing or differ, NULL when none; *ret_remove: the
 * RemoveTagsFromResource params (ResourceName, TagKeys.member.N) of the live tags git does
 * not set, AWS's own (aws:*) aside, NULL when none. *ret_live (may be NULL): the live tags
 * as {key: value}, aws:* aside.
 */
void aws_rds_tags_change(const char *arn, const json_t *want, const json_t *live_tags,
                         char ***ret_add, char ***ret_remove, json_t **ret_live);

/*
 * The ModifyDBParameterGroup calls that give want's parameters their values, against live
 * (the Parameters of DescribeDBParameters, aws_xml_list()ed; NULL for a group about to be
 * created, whose parameters all go with pending-reboot, valid for static and dynamic ones
 * alike, and are checked by RDS only then), in batches of at most
 * AWS_RDS_PARAMETER_BATCH parameters as the API takes them: each a params list for
 * aws_query() (DBParameterGroupName, then Parameters.Parameter.N.ParameterName,
 * .ParameterValue and .ApplyMethod: immediate for a dynamic parameter, pending-reboot for a
 * static one, noted in *ret_notes, since it waits for a reboot). Booleans are written 1 and
 * 0. Errors: -EINVAL a parameter the family does not have, -EPERM one that is not
 * modifiable. The batches (strvs, in an array) and notes are freed by the caller.
 */
#define AWS_RDS_PARAMETER_BATCH 20

/* A parameter's value from git as DescribeDBParameters writes it: booleans as 1 and 0. */
char *aws_rds_parameter_text(const json_t *v);

int aws_rds_parameter_group_change(const struct aws_rds_parameter_group *want,
                                   const json_t *live, char ****ret_batches,
                                   size_t *ret_n_batches, char ***ret_notes,
                                   struct error *reterr);
