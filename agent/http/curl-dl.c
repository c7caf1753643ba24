/*
 * libcurl, loaded on first use (core/dl.h): the functions of it we call. Add a function
 * here, with its wrapper, before calling it anywhere.
 *
 * curl_easy_setopt() and curl_easy_getinfo() are variadic: their wrappers take the
 * argument as the type the option's number says (CURLOPTTYPE_*, CURLINFO_*) and pass it on
 * with that type. Their names are in parentheses because curl/curl.h makes them
 * type-checking macros under gcc.
 */

#include <stdarg.h>

#include <curl/curl.h>

#include "core/dl.h"
#include "http/http.h"

/* clang-format off */
#define SYMBOLS(X) \
	X(curl_version_info) \
	X(curl_global_init) \
	X(curl_easy_init) \
	X(curl_easy_cleanup) \
	X(curl_easy_setopt) \
	X(curl_easy_getinfo) \
	X(curl_easy_perform) \
	X(curl_easy_strerror) \
	X(curl_slist_append) \
	X(curl_slist_free_all)
/* clang-format on */

DL_LIBRARY(curl, DRIFTLESS_SONAME_LIBCURL, SYMBOLS);

curl_version_info_data *curl_version_info(CURLversion v)
{
	return DL_CALL(curl, curl_version_info)(v);
}

CURLcode curl_global_init(long flags)
{
	return DL_CALL(curl, curl_global_init)(flags);
}

CURL *curl_easy_init(void)
{
	return DL_CALL(curl, curl_easy_init)();
}

void curl_easy_cleanup(CURL *curl)
{
	DL_CALL(curl, curl_easy_cleanup)(curl);
}

CURLcode(curl_easy_setopt)(CURL *curl, CURLoption option, ...)
{
	CURLcode (*real)(CURL *, CURLoption, ...) = DL_CALL(curl, curl_easy_setopt);
	CURLcode r;
	va_list ap;

	va_start(ap, option);
	if (option < CURLOPTTYPE_OBJECTPOINT)
		r = real(curl, option, va_arg(ap, long));
	else if (option < CURLOPTTYPE_FUNCTIONPOINT)
		/* OBJECTPOINT, STRINGPOINT, SLISTPOINT and CBPOINT share one range */
		r = real(curl, option, va_arg(ap, void *));
	else if (option < CURLOPTTYPE_OFF_T)
		r = real(curl, option, va_arg(ap, void (*)(void)));
	else if (option < CURLOPTTYPE_BLOB)
		r = real(curl, option, va_arg(ap, curl_off_t));
	else if (option < CURLOPTTYPE_BLOB + 10000)
		r = real(curl, option, va_arg(ap, struct curl_blob *));
	else
		r = CURLE_UNKNOWN_OPTION;
	va_end(ap);
	return r;
}

CURLcode(curl_easy_getinfo)(CURL *curl, CURLINFO info, ...)
{
	CURLcode (*real)(CURL *, CURLINFO, ...) = DL_CALL(curl, curl_easy_getinfo);
	CURLcode r;
	va_list ap;

	va_start(ap, info);
	switch (info & CURLINFO_TYPEMASK) {
	case CURLINFO_STRING:
		r = real(curl, info, va_arg(ap, char **));
		break;
	case CURLINFO_LONG:
		r = real(curl, info, va_arg(ap, long *));
		break;
	case CURLINFO_DOUBLE:
		r = real(curl, info, va_arg(ap, double *));
		break;
	case CURLINFO_SLIST: /* also CURLINFO_PTR */
		r = real(curl, info, va_arg(ap, struct curl_slist **));
		break;
	case CURLINFO_SOCKET:
		r = real(curl, info, va_arg(ap, curl_socket_t *));
		break;
	case CURLINFO_OFF_T:
		r = real(curl, info, va_arg(ap, curl_off_t *));
		break;
	default:
		r = CURLE_UNKNOWN_OPTION;
		break;
	}
	va_end(ap);
	return r;
}

CURLcode curl_easy_perform(CURL *curl)
{
	return DL_CALL(curl, curl_easy_perform)(curl);
}

const char *curl_easy_strerror(CURLcode code)
{
	return DL_CALL(curl, curl_easy_strerror)(code);
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *s)
{
	return DL_CALL(curl, curl_slist_append)(list, s);
}

void curl_slist_free_all(struct curl_slist *list)
{
	DL_CALL(curl, curl_slist_free_all)(list);
}

int http_load_library(struct error *reterr)
{
	return dl_library_load(&dl_library_curl, reterr);
}
