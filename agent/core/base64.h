#pragma once
/*
 * Base64 with the standard alphabet and '=' padding (RFC 4648 section 4), as Go's
 * base64.StdEncoding reads and writes it.
 */

#include <stddef.h>

struct strbuf;

/* Append the encoding of len bytes of data to out, on one line. */
void base64_encode(const void *data, size_t len, struct strbuf *out);

/*
 * Append the bytes text (len characters, padded, no spaces) encodes to out. -EINVAL when
 * it is not base64: a character outside the alphabet, a length that is not a multiple of
 * four, or padding anywhere but at the end. out is unchanged then.
 */
int base64_decode(const char *text, size_t len, struct strbuf *out);
