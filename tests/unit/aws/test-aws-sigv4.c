/*
 * SigV4 against AWS's published test suite (the "aws-signing-test-suite/v4" cases that
 * aws-c-auth carries, and botocore's older form of some): every case's request, its
 * options, and the signature AWS computed, once for the Authorization header and once for
 * a presigned URL (X-Amz-Expires=3600). All cases sign with AKIDEXAMPLE /
 * wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, region us-east-1, service "service", at
 * 20150830T123600Z.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/aws.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/strv.h"

#define SUITE_TIME_USEC 1440938160000000ULL /* 2015-08-30T12:36:00Z */

struct sigv4_case {
	const char *name;
	const char *method;
	const char *url;
	const char *headers[8];
	const char *body;
	bool normalize;
	const char *token;
	bool omit_token;
	bool sign_body;
	const char *header_signature;
	const char *query_signature; /* NULL: the suite has none */
};

static const struct sigv4_case cases[] = {
	{ .name = "get-header-key-duplicate",
	  .method = "GET",
	  .url = "https://example.amazonaws.com/",
	  .headers = { "Host:example.amazonaws.com", "My-Header1:value2", "My-Header1:value2",
	               "My-Header1:value1", NULL },
	  .normalize = true,
	  .header_signature = "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
	  .query_signature = "3349ee0b81b4b589da0ff28a395c3591e04de515651dd74f298fa992d1507a97" },
	{ .name = "get-header-value-multiline",
	  .method = "GET",
	  .url = "https://example.amazonaws.com/",
	  .headers = { "Host:example.amazonaws.com", "My-Header1:value1\n  value2\n     value3",
	               NULL },
	  .normalize = true,
	  .header_signature = "cfd34249e4b1c8d6b91ef74165d41a32e5fab3306300901bb65a51a73575eefd",
	  .query_signature = "e6f5def831211aca02987a44b96826706278c7bc078112ae0263659c5b2f2d56" },
	{ .name = "get-header-value-order",
	  .method = "GET",
	  .url = "https://example.amazonaws.com/",
	  .headers = { "Host:example.amazonaws.com", "My-Header1:value4", "My-Header1:value1",
	               "My-Header1:value3", "My-Header1:value2", NULL },
	  .normalize = true,
	  .header_signature = "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01",
	  .query_signature = "313720e71ca6202fdcfa9b20f88de01a4eb0638a83c833b1c184359a4eda864e" },
	{ .name = "get-header-value-trim",
	  .method = "GET",
	  .url = "https://example.amazonaws.com/",
	  .headers = { "Host:example.amazonaws.com", "My-Header1: value1",
	               "My-Header2: \"a   b   c\"", NULL },
	  .normalize = true,
	  .header_signature = "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
	  .query_signature = "e7bb0fd515e125e1aec2ecc4c0c17484fb06f6846b927c35e46005dd3df3acd4" },
	{ .name = "get-relative-normalized",
	  .method = "GET",
	  .url = "https://example.amazonaws.com/example/..",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .normalize = true,
	  .header_signature = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
	  .query_signature = "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d" },
	{ .name = "get-relative-relative-normalized",
	  .method = "GET",
	  .url = "https://example.amazonaws.com/example1/example2/../..",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .normalize = true,
	  .header_signature = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
	  .query_signature = "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d" },
	{ .name = "get-relative-relative-unnormalized",
	  .method = "GET",
	  .url = "https://example.amazonaws.com/example1/example2/../..",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .header_signature = "dc33e0856fd4baca4d7aa2146c38958283844764f38c74252a333df5e613003b",
	  .query_signature = "b45db0bfd1cf15003493b733e33aa208dd981bd0e63037a6ed953f71d2118a16" },
	{ .name = "get-relative-unnormalized",
	  .method = "GET",
	  .url = "https://example.amazonaws.com/example/..",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .header_signature = "eca7ead57bb5aa5c8e28007acd4ff04e1ff9a0ff3b237ec1554a184887ff9282",
	  .query_signature = "cbcb213b928a077e43275df47b500f1dfaa864ab3f5a18f6b95f4ff0938167ee" },
	{ .name = "get-slash-dot-slash-normalized",
	  .method = "GET",
	  .url = "https://example.amazonaws.com/./",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .normalize = true,
	  .header_signature = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
	  .query_signature = "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d" },
	{ .name = "get-slash-dot-slash-unnormalized",
	  .method = "GET",
	  .url = "https://example.amazonaws.com/./",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .header_signature = "68714168e6557f8f2de0ef956fc24dc2593a4bd2961f8df51898d8a134695145",
	  .query_signature = "a9b13e8f3484d9505bf1a6f347219f8f35b0fe8f128ceea597efc146a3dfe90c" },
	{ .name = "get-slash-normalized",
	  .method = "GET",
	  .url = "https://example.amazonaws.com//",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .normalize = true,
	  .header_signature = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
	  .query_signature = "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d" },
	{ .name = "get-slash-pointless-dot-normalized",
	  .method = "GET",
	  .url = "https://example.amazonaws.com/./example",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .normalize = true,
	  .header_signature = "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5",
	  .query_signature = "35034b1a0bdd969f346975386daf8aedfd4976573b8348cf4f67eaa41c5857de" },
	{ .name = "get-slash-pointless-dot-unnormalized",
	  .method = "GET",
	  .url = "https://example.amazonaws.com/./example",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .header_signature = "beb03f223f7deae4146464f06e29eebbee9c8afbe15c290cf07aa8b119e14cff",
	  .query_signature = "72b11f16d9530b18204bfb71f2d6ab085894c0ed8d352730a6e76234c58b5e10" },
	{ .name = "get-slash-unnormalized",
	  .method = "GET",
	  .url = "https://example.amazonaws.com//",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .header_signature = "c88bcd3d312d75078c0cd961d6deae3f4c754924b01669efcfcb439fd5e5b76e",
	  .query_signature = "b2a9542809db687769200f56a844a03f2bd0291d6eb90232d5101c6a579446cd" },
	{ .name = "get-slashes-normalized",
	  .method = "GET",
	  .url = "https://example.amazonaws.com//example//",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .normalize = true,
	  .header_signature = "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84",
	  .query_signature = "c1834e8fb0307243711f0f907f6ab7311ed300d87f13792d7ee4da89ab93e082" },
	{ .name = "get-slashes-unnormalized",
	  .method = "GET",
	  .url = "https://example.amazonaws.com//example//",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .header_signature = "87cca117541a147f6df867677d98a7d80dff226d2bfca9e4ffa899665623c7e5",
	  .query_signature = "822a5a9ba28072c5ab2bb4a6307d0c88276d40e49fec6b724c03fb4d4ba60fc2" },
	{ .name = "get-space-normalized",
	  .method = "GET",
	  .url = "https://example.amazonaws.com/example space/",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .normalize = true,
	  .header_signature = "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
	  .query_signature = "7a1f416954786484c9824d93c1f26ef64acb9b1b6c9154d08c9f07d0e394abf6" },
	{ .name = "get-space-unnormalized",
	  .method = "GET",
	  .url = "https://example.amazonaws.com/example space/",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .header_signature = "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
	  .query_signature = "7a1f416954786484c9824d93c1f26ef64acb9b1b6c9154d08c9f07d0e394abf6" },
	{ .name = "get-unreserved",
	  .method = "GET",
	  .url = "https://example.amazonaws.com/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .normalize = true,
	  .header_signature = "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
	  .query_signature = "95968482db1b9e0fadef6efc1bd24689f77c77d9ef56919c96a28cc92e0d6005" },
	{ .name = "get-utf8",
	  .method = "GET",
	  .url = "https://example.amazonaws.com/\341\210\264",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .normalize = true,
	  .header_signature = "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
	  .query_signature = "10eae3f14a260bd3911cc6d008d3c576d143b05b62f09782a7a4b37f52178e44" },
	{ .name = "get-vanilla",
	  .method = "GET",
	  .url = "https://example.amazonaws.com/",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .normalize = true,
	  .header_signature = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
	  .query_signature = "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d" },
	{ .name = "get-vanilla-empty-query-key",
	  .method = "GET",
	  .url = "https://example.amazonaws.com/?Param1=value1",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .normalize = true,
	  .header_signature = "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb",
	  .query_signature = "49096700cbbaa5753443850f40df10f904fc2fdb544dc9512203cc77c471a9de" },
	{ .name = "get-vanilla-query",
	  .method = "GET",
	  .url = "https://example.amazonaws.com/",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .normalize = true,
	  .header_signature = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
	  .query_signature = "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d" },
	{ .name = "get-vanilla-query-order-encoded",
	  .method = "GET",
	  .url = "https://example.amazonaws.com/?Param-3=Value3&Param=Value2&%E1%88%B4=Value1",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .normalize = true,
	  .header_signature = "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac",
	  .query_signature = "c5f1848ceec943ac2ca68ee720460c23aaae30a2300586597ada94c4a65e4787" },
	{ .name = "get-vanilla-query-order-key-case",
	  .method = "GET",
	  .url = "https://example.amazonaws.com/?Param2=value2&Param1=value1",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .normalize = true,
	  .header_signature = "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
	  .query_signature = "86012e2c9ad4d77369f5d81c11f75158aae4f895a085212cc6d3f923d300bed5" },
	{ .name = "get-vanilla-query-unreserved",
	  .method = "GET",
	  .url = "https://example.amazonaws.com/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .normalize = true,
	  .header_signature = "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
	  .query_signature = "8e76a88a7433637b12778d5592799b29ad21ecd6cf6325051c21d86f0acda2bf" },
	{ .name = "get-vanilla-utf8-query",
	  .method = "GET",
	  .url = "https://example.amazonaws.com/?\341\210\264=bar",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .normalize = true,
	  .header_signature = "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
	  .query_signature = "0bdd809b1519ac4f0c1dc3540e2cc46bd0c7f778eda408b2ebf3b913d21ff600" },
	{ .name = "get-vanilla-with-session-token",
	  .method = "GET",
	  .url = "https://example.amazonaws.com/",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .normalize = true,
	  .token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
	  .header_signature = "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8",
	  .query_signature = "7ff2b50b376cb4d151970630573d6291dc128cc5c2a12ffb237f73cc53f67b6c" },
	{ .name = "post-header-key-case",
	  .method = "POST",
	  .url = "https://example.amazonaws.com/",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .normalize = true,
	  .header_signature = "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
	  .query_signature = "2ce6e6d2e0cf2f9d1b55fafec88cd20574c31dc2e7631979f71ba2310083e95b" },
	{ .name = "post-header-key-sort",
	  .method = "POST",
	  .url = "https://example.amazonaws.com/",
	  .headers = { "Host:example.amazonaws.com", "My-Header1:value1", NULL },
	  .normalize = true,
	  .header_signature = "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
	  .query_signature = "c09d07e0d55871f10f2a6d350d994acf6825a3cae70673d7def55616e6119dd7" },
	{ .name = "post-header-value-case",
	  .method = "POST",
	  .url = "https://example.amazonaws.com/",
	  .headers = { "Host:example.amazonaws.com", "My-Header1:VALUE1", NULL },
	  .normalize = true,
	  .header_signature = "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d",
	  .query_signature = "0698bc9e4f7f9139065ba2909c0e99da257e8e2a42492a097bcd46d792391fed" },
	{ .name = "post-sts-header-after",
	  .method = "POST",
	  .url = "https://example.amazonaws.com/",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .normalize = true,
	  .token =
	          "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==",
	  .omit_token = true,
	  .header_signature = "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
	  .query_signature = "2ce6e6d2e0cf2f9d1b55fafec88cd20574c31dc2e7631979f71ba2310083e95b" },
	{ .name = "post-sts-header-before",
	  .method = "POST",
	  .url = "https://example.amazonaws.com/",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .normalize = true,
	  .token =
	          "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==",
	  .header_signature = "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
	  .query_signature = "46c2e3c63c1dbe7d39f8ada16fe7f001c1f56c5791441565323677f96308871c" },
	{ .name = "post-vanilla",
	  .method = "POST",
	  .url = "https://example.amazonaws.com/",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .normalize = true,
	  .header_signature = "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
	  .query_signature = "2ce6e6d2e0cf2f9d1b55fafec88cd20574c31dc2e7631979f71ba2310083e95b" },
	{ .name = "post-vanilla-empty-query-value",
	  .method = "POST",
	  .url = "https://example.amazonaws.com/?Param1=value1",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .normalize = true,
	  .header_signature = "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
	  .query_signature = "a9ef26247f293bffe40eeff86a0480ba8c14d31503b2e0c3399e3a16bf1a3682" },
	{ .name = "post-vanilla-query",
	  .method = "POST",
	  .url = "https://example.amazonaws.com/?Param1=value1",
	  .headers = { "Host:example.amazonaws.com", NULL },
	  .normalize = true,
	  .header_signature = "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
	  .query_signature = "a9ef26247f293bffe40eeff86a0480ba8c14d31503b2e0c3399e3a16bf1a3682" },
	{ .name = "post-x-www-form-urlencoded",
	  .method = "POST",
	  .url = "https://example.amazonaws.com/",
	  .headers = { "Content-Type:application/x-www-form-urlencoded",
	               "Host:example.amazonaws.com", "Content-Length:13", NULL },
	  .body = "Param1=value1",
	  .normalize = true,
	  .sign_body = true,
	  .header_signature = "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b",
	  .query_signature = "89a40deed0f26f9461242825a082d2222717248abc7ab41f552ad84a94ad46e9" },
	{ .name = "post-x-www-form-urlencoded-parameters",
	  .method = "POST",
	  .url = "https://example.amazonaws.com/",
	  .headers = { "Content-Type:application/x-www-form-urlencoded; charset=utf-8",
	               "Host:example.amazonaws.com", "Content-Length:13", NULL },
	  .body = "Param1=value1",
	  .normalize = true,
	  .sign_body = true,
	  .header_signature = "328d1b9eaadca9f5818ef05e8392801e091653bafec24fcab71e7344e7f51422",
	  .query_signature = "0dbeb9b026c7b6675f266b8427efec9b4fa8b1f6ef1477d717aea231106eab4d" },
	/* botocore's form of the case, as the issue quotes it: no X-Amz-Content-Sha256 */
	{ .name = "post-x-www-form-urlencoded (botocore)",
	  .method = "POST",
	  .url = "https://example.amazonaws.com/",
	  .headers = { "Content-Type:application/x-www-form-urlencoded",
	               "Host:example.amazonaws.com", NULL },
	  .body = "Param1=value1",
	  .normalize = true,
	  .header_signature = "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a" },
};

