/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Mount table: turns (dev, path within the filesystem) into a path a user
 * can open, using /proc/self/mountinfo.  The BPF side walks dentry names up
 * to the root of the filesystem; the mount point comes from here.  Only the
 * watcher's own mount namespace is known.
 */
#ifndef WBW_MOUNTS_H
#define WBW_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wbw_mount {
	uint32_t dev; /* kernel encoding, major << 20 | minor */
	char *root;   /* path within the filesystem that is mounted */
	char *mountpoint;
	char *fstype;
	char *source;
	/* overlay: its upper layer's directory (upperdir= in the super options), else NULL */
	char *upperdir;
};

struct wbw_mounts {
	struct wbw_mount *v;
	size_t n;
	const char *path;     /* file to (re)load from; NULL: /proc/self/mountinfo */
	int64_t last_load_ns; /* for rate-limited reloads on a miss */
	int watch_fd;         /* open mountinfo: POLLPRI says the table changed */
	bool loaded;          /* came from a file, so it may be reloaded */
};

/* Parse mountinfo text; replaces the table.  Returns 0 or -errno. */
int wbw_mounts__parse(struct wbw_mounts *m, const char *text);
/*
 * Read m->path (default /proc/self/mountinfo) and parse it, and keep it open
 * so that wbw_mounts__resolve() notices mounts and unmounts: a device number
 * freed by one unmount is soon reused by another mount elsewhere.
 */
int wbw_mounts__load(struct wbw_mounts *m);
/* A mount of `dev` that shows `fs_path`, or NULL. */
const struct wbw_mount *wbw_mounts__find(const struct wbw_mounts *m, uint32_t dev,
					 const char *fs_path);
/*
 * Write the full path of fs_path on dev into out.  Returns 0, or -ENOENT
 * when no mount shows it (out is then left empty).
 */
int wbw_mounts__join(const struct wbw_mounts *m, uint32_t dev, const char *fs_path, char *out,
		     size_t outlen);
/*
 * Like join, first reloading the table if the kernel flagged a change, and
 * on a miss (at most once a second).
 */
int wbw_mounts__resolve(struct wbw_mounts *m, uint32_t dev, const char *fs_path, char *out,
			size_t outlen, int64_t now_ns);
/*
 * The other way: the path within the filesystem on `dev` of the full path
 * `path` (as /proc/PID/fd shows it), through the deepest mount of dev that
 * holds it.  Returns 0, or -ENOENT when no mount of dev does.
 */
int wbw_mounts__fs_path(const struct wbw_mounts *m, uint32_t dev, const char *path, char *out,
			size_t outlen);
/*
 * The path `path` (a full path, as wbw_mounts__join gives it) has in an
 * overlay mount whose upper layer holds it: a file written through the
 * overlay lives in upperdir at the path it has in the merged directory
 * (overlayfs creates and copies up upper files under their merged names).
 * Returns 0, or -ENOENT when no overlay mount has path in its upper layer.
 */
int wbw_mounts__overlay_path(const struct wbw_mounts *m, const char *path, char *out,
			     size_t outlen);
void wbw_mounts__free(struct wbw_mounts *m);
/*
 * Do two mount tables have the same root ("/": the same device and the
 * same directory of it)?  A watcher in a container has a root of its own;
 * one in a private mount namespace of the host (unshare -m) does not.
 */
bool wbw_mounts__same_root(const struct wbw_mounts *a, const struct wbw_mounts *b);
/*
 * The mount table whose paths a watcher should print: $WBERRWATCH_MOUNTINFO
 * if set; else the host's (/proc/1/mountinfo, with the host's PID
 * namespace) when the watcher's root is not the host's, as in a container;
 * else NULL (its own, /proc/self/mountinfo).
 */
const char *wbw_mounts__host_table(void);

#endif
