/* EKS bearer tokens (aws.h): what `aws eks get-token` prints, without the CLI. */

#include "aws/aws.h"

#include <errno.h>
#include <string.h>

#include "core/alloc.h"
#include "core/base64.h"
#include "core/error.h"
#include "core/strbuf.h"

#define EKS_TOKEN_PREFIX "k8s-aws-v1."

int aws_eks_token(const char *cluster, const char *region, const char *sts_endpoint,
                  const struct aws_credentials *c, uint64_t now_usec, char **ret,
                  struct error *reterr)
{
	_cleanup_free_ char *id_header = NULL, *url = NULL, *presigned = NULL;
	struct strbuf b64 = STRBUF_INIT, out = STRBUF_INIT;
	int r;

	if (!cluster || !cluster[0] || !region || !region[0])
		return error_set(reterr, -EINVAL,
		                 "EKS token: a cluster name and a region are needed");
	id_header = xasprintf("x-k8s-aws-id: %s", cluster);
	if (sts_endpoint) {
		size_t n = strlen(sts_endpoint);

		while (n > 0 && sts_endpoint[n - 1] == '/')
			n--;
		url = xasprintf("%.*s/?Action=GetCallerIdentity&Version=2011-06-15", (int)n,
		                sts_endpoint);
	} else {
		url = xasprintf("https://sts.%s.amazonaws.com/?Action=GetCallerIdentity&"
		                "Version=2011-06-15",
		                region);
	}
	{
		const struct aws_sigv4_request req = {
			.method = "GET",
			.url = url,
			.headers = (const char *const[]){ id_header, NULL },
			.region = region,
			.service = "sts",
			.now_usec = now_usec,
			.normalize_path = true,
		};

		r = aws_sigv4_presign(&req, c, AWS_EKS_TOKEN_URL_EXPIRES, &presigned, reterr);
	}
	if (r < 0)
		return error_prefix(reterr, r, "EKS token for cluster %s", cluster);
	/* base64url without padding, as aws-iam-authenticator reads it */
	base64_encode(presigned, strlen(presigned), &b64);
	strbuf_addstr(&out, EKS_TOKEN_PREFIX);
	for (size_t i = 0; i < b64.len && b64.buf[i] != '='; i++)
		strbuf_addch(&out, b64.buf[i] == '+' ? '-' : b64.buf[i] == '/' ? '_' : b64.buf[i]);
	strbuf_release(&b64);
	*ret = strbuf_detach(&out, NULL);
	return 0;
}