static const struct aws_credentials suite_credentials = {
	.access_key_id = (char *)"AKIDEXAMPLE",
	.secret_access_key = (char *)"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};

static struct aws_sigv4_request request_of(const struct sigv4_case *c)
{
	return (struct aws_sigv4_request){
		.method = c->method,
		.url = c->url,
		.headers = c->headers,
		.body = c->body,
		.body_len = c->body ? strlen(c->body) : 0,
		.region = "us-east-1",
		.service = "service",
		.now_usec = SUITE_TIME_USEC,
		.normalize_path = c->normalize,
		.sign_content_sha256 = c->sign_body,
		.omit_session_token = c->omit_token,
	};
}

static void test_sigv4__suite_header_signatures(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		const struct sigv4_case *c = &cases[i];
		struct aws_sigv4_request r = request_of(c);
		struct aws_credentials cred = suite_credentials;
		struct error e = ERROR_INIT;
		char **headers = NULL;
		const char *auth = NULL, *sig;

		cred.session_token = (char *)c->token;
		if (aws_sigv4_sign(&r, &cred, &headers, &e) < 0)
			fail_msg("%s: %s", c->name, e.message);
		for (char **h = headers; *h; h++)
			if (!strncmp(*h, "Authorization: ", 15))
				auth = *h + 15;
		assert_non_null(auth);
		sig = strstr(auth, "Signature=");
		assert_non_null(sig);
		if (strcmp(sig + 10, c->header_signature) != 0)
			fail_msg("%s: signature %s, AWS's %s (%s)", c->name, sig + 10,
			         c->header_signature, auth);
		{
			static const char prefix[] =
			        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/"
			        "us-east-1/service/aws4_request, SignedHeaders=";

			assert_true(!strncmp(auth, prefix, sizeof(prefix) - 1));
		}
		assert_string_equal(headers[0], "X-Amz-Date: 20150830T123600Z");
		strv_free(headers);
	}
}

