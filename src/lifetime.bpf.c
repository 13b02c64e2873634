// SPDX-License-Identifier: GPL-2.0
/*
 * File-lifetime programs, loaded only once a writeback error has hit a
 * mapping (they need the kernel's full BTF, and nothing here should cost
 * anything while no error is pending).
 *
 * Neither filemap tracepoint fires when a file is released without looking
 * at an error, and this kernel kind allows no fentry/kprobes, while a
 * syscall tracepoint slows every syscall of every task (+13% on open+close,
 * measured).  So lifetime is observed by iteration: an iter/task_file pass
 * lists the open files of every process that sit on a watched mapping, with
 * their cursors; userspace runs it when an error hits and then polls while
 * such files exist.  A file that vanished from every descriptor table has
 * been released.  sched_process_exit, attached only while files are tracked
 * and filtered to the processes holding them, names releases by exit.
 */
#include "vmlinux_min.h"
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "wberrwatch.h"
#include "shared_maps.bpf.h"
#include "paths.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* mapping address -> errseq value of its tracked error (set by userspace) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WBW_WATCHED_MAX);
	__type(key, __u64);
	__type(value, __u32);
} watched SEC(".maps");

/* tgid -> 1 for processes holding a tracked file (set by userspace) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WBW_HOLDERS_MAX);
	__type(key, __u32);
	__type(value, __u32);	/* 1; sync_set() in loader.c writes a __u32 */
} holders SEC(".maps");

/*
 * The kernel's first look (first_look_arm, below): mapping address -> when
 * its error was set and whether a look has listed its files yet.
 */
struct look_mapping {
	__u64 set_ns;
	__u32 looked; /* 1 once a look that started after set_ns ended */
	__u32 eseq;   /* the error's errseq value, without the SEEN flag */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WBW_LOOK_MAPPINGS_MAX);
	__type(key, __u64);
	__type(value, struct look_mapping);
} look_mappings SEC(".maps");

/*
 * tgid -> 1: processes the kernel's first look found holding a file of a
 * new error.  holder_exit reports their exits too, before userspace has
 * made them holders (it rewrites `holders` after each pass).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WBW_LOOK_HOLDERS_MAX);
	__type(key, __u32);
	__type(value, __u32);
} look_holders SEC(".maps");

__u64 dropped_exit = 0;
__u64 dropped_release = 0;

/*
 * `wberrwatch scan`: list every open file whose cursor is behind its
 * mapping's errseq (errseq_check() would report), not just watched ones.
 * Set by userspace around one iterator pass.
 */
__u32 scan_mode = 0;
__u64 dropped_retry = 0;
__u64 dropped_syncfs = 0;
__u64 dropped_fsync_fail = 0;
__u64 dropped_close_told = 0;

/* --dev/--mount and --errno, as the main object has them (copied by the loader) */
const volatile __u32 filter_dev = 0;
const volatile __u32 filter_errno = 0;
__u64 dropped_path = 0;

static __always_inline void emit_inode_rec(__u16 kind, struct inode *inode, __u64 mapping, int ret)
{
	struct wbw_inode_rec *rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);

	if (!rec) {
		__sync_fetch_and_add(&dropped_retry, 1);
		return;
	}
	wbw_fill_hdr(&rec->hdr, kind, sizeof(*rec), WBW_F_MAPPING_VALID);
	rec->mapping = mapping;
	rec->ino = BPF_CORE_READ(inode, i_ino);
	rec->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	rec->ret = ret;
	bpf_ringbuf_submit(rec, 0);
}

/*
 * ext4's fsync and fdatasync (ext4_sync_file) end here with what they
 * return.  A success after the caller was told of an error, with nothing
 * written since, is a false success: the data is not on disk.
 */
SEC("tp_btf/ext4_sync_file_exit")
int BPF_PROG(retry_sync_exit, struct inode *inode, int ret)
{
	__u64 mapping;

	/*
	 * Newer verifiers (6.12 here) type tracepoint arguments as trusted
	 * pointers that may be NULL and refuse arithmetic on them before a
	 * NULL check, which BPF_CORE_READ's address computation is.
	 */
	if (!inode)
		return 0;
	mapping = (__u64)BPF_CORE_READ(inode, i_mapping);

	if (bpf_map_lookup_elem(&retry_watch, &mapping))
		emit_inode_rec(WBW_REC_SYNC, inode, mapping, ret);
	return 0;
}

/*
 * The inode's data was written to again: a later success may be genuine.
 * Its data: a reader updating atime is no rewrite (i_dirty_pages() below).
 */
static __always_inline __u32 i_dirty_pages(void);

SEC("tp_btf/writeback_mark_inode_dirty")
int BPF_PROG(retry_dirty, struct inode *inode, int flags)
{
	__u64 mapping, *state;

	if (!inode || !((__u32)flags & i_dirty_pages())) /* !inode: see retry_sync_exit */
		return 0;
	mapping = (__u64)BPF_CORE_READ(inode, i_mapping);
	state = bpf_map_lookup_elem(&retry_watch, &mapping);

	/* only the first write after arming is reported */
	if (!state || __sync_lock_test_and_set(state, 1))
		return 0;
	emit_inode_rec(WBW_REC_DIRTY, inode, mapping, 0);
	return 0;
}

/*
 * A failed fsync/fdatasync of `inode`, told to its caller, as a
 * WBW_REC_FSYNC_FAIL record; `file` is the call's file when known (else
 * NULL), `fd` its descriptor in the caller (else -1).  The record's path
 * comes from the call's own file: the error may be the filesystem's own,
 * recorded in no errseq, so no set event need have named the file.
 */
static __always_inline void fsync_fail_emit(struct inode *inode, struct file *file, __s32 fd,
					    __u32 datasync, int ret)
{
	struct wbw_fsync_fail_rec *rec;
	struct address_space *mapping;

	if (filter_errno && ret != -(int)filter_errno)
		return;
	if (filter_dev && BPF_CORE_READ(inode, i_sb, s_dev) != filter_dev &&
	    BPF_CORE_READ(inode, i_rdev) != filter_dev) /* a device node's own: its i_rdev */
		return;
	mapping = BPF_CORE_READ(inode, i_mapping);
	if (file && !emit_path((__u64)mapping, BPF_CORE_READ(mapping, wb_err) & ~WBW_ERRSEQ_SEEN,
			       inode, BPF_CORE_READ(file, f_path.dentry),
			       BPF_CORE_READ(inode, i_sb, s_dev), BPF_CORE_READ(inode, i_ino)))
		__sync_fetch_and_add(&dropped_path, 1);
	rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);
	if (!rec) {
		__sync_fetch_and_add(&dropped_fsync_fail, 1);
		return;
	}
	wbw_fill_hdr(&rec->hdr, WBW_REC_FSYNC_FAIL, sizeof(*rec), WBW_F_MAPPING_VALID);
	rec->mapping = (__u64)mapping;
	rec->file = (__u64)file;
	rec->ino = BPF_CORE_READ(inode, i_ino);
	rec->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	rec->fd = fd;
	rec->ret = ret;
	rec->datasync = datasync;
	bpf_ringbuf_submit(rec, 0);
}

