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
#include "container.h"
#include "correlate.h"

#define WBW_METRICS_MAX_SERIES 1024
/*
 * Per-container verdict series (verdict, namespace, pod, container): pods
 * come and go, so their number is bounded; label sets past it are counted
 * in wberrwatch_metric_series_dropped_total.
 */
#define WBW_METRICS_MAX_CONTAINER_SERIES 256

struct wbw_container_series {
	uint8_t verdict;
	char ns[64], pod[254], name[254];
	uint64_t count;
};

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
	struct wbw_container_series containers[WBW_METRICS_MAX_CONTAINER_SERIES];
	size_t ncontainers;
	uint64_t lost[WBW_REC_KIND_MAX];
	uint64_t set_events;
	uint64_t observations;
	uint64_t tracked_files;
	uint64_t files_dropped; /* due files not tracked (bounded state) */
	uint64_t unreported_pending;
	uint64_t handovers;
	uint64_t failed_fsyncs_errseq, failed_fsyncs_other;
	const char *version;
	const char *tp_mode;
};

/* An error; its device and errno get every verdict's series, at 0 until counted. */
void wbw_metrics__error(struct wbw_metrics *m, const struct wbw_error *e);
/* c: the container of the process the verdict is about, or NULL */
void wbw_metrics__verdict(struct wbw_metrics *m, const struct wbw_verdict *v,
			  const struct wbw_container *c);
/* Prometheus text format into buf; returns the length (truncated at len). */
size_t wbw_metrics__format(const struct wbw_metrics *m, char *buf, size_t len);
/* The same, malloc'ed, its length in *len; NULL when out of memory. */
char *wbw_metrics__render(const struct wbw_metrics *m, size_t *len);
/* Write atomically to path; 0 or -errno. */
int wbw_metrics__write(const struct wbw_metrics *m, const char *path);

#endif
