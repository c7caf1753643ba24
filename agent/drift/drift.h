#pragma once
/*
 * drift: compare a desired object (as rendered) with its live copy (as the API server returns
 * it). Pure: no I/O, no logging; the caller owns every json_t it passes and gets back.
 *
 * Only the fields the desired object sets are compared, the way server-side apply sees the
 * fields a manager owns; whatever the cluster added (defaults, other managers' fields,
 * status) is not drift:
 *
 *  - maps: each key desired sets must be in live with a matching value; keys only in live
 *    are ignored. A desired null matches an absent or null live value.
 *  - associative lists (by the strategic-merge schema of the desired object's apiVersion
 *    and kind, render_schema_*()): desired items are matched to live items by all their
 *    merge keys (a "protocol" key absent on either side counts as "TCP", the API server's
 *    default) and compared recursively; a desired item with no live match is drift, extra
 *    live items and the order of items are not. A list of scalars that merges (finalizers):
 *    each desired scalar must be in live.
 *  - other lists are atomic: live must have as many elements, each matching the desired
 *    one at the same index by these rules; else the whole list is one difference.
 *  - scalars: numbers by value (1 == 1.0); at a quantity path (a value under limits,
 *    requests, hard, used, capacity, allocatable or overhead, or a field named storage or
 *    sizeLimit) strings and numbers compare as Kubernetes quantities ("500m" == "0.5",
 *    "1Gi" == "1073741824", 2 == "2"); anything else by type and value.
 *  - unknown kinds (custom resources): maps by key, all lists atomic.
 *
 * Paths are JSON Pointers (RFC 6901: segments after "/", "~" written "~0" and "/" "~1"),
 * except that an item of an associative list is written as one segment
 * "[key=value,key=value]" with every merge key in schema order (a key absent from the
 * desired item is left out, except protocol, written as TCP), e.g.
 * "/spec/template/spec/containers/[name=web]/image" or
 * "/spec/template/spec/containers/[name=web]/ports/[containerPort=80,protocol=TCP]"; an
 * item of a list of scalars that merges is "[value]", e.g. "/metadata/finalizers/[a~1b]".
 * A value is the string itself or the JSON text of a number or boolean; within brackets
 * "~" "/" "," "=" "]" are written "~0" "~1" "~2" "~3" "~4".
 *
 * Never compared, even when desired sets them: /status, /metadata/managedFields,
 * /metadata/resourceVersion, /metadata/uid, /metadata/generation,
 * /metadata/creationTimestamp, /metadata/selfLink.
 */

#include <stddef.h>

#include <jansson.h>

struct error;

struct drift_compare_options {
	/*
	 * Paths, in the format above, to skip with everything under them (a path equals the
	 * rule or continues it with "/"): e.g. "/spec/replicas" when an HPA scales the
	 * workload. NULL-terminated; NULL for none. Borrowed for the call.
	 */
	const char *const *ignore_paths;
};

/*
 * Compare desired with live (both objects; opts may be NULL). *ret_diffs is a new array,
 * empty when there is no drift, of {"path": "...", "desired": <value>, "live": <value, or
 * null when absent>}, in the order of the desired object's fields; the caller releases it
 * with json_decref(). Errors: -EINVAL when desired or live is not an object, -EBADMSG for
 * objects nested more than 128 deep; reterr says which.
 */
int drift_compare(const json_t *desired, const json_t *live,
                  const struct drift_compare_options *opts, json_t **ret_diffs,
                  struct error *reterr);

/*
 * Compare two Kubernetes quantities (resource.Quantity's grammar: an optionally signed
 * decimal number, then a decimal SI suffix n u m k M G T P E, a binary suffix Ki Mi Gi Ti
 * Pi Ei, or a decimal exponent e<int> / E<int>) exactly by value: *ret_cmp is <0, 0 or >0.
 * Errors: -EBADMSG when either is not a quantity, -ERANGE when either is not a whole
 * number of nano-units or exceeds about 1.7e29 (callers then compare the text).
 */
int drift_quantity_compare(const char *a, const char *b, int *ret_cmp);
