// SPDX-License-Identifier: GPL-2.0
/*
 * wberrwatch BPF programs: report every writeback error the kernel records in
 * a mapping (filemap_set_wb_err) and every time a file's error cursor is
 * checked and advanced (file_check_and_advance_wb_err, i.e. fsync & co).
 *
 * Each tracepoint has three programs; the loader keeps one of each kind
 * (bpf_program__set_autoload):
 *  - raw_tp (Linux 4.17+): the tracepoint's own arguments, the mapping and
 *    the file, so it can read the values after the event.  The default: it
 *    needs no kernel BTF ids, so libbpf can relocate against the small BTF
 *    the loader builds instead of parsing all of the kernel's.
 *  - tp_btf (5.5+): the same arguments, typed; libbpf must parse the whole
 *    kernel BTF to attach it.  Chosen with --tp-mode btf.
 *  - classic tracepoint: only the event's fields; the fallback.
 *
 * The hooks only fire on the error path, so nothing here costs anything while
 * writeback succeeds.
 */
#include "vmlinux_min.h"
#include <linux/bpf.h> /* UAPI: map types and flags; the kernel-internal types come from vmlinux_min.h */
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "wberrwatch.h"
#include "shared_maps.bpf.h"
#include "paths.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Filters, set by the loader before load (0 = match all). */
const volatile __u32 filter_dev = 0;
const volatile __u32 filter_errno = 0;

/* an errseq value whose errno is not the one asked for (0: not known yet) */
static __always_inline int errno_filtered_out(__u32 eseq)
{
	__u32 e = eseq & WBW_ERRSEQ_ERRNO_MASK;

	return filter_errno && e && e != filter_errno;
}

/* Records lost because the ring buffer was full, per record kind. */
__u64 dropped[WBW_REC_KIND_MAX] = {};


/* see struct wbw_err_time: the map's name is WBW_ERR_TIMES_MAP */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WBW_ERR_TIMES_ENTRIES);
	__type(key, __u64);
	__type(value, struct wbw_err_time);
} wbw_err_times SEC(".maps");

/* A new errseq value on the mapping (counter or errno changed): note when. */
static __always_inline void note_error_time(__u64 mapping, __u32 after)
{
	struct wbw_err_time *t = bpf_map_lookup_elem(&wbw_err_times, &mapping);
	struct wbw_err_time now = { .eseq = after & ~WBW_ERRSEQ_SEEN };

	if (t && t->eseq == now.eseq)
		return; /* the same error again: keep when it first hit */
	now.ts_ns = bpf_ktime_get_ns();
	bpf_map_update_elem(&wbw_err_times, &mapping, &now, BPF_ANY);
}

static __always_inline void count_drop(enum wbw_rec_kind kind)
{
	if (kind < WBW_REC_KIND_MAX)
		__sync_fetch_and_add(&dropped[kind], 1);
}

/* The kernel's dev_t is major << 20 | minor (include/linux/kdev_t.h). */
static __always_inline int dev_filtered_out(__u32 dev)
{
	return filter_dev && dev != filter_dev;
}

#define WBW_S_IFMT 0170000
#define WBW_S_IFBLK 0060000

/*
 * The block device whose own mapping `inode` is (its page cache: the
 * metadata of the filesystem on it, or writes to the device node), or 0.
 * Such an inode lives on the bdev pseudo-filesystem, so --dev and --mount
 * must compare its i_rdev, the device they name.
 */
static __always_inline __u32 bdev_of(struct inode *inode)
{
	if (!inode || (BPF_CORE_READ(inode, i_mode) & WBW_S_IFMT) != WBW_S_IFBLK)
		return 0;
	return BPF_CORE_READ(inode, i_rdev);
}

static __always_inline int inode_filtered_out(__u32 dev, __u32 bdev)
{
	return dev_filtered_out(dev) && (!bdev || dev_filtered_out(bdev));
}

/*
 * `after` and `event_err` are the event's own new_errseq and err fields
 * when flags has WBW_F_SET_EVENT_V2 (a kernel with patches/0002), else 0.
 */
