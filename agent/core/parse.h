#pragma once
/*
 * Parsing of numbers, durations and booleans from untrusted text. Every function rejects
 * junk (leading or trailing characters, signs where none belong, empty input) with
 * -EINVAL and overflow with -ERANGE, and writes *ret only on success.
 */

#include <stdbool.h>
#include <stdint.h>

/* Decimal only; no sign, no spaces, no leading "0x". */
int parse_u64(const char *s, uint64_t *ret);
int parse_u32(const char *s, uint32_t *ret);
/* Decimal with an optional leading '-'. */
int parse_i64(const char *s, int64_t *ret);

/*
 * A duration with units, Go/systemd style: "250ms", "30s", "1m30s", "2h", "1d", "1.5s",
 * "0", "infinity". Units: us, ms, s, m (or min), h, d. A number without a unit is
 * rejected (-EINVAL) except 0: "60" could mean anything.
 */
int parse_duration_usec(const char *s, uint64_t *ret);

/* true/false, yes/no, on/off, 1/0 (case-insensitive). */
int parse_bool(const char *s, bool *ret);
