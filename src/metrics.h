/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Prometheus text-format metrics (node_exporter's textfile collector reads
 * *.prom files from a directory).  Counting and formatting are pure; the
 * file is written atomically (temporary file, fsync, rename) so a scrape
 * never sees half of it.
 */
#ifndef WBW_METRICS_H
#define WBW_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "correlate.h"

#define WBW_METRICS_MAX_SERIES 1024

struct wbw_metric_series {
	uint8_t verdict; /* WBW_V_KIND_MAX: an error count, not a verdict */
	uint32_t dev;
	int err;
	uint64_t count;
};

struct wbw_metrics {
	struct wbw_metric_series series[WBW_METRICS_MAX_SERIES];
	size_t nseries;
	uint64_t series_dropped; /* label sets past the limit, counted not hidden */
	uint64_t lost[WBW_REC_KIND_MAX];
	uint64_t set_events;
	uint64_t observations;
	uint64_t tracked_files;
	uint64_t files_dropped; /* due files not tracked (bounded state) */
	uint64_t unreported_pending;
	uint64_t handovers;
	const char *version;
	const char *tp_mode;
};

void wbw_metrics__error(struct wbw_metrics *m, const struct wbw_error *e);
void wbw_metrics__verdict(struct wbw_metrics *m, const struct wbw_verdict *v);
/* Prometheus text format into buf; returns the length (truncated at len). */
size_t wbw_metrics__format(const struct wbw_metrics *m, char *buf, size_t len);
/* The same, malloc'ed, its length in *len; NULL when out of memory. */
char *wbw_metrics__render(const struct wbw_metrics *m, size_t *len);
/* Write atomically to path; 0 or -errno. */
int wbw_metrics__write(const struct wbw_metrics *m, const char *path);

#endif