static __always_inline int handle_set_err(struct address_space *mapping, __u32 eseq_event,
					  __u64 ino, __u32 dev, __u32 flags, __u32 after,
					  __s32 event_err)
{
	struct wbw_set_err_rec *rec;
	struct inode *inode = NULL;
	__u32 bdev = 0;

	if (mapping) {
		inode = BPF_CORE_READ(mapping, host);
		ino = BPF_CORE_READ(inode, i_ino);
		dev = BPF_CORE_READ(inode, i_sb, s_dev);
		/*
		 * errseq_set() swaps the new value in before the tracepoint fires
		 * and, on current kernels, hands the tracepoint the value it
		 * replaced; the mapping itself holds the value after the set.
		 */
		after = BPF_CORE_READ(mapping, wb_err);
		flags |= WBW_F_AFTER_VALID | WBW_F_MAPPING_VALID;
		/* before the filters: a scan asks about any error, not only those watched */
		note_error_time((__u64)mapping, after);
		bdev = bdev_of(inode);
	}
	if (inode_filtered_out(dev, bdev) ||
	    ((mapping || (flags & WBW_F_SET_EVENT_V2)) && errno_filtered_out(after)))
		return 0;

	if (mapping && !emit_path((__u64)mapping, after, inode, NULL, dev, ino))
		count_drop(WBW_REC_PATH);

	rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);
	if (!rec) {
		count_drop(WBW_REC_SET_ERR);
		return 0;
	}
	wbw_fill_hdr(&rec->hdr, WBW_REC_SET_ERR, sizeof(*rec), flags);
	rec->mapping = (__u64)mapping;
	rec->ino = ino;
	rec->dev = dev;
	rec->eseq_event = eseq_event;
	rec->eseq_after = after;
	rec->event_err = event_err;
	rec->writers = 0;
	rec->i_generation = inode ? BPF_CORE_READ(inode, i_generation) : 0;
	rec->rdev = 0;
	rec->writer_pid = 0;
	rec->writer_ts_ns = 0;
	rec->writer_cgroup_id = 0;
	__builtin_memset(rec->writer_comm, 0, sizeof(rec->writer_comm));
	if (mapping) {
		__u64 key = (__u64)mapping;
		struct dirtier *d = bpf_map_lookup_elem(&dirtiers, &key);

		if (d) {
			rec->hdr.flags |= WBW_F_WRITER_VALID;
			rec->writer_pid = d->pid;
			rec->writer_ts_ns = d->ts_ns;
			rec->writer_cgroup_id = d->cgroup_id;
			__builtin_memcpy(rec->writer_comm, d->comm, sizeof(rec->writer_comm));
		}
	}
	if (inode && (BPF_CORE_READ(inode, i_mode) & WBW_S_IFMT) == 0100000) {
		/* S_IFREG: its writers at the instant of the error, for the first look to count */
		rec->writers = BPF_CORE_READ(inode, i_writecount.counter);
		rec->hdr.flags |= WBW_F_WRITERS_VALID;
	}
	/* S_IFBLK: the block device's own page cache (the bdev pseudo-fs inode) */
	if (bdev) {
		rec->hdr.flags |= WBW_F_BDEV;
		rec->rdev = bdev;
	}
	bpf_ringbuf_submit(rec, 0);
	return 0;
}

SEC("raw_tp/filemap_set_wb_err")
int BPF_PROG(set_wb_err_raw, struct address_space *mapping, errseq_t eseq)
{
	return handle_set_err(mapping, eseq, 0, 0, 0, 0, 0);
}

SEC("tp_btf/filemap_set_wb_err")
int BPF_PROG(set_wb_err_btf, struct address_space *mapping, errseq_t eseq)
{
	return handle_set_err(mapping, eseq, 0, 0, WBW_F_TP_BTF, 0, 0);
}

/*
 * `wberrwatch run`: the tasks of the command's process tree.  Userspace
 * puts the command's pid in before it execs; every task it forks, and they
 * in turn, join here, in the kernel, so none is missed.  Exited tasks stay:
 * their verdicts come later.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WBW_TREE_MAX);
	__type(key, __u32); /* pid (a task; a process's is its tgid) */
	__type(value, __u8);
} tree SEC(".maps");

/*
 * A raw tracepoint, not the classic sched/sched_process_fork: a classic
 * tracepoint program needs tracefs mounted (libbpf reads the event's id
 * there), and most containers and fresh hosts have none.  The raw event's
 * arguments are the tasks themselves (trace_sched_process_fork(current, p)
 * in kernel/fork.c); `pid` is what the classic event's fields carry.
 */
SEC("raw_tp/sched_process_fork")
int BPF_PROG(tree_fork, struct task_struct *parent_task, struct task_struct *child_task)
{
	__u32 parent = BPF_CORE_READ(parent_task, pid), child = BPF_CORE_READ(child_task, pid);
	__u8 one = 1;

	if (bpf_map_lookup_elem(&tree, &parent))
		bpf_map_update_elem(&tree, &child, &one, BPF_ANY);
	return 0;
}

/*
 * patches/0002 appends the value after the set and the error to the
 * event.  A flavor of the event's record with just those fields: CO-RE
 * matches it to the kernel's trace_event_raw_filemap_set_wb_err, and
 * bpf_core_field_exists() says at load time whether this kernel has them
 * (vmlinux/types.list lists them as optional).
 */
struct trace_event_raw_filemap_set_wb_err___v2 {
	errseq_t new_errseq;
	int err;
} __attribute__((preserve_access_index));

