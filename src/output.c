// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "decode.h"
#include "json.h"
#include "output.h"
#include "procfilter.h"

#define PATH_OUT_MAX 4096

const char *wbw_errno_name(int err, char *buf, size_t len)
{
	const char *name;

	if (err == 0)
		return "";
	name = strerrorname_np(err);
	if (name)
		return name;
	snprintf(buf, len, "E%d", err);
	return buf;
}

void wbw_output__init(struct wbw_output *o, FILE *out, bool json, struct wbw_mounts *mounts,
		      int64_t realtime_offset_ns)
{
	memset(o, 0, sizeof(*o));
	o->out = out;
	o->json = json;
	o->mounts = mounts;
	o->realtime_offset_ns = realtime_offset_ns;
}

static void emit_line(struct wbw_output *o, const char *text)
{
	if (o->broken || !text)
		return;
	if (fputs(text, o->out) == EOF || fputc('\n', o->out) == EOF || fflush(o->out) == EOF) {
		o->broken = true;
		o->write_errno = errno;
	}
}

static void iso_time(const struct wbw_output *o, uint64_t mono_ns, char *buf, size_t len)
{
	int64_t real = (int64_t)mono_ns + o->realtime_offset_ns;
	time_t secs = (time_t)(real / 1000000000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)(real % 1000000000 / 1000));
}

static void clock_time(const struct wbw_output *o, uint64_t mono_ns, char *buf, size_t len)
{
	int64_t real = (int64_t)mono_ns + o->realtime_offset_ns;
	time_t secs = (time_t)(real / 1000000000);
	struct tm tm;

	localtime_r(&secs, &tm);
	snprintf(buf, len, "%02d:%02d:%02d.%03ld", tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (long)(real % 1000000000 / 1000000));
}

/*
 * Full path of fs_path on dev, or NULL.  `approx` tells that the walk was
 * cut short, so the path is only the tail.
 */
static const char *full_path(struct wbw_output *o, uint32_t dev, const char *fs_path,
			     const char *resolved, uint64_t now_ns, char *buf, size_t len)
{
	if (!fs_path)
		return NULL;
	/* joined when the path came (an error's): the mount table now may be another's */
	if (resolved) {
		snprintf(buf, len, "%s", resolved);
		return buf;
	}
	if (o->mounts && wbw_mounts__resolve(o->mounts, dev, fs_path, buf, len, (int64_t)now_ns) == 0)
		return buf;
	return NULL;
}

static void json_head(struct wbw_json *j, const char *type)
{
	wbw_json_reset(j);
	wbw_json_begin(j, NULL);
	wbw_json_u64(j, "schema", WBW_JSON_SCHEMA);
	wbw_json_str(j, "type", type);
}

static void json_dev(struct wbw_json *j, uint32_t dev, uint64_t ino)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%u:%u", wbw_dev_major(dev), wbw_dev_minor(dev));
	wbw_json_str(j, "dev", buf);
	wbw_json_u64(j, "ino", ino);
}

/* the block device whose own mapping failed, or null for a file */
static void json_bdev(struct wbw_json *j, uint32_t bdev)
{
	char buf[32];

	if (!bdev) {
		wbw_json_null(j, "bdev");
		return;
	}
	snprintf(buf, sizeof(buf), "%u:%u", wbw_dev_major(bdev), wbw_dev_minor(bdev));
	wbw_json_str(j, "bdev", buf);
}

/*
 * A filesystem's own metadata inode, which no dentry names: btrfs writes
 * its trees through the btree inode (BTRFS_BTREE_INODE_OBJECTID, 1), a
 * page-cache inode of the filesystem's own superblock, not the block
 * device's.  Its mount is its source device for the text output.
 */
static const struct wbw_mount *fs_metadata(const struct wbw_output *o, uint32_t dev,
					   uint64_t ino, const char *fs_path)
{
	if (fs_path || ino != 1 || !o->mounts)
		return NULL;
	for (size_t i = 0; i < o->mounts->n; i++)
		if (o->mounts->v[i].dev == dev && !strcmp(o->mounts->v[i].fstype, "btrfs"))
			return &o->mounts->v[i];
	return NULL;
}

static void json_fs_metadata(const struct wbw_output *o, struct wbw_json *j,
			     const struct wbw_error *e)
{
	wbw_json_str(j, "fs_metadata",
		     fs_metadata(o, e->dev, e->ino, e->fs_path) ? "btrfs btree inode" : NULL);
}

static void json_addr(struct wbw_json *j, const char *key, uint64_t addr)
{
	char buf[24];

	if (!addr) {
		wbw_json_null(j, key);
		return;
	}
	snprintf(buf, sizeof(buf), "0x%" PRIx64, addr);
	wbw_json_str(j, key, buf);
}

static const struct wbw_container *container_of(const struct wbw_output *o, uint64_t cgroup_id)
{
	return o->container_of && cgroup_id ? o->container_of(o->container_ctx, cgroup_id) : NULL;
}

/* "container": the container of a process's cgroup, or null */
static void json_container(const struct wbw_output *o, struct wbw_json *j, uint64_t cgroup_id)
{
	const struct wbw_container *c = container_of(o, cgroup_id);

	if (!c) {
		wbw_json_null(j, "container");
		return;
	}
	wbw_json_begin(j, "container");
	wbw_json_str(j, "id", c->id);
	wbw_json_str(j, "runtime", c->runtime[0] ? c->runtime : NULL);
	wbw_json_str(j, "name", c->name[0] ? c->name : NULL);
	wbw_json_str(j, "pod", c->pod[0] ? c->pod : NULL);
	wbw_json_str(j, "namespace", c->ns[0] ? c->ns : NULL);
	wbw_json_str(j, "pod_uid", c->pod_uid[0] ? c->pod_uid : NULL);
	wbw_json_end(j);
}

static void json_task(const struct wbw_output *o, struct wbw_json *j, const char *key,
		      const struct wbw_task *t)
{
	wbw_json_begin(j, key);
	wbw_json_u64(j, "pid", t->pid);
	wbw_json_u64(j, "tid", t->tid);
	wbw_json_str(j, "comm", t->comm);
	wbw_json_u64(j, "cgroup_id", t->cgroup_id);
	json_container(o, j, t->cgroup_id);
	wbw_json_end(j);
}

