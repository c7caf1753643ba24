#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../json-test.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/macro.h"
#include "render/render.h"

/*
 * The expectations here are what kustomize (v5.5.0, with
 * gopkg.in/evanphx/json-patch.v4 v4.12.0) did with each patch applied to a ConfigMap whose
 * spec held the document, unless a comment says otherwise. Where that library departs from
 * RFC 6902 the case says "v4.12:".
 *
 * Test values are typed as a YAML patch gives them to the library (kustomize re-encodes
 * those through Go, so 1.0 reaches it as 1); in a patch written as JSON text the library
 * compares the literal text instead, which a json_t cannot tell apart.
 */

static char *dump(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

struct patch_case {
	const char *doc;
	const char *ops;
	const char *want;    /* the document after; NULL when the patch must fail */
	int code;            /* then the error */
	const char *message; /* and the complete error text, when given */
};

/* clang-format off */
#define OK(d, o, w)                { .doc = (d), .ops = (o), .want = (w) }
#define FAILS(d, o, c)             { .doc = (d), .ops = (o), .code = (c) }
#define FAILS_WITH(d, o, c, m)     { .doc = (d), .ops = (o), .code = (c), .message = (m) }
/* clang-format on */

static void check_patch(const struct patch_case *c)
{
	json_t *doc = json_test_load(c->doc), *ops = json_test_load(c->ops),
	       *before = json_deep_copy(doc);
	json_t *orig = doc;
	struct error e = ERROR_INIT;
	char *got, *want_text;
	int r;

	r = render_json_patch(&doc, ops, &e);
	got = dump(doc);
	if (c->want) {
		json_t *want = json_test_load(c->want);

		want_text = dump(want);
		if (r < 0)
			fail_msg("%s on %s: failed (%s), expected %s", c->ops, c->doc, e.message,
			         want_text);
		/* json_equal() tells an integer from a real, as the text does */
		if (!json_equal(doc, want) || !streq(got, want_text))
			fail_msg("%s on %s: expected %s, got %s", c->ops, c->doc, want_text, got);
		/* the caller's reference stays, unless the document changed its type */
		if (json_typeof(want) == json_typeof(before) && doc != orig)
			fail_msg("%s on %s: the document was replaced", c->ops, c->doc);
		json_decref(want);
		free(want_text);
	} else {
		if (r >= 0)
			fail_msg("%s on %s: expected error %d, got %s", c->ops, c->doc, c->code,
			         got);
		if (r != c->code || e.code != c->code)
			fail_msg("%s on %s: expected error %d, got %d (%s)", c->ops, c->doc,
			         c->code, r, e.message);
		if (c->message && !streq(e.message, c->message))
			fail_msg("%s on %s: expected message '%s', got '%s'", c->ops, c->doc,
			         c->message, e.message);
		/* all or nothing: the very same document, unchanged */
		if (doc != orig || !json_equal(doc, before))
			fail_msg("%s on %s: document changed on failure: %s", c->ops, c->doc, got);
	}
	free(got);
	json_decref(before);
	json_decref(ops);
	json_decref(doc);
}

static void check_patches(const struct patch_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++)
		check_patch(&cases[i]);
}

/* RFC 6902 appendix A; v4.12 agrees with every example. */
static void test_render_json_patch__rfc6902_appendix_a(void **state)
{
	static const struct patch_case cases[] = {
		/* A.1 adding an object member */
		OK("{'foo':'bar'}", "[{'op':'add','path':'/baz','value':'qux'}]",
		   "{'baz':'qux','foo':'bar'}"),
		/* A.2 adding an array element */
		OK("{'foo':['bar','baz']}", "[{'op':'add','path':'/foo/1','value':'qux'}]",
		   "{'foo':['bar','qux','baz']}"),
		/* A.3 removing an object member */
		OK("{'baz':'qux','foo':'bar'}", "[{'op':'remove','path':'/baz'}]", "{'foo':'bar'}"),
		/* A.4 removing an array element */
		OK("{'foo':['bar','qux','baz']}", "[{'op':'remove','path':'/foo/1'}]",
		   "{'foo':['bar','baz']}"),
		/* A.5 replacing a value */
		OK("{'baz':'qux','foo':'bar'}", "[{'op':'replace','path':'/baz','value':'boo'}]",
		   "{'baz':'boo','foo':'bar'}"),
		/* A.6 moving a value */
		OK("{'foo':{'bar':'baz','waldo':'fred'},'qux':{'corge':'grault'}}",
		   "[{'op':'move','from':'/foo/waldo','path':'/qux/thud'}]",
		   "{'foo':{'bar':'baz'},'qux':{'corge':'grault','thud':'fred'}}"),
		/* A.7 moving an array element */
		OK("{'foo':['all','grass','cows','eat']}",
		   "[{'op':'move','from':'/foo/1','path':'/foo/3'}]",
		   "{'foo':['all','cows','eat','grass']}"),
		/* A.8 testing a value: success */
		OK("{'baz':'qux','foo':['a',2,'c']}",
		   "[{'op':'test','path':'/baz','value':'qux'},{'op':'test','path':'/foo/1','value':2}]",
		   "{'baz':'qux','foo':['a',2,'c']}"),
		/* A.9 testing a value: error */
		FAILS("{'baz':'qux'}", "[{'op':'test','path':'/baz','value':'bar'}]", -EPROTO),
		/* A.10 adding a nested member object */
		OK("{'foo':'bar'}", "[{'op':'add','path':'/child','value':{'grandchild':{}}}]",
		   "{'foo':'bar','child':{'grandchild':{}}}"),
		/* A.11 ignoring unrecognized elements */
		OK("{'foo':'bar'}", "[{'op':'add','path':'/baz','value':'qux','xyz':123}]",
		   "{'foo':'bar','baz':'qux'}"),
		/* A.12 adding to a nonexistent target */
		FAILS("{'foo':'bar'}", "[{'op':'add','path':'/baz/bat','value':'qux'}]", -ENOENT),
		/*
		 * A.13 invalid JSON patch document: a duplicate "op". Go keeps the last one, as
		 * json_loads() does, so this is a remove of a missing member: an error all the
		 * same, and with /baz present it removes it.
		 */
		FAILS("{'foo':'bar'}", "[{'op':'add','path':'/baz','value':'qux','op':'remove'}]",
		      -ENOENT),
		OK("{'foo':'bar','baz':1}",
		   "[{'op':'add','path':'/baz','value':'qux','op':'remove'}]", "{'foo':'bar'}"),
		/* A.14 ~ escape ordering */
		OK("{'/':9,'~1':10}", "[{'op':'test','path':'/~01','value':10}]",
		   "{'/':9,'~1':10}"),
		/* A.15 comparing strings and numbers */
		FAILS("{'/':9,'~1':10}", "[{'op':'test','path':'/~01','value':'10'}]", -EPROTO),
		/* A.16 adding an array value */
		OK("{'foo':['bar']}", "[{'op':'add','path':'/foo/-','value':['abc','def']}]",
		   "{'foo':['bar',['abc','def']]}"),
	};

	(void)state;
	check_patches(cases, ELEMENTSOF(cases));
}