/*
 * Every failed ext4 fsync/fdatasync, told to its caller: ext4_sync_file()
 * returns the errseq error of the file (the observe record of the same
 * call) or an error of its own: writing the inode, its metadata buffers or
 * the parent directory failed (ext4_fsync_nojournal, ext4_sync_parent), or
 * the journal aborted, which no errseq records.  PostgreSQL got four failed
 * fsyncs where the filemap tracepoints showed two.  The event names the
 * inode only: the file and fd come from the syscall's argument (x86: the
 * number the task entered with); other callers (msync, io_uring, nfsd)
 * give the inode alone.  Attached for the whole watch: it runs once per
 * ext4 fsync, a call that waits for I/O.
 */
SEC("tp_btf/ext4_sync_file_exit")
int BPF_PROG(fsync_failed, struct inode *inode, int ret)
{
	struct file *file = NULL;
	__u64 nr = 0;
	__u32 n = 0;

	if (ret >= 0 || !inode) /* !inode: see retry_sync_exit */
		return 0;
#ifdef WBW_NR_FSYNC
	file = wbw_syscall_fd_file(WBW_NR_FSYNC, WBW_NR_FDATASYNC, &n, &nr);
#endif
	/* the call holds its file: still at that fd unless another thread closed it */
	if (file && BPF_CORE_READ(file, f_inode) != inode)
		file = NULL;
#ifdef WBW_NR_FSYNC
	fsync_fail_emit(inode, file, file ? (__s32)n : -1, nr == WBW_NR_FDATASYNC, ret);
#else
	fsync_fail_emit(inode, file, -1, 0, ret);
#endif
	return 0;
}

/*
 * XFS and btrfs: their fsync has a tracepoint at entry only
 * (xfs:xfs_file_fsync, btrfs:btrfs_sync_file), none with the result.
 * Where the kernel allows fentry (stock distribution kernels; not the CI
 * kernel), fexit on the fsync itself gives it: xfs_file_fsync()
 * (fs/xfs/xfs_file.c) and btrfs_sync_file() (fs/btrfs/file.c) are their
 * file_operations' .fsync, which vfs_fsync_range() calls for fsync(2),
 * fdatasync(2), msync(MS_SYNC), io_uring and overlayfs's fsync of its
 * upper file alike, with the struct file and datasync as arguments.  One
 * program per filesystem does what ext4's two tracepoint programs do:
 * a failed call is a WBW_REC_FSYNC_FAIL record, and any result on an
 * inode armed for a retry (retry_watch) a WBW_REC_SYNC record, which is
 * how a false success after a told error becomes RETRIED.  Attached for
 * the whole watch (it runs once per XFS or btrfs fsync, a call that waits
 * for I/O; the trampoline's cost was not measured), so an immediate retry
 * is seen without waiting for userspace to attach anything.  The two filesystems
 * are modules on Debian's kernels: libbpf finds the function in the
 * module's BTF, which is there only while the module is loaded (the
 * loader checks at start, as for the sync_fs events below).
 */
static __always_inline void fsync_exit(struct file *file, int datasync, int ret)
{
	struct inode *inode;
	__u64 mapping, nr = 0;
	__u32 n = 0;
	__s32 fd = -1;

	if (!file)
		return;
	inode = BPF_CORE_READ(file, f_inode);
	if (!inode)
		return;
	if (ret < 0) {
#ifdef WBW_NR_FSYNC
		/* the descriptor, when the call is fsync(2)/fdatasync(2) on this very file */
		if (wbw_syscall_fd_file(WBW_NR_FSYNC, WBW_NR_FDATASYNC, &n, &nr) == file)
			fd = (__s32)n;
#endif
		fsync_fail_emit(inode, file, fd, datasync != 0, ret);
	}
	mapping = (__u64)BPF_CORE_READ(inode, i_mapping);
	if (bpf_map_lookup_elem(&retry_watch, &mapping))
		emit_inode_rec(WBW_REC_SYNC, inode, mapping, ret);
}

SEC("fexit/xfs_file_fsync")
int BPF_PROG(fsync_exit_xfs, struct file *file, long long start, long long end, int datasync,
	     int ret)
{
	fsync_exit(file, datasync, ret);
	return 0;
}

SEC("fexit/btrfs_sync_file")
int BPF_PROG(fsync_exit_btrfs, struct file *file, long long start, long long end, int datasync,
	     int ret)
{
	fsync_exit(file, datasync, ret);
	return 0;
}

#if defined(__TARGET_ARCH_x86)
#define WBW_NR_CLOSE 3 /* arch/x86/entry/syscalls/syscall_64.tbl */
#endif

/*
 * close(2) on NFS: close_fd -> filp_flush -> f_op->flush, which for NFS is
 * nfs_file_flush (v2/v3, fs/nfs/file.c) or nfs4_file_flush (v4,
 * fs/nfs/nfs4file.c).  Both sample the mapping's errseq
 * (filemap_sample_wb_err), write the file's dirty pages back (nfs_wb_all)
 * and return filemap_check_wb_err(mapping, since): errseq_check() in
 * lib/errseq.c, the errno of the mapping's current value when it is not
 * the sample.  That return is what close(2) gives the process, and nothing
 * else says so: no filemap tracepoint fires, the file's cursor (f_wb_err)
 * is not advanced and the error is not marked seen.  So a file told at its
 * close looks, to the tracepoints and the release hook, like one released
 * untold.  fentry samples the mapping's errseq as the flush begins (as
 * errseq_sample() does: an unseen value reads as 0, and is reported) and
 * fexit reports a failed flush whose errno is that of the mapping's
 * current value, changed since the sample: exactly when
 * filemap_check_wb_err() made the return.  (nfs4_file_flush with a write
 * delegation only starts the writeback, filemap_fdatawrite(), whose own
 * errors are not errseq's: the sample rules those out.)  Only the close
 * syscall's own flush counts: exit_files(), dup2() and close_range() flush
 * too and drop the result.  Attached for the whole watch where the kernel
 * allows fentry and has the NFS modules loaded: it runs once per close of
 * an NFS file open for writing.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32); /* tid */
	__type(value, struct wbw_closing);
} nfs_closing SEC(".maps");

static __always_inline int in_close_syscall(__u32 *fdp)
{
#ifdef WBW_NR_CLOSE
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	if (!regs || regs->orig_ax != WBW_NR_CLOSE)
		return 0;
	*fdp = (__u32)regs->di;
	return 1;
#else
	return 0;
#endif
}

static __always_inline void nfs_flush_begin(struct file *file)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, fd = 0;
	struct wbw_closing c = {};
	struct inode *inode;

	/* not open for writing: the flush returns 0 at once */
	if (!file || !file->f_mapping || !(file->f_mode & WBW_FMODE_WRITE) ||
	    !in_close_syscall(&fd))
		return;
	inode = file->f_mapping->host;
	if (!inode)
		return;
	c.mapping = (__u64)file->f_mapping;
	c.file = (__u64)file;
	c.ino = inode->i_ino;
	c.dev = inode->i_sb->s_dev;
	c.cgroup_id = bpf_get_current_cgroup_id();
	c.ts_ns = bpf_ktime_get_ns();
	c.tgid = id >> 32;
	c.fd = fd;
	c.eseq = file->f_mapping->wb_err;
	/* errseq_sample(): an unseen value samples as 0, so that it is reported */
	c.since = c.eseq & WBW_ERRSEQ_SEEN ? c.eseq : 0;
	c.cursor = file->f_wb_err;
	c.f_mode = file->f_mode;
	c.f_flags = file->f_flags;
	bpf_get_current_comm(c.comm, sizeof(c.comm));
	bpf_map_update_elem(&nfs_closing, &tid, &c, BPF_ANY);
}

