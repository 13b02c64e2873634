/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Builders of wire records, as the BPF programs fill them, for unit tests. */
#ifndef WBW_TEST_RECORDS_H
#define WBW_TEST_RECORDS_H

#include <string.h>
#include "wberrwatch.h"

static inline void rec_hdr(struct wbw_rec_hdr *h, __u16 kind, __u16 size, __u32 flags,
			   __u64 ts, __u32 pid, const char *comm)
{
	memset(h, 0, sizeof(*h));
	h->kind = kind;
	h->size = size;
	h->flags = flags;
	h->pid = pid;
	h->tid = pid;
	h->ts_ns = ts;
	h->cgroup_id = 1;
	strncpy(h->comm, comm, sizeof(h->comm) - 1);
}

/* a tp_btf set event: raw field = previous value, after read from the mapping */
static inline struct wbw_set_err_rec rec_set(__u64 ts, __u64 mapping, __u32 dev, __u64 ino,
					     __u32 raw, __u32 after)
{
	struct wbw_set_err_rec r;

	memset(&r, 0, sizeof(r));
	rec_hdr(&r.hdr, WBW_REC_SET_ERR, sizeof(r),
		WBW_F_AFTER_VALID | WBW_F_MAPPING_VALID | WBW_F_TP_BTF, ts, 14, "ksoftirqd/0");
	r.mapping = mapping;
	r.ino = ino;
	r.dev = dev;
	r.eseq_event = raw;
	r.eseq_after = after;
	r.i_generation = 7;
	return r;
}

/* a classic tracepoint set event: only the raw field */
static inline struct wbw_set_err_rec rec_set_classic(__u64 ts, __u32 dev, __u64 ino, __u32 raw)
{
	struct wbw_set_err_rec r;

	memset(&r, 0, sizeof(r));
	rec_hdr(&r.hdr, WBW_REC_SET_ERR, sizeof(r), 0, ts, 14, "ksoftirqd/0");
	r.mapping = 0;
	r.ino = ino;
	r.dev = dev;
	r.eseq_event = raw;
	r.eseq_after = 0;
	r.i_generation = 0;
	return r;
}

/*
 * A classic tracepoint set event on a kernel with patches/0002: the event's
 * own new_errseq and err fields, as set_wb_err_tp copies them.
 */
static inline struct wbw_set_err_rec rec_set_classic_v2(__u64 ts, __u32 dev, __u64 ino, __u32 raw,
							__u32 new_errseq, __s32 err)
{
	struct wbw_set_err_rec r = rec_set_classic(ts, dev, ino, raw);

	r.hdr.flags |= WBW_F_SET_EVENT_V2;
	r.eseq_after = new_errseq;
	r.event_err = err;
	return r;
}

static inline struct wbw_observe_rec rec_observe(__u64 ts, __u64 mapping, __u64 file, __u32 dev,
						 __u64 ino, __u32 old, __u32 new_cursor,
						 __u32 pid, const char *comm)
{
	struct wbw_observe_rec r;

	rec_hdr(&r.hdr, WBW_REC_OBSERVE, sizeof(r),
		WBW_F_AFTER_VALID | WBW_F_MAPPING_VALID | WBW_F_TP_BTF, ts, pid, comm);
	r.mapping = mapping;
	r.file = file;
	r.ino = ino;
	r.dev = dev;
	r.cursor_old = old;
	r.cursor_new = new_cursor;
	r.mapping_eseq = new_cursor;
	r.f_mode = 0x2;
	r.f_flags = 01;
	r.fd = -1; /* no descriptor found (a kernel thread's check) */
	r.pad = 0;
	return r;
}

/* one row of an iterator pass: `pid` holds `file` as `fd` */
static inline struct wbw_file_rec rec_file(__u64 ts, __u64 mapping, __u64 file, __u32 dev,
					   __u64 ino, __u32 fd, __u32 cursor, __u32 f_mode,
					   __u32 pid, const char *comm)
{
	struct wbw_file_rec r;

	rec_hdr(&r.hdr, WBW_REC_FILE, sizeof(r), WBW_F_MAPPING_VALID, ts, pid, comm);
	r.mapping = mapping;
	r.file = file;
	r.ino = ino;
	r.dev = dev;
	r.fd = fd;
	r.cursor = cursor;
	r.mapping_eseq = 0;
	r.f_mode = f_mode;
	r.f_flags = 01;
	return r;
}

static inline struct wbw_exit_rec rec_exit(__u64 ts, __u64 file, __u32 fd, __u32 pid,
					   __u32 exit_code)
{
	struct wbw_exit_rec r;

	rec_hdr(&r.hdr, WBW_REC_EXIT, sizeof(r), 0, ts, pid, "writer");
	r.file = file;
	r.fd = fd;
	r.exit_code = exit_code;
	r.refs = 0; /* not read: see rec_exit_refs */
	r.pad = 0;
	return r;
}

/* an exit record with the file's references as the exit began */
static inline struct wbw_exit_rec rec_exit_refs(__u64 ts, __u64 file, __u32 fd, __u32 pid,
						__u32 exit_code, __u32 refs)
{
	struct wbw_exit_rec r = rec_exit(ts, file, fd, pid, exit_code);

	r.refs = refs;
	return r;
}