static void test_render_json_patch__add(void **state)
{
	static const struct patch_case cases[] = {
		/* an existing member is replaced */
		OK("{'s':'str'}", "[{'op':'add','path':'/s','value':1}]", "{'s':1}"),
		OK("{'a':{}}", "[{'op':'add','path':'/a/b','value':{'c':[1]}}]",
		   "{'a':{'b':{'c':[1]}}}"),
		OK("{'a':1}", "[{'op':'add','path':'/b','value':null}]", "{'a':1,'b':null}"),
		/* v4.12: no "value" adds null */
		OK("{'a':1}", "[{'op':'add','path':'/b'}]", "{'a':1,'b':null}"),
		OK("{'arr':[1,2,3]}", "[{'op':'add','path':'/arr/0'}]", "{'arr':[null,1,2,3]}"),
		/* arrays: 0 to size, and "-" for the end */
		OK("{'arr':[1,2,3]}", "[{'op':'add','path':'/arr/3','value':9}]",
		   "{'arr':[1,2,3,9]}"),
		OK("{'arr':[1,2,3]}", "[{'op':'add','path':'/arr/-','value':9}]",
		   "{'arr':[1,2,3,9]}"),
		OK("{'arr':[]}", "[{'op':'add','path':'/arr/0','value':9}]", "{'arr':[9]}"),
		FAILS("{'arr':[1,2,3]}", "[{'op':'add','path':'/arr/4','value':9}]", -ENOENT),
		/* v4.12: negative indices count from the end, where -1 is after the last */
		OK("{'arr':[1,2,3]}", "[{'op':'add','path':'/arr/-1','value':9}]",
		   "{'arr':[1,2,3,9]}"),
		OK("{'arr':[1,2,3]}", "[{'op':'add','path':'/arr/-4','value':9}]",
		   "{'arr':[9,1,2,3]}"),
		OK("{'arr':[]}", "[{'op':'add','path':'/arr/-1','value':9}]", "{'arr':[9]}"),
		FAILS("{'arr':[1,2,3]}", "[{'op':'add','path':'/arr/-5','value':9}]", -ENOENT),
		/* v4.12: indices are strconv.Atoi's: leading zeros and a sign are accepted */
		OK("{'arr':[1,2,3]}", "[{'op':'add','path':'/arr/01','value':9}]",
		   "{'arr':[1,9,2,3]}"),
		OK("{'arr':[1,2,3]}", "[{'op':'add','path':'/arr/+1','value':9}]",
		   "{'arr':[1,9,2,3]}"),
		OK("{'arr':[1,2,3]}", "[{'op':'add','path':'/arr/-0','value':9}]",
		   "{'arr':[9,1,2,3]}"),
		FAILS("{'arr':[1,2,3]}", "[{'op':'add','path':'/arr/abc','value':9}]", -EINVAL),
		FAILS("{'arr':[1,2,3]}", "[{'op':'add','path':'/arr/','value':9}]", -EINVAL),
		FAILS("{'arr':[1,2,3]}", "[{'op':'add','path':'/arr/ 1','value':9}]", -EINVAL),
		FAILS("{'arr':[1,2,3]}", "[{'op':'add','path':'/arr/1.0','value':9}]", -EINVAL),
		FAILS("{'arr':[1,2,3]}",
		      "[{'op':'add','path':'/arr/99999999999999999999','value':9}]", -EINVAL),
		/* v4.12: the document root cannot be added to (RFC: replaces the document) */
		FAILS("{'a':1}", "[{'op':'add','path':'','value':{'b':2}}]", -EINVAL),
		/* v4.12: a path without '/' names nothing; the first token is never read */
		FAILS("{'a':1}", "[{'op':'add','path':'a','value':2}]", -EINVAL),
		OK("{'a':{}}", "[{'op':'add','path':'xyz/b','value':2}]", "{'a':{},'b':2}"),
		OK("{'a':{}}", "[{'op':'add','path':'xyz/a/b','value':2}]", "{'a':{'b':2}}"),
		/* "/" is the member named "" */
		OK("{'a':1}", "[{'op':'add','path':'/','value':2}]", "{'a':1,'':2}"),
	};

	(void)state;
	check_patches(cases, ELEMENTSOF(cases));
}

