/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * wberrwatch wire protocol: the records the BPF programs put in the ring
 * buffer and the userspace decoder reads.  This header is the only definition
 * of the layout; it is compiled by both `clang -target bpf` and the host
 * compiler, so it must stay self-contained (fixed-width types only, no
 * pointers, explicit padding, sizes asserted below).
 *
 * Every record starts with struct wbw_rec_hdr.  `kind` tags the record and
 * `size` is the full record size, which the decoder checks before it trusts
 * any field.  A change to any layout bumps WBW_WIRE_VERSION.
 */
#ifndef WBERRWATCH_WIRE_H
#define WBERRWATCH_WIRE_H

#ifdef __bpf__
/* vmlinux_min.h supplies __u8 .. __u64 on the BPF side. */
#else
#include <linux/types.h>
#endif

#define WBW_WIRE_VERSION 12

/* Limits, in one place. */
#define WBW_TASK_COMM_LEN 16
#define WBW_NAME_MAX 255        /* longest dentry name (NAME_MAX) */
#define WBW_PATH_BUF 1024       /* bytes of dentry names per path record */
#define WBW_PATH_DEPTH 32       /* dentries walked towards the fs root */
/*
 * The kernel maps all ring-buffer pages into the watcher when it mmaps the
 * buffer, the data area twice, so this is also ~2x resident memory.  A
 * watcher drains as it goes; lost records are counted, never hidden.
 */
#define WBW_RINGBUF_DEFAULT (2u << 20)
#define WBW_PATH_CACHE_ENTRIES 16384
#define WBW_DIRTIERS_ENTRIES 65536 /* inodes whose last dirtier is kept */
#define WBW_ERR_TIMES_ENTRIES 16384 /* mappings whose current error's time is kept */
#define WBW_WATCHERS_MAX 16 /* running watchers a scan reads error times from */

/*
 * errseq_t layout (lib/errseq.c, Linux 4.13+): errno in the low 12 bits,
 * then the SEEN flag, then a counter that is bumped only when a new error
 * is recorded after the previous one was seen.
 */
#define WBW_ERRSEQ_ERRNO_MASK 0x0fffu
#define WBW_ERRSEQ_SEEN 0x1000u
#define WBW_ERRSEQ_CTR_INC 0x2000u

enum wbw_rec_kind {
	WBW_REC_SET_ERR = 1, /* filemap:filemap_set_wb_err fired */
	WBW_REC_OBSERVE = 2, /* filemap:file_check_and_advance_wb_err fired */
	WBW_REC_PATH = 3,    /* dentry names of a mapping's inode */
	WBW_REC_FILE = 4,    /* an open file on a watched mapping (iterator pass) */
	WBW_REC_EXIT = 5,    /* a process holding a tracked file is exiting */
	WBW_REC_SYNC = 6,    /* fsync/fdatasync returned, on an inode being watched for retries */
	WBW_REC_DIRTY = 7,   /* an inode being watched for retries was written to again */
	WBW_REC_RELEASE = 8, /* a file on a watched mapping was released (fentry/__fput) */
	WBW_REC_SYNCFS = 9,  /* a syncfs(2) is about to report an error of its filesystem */
	WBW_REC_FSYNC_FAIL = 10, /* an fsync/fdatasync returned an error (ext4) */
	WBW_REC_CLOSE_TOLD = 11, /* close(2) returned a writeback error (NFS's flush) */
	WBW_REC_KIND_MAX,
};

/* wbw_rec_hdr.flags */
enum wbw_rec_flags {
	/* eseq_after / cursor_new were read from the kernel object itself */
	WBW_F_AFTER_VALID = 1u << 0,
	/* `mapping` holds the struct address_space address */
	WBW_F_MAPPING_VALID = 1u << 1,
	/* produced by a tp_btf program (else raw_tp or classic tracepoint) */
	WBW_F_TP_BTF = 1u << 2,
	/* path record: the walk stopped at the fs root (else it was cut short) */
	WBW_F_PATH_COMPLETE = 1u << 3,
	/* path record: a component was longer than WBW_NAME_MAX or the buffer */
	WBW_F_PATH_TRUNCATED = 1u << 4,
	/* path record: the inode had no dentry alias (e.g. unlinked, bdev) */
	WBW_F_PATH_NO_DENTRY = 1u << 5,
	/* set record: the mapping is a block device's own (its page cache):
	 * filesystem metadata or raw writes to the device failed */
	WBW_F_BDEV = 1u << 6,
	/* set record: writer_* name who dirtied the inode */
	WBW_F_WRITER_VALID = 1u << 7,
	/* release record: the releasing task is exiting (PF_EXITING): the
	 * reference went with its descriptor table */
	WBW_F_RELEASE_EXITING = 1u << 8,
	/* release record: a kernel thread dropped it (delayed fput): the header
	 * does not name the process that held the file */
	WBW_F_RELEASE_KTHREAD = 1u << 9,
	/* release record: from the kernel's own file_release_unreported_wb_err
	 * event (patches/0001): the kernel found the cursor behind wb_err */
	WBW_F_RELEASE_UNREPORTED = 1u << 10,
	/* set record: eseq_after and event_err are the event's own new_errseq
	 * and err fields (patches/0002), not values read from the mapping */
	WBW_F_SET_EVENT_V2 = 1u << 11,
	/* set record: `writers` is the inode's i_writecount when the error was set */
	WBW_F_WRITERS_VALID = 1u << 12,
	/* file record: from the kernel's first look (a timer the error started),
	 * not from a pass: the file as it was microseconds after the error */
	WBW_F_KERNEL_LOOK = 1u << 13,
};

