/*
 * libxml2, loaded on first use (core/dl.h): the functions of it we call. Add a function
 * here, with its wrapper, before calling it anywhere.
 */

#include <libxml/globals.h>

#include "aws/aws.h"
#include "core/dl.h"

#define SYMBOLS(X) X(__xmlParserVersion)

DL_LIBRARY(xml2, DRIFTLESS_SONAME_LIBXML2, SYMBOLS);

const char **__xmlParserVersion(void)
{
	return DL_CALL(xml2, __xmlParserVersion)();
}

int aws_load_library(struct error *reterr)
{
	return dl_library_load(&dl_library_xml2, reterr);
}