static void test_render_json_patch__traversal(void **state)
{
	static const struct patch_case cases[] = {
		OK("{'objs':[{'a':1},{'a':2}]}", "[{'op':'add','path':'/objs/1/x','value':1}]",
		   "{'objs':[{'a':1},{'a':2,'x':1}]}"),
		/* v4.12: negative and zero-padded indices on the way too */
		OK("{'objs':[{'a':1},{'a':2}]}", "[{'op':'add','path':'/objs/-1/x','value':1}]",
		   "{'objs':[{'a':1},{'a':2,'x':1}]}"),
		OK("{'objs':[{'a':1},{'a':2}]}", "[{'op':'add','path':'/objs/01/x','value':1}]",
		   "{'objs':[{'a':1},{'a':2,'x':1}]}"),
		FAILS("{'objs':[{'a':1},{'a':2}]}", "[{'op':'add','path':'/objs/-/x','value':1}]",
		      -EINVAL),
		FAILS("{'objs':[{'a':1},{'a':2}]}", "[{'op':'add','path':'/objs/2/x','value':1}]",
		      -ENOENT),
		FAILS("{'objs':[{'a':1},{'a':2}]}", "[{'op':'add','path':'/objs/-3/x','value':1}]",
		      -ENOENT),
		/* through a scalar, a null, a missing member, a null element */
		FAILS("{'s':'str'}", "[{'op':'add','path':'/s/x','value':1}]", -ENOENT),
		FAILS("{'n':null}", "[{'op':'add','path':'/n/x','value':1}]", -ENOENT),
		FAILS("{'a':1}", "[{'op':'add','path':'/nope/x','value':1}]", -ENOENT),
		FAILS("{'l':[1,null]}", "[{'op':'add','path':'/l/1/x','value':1}]", -ENOENT),
		/*
		 * kustomize crashes on this one (the library dereferences the raw text of the
		 * added null); a null is no container, so it fails here too.
		 */
		FAILS("{'a':1}",
		      "[{'op':'add','path':'/q','value':null},{'op':'add','path':'/q/x','value':1}]",
		      -ENOENT),
		/* the document may be an array (the library's own test of that, not kustomize) */
		OK("[1,2,3]", "[{'op':'remove','path':'/0'}]", "[2,3]"),
		OK("[1,2,3]", "[{'op':'add','path':'/-1','value':9}]", "[1,2,3,9]"),
	};

	(void)state;
	check_patches(cases, ELEMENTSOF(cases));
}

static void test_render_json_patch__pointer_escapes(void **state)
{
	static const struct patch_case cases[] = {
		OK("{'a/b':1}", "[{'op':'replace','path':'/a~1b','value':2}]", "{'a/b':2}"),
		OK("{'m~n':1}", "[{'op':'replace','path':'/m~0n','value':2}]", "{'m~n':2}"),
		/* ~01 is "~1", not "/" */
		OK("{}", "[{'op':'add','path':'/~01','value':1}]", "{'~1':1}"),
		OK("{'x':{'a/b':{'~':[0]}}}", "[{'op':'add','path':'/x/a~1b/~0/0','value':1}]",
		   "{'x':{'a/b':{'~':[1,0]}}}"),
		/* v4.12: other uses of ~ stay as they are (RFC: an invalid pointer) */
		OK("{}", "[{'op':'add','path':'/~2','value':1}]", "{'~2':1}"),
		OK("{}", "[{'op':'add','path':'/x~','value':1}]", "{'x~':1}"),
		/* the empty member name, and "-" on an object is a member name */
		OK("{'':'e'}", "[{'op':'replace','path':'/','value':1}]", "{'':1}"),
		OK("{'o':{}}", "[{'op':'add','path':'/o/-','value':1}]", "{'o':{'-':1}}"),
	};

	(void)state;
	check_patches(cases, ELEMENTSOF(cases));
}

static void test_render_json_patch__remove(void **state)
{
	static const struct patch_case cases[] = {
		OK("{'a':1,'n':null}", "[{'op':'remove','path':'/n'}]", "{'a':1}"),
		FAILS("{'a':1}", "[{'op':'remove','path':'/nope'}]", -ENOENT),
		OK("{'arr':[1,2,3]}", "[{'op':'remove','path':'/arr/2'}]", "{'arr':[1,2]}"),
		FAILS("{'arr':[1,2,3]}", "[{'op':'remove','path':'/arr/3'}]", -ENOENT),
		/* v4.12: negative and zero-padded indices */
		OK("{'arr':[1,2,3]}", "[{'op':'remove','path':'/arr/-1'}]", "{'arr':[1,2]}"),
		OK("{'arr':[1,2,3]}", "[{'op':'remove','path':'/arr/-3'}]", "{'arr':[2,3]}"),
		FAILS("{'arr':[1,2,3]}", "[{'op':'remove','path':'/arr/-4'}]", -ENOENT),
		OK("{'arr':[1,2,3]}", "[{'op':'remove','path':'/arr/01'}]", "{'arr':[1,3]}"),
		FAILS("{'arr':[]}", "[{'op':'remove','path':'/arr/-1'}]", -ENOENT),
		FAILS("{'arr':[1,2,3]}", "[{'op':'remove','path':'/arr/-'}]", -EINVAL),
		FAILS("{'arr':[1,2,3]}", "[{'op':'remove','path':'/arr/-99999999999999999999'}]",
		      -EINVAL),
		/* RFC and v4.12 alike: the root cannot be removed */
		FAILS("{'a':1}", "[{'op':'remove','path':''}]", -EINVAL),
	};

	(void)state;
	check_patches(cases, ELEMENTSOF(cases));
}