static __always_inline void nfs_flush_end(struct file *file, int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), cur, fd = 0;
	struct wbw_close_told_rec *rec;
	struct wbw_closing *c;
	struct inode *inode;

	c = bpf_map_lookup_elem(&nfs_closing, &tid);
	if (!c)
		return;
	if (ret >= 0 || !file || !file->f_mapping || !in_close_syscall(&fd))
		goto done;
	cur = file->f_mapping->wb_err;
	/* errseq_check(&mapping->wb_err, since) made this return */
	if (cur == c->since || ret != -(int)(cur & WBW_ERRSEQ_ERRNO_MASK))
		goto done;
	inode = file->f_mapping->host;
	if (!inode || (filter_errno && ret != -(int)filter_errno) ||
	    (filter_dev && inode->i_sb->s_dev != filter_dev))
		goto done;
	rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);
	if (!rec) {
		__sync_fetch_and_add(&dropped_close_told, 1);
		goto done;
	}
	wbw_fill_hdr(&rec->hdr, WBW_REC_CLOSE_TOLD, sizeof(*rec), WBW_F_MAPPING_VALID);
	rec->mapping = (__u64)file->f_mapping;
	rec->file = (__u64)file;
	rec->ino = inode->i_ino;
	rec->dev = inode->i_sb->s_dev;
	rec->fd = (__s32)fd;
	rec->ret = ret;
	rec->since = c->since;
	rec->mapping_eseq = cur;
	rec->cursor = file->f_wb_err;
	rec->f_mode = file->f_mode;
	rec->pad = 0;
	bpf_ringbuf_submit(rec, 0);
done:
	/*
	 * After the record: a pass that no longer finds the close in flight
	 * finds its record in the ring buffer (drained before the pass ends).
	 */
	bpf_map_delete_elem(&nfs_closing, &tid);
}

SEC("fentry/nfs_file_flush")
int BPF_PROG(nfs_flush_enter, struct file *file, void *id)
{
	nfs_flush_begin(file);
	return 0;
}

SEC("fexit/nfs_file_flush")
int BPF_PROG(nfs_flush_exit, struct file *file, void *id, int ret)
{
	nfs_flush_end(file, ret);
	return 0;
}

SEC("fentry/nfs4_file_flush")
int BPF_PROG(nfs4_flush_enter, struct file *file, void *id)
{
	nfs_flush_begin(file);
	return 0;
}

SEC("fexit/nfs4_file_flush")
int BPF_PROG(nfs4_flush_exit, struct file *file, void *id, int ret)
{
	nfs_flush_end(file, ret);
	return 0;
}

/* struct file's syncfs cursor (Linux 5.8+; types.list lists it as optional) */
struct file___sb_err {
	errseq_t f_sb_err;
} __attribute__((preserve_access_index));

/*
 * syncfs(fd) (fs/sync.c) runs sync_filesystem(sb) and then
 * errseq_check_and_advance(&sb->s_wb_err, &file->f_sb_err): the caller is
 * told the filesystem's latest error if the file's cursor is behind, and no
 * tracepoint fires.  Its return would need a syscall tracepoint, which puts
 * every syscall of every task on the slow path (+13% on open+close, see
 * docs/how-it-works.md).  ext4's sync_fs(sb, 1) runs inside the call after the data
 * writeback it started has completed (sync_inodes_sb() waits for it), so
 * the errors that writeback recorded are in s_wb_err already; reading the
 * file's cursor here says what the check will report.  sync(2), umount and
 * freeze call sync_fs too: only the syncfs syscall's own call counts (the
 * number the task entered the kernel with).  The fd is its first argument,
 * and syncfs holds that file for the whole call.  Attached for the whole
 * watch: it runs once per ext4 sync, not on any path a workload repeats.
 */
/*
 * The file the running syncfs(2) was called on, when this task is inside
 * that syscall (the number it entered the kernel with), else NULL; *fdp
 * gets its descriptor.
 */
static __always_inline struct file *syncfs_caller_file(__u32 *fdp)
{
#ifdef WBW_NR_SYNCFS
	__u64 nr;

	return wbw_syscall_fd_file(WBW_NR_SYNCFS, WBW_NR_SYNCFS, fdp, &nr);
#else
	return NULL;
#endif
}

/*
 * Send a WBW_REC_SYNCFS record when syncfs on `file` (descriptor fd) is
 * about to report an error of `sb`: the file's cursor is behind the
 * superblock's errseq, which errseq_check_and_advance() then reports.
 */
static __always_inline void syncfs_emit(struct file *file, __u32 fd, struct super_block *sb)
{
	struct file___sb_err *sbfile = (void *)file;
	struct wbw_syncfs_rec *rec;
	__u32 cursor, sb_eseq;

	sb_eseq = BPF_CORE_READ(sb, s_wb_err);
	if (!sb_eseq) /* never an error on this filesystem */
		return;
	if (!bpf_core_field_exists(sbfile->f_sb_err))
		return;
	cursor = BPF_CORE_READ(sbfile, f_sb_err);
	if (cursor == sb_eseq) /* errseq_check_and_advance(): nothing new to tell */
		return;
	rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);
	if (!rec) {
		__sync_fetch_and_add(&dropped_syncfs, 1);
		return;
	}
	wbw_fill_hdr(&rec->hdr, WBW_REC_SYNCFS, sizeof(*rec), 0);
	rec->file = (__u64)file;
	rec->ino = BPF_CORE_READ(file, f_inode, i_ino);
	rec->dev = BPF_CORE_READ(sb, s_dev);
	rec->fd = fd;
	rec->cursor = cursor;
	rec->sb_eseq = sb_eseq;
	rec->f_mode = BPF_CORE_READ(file, f_mode);
	rec->pad = 0;
	bpf_ringbuf_submit(rec, 0);
}

SEC("tp_btf/ext4_sync_fs")
int BPF_PROG(syncfs_report, struct super_block *sb, int wait)
{
	struct file *file;
	__u32 fd = 0;

	if (!sb || !wait || !sb->s_wb_err)
		return 0;
	file = syncfs_caller_file(&fd);
	if (!file || BPF_CORE_READ(file, f_inode, i_sb) != sb)
		return 0;
	syncfs_emit(file, fd, sb);
	return 0;
}

/* include/uapi/linux/magic.h */
#define WBW_XFS_SUPER_MAGIC 0x58465342
#define WBW_BTRFS_SUPER_MAGIC 0x9123683e

/*
 * The syncfs caller's file when it is on a filesystem with this magic: the
 * XFS and btrfs events below name the filesystem by types of their own
 * (struct xfs_mount, struct btrfs_fs_info: module types on Debian's
 * kernels, not in vmlinux's BTF), so the superblock is the caller's file's.
 * Inside syncfs(2) the only sync_fs that runs is that of the file's own
 * superblock (sync_filesystem(file's sb)), so the two are the same.
 */