static void test_sigv4__suite_presigned_urls(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		const struct sigv4_case *c = &cases[i];
		struct aws_sigv4_request r = request_of(c);
		struct aws_credentials cred = suite_credentials;
		struct error e = ERROR_INIT;
		char *url = NULL;
		const char *sig;

		if (!c->query_signature)
			continue;
		cred.session_token = (char *)c->token;
		if (aws_sigv4_presign(&r, &cred, 3600, &url, &e) < 0)
			fail_msg("%s: %s", c->name, e.message);
		sig = strstr(url, "&X-Amz-Signature=");
		assert_non_null(sig);
		if (strcmp(sig + 17, c->query_signature) != 0)
			fail_msg("%s: signature %s, AWS's %s (%s)", c->name, sig + 17,
			         c->query_signature, url);
		assert_non_null(
		        strstr(url, "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
		                    "AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&"
		                    "X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&"));
		free(url);
	}
}

static void test_sigv4__errors(void **state)
{
	struct aws_sigv4_request r = request_of(&cases[0]);
	struct aws_credentials none = { 0 };
	struct error e = ERROR_INIT;
	char **headers = NULL;
	char *url = NULL;

	(void)state;
	assert_int_equal(aws_sigv4_sign(&r, &none, &headers, &e), -EINVAL);
	assert_non_null(strstr(e.message, "no credentials"));
	r.url = "ftp://example.com/";
	assert_int_equal(aws_sigv4_sign(&r, &suite_credentials, &headers, &e), -EINVAL);
	assert_non_null(strstr(e.message, "ftp://example.com/"));
	r = request_of(&cases[0]);
	r.region = NULL;
	assert_int_equal(aws_sigv4_sign(&r, &suite_credentials, &headers, &e), -EINVAL);
	r = request_of(&cases[0]);
	r.headers = (const char *const[]){ "NoColon", NULL };
	assert_int_equal(aws_sigv4_sign(&r, &suite_credentials, &headers, &e), -EINVAL);
	assert_non_null(strstr(e.message, "NoColon"));
	r = request_of(&cases[0]);
	assert_int_equal(aws_sigv4_presign(&r, &suite_credentials, 0, &url, &e), -EINVAL);
	assert_int_equal(aws_sigv4_presign(&r, &suite_credentials, 604801, &url, &e), -EINVAL);
}