static void test_render_json_patch__replace(void **state)
{
	static const struct patch_case cases[] = {
		OK("{'a':1,'n':null}", "[{'op':'replace','path':'/n','value':2}]", "{'a':1,'n':2}"),
		/* v4.12: a missing member is added (RFC: an error) */
		OK("{'spec':{}}", "[{'op':'replace','path':'/spec/replicas','value':5}]",
		   "{'spec':{'replicas':5}}"),
		/* v4.12: no "value" writes null */
		OK("{'a':{'k':'v'}}", "[{'op':'replace','path':'/a'}]", "{'a':null}"),
		OK("{'arr':[1,2,3]}", "[{'op':'replace','path':'/arr/0'}]", "{'arr':[null,2,3]}"),
		/* arrays: existing elements only */
		OK("{'arr':[1,2,3]}", "[{'op':'replace','path':'/arr/2','value':9}]",
		   "{'arr':[1,2,9]}"),
		FAILS("{'arr':[1,2,3]}", "[{'op':'replace','path':'/arr/3','value':9}]", -ENOENT),
		FAILS("{'arr':[1,2,3]}", "[{'op':'replace','path':'/arr/-','value':9}]", -EINVAL),
		/* v4.12: negative, zero-padded and signed indices */
		OK("{'arr':[1,2,3]}", "[{'op':'replace','path':'/arr/-1','value':9}]",
		   "{'arr':[1,2,9]}"),
		OK("{'arr':[1,2,3]}", "[{'op':'replace','path':'/arr/-3','value':9}]",
		   "{'arr':[9,2,3]}"),
		FAILS("{'arr':[1,2,3]}", "[{'op':'replace','path':'/arr/-4','value':9}]", -ENOENT),
		OK("{'arr':[1,2,3]}", "[{'op':'replace','path':'/arr/002','value':9}]",
		   "{'arr':[1,2,9]}"),
		OK("{'arr':[1,2,3]}", "[{'op':'replace','path':'/arr/+2','value':9}]",
		   "{'arr':[1,2,9]}"),
		/* the whole document, by an object or an array (the latter: library only) */
		OK("{'a':1}",
		   "[{'op':'replace','path':'','value':{'q':1}},{'op':'test','path':'/q','value':1}]",
		   "{'q':1}"),
		OK("{'a':1}",
		   "[{'op':'replace','path':'','value':[5]},{'op':'add','path':'/0','value':2}]",
		   "[2,5]"),
		/* v4.12: by anything else, nothing happens (RFC: the document becomes the value) */
		OK("{'a':1}", "[{'op':'replace','path':'','value':5}]", "{'a':1}"),
		OK("{'a':1}", "[{'op':'replace','path':'','value':null}]", "{'a':1}"),
		/* kustomize crashes on the whole document without "value" */
		FAILS("{'a':1}", "[{'op':'replace','path':''}]", -EINVAL),
		FAILS("{'a':1}", "[{'op':'replace','path':'a','value':1}]", -EINVAL),
	};

	(void)state;
	check_patches(cases, ELEMENTSOF(cases));
}

static void test_render_json_patch__move(void **state)
{
	static const struct patch_case cases[] = {
		OK("{'a':1,'n':null}", "[{'op':'move','from':'/n','path':'/c'}]",
		   "{'a':1,'c':null}"),
		FAILS("{'a':1}", "[{'op':'move','from':'/nope','path':'/c'}]", -ENOENT),
		/* into itself: after the removal the destination is gone */
		FAILS("{'o':{'k':'v'}}", "[{'op':'move','from':'/o','path':'/o/sub'}]", -ENOENT),
		OK("{'o':{'k':'v'}}", "[{'op':'move','from':'/o','path':'/o'}]", "{'o':{'k':'v'}}"),
		OK("{'n':{'x':[1,{'y':2}],'z':null}}", "[{'op':'move','from':'/n/x','path':'/n'}]",
		   "{'n':[1,{'y':2}]}"),
		/* the destination index counts after the removal */
		OK("{'arr':[1,2,3]}", "[{'op':'move','from':'/arr/0','path':'/arr/2'}]",
		   "{'arr':[2,3,1]}"),
		FAILS("{'arr':[1,2,3]}", "[{'op':'move','from':'/arr/0','path':'/arr/3'}]",
		      -ENOENT),
		OK("{'arr':[1,2,3]}", "[{'op':'move','from':'/arr/-3','path':'/arr/-'}]",
		   "{'arr':[2,3,1]}"),
		FAILS("{'arr':[1,2,3]}", "[{'op':'move','from':'/arr/3','path':'/x'}]", -ENOENT),
		/* RFC and v4.12 alike: the root cannot be moved; v4.12: nor be the destination */
		FAILS("{'a':1}", "[{'op':'move','from':'','path':'/x'}]", -EINVAL),
		FAILS("{'a':{'b':1}}", "[{'op':'move','from':'/a','path':''}]", -EINVAL),
	};

	(void)state;
	check_patches(cases, ELEMENTSOF(cases));
}