static __always_inline struct file *syncfs_file_on(__u32 magic, __u32 *fdp)
{
	struct file *file = syncfs_caller_file(fdp);

	if (!file || BPF_CORE_READ(file, f_inode, i_sb, s_magic) != magic)
		return NULL;
	return file;
}

/*
 * btrfs: btrfs_sync_fs(sb, wait) fires btrfs:btrfs_sync_fs(fs_info, wait)
 * on entry.  sync_filesystem() calls it with wait=1 after sync_inodes_sb()
 * has waited for the data writeback it started, as for ext4 above.
 * Attached where the kernel has the event (btrfs built in or loaded).
 */
SEC("tp_btf/btrfs_sync_fs")
int BPF_PROG(syncfs_report_btrfs, void *fs_info, int wait)
{
	struct file *file;
	__u32 fd = 0;

	if (!wait)
		return 0;
	file = syncfs_file_on(WBW_BTRFS_SUPER_MAGIC, &fd);
	if (file)
		syncfs_emit(file, fd, BPF_CORE_READ(file, f_inode, i_sb));
	return 0;
}

/*
 * tid -> where the first xfs_fs_sync_fs of the running syncfs returns to.
 * XFS's event carries no `wait` (xfs:xfs_fs_sync_fs(mp, caller_ip) fires
 * on entry of xfs_fs_sync_fs, before it returns at once for wait=0), and
 * sync_filesystem() always calls sync_fs(sb, 0), then, after the waited
 * writeback, sync_fs(sb, 1) (XFS's wait=0 call cannot fail, so the second
 * always follows).  The second is the one to report at.  caller_ip tells
 * the two apart: they are two call sites in sync_filesystem(), the
 * waiting one later in it, so a call returning to a higher address than
 * the marked one is the second; any other (a watch that started between
 * the two calls of one syncfs left a mark) starts over as a first.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} xfs_syncfs_first SEC(".maps");

SEC("tp_btf/xfs_fs_sync_fs")
int BPF_PROG(syncfs_report_xfs, void *mp, void *caller_ip)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 ip = (__u64)caller_ip, *first;
	struct file *file;
	__u32 fd = 0;

	file = syncfs_file_on(WBW_XFS_SUPER_MAGIC, &fd);
	if (!file)
		return 0;
	first = bpf_map_lookup_elem(&xfs_syncfs_first, &tid);
	if (!first || ip <= *first) {
		bpf_map_update_elem(&xfs_syncfs_first, &tid, &ip, BPF_ANY);
		return 0;
	}
	bpf_map_delete_elem(&xfs_syncfs_first, &tid);
	syncfs_emit(file, fd, BPF_CORE_READ(file, f_inode, i_sb));
	return 0;
}

/* include/uapi/linux/magic.h; S_IFMT/S_IFREG from include/uapi/linux/stat.h */
#define WBW_OVERLAYFS_SUPER_MAGIC 0x794c7630
#define WBW_S_IFMT 00170000
#define WBW_S_IFREG 0100000

/*
 * Is `real` a file that an overlayfs file on `ovl_sb` could do its I/O
 * through: a file of another filesystem (never an overlay: overlays are
 * layered on real filesystems only through their real files) whose
 * mapping is its inode's own.  Every read here is a probe read, so a
 * pointer that is not a struct file fails the check instead of faulting.
 */
static __always_inline int wbw_is_real_file(struct file *real, struct super_block *ovl_sb)
{
	struct address_space *mapping;
	struct super_block *sb;
	struct inode *inode;

	if (!real)
		return 0;
	inode = BPF_CORE_READ(real, f_inode);
	if (!inode)
		return 0;
	sb = BPF_CORE_READ(inode, i_sb);
	if (!sb || sb == ovl_sb || BPF_CORE_READ(sb, s_magic) == WBW_OVERLAYFS_SUPER_MAGIC)
		return 0;
	mapping = BPF_CORE_READ(real, f_mapping);
	return mapping && mapping == BPF_CORE_READ(inode, i_mapping) &&
	       BPF_CORE_READ(mapping, host) == inode;
}

/*
 * The struct file whose cursor and mapping the kernel uses for `file`'s
 * writeback errors.  For most files that is the file itself.  An overlayfs
 * regular file does all its I/O through a real file opened on the upper
 * (or lower) inode, which no descriptor table holds: writeback errors land
 * on the real inode's mapping, and ovl_fsync() runs vfs_fsync_range() on
 * the real file, so file_check_and_advance_wb_err names the real file and
 * advances the real file's cursor.  overlayfs keeps it in
 * file->private_data: the real file itself up to Linux 6.12 (a struct
 * backing_file's file from 6.6), and a struct ovl_file whose first member
 * is the real file on newer kernels (6.18 here).  overlayfs is a module on
 * Debian's kernels, whose types are not in vmlinux's BTF, so the layout is
 * not taken from BTF: the container form is tried first, then the bare
 * file, each accepted only when wbw_is_real_file() holds for it.  Called
 * where the passes and the exit walk read a file's mapping.
 */
static __always_inline struct file *wbw_io_file(struct file *file)
{
	struct file *real = NULL;
	struct super_block *sb;
	void *priv;

	sb = BPF_CORE_READ(file, f_inode, i_sb);
	if (!sb || BPF_CORE_READ(sb, s_magic) != WBW_OVERLAYFS_SUPER_MAGIC ||
	    (BPF_CORE_READ(file, f_inode, i_mode) & WBW_S_IFMT) != WBW_S_IFREG)
		return file;
	priv = BPF_CORE_READ(file, private_data);
	if (!priv)
		return file;
	bpf_probe_read_kernel(&real, sizeof(real), priv);
	if (wbw_is_real_file(real, sb))
		return real;
	if (wbw_is_real_file(priv, sb))
		return priv;
	return file;
}

/*
 * A WBW_REC_FILE record: `io` (see wbw_io_file()) open at descriptor `fd`
 * of `task`, on `mapping`, with its cursor: what a pass lists, and what the
 * kernel's first look (below) sends.
 */
static __always_inline void fill_file_rec(struct wbw_file_rec *rec, struct task_struct *task,
					  struct file *io, struct address_space *mapping, __u32 fd)
{
	struct inode *inode = BPF_CORE_READ(mapping, host); /* as the set event names it */

	rec->hdr.kind = WBW_REC_FILE;
	rec->hdr.size = sizeof(*rec);
	rec->hdr.flags = WBW_F_MAPPING_VALID;
	rec->hdr.pid = BPF_CORE_READ(task, tgid);
	rec->hdr.tid = BPF_CORE_READ(task, pid);
	rec->hdr.ts_ns = bpf_ktime_get_ns();
	/* the holder's cgroup (v2), as bpf_get_current_cgroup_id() would give in its context */
	rec->hdr.cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	BPF_CORE_READ_STR_INTO(&rec->hdr.comm, task, comm);
	rec->mapping = (__u64)mapping;
	rec->file = (__u64)io;
	rec->ino = BPF_CORE_READ(inode, i_ino);
	rec->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	rec->fd = fd;
	rec->cursor = BPF_CORE_READ(io, f_wb_err);
	rec->mapping_eseq = BPF_CORE_READ(mapping, wb_err);
	rec->f_mode = BPF_CORE_READ(io, f_mode);
	rec->f_flags = BPF_CORE_READ(io, f_flags);
}

