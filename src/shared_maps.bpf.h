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

#endif
