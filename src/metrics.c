// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "atomicfile.h"
#include "decode.h"
#include "metrics.h"
#include "output.h"

/* add n to a series, made if new (a full table counts the label set as dropped once) */
static void count(struct wbw_metrics *m, uint8_t verdict, uint32_t dev, int err, uint64_t n)
{
	for (size_t i = 0; i < m->nseries; i++) {
		struct wbw_metric_series *s = &m->series[i];

		if (s->verdict == verdict && s->dev == dev && s->err == err) {
			s->count += n;
			return;
		}
	}
	if (m->nseries == WBW_METRICS_MAX_SERIES) {
		m->series_dropped++;
		return;
	}
	m->series[m->nseries++] = (struct wbw_metric_series){ verdict, dev, err, n };
}

void wbw_metrics__error(struct wbw_metrics *m, const struct wbw_error *e)
{
	uint32_t dev = e->bdev ? e->bdev : e->dev;

	count(m, WBW_V_KIND_MAX, dev, e->err, 1);
	/*
	 * Every verdict this error may get, at 0 from now on: a counter that
	 * appears only at 1 has no earlier sample, and rate() and increase()
	 * miss its first increment.
	 */
	for (uint8_t k = 0; k < WBW_V_KIND_MAX; k++)
		count(m, k, dev, e->err, 0);
}

static void count_container(struct wbw_metrics *m, uint8_t verdict, const struct wbw_container *c)
{
	char name[sizeof(c->name)];

	/* a container without a name is labelled by its short id, as runtimes print it */
	snprintf(name, sizeof(name), "%.*s", c->name[0] ? (int)sizeof(name) - 1 : 12,
		 c->name[0] ? c->name : c->id);
	for (size_t i = 0; i < m->ncontainers; i++) {
		struct wbw_container_series *s = &m->containers[i];

		if (s->verdict == verdict && !strcmp(s->ns, c->ns) && !strcmp(s->pod, c->pod) &&
		    !strcmp(s->name, name)) {
			s->count++;
			return;
		}
	}
	if (m->ncontainers == WBW_METRICS_MAX_CONTAINER_SERIES) {
		m->series_dropped++;
		return;
	}
	struct wbw_container_series *s = &m->containers[m->ncontainers++];

	s->verdict = verdict;
	snprintf(s->ns, sizeof(s->ns), "%s", c->ns);
	snprintf(s->pod, sizeof(s->pod), "%s", c->pod);
	memcpy(s->name, name, sizeof(s->name));
	s->count = 1;
}

void wbw_metrics__verdict(struct wbw_metrics *m, const struct wbw_verdict *v,
			  const struct wbw_container *c)
{
	/* once decided: alerts fire on final verdicts (and UNSEEN pending at the end) */
	if (!wbw_verdict_decided(v))
		return;
	count(m, (uint8_t)v->kind, v->error->bdev ? v->error->bdev : v->error->dev, v->error->err, 1);
	if (c)
		count_container(m, (uint8_t)v->kind, c);
}

struct sink {
	char *buf;
	size_t len, used;
};

static void put(struct sink *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s->buf + s->used, s->used < s->len ? s->len - s->used : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		s->used += (size_t)n;
}