struct wbw_rec_hdr {
	__u16 kind;
	__u16 size;
	__u32 flags;
	__u32 pid; /* tgid of the task the hook ran in */
	__u32 tid;
	__u64 ts_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 cgroup_id;
	char comm[WBW_TASK_COMM_LEN];
};

/*
 * An error was recorded in mapping->wb_err.  The context task is whoever
 * completed the failed I/O (often ksoftirqd or a kworker): it is NOT the
 * process that wrote the data.
 */
struct wbw_set_err_rec {
	struct wbw_rec_hdr hdr;
	__u64 mapping;    /* struct address_space address (identity while cached) */
	__u64 ino;
	__u32 dev;        /* kernel dev_t: major << 20 | minor */
	__u32 eseq_event; /* the tracepoint's `errseq` field, as the kernel filled it */
	__u32 eseq_after; /* mapping->wb_err read in the hook (WBW_F_AFTER_VALID) */
	__u32 i_generation;
	__u32 rdev;       /* WBW_F_BDEV: the block device (kernel dev_t) */
	/*
	 * The process that last turned this inode from clean to dirty (its
	 * writer, as far as it can be known), when WBW_F_WRITER_VALID.
	 */
	__u32 writer_pid;
	__u64 writer_ts_ns;
	__u64 writer_cgroup_id;
	char writer_comm[WBW_TASK_COMM_LEN];
	__s32 event_err;  /* WBW_F_SET_EVENT_V2: the error recorded, negative */
	/*
	 * WBW_F_WRITERS_VALID: inode->i_writecount as the error was set: the
	 * files open for writing on it at that instant (every descriptor table,
	 * kernel users and mmaps of closed files too).  A pass that finds fewer
	 * says some were released before the watcher first looked.
	 */
	__s32 writers;
};

/* A file's cursor was checked against its mapping and advanced. */
struct wbw_observe_rec {
	struct wbw_rec_hdr hdr;
	__u64 mapping;
	__u64 file; /* struct file address; reused by the kernel after release */
	__u64 ino;
	__u32 dev;
	__u32 cursor_old;   /* f_wb_err before the check */
	__u32 cursor_new;   /* f_wb_err after the check (WBW_F_AFTER_VALID) */
	__u32 mapping_eseq; /* mapping->wb_err when the hook ran */
	__u32 f_mode;
	__u32 f_flags;
	/*
	 * The caller's descriptor for `file` (the lowest, if several), or -1:
	 * none within its first WBW_OBSERVE_FDS_MAX, or no descriptor at all
	 * (a kernel thread's check).
	 */
	__s32 fd;
	__u32 pad;
};

/*
 * Dentry names from the inode up to the root of its filesystem, leaf first,
 * each NUL-terminated, packed into names[0..names_len).  Userspace joins them
 * root first and prefixes the mount point of `dev`.
 */
struct wbw_path_rec {
	struct wbw_rec_hdr hdr;
	__u64 mapping;
	__u64 ino;
	__u32 dev;
	/*
	 * inode->i_generation: with dev and ino, which inode this is.  A freed
	 * inode's number and struct address_space are often reused at once by
	 * the next file created; the generation is new.
	 */
	__u32 i_generation;
	__u16 depth;     /* components stored */
	__u16 names_len; /* bytes used in names */
	char names[WBW_PATH_BUF];
	/* slack so the verifier can bound a WBW_NAME_MAX read at any offset */
	char slack[WBW_NAME_MAX + 1];
};

/*
 * One open file of a task, on a mapping with an error being tracked: what an
 * iter/task_file pass finds.  The header's pid/tid/comm are the holder's,
 * not the iterating task's.
 */
struct wbw_file_rec {
	struct wbw_rec_hdr hdr;
	__u64 mapping;
	__u64 file;
	__u64 ino;
	__u32 dev;
	__u32 fd;
	__u32 cursor;       /* f_wb_err: what this file has been told */
	__u32 mapping_eseq; /* mapping->wb_err */
	__u32 f_mode;
	__u32 f_flags;
};

