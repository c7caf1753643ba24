/*
 * libxml2, loaded on first use (core/dl.h): the functions of it we call. Add a function
 * here, with its wrapper, before calling it anywhere.
 */

#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "aws/aws.h"
#include "core/dl.h"

/* clang-format off */
#define SYMBOLS(X) \
	X(__xmlParserVersion) \
	X(xmlReadMemory) \
	X(xmlDocGetRootElement) \
	X(xmlFreeDoc) \
	X(xmlGetLastError)
/* clang-format on */

DL_LIBRARY(xml2, DRIFTLESS_SONAME_LIBXML2, SYMBOLS);

const char **__xmlParserVersion(void)
{
	return DL_CALL(xml2, __xmlParserVersion)();
}

xmlDocPtr xmlReadMemory(const char *buffer, int size, const char *url, const char *encoding,
                        int options)
{
	return DL_CALL(xml2, xmlReadMemory)(buffer, size, url, encoding, options);
}

xmlNodePtr xmlDocGetRootElement(const xmlDoc *doc)
{
	return DL_CALL(xml2, xmlDocGetRootElement)(doc);
}

void xmlFreeDoc(xmlDocPtr cur)
{
	DL_CALL(xml2, xmlFreeDoc)(cur);
}

xmlErrorPtr xmlGetLastError(void)
{
	return DL_CALL(xml2, xmlGetLastError)();
}

int aws_load_library(struct error *reterr)
{
	return dl_library_load(&dl_library_xml2, reterr);
}