/* " [pod P in namespace N, container C]" after a process, or "" */
static const char *container_suffix(const struct wbw_output *o, const struct wbw_task *t,
				    char *buf, size_t len)
{
	const struct wbw_container *c = t ? container_of(o, t->cgroup_id) : NULL;
	char d[700];

	if (!c)
		return "";
	snprintf(buf, len, " [%s]", wbw_container_describe(c, d, sizeof(d)));
	return buf;
}

static void json_errno(struct wbw_json *j, int err)
{
	char buf[16];

	if (err) {
		wbw_json_i64(j, "errno", err);
		wbw_json_str(j, "errno_name", wbw_errno_name(err, buf, sizeof(buf)));
	} else {
		wbw_json_null(j, "errno");
		wbw_json_null(j, "errno_name");
	}
}

static void json_time(struct wbw_output *o, struct wbw_json *j, uint64_t ts_ns)
{
	char buf[48];

	iso_time(o, ts_ns, buf, sizeof(buf));
	wbw_json_str(j, "time", buf);
	wbw_json_u64(j, "ts_ns", ts_ns);
}

/*
 * btrfs: the device number stat(2) shows for the file at `path` (its
 * subvolume's anonymous device: every subvolume has one, the top-level one
 * included, and it is not the superblock's, which the kernel's events and
 * mountinfo carry), when that is still the error's inode; else NULL.
 */
static const char *btrfs_stat_dev(const struct wbw_output *o, uint32_t dev, uint64_t ino,
				  const char *path, char *buf, size_t len)
{
	struct stat st;
	bool btrfs = false;

	if (!path || !o->mounts)
		return NULL;
	for (size_t i = 0; i < o->mounts->n && !btrfs; i++)
		btrfs = o->mounts->v[i].dev == dev && !strcmp(o->mounts->v[i].fstype, "btrfs");
	if (!btrfs || stat(path, &st) || (uint64_t)st.st_ino != ino)
		return NULL;
	snprintf(buf, len, "%u:%u", major(st.st_dev), minor(st.st_dev));
	return buf;
}

static void json_paths(struct wbw_output *o, struct wbw_json *j, uint32_t dev, uint64_t ino,
		       const char *fs_path, const char *resolved, bool truncated, uint64_t ts)
{
	char sdev[32];
	char buf[PATH_OUT_MAX];

	const char *path = full_path(o, dev, fs_path, resolved, ts, buf, sizeof(buf));
	char ovl[PATH_OUT_MAX];

	wbw_json_str(j, "path", path);
	/*
	 * A file in an overlay's upper layer: where programs writing through
	 * the overlay opened it (the error is on the upper inode: path is the
	 * upper file's)
	 */
	wbw_json_str(j, "overlay_path",
		     path && !truncated && o->mounts &&
				     wbw_mounts__overlay_path(o->mounts, path, ovl, sizeof(ovl)) == 0
			     ? ovl
			     : NULL);
	wbw_json_str(j, "fs_path", fs_path);
	wbw_json_bool(j, "path_truncated", truncated);
	wbw_json_str(j, "stat_dev",
		     truncated ? NULL : btrfs_stat_dev(o, dev, ino, path, sdev, sizeof(sdev)));
}

const char *const wbw_fsync_fs[WBW_FSYNC_FS_N] = { "ext4", "xfs", "btrfs" };

static void print_start_json(struct wbw_output *o, const struct wbw_start_info *info)
{
	struct wbw_json j = { 0 };
	char dev[32];

	json_head(&j, "start");
	wbw_json_str(&j, "version", info->version);
	wbw_json_str(&j, "kernel", info->kernel);
	wbw_json_str(&j, "tp_mode", info->tp_mode);
	wbw_json_str(&j, "lifetime", info->lifetime);
	wbw_json_str(&j, "hooks", info->hooks);
	if (info->filter_dev) {
		snprintf(dev, sizeof(dev), "%u:%u", wbw_dev_major(info->filter_dev),
			 wbw_dev_minor(info->filter_dev));
		wbw_json_str(&j, "filter_dev", dev);
	} else {
		wbw_json_null(&j, "filter_dev");
	}
	if (info->filter_errno) {
		char ebuf[16];

		wbw_json_str(&j, "filter_errno", wbw_errno_name(info->filter_errno, ebuf, sizeof(ebuf)));
	} else {
		wbw_json_null(&j, "filter_errno");
	}
	if (info->filter_pid)
		wbw_json_u64(&j, "filter_pid", info->filter_pid);
	else
		wbw_json_null(&j, "filter_pid");
	/* NULL (not given) is written as null */
	wbw_json_str(&j, "filter_comm", info->filter_comm);
	wbw_json_str(&j, "filter_cgroup", info->filter_cgroup);
	wbw_json_str(&j, "filter_container", info->filter_container);
	wbw_json_str(&j, "listen", info->listen);
	wbw_json_u64(&j, "settle_ms", info->settle_ms);
	wbw_json_u64(&j, "ringbuf_bytes", info->ringbuf_bytes);
	wbw_json_str(&j, "priority", info->priority);
	wbw_json_str(&j, "first_look", info->first_look);
	wbw_json_begin(&j, "catch_up");
	wbw_json_u64(&j, "errors", info->caught_up_errors);
	wbw_json_u64(&j, "files", info->caught_up_files);
	wbw_json_end(&j);
	wbw_json_begin(&j, "fsync_results");
	for (int i = 0; i < WBW_FSYNC_FS_N; i++)
		wbw_json_bool(&j, wbw_fsync_fs[i], info->fsync_seen[i]);
	wbw_json_end(&j);
	wbw_json_begin(&j, "fsync_results_missing");
	for (int i = 0; i < WBW_FSYNC_FS_N; i++)
		if (!info->fsync_seen[i])
			wbw_json_str(&j, wbw_fsync_fs[i], info->fsync_why[i] ? info->fsync_why[i] : "");
	wbw_json_end(&j);
	wbw_json_end(&j);
	emit_line(o, wbw_json_text(&j));
	wbw_json_free(&j);
}

static void print_header_plain(struct wbw_output *o)
{
	char line[160];

	if (o->header_done)
		return;
	o->header_done = true;
	snprintf(line, sizeof(line), "%-12s %-8s %-7s %-7s %-10s %s", "TIME", "EVENT", "ERRNO", "DEV",
		 "INODE", "PATH / DETAILS");
	emit_line(o, line);
}