/*
 * A process holding tracked files is exiting: one record per tracked file
 * still in its descriptor table (do_exit runs sched_process_exit before
 * exit_files), so a file closed earlier is not blamed on the exit.
 */
struct wbw_exit_rec {
	struct wbw_rec_hdr hdr;
	__u64 file;
	__u32 fd;
	__u32 exit_code;
	/*
	 * The references the file had as the exit began (f_count; f_ref + 1
	 * on 6.13+), or 0 when not read.  When they are the exiting table's
	 * own (one per descriptor the exit reports for the file), the exit
	 * drops the last one: it is the release, whoever else held the file
	 * at the last pass (a parent that has closed it since).
	 */
	__u32 refs;
	__u32 pad;
};

/*
 * The last reference to a file on a watched mapping went: __fput() is
 * about to tear it down (fentry, stock kernels; or the kernel's own
 * file_release_unreported_wb_err event, WBW_F_RELEASE_UNREPORTED, which
 * fires only for a file whose cursor is behind).  The header names the task
 * that dropped it: the closer (close(2) defers __fput to its own task work),
 * or the exiting holder (WBW_F_RELEASE_EXITING), or a kernel thread
 * (WBW_F_RELEASE_KTHREAD).  `cursor` is what the file was told, for good.
 */
struct wbw_release_rec {
	struct wbw_rec_hdr hdr;
	__u64 mapping;
	__u64 file;
	__u64 ino;
	__u32 dev;
	__u32 cursor;       /* f_wb_err at release */
	__u32 mapping_eseq; /* mapping->wb_err at release */
	__u32 f_mode;
	__u32 f_flags;
	__s32 exit_code;    /* task->exit_code, meaningful with WBW_F_RELEASE_EXITING */
};

/*
 * SYNC: ext4_sync_file_exit on a watched inode, `ret` what fsync/fdatasync
 * returns.  DIRTY: the first writeback_mark_inode_dirty on it since it was
 * armed.  The header names the calling task.
 */
struct wbw_inode_rec {
	struct wbw_rec_hdr hdr;
	__u64 mapping;
	__u64 ino;
	__u32 dev;
	__s32 ret;
};

/*
 * syncfs(2) reports through the superblock, not the file: after writing
 * back the whole filesystem it runs errseq_check_and_advance(&sb->s_wb_err,
 * &file->f_sb_err) (fs/sync.c, Linux 5.8+), which fires no tracepoint.  So
 * the record is sent from inside the call, once the data writeback it
 * waited for is done (ext4's sync_fs with wait=1), when the file's cursor
 * is behind the superblock's errseq: the check that follows will report
 * the superblock's error to the caller.  The header names the caller.
 */
struct wbw_syncfs_rec {
	struct wbw_rec_hdr hdr;
	__u64 file;    /* the struct file syncfs was called on */
	__u64 ino;     /* its inode (the directory or file named to syncfs) */
	__u32 dev;     /* the filesystem (kernel dev_t) */
	__u32 fd;      /* the descriptor, in the caller's table */
	__u32 cursor;  /* file->f_sb_err: what syncfs on this file last told */
	__u32 sb_eseq; /* sb->s_wb_err: what the check compares it with */
	__u32 f_mode;
	__u32 pad;
};

/*
 * ext4's fsync or fdatasync returned an error to the caller (the header):
 * every failed one, whether the error came from the mapping's errseq (the
 * observe record of the same call says which) or not: ext4 also fails fsync
 * when writing the inode, its metadata buffers or the parent directory
 * fails, and no errseq is involved then.
 */
struct wbw_fsync_fail_rec {
	struct wbw_rec_hdr hdr;
	__u64 mapping;
	__u64 file;   /* the struct file fsync was called on, or 0 if not known */
	__u64 ino;
	__u32 dev;
	__s32 fd;     /* its descriptor (the syscall's argument), or -1 */
	__s32 ret;    /* what the call returns: -errno */
	__u32 datasync; /* 1: fdatasync */
};

/*
 * close(2) told its caller a writeback error: NFS's flush (nfs_file_flush,
 * nfs4_file_flush in fs/nfs/) samples the mapping's errseq, writes the
 * file's dirty pages back and returns filemap_check_wb_err(mapping, since),
 * errseq_check() in mm/filemap.c's terms: the errno of the mapping's
 * current value when it differs from the sample.  Neither filemap
 * tracepoint fires, and the file's cursor (f_wb_err) is not advanced nor
 * the error marked seen: the return value alone tells the process.  Sent
 * from fexit of those functions when the task is in the close syscall (an
 * exit, dup2 or close_range drops the flush's result), with the values the
 * check compared.  The header names the caller.
 */
