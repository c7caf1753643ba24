#pragma once
/*
 * render internals: resources and their identities, the resource map a kustomization
 * accumulates, field specs, and the steps of a build. Only agent/render/ includes this.
 *
 * kustomize keeps its build state (previous names, prefixes and suffixes applied,
 * generator behaviour, whether a name needs a hash) in annotations inside each object
 * and strips them at the end; here that state lives in struct resource beside the
 * object, and only its visible effects are reproduced (see resource_finish()).
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "core/macro.h"
#include "core/parallel.h"

struct doc_positions;
struct error;
struct strbuf;
struct tree;

/* --- identities --- */

struct gvk {
	const char *group; /* "" for the core group */
	const char *version;
	const char *kind;
};

/* An object's id. Strings are borrowed from the object or from owned storage. */
struct resid {
	struct gvk gvk;
	const char *name;
	const char *namespace; /* "" when unset */
};

/* apiVersion "apps/v1" -> group "apps", version "v1"; "v1" -> "", "v1". Borrows from buf. */
void gvk_parse(const char *api_version, const char *kind, char *buf, size_t size, struct gvk *ret);
/* Kinds kustomize treats as cluster-scoped (Namespace, ClusterRole, CRD, ...). */
bool gvk_is_cluster_scoped(const struct gvk *gvk);
/*
 * Whether gvk is selected by sel, where empty fields of sel match anything (kustomize's
 * Gvk.IsSelected).
 */
bool gvk_is_selected(const struct gvk *gvk, const struct gvk *sel);

/*
 * kustomize's EffectiveNamespace of an id of gvk in namespace ns: "_non_namespaceable_" for
 * cluster-scoped kinds, "default" for none or "default", else ns.
 */
const char *gvk_effective_namespace(const struct gvk *gvk, const char *ns);
/* Same group, version, kind, name and effective namespace (kustomize's ResId.Equals). */
bool resid_equals(const struct resid *a, const struct resid *b);

/* "Kind.version.group/name.namespace" as kustomize prints ids, for messages. */
char *resid_to_string(const struct resid *id);

/* Missing, null, or an empty map or list: what kustomize treats as no value. */
static inline bool is_nil_or_empty(const json_t *n)
{
	return !n || json_is_null(n) || (json_is_object(n) && json_object_size(n) == 0) ||
	       (json_is_array(n) && json_array_size(n) == 0);
}

/* --- resources --- */

enum gen_behavior {
	GEN_BEHAVIOR_UNSPECIFIED,
	GEN_BEHAVIOR_CREATE,
	GEN_BEHAVIOR_REPLACE,
	GEN_BEHAVIOR_MERGE,
};

struct resource {
	json_t *obj;  /* owned */
	char *origin; /* where it was read, for messages */

	/* build state */
	char **prev_names; /* parallel lists: ids before renames (kustomize's PrevIds) */
	char **prev_namespaces;
	char **prev_kinds;
	char **prefixes; /* namePrefix/nameSuffix values applied, innermost first */
	char **suffixes;
	enum gen_behavior behavior;
	bool needs_hash;
	bool allow_name_change;
	bool allow_kind_change;
};

/* Take ownership of obj. */
struct resource *resource_new(json_t *obj, const char *origin);
struct resource *resource_free(struct resource *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct resource *, resource_free)
/* A deep copy, build state included. */
struct resource *resource_copy(const struct resource *r);

/* Borrowed strings of the object, "" when absent. */
const char *resource_api_version(const struct resource *r);
const char *resource_kind(const struct resource *r);
const char *resource_name(const struct resource *r);
const char *resource_namespace(const struct resource *r);
/* The current id; strings borrowed from the object and from buf (size >= 256). */
void resource_id(const struct resource *r, char *buf, size_t size, struct resid *ret);

void resource_set_name(struct resource *r, const char *name);
void resource_set_namespace(struct resource *r, const char *ns);
/* Record the current name/namespace/kind before a change (kustomize's StorePreviousId). */
void resource_store_previous_id(struct resource *r);
void resource_add_prefix(struct resource *r, const char *prefix);
void resource_add_suffix(struct resource *r, const char *suffix);
/* Number of previous ids; entry i through the prev_* lists. */
size_t resource_n_prev_ids(const struct resource *r);

/*
 * What kustomize does last to each object: drop its build annotations, which rewrites
 * metadata.annotations with every value as a string (and removes the map if only build
 * annotations were in it).
 */
