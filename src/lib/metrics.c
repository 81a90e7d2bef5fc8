// SPDX-License-Identifier: GPL-2.0-only
/*
 * Each metric keeps its series in an array, in the order they appeared, with
 * an open-addressing index over their label values, rebuilt when it grows
 * or when series expire.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "lib/keytable.h"
#include "lib/metrics.h"
#include "lib/utf8.h"

#define SEP '\x1f' /* between label values in a series key: no label value has it */

struct series {
	char *key; /* label values, SEP-separated */
	char *vbuf; /* the same, NUL-separated: values points into it */
	const char *values[NS_METRIC_MAX_LABELS];
	double value; /* counter, gauge */
	uint64_t *buckets; /* histogram: nbounds + 1, not cumulative */
	double sum;
	uint64_t count;
	uint64_t last_ns;
};

struct metric {
	const struct ns_metric_desc *desc;
	size_t nlabels;
	struct series *series;
	size_t n, cap;
	size_t *index; /* series number + 1; 0: empty */
	size_t slots;
	uint64_t folded;
};

struct ns_metrics {
	struct ns_metrics_opts opts;
	struct metric *metrics;
	size_t n;
};

struct ns_metrics *ns_metrics__new(const struct ns_metrics_opts *opts)
{
	struct ns_metrics *m = calloc(1, sizeof(*m));

	if (m && opts)
		m->opts = *opts;
	return m;
}

static void series_release(struct series *s)
{
	free(s->key);
	free(s->vbuf);
	free(s->buckets);
}

void ns_metrics__free(struct ns_metrics *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		for (size_t j = 0; j < m->metrics[i].n; j++)
			series_release(&m->metrics[i].series[j]);
		free(m->metrics[i].series);
		free(m->metrics[i].index);
	}
	free(m->metrics);
	free(m);
}