void wbw_output__start(struct wbw_output *o, const struct wbw_start_info *info)
{
	if (o->json)
		print_start_json(o, info);
	else
		print_header_plain(o);
}

/* ms from the error's first event to the end of the first pass that listed its files */
static void json_first_look(struct wbw_json *j, const struct wbw_error *e)
{
	if (e->first_look_ts >= e->first_ts && e->first_look_ts)
		wbw_json_u64(j, "first_look_ms", (e->first_look_ts - e->first_ts) / 1000000);
	else
		wbw_json_null(j, "first_look_ms");
}

/* the process that last dirtied the inode before the error, or null */
static void json_writer(struct wbw_output *o, struct wbw_json *j, const struct wbw_error *e)
{
	char tbuf[48];

	if (!e->writer_known) {
		wbw_json_null(j, "writer");
		return;
	}
	wbw_json_begin(j, "writer");
	wbw_json_u64(j, "pid", e->writer.pid);
	wbw_json_str(j, "comm", e->writer.comm);
	wbw_json_u64(j, "cgroup_id", e->writer.cgroup_id);
	json_container(o, j, e->writer.cgroup_id);
	iso_time(o, e->writer_ts, tbuf, sizeof(tbuf));
	wbw_json_str(j, "dirtied_time", tbuf);
	wbw_json_end(j);
}

static void print_error_json(struct wbw_output *o, const struct wbw_error *e)
{
	struct wbw_json j = { 0 };

	json_head(&j, "wb_error");
	wbw_json_u64(&j, "id", e->id);
	json_time(o, &j, e->first_ts);
	json_errno(&j, e->err);
	json_dev(&j, e->dev, e->ino);
	json_paths(o, &j, e->dev, e->ino, e->fs_path, e->path, e->path_truncated, e->last_ts);
	json_addr(&j, "mapping", e->mapping);
	json_bdev(&j, e->bdev);
	json_fs_metadata(o, &j, e);
	wbw_json_u64(&j, "errseq", e->eseq);
	wbw_json_u64(&j, "event_errseq", e->first_raw);
	wbw_json_u64(&j, "events", e->events);
	wbw_json_u64(&j, "first_ts_ns", e->first_ts);
	wbw_json_u64(&j, "last_ts_ns", e->last_ts);
	if (e->predates_watch)
		wbw_json_null(&j, "context"); /* no event of it was seen */
	else
		json_task(o, &j, "context", &e->first_ctx);
	json_writer(o, &j, e);
	json_first_look(&j, e);
	/*
	 * Found at start-up, older than the watch: `time` is when it hit where
	 * an earlier watcher timed it (hit_time_known), else when it was found.
	 */
	wbw_json_bool(&j, "predates_watch", e->predates_watch);
	wbw_json_bool(&j, "hit_time_known", !e->predates_watch || e->hit_known);
	wbw_json_end(&j);
	emit_line(o, wbw_json_text(&j));
	wbw_json_free(&j);
}

static const char *path_or_placeholder(struct wbw_output *o, uint32_t dev, uint64_t ino,
				       const char *fs_path, const char *resolved, bool truncated,
				       uint32_t bdev, uint64_t ts, char *buf, size_t len)
{
	const struct wbw_mount *meta = fs_metadata(o, dev, ino, fs_path);

	if (bdev) {
		/* an error on a block device's own mapping: name the device */
		snprintf(buf, len, "[block device %u:%u]", wbw_dev_major(bdev), wbw_dev_minor(bdev));
		return buf;
	}
	if (meta) {
		snprintf(buf, len, "[btrfs metadata (btree inode) of %s]", meta->source);
		return buf;
	}
	const char *p = full_path(o, dev, fs_path, resolved, ts, buf, len);

	if (p && !truncated) {
		/* a file in an overlay's upper layer: also where the overlay shows it */
		char ovl[PATH_OUT_MAX];
		size_t used = strlen(p);

		if (o->mounts && wbw_mounts__overlay_path(o->mounts, p, ovl, sizeof(ovl)) == 0) {
			int n = snprintf(buf + used, len - used, " (overlay: %s)", ovl);

			if (n < 0 || (size_t)n >= len - used)
				buf[used] = '\0'; /* no room: the upper path alone */
		}
		return buf;
	}
	if (fs_path) {
		/* not under a mount we know, or cut short: say so */
		char tmp[PATH_OUT_MAX];

		snprintf(tmp, sizeof(tmp), "%s%s", truncated ? "..." : "?", p ? p : fs_path);
		snprintf(buf, len, "%s", tmp);
		return buf;
	}
	return "-";
}

static void print_error_plain(struct wbw_output *o, const struct wbw_error *e)
{
	char line[PATH_OUT_MAX + 1024], tbuf[32], ebuf[16], pbuf[PATH_OUT_MAX], dev[24];

	clock_time(o, e->first_ts, tbuf, sizeof(tbuf));
	snprintf(dev, sizeof(dev), "%u:%u", wbw_dev_major(e->dev), wbw_dev_minor(e->dev));
	char writer[800] = "", cbuf[720];

	if (e->writer_known)
		snprintf(writer, sizeof(writer), " written-by=%s[%u]%s", e->writer.comm, e->writer.pid,
			 container_suffix(o, &e->writer, cbuf, sizeof(cbuf)));
	if (e->predates_watch) {
		snprintf(line, sizeof(line),
			 "%-12s %-8s %-7s %-7s %-10" PRIu64 " %s  errseq=0x%x older than the watch%s",
			 e->hit_known ? tbuf : "-", "wb_error",
			 e->err ? wbw_errno_name(e->err, ebuf, sizeof(ebuf)) : "?", dev, e->ino,
			 path_or_placeholder(o, e->dev, e->ino, e->fs_path, e->path, e->path_truncated, e->bdev,
					     e->last_ts, pbuf, sizeof(pbuf)),
			 e->eseq, e->hit_known ? " (hit as timed by an earlier watcher)" : "");
		print_header_plain(o);
		emit_line(o, line);
		return;
	}
	snprintf(line, sizeof(line),
		 "%-12s %-8s %-7s %-7s %-10" PRIu64 " %s  events=%" PRIu64
		 " errseq=0x%x%s completed-by=%s[%u]",
		 tbuf, "wb_error", e->err ? wbw_errno_name(e->err, ebuf, sizeof(ebuf)) : "?", dev,
		 e->ino,
		 path_or_placeholder(o, e->dev, e->ino, e->fs_path, e->path, e->path_truncated, e->bdev,
				     e->last_ts,
				     pbuf, sizeof(pbuf)),
		 e->events, e->eseq, writer, e->first_ctx.comm, e->first_ctx.pid);
	print_header_plain(o);
	emit_line(o, line);
}

