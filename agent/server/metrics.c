/* Metrics in the Prometheus text exposition format, 0.0.4 (server.h). */

#include "server/server.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/strbuf.h"
#include "core/strv.h"

struct series {
	char **values; /* label values, as many as the family's labels */
	double value;  /* counter or gauge; the sum of a histogram */
	uint64_t count;
	uint64_t *bucket_counts; /* per bucket, not cumulative */
};

struct family {
	char *name;
	char *help;
	enum server_metric_type type;
	char **labels;
	double *buckets;
	size_t n_buckets;
	struct series *series;
	size_t n_series;
};

struct server_metrics {
	pthread_mutex_t lock;
	struct family *families;
	size_t n_families;
};

struct server_metrics *server_metrics_new(void)
{
	struct server_metrics *m = xcalloc(1, sizeof(*m));

	pthread_mutex_init(&m->lock, NULL);
	return m;
}

struct server_metrics *server_metrics_free(struct server_metrics *m)
{
	if (!m)
		return NULL;
	for (size_t i = 0; i < m->n_families; i++) {
		struct family *f = &m->families[i];

		for (size_t j = 0; j < f->n_series; j++) {
			strv_free(f->series[j].values);
			free(f->series[j].bucket_counts);
		}
		free(f->series);
		free(f->name);
		free(f->help);
		strv_free(f->labels);
		free(f->buckets);
	}
	free(m->families);
	pthread_mutex_destroy(&m->lock);
	free(m);
	return NULL;
}

void server_metrics_declare(struct server_metrics *m, const char *name, const char *help,
                            enum server_metric_type type, const char *const *labels,
                            const double *buckets, size_t n_buckets)
{
	struct family *f;

	assert(type != SERVER_METRIC_HISTOGRAM || n_buckets > 0);
	pthread_mutex_lock(&m->lock);
	m->families = xreallocarray(m->families, m->n_families + 1, sizeof(*m->families));
	f = &m->families[m->n_families++];
	*f = (struct family){
		.name = xstrdup(name),
		.help = xstrdup(help),
		.type = type,
		.labels = strv_copy((char *const *)labels),
	};
	if (type == SERVER_METRIC_HISTOGRAM) {
		f->buckets = xmemdup(buckets, n_buckets * sizeof(*buckets));
		f->n_buckets = n_buckets;
	}
	pthread_mutex_unlock(&m->lock);
}

static struct family *find_family(struct server_metrics *m, const char *name)
{
	for (size_t i = 0; i < m->n_families; i++)
		if (streq(m->families[i].name, name))
			return &m->families[i];
	return NULL;
}

static struct series *get_series(struct family *f, const char *const *values)
{
	size_t n = strv_length(f->labels);
	struct series *s;

	for (size_t i = 0; i < f->n_series; i++) {
		bool is_same = true;

		for (size_t j = 0; j < n && is_same; j++)
			is_same = streq(f->series[i].values[j], values[j]);
		if (is_same)
			return &f->series[i];
	}
	f->series = xreallocarray(f->series, f->n_series + 1, sizeof(*f->series));
	s = &f->series[f->n_series++];
	*s = (struct series){ .values = xcalloc(n + 1, sizeof(char *)) };
	for (size_t j = 0; j < n; j++)
		s->values[j] = xstrdup(values[j]);
	if (f->type == SERVER_METRIC_HISTOGRAM)
		s->bucket_counts = xcalloc(f->n_buckets, sizeof(uint64_t));
	return s;
}

enum op {
	OP_ADD,     /* counter or gauge */
	OP_SET,     /* gauge */
	OP_OBSERVE, /* histogram */
};

/* Apply v to the series of name with label values (as many as declared). */
static void update(struct server_metrics *m, const char *name, const char *const *values, double v,
                   enum op op)
{
	struct family *f;
	struct series *s;

	pthread_mutex_lock(&m->lock);
	f = find_family(m, name);
	assert(f);
	assert(op == OP_OBSERVE ? f->type == SERVER_METRIC_HISTOGRAM :
	       op == OP_SET     ? f->type == SERVER_METRIC_GAUGE :
	                          f->type != SERVER_METRIC_HISTOGRAM);
	s = get_series(f, values);
	if (op == OP_OBSERVE) {
		for (size_t i = 0; i < f->n_buckets; i++)
			if (v <= f->buckets[i]) {
				s->bucket_counts[i]++;
				break;
			}
		s->value += v;
		s->count++;
	} else if (op == OP_SET) {
		s->value = v;
	} else {
		s->value += v;
	}
	pthread_mutex_unlock(&m->lock);
}

void server_metrics_add(struct server_metrics *m, const char *name, const char *const *values,
                        double v)
{
	update(m, name, values, v, OP_ADD);
}