/*
 * fentry/__fput on a watched mapping: `flags` WBW_F_RELEASE_EXITING/KTHREAD,
 * and WBW_F_RELEASE_UNREPORTED for the kernel's own event (--hooks=kernel)
 */
static inline struct wbw_release_rec rec_release(__u64 ts, __u64 mapping, __u64 file, __u32 dev,
						 __u64 ino, __u32 cursor, __u32 f_mode,
						 __u32 flags, __s32 exit_code, __u32 pid,
						 const char *comm)
{
	struct wbw_release_rec r;

	memset(&r, 0, sizeof(r));
	rec_hdr(&r.hdr, WBW_REC_RELEASE, sizeof(r), WBW_F_MAPPING_VALID | flags, ts, pid, comm);
	r.mapping = mapping;
	r.file = file;
	r.ino = ino;
	r.dev = dev;
	r.cursor = cursor;
	r.mapping_eseq = 0x1c;
	r.f_mode = f_mode;
	r.f_flags = 01;
	r.exit_code = exit_code;
	return r;
}

/* SYNC (ext4_sync_file_exit: what fsync returned) or DIRTY on an armed inode */
static inline struct wbw_inode_rec rec_inode(__u16 kind, __u64 ts, __u64 mapping, __u32 dev,
					     __u64 ino, __s32 ret, __u32 pid, const char *comm)
{
	struct wbw_inode_rec r;

	memset(&r, 0, sizeof(r));
	rec_hdr(&r.hdr, kind, sizeof(r), WBW_F_MAPPING_VALID, ts, pid, comm);
	r.mapping = mapping;
	r.ino = ino;
	r.dev = dev;
	r.ret = ret;
	return r;
}

/* ext4_sync_fs inside syncfs(fd): `pid`'s file is behind the superblock's errseq */
static inline struct wbw_syncfs_rec rec_syncfs(__u64 ts, __u64 file, __u32 dev, __u64 ino,
					       __u32 fd, __u32 cursor, __u32 sb_eseq, __u32 pid,
					       const char *comm)
{
	struct wbw_syncfs_rec r;

	memset(&r, 0, sizeof(r));
	rec_hdr(&r.hdr, WBW_REC_SYNCFS, sizeof(r), 0, ts, pid, comm);
	r.file = file;
	r.ino = ino;
	r.dev = dev;
	r.fd = fd;
	r.cursor = cursor;
	r.sb_eseq = sb_eseq;
	r.f_mode = WBW_FMODE_READ;
	return r;
}

/* fexit of NFS's flush inside close(2): the close returns `ret` (-errno) */
static inline struct wbw_close_told_rec rec_close_told(__u64 ts, __u64 mapping, __u64 file,
						       __u32 dev, __u64 ino, __s32 fd, __s32 ret,
						       __u32 since, __u32 eseq, __u32 cursor,
						       __u32 pid, const char *comm)
{
	struct wbw_close_told_rec r;

	memset(&r, 0, sizeof(r));
	rec_hdr(&r.hdr, WBW_REC_CLOSE_TOLD, sizeof(r), WBW_F_MAPPING_VALID, ts, pid, comm);
	r.mapping = mapping;
	r.file = file;
	r.ino = ino;
	r.dev = dev;
	r.fd = fd;
	r.ret = ret;
	r.since = since;
	r.mapping_eseq = eseq;
	r.cursor = cursor;
	r.f_mode = WBW_FMODE_WRITE;
	return r;
}

/* names leaf first, e.g. rec_path(..., "data\0dir\0", 9, 2) for /dir/data */
static inline struct wbw_path_rec rec_path(__u64 ts, __u64 mapping, __u32 dev, __u64 ino,
					   const char *names, __u16 len, __u16 depth)
{
	struct wbw_path_rec r;

	memset(&r, 0, sizeof(r));
	rec_hdr(&r.hdr, WBW_REC_PATH, sizeof(r), WBW_F_MAPPING_VALID | WBW_F_PATH_COMPLETE, ts, 14,
		"ksoftirqd/0");
	r.mapping = mapping;
	r.ino = ino;
	r.dev = dev;
	memcpy(r.names, names, len);
	r.names_len = len;
	r.depth = depth;
	return r;
}

/* an ext4 fsync (pid's, through fd) that returned ret */
static inline struct wbw_fsync_fail_rec rec_fsync_fail(__u64 ts, __u64 mapping, __u64 file,
						       __u32 dev, __u64 ino, __s32 fd, __s32 ret,
						       __u32 pid, const char *comm)
{
	struct wbw_fsync_fail_rec r;

	memset(&r, 0, sizeof(r));
	rec_hdr(&r.hdr, WBW_REC_FSYNC_FAIL, sizeof(r), WBW_F_MAPPING_VALID, ts, pid, comm);
	r.mapping = mapping;
	r.file = file;
	r.ino = ino;
	r.dev = dev;
	r.fd = fd;
	r.ret = ret;
	return r;
}

#endif