static void test_render_json_patch__copy(void **state)
{
	static const struct patch_case cases[] = {
		/* v4.12: a missing member copies as null (RFC: an error) */
		OK("{'a':1}", "[{'op':'copy','from':'/nope','path':'/c'}]", "{'a':1,'c':null}"),
		OK("{'arr':[1]}", "[{'op':'copy','from':'/nope','path':'/arr/0'}]",
		   "{'arr':[null,1]}"),
		OK("{'n':null}", "[{'op':'copy','from':'/n','path':'/c'}]", "{'n':null,'c':null}"),
		FAILS("{'arr':[1,2,3]}", "[{'op':'copy','from':'/arr/3','path':'/c'}]", -ENOENT),
		OK("{'arr':[1,2,3],'o':{}}", "[{'op':'copy','from':'/arr/-1','path':'/o/c'}]",
		   "{'arr':[1,2,3],'o':{'c':3}}"),
		/* a copy, not a second reference */
		OK("{'objs':[{'a':1},{'a':2}]}",
		   "[{'op':'copy','from':'/objs/0','path':'/objs/-'},{'op':'replace','path':'/objs/2/a','value':9}]",
		   "{'objs':[{'a':1},{'a':2},{'a':9}]}"),
		OK("{'a':{'b':1}}", "[{'op':'copy','from':'/a','path':'/a/c'}]",
		   "{'a':{'b':1,'c':{'b':1}}}"),
		/* v4.12: not from or to the whole document (RFC: both allowed) */
		FAILS("{'a':1}", "[{'op':'copy','from':'','path':'/x'}]", -EINVAL),
		FAILS("{'o':{'k':1}}", "[{'op':'copy','from':'/o','path':''}]", -EINVAL),
	};

	(void)state;
	check_patches(cases, ELEMENTSOF(cases));
}

static void test_render_json_patch__test(void **state)
{
	static const struct patch_case cases[] = {
		OK("{'s':'str'}", "[{'op':'test','path':'/s','value':'str'}]", "{'s':'str'}"),
		FAILS("{'s':'str'}", "[{'op':'test','path':'/s','value':'nope'}]", -EPROTO),
		FAILS("{'t':true}", "[{'op':'test','path':'/t','value':1}]", -EPROTO),
		FAILS("{'t':true}", "[{'op':'test','path':'/t','value':'true'}]", -EPROTO),
		OK("{'arr':[1,2,3]}", "[{'op':'test','path':'/arr/-1','value':3}]",
		   "{'arr':[1,2,3]}"),
		FAILS("{'arr':[1,2,3]}", "[{'op':'test','path':'/arr/-1','value':2}]", -EPROTO),
		FAILS("{'arr':[1,2,3]}", "[{'op':'test','path':'/arr/5','value':1}]", -ENOENT),
		/* v4.12: a missing member, like a null one, passes a test for null */
		OK("{'a':1}", "[{'op':'test','path':'/nope','value':null}]", "{'a':1}"),
		OK("{'n':null}", "[{'op':'test','path':'/n','value':null}]", "{'n':null}"),
		FAILS("{'a':1}", "[{'op':'test','path':'/nope','value':1}]", -EPROTO),
		FAILS("{'s':'str'}", "[{'op':'test','path':'/s','value':null}]", -EPROTO),
		OK("{'l':[1,null]}", "[{'op':'test','path':'/l/1','value':null}]",
		   "{'l':[1,null]}"),
		/* without "value": kustomize crashes, except on a value that is there */
		FAILS("{'a':1}", "[{'op':'test','path':'/nope'}]", -EINVAL),
		FAILS("{'a':1}", "[{'op':'test','path':''}]", -EINVAL),
		FAILS("{'s':'str'}", "[{'op':'test','path':'/s'}]", -EPROTO),
		/* objects in any order; null members must match */
		OK("{'n':{'x':[1,{'y':2}],'z':null}}",
		   "[{'op':'test','path':'/n','value':{'z':null,'x':[1,{'y':2}]}}]",
		   "{'n':{'x':[1,{'y':2}],'z':null}}"),
		FAILS("{'n':{'x':1,'z':null}}", "[{'op':'test','path':'/n','value':{'x':1}}]",
		      -EPROTO),
		FAILS("{'o':{'k':'v'}}", "[{'op':'test','path':'/o','value':{'k':'v','q':null}}]",
		      -EPROTO),
		/* arrays in order */
		FAILS("{'b':[1,{'c':2}]}", "[{'op':'test','path':'/b','value':[{'c':2},1]}]",
		      -EPROTO),
		FAILS("{'b':[1,{'c':2}]}",
		      "[{'op':'test','path':'/b','value':{'0':1,'1':{'c':2}}}]", -EPROTO),
		FAILS("{'b':{'a':1}}", "[{'op':'test','path':'/b','value':[1]}]", -EPROTO),
		FAILS("{'a':1}", "[{'op':'test','path':'/a','value':{}}]", -EPROTO),
		/* the whole document */
		OK("{'b':[1,{'c':2}],'a':1}",
		   "[{'op':'test','path':'','value':{'a':1,'b':[1,{'c':2}]}}]",
		   "{'a':1,'b':[1,{'c':2}]}"),
		FAILS("{'b':[1,{'c':2}],'a':1}",
		      "[{'op':'test','path':'','value':{'a':1,'b':[{'c':2},1]}}]", -EPROTO),
		FAILS("{'a':1}", "[{'op':'test','path':'','value':null}]", -EPROTO),
		OK("[1,2,3]", "[{'op':'test','path':'','value':[1,2,3]}]", "[1,2,3]"),
		/* v4.12: the first token is not read here either */
		OK("{'s':'str'}", "[{'op':'test','path':'zz/s','value':'str'}]", "{'s':'str'}"),
		FAILS("{'s':'str'}", "[{'op':'test','path':'s','value':'str'}]", -EINVAL),
		/*
		 * v4.12 crashes when a comparison reaches null inside an array (kustomize:
		 * "invalid memory address or nil pointer dereference"); a difference found
		 * first is a plain failure.
		 */
		FAILS("{'l':[1,null]}", "[{'op':'test','path':'/l','value':[1,null]}]", -EINVAL),
		FAILS("{'o':{'l':[1,null],'a':1}}",
		      "[{'op':'test','path':'/o','value':{'a':1,'l':[1,null]}}]", -EINVAL),
		FAILS("{'l':[1,null]}", "[{'op':'test','path':'/l','value':[1]}]", -EPROTO),
		FAILS("{'l':[1,null]}", "[{'op':'test','path':'/l','value':[2,null]}]", -EPROTO),
	};

	(void)state;
	check_patches(cases, ELEMENTSOF(cases));
}

