#pragma once
/*
 * Functions that invite buffer overflows or silent junk. The Makefile force-includes this
 * header into every translation unit; it pulls in the libc headers that declare these
 * functions first, so that the macros below only ever hit our own calls.
 *
 * Use strbuf (strbuf_addf, strbuf_add) or xasprintf for building strings, memcpy with a
 * known length for copying, and parse_u64() and friends for numbers.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BANNED(func) sorry_##func##_is_banned_in_driftless

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef gets
#define gets(x) BANNED(gets)