int ns_metrics__add(struct ns_metrics *m, const struct ns_metric_desc *desc)
{
	struct metric *grown;
	size_t nlabels = 0;

	while (desc->labels && desc->labels[nlabels])
		nlabels++;
	if (nlabels > NS_METRIC_MAX_LABELS || !desc->name || !desc->help ||
	    (desc->type == NS_METRIC_HISTOGRAM &&
	     (!desc->nbounds || desc->nbounds > NS_METRIC_MAX_BUCKETS)))
		return -EINVAL;
	grown = realloc(m->metrics, (m->n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	m->metrics = grown;
	memset(&m->metrics[m->n], 0, sizeof(m->metrics[m->n]));
	m->metrics[m->n].desc = desc;
	m->metrics[m->n].nlabels = nlabels;
	return (int)m->n++;
}

static uint64_t hash_key(const char *key)
{
	return ns_hash_bytes(key, strlen(key));
}

static int reindex(struct metric *mt, size_t slots)
{
	size_t *index = calloc(slots, sizeof(*index));

	if (!index)
		return -ENOMEM;
	free(mt->index);
	mt->index = index;
	mt->slots = slots;
	for (size_t r = 0; r < mt->n; r++) {
		size_t i = hash_key(mt->series[r].key) & (slots - 1);

		while (index[i])
			i = (i + 1) & (slots - 1);
		index[i] = r + 1;
	}
	return 0;
}

/* @values joined into a key, the foldable ones replaced by "other" if @fold. */
static char *make_key(const struct metric *mt, const char *const *values, bool fold)
{
	size_t len = 1;
	char *key, *p;

	for (size_t i = 0; i < mt->nlabels; i++) {
		const char *v = fold && (mt->desc->foldable & (1U << i)) ? NS_METRIC_OTHER :
				values[i]				 ? values[i] :
									   "";

		len += strlen(v) + 1;
	}
	key = malloc(len);
	if (!key)
		return NULL;
	p = key;
	for (size_t i = 0; i < mt->nlabels; i++) {
		const char *v = fold && (mt->desc->foldable & (1U << i)) ? NS_METRIC_OTHER :
				values[i]				 ? values[i] :
									   "";
		size_t n = strlen(v);

		memcpy(p, v, n);
		/* A label value with the separator in it is cut there. */
		for (size_t j = 0; j < n; j++)
			if (p[j] == SEP)
				p[j] = '_';
		p += n;
		*p++ = SEP;
	}
	*p = '\0';
	return key;
}

/* Puts series @r into the index, which has room. */
static void index_series(struct metric *mt, size_t r)
{
	size_t i = hash_key(mt->series[r].key) & (mt->slots - 1);

	while (mt->index[i])
		i = (i + 1) & (mt->slots - 1);
	mt->index[i] = r + 1;
}

static struct series *find(const struct metric *mt, const char *key)
{
	if (!mt->slots)
		return NULL;
	for (size_t i = hash_key(key) & (mt->slots - 1); mt->index[i];
	     i = (i + 1) & (mt->slots - 1))
		if (!strcmp(mt->series[mt->index[i] - 1].key, key))
			return &mt->series[mt->index[i] - 1];
	return NULL;
}

/* Takes @key (freed on failure). */
static struct series *insert(struct metric *mt, char *key)
{
	struct series *s;
	char *p;

	if (mt->n == mt->cap) {
		size_t cap = mt->cap ? mt->cap * 2 : 16;
		struct series *grown = realloc(mt->series, cap * sizeof(*grown));

		if (!grown)
			goto fail;
		mt->series = grown;
		mt->cap = cap;
	}
	if ((mt->n + 1) * 2 > mt->slots && reindex(mt, mt->slots ? mt->slots * 2 : 32))
		goto fail;
	s = &mt->series[mt->n];
	memset(s, 0, sizeof(*s));
	s->vbuf = strdup(key);
	if (mt->desc->type == NS_METRIC_HISTOGRAM)
		s->buckets = calloc(mt->desc->nbounds + 1, sizeof(*s->buckets));
	if (!s->vbuf || (mt->desc->type == NS_METRIC_HISTOGRAM && !s->buckets)) {
		series_release(s);
		goto fail;
	}
	s->key = key;
	p = s->vbuf;
	for (size_t i = 0; i < mt->nlabels; i++) {
		s->values[i] = p;
		p = strchr(p, SEP);
		*p++ = '\0';
	}
	index_series(mt, mt->n++);
	return s;
fail:
	free(key);
	return NULL;
}

/* The series for @values, made if missing, or the folded one if the metric is full. */
static struct series *series_for(struct ns_metrics *m, int idx, const char *const *values,
				 enum ns_metric_type type, uint64_t now_ns)
{
	struct metric *mt;
	struct series *s;
	char *key;
	bool fold = false;

	if (idx < 0 || (size_t)idx >= m->n || m->metrics[idx].desc->type != type)
		return NULL;
	mt = &m->metrics[idx];
	for (;;) {
		key = make_key(mt, values, fold);
		if (!key)
			return NULL;
		s = find(mt, key);
		if (s) {
			free(key);
			break;
		}
		/*
		 * One of the max_series is kept for the folded series. A metric
		 * with nothing to fold is bounded by what it counts (programs,
		 * loss causes): it keeps every series, and nothing is folded.
		 */
		if (fold || !m->opts.max_series || !mt->desc->foldable ||
		    mt->n + 1 < m->opts.max_series) {
			s = insert(mt, key);
			break;
		}
		free(key);
		mt->folded++;
		fold = true;
	}
	if (s)
		s->last_ns = now_ns;
	return s;
}

static bool wrong_kind(const struct ns_metrics *m, int idx, enum ns_metric_type type)
{
	return idx < 0 || (size_t)idx >= m->n || m->metrics[idx].desc->type != type;
}

int ns_metrics__inc(struct ns_metrics *m, int idx, const char *const *values, double by,
		    uint64_t now_ns)
{
	struct series *s = series_for(m, idx, values, NS_METRIC_COUNTER, now_ns);

	if (!s)
		return wrong_kind(m, idx, NS_METRIC_COUNTER) ? -EINVAL : -ENOMEM;
	s->value += by;
	return 0;
}

int ns_metrics__set(struct ns_metrics *m, int idx, const char *const *values, double v,
		    uint64_t now_ns)
{
	/* A counter may be set too: one that mirrors a monotonic count kept elsewhere. */
	enum ns_metric_type type = !wrong_kind(m, idx, NS_METRIC_COUNTER) ? NS_METRIC_COUNTER :
									    NS_METRIC_GAUGE;
	struct series *s = series_for(m, idx, values, type, now_ns);

	if (!s)
		return wrong_kind(m, idx, type) ? -EINVAL : -ENOMEM;
	s->value = v;
	return 0;
}

int ns_metrics__observe(struct ns_metrics *m, int idx, const char *const *values,
			const uint64_t *counts, double sum, uint64_t now_ns)
{
	struct series *s = series_for(m, idx, values, NS_METRIC_HISTOGRAM, now_ns);

	if (!s)
		return wrong_kind(m, idx, NS_METRIC_HISTOGRAM) ? -EINVAL : -ENOMEM;
	for (size_t i = 0; i <= m->metrics[idx].desc->nbounds; i++) {
		s->buckets[i] += counts[i];
		s->count += counts[i];
	}
	s->sum += sum;
	return 0;
}

size_t ns_metrics__expire(struct ns_metrics *m, uint64_t now_ns)
{
	size_t dropped = 0;

	if (!m->opts.ttl_ns)
		return 0;
	for (size_t i = 0; i < m->n; i++) {
		struct metric *mt = &m->metrics[i];
		size_t kept = 0;

		for (size_t j = 0; j < mt->n; j++) {
			if (now_ns - mt->series[j].last_ns > m->opts.ttl_ns) {
				series_release(&mt->series[j]);
				dropped++;
			} else {
				mt->series[kept++] = mt->series[j];
			}
		}
		if (kept != mt->n) {
			mt->n = kept;
			reindex(mt, mt->slots);
		}
	}
	return dropped;
}

size_t ns_metrics__count(const struct ns_metrics *m)
{
	return m->n;
}

const char *ns_metrics__name(const struct ns_metrics *m, int idx)
{
	return idx >= 0 && (size_t)idx < m->n ? m->metrics[idx].desc->name : NULL;
}

size_t ns_metrics__series(const struct ns_metrics *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n; i++)
		n += m->metrics[i].n;
	return n;
}

uint64_t ns_metrics__folded(const struct ns_metrics *m, int idx)
{
	return idx >= 0 && (size_t)idx < m->n ? m->metrics[idx].folded : 0;
}

/*
 * A label value, escaped as the text format wants (\\\\, \\" and \\n), and
 * valid UTF-8 as both formats require: a byte that is not is written as the
 * text \\xNN (its backslash escaped), so a process name cannot break a scrape.
 */
static void add_escaped(struct ns_strbuf *out, const char *v)
{
	size_t n = strlen(v);

	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = ns_utf8_decode((const unsigned char *)v + i, n - i, &cp);

		if (!k) {
			ns_strbuf_addf(out, "\\\\x%02x", (unsigned char)v[i++]);
			continue;
		}
		if (k == 1 && (v[i] == '\\' || v[i] == '"'))
			ns_strbuf_addc(out, '\\');
		if (k == 1 && v[i] == '\n')
			ns_strbuf_adds(out, "\\n");
		else
			ns_strbuf_add(out, v + i, k);
		i += k;
	}
}

