#pragma once
/*
 * render: the kustomization engine. A pure function of a tree reader and a path: it reads
 * kustomization files and resources through struct tree (core/tree.h) and never touches the
 * file system itself, so a directory on disk and a git tree at a commit render alike.
 *
 * Objects are jansson json_t documents; the caller owns what a function returns through
 * ret_* and releases it with json_decref().
 */

#include <jansson.h>

#include "core/macro.h"

struct error;
struct strbuf;
struct tree;

/*
 * Render the kustomization in directory dir of tree (a path relative to the tree's root,
 * "" or "." for the root itself), as `kustomize build` does: resources, components,
 * generators, transformers, patches, then kustomize's default (legacy) output order.
 * *ret_objects is a new array of the resulting objects.
 * Errors: -ENOENT for a missing file or kustomization, -EBADMSG for malformed input,
 * -EINVAL for a kustomization kustomize refuses (unknown field, duplicate resource id, a
 * patch that matches nothing, a cycle, a path outside the kustomization root); reterr
 * names the file and field at fault.
 */
int render_kustomization(struct tree *tree, const char *dir, json_t **ret_objects,
                         struct error *reterr);

/* Append objects to out as kustomize prints them: YAML documents separated by "---\n". */
int render_print(const json_t *objects, struct strbuf *out, struct error *reterr);

/*
 * Release an array render_kustomization() returned (NULL is fine), its objects freed on
 * every core when there are many (thousands of objects take milliseconds to free). The
 * caller must hold the only reference to the array. Returns NULL.
 */
json_t *render_objects_free(json_t *objects);
DEFINE_TRIVIAL_CLEANUP_FUNC(json_t *, render_objects_free)

/*
 * JSON Patch (RFC 6902): apply the operations of the array ops to *doc in order. Either all
 * apply or none: on failure *doc is left exactly as it was. *doc may be replaced (an
 * operation on the root path ""), so it is passed by reference; the old reference is
 * released then. Errors: -EINVAL for a malformed operation, -ENOENT for a path that does
 * not exist where one must, -EPROTO for a failed "test"; reterr names the operation
 * (index and op) and the path.
 */
int render_json_patch(json_t **doc, const json_t *ops, struct error *reterr);

/*
 * JSON Merge Patch (RFC 7386): the result of applying patch to target, as a new reference.
 * target is not modified. Cannot fail.
 */
json_t *render_merge_patch(const json_t *target, const json_t *patch);

/*
 * Strategic merge patch, as kustomize applies one (patchesStrategicMerge, and patches whose
 * content is not a JSON patch): maps merge recursively, null deletes a field, lists of the
 * built-in Kubernetes types merge by their patch merge key (containers and env by name,
 * ports by containerPort, volumes by name, volumeMounts by mountPath, ...) or are replaced
 * as their patch strategy says, lists of unknown types (custom resources) are replaced;
 * the directive $patch (merge, replace, delete) as kustomize v5.5 honours it. kustomize
 * honours none of $setElementOrder/<field>, $retainKeys and $deleteFromPrimitiveList/<field>:
 * they stay in the result as ordinary fields, as they do there.
 *
 * The patch gets the target's apiVersion; the caller puts back the kind, name and namespace
 * it does not let the patch change. The type of *target is taken from its apiVersion and
 * kind. *target is replaced (the old reference is released). Returns 0, or 1 when the patch deletes
 * the whole object ($patch: delete at its top), in which case *target is untouched.
 * Errors: -EINVAL for a malformed patch; reterr says where.
 */
int render_strategic_merge(json_t **target, const json_t *patch, struct error *reterr);

/*
 * The strategic-merge schema (kyaml's built-in OpenAPI schema of the Kubernetes v1.21 types,
 * as render_strategic_merge() uses it), for modules that walk objects the same way. A
 * schema is an opaque node handle: an int >= 0, or -1 for "no schema" (every function
 * accepts -1 and answers "none"). Handles are valid for the life of the program.
 */

/* The schema of objects of apiVersion/kind (e.g. "apps/v1", "Deployment"), -1 if unknown. */
int render_schema_type(const char *api_version, const char *kind);

/* The schema of field name in a map at node: its property, else additionalProperties; or -1. */
int render_schema_field(int node, const char *name);

/* The schema of the elements of the list at node; -1 if node is not a list or has none. */
int render_schema_items(int node);

/*
 * Whether the list at node is associative (merges by key). If so, *ret_keys points at its
 * ret_n merge keys (static storage; e.g. "name", or "containerPort", "protocol"); a list of
 * scalars that merges, like metadata.finalizers, has 0 keys: its items match by value.
 * Returns false, writing nothing, for atomic lists and for -1.
 */
bool render_schema_merge_keys(int node, const char *const **ret_keys, size_t *ret_n);