void wbw_output__error(struct wbw_output *o, const struct wbw_error *e)
{
	if (o->json)
		print_error_json(o, e);
	else
		print_error_plain(o, e);
}

static void print_observe_json(struct wbw_output *o, const struct wbw_observation *ob)
{
	struct wbw_json j = { 0 };

	json_head(&j, "observe");
	if (ob->error)
		wbw_json_u64(&j, "error_id", ob->error->id);
	else
		wbw_json_null(&j, "error_id");
	json_time(o, &j, ob->ts_ns);
	json_errno(&j, ob->err);
	json_dev(&j, ob->dev, ob->ino);
	json_paths(o, &j, ob->dev, ob->ino, ob->fs_path, NULL, false, ob->ts_ns);
	json_addr(&j, "mapping", ob->mapping);
	json_addr(&j, "file", ob->file);
	if (ob->fd >= 0)
		wbw_json_i64(&j, "fd", ob->fd);
	else
		wbw_json_null(&j, "fd");
	wbw_json_u64(&j, "cursor_old", ob->old);
	wbw_json_u64(&j, "cursor_new", ob->new_cursor);
	wbw_json_u64(&j, "f_mode", ob->f_mode);
	wbw_json_u64(&j, "f_flags", ob->f_flags);
	json_task(o, &j, "process", &ob->task);
	wbw_json_end(&j);
	emit_line(o, wbw_json_text(&j));
	wbw_json_free(&j);
}

static void print_observe_plain(struct wbw_output *o, const struct wbw_observation *ob)
{
	char line[PATH_OUT_MAX + 1024], tbuf[32], ebuf[16], pbuf[PATH_OUT_MAX], dev[24], cbuf[720];

	clock_time(o, ob->ts_ns, tbuf, sizeof(tbuf));
	snprintf(dev, sizeof(dev), "%u:%u", wbw_dev_major(ob->dev), wbw_dev_minor(ob->dev));
	snprintf(line, sizeof(line),
		 "%-12s %-8s %-7s %-7s %-10" PRIu64 " %s  told=%s[%u]%s cursor=0x%x->0x%x", tbuf,
		 "observe", ob->err ? wbw_errno_name(ob->err, ebuf, sizeof(ebuf)) : "-", dev, ob->ino,
		 path_or_placeholder(o, ob->dev, ob->ino, ob->fs_path, NULL, false, 0, ob->ts_ns, pbuf,
				     sizeof(pbuf)),
		 ob->task.comm, ob->task.pid, container_suffix(o, &ob->task, cbuf, sizeof(cbuf)),
		 ob->old, ob->new_cursor);
	print_header_plain(o);
	emit_line(o, line);
}

static void print_fsync_failure_json(struct wbw_output *o, const struct wbw_fsync_failure *f)
{
	struct wbw_json j = { 0 };

	json_head(&j, "fsync_error");
	if (f->error)
		wbw_json_u64(&j, "error_id", f->error->id);
	else
		wbw_json_null(&j, "error_id");
	wbw_json_bool(&j, "errseq", f->from_errseq);
	json_time(o, &j, f->ts_ns);
	json_errno(&j, f->err);
	wbw_json_str(&j, "call", f->datasync ? "fdatasync" : "fsync");
	json_dev(&j, f->dev, f->ino);
	json_paths(o, &j, f->dev, f->ino, f->fs_path, NULL, false, f->ts_ns);
	json_addr(&j, "mapping", f->mapping);
	json_addr(&j, "file", f->file);
	if (f->fd >= 0)
		wbw_json_i64(&j, "fd", f->fd);
	else
		wbw_json_null(&j, "fd");
	json_task(o, &j, "process", &f->task);
	wbw_json_end(&j);
	emit_line(o, wbw_json_text(&j));
	wbw_json_free(&j);
}

/* text: only those that did not come from errseq (the others are the observe line) */
static void print_fsync_failure_plain(struct wbw_output *o, const struct wbw_fsync_failure *f)
{
	char line[PATH_OUT_MAX + 1024], tbuf[32], ebuf[16], pbuf[PATH_OUT_MAX], dev[24], cbuf[720],
		fdbuf[24] = "";

	if (f->from_errseq)
		return;
	clock_time(o, f->ts_ns, tbuf, sizeof(tbuf));
	snprintf(dev, sizeof(dev), "%u:%u", wbw_dev_major(f->dev), wbw_dev_minor(f->dev));
	if (f->fd >= 0)
		snprintf(fdbuf, sizeof(fdbuf), " fd %d", f->fd);
	snprintf(line, sizeof(line),
		 "%-12s %-8s %-7s %-7s %-10" PRIu64 " %s  %s by %s[%u]%s%s failed, not from a "
		 "writeback error of the file (its inode, metadata or directory)",
		 tbuf, "fsyncerr", wbw_errno_name(f->err, ebuf, sizeof(ebuf)), dev, f->ino,
		 path_or_placeholder(o, f->dev, f->ino, f->fs_path, NULL, false, 0, f->ts_ns, pbuf,
				     sizeof(pbuf)),
		 f->datasync ? "fdatasync" : "fsync", f->task.comm, f->task.pid,
		 container_suffix(o, &f->task, cbuf, sizeof(cbuf)), fdbuf);
	print_header_plain(o);
	emit_line(o, line);
}

void wbw_output__fsync_failure(struct wbw_output *o, const struct wbw_fsync_failure *f)
{
	if (o->json)
		print_fsync_failure_json(o, f);
	else
		print_fsync_failure_plain(o, f);
}

void wbw_output__observe(struct wbw_output *o, const struct wbw_observation *obs)
{
	if (o->json)
		print_observe_json(o, obs);
	else
		print_observe_plain(o, obs);
}

static const char *release_name(enum wbw_release r)
{
	switch (r) {
	case WBW_RELEASE_CLOSE: return "close";
	case WBW_RELEASE_EXIT: return "exit";
	case WBW_RELEASE_BEFORE_LOOK: return "before_first_look";
	default: return NULL;
	}
}

