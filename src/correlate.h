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
 *
 * Verdicts: which open files were told about an error and which were not.
 * When an error hits, the caller lists the open files on its mapping
 * (wbw_corr__snapshot_begin, FILE events, wbw_corr__snapshot_end) and keeps
 * doing so while wbw_corr__needs_pass() says files are tracked.  A file open
 * for writing whose cursor is behind the error is due to be told; if it
 * disappears from every descriptor table before its cursor reaches the
 * error, it was released unreported.  With release events (fentry), each
 * tracked file's release comes as an event instead, with who released it.
 *
 * On NFS, close(2) tells its caller the errors its flush found (a CLOSE_TOLD
 * event): the file is REPORTED (via close) although its cursor stays behind.
 *
 * syncfs(2) tells its caller the filesystem's latest error through the
 * superblock's errseq and a cursor of the file it was called on
 * (f_sb_err), not through the mapping: a SYNCFS event makes the caller
 * told about every error on that filesystem recorded since that cursor was
 * last set, and its files on them are REPORTED (via syncfs), not
 * UNREPORTED.
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
	/* who last turned the inode dirty before the error: the writer, if known */
	bool writer_known;
	struct wbw_task writer;
	uint64_t writer_ts;
	const char *fs_path; /* path within the filesystem; NULL if unknown */
	/*
	 * fs_path where its filesystem was mounted when the path came (the
	 * error's time), NULL if unknown: a later unmount, or another
	 * filesystem mounted with the same device number, changes nothing
	 */
	const char *path;
	bool path_truncated;
	/*
	 * Non-zero: the error is on this block device's own mapping (its page
	 * cache: filesystem metadata, or writes to the device node), not on a
	 * file.  dev:ino are then the bdev pseudo-filesystem's.
	 */
	uint32_t bdev;
	uint64_t observations;
	/*
	 * When the first pass listing the mapping's open files ended (0: not
	 * yet, or nothing to list it by).  With --hooks=tracepoint a file
	 * released between the error and then is seen by nothing: the window.
	 */
	uint64_t first_look_ts;
	int32_t writers;          /* files open for writing when it hit, or -1 if unknown */
	uint32_t released_before_look; /* of those, not found by the first look */
	/*
	 * Found at start-up (wbw_corr__adopt): the error hit before the watch.
	 * first_ts is when it hit where a watcher timed it (hit_known), else
	 * when it was found; events, first_ctx and first_raw are unknown (0).
	 */
	bool predates_watch;
	bool hit_known;
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
	int32_t fd; /* the caller's descriptor for the file, or -1 */
	const char *fs_path;
};

/*
 * An fsync or fdatasync returned an error to its caller (ext4).  `error` is
 * the writeback error the same call's check told it (from_errseq), else
 * NULL: the filesystem failed the call itself (the inode, metadata buffers
 * or the parent directory could not be written), which no errseq records.
 */
struct wbw_fsync_failure {
	const struct wbw_error *error;
	bool from_errseq;
	uint64_t ts_ns;
	struct wbw_task task;
	uint32_t dev;
	uint64_t ino;
	uint64_t mapping;
	uint64_t file; /* 0 if not known */
	int32_t fd;    /* -1 if not known */
	int err;
	bool datasync;
	const char *fs_path;
};

enum wbw_verdict_kind {
	WBW_V_REPORTED = 0, /* a file was told about the error */
	WBW_V_UNREPORTED,   /* a file due to be told was released without it */
	WBW_V_UNSEEN,       /* no file was ever told */
	WBW_V_SUPERSEDED,   /* replaced by a newer error before anyone saw it */
	WBW_V_RETRIED,      /* told, then a later fsync succeeded with nothing rewritten */
	WBW_V_KIND_MAX,
};

enum wbw_release {
	WBW_RELEASE_NONE = 0,
	WBW_RELEASE_CLOSE, /* gone from its holder's descriptor table */
	WBW_RELEASE_EXIT,  /* its holder exited */
	/*
	 * Released before the first pass listed the mapping's files (iterator
	 * passes only): the kernel counted more files open for writing when the
	 * error hit (i_writecount) than the pass found; whose is unknown.
	 */
	WBW_RELEASE_BEFORE_LOOK,
};

