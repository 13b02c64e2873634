// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <string.h>
#include "decode.h"
#include "errseq.h"

static void decode_hdr(const struct wbw_rec_hdr *h, struct wbw_ev *ev)
{
	ev->kind = h->kind;
	ev->ts_ns = h->ts_ns;
	ev->rec_flags = h->flags;
	ev->task.pid = h->pid;
	ev->task.tid = h->tid;
	ev->task.cgroup_id = h->cgroup_id;
	memcpy(ev->task.comm, h->comm, WBW_TASK_COMM_LEN);
	ev->task.comm[WBW_TASK_COMM_LEN] = '\0';
}

/* The inode a record is about: every kind but EXIT names one the same way. */
static void decode_ident(uint32_t flags, uint64_t mapping, uint64_t ino, uint32_t dev,
			 struct wbw_ev *ev)
{
	ev->mapping = (flags & WBW_F_MAPPING_VALID) ? mapping : 0;
	ev->ino = ino;
	ev->dev = dev;
}

static void decode_set(const struct wbw_set_err_rec *r, const struct wbw_decode_opts *opts,
		       struct wbw_ev *ev)
{
	bool after_read = r->hdr.flags & WBW_F_AFTER_VALID;

	decode_ident(r->hdr.flags, r->mapping, r->ino, r->dev, ev);
	ev->set.raw = r->eseq_event;
	ev->generation = r->i_generation;
	ev->set.bdev = (r->hdr.flags & WBW_F_BDEV) ? r->rdev : 0;
	ev->set.writers = (r->hdr.flags & WBW_F_WRITERS_VALID) && r->writers >= 0 ? r->writers : -1;
	ev->set.writer_known = r->hdr.flags & WBW_F_WRITER_VALID;
	if (ev->set.writer_known) {
		ev->set.writer.pid = r->writer_pid;
		ev->set.writer.cgroup_id = r->writer_cgroup_id;
		memcpy(ev->set.writer.comm, r->writer_comm, WBW_TASK_COMM_LEN);
		ev->set.writer.comm[WBW_TASK_COMM_LEN] = '\0';
		ev->set.writer_ts_ns = r->writer_ts_ns;
	}
	ev->set.prev_known = false;
	ev->set.after_known = false;

	if (r->hdr.flags & WBW_F_SET_EVENT_V2) {
		/*
		 * A kernel with patches/0002: the event says itself what it
		 * recorded (new_errseq, err) and keeps `errseq` as errseq_set()
		 * returned it, which on every kernel that carries the patch is
		 * the value replaced.  No quirk to guess.
		 */
		ev->set.prev = r->eseq_event;
		ev->set.prev_known = true;
		ev->set.after = r->eseq_after & ~WBW_ERRSEQ_SEEN;
		ev->set.after_known = true;
		ev->set.err = r->event_err < 0 && r->event_err > -(int32_t)WBW_ERRSEQ_ERRNO_MASK
				      ? -r->event_err
				      : wbw_errseq_errno(ev->set.after);
		return;
	}
	if (opts->setfield == WBW_SETFIELD_NEW) {
		ev->set.after = r->eseq_event;
		ev->set.after_known = true;
	} else {
		ev->set.prev = r->eseq_event;
		ev->set.prev_known = true;
	}
	/* a value read from the mapping itself beats the event's field */
	if (after_read) {
		ev->set.after = r->eseq_after;
		ev->set.after_known = true;
	}
	/*
	 * The hook reads wb_err after the set; a fsync racing in between can add
	 * SEEN.  The error recorded is the same either way; strip the flag so
	 * that all events of one error carry one value.
	 */
	if (ev->set.after_known)
		ev->set.after &= ~WBW_ERRSEQ_SEEN;
	ev->set.err = ev->set.after_known ? wbw_errseq_errno(ev->set.after) : 0;
}

static void decode_observe(const struct wbw_observe_rec *r, struct wbw_ev *ev)
{
	decode_ident(r->hdr.flags, r->mapping, r->ino, r->dev, ev);
	ev->obs.file = r->file;
	ev->obs.old = r->cursor_old;
	ev->obs.new_cursor = r->cursor_new;
	ev->obs.mapping_eseq = r->mapping_eseq;
	ev->obs.f_mode = r->f_mode;
	ev->obs.f_flags = r->f_flags;
	ev->obs.fd = r->fd;
	/*
	 * errseq_check_and_advance() returns -(new & MAX_ERRNO) whenever the
	 * mapping's value differed from the cursor, and stores that value (with
	 * SEEN) as the new cursor.
	 */
	ev->obs.err = r->cursor_new != r->cursor_old ? wbw_errseq_errno(r->cursor_new) : 0;
}

