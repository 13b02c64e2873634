/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Loader: everything that touches libbpf.  Checks what the kernel offers,
 * picks the programs (bpf_program__set_autoload), loads, attaches, and hands
 * raw ring-buffer records to a callback.  Knows no output format.
 */
#ifndef WBW_LOADER_H
#define WBW_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cli.h"
#include "wberrwatch.h"

typedef int (*wbw_record_fn)(void *ctx, const void *data, size_t len);

struct wbw_loader_opts {
	enum wbw_tp_mode tp_mode;
	enum wbw_hooks hooks; /* how file releases are seen */
	uint32_t filter_dev;
	int filter_errno;
	uint64_t ringbuf_bytes;
	bool verbose;
	bool name_writers; /* attach the writer hook with the lifetime programs */
	bool track_tree;   /* `run`: follow a command's process tree (sched_process_fork) */
	/*
	 * doctor: probe and load every release program the kernel allows, not
	 * only the one the hooks chose (a watch loads just that one)
	 */
	bool all_release_hooks;
	wbw_record_fn on_record;
	void *ctx;
};

/* Why loading failed: an exit status from enum wbw_exit and what to do. */
struct wbw_loader_diag {
	int exit_status;
	char msg[768];
};

struct wbw_loader;

/* Check the kernel and privileges, load and attach.  NULL on failure. */
struct wbw_loader *wbw_loader__new(const struct wbw_loader_opts *opts, struct wbw_loader_diag *d);
/* A descriptor that polls readable when records are queued (the ring buffer's epoll fd). */
int wbw_loader__fd(const struct wbw_loader *l);
/*
 * scan: when error `eseq` (SEEN ignored) hit `mapping`, as recorded by a
 * watcher running at the time (CLOCK_MONOTONIC ns).  1 found, 0 not known.
 */
int wbw_loader__error_time(struct wbw_loader *l, uint64_t mapping, uint32_t eseq, uint64_t *ts_ns);
/* scan: how many running watchers' error times it can read */
int wbw_loader__watchers(struct wbw_loader *l);
/* Deliver every record already queued, without waiting; records handled or -errno. */
int wbw_loader__drain(struct wbw_loader *l);
/* Records the kernel could not queue because the ring buffer was full. */
void wbw_loader__lost(const struct wbw_loader *l, uint64_t lost[WBW_REC_KIND_MAX]);
/*
 * The kernel's first look at an error's files (lifetime.bpf.c,
 * first_look_arm; Linux 6.7+): in use or not, and what it did.
 */
struct wbw_first_look {
	bool kernel;         /* attached: the kernel looks at each error's files */
	char why_not[160];   /* when the kernel has the iterators but the look failed */
	uint64_t looks, slices, files, dropped;
	uint64_t ns_max;   /* the longest look, from its first slice to its last */
	uint64_t work_max; /* the most softirq time one look took, its slices together */
	uint64_t abandoned; /* looks given up after WBW_LOOK_SLICES_MAX slices */
};

void wbw_loader__first_look(const struct wbw_loader *l, struct wbw_first_look *fl);
/* "raw_tp", "tp_btf" or "tracepoint": which programs are attached */
const char *wbw_loader__tp_mode(const struct wbw_loader *l);
/*
 * Is what fsync/fdatasync returns seen on filesystem type `fstype`
 * (mountinfo's name): the failed-fsync records and RETRIED need it.  ext4:
 * its ext4_sync_file_exit tracepoint; xfs, btrfs: fexit on their fsync
 * (--hooks=fentry, the module loaded at start).  When not, *why (if
 * non-NULL) says why.
 */
bool wbw_loader__fsync_seen(const struct wbw_loader *l, const char *fstype, const char **why);
/*
 * The release hooks chosen: WBW_HOOKS_KERNEL (the kernel's own
 * file_release_unreported_wb_err event, patches/0001) or WBW_HOOKS_FENTRY
 * (fentry/__fput), both giving releases as WBW_REC_RELEASE records, or
 * WBW_HOOKS_TRACEPOINT (iterator passes: a file gone from a pass was
 * released; exits from sched_process_exit).
 */
enum wbw_hooks wbw_loader__hooks(const struct wbw_loader *l);