/* How a REPORTED file was seen to be told. */
enum wbw_told_via {
	WBW_TOLD_CHECK = 0, /* file_check_and_advance_wb_err fired (fsync & co) */
	WBW_TOLD_CURSOR,    /* an iterator pass found its cursor at the error */
	WBW_TOLD_SYNCFS,    /* its process's syncfs(2) returned an error of the filesystem */
	/*
	 * Released untold, but its application knew: another of its files was
	 * told before the release (APPLICATION), or a later opener of the same
	 * application was told before the error was final (HANDOVER: since
	 * Linux 4.17 an error nobody has seen is reported to the next file
	 * opened and checked, and PostgreSQL's fsync queue relies on it).
	 */
	WBW_TOLD_APPLICATION,
	WBW_TOLD_HANDOVER,
	/*
	 * close(2) returned the error: NFS's flush checks the mapping's errseq
	 * without a tracepoint and without advancing the file's cursor
	 * (nfs_file_flush, nfs4_file_flush), so the return value is the telling.
	 */
	WBW_TOLD_CLOSE,
};

/*
 * Applications: verdicts about releases are judged per application, not per
 * descriptor.  A key from wbw_corr_opts.app_of; by default a task's cgroup
 * v2 (a systemd service, a container), or the process alone when it is in
 * the root cgroup (a host without per-service cgroups says nothing about
 * which processes belong together).
 */
#define WBW_APP_PROCESS_BIT (1ull << 63)
#define WBW_APP_PROCESS(pid) (WBW_APP_PROCESS_BIT | (uint64_t)(pid))
/* run: the command's process tree, one application */
#define WBW_APP_RUN_TREE (1ull << 62)
/* the root cgroup v2's id (kernfs gives the root directory id 1) */
#define WBW_CGROUP_ROOT_ID 1
uint64_t wbw_app_default(const struct wbw_task *t);

struct wbw_verdict {
	enum wbw_verdict_kind kind;
	const struct wbw_error *error;
	uint64_t ts_ns; /* when it was decided */
	/*
	 * UNSEEN is final once the inode left memory or the error was replaced;
	 * at the end of a watch a still-cached inode can yet be opened and told.
	 */
	bool final;
	/* REPORTED / UNREPORTED: the file */
	uint64_t file;
	uint32_t f_mode;
	uint32_t cursor;         /* the file's cursor when last seen */
	struct wbw_task holder;  /* told (REPORTED) or held it (UNREPORTED) */
	int32_t fd;              /* -1 if not known */
	unsigned nholders;       /* processes that shared it (fork, SCM_RIGHTS) */
	enum wbw_told_via told_via;
	/*
	 * WBW_TOLD_SYNCFS: the descriptor and struct file syncfs was called
	 * on, and the errno it returned (the filesystem's latest error, which
	 * need not be this one's: errseq keeps one value per superblock too).
	 * When the process had no tracked file due, the verdict's file is the
	 * one syncfs was called on.
	 */
	int32_t syncfs_fd;
	uint64_t syncfs_file;
	int syncfs_err;
	/* UNREPORTED */
	enum wbw_release released;
	struct wbw_task releaser;
	uint64_t released_ts;
	int32_t exit_code;
	/*
	 * UNSEEN: the value it was replaced from carried SEEN although no file
	 * we saw was told: checked elsewhere (a filesystem checks its block
	 * device's own mapping with a cursor of its own; or a lost record).
	 */
	bool checked_elsewhere;
	/* SUPERSEDED */
	const struct wbw_error *superseded_by;
	/*
	 * RETRIED: holder was told at told_ts; ts_ns is the false success.
	 * REPORTED via APPLICATION or HANDOVER: told_task of the holder's
	 * application was told at told_ts.
	 */
	uint64_t told_ts;
	struct wbw_task told_task;
	uint64_t app; /* REPORTED / UNREPORTED: the holder's application */
	/*
	 * UNREPORTED decided at a release is provisional (final false) while
	 * the application may yet be told: until the error is final (replaced
	 * after being seen, its inode evicted), the application has exited, or
	 * the handover window has passed (window_expired).  A handover after
	 * that comes as a REPORTED with `late` set.
	 */
	bool window_expired;
	bool late;
	/* a provisional verdict stated again at the end of a watch (text shows it then) */
	bool restated;
};

