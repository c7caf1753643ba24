/* Base64, RFC 4648 section 4. */

#include "core/base64.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/strbuf.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void base64_encode(const void *data, size_t len, struct strbuf *out)
{
	const uint8_t *p = data;
	size_t i = 0;

	strbuf_grow(out, (len + 2) / 3 * 4);
	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		strbuf_addch(out, alphabet[v >> 18]);
		strbuf_addch(out, alphabet[(v >> 12) & 63]);
		strbuf_addch(out, alphabet[(v >> 6) & 63]);
		strbuf_addch(out, alphabet[v & 63]);
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;

		strbuf_addch(out, alphabet[v >> 18]);
		strbuf_addch(out, alphabet[(v >> 12) & 63]);
		strbuf_addstr(out, "==");
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;

		strbuf_addch(out, alphabet[v >> 18]);
		strbuf_addch(out, alphabet[(v >> 12) & 63]);
		strbuf_addch(out, alphabet[(v >> 6) & 63]);
		strbuf_addch(out, '=');
	}
}

/* The value of c in the alphabet, -1 for any other character. */
static int value_of(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int base64_decode(const char *text, size_t len, struct strbuf *out)
{
	size_t start = out->len;

	if (len % 4)
		return -EINVAL;
	for (size_t i = 0; i < len; i += 4) {
		bool last = i + 4 == len;
		/* padding only in the last group: "xx==" or "xxx=" */
		size_t pad = last && text[i + 3] == '=' ? (text[i + 2] == '=' ? 2 : 1) : 0;
		uint32_t v = 0;

		for (size_t j = 0; j < 4; j++) {
			int d = j >= 4 - pad ? 0 : value_of(text[i + j]);

			if (d < 0) {
				strbuf_setlen(out, start);
				return -EINVAL;
			}
			v = v << 6 | (uint32_t)d;
		}
		strbuf_addch(out, (char)(v >> 16));
		if (pad < 2)
			strbuf_addch(out, (char)(v >> 8));
		if (pad < 1)
			strbuf_addch(out, (char)v);
	}
	return 0;
}