static void decode_file(const struct wbw_file_rec *r, struct wbw_ev *ev)
{
	decode_ident(r->hdr.flags, r->mapping, r->ino, r->dev, ev);
	ev->file.file = r->file;
	ev->file.fd = r->fd;
	ev->file.cursor = r->cursor;
	ev->file.mapping_eseq = r->mapping_eseq;
	ev->file.f_mode = r->f_mode;
	ev->file.f_flags = r->f_flags;
	ev->file.kernel_look = r->hdr.flags & WBW_F_KERNEL_LOOK;
}

static int decode_path(const struct wbw_path_rec *r, struct wbw_ev *ev)
{
	const char *comp[WBW_PATH_DEPTH];
	size_t comp_len[WBW_PATH_DEPTH];
	size_t off = 0, out = 0;
	unsigned i;

	if (r->names_len > WBW_PATH_BUF || r->depth > WBW_PATH_DEPTH)
		return WBW_DECODE_BAD_PATH;
	for (i = 0; i < r->depth; i++) {
		const char *name = r->names + off;
		const char *nul;

		if (off >= r->names_len)
			return WBW_DECODE_BAD_PATH;
		nul = memchr(name, '\0', r->names_len - off);
		if (!nul)
			return WBW_DECODE_BAD_PATH;
		comp[i] = name;
		comp_len[i] = (size_t)(nul - name);
		if (comp_len[i] == 0 || memchr(name, '/', comp_len[i]))
			return WBW_DECODE_BAD_PATH;
		off += comp_len[i] + 1;
	}
	if (off != r->names_len)
		return WBW_DECODE_BAD_PATH;

	decode_ident(r->hdr.flags, r->mapping, r->ino, r->dev, ev);
	ev->generation = r->i_generation;
	ev->path.depth = r->depth;
	ev->path.complete = r->hdr.flags & WBW_F_PATH_COMPLETE;
	ev->path.truncated = r->hdr.flags & WBW_F_PATH_TRUNCATED;
	ev->path.no_dentry = r->hdr.flags & WBW_F_PATH_NO_DENTRY;
	/* components arrive leaf first; join them root first */
	for (i = r->depth; i-- > 0;) {
		ev->path.fs_path[out++] = '/';
		memcpy(ev->path.fs_path + out, comp[i], comp_len[i]);
		out += comp_len[i];
	}
	if (out == 0 && r->depth == 0 && ev->path.complete)
		ev->path.fs_path[out++] = '/';
	ev->path.fs_path[out] = '\0';
	return WBW_DECODE_OK;
}

int wbw_decode(const void *data, size_t len, const struct wbw_decode_opts *opts,
	       struct wbw_ev *ev)
{
	static const struct wbw_decode_opts defaults;
	struct wbw_rec_hdr h;
	size_t want;

	if (!opts)
		opts = &defaults;
	if (len < sizeof(h))
		return WBW_DECODE_SHORT;
	memcpy(&h, data, sizeof(h));
	switch (h.kind) {
	case WBW_REC_SET_ERR: want = sizeof(struct wbw_set_err_rec); break;
	case WBW_REC_OBSERVE: want = sizeof(struct wbw_observe_rec); break;
	case WBW_REC_PATH: want = sizeof(struct wbw_path_rec); break;
	case WBW_REC_FILE: want = sizeof(struct wbw_file_rec); break;
	case WBW_REC_EXIT: want = sizeof(struct wbw_exit_rec); break;
	case WBW_REC_SYNC: case WBW_REC_DIRTY: want = sizeof(struct wbw_inode_rec); break;
	case WBW_REC_RELEASE: want = sizeof(struct wbw_release_rec); break;
	case WBW_REC_SYNCFS: want = sizeof(struct wbw_syncfs_rec); break;
	case WBW_REC_FSYNC_FAIL: want = sizeof(struct wbw_fsync_fail_rec); break;
	case WBW_REC_CLOSE_TOLD: want = sizeof(struct wbw_close_told_rec); break;
	default: return WBW_DECODE_BAD_KIND;
	}
	if (h.size != want)
		return WBW_DECODE_BAD_SIZE;
	if (len < want)
		return WBW_DECODE_SHORT;