/*
 * Is the verdict decided, to be counted (summary, metrics, run's gate)?  A
 * provisional UNREPORTED is not yet, and one restated was counted (or not)
 * when it was first given.
 */
static inline bool wbw_verdict_decided(const struct wbw_verdict *v)
{
	return !v->restated && (v->final || v->kind != WBW_V_UNREPORTED);
}

struct wbw_corr_sink {
	void (*on_error)(void *ctx, const struct wbw_error *err);
	void (*on_observe)(void *ctx, const struct wbw_observation *obs);
	void (*on_verdict)(void *ctx, const struct wbw_verdict *v);
	void (*on_fsync_failure)(void *ctx, const struct wbw_fsync_failure *f);
	void *ctx;
};

struct wbw_corr_opts {
	uint64_t settle_ns;  /* report an error once its burst was quiet this long */
	size_t max_inodes;   /* inodes with state; the least recently used is dropped */
	size_t max_files;    /* tracked files at once; more are dropped (counted) */
	bool all_files;      /* track read-only files too */
	/*
	 * Releases arrive as RELEASE events (fentry/__fput): one pass lists an
	 * error's files when it hits, and a file missing from a later pass has
	 * not been released.  Without it (iterator polling), absence from a
	 * pass is the release.
	 */
	bool release_events;
	/* the application of a task; NULL: wbw_app_default() */
	uint64_t (*app_of)(void *ctx, const struct wbw_task *t);
	void *app_ctx;
	/* how long a release untold may wait for its application to be told; 0: until final */
	uint64_t handover_ns;
	/*
	 * Does the application still run?  One that is gone can be told
	 * nothing more: its waiting releases are final (checked at most once a
	 * second, and at the end).  NULL: assume it runs.
	 */
	bool (*app_alive)(void *ctx, uint64_t app);
};

#define WBW_CORR_DEFAULT_SETTLE_NS (200ull * 1000 * 1000)
#define WBW_CORR_DEFAULT_MAX_INODES (1u << 20)
/* about 120 bytes each: 262,144 due files are 32 MiB of state at most */
#define WBW_CORR_DEFAULT_MAX_FILES (1u << 18)
/*
 * PostgreSQL's checkpointer reopens and fsyncs a backend's files at the
 * next checkpoint: checkpoint_timeout is 5 minutes by default, and a
 * checkpoint spreads its writes over most of the next interval.
 */
#define WBW_CORR_DEFAULT_HANDOVER_NS (600ull * 1000 * 1000 * 1000)

struct wbw_corr_stats {
	uint64_t set_events;
	uint64_t observe_events;
	uint64_t path_events;
	uint64_t errors;
	uint64_t observations;
	uint64_t inodes;          /* inodes with state now */
	uint64_t inodes_dropped;  /* state dropped to stay under max_inodes */
	uint64_t files_dropped;   /* due files not tracked: over max_files, or out of memory */
	uint64_t inode_reuse;     /* same dev:ino seen with a new mapping */
	uint64_t verdicts[WBW_V_KIND_MAX]; /* final verdicts */
	uint64_t provisional;     /* releases untold whose application may yet be told */
	uint64_t handovers;       /* releases whose application was told after them */
	uint64_t tracked_files;   /* files being tracked now */
	uint64_t passes;          /* iterator passes consumed */
	uint64_t syncfs_events;   /* syncfs calls seen reporting an error */
	uint64_t close_told_events; /* close(2) calls seen returning a writeback error */
	/* failed fsync/fdatasync calls (ext4): their error from errseq, or not */
	uint64_t fsync_failures_errseq, fsync_failures_other;
	/* errors some of whose files were released before the first look, unseen */
	uint64_t looked_late;
};

