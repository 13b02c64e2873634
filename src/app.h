/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * What the commands that load the BPF programs (watch, run, scan) share:
 * the pipeline's state, the sinks the correlator calls, one round of the
 * poll loop, the metrics, and one cleanup.
 *
 *   loader (BPF, ring buffer) -> decoder -> correlator -> output sinks
 *
 * A command calls wbw_app__new() (options checked against the system),
 * wbw_app__load() (BPF loaded and attached), then for a watch
 * wbw_app__start(), wbw_app__poll() until it stops, wbw_app__finish(), and
 * always wbw_app__free().  libbpf stays behind loader.h.
 */
#ifndef WBW_APP_H
#define WBW_APP_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "cli.h"
#include "container.h"
#include "correlate.h"
#include "decode.h"
#include "loader.h"
#include "metrics.h"
#include "mounts.h"
#include "output.h"
#include "procfilter.h"

#ifndef WBW_VERSION
#define WBW_VERSION "unknown"
#endif

struct wbw_cgroup_tree;
struct wbw_httpd;

struct wbw_app {
	struct wbw_cli *cli;
	struct wbw_mounts mounts;
	struct wbw_decode_opts dec;
	struct wbw_corr *corr;
	struct wbw_output out;
	uint64_t decode_errors;
	struct wbw_loader *loader;
	uint64_t last_pass_ns;
	uint64_t pass_interval_ns; /* WBW_PASS_INTERVAL_NS, growing while nothing changes */
	uint64_t last_full_ns;     /* the last pass over every process */
	uint64_t last_full_took_ns; /* and how long it took */
	bool had_unseen;            /* an error was unseen at the last full pass */
	uint64_t last_tracked;     /* files tracked, and holders, after the last pass */
	size_t last_nholders;
	uint64_t full_passes, limited_passes, confirm_passes; /* passes made, by kind */
	bool lifetime_failed;
	bool watching; /* the last pass set mappings to watch: release hooks attached */
	int filter_errno;
	struct wbw_procfilter procs; /* --pid, --comm, --cgroup */
	struct wbw_cgroup_tree *cgroups;
	struct wbw_containers *containers; /* cgroup id -> container; NULL: no cgroup2 mounted */
	bool retry_on;
	/* run: only verdicts about the command's process tree count */
	bool run;
	uint64_t run_verdicts[WBW_V_KIND_MAX];
	bool writeback_complete; /* run: the command's data was written back in time */
	/* waits for errors at a raised priority (wbw_app__start): enum wbw_boost */
	int boosted;
	/* the kernel makes the first look at each error (wbw_loader__first_look) */
	bool kernel_look;
	uint64_t caught_up_errors, caught_up_files; /* older than the watch, found at start */
	struct wbw_output report; /* --report: JSON lines into a memory buffer */
	char *report_buf;
	size_t report_len;
	struct wbw_metrics metrics;
	const char *metrics_file;
	struct wbw_httpd *httpd; /* --listen */
	uint64_t last_metrics_ns;
	bool metrics_failed;
	uint64_t watched[WBW_WATCHED_MAX];
	uint32_t holders[WBW_HOLDERS_MAX];
};

/*
 * How the watcher waits for errors, so that its first look at an error's
 * files does not wait on the scheduler: at a real-time priority where it may
 * (CAP_SYS_NICE and RLIMIT_RTPRIO or root), else at the highest nice value.
 */
enum wbw_boost {
	WBW_BOOST_NONE,
	WBW_BOOST_NICE, /* WBW_WATCHER_NICE */
	WBW_BOOST_FIFO, /* SCHED_FIFO at WBW_WATCHER_RTPRIO */
};
#define WBW_WATCHER_NICE (-20)
#define WBW_WATCHER_RTPRIO 1 /* the lowest: above every normal task, below every other RT one */
/* While files are tracked, how often their descriptor tables are re-read. */
#define WBW_PASS_INTERVAL_NS (100ull * 1000 * 1000)
/*
 * ... at first: a pass that finds nothing changed (the same files due,
 * the same holders) doubles the interval up to this, a change puts it back
 * (issue 15: a daemon may keep a due log file open for weeks).
 */
#define WBW_PASS_INTERVAL_MAX_NS (1600ull * 1000 * 1000)
/* and no pass comes sooner than this many times its own duration after the last */
#define WBW_PASS_DUTY 40
/*
 * Passes limited to the holders: every this often one lists every process
 * all the same, so that a process sent a due file's descriptor (SCM_RIGHTS,
 * pidfd_getfd) is known as its holder (its exit then attributed as such)
 * before the sender lets go; the release itself is confirmed by a full
 * listing whenever a limited pass misses a file.
 */
#define WBW_FULL_PASS_INTERVAL_NS (30ull * 1000 * 1000 * 1000)
/* ... or, while a tracked error is unseen, at most 1/this of the time (src/app.c) */
#define WBW_FULL_PASS_DUTY 100

uint64_t wbw_now_ns(clockid_t clk);

/*
 * The options only the system can check (--mount, --pid, --cgroup,
 * --listen), and the output on stdout.  NULL with the message printed and
 * the exit status in *rc.
 */
struct wbw_app *wbw_app__new(struct wbw_cli *cli, int *rc);
/*
 * Stop signals caught, mount table read, BPF loaded and attached, the
 * correlator ready.  0, or an exit status with the message printed.
 */
int wbw_app__load(struct wbw_app *app);
/*
 * A watch begins: the lifetime programs loaded, the start record, the
 * first metrics, the banner on stderr.
 */
void wbw_app__start(struct wbw_app *app);
/* Keep only the capabilities the watch still needs (once attached, and the command forked). */
void wbw_app__drop_capabilities(const struct wbw_app *app);
/* SIGINT or SIGTERM came, or the reader of the output went away. */
bool wbw_app__stopping(const struct wbw_app *app);
/* run: the stop signal caught since the last call (for the command), or 0 */
int wbw_app__take_stop_signal(void);
/*
 * One round of the poll loop: wait up to timeout_ms for records (and
 * --listen's clients), hand them on, keep the lifetime and retry hooks and
 * the metrics up to date.  *now (may be NULL) is when it ended.  0, or an
 * exit status with the message printed.
 */
int wbw_app__poll(struct wbw_app *app, int timeout_ms, uint64_t *now);
/*
 * The end of a watch begun at t0: what the kernel queued still counts,
 * pending errors are flushed, the metrics written.  False when the output
 * broke; else the summary in *sum.
 */
bool wbw_app__finish(struct wbw_app *app, uint64_t t0, struct wbw_summary *sum);
void wbw_app__free(struct wbw_app *app);

#endif