/*
 * Numbers compare as Go prints them: kustomize hands the library both the resource and a
 * YAML patch as encoding/json text, where a float with an integral value below 1e21 prints
 * as an integer.
 */
static void test_render_json_patch__test_numbers(void **state)
{
	static const struct patch_case cases[] = {
		OK("{'i':1}", "[{'op':'test','path':'/i','value':1.0}]", "{'i':1}"),
		OK("{'f':2.0}", "[{'op':'test','path':'/f','value':2}]", "{'f':2.0}"),
		OK("{'f':2.0}", "[{'op':'test','path':'/f','value':2.0}]", "{'f':2.0}"),
		OK("{'f':1.5}", "[{'op':'test','path':'/f','value':1.50}]", "{'f':1.5}"),
		FAILS("{'f':1.5}", "[{'op':'test','path':'/f','value':1}]", -EPROTO),
		OK("{'e':1e2}", "[{'op':'test','path':'/e','value':100}]", "{'e':100.0}"),
		FAILS("{'i':1}", "[{'op':'test','path':'/i','value':'1'}]", -EPROTO),
		FAILS("{'s':'1'}", "[{'op':'test','path':'/s','value':1}]", -EPROTO),
		OK("{'big':1e21}", "[{'op':'test','path':'/big','value':1e21}]", "{'big':1e21}"),
		OK("{'small':1e-7}", "[{'op':'test','path':'/small','value':0.0000001}]",
		   "{'small':1e-7}"),
		/* -0.0 prints as "-0" */
		FAILS("{'z':-0.0}", "[{'op':'test','path':'/z','value':0}]", -EPROTO),
		FAILS("{'z':-0.0}", "[{'op':'test','path':'/z','value':0.0}]", -EPROTO),
		OK("{'z':-0.0}", "[{'op':'test','path':'/z','value':-0.0}]", "{'z':-0.0}"),
		OK("{'z':0.0}", "[{'op':'test','path':'/z','value':0}]", "{'z':0.0}"),
		/* 2^60 prints as 1152921504606847000, its shortest round trip */
		OK("{'p':1152921504606846976.0}",
		   "[{'op':'test','path':'/p','value':1152921504606847000}]",
		   "{'p':1152921504606846976.0}"),
		FAILS("{'p':1152921504606846976.0}",
		      "[{'op':'test','path':'/p','value':1152921504606846976}]", -EPROTO),
		FAILS("{'i':1152921504606846976}",
		      "[{'op':'test','path':'/i','value':1152921504606846976.0}]", -EPROTO),
		/* 9007199254740993.0 is the double 9007199254740992 */
		OK("{'f':9007199254740993.0}",
		   "[{'op':'test','path':'/f','value':9007199254740992}]",
		   "{'f':9007199254740992.0}"),
		FAILS("{'f':9007199254740993.0}",
		      "[{'op':'test','path':'/f','value':9007199254740993}]", -EPROTO),
		OK("{'f':-3.0}", "[{'op':'test','path':'/f','value':-3}]", "{'f':-3.0}"),
		FAILS("{'f':-3.0}", "[{'op':'test','path':'/f','value':3}]", -EPROTO),
		FAILS("{'i':9223372036854775807}",
		      "[{'op':'test','path':'/i','value':9223372036854775807.0}]", -EPROTO),
		FAILS("{'i':-9223372036854775808}",
		      "[{'op':'test','path':'/i','value':-9223372036854775808.0}]", -EPROTO),
	};

	(void)state;
	check_patches(cases, ELEMENTSOF(cases));
}

static void test_render_json_patch__malformed(void **state)
{
	static const struct patch_case cases[] = {
		FAILS("{'a':1}", "[{'path':'/a','value':1}]", -EINVAL),
		FAILS("{'a':1}", "[{'op':null,'path':'/a','value':1}]", -EINVAL),
		FAILS("{'a':1}", "[{'op':1,'path':'/a','value':1}]", -EINVAL),
		FAILS("{'a':1}", "[{'op':'Add','path':'/a','value':1}]", -EINVAL),
		FAILS("{'a':1}", "[{'op':'frob','path':'/a'}]", -EINVAL),
		FAILS("{'a':1}", "[{'op':'add','value':1}]", -EINVAL),
		FAILS("{'a':1}", "[{'op':'add','path':null,'value':1}]", -EINVAL),
		FAILS("{'a':1}", "[{'op':'add','path':5,'value':1}]", -EINVAL),
		FAILS("{'a':1}", "[{'op':'remove'}]", -EINVAL),
		FAILS("{'a':1}", "[{'op':'copy','path':'/x'}]", -EINVAL),
		FAILS("{'a':1}", "[{'op':'move','path':'/x'}]", -EINVAL),
		FAILS("{'a':1}", "[{'op':'copy','from':1,'path':'/x'}]", -EINVAL),
		FAILS("{'a':1}", "[{'op':'copy','from':'/a'}]", -EINVAL),
		FAILS("{'a':1}", "[{'op':'move','from':'/a'}]", -EINVAL),
		FAILS("{'a':1}", "['add']", -EINVAL),
		FAILS("{'a':1}", "[null]", -EINVAL),
		FAILS("{'a':1}", "{'op':'add','path':'/b','value':1}", -EINVAL),
		/* all operations are decoded before the first applies */
		FAILS("{'a':1}", "[{'op':'test','path':'/a','value':2},'add']", -EINVAL),
		FAILS("'a'", "[]", -EINVAL),
		FAILS("null", "[]", -EINVAL),
		OK("{'a':1}", "[]", "{'a':1}"),
	};

	(void)state;
	check_patches(cases, ELEMENTSOF(cases));
}

