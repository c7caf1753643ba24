/* The XML of the AWS Query protocol's replies, read into JSON (aws.h). */

#include "aws/aws.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/strbuf.h"

#define XML_MAX_DEPTH 64

static bool has_element_children(const xmlNode *node)
{
	for (const xmlNode *c = node->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return true;
	return false;
}

static json_t *convert(const xmlNode *node, unsigned depth)
{
	json_t *obj;

	if (!has_element_children(node)) {
		struct strbuf text = STRBUF_INIT;
		json_t *s;

		for (const xmlNode *c = node->children; c; c = c->next)
			if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
			    c->content)
				strbuf_addstr(&text, (const char *)c->content);
		s = json_stringn(text.buf ? text.buf : "", text.len);
		strbuf_release(&text);
		return s ? s : json_string("");
	}
	obj = json_object();
	if (depth >= XML_MAX_DEPTH)
		return obj;
	for (const xmlNode *c = node->children; c; c = c->next) {
		const char *name = (const char *)c->name;
		json_t *value, *seen;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		value = convert(c, depth + 1);
		seen = json_object_get(obj, name);
		if (!seen) {
			(void)json_object_set_new(obj, name, value);
		} else if (json_is_array(seen)) {
			/* convert() gives strings and objects: an array is a repeated name */
			(void)json_array_append_new(seen, value);
		} else {
			json_t *list = json_array();

			(void)json_array_append(list, seen);
			(void)json_array_append_new(list, value);
			(void)json_object_set_new(obj, name, list);
		}
	}
	return obj;
}

int aws_xml_parse(const char *data, size_t len, char **ret_root, json_t **ret, struct error *reterr)
{
	xmlDoc *doc;
	const xmlNode *root;
	int r;

	r = aws_load_library(reterr);
	if (r < 0)
		return r;
	if (len > INT_MAX)
		return error_set(reterr, -EFBIG, "XML reply too large");
	doc = xmlReadMemory(data, (int)len, "reply.xml", NULL,
	                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		const xmlError *e = xmlGetLastError();

		return error_set(reterr, -EBADMSG, "not XML: %s",
		                 e && e->message ? e->message : "unreadable");
	}
	root = xmlDocGetRootElement(doc);
	if (!root) {
		xmlFreeDoc(doc);
		return error_set(reterr, -EBADMSG, "not XML: no root element");
	}
	if (ret_root)
		*ret_root = xstrdup((const char *)root->name);
	*ret = convert(root, 0);
	xmlFreeDoc(doc);
	return 0;
}

json_t *aws_xml_list(json_t *container, const char *member)
{
	json_t *v = json_object_get(container, member);

	if (json_is_array(v))
		return json_incref(v);
	if (!v)
		return json_array();
	return json_pack("[O]", v);
}
