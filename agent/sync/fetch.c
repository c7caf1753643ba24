/* One fetch of the config repository, recorded in the state directory. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "core/time.h"
#include "source/source.h"
#include "state/state.h"
#include "sync/internal.h"
#include "sync/sync.h"

char *sync_config_source_state_path(const struct sync_config *c)
{
	return xstrjoin(c->state_dir, "/source.json", NULL);
}

static json_t *signature_json(const struct source_signature *s)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "status",
	                 source_signature_status_to_string(s->status), "format", s->format, "key",
	                 s->key, "signer", s->signer, "reason", s->reason);
}

json_t *sync_now_rfc3339(void)
{
	char buf[FORMAT_TIMESTAMP_MAX];

	if (!format_timestamp(buf, sizeof(buf), now_usec(CLOCK_REALTIME)))
		return json_null();
	return json_string(buf);
}

static json_t *report(const struct sync_config *c, const struct source_fetch_result *res, int r,
                      const struct error *e)
{
	_cleanup_free_ char *url = source_config_display_url(&c->source);
	json_t *o;

	o = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:b, s:b, s:I, s:I, s:i, s:f, s:o}", "url",
	              url, "kind", source_ref_kind_to_string(c->source.ref_kind), "ref",
	              c->source.ref, "revision", res->revision[0] ? res->revision : NULL,
	              "previous", res->previous[0] ? res->previous : NULL, "remote",
	              res->remote[0] ? res->remote : NULL, "changed",
	              !streq(res->revision, res->previous), "transferred", res->transferred,
	              "objects", (json_int_t)res->received_objects, "bytes",
	              (json_int_t)res->received_bytes, "attempts", (int)res->attempts,
	              "duration_seconds", (double)res->duration_usec / USEC_PER_SEC, "checked_at",
	              sync_now_rfc3339());
	if (res->verified)
		json_object_set_new(o, "signature", signature_json(&res->signature));
	if (r < 0)
		json_object_set_new(o, "error", json_string(e->message));
	return o;
}

int sync_fetch(const struct sync_config *c, struct source_fetch_result *ret, json_t **ret_report,
               struct error *reterr)
{
	_cleanup_free_ char *repo_dir = sync_config_repo_dir(c);
	_cleanup_free_ char *state = sync_config_source_state_path(c);
	struct error e = ERROR_INIT, we = ERROR_INIT;
	json_t *o;
	int r;

	r = source_fetch(&c->source, repo_dir, ret, &e);
	o = report(c, ret, r, &e);
	if (state_write_object(state, o, &we) < 0)
		log_warning("Failed to record the fetch in %s: %s", state, error_message(&we));
	if (ret_report)
		*ret_report = o;
	else
		json_decref(o);
	if (r < 0 && reterr)
		*reterr = e;
	return r;
}