static void test_render_json_patch__all_or_nothing(void **state)
{
	static const struct patch_case cases[] = {
		FAILS("{'a':1}",
		      "[{'op':'add','path':'/x','value':1},{'op':'remove','path':'/nope'}]",
		      -ENOENT),
		FAILS("{'a':1}",
		      "[{'op':'replace','path':'','value':{'b':2}},{'op':'test','path':'/b','value':3}]",
		      -EPROTO),
		FAILS("{'arr':[1,2,3]}",
		      "[{'op':'move','from':'/arr/0','path':'/arr/-'},{'op':'add','path':'/arr/9','value':1}]",
		      -ENOENT),
		FAILS("{'a':1}", "[{'op':'add','path':'/x','value':1},null]", -EINVAL),
	};

	(void)state;
	check_patches(cases, ELEMENTSOF(cases));
}

static void test_render_json_patch__error_messages(void **state)
{
	static const struct patch_case cases[] = {
		FAILS_WITH(
		        "{'a':1}",
		        "[{'op':'test','path':'/a','value':1},{'op':'add','path':'/b','value':2},{'op':'replace','path':'/spec/replicas','value':3}]",
		        -ENOENT, "operation 2 (replace /spec/replicas): path does not exist"),
		FAILS_WITH("{'a':1}", "[{'op':'test','path':'/a','value':2}]", -EPROTO,
		           "operation 0 (test /a): test failed"),
		FAILS_WITH("{'a':1}", "[{'op':'move','from':'/b','path':'/c'}]", -ENOENT,
		           "operation 0 (move from /b): from does not exist"),
		FAILS_WITH("{'a':1}", "[{'op':'copy','from':'/x/y','path':'/c'}]", -ENOENT,
		           "operation 0 (copy from /x/y): from does not exist"),
		FAILS_WITH("{'a':{'b':1}}", "[{'op':'move','from':'/a/b','path':'/x/y'}]", -ENOENT,
		           "operation 0 (move /x/y from /a/b): path does not exist"),
		FAILS_WITH("{'arr':[1,2,3]}", "[{'op':'add','path':'/arr/5','value':1}]", -ENOENT,
		           "operation 0 (add /arr/5): array index 5 is out of range (3 elements)"),
		FAILS_WITH("{'arr':[1,2,3]}", "[{'op':'remove','path':'/arr/x'}]", -EINVAL,
		           "operation 0 (remove /arr/x): 'x' is not an array index"),
		FAILS_WITH(
		        "{'arr':[1,2,3]}", "[{'op':'remove','path':'/arr/-'}]", -EINVAL,
		        "operation 0 (remove /arr/-): \"-\" (after the last element) can only be added to"),
		FAILS_WITH("{'a':1}", "[{'op':'add','path':'','value':1}]", -EINVAL,
		           "operation 0 (add \"\"): path cannot be the whole document"),
		FAILS_WITH("{'a':1}", "[{'op':'add','path':'a','value':1}]", -EINVAL,
		           "operation 0 (add a): path 'a' is not a JSON pointer"),
		FAILS_WITH("{'a':1}", "[{'op':'remove','path':'/a'},{'op':'frob'}]", -EINVAL,
		           "operation 1: unknown op 'frob'"),
		FAILS_WITH("{'a':1}", "[{'path':'/a'}]", -EINVAL, "operation 0: missing \"op\""),
		FAILS_WITH("{'a':1}", "[{'op':'add'}]", -EINVAL,
		           "operation 0 (add): missing \"path\""),
		FAILS_WITH("{'a':1}", "[{'op':'add','path':1}]", -EINVAL,
		           "operation 0 (add): \"path\" is not a string"),
		FAILS_WITH("{'a':1}", "[{'op':'test','path':'/a'}]", -EPROTO,
		           "operation 0 (test /a): test failed"),
		FAILS_WITH("{'a':1}", "[{'op':'test','path':'/b'}]", -EINVAL,
		           "operation 0 (test /b): missing \"value\""),
		FAILS_WITH("{'a':1}", "[{'op':'add','path':'/b','value':1},'x']", -EINVAL,
		           "operation 1: not an object"),
	};

	(void)state;
	check_patches(cases, ELEMENTSOF(cases));
}

static void test_render_json_patch__reterr_may_be_null(void **state)
{
	json_t *doc = json_test_load("{'a':1}"),
	       *ops = json_test_load("[{'op':'remove','path':'/b'}]");

	(void)state;
	assert_int_equal(render_json_patch(&doc, ops, NULL), -ENOENT);
	json_decref(ops);
	ops = json_test_load("[{'op':'remove','path':'/a'}]");
	assert_int_equal(render_json_patch(&doc, ops, NULL), 0);
	assert_int_equal(json_object_size(doc), 0);
	json_decref(ops);
	json_decref(doc);
}

/* The patch is copied in: changing the result later does not reach into ops. */
static void test_render_json_patch__values_are_copies(void **state)
{
	json_t *doc = json_test_load("{}"),
	       *ops = json_test_load("[{'op':'add','path':'/a','value':{'b':[1]}}]");
	struct error e = ERROR_INIT;

	(void)state;
	assert_int_equal(render_json_patch(&doc, ops, &e), 0);
	assert_int_equal(json_array_append_new(json_object_get(json_object_get(doc, "a"), "b"),
	                                       json_integer(2)),
	                 0);
	assert_int_equal(json_array_size(json_object_get(
	                         json_object_get(json_array_get(ops, 0), "value"), "b")),
	                 1);
	json_decref(ops);
	json_decref(doc);
}