struct wbw_close_told_rec {
	struct wbw_rec_hdr hdr;
	__u64 mapping;
	__u64 file;   /* the struct file being closed */
	__u64 ino;
	__u32 dev;
	__s32 fd;     /* close(2)'s argument */
	__s32 ret;    /* what close returns: -errno */
	__u32 since;  /* errseq as the flush began, as errseq_sample() gives it (0: unseen) */
	__u32 mapping_eseq; /* mapping->wb_err after the check: the error told */
	__u32 cursor; /* file->f_wb_err: left behind by the close */
	__u32 f_mode;
	__u32 pad;
};

/*
 * A close(2) of an NFS file open for writing, in flight: NFS's flush is
 * writing the file back after close_fd() took it out of the descriptor
 * table, so a pass finds it in no table although its closer has not been
 * told anything yet.  The lifetime object keeps one per closing thread (key:
 * its tid) from the flush's entry to its return; a pass lists them too, as
 * files held by their closer.  Not a ring-buffer record.
 */
struct wbw_closing {
	__u64 mapping;
	__u64 file;
	__u64 ino;
	__u64 cgroup_id;
	__u64 ts_ns;   /* when the flush began */
	__u32 dev;
	__u32 tgid;
	__u32 fd;      /* close(2)'s argument */
	__u32 since;   /* mapping->wb_err as errseq_sample() gives it (0: unseen) */
	__u32 cursor;  /* file->f_wb_err */
	__u32 eseq;    /* mapping->wb_err */
	__u32 f_mode;
	__u32 f_flags;
	char comm[WBW_TASK_COMM_LEN];
};

/*
 * When a mapping's current errseq value was set, kept by every watcher in
 * its map WBW_ERR_TIMES_MAP (key: struct address_space address).  errseq_t
 * carries no time, so `wberrwatch scan` finds running watchers' maps by
 * this name to give an error's age.  Not a ring-buffer record.
 */
#define WBW_ERR_TIMES_MAP "wbw_err_times" /* BPF object names hold 15 bytes */
struct wbw_err_time {
	__u64 ts_ns; /* bpf_ktime_get_ns() at the set: CLOCK_MONOTONIC */
	__u32 eseq;  /* the value set, without WBW_ERRSEQ_SEEN */
	__u32 pad;
};

#define WBW_ASSERT_SIZE(type, bytes) \
	_Static_assert(sizeof(type) == (bytes), #type " layout changed: bump WBW_WIRE_VERSION")
WBW_ASSERT_SIZE(struct wbw_rec_hdr, 48);
WBW_ASSERT_SIZE(struct wbw_set_err_rec, 128);
WBW_ASSERT_SIZE(struct wbw_observe_rec, 104);
WBW_ASSERT_SIZE(struct wbw_path_rec, 1360);
WBW_ASSERT_SIZE(struct wbw_file_rec, 96);
WBW_ASSERT_SIZE(struct wbw_exit_rec, 72);
WBW_ASSERT_SIZE(struct wbw_inode_rec, 72);
WBW_ASSERT_SIZE(struct wbw_release_rec, 96);
WBW_ASSERT_SIZE(struct wbw_syncfs_rec, 88);
WBW_ASSERT_SIZE(struct wbw_fsync_fail_rec, 88);
WBW_ASSERT_SIZE(struct wbw_close_told_rec, 104);
WBW_ASSERT_SIZE(struct wbw_err_time, 16);
WBW_ASSERT_SIZE(struct wbw_closing, 88);

#define WBW_RETRY_MAX 16384 /* inodes watched for a false success at once */
#define WBW_TREE_MAX 65536  /* tasks of a `run` command's process tree */

#define WBW_WATCHED_MAX 16384 /* mappings with a tracked error at once */
#define WBW_HOLDERS_MAX 16384 /* processes holding tracked files */
#define WBW_EXIT_FDS_MAX 65536 /* descriptors looked at in an exiting holder */
#define WBW_OBSERVE_FDS_MAX 1024 /* descriptors searched for the file a check told */
/*
 * The kernel's first look (lifetime.bpf.c): mappings with a new error it
 * looks for, processes it found holding them, and the longest one softirq
 * slice of a look may run before it lets the CPU go.
 */
#define WBW_LOOK_MAPPINGS_MAX 16384
#define WBW_LOOK_HOLDERS_MAX 16384
#define WBW_LOOK_SLICE_NS (1000ull * 1000)
/* slices one look may take before it is given up (the pass lists the rest) */
#define WBW_LOOK_SLICES_MAX 1000
/* softirq time the looks may spend at once; it refills at 10% of a CPU */
#define WBW_LOOK_BURST_NS (50ll * 1000 * 1000)

/* f_mode bits (include/linux/fs.h), stable since 2.6 */
#define WBW_FMODE_READ 0x1u
#define WBW_FMODE_WRITE 0x2u

#endif /* WBERRWATCH_WIRE_H */