void server_metrics_set(struct server_metrics *m, const char *name, const char *const *values,
                        double v)
{
	update(m, name, values, v, OP_SET);
}

void server_metrics_observe(struct server_metrics *m, const char *name, const char *const *values,
                            double v)
{
	update(m, name, values, v, OP_OBSERVE);
}

void server_metrics_replace(struct server_metrics *m, const char *name, const char *const *values,
                            double v)
{
	struct family *f;
	size_t kept = 0;

	pthread_mutex_lock(&m->lock);
	f = find_family(m, name);
	assert(f && f->type == SERVER_METRIC_GAUGE && f->labels && f->labels[0]);
	for (size_t i = 0; i < f->n_series; i++) {
		struct series *s = &f->series[i];

		if (streq(s->values[0], values[0])) {
			strv_free(s->values);
			continue;
		}
		f->series[kept++] = *s;
	}
	f->n_series = kept;
	get_series(f, values)->value = v;
	pthread_mutex_unlock(&m->lock);
}

/* --- the text format --- */

static void add_escaped(struct strbuf *out, const char *s, bool is_label)
{
	for (; *s; s++) {
		if (*s == '\\')
			strbuf_addstr(out, "\\\\");
		else if (*s == '\n')
			strbuf_addstr(out, "\\n");
		else if (*s == '"' && is_label)
			strbuf_addstr(out, "\\\"");
		else
			strbuf_addch(out, *s);
	}
}

static void add_number(struct strbuf *out, double v)
{
	if (isnan(v))
		strbuf_addstr(out, "NaN");
	else if (isinf(v))
		strbuf_addstr(out, v > 0 ? "+Inf" : "-Inf");
	else if (v == (double)(long long)v && fabs(v) < 1e15)
		strbuf_addf(out, "%lld", (long long)v);
	else
		strbuf_addf(out, "%.17g", v);
}

/* name{labels...,extra_name="extra_value"} */
static void add_sample_name(struct strbuf *out, const struct family *f, const char *suffix,
                            const struct series *s, const char *extra_name, const char *extra_value)
{
	bool is_first = true;

	strbuf_addstr(out, f->name);
	strbuf_addstr(out, suffix);
	for (size_t i = 0; f->labels && f->labels[i]; i++) {
		strbuf_addstr(out, is_first ? "{" : ",");
		strbuf_addf(out, "%s=\"", f->labels[i]);
		add_escaped(out, s->values[i], true);
		strbuf_addch(out, '"');
		is_first = false;
	}
	if (extra_name) {
		strbuf_addf(out, "%s%s=\"%s\"", is_first ? "{" : ",", extra_name, extra_value);
		is_first = false;
	}
	if (!is_first)
		strbuf_addch(out, '}');
	strbuf_addch(out, ' ');
}

static void render_histogram(struct strbuf *out, const struct family *f, const struct series *s)
{
	uint64_t cumulative = 0;

	for (size_t i = 0; i < f->n_buckets; i++) {
		struct strbuf le = STRBUF_INIT;

		cumulative += s->bucket_counts[i];
		add_number(&le, f->buckets[i]);
		add_sample_name(out, f, "_bucket", s, "le", le.buf);
		strbuf_addf(out, "%llu\n", (unsigned long long)cumulative);
		strbuf_release(&le);
	}
	add_sample_name(out, f, "_bucket", s, "le", "+Inf");
	strbuf_addf(out, "%llu\n", (unsigned long long)s->count);
	add_sample_name(out, f, "_sum", s, NULL, NULL);
	add_number(out, s->value);
	strbuf_addch(out, '\n');
	add_sample_name(out, f, "_count", s, NULL, NULL);
	strbuf_addf(out, "%llu\n", (unsigned long long)s->count);
}

void server_metrics_render(struct server_metrics *m, struct strbuf *out)
{
	static const char *const types[] = {
		[SERVER_METRIC_COUNTER] = "counter",
		[SERVER_METRIC_GAUGE] = "gauge",
		[SERVER_METRIC_HISTOGRAM] = "histogram",
	};

	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->n_families; i++) {
		const struct family *f = &m->families[i];

		strbuf_addf(out, "# HELP %s ", f->name);
		add_escaped(out, f->help, false);
		strbuf_addf(out, "\n# TYPE %s %s\n", f->name, types[f->type]);
		for (size_t j = 0; j < f->n_series; j++) {
			const struct series *s = &f->series[j];

			if (f->type == SERVER_METRIC_HISTOGRAM) {
				render_histogram(out, f, s);
				continue;
			}
			add_sample_name(out, f, "", s, NULL, NULL);
			add_number(out, s->value);
			strbuf_addch(out, '\n');
		}
	}
	pthread_mutex_unlock(&m->lock);
}
