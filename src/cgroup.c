// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * A cgroup v2 id is its kernfs node id, which is also the inode number of
 * its directory in cgroupfs on 64-bit kernels (kernfs_ino()): the ids under
 * PATH are the st_ino of its directories.  A cgroup never changes parent
 * (cgroupfs renames only within a directory) and ids are never reused, so
 * an id found inside stays inside and an id found outside stays outside;
 * only cgroups created since the last walk are unknown, and a miss walks
 * again.  Verdicts are rare: the walk is not on any hot path.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "cgroup.h"

#define CGROUP2_MAGIC 0x63677270 /* CGROUP2_SUPER_MAGIC, linux/magic.h */
#define OUTSIDE_MAX 4096         /* ids known to be outside, kept to skip walks */
#define WALK_DEPTH_MAX 64

struct id_set {
	uint64_t *ids;
	size_t n, cap;
};

struct wbw_cgroup_tree {
	char *path;
	struct id_set inside, outside;
};

static bool set_has(const struct id_set *s, uint64_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->ids[i] == id)
			return true;
	return false;
}

static int set_add(struct id_set *s, uint64_t id)
{
	if (set_has(s, id))
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		uint64_t *ids = realloc(s->ids, cap * sizeof(*ids));

		if (!ids)
			return -ENOMEM;
		s->ids = ids;
		s->cap = cap;
	}
	s->ids[s->n++] = id;
	return 0;
}

/* every directory under dirfd (taken over and closed): a cgroup */
static void walk(struct wbw_cgroup_tree *t, int dirfd, int depth)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *de;

	if (!d) {
		close(dirfd);
		return;
	}
	while ((de = readdir(d))) {
		struct stat st;
		int fd;

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		/* a cgroup removed while we walk is simply not there */
		fd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) || set_add(&t->inside, st.st_ino) || depth >= WALK_DEPTH_MAX) {
			close(fd);
			continue;
		}
		walk(t, fd, depth + 1);
	}
	closedir(d);
}

static int rewalk(struct wbw_cgroup_tree *t)
{
	struct stat st;
	int fd = open(t->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || set_add(&t->inside, st.st_ino)) {
		close(fd);
		return -ENOMEM;
	}
	walk(t, fd, 0);
	return 0;
}

struct wbw_cgroup_tree *wbw_cgroup_tree__new(const char *path, char *err, size_t errlen)
{
	struct wbw_cgroup_tree *t;
	struct statfs sfs;
	struct stat st;

	if (stat(path, &st) || statfs(path, &sfs)) {
		snprintf(err, errlen, "invalid --cgroup '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISDIR(st.st_mode) || sfs.f_type != CGROUP2_MAGIC) {
		snprintf(err, errlen,
			 "invalid --cgroup '%s': not a cgroup v2 directory (expected a directory "
			 "under the cgroup2 mount, e.g. /sys/fs/cgroup/system.slice/NAME.service)",
			 path);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t)
		t->path = strdup(path);
	if (!t || !t->path || rewalk(t)) {
		snprintf(err, errlen, "--cgroup '%s': cannot read the cgroup tree", path);
		wbw_cgroup_tree__free(t);
		return NULL;
	}
	return t;
}

bool wbw_cgroup_tree__contains(void *tree, uint64_t id)
{
	struct wbw_cgroup_tree *t = tree;

	if (set_has(&t->inside, id))
		return true;
	if (set_has(&t->outside, id))
		return false;
	/* a cgroup made since the last walk (a new systemd scope, say) */
	rewalk(t);
	if (set_has(&t->inside, id))
		return true;
	if (t->outside.n < OUTSIDE_MAX)
		set_add(&t->outside, id);
	return false;
}

void wbw_cgroup_tree__free(struct wbw_cgroup_tree *t)
{
	if (!t)
		return;
	free(t->inside.ids);
	free(t->outside.ids);
	free(t->path);
	free(t);
}