/* {a="x",b="y"} with the constant labels, and @extra ("le") if given. */
static void add_labels(const struct ns_metrics *m, const struct metric *mt, const struct series *s,
		       const char *extra, const char *extra_value, struct ns_strbuf *out)
{
	const char *const *c = m->opts.const_labels;
	bool first = true;

	ns_strbuf_addc(out, '{');
	for (size_t i = 0; c && c[i] && c[i + 1]; i += 2) {
		ns_strbuf_addf(out, "%s%s=\"", first ? "" : ",", c[i]);
		add_escaped(out, c[i + 1]);
		ns_strbuf_addc(out, '"');
		first = false;
	}
	for (size_t i = 0; i < mt->nlabels; i++) {
		ns_strbuf_addf(out, "%s%s=\"", first ? "" : ",", mt->desc->labels[i]);
		add_escaped(out, s->values[i]);
		ns_strbuf_addc(out, '"');
		first = false;
	}
	if (extra)
		ns_strbuf_addf(out, "%s%s=\"%s\"", first ? "" : ",", extra, extra_value);
	ns_strbuf_addc(out, '}');
}

static void add_number(struct ns_strbuf *out, double v)
{
	if (isinf(v))
		ns_strbuf_adds(out, v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 1e15)
		ns_strbuf_addf(out, "%.0f", v);
	else
		ns_strbuf_addf(out, "%.9g", v);
}

static void render_series(const struct ns_metrics *m, const struct metric *mt,
			  const struct series *s, struct ns_strbuf *out)
{
	const char *name = mt->desc->name;
	uint64_t cumulative = 0;
	char le[32];

	if (mt->desc->type != NS_METRIC_HISTOGRAM) {
		ns_strbuf_adds(out, name);
		add_labels(m, mt, s, NULL, NULL, out);
		ns_strbuf_addc(out, ' ');
		add_number(out, s->value);
		ns_strbuf_addc(out, '\n');
		return;
	}
	for (size_t i = 0; i <= mt->desc->nbounds; i++) {
		cumulative += s->buckets[i];
		if (i < mt->desc->nbounds)
			snprintf(le, sizeof(le), "%.9g", mt->desc->bounds[i]);
		else
			strcpy(le, "+Inf");
		ns_strbuf_addf(out, "%s_bucket", name);
		add_labels(m, mt, s, "le", le, out);
		ns_strbuf_addf(out, " %llu\n", (unsigned long long)cumulative);
	}
	ns_strbuf_addf(out, "%s_sum", name);
	add_labels(m, mt, s, NULL, NULL, out);
	ns_strbuf_addc(out, ' ');
	add_number(out, s->sum);
	ns_strbuf_addf(out, "\n%s_count", name);
	add_labels(m, mt, s, NULL, NULL, out);
	ns_strbuf_addf(out, " %llu\n", (unsigned long long)s->count);
}

void ns_metrics__render(const struct ns_metrics *m, bool openmetrics, struct ns_strbuf *out)
{
	static const char *const types[] = { "counter", "gauge", "histogram" };

	for (size_t i = 0; i < m->n; i++) {
		const struct metric *mt = &m->metrics[i];
		const char *name = mt->desc->name;
		size_t len = strlen(name);

		/* OpenMetrics names a counter family without its _total suffix. */
		if (openmetrics && mt->desc->type == NS_METRIC_COUNTER && len > 6 &&
		    !strcmp(name + len - 6, "_total"))
			len -= 6;
		ns_strbuf_addf(out, "# HELP %.*s %s\n# TYPE %.*s %s\n", (int)len, name,
			       mt->desc->help, (int)len, name, types[mt->desc->type]);
		for (size_t j = 0; j < mt->n; j++)
			render_series(m, mt, &mt->series[j], out);
	}
	if (openmetrics)
		ns_strbuf_adds(out, "# EOF\n");
}
