/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Maps and helpers both BPF objects use: maps defined once here, created by the main object
 * (wberrwatch.bpf.c) and handed to the lifetime object before it loads
 * (bpf_map__reuse_fd in src/loader.c), so both see the same maps.
 */
#ifndef WBW_SHARED_MAPS_BPF_H
#define WBW_SHARED_MAPS_BPF_H

#include "wberrwatch.h"

/* All records, from both objects, in one ordered stream. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, WBW_RINGBUF_DEFAULT); /* resized by the loader */
} events SEC(".maps");

/*
 * mapping address -> 0 while armed, 1 once written to again.  The main
 * object's observe program arms an inode at the instant a check tells a
 * caller an error, so that an immediate retry is not missed; the lifetime
 * object watches the armed inodes' fsync results and rewrites (RETRIED).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WBW_RETRY_MAX);
	__type(key, __u64);
	__type(value, __u64); /* 64-bit: clang 14's BPF atomics */
} retry_watch SEC(".maps");

/*
 * Who last turned an inode dirty (--name-writers): filled by the lifetime
 * object's note_dirtier, read by the main object's set program.
 */
struct dirtier {
	__u32 pid;
	__u32 pad;
	__u64 ts_ns;
	__u64 cgroup_id;
	char comm[WBW_TASK_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WBW_DIRTIERS_ENTRIES);
	__type(key, __u64); /* mapping address */
	__type(value, struct dirtier);
} dirtiers SEC(".maps");

/* A record header naming the current task, as the records of both objects do. */
static __always_inline void wbw_fill_hdr(struct wbw_rec_hdr *hdr, __u16 kind, __u16 size,
					 __u32 flags)
{
	__u64 id = bpf_get_current_pid_tgid();

	hdr->kind = kind;
	hdr->size = size;
	hdr->flags = flags;
	hdr->pid = id >> 32;
	hdr->tid = (__u32)id;
	hdr->ts_ns = bpf_ktime_get_ns();
	hdr->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(hdr->comm, sizeof(hdr->comm));
}

/*
 * The struct file at descriptor `fd` of the current task, when the task is
 * inside one of the syscalls numbered `nr_a` or `nr_b` (x86-64: the number
 * it entered the kernel with, pt_regs->orig_ax) and `fd` is that call's
 * first argument, else NULL.  *fdp gets the descriptor, *nrp the number.
 * Used where a filesystem hook runs inside fsync(2), fdatasync(2) or
 * syncfs(2) and names only an inode or a superblock: those calls take the
 * fd as their first argument and hold its file until they return, so the
 * slot still holds it unless another thread of the task closed or replaced
 * it meanwhile (a caller that knows the inode or file to expect compares).
 * Read with probe reads: the table may be resized under us.  Other callers
 * of the same code (sync(2), msync, io_uring, nfsd) are not syscalls with
 * an fd here and give NULL.
 */
#if defined(__TARGET_ARCH_x86)
#define WBW_NR_FSYNC 74 /* arch/x86/entry/syscalls/syscall_64.tbl */
#define WBW_NR_FDATASYNC 75
#define WBW_NR_SYNCFS 306
#endif

static __always_inline struct file *wbw_syscall_fd_file(__u64 nr_a, __u64 nr_b, __u32 *fdp,
							 __u64 *nrp)
{
#if defined(__TARGET_ARCH_x86)
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	struct file *file = NULL;
	struct fdtable *fdt;
	struct file **fds;
	__u32 fd;

	if (!regs || (regs->orig_ax != nr_a && regs->orig_ax != nr_b))
		return NULL;
	fd = (__u32)regs->di;
	fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	*fdp = fd;
	*nrp = regs->orig_ax;
	return file;
#else
	(void)nr_a;
	(void)nr_b;
	(void)fdp;
	(void)nrp;
	return NULL;
#endif
}

#endif
