/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Path records, sent by both BPF objects: the main object's set and observe
 * programs, and the lifetime object's failed-fsync program (an fsync can
 * fail with no writeback error, so no set event names its file).  The
 * path_sent map is the main object's, handed to the lifetime object
 * (bpf_map__reuse_fd in src/loader.c).
 */
#ifndef WBW_PATHS_BPF_H
#define WBW_PATHS_BPF_H

#include "shared_maps.bpf.h"

/*
 * mapping address -> the inode and errseq value for which its path was last
 * sent.  A burst of failed I/O fires dozens of set events per mapping; the
 * path is sent once per inode and error, not per event.  The inode is part
 * of it: a freed inode's struct address_space is often the next new file's,
 * with the same first errseq value (50 of 68 PostgreSQL verdicts lost their
 * path so).  LRU: an evicted entry only costs a path record sent again.
 */
struct path_sent_val {
	__u64 ino;
	__u32 generation;
	__u32 eseq;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WBW_PATH_CACHE_ENTRIES);
	__type(key, __u64);
	__type(value, struct path_sent_val);
} path_sent SEC(".maps");

/*
 * Walk dentry names from `dentry` to the root of its filesystem (the dentry
 * whose d_parent is itself), leaf first.  Names are read with
 * bpf_probe_read_kernel_str: a rename racing with us can give a stale or
 * mixed name, which userspace documents as best effort.
 */
static __always_inline void walk_dentry_names(struct wbw_path_rec *rec, struct dentry *dentry)
{
	__u32 off = 0, last_off = 0;
	__u32 flags = 0;
	int i;

	for (i = 0; i < WBW_PATH_DEPTH; i++) {
		struct dentry *parent;
		const unsigned char *name;
		long len;

		if (!dentry)
			break;
		parent = BPF_CORE_READ(dentry, d_parent);
		if (parent == dentry) {
			flags |= WBW_F_PATH_COMPLETE;
			break;
		}
		if (off >= WBW_PATH_BUF) {
			flags |= WBW_F_PATH_TRUNCATED;
			break;
		}
		name = BPF_CORE_READ(dentry, d_name.name);
		/*
		 * names[] is followed by WBW_NAME_MAX + 1 bytes of slack.  The
		 * mask is what proves the bound to the verifier; keep clang from
		 * dropping it as redundant with the check above.
		 */
		barrier_var(off);
		len = bpf_probe_read_kernel_str(&rec->names[off & (WBW_PATH_BUF - 1)],
						WBW_NAME_MAX + 1, name);
		if (len <= 0)
			break;
		last_off = off;
		off += len;
		rec->depth++;
		dentry = parent;
	}
	if (off > WBW_PATH_BUF) {
		/* the last name ran into the slack: drop it, the path is cut */
		flags |= WBW_F_PATH_TRUNCATED;
		flags &= ~WBW_F_PATH_COMPLETE;
		rec->depth--;
		off = last_off;
	}
	rec->names_len = off;
	rec->hdr.flags |= flags;
}

/* First alias of an inode: inode->i_dentry links dentry->d_u.d_alias. */
static __always_inline struct dentry *inode_first_dentry(struct inode *inode)
{
	struct hlist_node *first = BPF_CORE_READ(inode, i_dentry.first);

	if (!first)
		return NULL;
	return (void *)first - bpf_core_field_offset(struct dentry, d_u.d_alias);
}

/*
 * Send the path of `mapping` unless it was already sent for this inode and
 * errseq value.  `dentry` may be NULL: then the inode's first alias is used.
 * 0 when the ring buffer was full (the caller counts it), else 1.
 */
static __always_inline int emit_path(__u64 mapping, __u32 eseq, struct inode *inode,
				      struct dentry *dentry, __u32 dev, __u64 ino)
{
	struct path_sent_val now = { .ino = ino, .eseq = eseq };
	struct wbw_path_rec *rec;
	struct path_sent_val *sent;

	now.generation = BPF_CORE_READ(inode, i_generation);
	sent = bpf_map_lookup_elem(&path_sent, &mapping);
	if (sent && sent->eseq == eseq && sent->ino == ino && sent->generation == now.generation)
		return 1;

	rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);
	if (!rec)
		return 0; /* the caller counts it */
	wbw_fill_hdr(&rec->hdr, WBW_REC_PATH, sizeof(*rec), WBW_F_MAPPING_VALID);
	rec->mapping = mapping;
	rec->ino = ino;
	rec->dev = dev;
	rec->i_generation = now.generation;
	rec->depth = 0;
	rec->names_len = 0;
	if (!dentry)
		dentry = inode_first_dentry(inode);
	if (dentry)
		walk_dentry_names(rec, dentry);
	else
		rec->hdr.flags |= WBW_F_PATH_NO_DENTRY;
	bpf_ringbuf_submit(rec, 0);
	bpf_map_update_elem(&path_sent, &mapping, &now, BPF_ANY);
	return 1;
}

#endif