/*
 * One pass over the open files of every process (iter/task_file), listing
 * those on `mappings` as WBW_REC_FILE records to on_record.  The first call
 * loads the lifetime programs (they need the kernel's full BTF, so they are
 * not loaded until an error makes them useful).  While mappings are
 * watched, the release hook is attached: the kernel's event (reports every
 * release of a file on them whose cursor is behind), fentry/__fput (every
 * release of a file on them), or sched_process_exit (the exits of
 * `holders`); with no mappings it is detached again.  Returns 0 or an
 * exit status with d set.
 */
/*
 * The retry hooks (ext4_sync_file_exit, writeback_mark_inode_dirty) watch
 * the inodes the observe program armed when it told a caller an error.
 * `on`: attach them (while any error is pending or watched; before anyone
 * can be told, so an immediate retry is seen); `disarm`: inodes userspace
 * is done with.  Returns 0 or an exit status with d set.
 */
int wbw_loader__retry_hooks(struct wbw_loader *l, bool on, const uint64_t *disarm, size_t n,
			    struct wbw_loader_diag *d);

/*
 * Load the lifetime programs now rather than on the first error: loading
 * takes tens of ms (libbpf parses the kernel's full BTF for iter/tp_btf),
 * long enough to miss a caller's immediate retry after the first error.
 */
int wbw_loader__lifetime_prepare(struct wbw_loader *l, struct wbw_loader_diag *d);

/*
 * *full in: list every process (a first look); else, where the kernel can
 * limit a task iterator to one process (wbw_loader__can_limit), only
 * `holders` and the children they fork (followed by sched_process_fork
 * while mappings are watched).  *full out: every process was listed.
 */
int wbw_loader__lifetime_pass(struct wbw_loader *l, const uint64_t *mappings, size_t n,
			      const uint32_t *holders, size_t nholders, bool *full,
			      struct wbw_loader_diag *d);
/* Passes can be limited to the holders (Linux 6.1+, --hooks=tracepoint, initial pid namespace). */
bool wbw_loader__can_limit(const struct wbw_loader *l);
/*
 * Within the same pass (after a limited one), list every process's files
 * on the mappings the pass watches: a file the holders no longer hold may
 * have gone to another process (a descriptor passed over a socket).
 */
int wbw_loader__full_pass(struct wbw_loader *l, struct wbw_loader_diag *d);
/* Replace the holders sched_process_exit reports on (after a pass found new ones). */
void wbw_loader__set_holders(struct wbw_loader *l, const uint32_t *holders, size_t n);
void wbw_loader__free(struct wbw_loader *l);

/*
 * `scan`: one pass over every open file whose cursor lags an error on its
 * mapping (its next fsync would report it); WBW_REC_FILE records to fn.
 */
int wbw_loader__scan(struct wbw_loader *l, wbw_record_fn fn, void *ctx, struct wbw_loader_diag *d);

/* `run`: put a task in the tree; is a process (tgid) in it? */
int wbw_loader__tree_add(struct wbw_loader *l, uint32_t pid);
bool wbw_loader__in_tree(const struct wbw_loader *l, uint32_t pid);

/* What `wberrwatch doctor` reports: each hook kind tried for real. */
#define WBW_DOCTOR_MAX_CHECKS 28

struct wbw_doctor_check {
	const char *name;  /* e.g. "raw_tp", "iter/task_file" */
	const char *role;  /* what it is for */
	bool ok;
	char detail[768];  /* why not, when not (a loader message) */
};

struct wbw_doctor {
	char kernel[128];
	struct wbw_doctor_check checks[WBW_DOCTOR_MAX_CHECKS];
	int nchecks;
	const char *would_use_tp;       /* program kind a watch would attach, or NULL */
	const char *would_use_lifetime; /* "iter", or NULL */
	const char *would_use_hooks;    /* --hooks=auto here: "kernel", "fentry" or "tracepoint", or NULL */
	bool run_ok;                    /* `run` loads and attaches here (the fork hook too) */
	bool scan_ok;                   /* `scan` can list open files (iter/task_file) */
	int exit_status;                /* what a watch would exit with now (0: it runs) */
	char fix[768];                  /* when it would not run: what to do */
};

/* One more line of the report (cmd_doctor.c adds what is not libbpf's); NULL when full. */
struct wbw_doctor_check *wbw_doctor__add(struct wbw_doctor *r, const char *name, const char *role,
					 bool ok, const char *detail);
/* Try every hook kind wberrwatch can use on this kernel. */
void wbw_loader__doctor(struct wbw_doctor *r);

#endif
