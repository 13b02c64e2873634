/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Correlator: decoded events in, errors and observations out.  Pure C: no
 * libbpf, no I/O, time only from the events and from wbw_corr__tick().
 *
 * One failed writeback burst fires many filemap_set_wb_err events for one
 * mapping (one per failed I/O completion, from softirq/kworker context).
 * They all carry the same errseq value after the set, so the correlator
 * folds them into one wbw_error per (inode, errseq value) with a count, and
 * hands it to the sink once the burst has been quiet for `settle_ns`, or
 * earlier when a file observes it or a newer error replaces it.
 */
#ifndef WBW_CORRELATE_H
#define WBW_CORRELATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "decode.h"

struct wbw_error {
	uint64_t id;      /* 1, 2, ... in order of first event */
	uint32_t dev;
	uint64_t ino;
	uint64_t mapping; /* 0 if not known */
	uint32_t eseq;    /* mapping's errseq after the set, SEEN clear; 0 if unknown */
	uint32_t first_raw; /* the tracepoint's own errseq field on the first event */
	int err;          /* errno; 0 if not (yet) known */
	uint64_t first_ts;
	uint64_t last_ts;
	uint64_t events;  /* set events folded into this error */
	/* task the first event ran in: it completed the I/O, it did not write it */
	struct wbw_task first_ctx;
	const char *fs_path; /* path within the filesystem; NULL if unknown */
	bool path_truncated;
	uint64_t observations;
	bool emitted;
};

struct wbw_observation {
	const struct wbw_error *error; /* NULL: error predates the watch or is unknown */
	uint64_t ts_ns;
	struct wbw_task task;
	uint32_t dev;
	uint64_t ino;
	uint64_t mapping;
	uint64_t file;
	uint32_t old;
	uint32_t new_cursor;
	int err; /* errno reported to the caller, 0 if none */
	uint32_t f_mode;
	uint32_t f_flags;
	const char *fs_path;
};

struct wbw_corr_sink {
	void (*on_error)(void *ctx, const struct wbw_error *err);
	void (*on_observe)(void *ctx, const struct wbw_observation *obs);
	void *ctx;
};

struct wbw_corr_opts {
	uint64_t settle_ns;  /* report an error once its burst was quiet this long */
	size_t max_inodes;   /* inodes with state; the least recently used is dropped */
};

#define WBW_CORR_DEFAULT_SETTLE_NS (200ull * 1000 * 1000)
#define WBW_CORR_DEFAULT_MAX_INODES (1u << 20)

struct wbw_corr_stats {
	uint64_t set_events;
	uint64_t observe_events;
	uint64_t path_events;
	uint64_t errors;
	uint64_t observations;
	uint64_t inodes;          /* inodes with state now */
	uint64_t inodes_dropped;  /* state dropped to stay under max_inodes */
	uint64_t inode_reuse;     /* same dev:ino seen with a new mapping */
};

struct wbw_corr;

struct wbw_corr *wbw_corr__new(const struct wbw_corr_opts *opts, const struct wbw_corr_sink *sink);
void wbw_corr__push(struct wbw_corr *c, const struct wbw_ev *ev);
/* report errors whose burst has been quiet since now_ns - settle_ns */
void wbw_corr__tick(struct wbw_corr *c, uint64_t now_ns);
/* report everything still pending (end of a watch) */
void wbw_corr__flush(struct wbw_corr *c);
void wbw_corr__stats(const struct wbw_corr *c, struct wbw_corr_stats *st);
void wbw_corr__free(struct wbw_corr *c);

#endif
