/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Sinks: one print_<kind>_plain() / print_<kind>_json() pair per record kind.
 * Knows output formats, not libbpf.  Every record is formatted completely
 * and written with one call.
 */
#ifndef WBW_OUTPUT_H
#define WBW_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "container.h"
#include "correlate.h"
#include "loader.h"
#include "mounts.h"

#define WBW_JSON_SCHEMA 1

/* the filesystems whose fsync results the start record lists, in this order */
#define WBW_FSYNC_FS_N 3
extern const char *const wbw_fsync_fs[WBW_FSYNC_FS_N];

struct wbw_start_info {
	const char *version;
	const char *kernel;
	const char *tp_mode; /* "raw_tp", "tp_btf" or "tracepoint" */
	const char *lifetime; /* how file lifetime is followed, e.g. "iter" */
	const char *hooks;    /* the --hooks choice in effect: "fentry" or "tracepoint" */
	uint32_t filter_dev;
	int filter_errno;
	uint32_t filter_pid;        /* 0: none */
	const char *filter_comm;    /* NULL: none */
	const char *filter_cgroup;  /* NULL: none */
	const char *filter_container; /* NULL: none */
	const char *listen;         /* --listen as given, NULL: none */
	uint64_t settle_ms;
	uint64_t ringbuf_bytes;
	/* start-up catch-up: errors older than the watch, and their open files due */
	uint64_t caught_up_errors;
	uint64_t caught_up_files;
	const char *priority; /* how the watcher waits for errors: "fifo", "nice" or "normal" */
	/* who first lists an error's files: "kernel" (a timer the error starts) or "watcher" */
	const char *first_look;
	/*
	 * Whether what fsync returns is seen on ext4, xfs and btrfs (the
	 * failed-fsync records and RETRIED need it), and why not when not
	 */
	bool fsync_seen[WBW_FSYNC_FS_N];
	const char *fsync_why[WBW_FSYNC_FS_N];
};

/* verdicts per kind and errno, counted as they are printed */
#define WBW_ERRNO_SLOTS 4096

struct wbw_summary {
	struct wbw_corr_stats corr;
	uint64_t lost[WBW_REC_KIND_MAX]; /* per record kind, counted in the kernel */
	uint64_t lost_total;
	uint64_t decode_errors;
	double duration_s;
};

struct wbw_output {
	FILE *out;
	bool json;
	bool broken; /* a write failed (EPIPE: reader went away) */
	int write_errno; /* why, once broken */
	struct wbw_mounts *mounts;
	int64_t realtime_offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC at start */
	bool header_done;
	/* the container of a cgroup id (NULL: none, or not in one); set by the caller */
	const struct wbw_container *(*container_of)(void *ctx, uint64_t cgroup_id);
	void *container_ctx;
	/*
	 * Is what fsync returns seen on filesystem type `fstype` (mountinfo's
	 * name), so that a told process's false-success retry would be RETRIED;
	 * NULL: not known (the verdict's retry_seen is null).  Set by the caller.
	 */
	bool (*fsync_seen)(void *ctx, const char *fstype);
	void *fsync_ctx;
	uint32_t verdicts[WBW_V_KIND_MAX][WBW_ERRNO_SLOTS];
};

void wbw_output__init(struct wbw_output *o, FILE *out, bool json, struct wbw_mounts *mounts,
		      int64_t realtime_offset_ns);
void wbw_output__start(struct wbw_output *o, const struct wbw_start_info *info);
void wbw_output__error(struct wbw_output *o, const struct wbw_error *e);
void wbw_output__observe(struct wbw_output *o, const struct wbw_observation *obs);
void wbw_output__fsync_failure(struct wbw_output *o, const struct wbw_fsync_failure *f);
void wbw_output__verdict(struct wbw_output *o, const struct wbw_verdict *v);
/* the human summary goes to `human` (stderr; NULL: none); JSON mode adds a record */
void wbw_output__summary(struct wbw_output *o, FILE *human, const struct wbw_summary *s);
/*
 * The one error path: a message on stderr, and in JSON mode also a "fatal"
 * record on stdout so that a consumer's stream ends with a reason.
 */
void wbw_output__fatal(struct wbw_output *o, int exit_status, const char *msg);

/* `wberrwatch scan`: one open file whose cursor lags an error on its mapping */
struct wbw_lagging_file {
	struct wbw_task task; /* the holder */
	int32_t fd;
	uint32_t dev;
	uint64_t ino;
	uint32_t cursor;
	uint32_t mapping_eseq;
	uint32_t f_mode;
	const char *path; /* from /proc/PID/fd/FD, or NULL */
	bool age_known;   /* a watcher was running when the error hit */
	uint64_t age_ns;
};
void wbw_output__lagging(struct wbw_output *o, const struct wbw_lagging_file *f);

/* `wberrwatch doctor`: to stdout, as text or one JSON object */
void wbw_output__doctor(struct wbw_output *o, const struct wbw_doctor *r);

/* "ENOSPC", or "E123" for a number without a name; 0 gives "" */
const char *wbw_errno_name(int err, char *buf, size_t len);

#endif