/* A session token is signed (X-Amz-Security-Token) and sent; the secret is wiped on release. */
static void test_sigv4__token_and_release(void **state)
{
	struct aws_credentials c = { .access_key_id = xstrdup("AKID"),
		                     .secret_access_key = xstrdup("secret"),
		                     .session_token = xstrdup("tok+en/=") };
	struct aws_sigv4_request r = {
		.method = "POST",
		.url = "https://rds.eu-west-1.amazonaws.com:443/",
		.body = "Action=DescribeDBInstances&Version=2014-10-31",
		.body_len = 45,
		.region = "eu-west-1",
		.service = "rds",
		.now_usec = SUITE_TIME_USEC,
		.normalize_path = true,
	};
	struct error e = ERROR_INIT;
	char **headers = NULL;
	char *url = NULL;

	(void)state;
	assert_int_equal(aws_sigv4_sign(&r, &c, &headers, &e), 0);
	assert_string_equal(headers[1], "X-Amz-Security-Token: tok+en/=");
	assert_non_null(strstr(headers[2], "SignedHeaders=host;x-amz-date;x-amz-security-token,"));
	strv_free(headers);
	assert_int_equal(aws_sigv4_presign(&r, &c, 60, &url, &e), 0);
	/* the default port is not part of the host; the token is encoded in the query */
	assert_true(!strncmp(url, "https://rds.eu-west-1.amazonaws.com/?X-Amz-Algorithm=", 53));
	assert_non_null(strstr(url, "&X-Amz-Security-Token=tok%2Ben%2F%3D&"));
	free(url);
	aws_credentials_release(&c);
	assert_null(c.secret_access_key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigv4__suite_header_signatures),
		cmocka_unit_test(test_sigv4__suite_presigned_urls),
		cmocka_unit_test(test_sigv4__errors),
		cmocka_unit_test(test_sigv4__token_and_release),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
