/* LIST: all objects of a resource, page by page. */

#include "kube/kube.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "kube/internal.h"

void kube_url_escape(struct strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~", ch)) {
			strbuf_addch(sb, (char)ch);
			continue;
		}
		strbuf_addch(sb, '%');
		strbuf_addch(sb, hex[ch >> 4]);
		strbuf_addch(sb, hex[ch & 0xf]);
	}
}

void kube_collection_path(const struct kube_resource *res, const char *namespace, struct strbuf *sb)
{
	if (res->group && res->group[0])
		strbuf_addf(sb, "/apis/%s/%s", res->group, res->version);
	else
		strbuf_addf(sb, "/api/%s", res->version);
	if (namespace && res->is_namespaced) {
		strbuf_addstr(sb, "/namespaces/");
		kube_url_escape(sb, namespace);
	}
	strbuf_addch(sb, '/');
	strbuf_addstr(sb, res->name);
}

/* What KUBE_LIST_SLIM drops from an item. */
static void slim(json_t *item)
{
	json_t *metadata = json_object_get(item, "metadata");

	(void)json_object_del(item, "status");
	(void)json_object_del(metadata, "managedFields");
}

/* Move the items of one page onto items, with apiVersion and kind set. */
static int add_items(json_t *page, const char *path, const char *api_version, const char *kind,
                     unsigned flags, json_t *items, struct error *reterr)
{
	json_t *list = json_object_get(page, "items"), *item;
	size_t i;

	if (!json_is_array(list))
		return error_set(reterr, -EPROTO, "GET '%s': the answer has no items", path);
	json_array_foreach(list, i, item) {
		if (!json_is_object(item))
			return error_set(reterr, -EPROTO, "GET '%s': item %zu is not an object",
			                 path, i);
		if (flags & KUBE_LIST_SLIM)
			slim(item);
		if (json_object_set_new(item, "apiVersion", json_string(api_version)) < 0 ||
		    json_object_set_new(item, "kind", json_string(kind)) < 0 ||
		    json_array_append(items, item) < 0)
			return error_set(reterr, -ENOMEM, "GET '%s': out of memory", path);
	}
	return 0;
}

int kube_list(struct kube_client *c, const struct kube_resource *res, const char *namespace,
              const char *label_selector, json_t **ret_items, struct error *reterr)
{
	return kube_list_flags(c, res, namespace, label_selector, 0, ret_items, reterr);
}

int kube_list_flags(struct kube_client *c, const struct kube_resource *res, const char *namespace,
                    const char *label_selector, unsigned flags, json_t **ret_items,
                    struct error *reterr)
{
	_cleanup_(strbuf_release) struct strbuf base = STRBUF_INIT, path = STRBUF_INIT;
	_cleanup_free_ char *api_version = NULL, *token = NULL;
	json_auto_t *items = NULL;
	bool restarted = false;
	int r;

	assert(c && res && res->name && res->version && res->kind && ret_items);
	api_version = res->group && res->group[0] ? xasprintf("%s/%s", res->group, res->version) :
	                                            xstrdup(res->version);
	kube_collection_path(res, namespace, &base);
	strbuf_addf(&base, "?limit=%u", kube_client_list_limit(c));
	if (label_selector && label_selector[0]) {
		strbuf_addstr(&base, "&labelSelector=");
		kube_url_escape(&base, label_selector);
	}

	items = json_array();
	if (!items)
		return error_set(reterr, -ENOMEM, "out of memory");
	for (;;) {
		json_auto_t *page = NULL;
		const char *next;
		long status = 0;

		strbuf_reset(&path);
		strbuf_addbuf(&path, &base);
		if (token) {
			strbuf_addstr(&path, "&continue=");
			kube_url_escape(&path, token);
		}
		r = kube_client_request(c, "GET", path.buf, NULL, NULL, &status, &page, reterr);
		if (r < 0 && status == 410 && token && !restarted) {
			/* the continue token expired: the pages so far are stale, start over */
			error_clear(reterr);
			restarted = true;
			free(token);
			token = NULL;
			if (json_array_clear(items) < 0)
				return error_set(reterr, -ENOMEM, "out of memory");
			continue;
		}
		if (r < 0)
			return r;
		r = add_items(page, path.buf, api_version, res->kind, flags, items, reterr);
		if (r < 0)
			return r;
		next = json_string_value(
		        json_object_get(json_object_get(page, "metadata"), "continue"));
		free(token);
		token = next && next[0] ? xstrdup(next) : NULL;
		if (!token)
			break;
	}
	*ret_items = TAKE_PTR(items);
	return 0;
}
