/* driftless fetch: bring the clone up to date with the configured source, and say so. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/time.h"
#include "doc/doc.h"
#include "source/source.h"
#include "sync/sync.h"

static void print_json(json_t *report)
{
	struct strbuf out = STRBUF_INIT;

	doc_json_dump(report, JSON_INDENT(2) | JSON_PRESERVE_ORDER, &out);
	strbuf_addch(&out, '\n');
	fwrite(out.buf, 1, out.len, stdout);
	strbuf_release(&out);
}

static void print_text(const struct sync_config *config, const struct source_fetch_result *res,
                       int r)
{
	_cleanup_free_ char *url = source_config_display_url(&config->source);
	char span[FORMAT_TIMESPAN_MAX];

	if (r < 0) {
		if (res->revision[0])
			printf("still using %s\n", res->revision);
		return;
	}
	printf("%s %s of %s at %s\n", source_ref_kind_to_string(config->source.ref_kind),
	       config->source.ref, url, res->revision);
	if (!streq(res->revision, res->previous))
		printf("  updated from %s\n", res->previous[0] ? res->previous : "(nothing)");
	else
		printf("  unchanged\n");
	if (res->transferred)
		printf("  received %llu objects, %llu bytes\n",
		       (unsigned long long)res->received_objects,
		       (unsigned long long)res->received_bytes);
	if (res->verified)
		printf("  signature: %s (%s key %s%s%s)\n",
		       source_signature_status_to_string(res->signature.status),
		       res->signature.format, res->signature.key,
		       res->signature.signer[0] ? ", " : "", res->signature.signer);
	printf("  took %s\n", format_timespan(span, sizeof(span), res->duration_usec));
}

int cli_fetch(int argc, char **argv)
{
	const struct cli_command *self = cli_command_find("fetch");
	const char *config_path = NULL;
	enum cli_output output = CLI_OUTPUT_TEXT;
	_cleanup_(sync_config_freep) struct sync_config *config = NULL;
	struct source_fetch_result res;
	json_t *report = NULL;
	struct error e = ERROR_INIT;
	int r;

	r = cli_parse_config_output(self, argc, argv, &config_path, &output, NULL);
	if (r >= 0)
		return r;
	if (optind < argc)
		return cli_usage_error(self, "unexpected argument '%s'", argv[optind]);

	r = sync_config_load(config_path, &config, &e);
	if (r < 0) {
		log_error_errno(r, "%s", error_message(&e));
		return CLI_EXIT_FAILURE;
	}
	r = source_load_library(&e);
	if (r < 0) {
		log_error_errno(r, "%s", error_message(&e));
		return CLI_EXIT_FAILURE;
	}
	r = sync_fetch(config, &res, &report, &e);
	if (r < 0)
		log_error_errno(r, "%s", error_message(&e));
	if (output == CLI_OUTPUT_JSON)
		print_json(report);
	else
		print_text(config, &res, r);
	json_decref(report);
	if (cli_flush_stdout() != CLI_EXIT_OK)
		return CLI_EXIT_FAILURE;
	return r < 0 ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
}