SEC("tracepoint/filemap/filemap_set_wb_err")
int set_wb_err_tp(struct trace_event_raw_filemap_set_wb_err *ctx)
{
	struct trace_event_raw_filemap_set_wb_err___v2 *v2 = (void *)ctx;

	/* No mapping pointer here: identity is dev + inode. */
	if (bpf_core_field_exists(v2->new_errseq))
		return handle_set_err(NULL, ctx->errseq, ctx->i_ino, ctx->s_dev,
				      WBW_F_SET_EVENT_V2, v2->new_errseq, v2->err);
	/* unpatched: only the value errseq_set() returned, the decoder's quirk */
	return handle_set_err(NULL, ctx->errseq, ctx->i_ino, ctx->s_dev, 0, 0, 0);
}

/*
 * The current task's descriptor for `file`, or -1.  The check runs in the
 * caller's context (fsync, fdatasync, sync_file_range, msync; an io_uring
 * worker shares its submitter's table), and it is rare: it fires only when
 * the file has news to be told.  A plain bounded loop, not bpf_loop: this
 * program must load on every kernel with ring buffers (5.8+).
 */
static __always_inline __s32 caller_fd_of(struct file *file)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	__u32 max_fds, i;

	if (!fdt)
		return -1;
	fds = BPF_CORE_READ(fdt, fd);
	max_fds = BPF_CORE_READ(fdt, max_fds);
	for (i = 0; i < WBW_OBSERVE_FDS_MAX && i < max_fds; i++) {
		struct file *f = NULL;

		bpf_probe_read_kernel(&f, sizeof(f), &fds[i]);
		if (f == file)
			return (__s32)i;
	}
	return -1;
}

static __always_inline int handle_observe(struct file *file, __u32 cursor_old, __u32 cursor_new,
					  __u32 flags)
{
	struct wbw_observe_rec *rec;
	struct address_space *mapping;
	struct inode *inode;
	__u32 dev, mapping_eseq;
	__u64 ino;

	mapping = BPF_CORE_READ(file, f_mapping);
	/*
	 * The inode that owns the errseq is the mapping's host; for a device
	 * node f_inode is the node in /dev, while the errors are recorded on
	 * the block device's own inode.
	 */
	inode = BPF_CORE_READ(mapping, host);
	ino = BPF_CORE_READ(inode, i_ino);
	dev = BPF_CORE_READ(inode, i_sb, s_dev);
	if (inode_filtered_out(dev, bdev_of(inode)) || errno_filtered_out(cursor_new))
		return 0;
	mapping_eseq = BPF_CORE_READ(mapping, wb_err);

	/* a watcher started after the error has not seen its path yet */
	if (!emit_path((__u64)mapping, mapping_eseq & ~WBW_ERRSEQ_SEEN, inode,
		       BPF_CORE_READ(file, f_path.dentry), dev, ino))
		count_drop(WBW_REC_PATH);

	rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);
	if (!rec) {
		count_drop(WBW_REC_OBSERVE);
		return 0;
	}
	wbw_fill_hdr(&rec->hdr, WBW_REC_OBSERVE, sizeof(*rec), flags | WBW_F_MAPPING_VALID);
	rec->mapping = (__u64)mapping;
	rec->file = (__u64)file;
	rec->ino = ino;
	rec->dev = dev;
	rec->cursor_old = cursor_old;
	rec->cursor_new = cursor_new;
	rec->mapping_eseq = mapping_eseq;
	if (cursor_new != cursor_old) {
		/* the caller is being told: watch its next fsync on this inode */
		__u64 key = (__u64)mapping, armed = 0;

		bpf_map_update_elem(&retry_watch, &key, &armed, BPF_ANY);
	}
	rec->f_mode = BPF_CORE_READ(file, f_mode);
	rec->f_flags = BPF_CORE_READ(file, f_flags);
	rec->fd = caller_fd_of(file);
	rec->pad = 0;
	bpf_ringbuf_submit(rec, 0);
	return 0;
}

/*
 * file_check_and_advance_wb_err() fires its tracepoint under f_lock right
 * after errseq_check_and_advance() stored the new cursor in f_wb_err.
 */
SEC("raw_tp/file_check_and_advance_wb_err")
int BPF_PROG(observe_raw, struct file *file, errseq_t old)
{
	return handle_observe(file, old, BPF_CORE_READ(file, f_wb_err), WBW_F_AFTER_VALID);
}

SEC("tp_btf/file_check_and_advance_wb_err")
int BPF_PROG(observe_btf, struct file *file, errseq_t old)
{
	return handle_observe(file, old, BPF_CORE_READ(file, f_wb_err),
			      WBW_F_TP_BTF | WBW_F_AFTER_VALID);
}

SEC("tracepoint/filemap/file_check_and_advance_wb_err")
int observe_tp(struct trace_event_raw_file_check_and_advance_wb_err *ctx)
{
	/* the classic event carries old and new itself */
	return handle_observe(ctx->file, ctx->old, ctx->new, WBW_F_AFTER_VALID);
}