SEC("iter/task_file")
int tracked_files(struct bpf_iter__task_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file, *io;
	struct wbw_file_rec rec = {};
	struct address_space *mapping;
	__u64 key;

	if (!task || !file)
		return 0;
	/*
	 * The file the kernel tells: see wbw_io_file().  The overlay test is
	 * made with plain BTF loads first (this runs for every open file on
	 * the host; a probe-read chain costs several times more), the
	 * probe reads only for an overlay's files.
	 */
	io = file;
	if (file->f_inode->i_sb->s_magic == WBW_OVERLAYFS_SUPER_MAGIC)
		io = wbw_io_file(file);
	mapping = BPF_CORE_READ(io, f_mapping);
	key = (__u64)mapping;
	if (scan_mode) {
		__u32 cur = mapping ? BPF_CORE_READ(mapping, wb_err) : 0;

		/* errseq_check(): nothing to report when equal, or no error at all */
		if (!cur || cur == BPF_CORE_READ(io, f_wb_err))
			return 0;
	} else if (!bpf_map_lookup_elem(&watched, &key)) {
		return 0;
	}

	fill_file_rec(&rec, task, io, mapping, ctx->fd);
	bpf_seq_write(seq, &rec, sizeof(rec));
	if (!scan_mode) {
		/*
		 * A holder from now on, for holder_exit: userspace adds it too, but
		 * only after the pass, its records and their conclusion, and an exit
		 * in between was taken for a close (seen under emulation: s7, killed
		 * just after its error).
		 */
		__u32 tgid = rec.hdr.pid, one = 1;

		bpf_map_update_elem(&holders, &tgid, &one, BPF_ANY);
	}
	return 0;
}

struct exit_walk {
	struct file **fds;
	struct wbw_rec_hdr hdr;
	__u32 exit_code;
};

/*
 * A file's references: `f_count` up to 6.12; from 6.13 a file_ref_t
 * `f_ref` whose counter is the references less one (include/linux/
 * file_ref.h: FILE_REF_ONEREF is 0).  Flavors for CO-RE: whichever this
 * kernel has is read.
 */
struct file___count {
	struct {
		long counter;
	} f_count;
} __attribute__((preserve_access_index));

struct file___ref {
	struct {
		struct {
			long counter;
		} refcnt;
	} f_ref;
} __attribute__((preserve_access_index));

static __always_inline __u32 file_refs(struct file *file)
{
	long n = 0;

	if (bpf_core_field_exists(((struct file___ref *)file)->f_ref)) {
		bpf_core_read(&n, sizeof(n), &((struct file___ref *)file)->f_ref.refcnt.counter);
		return n >= 0 ? (__u32)n + 1 : 0;
	}
	if (bpf_core_field_exists(((struct file___count *)file)->f_count)) {
		bpf_core_read(&n, sizeof(n), &((struct file___count *)file)->f_count.counter);
		return n > 0 ? (__u32)n : 0;
	}
	return 0;
}

static long exit_walk_fd(__u32 i, struct exit_walk *w)
{
	struct wbw_exit_rec *rec;
	struct file *file = NULL;
	__u64 mapping;
	__u32 refs;

	bpf_probe_read_kernel(&file, sizeof(file), &w->fds[i]);
	if (!file)
		return 0;
	/* the table's own file (an overlay's, not its backing file, which only it holds) */
	refs = file_refs(file);
	file = wbw_io_file(file); /* as the passes list it */
	mapping = (__u64)BPF_CORE_READ(file, f_mapping);
	/* a mapping userspace watches, or one whose new error it has not read yet */
	if (!bpf_map_lookup_elem(&watched, &mapping) && !bpf_map_lookup_elem(&look_mappings, &mapping))
		return 0;
	rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);
	if (!rec) {
		__sync_fetch_and_add(&dropped_exit, 1);
		return 0;
	}
	rec->hdr = w->hdr;
	rec->file = (__u64)file;
	rec->fd = i;
	rec->exit_code = w->exit_code;
	rec->refs = refs;
	rec->pad = 0;
	bpf_ringbuf_submit(rec, 0);
	return 0;
}

/*
 * do_exit() fires this before exit_files() drops the task's descriptor
 * table: report which tracked files the exit is about to release.  A raw
 * tracepoint, not a classic one: it is attached after the watcher dropped
 * CAP_SYS_ADMIN, and a classic tracepoint goes through perf_event_open(),
 * which Debian's kernels (perf_event_paranoid=3) refuse without it.
 */
SEC("raw_tp/sched_process_exit")
int holder_exit(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, max_fds;
	struct task_struct *task;
	struct fdtable *fdt;
	struct exit_walk w = {};

	if (!bpf_map_lookup_elem(&holders, &tgid) && !bpf_map_lookup_elem(&look_holders, &tgid))
		return 0;
	task = (struct task_struct *)bpf_get_current_task();
	fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt)
		return 0;
	w.fds = BPF_CORE_READ(fdt, fd);
	max_fds = BPF_CORE_READ(fdt, max_fds);
	if (max_fds > WBW_EXIT_FDS_MAX)
		max_fds = WBW_EXIT_FDS_MAX;
	w.hdr.kind = WBW_REC_EXIT;
	w.hdr.size = sizeof(struct wbw_exit_rec);
	w.hdr.pid = tgid;
	w.hdr.tid = (__u32)id;
	w.hdr.ts_ns = bpf_ktime_get_ns();
	w.hdr.cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(w.hdr.comm, sizeof(w.hdr.comm));
	w.exit_code = BPF_CORE_READ(task, exit_code);
	bpf_loop(max_fds, exit_walk_fd, &w, 0);
	return 0;
}

/* task->flags (include/linux/sched.h), unchanged since 2.6 */
#define WBW_PF_EXITING 0x00000004
#define WBW_PF_KTHREAD 0x00200000

/*
 * One WBW_REC_RELEASE record for `file` on a watched mapping, named by the
 * current task: `cursor` is what the file was told, `eseq` the mapping's
 * value, both as the hook saw them at the release.
 */
static __always_inline void emit_release(struct file *file, __u32 cursor, __u32 eseq, __u32 flags)
{
	struct address_space *mapping = file->f_mapping;
	struct wbw_release_rec *rec;
	struct task_struct *task;
	struct inode *inode;
	__u64 key = (__u64)mapping;

	if (!bpf_map_lookup_elem(&watched, &key))
		return;
	rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);
	if (!rec) {
		__sync_fetch_and_add(&dropped_release, 1);
		return;
	}
	task = bpf_get_current_task_btf();
	if (task->flags & WBW_PF_EXITING)
		flags |= WBW_F_RELEASE_EXITING;
	if (task->flags & WBW_PF_KTHREAD)
		flags |= WBW_F_RELEASE_KTHREAD;
	wbw_fill_hdr(&rec->hdr, WBW_REC_RELEASE, sizeof(*rec), WBW_F_MAPPING_VALID | flags);
	inode = mapping->host; /* as the set event names it */
	rec->mapping = key;
	rec->file = (__u64)file;
	rec->ino = inode->i_ino;
	rec->dev = inode->i_sb->s_dev;
	rec->cursor = cursor;
	rec->mapping_eseq = eseq;
	rec->f_mode = file->f_mode;
	rec->f_flags = file->f_flags;
	rec->exit_code = task->exit_code;
	bpf_ringbuf_submit(rec, 0);
}