	memset(ev, 0, sizeof(*ev));
	decode_hdr(&h, ev);
	switch (h.kind) {
	case WBW_REC_SET_ERR: {
		struct wbw_set_err_rec r;
		memcpy(&r, data, sizeof(r));
		decode_set(&r, opts, ev);
		return WBW_DECODE_OK;
	}
	case WBW_REC_OBSERVE: {
		struct wbw_observe_rec r;
		memcpy(&r, data, sizeof(r));
		decode_observe(&r, ev);
		return WBW_DECODE_OK;
	}
	case WBW_REC_FILE: {
		struct wbw_file_rec r;
		memcpy(&r, data, sizeof(r));
		decode_file(&r, ev);
		return WBW_DECODE_OK;
	}
	case WBW_REC_SYNC:
	case WBW_REC_DIRTY: {
		struct wbw_inode_rec r;
		memcpy(&r, data, sizeof(r));
		decode_ident(r.hdr.flags, r.mapping, r.ino, r.dev, ev);
		ev->inode.ret = r.ret;
		return WBW_DECODE_OK;
	}
	case WBW_REC_EXIT: {
		struct wbw_exit_rec r;
		memcpy(&r, data, sizeof(r));
		ev->exit.file = r.file;
		ev->exit.fd = r.fd;
		ev->exit.exit_code = (int32_t)r.exit_code;
		ev->exit.refs = r.refs;
		return WBW_DECODE_OK;
	}
	case WBW_REC_RELEASE: {
		struct wbw_release_rec r;
		memcpy(&r, data, sizeof(r));
		decode_ident(r.hdr.flags, r.mapping, r.ino, r.dev, ev);
		ev->release.file = r.file;
		ev->release.cursor = r.cursor;
		ev->release.mapping_eseq = r.mapping_eseq;
		ev->release.f_mode = r.f_mode;
		ev->release.f_flags = r.f_flags;
		ev->release.exiting = r.hdr.flags & WBW_F_RELEASE_EXITING;
		ev->release.kthread = r.hdr.flags & WBW_F_RELEASE_KTHREAD;
		/*
		 * WBW_F_RELEASE_UNREPORTED (the kernel's own event) needs nothing
		 * of its own: its cursor and errseq are what the kernel compared,
		 * and the correlator judges it as it judges fentry/__fput's.
		 */
		ev->release.exit_code = r.exit_code;
		return WBW_DECODE_OK;
	}
	case WBW_REC_SYNCFS: {
		struct wbw_syncfs_rec r;
		memcpy(&r, data, sizeof(r));
		decode_ident(0, 0, r.ino, r.dev, ev);
		ev->syncfs.file = r.file;
		ev->syncfs.fd = r.fd;
		ev->syncfs.cursor = r.cursor;
		ev->syncfs.sb_eseq = r.sb_eseq;
		ev->syncfs.f_mode = r.f_mode;
		ev->syncfs.err = wbw_errseq_check(r.sb_eseq, r.cursor);
		return WBW_DECODE_OK;
	}
	case WBW_REC_FSYNC_FAIL: {
		struct wbw_fsync_fail_rec r;
		memcpy(&r, data, sizeof(r));
		decode_ident(r.hdr.flags, r.mapping, r.ino, r.dev, ev);
		ev->fsync_fail.file = r.file;
		ev->fsync_fail.fd = r.fd;
		ev->fsync_fail.err = r.ret < 0 ? -r.ret : r.ret;
		ev->fsync_fail.datasync = r.datasync != 0;
		return WBW_DECODE_OK;
	}
	case WBW_REC_CLOSE_TOLD: {
		struct wbw_close_told_rec r;
		memcpy(&r, data, sizeof(r));
		decode_ident(r.hdr.flags, r.mapping, r.ino, r.dev, ev);
		ev->close_told.file = r.file;
		ev->close_told.fd = r.fd;
		ev->close_told.err = r.ret < 0 ? -r.ret : r.ret;
		ev->close_told.since = r.since;
		ev->close_told.eseq = r.mapping_eseq;
		ev->close_told.cursor = r.cursor;
		ev->close_told.f_mode = r.f_mode;
		return WBW_DECODE_OK;
	}
	default: {
		struct wbw_path_rec r;
		memcpy(&r, data, sizeof(r));
		return decode_path(&r, ev);
	}
	}
}

const char *wbw_rec_kind_key(int kind)
{
	static const char *const keys[WBW_REC_KIND_MAX] = {
		[WBW_REC_SET_ERR] = "set_err", [WBW_REC_OBSERVE] = "observe", [WBW_REC_PATH] = "path",
		[WBW_REC_FILE] = "file",       [WBW_REC_EXIT] = "exit",       [WBW_REC_SYNC] = "retry",
		[WBW_REC_DIRTY] = "dirty",     [WBW_REC_RELEASE] = "release", [WBW_REC_SYNCFS] = "syncfs",
		[WBW_REC_FSYNC_FAIL] = "fsync_error", [WBW_REC_CLOSE_TOLD] = "close_told",
	};

	return kind > 0 && kind < WBW_REC_KIND_MAX && keys[kind] ? keys[kind] : "?";
}

const char *wbw_decode_status_str(int status)
{
	static const char *const names[WBW_DECODE_STATUS_MAX] = {
		[WBW_DECODE_OK] = "ok",
		[WBW_DECODE_SHORT] = "short record",
		[WBW_DECODE_BAD_KIND] = "unknown record kind",
		[WBW_DECODE_BAD_SIZE] = "record size does not match its kind",
		[WBW_DECODE_BAD_PATH] = "malformed path record",
	};
	if (status < 0 || status >= WBW_DECODE_STATUS_MAX)
		return "unknown decode status";
	return names[status];
}