static const char *told_via_name(enum wbw_told_via via)
{
	switch (via) {
	case WBW_TOLD_CHECK: return "check";
	case WBW_TOLD_CURSOR: return "cursor";
	case WBW_TOLD_SYNCFS: return "syncfs";
	case WBW_TOLD_APPLICATION: return "application";
	case WBW_TOLD_HANDOVER: return "handover";
	case WBW_TOLD_CLOSE: return "close";
	}
	return "?";
}

/* "cgroup:ID", "process:PID" or "run" (run's command tree) */
static const char *app_name(uint64_t app, char *buf, size_t len)
{
	if (app & WBW_APP_PROCESS_BIT)
		snprintf(buf, len, "process:%llu", (unsigned long long)(app & ~WBW_APP_PROCESS_BIT));
	else if (app == WBW_APP_RUN_TREE)
		snprintf(buf, len, "run");
	else
		snprintf(buf, len, "cgroup:%llu", (unsigned long long)app);
	return buf;
}

/*
 * For a process told by a check (its fsync, normally): would a false
 * success of its next fsync, a retry, be seen (RETRIED)?  That needs what
 * fsync returns on the error's filesystem, which the mount table names:
 * 1 yes, 0 no (*fstype: which), -1 not known.
 */
static int retry_seen(const struct wbw_output *o, const struct wbw_verdict *v, const char **fstype)
{
	*fstype = NULL;
	if (v->kind != WBW_V_REPORTED || v->told_via != WBW_TOLD_CHECK || !o->fsync_seen ||
	    !o->mounts)
		return -1;
	for (size_t i = 0; i < o->mounts->n; i++)
		if (o->mounts->v[i].dev == v->error->dev && o->mounts->v[i].fstype) {
			*fstype = o->mounts->v[i].fstype;
			return o->fsync_seen(o->fsync_ctx, *fstype);
		}
	return -1;
}

static bool released_untold(const struct wbw_verdict *v)
{
	return v->released != WBW_RELEASE_NONE;
}

static void print_verdict_json(struct wbw_output *o, const struct wbw_verdict *v)
{
	const struct wbw_error *e = v->error;
	struct wbw_json j = { 0 };
	bool unknown_holder = v->released == WBW_RELEASE_BEFORE_LOOK;
	bool per_file = (v->kind == WBW_V_REPORTED || v->kind == WBW_V_UNREPORTED) && !unknown_holder;

	json_head(&j, "verdict");
	wbw_json_str(&j, "verdict", wbw_verdict_name(v->kind));
	wbw_json_u64(&j, "error_id", e->id);
	json_time(o, &j, v->ts_ns);
	json_errno(&j, e->err);
	json_dev(&j, e->dev, e->ino);
	json_paths(o, &j, e->dev, e->ino, e->fs_path, e->path, e->path_truncated, v->ts_ns);
	json_bdev(&j, e->bdev);
	json_fs_metadata(o, &j, e);
	json_writer(o, &j, e);
	json_first_look(&j, e);
	wbw_json_bool(&j, "final", v->final);
	if (per_file) {
		json_addr(&j, "file", v->file);
		wbw_json_u64(&j, "f_mode", v->f_mode);
		wbw_json_u64(&j, "cursor", v->cursor);
		wbw_json_begin(&j, "holder");
		wbw_json_u64(&j, "pid", v->holder.pid);
		wbw_json_str(&j, "comm", v->holder.comm);
		wbw_json_u64(&j, "cgroup_id", v->holder.cgroup_id);
		json_container(o, &j, v->holder.cgroup_id);
		if (v->fd >= 0)
			wbw_json_i64(&j, "fd", v->fd);
		else
			wbw_json_null(&j, "fd");
		wbw_json_u64(&j, "processes", v->nholders);
		wbw_json_end(&j);
	}
	if (per_file) {
		char abuf[48];

		wbw_json_str(&j, "application", app_name(v->app, abuf, sizeof(abuf)));
	}
	if (v->kind == WBW_V_REPORTED)
		wbw_json_str(&j, "told_via", told_via_name(v->told_via));
	if (v->kind == WBW_V_REPORTED && v->told_via == WBW_TOLD_CHECK) {
		const char *fstype;
		int seen = retry_seen(o, v, &fstype);

		if (seen < 0)
			wbw_json_null(&j, "retry_seen");
		else
			wbw_json_bool(&j, "retry_seen", seen);
	}
	if (v->kind == WBW_V_REPORTED &&
	    (v->told_via == WBW_TOLD_APPLICATION || v->told_via == WBW_TOLD_HANDOVER)) {
		char tbuf[48];

		/* who of the application was told, and when */
		wbw_json_begin(&j, "told");
		wbw_json_u64(&j, "pid", v->told_task.pid);
		wbw_json_str(&j, "comm", v->told_task.comm);
		iso_time(o, v->told_ts, tbuf, sizeof(tbuf));
		wbw_json_str(&j, "time", tbuf);
		wbw_json_end(&j);
		wbw_json_bool(&j, "late", v->late);
	}
	if (v->kind == WBW_V_UNREPORTED)
		wbw_json_bool(&j, "window_expired", v->window_expired);
	if (v->kind == WBW_V_REPORTED && v->told_via == WBW_TOLD_SYNCFS) {
		wbw_json_begin(&j, "syncfs");
		wbw_json_i64(&j, "fd", v->syncfs_fd);
		json_addr(&j, "file", v->syncfs_file);
		json_errno(&j, v->syncfs_err);
		wbw_json_end(&j);
	}
	if (unknown_holder) {
		/* files the kernel counted at the error that the first look did not find */
		wbw_json_null(&j, "file");
		wbw_json_null(&j, "holder");
		wbw_json_bool(&j, "window_expired", false);
		wbw_json_begin(&j, "released_by");
		wbw_json_str(&j, "how", release_name(v->released));
		wbw_json_u64(&j, "files", v->nholders);
		wbw_json_end(&j);
	}
	if (per_file && released_untold(v)) {
		wbw_json_begin(&j, "released_by");
		wbw_json_str(&j, "how", release_name(v->released));
		wbw_json_u64(&j, "pid", v->releaser.pid);
		wbw_json_str(&j, "comm", v->releaser.comm);
		if (v->released == WBW_RELEASE_EXIT)
			wbw_json_i64(&j, "exit_code", v->exit_code);
		wbw_json_end(&j);
	}
	if (v->kind == WBW_V_UNSEEN)
		wbw_json_bool(&j, "checked_elsewhere", v->checked_elsewhere);
	if (v->kind == WBW_V_SUPERSEDED)
		wbw_json_u64(&j, "superseded_by", v->superseded_by ? v->superseded_by->id : 0);
	if (v->kind == WBW_V_RETRIED) {
		char tbuf[48];

		wbw_json_begin(&j, "holder");
		wbw_json_u64(&j, "pid", v->holder.pid);
		wbw_json_str(&j, "comm", v->holder.comm);
		wbw_json_u64(&j, "cgroup_id", v->holder.cgroup_id);
		json_container(o, &j, v->holder.cgroup_id);
		wbw_json_end(&j);
		iso_time(o, v->told_ts, tbuf, sizeof(tbuf));
		wbw_json_str(&j, "told_time", tbuf);
		wbw_json_u64(&j, "told_ts_ns", v->told_ts);
	}
	wbw_json_end(&j);
	emit_line(o, wbw_json_text(&j));
	wbw_json_free(&j);
}

