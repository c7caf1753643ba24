#pragma once
/*
 * doc internals: YAML scalar resolution as the Go YAML libraries behind kustomize do it,
 * and Go-compatible number and time formatting.
 *
 * kustomize reads resources with gopkg.in/yaml.v3 and prints them by way of JSON and
 * sigs.k8s.io/yaml's fork of gopkg.in/yaml.v2. The two resolve plain scalars slightly
 * differently (v2 also reads y/yes/on/off/... as booleans), so the parser resolves with
 * the v3 rules and the emitter asks the v2 rules whether a string may stay unquoted.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/strbuf.h"

enum yaml_dialect {
	YAML_DIALECT_V2,
	YAML_DIALECT_V3,
};

enum scalar_kind {
	SCALAR_STR,
	SCALAR_NULL,
	SCALAR_BOOL,
	SCALAR_INT,   /* fits int64 */
	SCALAR_UINT,  /* above INT64_MAX, fits uint64 */
	SCALAR_FLOAT, /* finite or not */
	SCALAR_TIMESTAMP,
};

struct scalar_value {
	enum scalar_kind kind;
	bool b;
	int64_t i;
	uint64_t u;
	double f;
	/* SCALAR_TIMESTAMP: the time as Go's time.Time.MarshalJSON prints it (RFC 3339,
	 * nanoseconds) */
	char timestamp[48];
};

/* Resolve an untagged plain scalar of len bytes. */
void yaml_resolve_plain(const char *s, size_t len, enum yaml_dialect dialect,
                        struct scalar_value *ret);

/* Would s, printed plain, read back as a string under the v2 rules (what kustomize asks)? */
bool yaml_v2_plain_is_string(const char *s, size_t len);

/*
 * Go's strconv.ParseInt(s, 0, 64) and ParseUint(s, 0, 64): optional sign (int only),
 * 0x/0o/0b prefixes, a leading 0 means octal. -EINVAL for syntax, -ERANGE for overflow.
 */
int go_parse_int(const char *s, size_t len, int64_t *ret);
int go_parse_uint(const char *s, size_t len, uint64_t *ret);

/*
 * Go's time.Parse with the four layouts YAML timestamps may take, then
 * time.Time.MarshalJSON into buf (at least 48 bytes). Returns false when s is not one.
 */
bool go_parse_yaml_timestamp(const char *s, size_t len, char *buf, size_t size);

/* strconv.FormatFloat(f, 'g', -1, 64): the shortest text that reads back as f. */
void go_format_float_g(struct strbuf *out, double f);
/*
 * How a float64 prints after kustomize's JSON round trip: integral values below 1e21 that
 * fit int64 or uint64 print as integers, the rest as go_format_float_g().
 */
void go_format_float_json_yaml(struct strbuf *out, double f);

struct doc_positions;
/* Record where node was read (1-based); p may be NULL. Singletons are skipped. */
void doc_positions_set(struct doc_positions *p, const json_t *node, unsigned line, unsigned column);

/* unicode.IsLetter: general category L (generated table). */
bool unicode_is_letter(uint32_t c);
