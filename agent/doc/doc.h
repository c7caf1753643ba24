#pragma once
/*
 * doc: YAML documents <-> jansson json_t, the document model every module shares.
 *
 * Reading follows gopkg.in/yaml.v3, which kustomize reads manifests with: multi-document
 * streams, comments dropped, anchors and aliases expanded (with a cap against alias
 * bombs), merge keys (<<), and plain scalars typed the way yaml.v3 types them (yaml 1.2
 * booleans, 0x/0o/0b and leading-zero octal integers, underscores in numbers, timestamps
 * turned into RFC 3339 strings). Quoted and block scalars are strings. Duplicate keys are
 * errors. Every error names file:line:column.
 *
 * Writing prints a document exactly as `kustomize build` does: keys in yaml.v2's natural
 * order, strings quoted only when they would otherwise read back as another type, block
 * literals for multi-line strings, numbers after kustomize's JSON round trip.
 *
 * This module owns libyaml. jansson's json_t is the one third-party type allowed in every
 * header.
 */

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct error;
struct strbuf;

/* Where a node was read from; both 1-based. */
struct doc_position {
	unsigned line;
	unsigned column;
};

/*
 * doc_positions: the position of each node of the documents one parse read, for error
 * messages about fields (not kept unless asked for: most callers never need it).
 * jansson's true/false/null singletons have no position; ask for their parent's.
 */
struct doc_positions;

struct doc_positions *doc_positions_new(void);
struct doc_positions *doc_positions_free(struct doc_positions *p);
/* NULL when the node was not recorded. Valid until p is freed. */
const struct doc_position *doc_positions_get(const struct doc_positions *p, const json_t *node);

/*
 * Describe a problem with node in reterr as "file:line:column: field: text" (error_set_at())
 * and return code. The position is node's, or fallback's when node has none (jansson's
 * true/false/null, or a key that is missing); p, node, fallback and field may be NULL.
 */
int doc_error_at(const struct doc_positions *p, const json_t *node, const json_t *fallback,
                 const char *file, const char *field, int code, struct error *reterr,
                 const char *fmt, ...) __attribute__((format(printf, 8, 9)));

/*
 * jansson's allocator, chosen once in main() with doc_init() before any json_t exists:
 *	DOC_ALLOC_FAST       core/smalloc, several times faster than malloc() for nodes (a
 *	                     render makes a hundred thousand); keeps its peak for the life of
 *	                     the process: for commands that exit
 *	DOC_ALLOC_RETURNING  core/slab, which unmaps what is free: for the daemon, whose idle
 *	                     memory would otherwise stay at the peak of its largest sync
 * Neither under ASan, TSan or valgrind, nor with DRIFTLESS_SYSTEM_MALLOC set, so that memory
 * checkers still see every node: then malloc(), as in programs that skip it (the unit
 * tests). After it, what json_dumps() returns is not for free(): use json_dump_callback() or
 * json_dumpf().
 */
enum doc_alloc {
	DOC_ALLOC_FAST,
	DOC_ALLOC_RETURNING,
};

void doc_init(enum doc_alloc how);

/*
 * Append node as JSON text to out (json_dump_callback() with flags, JSON_INDENT(2) and the
 * like). Use it rather than json_dumps(), whose memory free() must not see after
 * doc_init().
 */
void doc_json_dump(const json_t *node, size_t flags, struct strbuf *out);

/*
 * A deep copy of node (NULL for NULL) that shares nothing with it, keys in the same order.
 * jansson's json_deep_copy() checks for cycles by formatting every container's address
 * into a hash table; documents have no cycles, and this is several times faster.
 */
json_t *doc_copy(const json_t *node);

/* Upper bound of nodes that alias expansion may create in one stream. */
#define DOC_ALIAS_NODES_MAX 1000000u

/*
 * Parse a YAML stream of len bytes. *ret_docs is a new array with one element per
 * document (an empty document gives null); the caller owns it (json_decref).
 * filename is used in error messages only. positions may be NULL.
 * Errors: -EBADMSG for malformed input or an unsupported construct.
 */
int doc_parse_yaml(const char *data, size_t len, const char *filename,
                   struct doc_positions *positions, json_t **ret_docs, struct error *reterr);

enum doc_parse_flags {
	/*
	 * Type plain scalars as sigs.k8s.io/yaml's yaml.v2 does (also y/yes/on/off/... as
	 * booleans): kustomize reads kustomization files that way.
	 */
	DOC_PARSE_YAML_V2 = 1 << 0,
	/* Keep every scalar as the string it was written as ("0123", "True", "~"). */
	DOC_PARSE_RAW_SCALARS = 1 << 1,
};

/* doc_parse_yaml() with flags from enum doc_parse_flags. */
int doc_parse_yaml_full(const char *data, size_t len, const char *filename, unsigned flags,
                        struct doc_positions *positions, json_t **ret_docs, struct error *reterr);

/*
 * Append one document to out in kustomize's output style (no leading "---").
 * Errors: -EDOM for NaN or infinity (which kustomize cannot print either).
 */
int doc_emit_yaml(const json_t *doc, struct strbuf *out, struct error *reterr);

/* Append {"name", "version"} entries for libyaml and jansson to the array libs. */
void doc_library_versions(json_t *libs);