static void print_verdict_plain(struct wbw_output *o, const struct wbw_verdict *v)
{
	const struct wbw_error *e = v->error;
	char line[PATH_OUT_MAX + 1536], tbuf[32], ebuf[16], pbuf[PATH_OUT_MAX], dev[24], what[256];
	char cbuf[720];

	clock_time(o, v->ts_ns, tbuf, sizeof(tbuf));
	snprintf(dev, sizeof(dev), "%u:%u", wbw_dev_major(e->dev), wbw_dev_minor(e->dev));
	switch (v->kind) {
	case WBW_V_REPORTED:
		if (v->told_via == WBW_TOLD_APPLICATION || v->told_via == WBW_TOLD_HANDOVER) {
			char told[32];

			clock_time(o, v->told_ts, told, sizeof(told));
			snprintf(what, sizeof(what),
				 "REPORTED to its application: held by %s[%u]%s%.0d, released untold "
				 "by %s of %s[%u], %s %s[%u] was told at %s%s",
				 v->holder.comm, v->holder.pid, v->fd >= 0 ? " fd " : "",
				 v->fd >= 0 ? v->fd : 0, release_name(v->released), v->releaser.comm,
				 v->releaser.pid,
				 v->told_via == WBW_TOLD_HANDOVER ? "then" : "after",
				 v->told_task.comm, v->told_task.pid, told,
				 v->late ? " (after the handover window)" : "");
			break;
		}
		if (v->told_via == WBW_TOLD_CLOSE) {
			snprintf(what, sizeof(what), "REPORTED to %s[%u] by close of fd %d", v->holder.comm,
				 v->holder.pid, v->fd);
			break;
		}
		if (v->told_via != WBW_TOLD_SYNCFS) {
			const char *fstype;
			bool unseen = retry_seen(o, v, &fstype) == 0;

			/* say so where a false success after this telling could not be seen */
			snprintf(what, sizeof(what), "REPORTED to %s[%u]%s%s%s", v->holder.comm,
				 v->holder.pid, unseen ? " (a retried fsync's false success is not seen on " : "",
				 unseen ? fstype : "", unseen ? " here)" : "");
			break;
		}
		/* the file syncfs was called on, or another file of the caller's */
		if (v->file == v->syncfs_file || v->fd < 0)
			snprintf(what, sizeof(what), "REPORTED to %s[%u] via syncfs on fd %d (it returned %s)",
				 v->holder.comm, v->holder.pid, v->syncfs_fd,
				 wbw_errno_name(v->syncfs_err, ebuf, sizeof(ebuf)));
		else
			snprintf(what, sizeof(what),
				 "REPORTED to %s[%u] fd %d via syncfs on fd %d (it returned %s)",
				 v->holder.comm, v->holder.pid, v->fd, v->syncfs_fd,
				 wbw_errno_name(v->syncfs_err, ebuf, sizeof(ebuf)));
		break;
	case WBW_V_UNREPORTED:
		if (v->released == WBW_RELEASE_BEFORE_LOOK) {
			snprintf(what, sizeof(what),
				 "UNREPORTED: %u file%s open for writing when the error hit released "
				 "before the first look, %llu ms after it: holder unknown",
				 v->nholders, v->nholders == 1 ? "" : "s",
				 (unsigned long long)(e->first_look_ts > e->first_ts
							      ? (e->first_look_ts - e->first_ts) / 1000000
							      : 0));
			break;
		}
		snprintf(what, sizeof(what), "UNREPORTED: held by %s[%u]%s%.0d, released by %s of %s[%u]%s",
			 v->holder.comm, v->holder.pid, v->fd >= 0 ? " fd " : "", v->fd >= 0 ? v->fd : 0,
			 release_name(v->released), v->releaser.comm, v->releaser.pid,
			 !v->final ? " (pending: its application may still be told)"
			 : v->window_expired ? " (no process of its application told within the "
					       "handover window)"
					     : "");
		break;
	case WBW_V_UNSEEN:
		snprintf(what, sizeof(what), "UNSEEN: no file was told%s",
			 v->checked_elsewhere ? " (checked without a file: the filesystem's own check)"
			 : v->final ? "" : " (pending: the inode is still cached)");
		break;
	case WBW_V_SUPERSEDED:
		snprintf(what, sizeof(what), "SUPERSEDED by error %llu before anyone saw it",
			 (unsigned long long)(v->superseded_by ? v->superseded_by->id : 0));
		break;
	case WBW_V_RETRIED: {
		char told[32];

		clock_time(o, v->told_ts, told, sizeof(told));
		snprintf(what, sizeof(what),
			 "RETRIED: %s[%u] was told at %s, then fsync succeeded with nothing "
			 "rewritten: that data is not on disk",
			 v->holder.comm, v->holder.pid, told);
		break;
	}
	default:
		snprintf(what, sizeof(what), "?");
	}
	snprintf(line, sizeof(line), "%-12s %-8s %-7s %-7s %-10" PRIu64 " %s  %s%s (error %" PRIu64 ")",
		 tbuf, "verdict", e->err ? wbw_errno_name(e->err, ebuf, sizeof(ebuf)) : "?", dev, e->ino,
		 path_or_placeholder(o, e->dev, e->ino, e->fs_path, e->path, e->path_truncated, e->bdev,
				     v->ts_ns, pbuf,
				     sizeof(pbuf)),
		 what, container_suffix(o, wbw_verdict__process(v), cbuf, sizeof(cbuf)), e->id);
	print_header_plain(o);
	emit_line(o, line);
}