static void header(struct sink *s, const char *name, const char *type, const char *help)
{
	put(s, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* a label value: backslash, double quote and newline escaped (the text format's rule) */
static void value(struct sink *s, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			put(s, "\\%c", *v);
		else if (*v == '\n')
			put(s, "\\n");
		else
			put(s, "%c", *v);
	}
}

static void labels(struct sink *s, const struct wbw_metric_series *x)
{
	char ebuf[16];

	put(s, "device=\"%u:%u\",errno=\"%s\"", wbw_dev_major(x->dev), wbw_dev_minor(x->dev),
	    x->err ? wbw_errno_name(x->err, ebuf, sizeof(ebuf)) : "unknown");
}

size_t wbw_metrics__format(const struct wbw_metrics *m, char *buf, size_t len)
{
	struct sink s = { buf, len, 0 };

	header(&s, "wberrwatch_writeback_errors_total", "counter",
	       "Writeback errors recorded, one per inode and errseq value.");
	for (size_t i = 0; i < m->nseries; i++) {
		if (m->series[i].verdict != WBW_V_KIND_MAX)
			continue;
		put(&s, "wberrwatch_writeback_errors_total{");
		labels(&s, &m->series[i]);
		put(&s, "} %llu\n", (unsigned long long)m->series[i].count);
	}
	header(&s, "wberrwatch_verdicts_total", "counter",
	       "Verdicts on writeback errors: which files were told.");
	for (size_t i = 0; i < m->nseries; i++) {
		if (m->series[i].verdict == WBW_V_KIND_MAX)
			continue;
		put(&s, "wberrwatch_verdicts_total{verdict=\"%s\",",
		    wbw_verdict_name(m->series[i].verdict));
		labels(&s, &m->series[i]);
		put(&s, "} %llu\n", (unsigned long long)m->series[i].count);
	}
	header(&s, "wberrwatch_container_verdicts_total", "counter",
	       "Verdicts about processes in containers, by pod, namespace and container.");
	for (size_t i = 0; i < m->ncontainers; i++) {
		const struct wbw_container_series *c = &m->containers[i];

		put(&s, "wberrwatch_container_verdicts_total{verdict=\"%s\",namespace=\"",
		    wbw_verdict_name(c->verdict));
		value(&s, c->ns);
		put(&s, "\",pod=\"");
		value(&s, c->pod);
		put(&s, "\",container=\"");
		value(&s, c->name);
		put(&s, "\"} %llu\n", (unsigned long long)c->count);
	}
	header(&s, "wberrwatch_records_lost_total", "counter",
	       "Records the kernel could not queue because the ring buffer was full.");
	for (int k = 1; k < WBW_REC_KIND_MAX; k++)
		put(&s, "wberrwatch_records_lost_total{kind=\"%s\"} %llu\n", wbw_rec_kind_key(k),
		    (unsigned long long)m->lost[k]);
	header(&s, "wberrwatch_set_events_total", "counter",
	       "filemap_set_wb_err events received (failed I/O completions).");
	put(&s, "wberrwatch_set_events_total %llu\n", (unsigned long long)m->set_events);
	header(&s, "wberrwatch_observations_total", "counter",
	       "Times an open file was told about an error (file_check_and_advance_wb_err).");
	put(&s, "wberrwatch_observations_total %llu\n", (unsigned long long)m->observations);
	header(&s, "wberrwatch_tracked_files", "gauge",
	       "Open files due to be told about an error, being followed now.");
	put(&s, "wberrwatch_tracked_files %llu\n", (unsigned long long)m->tracked_files);
	header(&s, "wberrwatch_tracked_files_dropped_total", "counter",
	       "Due files not tracked to keep the watcher's memory bounded (their verdicts are missing).");
	put(&s, "wberrwatch_tracked_files_dropped_total %llu\n",
	    (unsigned long long)m->files_dropped);
	header(&s, "wberrwatch_unreported_pending", "gauge",
	       "Files released untold whose application may yet be told (provisional UNREPORTED).");
	put(&s, "wberrwatch_unreported_pending %llu\n", (unsigned long long)m->unreported_pending);
	header(&s, "wberrwatch_handovers_total", "counter",
	       "Files released untold whose application was told later (REPORTED via handover).");
	put(&s, "wberrwatch_handovers_total %llu\n", (unsigned long long)m->handovers);
	header(&s, "wberrwatch_failed_fsyncs_total", "counter",
	       "fsync/fdatasync calls that returned an error (ext4), by where the error came from.");
	put(&s, "wberrwatch_failed_fsyncs_total{source=\"errseq\"} %llu\n",
	    (unsigned long long)m->failed_fsyncs_errseq);
	put(&s, "wberrwatch_failed_fsyncs_total{source=\"other\"} %llu\n",
	    (unsigned long long)m->failed_fsyncs_other);
	header(&s, "wberrwatch_metric_series_dropped_total", "counter",
	       "Label sets not counted because the series limit was reached.");
	put(&s, "wberrwatch_metric_series_dropped_total %llu\n",
	    (unsigned long long)m->series_dropped);
	header(&s, "wberrwatch_build_info", "gauge", "Version and program kind of the watcher.");
	put(&s, "wberrwatch_build_info{version=\"%s\",tp_mode=\"%s\"} 1\n",
	    m->version ? m->version : "", m->tp_mode ? m->tp_mode : "");
	return s.used;
}

char *wbw_metrics__render(const struct wbw_metrics *m, size_t *len)
{
	size_t cap = 65536, n;
	char *buf = malloc(cap);

	if (!buf)
		return NULL;
	n = wbw_metrics__format(m, buf, cap);
	if (n >= cap) {
		free(buf);
		cap = n + 1;
		buf = malloc(cap);
		if (!buf)
			return NULL;
		n = wbw_metrics__format(m, buf, cap);
	}
	*len = n;
	return buf;
}

int wbw_metrics__write(const struct wbw_metrics *m, const char *path)
{
	size_t n;
	char *buf = wbw_metrics__render(m, &n);
	int err;

	if (!buf)
		return -ENOMEM;
	/* the textfile collector reads only *.prom: the temporary is never scraped */
	err = wbw_write_file_atomic(path, buf, n);
	free(buf);
	return err;
}
