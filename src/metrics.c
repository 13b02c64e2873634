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

static void count(struct wbw_metrics *m, uint8_t verdict, uint32_t dev, int err)
{
	for (size_t i = 0; i < m->nseries; i++) {
		struct wbw_metric_series *s = &m->series[i];

		if (s->verdict == verdict && s->dev == dev && s->err == err) {
			s->count++;
			return;
		}
	}
	if (m->nseries == WBW_METRICS_MAX_SERIES) {
		m->series_dropped++;
		return;
	}
	m->series[m->nseries++] = (struct wbw_metric_series){ verdict, dev, err, 1 };
}

void wbw_metrics__error(struct wbw_metrics *m, const struct wbw_error *e)
{
	count(m, WBW_V_KIND_MAX, e->bdev ? e->bdev : e->dev, e->err);
}

void wbw_metrics__verdict(struct wbw_metrics *m, const struct wbw_verdict *v)
{
	/* once decided: alerts fire on final verdicts (and UNSEEN pending at the end) */
	if (!wbw_verdict_decided(v))
		return;
	count(m, (uint8_t)v->kind, v->error->bdev ? v->error->bdev : v->error->dev, v->error->err);
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