void wbw_output__verdict(struct wbw_output *o, const struct wbw_verdict *v)
{
	int err = v->error->err;

	if (wbw_verdict_decided(v) && v->kind < WBW_V_KIND_MAX && err >= 0 && err < WBW_ERRNO_SLOTS)
		o->verdicts[v->kind][err]++;
	/*
	 * A provisional UNREPORTED goes to JSON as it is given (final false)
	 * and to text once decided, or restated as pending at the end; JSON
	 * had the restated one already.
	 */
	if (o->json && !v->restated)
		print_verdict_json(o, v);
	else if (!o->json && (v->final || v->kind != WBW_V_UNREPORTED || v->restated))
		print_verdict_plain(o, v);
}

static void print_summary_json(struct wbw_output *o, const struct wbw_summary *s)
{
	struct wbw_json j = { 0 };

	json_head(&j, "summary");
	wbw_json_u64(&j, "errors", s->corr.errors);
	wbw_json_u64(&j, "observations", s->corr.observations);
	wbw_json_u64(&j, "set_events", s->corr.set_events);
	wbw_json_u64(&j, "observe_events", s->corr.observe_events);
	wbw_json_begin(&j, "lost");
	for (int k = 1; k < WBW_REC_KIND_MAX; k++)
		wbw_json_u64(&j, wbw_rec_kind_key(k), s->lost[k]);
	wbw_json_u64(&j, "total", s->lost_total);
	wbw_json_end(&j);
	wbw_json_u64(&j, "decode_errors", s->decode_errors);
	wbw_json_u64(&j, "inodes_dropped", s->corr.inodes_dropped);
	wbw_json_u64(&j, "files_dropped", s->corr.files_dropped);
	wbw_json_begin(&j, "verdicts");
	for (int k = 0; k < WBW_V_KIND_MAX; k++) {
		char ebuf[16];

		wbw_json_begin(&j, wbw_verdict_name(k));
		for (int e = 0; e < WBW_ERRNO_SLOTS; e++)
			if (o->verdicts[k][e])
				wbw_json_u64(&j, e ? wbw_errno_name(e, ebuf, sizeof(ebuf)) : "unknown",
					     o->verdicts[k][e]);
		wbw_json_end(&j);
	}
	wbw_json_end(&j);
	/* releases untold whose application may yet be told, and those it was */
	wbw_json_u64(&j, "unreported_pending", s->corr.provisional);
	/* errors some of whose files were released before the first look */
	wbw_json_u64(&j, "looked_late", s->corr.looked_late);
	wbw_json_u64(&j, "handovers", s->corr.handovers);
	wbw_json_begin(&j, "failed_fsyncs");
	wbw_json_u64(&j, "errseq", s->corr.fsync_failures_errseq);
	wbw_json_u64(&j, "other", s->corr.fsync_failures_other);
	wbw_json_end(&j);
	wbw_json_bool(&j, "complete", s->lost_total == 0 && s->decode_errors == 0 &&
					   s->corr.inodes_dropped == 0 && s->corr.files_dropped == 0);
	wbw_json_end(&j);
	emit_line(o, wbw_json_text(&j));
	wbw_json_free(&j);
}

void wbw_output__summary(struct wbw_output *o, FILE *human, const struct wbw_summary *s)
{
	if (o->json)
		print_summary_json(o, s);
	if (!human)
		return;
	fprintf(human,
		"wberrwatch: %" PRIu64 " writeback error%s (%" PRIu64 " events), %" PRIu64
		" observation%s in %.1fs\n",
		s->corr.errors, s->corr.errors == 1 ? "" : "s", s->corr.set_events,
		s->corr.observations, s->corr.observations == 1 ? "" : "s", s->duration_s);
	for (int k = 0; k < WBW_V_KIND_MAX; k++) {
		char ebuf[16];
		uint64_t total = 0;

		for (int e = 0; e < WBW_ERRNO_SLOTS; e++)
			total += o->verdicts[k][e];
		if (!total)
			continue;
		fprintf(human, "wberrwatch:   %-10s %" PRIu64 ":", wbw_verdict_name(k), total);
		for (int e = 0; e < WBW_ERRNO_SLOTS; e++)
			if (o->verdicts[k][e])
				fprintf(human, " %s %u", e ? wbw_errno_name(e, ebuf, sizeof(ebuf)) : "unknown",
					o->verdicts[k][e]);
		fputc('\n', human);
	}
	if (s->corr.provisional)
		fprintf(human,
			"wberrwatch:   %" PRIu64 " file%s released untold, pending: %s application may "
			"still be told (UNREPORTED once final)\n",
			s->corr.provisional, s->corr.provisional == 1 ? "" : "s",
			s->corr.provisional == 1 ? "its" : "their");
	if (s->corr.looked_late)
		fprintf(human,
			"wberrwatch:   %" PRIu64 " error%s had files released before the first look: "
			"whose is unknown (see first_look_ms)\n",
			s->corr.looked_late, s->corr.looked_late == 1 ? "" : "s");
	if (s->corr.handovers)
		fprintf(human, "wberrwatch:   %" PRIu64 " release%s handed over to a later opener\n",
			s->corr.handovers, s->corr.handovers == 1 ? "" : "s");
	if (s->corr.fsync_failures_other)
		fprintf(human,
			"wberrwatch:   %" PRIu64 " failed fsync%s not from a writeback error of the "
			"file (fsyncerr lines)\n",
			s->corr.fsync_failures_other, s->corr.fsync_failures_other == 1 ? "" : "s");
	if (s->lost_total || s->decode_errors || s->corr.inodes_dropped || s->corr.files_dropped)
		fprintf(human,
			"wberrwatch: WARNING: incomplete: %" PRIu64 " records lost (ring buffer full: "
			"set_err %" PRIu64 ", observe %" PRIu64 ", path %" PRIu64 "), %" PRIu64
			" undecodable, %" PRIu64 " inode states dropped, %" PRIu64
			" due files not tracked; raise --ringbuf-size\n",
			s->lost_total, s->lost[WBW_REC_SET_ERR], s->lost[WBW_REC_OBSERVE],
			s->lost[WBW_REC_PATH], s->decode_errors, s->corr.inodes_dropped,
			s->corr.files_dropped);
	else
		fprintf(human, "wberrwatch: no records lost\n");
}