/*
 * --hooks=fentry (stock kernels): __fput() runs once per struct file, when
 * its last reference goes, before the file is torn down: exact release,
 * whoever held it and however it went (close, dup2 over it, exec, exit,
 * the last of several processes sharing it).  close(2) defers __fput to
 * the closer's task work, and exit_files() runs it in the exiting task
 * (PF_EXITING set), so the current task is the releaser, except for a
 * delayed fput run by a kernel thread.  Attached only while files are
 * tracked: it runs for every file released on the host.
 */
SEC("fentry/__fput")
int BPF_PROG(release_fput, struct file *file)
{
	if (!file || !file->f_mapping) /* see retry_sync_exit */
		return 0;
	/*
	 * Every close on the host comes here while files are tracked.  A
	 * mapping that never had an error (wb_err 0: errseq_t never returns
	 * to 0) cannot be watched: one plain load instead of a hash lookup.
	 */
	if (!file->f_mapping->wb_err)
		return 0;
	emit_release(file, file->f_wb_err, file->f_mapping->wb_err, 0);
	return 0;
}

/*
 * --hooks=kernel: a kernel with patches/0001 fires
 * filemap:file_release_unreported_wb_err from __fput() itself, only for a
 * file whose cursor errseq_check() finds behind its mapping's wb_err, with
 * both values as the kernel compared them.  Nothing to attach to __fput,
 * no struct layout to trust for the verdict; the same task context as
 * fentry/__fput, so the releaser is named the same way.
 */
SEC("tp_btf/file_release_unreported_wb_err")
int BPF_PROG(release_unreported, struct file *file, errseq_t cursor, errseq_t eseq, int err)
{
	if (!file || !file->f_mapping)
		return 0;
	emit_release(file, cursor, eseq, WBW_F_RELEASE_UNREPORTED);
	return 0;
}

/*
 * inode->i_state is an enum since 6.x and an unsigned long before; CO-RE
 * will not read one as the other (it compares kinds), so each has a flavor
 * and the one that matches this kernel is read (the other branch is dead).
 */
struct inode___state_enum {
	enum inode_state_flags_t i_state;
} __attribute__((preserve_access_index));

struct inode___state_ulong {
	unsigned long i_state;
} __attribute__((preserve_access_index));

extern int LINUX_KERNEL_VERSION __kconfig;

/*
 * I_DIRTY_PAGES, the flag __mark_inode_dirty() gets when a page of the
 * inode's data is dirtied, as opposed to its timestamps or metadata (a read
 * updating atime, a setattr).  Its value moved: 1 << 2 until 6.12, 1 << 5 in
 * 6.12 (both read off the writeback_mark_inode_dirty event's format in
 * Debian's 6.1 and 6.12 images), then an enum the BTF carries (64 on 6.18).
 */
static __always_inline __u32 i_dirty_pages(void)
{
	if (bpf_core_enum_value_exists(enum inode_state_flags_t, I_DIRTY_PAGES))
		return bpf_core_enum_value(enum inode_state_flags_t, I_DIRTY_PAGES);
	return LINUX_KERNEL_VERSION >= KERNEL_VERSION(6, 12, 0) ? 1u << 5 : 1u << 2;
}

/*
 * __mark_inode_dirty() runs in the context of whoever dirties the inode, and
 * returns at once when the inode already has every flag being set; so does
 * this.  What is left is the clean-to-dirty transition of its data pages,
 * once per inode and writeback cycle: its task is the writer of the data a
 * later writeback loses.  Only the data's: a process that only read the file
 * (atime) or changed its attributes was named as PostgreSQL's writer.  Not when it is a kernel thread: the flusher marks
 * the inode dirty itself while it allocates blocks for the very pages it
 * writes back (ext4 delalloc), after the writer, and was named instead
 * (seen on 6.18: kworker/u8:3 as the writer of an UNSEEN error).  User data
 * is dirtied by user processes (write, mmap, io_uring's workers are user
 * threads).  Attached for the whole watch (the writer dirties before any
 * error), so it is a tp_btf program: plain loads, no probe-read helper, on
 * a path that runs for every page a write dirties.
 */
SEC("tp_btf/writeback_mark_inode_dirty")
int BPF_PROG(note_dirtier, struct inode *inode, int flags)
{
	struct dirtier d = {};
	__u32 state;
	__u64 key;

	if (!inode) /* see retry_sync_exit */
		return 0;
	if (bpf_core_field_exists(((struct inode___state_enum *)inode)->i_state))
		state = ((struct inode___state_enum *)inode)->i_state;
	else
		state = (__u32)((struct inode___state_ulong *)inode)->i_state;
	if (!((__u32)flags & i_dirty_pages()) || (state & i_dirty_pages()))
		return 0;
	if (bpf_get_current_task_btf()->flags & WBW_PF_KTHREAD)
		return 0;
	key = (__u64)inode->i_mapping;
	d.pid = bpf_get_current_pid_tgid() >> 32;
	d.ts_ns = bpf_ktime_get_ns();
	d.cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(d.comm, sizeof(d.comm));
	bpf_map_update_elem(&dirtiers, &key, &d, BPF_ANY);
	return 0;
}

/*
 * Passes limited to the holders (issue 15).  After the first look at an
 * error, userspace lists only the processes that hold its files
 * (iter/task_file limited to one process, Linux 6.1+), so a process that
 * comes to hold one must be known: a fork child of a holder shares its
 * files.  Each such child is put in `holders` (its exit is reported as a
 * holder's) and in `forked`, which userspace empties before and after each
 * limited pass and lists too.  A process that receives a descriptor
 * (SCM_RIGHTS, pidfd_getfd) is not seen here: a limited pass that misses a
 * tracked file is confirmed by a pass over every process before any
 * release is concluded (src/app.c).  Attached only while files are
 * tracked with --hooks=tracepoint.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WBW_HOLDERS_MAX);
	__type(key, __u32);
	__type(value, __u32);
} forked SEC(".maps");

/* forks of holders that found `forked` full: userspace lists every process then */
__u64 forked_dropped = 0;

SEC("raw_tp/sched_process_fork")
int BPF_PROG(holder_fork, struct task_struct *parent_task, struct task_struct *child_task)
{
	__u32 parent = BPF_CORE_READ(parent_task, tgid), child = BPF_CORE_READ(child_task, tgid);
	__u32 one = 1;

	if (parent == child) /* a thread: same files, same process */
		return 0;
	if (!bpf_map_lookup_elem(&holders, &parent) && !bpf_map_lookup_elem(&forked, &parent))
		return 0;
	bpf_map_update_elem(&holders, &child, &one, BPF_ANY);
	if (bpf_map_update_elem(&forked, &child, &one, BPF_ANY))
		__sync_fetch_and_add(&forked_dropped, 1);
	return 0;
}