void resource_finish(struct resource *r);

/* --- the resource map: an ordered list --- */

struct resmap {
	struct resource **items;
	size_t n;
	size_t alloc;
	/*
	 * id -> index, kept by resmap_append_all() while only appends happen; NULL when not
	 * built. Whatever renames objects calls resmap_forget_ids() first.
	 */
	json_t *ids;
};

#define RESMAP_INIT \
	{           \
		0   \
	}

void resmap_release(struct resmap *m);
/* Append, taking ownership, without checking ids. */
void resmap_add(struct resmap *m, struct resource *r);
/* Append, taking ownership; -EINVAL when an object with the same id is there already. */
int resmap_append(struct resmap *m, struct resource *r, struct error *reterr);
/* Append every resource of other (emptied), with the same check. */
int resmap_append_all(struct resmap *m, struct resmap *other, struct error *reterr);
/* Drop the id index (before anything that may change ids). */
void resmap_forget_ids(struct resmap *m);
/* -EINVAL when two objects of m have the same id; reterr names them and what. */
int resmap_check_unique(const struct resmap *m, const char *what, struct error *reterr);
/* Remove and free the resource at index i. */
void resmap_remove(struct resmap *m, size_t i);
/* Index of the resource whose current id equals id, or -1. */
ssize_t resmap_find(const struct resmap *m, const struct resid *id);

/* --- field specs: where in which kinds a transformer looks --- */

struct fieldspec {
	const char *group; /* NULL or "" matches any */
	const char *version;
	const char *kind;
	const char *path; /* "spec/template/metadata/labels", "[]" marks a list */
	bool create;
};

struct fieldspec_list {
	const struct fieldspec *items;
	size_t n;
};

/* Built-in field specs of kustomize's default transformer configuration. */
extern const struct fieldspec_list fieldspecs_common_labels;
extern const struct fieldspec_list fieldspecs_template_labels;
extern const struct fieldspec_list fieldspecs_metadata_labels;
extern const struct fieldspec_list fieldspecs_common_annotations;
extern const struct fieldspec_list fieldspecs_namespace;
extern const struct fieldspec_list fieldspecs_images;
extern const struct fieldspec_list fieldspecs_replicas;

/* One name-reference rule: fields of referrers that hold the name of a referral kind. */
struct nameref_rule {
	struct gvk referral;
	struct fieldspec_list referrers;
};

extern const struct nameref_rule nameref_rules[];
extern const size_t n_nameref_rules;

/* Whether fs applies to an object of this gvk. */
bool fieldspec_applies(const struct fieldspec *fs, const struct gvk *gvk);

/*
 * Call fn on every node at fs->path of obj, as kustomize's fieldspec filter does: lists
 * on the way are walked through (every element gets the rest of the path), "name[]"
 * marks a list, "\/" is a slash inside a key, and a scalar in the middle of the path is
 * an error. fn gets the node's container: an object and the key, or an array and key
 * NULL (then the node is an element, replaced with json_array_set()).
 *
 * fieldspec_walk() only visits what exists. fieldspec_walk_typed() with fs->create also
 * makes what is missing on the way (maps) and the leaf itself: an empty map for
 * JSON_OBJECT, an empty string for any other type (JSON_NULL: create nothing).
 */
typedef int fieldspec_fn(json_t *container, const char *key, json_t *node, void *userdata,
                         struct error *reterr);
int fieldspec_walk(json_t *obj, const struct fieldspec *fs, fieldspec_fn *fn, void *userdata,
                   struct error *reterr);
int fieldspec_walk_typed(json_t *obj, const struct fieldspec *fs, json_type create_type,
                         fieldspec_fn *fn, void *userdata, struct error *reterr);

/* Whether labels (a map, or NULL) match a Kubernetes label selector ("app=web,tier!=db"). */
int selector_matches(const json_t *labels, const char *selector, bool *ret, struct error *reterr);

/*
 * Match text against a regular expression that is a plain name: letters, digits and
 * "-_/:@" stand for themselves and '.' for any one character. Returns 1 or 0, or -1 when
 * the pattern holds other syntax and needs regexec(). prefix_only: pattern may match a
 * prefix of text; *ret_end is where the match ended.
 */
int simple_pattern_match(const char *pattern, const char *text, bool prefix_only,
                         const char **ret_end);

/* --- kustomization files --- */