static void print_lagging_json(struct wbw_output *o, const struct wbw_lagging_file *f)
{
	struct wbw_json j = { 0 };

	json_head(&j, "lagging_file");
	json_errno(&j, f->mapping_eseq & WBW_ERRSEQ_ERRNO_MASK);
	json_dev(&j, f->dev, f->ino);
	wbw_json_str(&j, "path", f->path);
	wbw_json_u64(&j, "pid", f->task.pid);
	wbw_json_str(&j, "comm", f->task.comm);
	wbw_json_u64(&j, "cgroup_id", f->task.cgroup_id);
	json_container(o, &j, f->task.cgroup_id);
	wbw_json_i64(&j, "fd", f->fd);
	wbw_json_u64(&j, "cursor", f->cursor);
	wbw_json_u64(&j, "errseq", f->mapping_eseq);
	wbw_json_bool(&j, "seen_by_another_file", f->mapping_eseq & WBW_ERRSEQ_SEEN);
	if (f->age_known)
		wbw_json_u64(&j, "age_ms", f->age_ns / 1000000);
	else
		wbw_json_null(&j, "age_ms");
	wbw_json_u64(&j, "f_mode", f->f_mode);
	wbw_json_end(&j);
	emit_line(o, wbw_json_text(&j));
	wbw_json_free(&j);
}

static void print_lagging_plain(struct wbw_output *o, const struct wbw_lagging_file *f)
{
	char line[PATH_OUT_MAX + 1024], ebuf[16], dev[24], age[24] = "?", cbuf[720];

	snprintf(dev, sizeof(dev), "%u:%u", wbw_dev_major(f->dev), wbw_dev_minor(f->dev));
	if (f->age_known)
		snprintf(age, sizeof(age), "%.1fs", (double)f->age_ns / 1e9);
	snprintf(line, sizeof(line), "%-7s %-7s %-10" PRIu64 " %-8u %-16s %-4d %-9s %s%s",
		 wbw_errno_name((int)(f->mapping_eseq & WBW_ERRSEQ_ERRNO_MASK), ebuf, sizeof(ebuf)),
		 dev, f->ino, f->task.pid, f->task.comm, f->fd, age, f->path ? f->path : "-",
		 container_suffix(o, &f->task, cbuf, sizeof(cbuf)));
	if (!o->header_done) {
		char head[160];

		o->header_done = true;
		snprintf(head, sizeof(head), "%-7s %-7s %-10s %-8s %-16s %-4s %-9s %s", "ERRNO", "DEV",
			 "INODE", "PID", "COMM", "FD", "AGE", "PATH");
		emit_line(o, head);
	}
	emit_line(o, line);
}

void wbw_output__lagging(struct wbw_output *o, const struct wbw_lagging_file *f)
{
	if (o->json)
		print_lagging_json(o, f);
	else
		print_lagging_plain(o, f);
}

static void print_doctor_json(struct wbw_output *o, const struct wbw_doctor *r)
{
	struct wbw_json j = { 0 };

	json_head(&j, "doctor");
	wbw_json_str(&j, "kernel", r->kernel);
	wbw_json_begin(&j, "checks");
	for (int i = 0; i < r->nchecks; i++) {
		const struct wbw_doctor_check *c = &r->checks[i];

		wbw_json_begin(&j, c->name);
		wbw_json_bool(&j, "ok", c->ok);
		wbw_json_str(&j, "role", c->role);
		wbw_json_str(&j, "detail", c->detail[0] ? c->detail : NULL);
		wbw_json_end(&j);
	}
	wbw_json_end(&j);
	wbw_json_begin(&j, "would_use");
	wbw_json_str(&j, "tp_mode", r->would_use_tp);
	wbw_json_str(&j, "lifetime", r->would_use_lifetime);
	wbw_json_str(&j, "hooks", r->would_use_hooks);
	wbw_json_end(&j);
	wbw_json_begin(&j, "commands");
	wbw_json_bool(&j, "watch", r->exit_status == WBW_EXIT_OK);
	wbw_json_bool(&j, "run", r->exit_status == WBW_EXIT_OK && r->run_ok);
	wbw_json_bool(&j, "scan", r->exit_status == WBW_EXIT_OK && r->scan_ok);
	wbw_json_end(&j);
	wbw_json_i64(&j, "exit_status", r->exit_status);
	wbw_json_str(&j, "fix", r->fix[0] ? r->fix : NULL);
	wbw_json_end(&j);
	emit_line(o, wbw_json_text(&j));
	wbw_json_free(&j);
}

static void print_doctor_plain(struct wbw_output *o, const struct wbw_doctor *r)
{
	char line[1200];

	snprintf(line, sizeof(line), "kernel %s", r->kernel);
	emit_line(o, line);
	for (int i = 0; i < r->nchecks; i++) {
		const struct wbw_doctor_check *c = &r->checks[i];

		snprintf(line, sizeof(line), "  %-30s %-4s %s%s%s", c->name, c->ok ? "ok" : "no",
			 c->role, c->detail[0] ? ": " : "", c->detail);
		emit_line(o, line);
	}
	if (r->exit_status == WBW_EXIT_OK)
		snprintf(line, sizeof(line),
			 "a watch would use %s programs, and %s hooks for file releases (--hooks=auto); "
			 "run: %s; scan: %s",
			 r->would_use_tp ? r->would_use_tp : "?",
			 r->would_use_hooks ? r->would_use_hooks : "no",
			 r->run_ok ? "works" : "cannot follow the command (see sched_process_fork)",
			 r->scan_ok ? "works" : "cannot list open files (see iter/task_file)");
	else
		snprintf(line, sizeof(line), "wberrwatch cannot run here (exit status %d): %s",
			 r->exit_status, r->fix);
	emit_line(o, line);
}

void wbw_output__doctor(struct wbw_output *o, const struct wbw_doctor *r)
{
	if (o->json)
		print_doctor_json(o, r);
	else
		print_doctor_plain(o, r);
}

void wbw_output__fatal(struct wbw_output *o, int exit_status, const char *msg)
{
	fprintf(stderr, "wberrwatch: %s\n", msg);
	if (o && o->json) {
		struct wbw_json j = { 0 };

		json_head(&j, "fatal");
		wbw_json_i64(&j, "exit_status", exit_status);
		wbw_json_str(&j, "message", msg);
		wbw_json_end(&j);
		emit_line(o, wbw_json_text(&j));
		wbw_json_free(&j);
	}
}