struct merge_case {
	const char *target, *patch, *want;
};

static void check_merge(const struct merge_case *c)
{
	json_t *target = json_test_load(c->target), *patch = json_test_load(c->patch),
	       *want = json_test_load(c->want);
	json_t *target_before = json_deep_copy(target), *patch_before = json_deep_copy(patch);
	json_t *got = render_merge_patch(target, patch);
	char *got_text = dump(got), *want_text = dump(want);

	if (!json_equal(got, want) || !streq(got_text, want_text))
		fail_msg("merge %s into %s: expected %s, got %s", c->patch, c->target, want_text,
		         got_text);
	if (!json_equal(target, target_before) || !json_equal(patch, patch_before))
		fail_msg("merge %s into %s: an argument changed", c->patch, c->target);
	/* a new reference, sharing nothing with the arguments */
	if (!json_is_null(got)) {
		assert_true(got != target && got != patch);
		assert_int_equal(got->refcount, 1);
	}
	free(got_text);
	free(want_text);
	json_decref(got);
	json_decref(target_before);
	json_decref(patch_before);
	json_decref(target);
	json_decref(patch);
	json_decref(want);
}

static void test_render_merge_patch__rfc7386_appendix_a(void **state)
{
	static const struct merge_case cases[] = {
		{ "{'a':'b'}", "{'a':'c'}", "{'a':'c'}" },
		{ "{'a':'b'}", "{'b':'c'}", "{'a':'b','b':'c'}" },
		{ "{'a':'b'}", "{'a':null}", "{}" },
		{ "{'a':'b','b':'c'}", "{'a':null}", "{'b':'c'}" },
		{ "{'a':['b']}", "{'a':'c'}", "{'a':'c'}" },
		{ "{'a':'c'}", "{'a':['b']}", "{'a':['b']}" },
		{ "{'a':{'b':'c'}}", "{'a':{'b':'d','c':null}}", "{'a':{'b':'d'}}" },
		{ "{'a':[{'b':'c'}]}", "{'a':[1]}", "{'a':[1]}" },
		{ "['a','b']", "['c','d']", "['c','d']" },
		{ "{'a':'b'}", "['c']", "['c']" },
		{ "{'a':'foo'}", "null", "null" },
		{ "{'a':'foo'}", "'bar'", "'bar'" },
		{ "{'e':null}", "{'a':1}", "{'e':null,'a':1}" },
		{ "[1,2]", "{'a':'b','c':null}", "{'a':'b'}" },
		{ "{}", "{'a':{'bb':{'ccc':null}}}", "{'a':{'bb':{}}}" },
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++)
		check_merge(&cases[i]);
}

static void test_render_merge_patch__more(void **state)
{
	static const struct merge_case cases[] = {
		/* nulls inside arrays and inside objects in arrays are values, not deletions */
		{ "{'a':1}", "{'l':[null,{'x':null}]}", "{'a':1,'l':[null,{'x':null}]}" },
		/* deep merge, deletion of a missing member, replacement of a scalar by an object */
		{ "{'m':{'l':{'k':1,'j':2}},'s':3}",
		  "{'m':{'l':{'k':null,'n':{'o':null}}},'s':{'t':1},'q':null}",
		  "{'m':{'l':{'j':2,'n':{}}},'s':{'t':1}}" },
		{ "'x'", "{'a':1}", "{'a':1}" },
		{ "null", "{'a':null}", "{}" },
		{ "{'a':1}", "{}", "{'a':1}" },
		/* numbers stay as they are typed */
		{ "{'a':1}", "{'a':1.0}", "{'a':1.0}" },
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++)
		check_merge(&cases[i]);
}

static void test_render_merge_patch__result_is_independent(void **state)
{
	json_t *target = json_test_load("{'a':{'b':[1]},'c':{'d':1}}"),
	       *patch = json_test_load("{'e':{'f':[2]}}");
	json_t *got = render_merge_patch(target, patch);

	(void)state;
	assert_int_equal(json_array_append_new(json_object_get(json_object_get(got, "a"), "b"),
	                                       json_integer(3)),
	                 0);
	assert_int_equal(json_array_append_new(json_object_get(json_object_get(got, "e"), "f"),
	                                       json_integer(3)),
	                 0);
	assert_int_equal(json_array_size(json_object_get(json_object_get(target, "a"), "b")), 1);
	assert_int_equal(json_array_size(json_object_get(json_object_get(patch, "e"), "f")), 1);
	json_decref(got);
	json_decref(target);
	json_decref(patch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_json_patch__rfc6902_appendix_a),
		cmocka_unit_test(test_render_json_patch__add),
		cmocka_unit_test(test_render_json_patch__traversal),
		cmocka_unit_test(test_render_json_patch__pointer_escapes),
		cmocka_unit_test(test_render_json_patch__remove),
		cmocka_unit_test(test_render_json_patch__replace),
		cmocka_unit_test(test_render_json_patch__move),
		cmocka_unit_test(test_render_json_patch__copy),
		cmocka_unit_test(test_render_json_patch__test),
		cmocka_unit_test(test_render_json_patch__test_numbers),
		cmocka_unit_test(test_render_json_patch__malformed),
		cmocka_unit_test(test_render_json_patch__all_or_nothing),
		cmocka_unit_test(test_render_json_patch__error_messages),
		cmocka_unit_test(test_render_json_patch__reterr_may_be_null),
		cmocka_unit_test(test_render_json_patch__values_are_copies),
		cmocka_unit_test(test_render_merge_patch__rfc7386_appendix_a),
		cmocka_unit_test(test_render_merge_patch__more),
		cmocka_unit_test(test_render_merge_patch__result_is_independent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