/*
 * The kernel's first look (issue 13, busy host).  A file due on an error
 * can be released before the watcher, woken by the error's record, has
 * listed the error's files: on a host whose CPUs are all busy that took
 * 0.3 ms and more, and a holder that closed within it was unknown (its
 * UNREPORTED named nobody, and `run` could not vouch).  So the error itself
 * starts the look: first_look_arm, on filemap_set_wb_err for the whole
 * watch, notes the mapping and starts a timer; the timer's callback runs in
 * softirq context (bpf_timer: an hrtimer in HRTIMER_MODE_REL_SOFT), which
 * no task of any priority delays, walks the descriptor table of every
 * process and sends a WBW_REC_FILE record (WBW_F_KERNEL_LOOK) for each open
 * file on a noted mapping, as a pass would list it.  The watcher's own
 * first pass still follows and is the exact listing (taken with the
 * iterator's locks); a file the kernel's look saw that the pass does not
 * find was released in between.
 *
 * Needs open-coded task iterators (bpf_iter_task, Linux 6.7+), timers in
 * tracing programs (5.15+) and bpf_rdonly_cast (6.2+): the loader turns
 * these programs off where the kernel's BTF lacks bpf_iter_task_new, and
 * the watcher's pass is then the first look, as before.  The walk reads
 * the tables without their locks, under RCU as the iterator kfunc
 * requires, with fault-safe loads: a table that changes under it gives a
 * stale view, which the pass that follows corrects (a file only looked at
 * here is never taken as told, only as held).
 *
 * Cost: one softirq slice lasts at most WBW_LOOK_SLICE_NS (about 1 ms); a
 * look that needs more goes on where it stopped, a slice's length later
 * (so at most half a CPU while a look runs).  Measured on the CI machine
 * kind: 0.24 ms for a look with nothing else open, 21 ms of slices over
 * 42 ms with 400,000 files open elsewhere (about 50 ns per descriptor
 * slot; the passes' iterator took 105 ms).  Errors that come while a look
 * is pending share it.  Over time the looks take at most 10% of a CPU: a
 * look spends from a budget that refills at 100 us per ms, holding at most
 * WBW_LOOK_BURST_NS, and one that finds it spent waits until it refills
 * (an error storm on a big host); the few looks of an error's burst (its
 * file, the journal's and metadata blocks) never wait.
 * Descriptors are read eight at a time, and a file whose mapping never
 * had an error (wb_err 0) costs no map lookup.
 */
struct bpf_iter_task {
	__u64 __opaque[3];
} __attribute__((aligned(8)));

/* kernel/bpf/task_iter.c; BPF_TASK_ITER_ALL_PROCS: one task per process */
#define WBW_TASK_ITER_ALL_PROCS 0
#define WBW_CLOCK_MONOTONIC 1 /* include/uapi/linux/time.h */
extern int bpf_iter_task_new(struct bpf_iter_task *it, struct task_struct *task,
			     unsigned int flags) __weak __ksym;
extern struct task_struct *bpf_iter_task_next(struct bpf_iter_task *it) __weak __ksym;
extern void bpf_iter_task_destroy(struct bpf_iter_task *it) __weak __ksym;
/* kernel/bpf/helpers.c (6.2+): a pointer read as a kernel type, loads made fault-safe */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __weak __ksym;

/* descriptors read per probe read */
#define WBW_LOOK_FDS_PER_READ 8

struct look_timer {
	struct bpf_timer timer;
	__s64 budget_ns;   /* softirq time the looks may spend now (see above) */
	__u64 refilled;    /* when the budget was last refilled */
	__u64 armed;       /* the timer is initialised */
	__u64 started;     /* the look under way: when it began (0: none) */
	__u64 worked_ns;   /* its slices' time so far */
	__u64 skip_procs;  /* processes its earlier slices walked */
	__u64 skip_fds;    /* descriptors of the next process they walked */
	__u64 slices;      /* its slices so far */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct look_timer);
} look_timer SEC(".maps");

/* Counters userspace reports (wbw_loader__first_look). */
__u64 look_count = 0;    /* looks completed */
__u64 look_slices = 0;   /* softirq slices they took */
__u64 look_files = 0;    /* files sent */
__u64 look_dropped = 0;  /* files not sent: the ring buffer was full */
__u64 look_ns_max = 0;   /* the longest look, first slice to last */
__u64 look_work_max = 0; /* the most work one look took, its slices together */
__u64 look_abandoned = 0; /* looks given up after WBW_LOOK_SLICES_MAX slices */

struct look_walk {
	struct task_struct *task;
	struct file **fds;
	struct file *slot[WBW_LOOK_FDS_PER_READ]; /* the descriptors read last */
	__u32 base;    /* the descriptor slot[0] is */
	__u64 look_started;
	__u64 slice_end;
	__u32 max_fds;
	__u32 from;       /* the first group of WBW_LOOK_FDS_PER_READ to read (a resumed table) */
	__u32 stopped_at; /* descriptor where the slice ran out (0: it did not) */
	__u32 tgid;
	__u32 found;
};

/* one descriptor of slot[]: its own callback, so that the verifier sees its branches once */
static long look_file(__u32 k, struct look_walk *w)
{
	struct file *p, *file;
	struct address_space *mapping;
	struct look_mapping *m;
	struct wbw_file_rec *rec;
	__u64 key;

	if (k >= WBW_LOOK_FDS_PER_READ)
		return 1;
	p = w->slot[k];
	if (!p)
		return 0;
	file = bpf_rdonly_cast(p, bpf_core_type_id_kernel(struct file));

	mapping = file->f_mapping;
	/* an error leaves wb_err non-zero for good (errseq never returns to 0) */
	if (!mapping || !mapping->wb_err) {
		/* an overlay's file: its writeback errors are its real file's (wbw_io_file) */
		if (file->f_inode->i_sb->s_magic != WBW_OVERLAYFS_SUPER_MAGIC)
			return 0;
		file = wbw_io_file(p);
		if (file == p)
			return 0;
		mapping = BPF_CORE_READ(file, f_mapping);
	}
	key = (__u64)mapping;
	m = bpf_map_lookup_elem(&look_mappings, &key);
	/* not new, or listed by an earlier look (the passes know it), or set since this one began */
	if (!m || m->looked || m->set_ns > w->look_started)
		return 0;
	rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);
	if (!rec) {
		__sync_fetch_and_add(&look_dropped, 1);
		return 0;
	}
	fill_file_rec(rec, w->task, file, mapping, w->base + k);
	rec->hdr.flags |= WBW_F_KERNEL_LOOK;
	bpf_ringbuf_submit(rec, 0);
	w->found = 1;
	__sync_fetch_and_add(&look_files, 1);
	return 0;
}

/* descriptors i * 8 .. i * 8 + 7 (max_fds is a multiple of BITS_PER_LONG) */
static long look_fds(__u32 i, struct look_walk *w)
{
	__u32 base = (i + w->from) * WBW_LOOK_FDS_PER_READ;
	__u64 any = 0;

	if (base >= w->max_fds)
		return 1;
	/*
	 * A look at the clock every 512 descriptors, never before the first
	 * 512 of a slice: each slice gets on (a table resumed where the last
	 * slice stopped would otherwise stop again at once, for ever).
	 */
	if (i && !(i & 63) && bpf_ktime_get_ns() > w->slice_end) {
		w->stopped_at = base ? base : 1;
		return 1;
	}
	if (bpf_probe_read_kernel(w->slot, sizeof(w->slot), &w->fds[base]))
		return 0;
	for (int k = 0; k < WBW_LOOK_FDS_PER_READ; k++)
		any |= (__u64)w->slot[k];
	if (!any) /* eight closed descriptors: common past a table's last open one */
		return 0;
	w->base = base;
	bpf_loop(WBW_LOOK_FDS_PER_READ, look_file, w, 0);
	return 0;
}