struct wbw_corr;

struct wbw_corr *wbw_corr__new(const struct wbw_corr_opts *opts, const struct wbw_corr_sink *sink);
void wbw_corr__push(struct wbw_corr *c, const struct wbw_ev *ev);
/* report errors whose burst has been quiet since now_ns - settle_ns */
void wbw_corr__tick(struct wbw_corr *c, uint64_t now_ns);
/*
 * End of a watch: report pending errors, and give every error no file was
 * told about its UNSEEN verdict (not final: the inode may still be cached).
 * Provisional UNREPORTED verdicts are stated again (restated), or made
 * final when `apps_done`: the applications watched are gone (run's command
 * exited), so none of them can be told any more.
 */
void wbw_corr__flush(struct wbw_corr *c, bool apps_done);

/*
 * Start-up catch-up: an open file that a pass over every open file (scan's)
 * found lagging an error on its mapping, an error that hit before the watch
 * began.  The error is taken on as if it had just hit (predates_watch): the
 * next pass lists the mapping's files and the verdicts follow as for a live
 * one.  hit_ts: when it hit, as a watcher timed it, or 0; fs_path: the
 * file's path within its filesystem (no path record comes for it), or NULL.  Returns true when
 * the error is new to the correlator (a second file on it adds nothing).
 */
bool wbw_corr__adopt(struct wbw_corr *c, const struct wbw_ev *file_ev, uint64_t hit_ts,
		     const char *fs_path);

/*
 * Iterator passes over open files: begin, FILE events, end.  begin fills
 * `watched` with the mappings the pass must list (new errors, and errors
 * with files still due) and returns how many; end concludes exactly those:
 * an error that arrives while the pass runs waits for the next one.
 */
size_t wbw_corr__snapshot_begin(struct wbw_corr *c, uint64_t *watched, size_t max);
void wbw_corr__snapshot_end(struct wbw_corr *c, uint64_t now_ns);
/*
 * Between begin and end: would this pass conclude anything from absence (a
 * file still due that no record of this pass listed, or an error's first
 * look)?  A pass limited to the known holders must then list every process
 * before it ends, so that absence means what it means after a full pass.
 */
bool wbw_corr__pass_missing(const struct wbw_corr *c);
/*
 * Is an error with files still due unseen (no check told anyone)?  Then a
 * process that opens the file now is due as well (errseq reports an unseen
 * error to the next opener): only a pass over every process finds it.
 */
bool wbw_corr__unseen_tracked(const struct wbw_corr *c);
/* Is a pass due: a new error not yet listed, or files still tracked? */
bool wbw_corr__needs_pass(const struct wbw_corr *c);
bool wbw_corr__has_new_error(const struct wbw_corr *c);
/* Are files tracked, or errors waiting for their first pass (release hook needed)? */
bool wbw_corr__tracking(const struct wbw_corr *c);
/*
 * Watches for a false success: a process told an error by its fsync that
 * has not written to the inode since.  The kernel arms an inode when it
 * tells; retry_disarmed() hands out (once) the inodes with no watch left,
 * for the kernel to forget.  retry_active(): errors are pending or watched,
 * so the retry hooks must be attached.
 */
size_t wbw_corr__retry_disarmed(struct wbw_corr *c, uint64_t *out, size_t max);
bool wbw_corr__retry_active(const struct wbw_corr *c);

/* Processes holding tracked files (for exit attribution); returns count. */
size_t wbw_corr__holders(const struct wbw_corr *c, uint32_t *out, size_t max);

const char *wbw_verdict_name(enum wbw_verdict_kind k);
void wbw_corr__stats(const struct wbw_corr *c, struct wbw_corr_stats *st);
void wbw_corr__free(struct wbw_corr *c);

#endif
