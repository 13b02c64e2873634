/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Decoder: ring-buffer bytes (include/wberrwatch.h) -> struct wbw_ev.
 * Pure: it trusts nothing in the record before checking kind and size, and
 * it is the one place that knows about kernel-version differences in what
 * the tracepoints carry.
 */
#ifndef WBW_DECODE_H
#define WBW_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "wberrwatch.h"

enum wbw_ev_kind {
	WBW_EV_SET_ERR = WBW_REC_SET_ERR,
	WBW_EV_OBSERVE = WBW_REC_OBSERVE,
	WBW_EV_PATH = WBW_REC_PATH,
	WBW_EV_FILE = WBW_REC_FILE,
	WBW_EV_EXIT = WBW_REC_EXIT,
	WBW_EV_SYNC = WBW_REC_SYNC,
	WBW_EV_DIRTY = WBW_REC_DIRTY,
	WBW_EV_RELEASE = WBW_REC_RELEASE,
	WBW_EV_SYNCFS = WBW_REC_SYNCFS,
	WBW_EV_FSYNC_FAIL = WBW_REC_FSYNC_FAIL,
	WBW_EV_CLOSE_TOLD = WBW_REC_CLOSE_TOLD,
};

/*
 * What filemap_set_wb_err's `errseq` field holds.  Current kernels pass the
 * value errseq_set() returns, which is the value it replaced; the facts we
 * verified on 6.18: first event 0x0 while the mapping then held 0x1c.  Some
 * older kernels passed the new value.  Only the classic-tracepoint path
 * depends on this: tp_btf programs read the mapping itself.  On a kernel
 * with patches/0002 the event carries the value after the set and the
 * error (WBW_F_SET_EVENT_V2), and this option is not needed.
 */
enum wbw_setfield {
	WBW_SETFIELD_PREVIOUS = 0,
	WBW_SETFIELD_NEW = 1,
};

struct wbw_decode_opts {
	enum wbw_setfield setfield;
};

struct wbw_task {
	uint32_t pid; /* tgid */
	uint32_t tid;
	uint64_t cgroup_id;
	char comm[WBW_TASK_COMM_LEN + 1];
};

#define WBW_FS_PATH_MAX (WBW_PATH_BUF + 2)

struct wbw_ev {
	enum wbw_ev_kind kind;
	uint64_t ts_ns;
	uint32_t rec_flags;
	struct wbw_task task;
	uint64_t mapping; /* 0: not known (classic tracepoint) */
	uint64_t ino;
	uint32_t dev;     /* kernel encoding: major << 20 | minor */
	uint32_t generation; /* the inode's i_generation (set and path records), or 0 */
	union {
		struct {
			uint32_t raw;   /* the tracepoint's own field */
			uint32_t prev;  /* value before the set, if prev_known */
			uint32_t after; /* value after the set, if after_known */
			bool prev_known;
			bool after_known;
			int err; /* errno recorded; 0 if the decoder cannot tell */
			uint32_t bdev; /* block device whose own mapping it is, or 0 */
			bool writer_known;
			struct wbw_task writer; /* who last dirtied the inode (pid, comm) */
			uint64_t writer_ts_ns;
			int32_t writers; /* files open for writing at the error, or -1 if unknown */
		} set;
		struct {
			uint64_t file;
			uint32_t old;
			uint32_t new_cursor;
			uint32_t mapping_eseq;
			int err; /* errno the check reported to the caller, or 0 */
			uint32_t f_mode;
			uint32_t f_flags;
			int32_t fd; /* the caller's descriptor for the file, or -1 */
		} obs;
		struct {
			/* task = the process holding the file */
			uint64_t file;
			uint32_t fd;
			uint32_t cursor;
			uint32_t mapping_eseq;
			uint32_t f_mode;
			uint32_t f_flags;
			/*
			 * listed by the kernel's first look (WBW_F_KERNEL_LOOK), not
			 * by a pass: the file as it was just after the error
			 */
			bool kernel_look;
		} file;
		struct {
			int32_t ret; /* SYNC: what fsync/fdatasync returned */
		} inode;
		struct {
			uint64_t file; /* a tracked file the exit releases */
			uint32_t fd;
			int32_t exit_code;
			uint32_t refs; /* the file's references as the exit began (0: unknown) */
		} exit;
		struct {
			/* task = who dropped the last reference */
			uint64_t file;
			uint32_t cursor; /* what the file was told, for good */
			uint32_t mapping_eseq;
			uint32_t f_mode;
			uint32_t f_flags;
			bool exiting;    /* the reference went with an exiting task's files */
			bool kthread;    /* dropped by a kernel thread (delayed fput) */
			int32_t exit_code;
		} release;
		struct {
			/* task = the caller; dev = the filesystem, ino = the fd's inode */
			uint64_t file;
			uint32_t fd;
			uint32_t cursor;  /* the file's f_sb_err before the check */
			uint32_t sb_eseq; /* the superblock's errseq the check compares */
			uint32_t f_mode;
			int err;          /* errno the call reports (errseq_check's) */
		} syncfs;
		struct {
			/* task = the caller */
			uint64_t file; /* 0 if not known */
			int32_t fd;    /* -1 if not known */
			int err;       /* errno the call returned */
			bool datasync;
		} fsync_fail;
		struct {
			/* task = the caller of close(2) */
			uint64_t file;
			int32_t fd;
			int err;          /* errno close(2) returned */
			uint32_t since;   /* errseq sampled as the flush began */
			uint32_t eseq;    /* the mapping's errseq the check reported */
			uint32_t cursor;  /* the file's own cursor, not advanced */
			uint32_t f_mode;
		} close_told;
		struct {
			/* "/dir/file", relative to the root of the filesystem */
			char fs_path[WBW_FS_PATH_MAX];
			unsigned depth;
			bool complete;
			bool truncated;
			bool no_dentry;
			/*
			 * fs_path joined to its filesystem's mount point in the
			 * watcher's mount table as the record was read (the error's
			 * own time), or NULL: set by the reader, not the decoder
			 */
			const char *mount_path;
		} path;
	};
};

enum wbw_decode_status {
	WBW_DECODE_OK = 0,
	WBW_DECODE_SHORT,     /* fewer bytes than a header or than `size` */
	WBW_DECODE_BAD_KIND,  /* unknown record kind */
	WBW_DECODE_BAD_SIZE,  /* `size` does not match the kind's layout */
	WBW_DECODE_BAD_PATH,  /* path record inconsistent */
	WBW_DECODE_STATUS_MAX,
};

int wbw_decode(const void *data, size_t len, const struct wbw_decode_opts *opts,
	       struct wbw_ev *ev);

const char *wbw_decode_status_str(int status);

/*
 * The name a record kind's lost count goes by, in JSON (`lost`) and in
 * metrics (`kind` label): SYNC and DIRTY share one kernel counter, "retry".
 */
const char *wbw_rec_kind_key(int kind);

/* dev_t helpers for the kernel's internal encoding (include/linux/kdev_t.h) */
static inline unsigned wbw_dev_major(uint32_t dev)
{
	return dev >> 20;
}
static inline unsigned wbw_dev_minor(uint32_t dev)
{
	return dev & ((1u << 20) - 1);
}
static inline uint32_t wbw_dev_make(unsigned major, unsigned minor)
{
	return (major << 20) | (minor & ((1u << 20) - 1));
}

#endif