struct kustomization {
	char *dir;     /* tree path of its directory */
	char *file;    /* tree path of the file */
	char *display; /* file as shown to users */
	json_t *doc;   /* validated content */
	struct doc_positions *positions;
	bool is_component;
};

/* Load and validate the kustomization in dir. -ENOENT when there is none. */
int kustomization_load(struct tree *tree, const char *dir, struct kustomization **ret,
                       struct error *reterr);
struct kustomization *kustomization_free(struct kustomization *k);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct kustomization *, kustomization_free)

/* Fill reterr about field of k (node's position when known) and return code. */
int kustomization_error(const struct kustomization *k, const json_t *node, const char *field,
                        int code, struct error *reterr, const char *fmt, ...) _printf_(6, 7);

/* --- reading resources --- */

/* Maximum size of one file the renderer reads. */
#define RENDER_FILE_MAX_BYTES (64u << 20)

/*
 * Parse the objects of a YAML stream (kind: List expanded, empty documents skipped) and
 * append them to m. display names the source in messages.
 */
int resources_from_yaml(const char *data, size_t len, const char *display, struct resmap *m,
                        struct error *reterr);

/*
 * RESOURCES_PATCH_METADATA: the objects are strategic merge patches kustomize applies with
 * ResMap.ApplySmPatch (patchesStrategicMerge, and patches with a target), which first runs
 * CopyMergeMetaDataFieldsFrom() on them: every label and annotation value becomes the text
 * it was written as (null: "null"; a list or map: ""), and an empty or null labels or
 * annotations map is removed (so `annotations: null` deletes nothing).
 */
#define RESOURCES_PATCH_METADATA (1u << 0)
int resources_from_yaml_full(const char *data, size_t len, const char *display, unsigned flags,
                             struct resmap *m, struct error *reterr);

/* --- build steps --- */

struct build;

int build_generators(struct build *b, struct kustomization *k, struct resmap *m,
                     struct error *reterr);
int build_transformers(struct build *b, struct kustomization *k, struct resmap *m,
                       struct error *reterr);
int build_hash_names(struct resmap *m, struct error *reterr);
int build_fix_name_references(struct resmap *m, struct error *reterr);

/* The patch fields of k, in kustomize's order: patchesStrategicMerge, patches, patchesJson6902. */
int patch_strategic_merge_all(struct build *b, struct kustomization *k, struct resmap *m,
                              struct error *reterr);
int patch_patches(struct build *b, struct kustomization *k, struct resmap *m, struct error *reterr);
int patch_json6902_all(struct build *b, struct kustomization *k, struct resmap *m,
                       struct error *reterr);

/*
 * parallel_ranges() over n objects: one range per CPU for 256 objects or more (smaller
 * lists are not worth threads), else one.
 */
int render_parallel(size_t n, parallel_fn *fn, void *userdata, struct error *reterr);

/* Read a file named in k relative to its directory, refusing paths outside it. */
int build_read_file(struct build *b, const struct kustomization *k, const char *rel,
                    char **ret_data, size_t *ret_len, char **ret_display, struct error *reterr);

/* --- strategic merge: the OpenAPI schema kustomize merges with (smp-schema.c) --- */

/*
 * kyaml's built-in schema (Kubernetes v1.21.2 and kustomize's own types), reduced to what a
 * strategic merge looks at, generated by scripts/gen-smp-schema.py. A schema is a node
 * index, -1 for none. A field's schema is that of its property, else of the node's
 * additionalProperties; a list's elements have the schema `items` when `is_array`; a list
 * merges by key when `merge`, with the keys in `keys` (NULL-padded; none for a list of
 * scalars like finalizers). fields[] is sorted by name (strcmp) within each node, types[]
 * by apiVersion, then kind.
 */
struct render_smp_field {
	const char *name;
	short node;
};

struct render_smp_node {
	unsigned short fields; /* first entry in render_smp_schema.fields */
	unsigned short n_fields;
	short items;
	short additional;
	bool is_array;
	bool merge;
	const char *keys[3];
};

struct render_smp_type {
	const char *api_version;
	const char *kind;
	short node;
};

struct render_smp_schema {
	const struct render_smp_node *nodes;
	size_t n_nodes;
	const struct render_smp_field *fields;
	const struct render_smp_type *types;
	size_t n_types;
};

const struct render_smp_schema *render_smp_schema(void);