/* Refill the looks' budget; how long a look must wait for it (0: none). */
static __always_inline __u64 look_delay(struct look_timer *t, __u64 now)
{
	__s64 b = t->budget_ns;

	if (t->refilled && now > t->refilled)
		b += (now - t->refilled) / 10;
	if (b > (__s64)WBW_LOOK_BURST_NS)
		b = WBW_LOOK_BURST_NS;
	t->budget_ns = b;
	t->refilled = now;
	return b >= 0 ? 0 : (__u64)-b * 10;
}

/* after a look: the mappings it listed are known to userspace's passes */
static long look_done_cb(void *map, __u64 *key, struct look_mapping *m, struct look_walk *w)
{
	if (m->looked)
		return 0;
	if (m->set_ns <= w->look_started)
		m->looked = 1;
	else
		w->found = 1; /* set while it ran: one more look */
	return 0;
}

static int first_look(void *map, __u32 *key, struct look_timer *t)
{
	__u64 now = bpf_ktime_get_ns(), skip, took;
	struct look_walk w = {};
	struct bpf_iter_task it;
	struct task_struct *task;
	__u32 one = 1;
	int cut = 0;

	if (!t->started) {
		t->started = now;
		t->worked_ns = 0;
		t->skip_procs = 0;
		t->skip_fds = 0;
		t->slices = 0;
	}
	w.look_started = t->started;
	w.slice_end = now + WBW_LOOK_SLICE_NS;
	skip = t->skip_procs;
	bpf_iter_task_new(&it, NULL, WBW_TASK_ITER_ALL_PROCS);
	while ((task = bpf_iter_task_next(&it))) {
		struct fdtable *fdt;
		__u32 from;

		if (skip) { /* walked by an earlier slice (the list may have changed since: see above) */
			skip--;
			continue;
		}
		fdt = BPF_CORE_READ(task, files, fdt);
		if (fdt) { /* else a kernel thread, or a process past exit_files() */
			w.fds = BPF_CORE_READ(fdt, fd);
			w.max_fds = BPF_CORE_READ(fdt, max_fds);
			if (w.max_fds > WBW_EXIT_FDS_MAX)
				w.max_fds = WBW_EXIT_FDS_MAX;
			w.task = task;
			w.tgid = BPF_CORE_READ(task, tgid);
			w.found = 0;
			w.stopped_at = 0;
			from = t->skip_fds / WBW_LOOK_FDS_PER_READ;
			t->skip_fds = 0;
			w.from = from;
			bpf_loop(WBW_EXIT_FDS_MAX / WBW_LOOK_FDS_PER_READ - from, look_fds, &w, 0);
			if (w.found)
				bpf_map_update_elem(&look_holders, &w.tgid, &one, BPF_ANY);
			if (w.stopped_at) {
				/* on in the next slice, from this descriptor of this process */
				t->skip_fds = w.stopped_at;
				cut = 1;
				break;
			}
		}
		t->skip_procs++;
		if (bpf_ktime_get_ns() > w.slice_end) {
			cut = 1;
			break;
		}
	}
	bpf_iter_task_destroy(&it);
	took = bpf_ktime_get_ns() - now;
	t->worked_ns += took;
	t->budget_ns -= took;
	__sync_fetch_and_add(&look_slices, 1);
	/*
	 * A bound on any one look, whatever the host does meanwhile (a task
	 * list that keeps growing under it): the watcher's pass lists the
	 * rest, as it does where the kernel makes no look.
	 */
	if (cut && ++t->slices >= WBW_LOOK_SLICES_MAX) {
		__sync_fetch_and_add(&look_abandoned, 1);
		cut = 0;
	}
	if (cut) {
		/* the rest a slice's length later: half a CPU at most while a look runs */
		bpf_timer_start(&t->timer, took, 0);
		return 0;
	}
	/*
	 * Done, before the mappings are marked: an error noted from now on
	 * starts a look of its own (first_look_arm), one noted before is
	 * found unmarked below.
	 */
	t->started = 0;
	now = bpf_ktime_get_ns();
	if (now - w.look_started > look_ns_max)
		look_ns_max = now - w.look_started;
	if (t->worked_ns > look_work_max)
		look_work_max = t->worked_ns;
	w.found = 0;
	bpf_for_each_map_elem(&look_mappings, look_done_cb, &w, 0);
	__sync_fetch_and_add(&look_count, 1);
	if (w.found)
		bpf_timer_start(&t->timer, look_delay(t, now), 0);
	return 0;
}

/*
 * filemap_set_wb_err: note the mapping and start the look (tp_btf: a raw
 * or classic tracepoint program may not use a bpf_timer).  Filtered as
 * the main object's set program is (--dev/--mount, --errno), so a look
 * runs only for errors the watch reports.
 */
SEC("tp_btf/filemap_set_wb_err")
int BPF_PROG(first_look_arm, struct address_space *mapping, errseq_t eseq)
{
	struct look_mapping m = {}, *known;
	struct look_timer *t;
	struct inode *inode;
	__u32 zero = 0, after, dev;
	__u64 key = (__u64)mapping, now;

	if (!mapping)
		return 0;
	inode = mapping->host;
	if (!inode)
		return 0;
	dev = inode->i_sb->s_dev;
	/* a block device's own mapping is filtered by the device it is: its i_rdev */
	if (filter_dev && dev != filter_dev && inode->i_rdev != filter_dev)
		return 0;
	after = mapping->wb_err;
	if (filter_errno && (after & WBW_ERRSEQ_ERRNO_MASK) != filter_errno)
		return 0;
	t = bpf_map_lookup_elem(&look_timer, &zero);
	if (!t)
		return 0;
	/*
	 * The same error again (a burst: one event per failed page, and
	 * errseq_set() keeps the value while nobody has seen it): the look
	 * it started, or made, covers it.  Noting it anew would put it past
	 * the start of the look under way, which would then skip it.
	 */
	known = bpf_map_lookup_elem(&look_mappings, &key);
	if (known && known->eseq == (after & ~WBW_ERRSEQ_SEEN))
		return 0;
	now = bpf_ktime_get_ns();
	m.set_ns = now;
	m.eseq = after & ~WBW_ERRSEQ_SEEN;
	bpf_map_update_elem(&look_mappings, &key, &m, BPF_ANY);
	if (!t->armed) {
		/* -EBUSY: another CPU initialised it first, which is as good */
		bpf_timer_init(&t->timer, &look_timer, WBW_CLOCK_MONOTONIC);
		bpf_timer_set_callback(&t->timer, first_look);
		t->budget_ns = WBW_LOOK_BURST_NS;
		t->armed = 1;
	}
	/* a look under way goes on at its own pace, and takes this error up after */
	if (t->started)
		return 0;
	bpf_timer_start(&t->timer, look_delay(t, now), 0);
	return 0;
}
