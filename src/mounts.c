// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include "mounts.h"

/* mountinfo escapes space, tab, newline and backslash as \ooo (fs/proc_namespace.c) */
static char *unescape(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			*o++ = (char)((s[i + 1] - '0') << 6 | (s[i + 2] - '0') << 3 | (s[i + 3] - '0'));
			i += 3;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

static void free_entries(struct wbw_mounts *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].root);
		free(m->v[i].mountpoint);
		free(m->v[i].fstype);
		free(m->v[i].source);
		free(m->v[i].upperdir);
	}
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

/* Split one line into space-separated fields; returns the count. */
static int split(const char *line, size_t len, const char **f, size_t *flen, int max)
{
	int n = 0;
	size_t i = 0;

	while (i < len && n < max) {
		while (i < len && line[i] == ' ')
			i++;
		if (i == len)
			break;
		f[n] = line + i;
		while (i < len && line[i] != ' ')
			i++;
		flen[n] = (size_t)(line + i - f[n]);
		n++;
	}
	return n;
}

static int parse_line(const char *line, size_t len, struct wbw_mount *out)
{
	const char *f[64];
	size_t fl[64];
	unsigned major, minor;
	int n = split(line, len, f, fl, 64), sep;
	char devbuf[32];

	/* id parent maj:min root mountpoint opts [optional...] - fstype source superopts */
	if (n < 10)
		return -EINVAL;
	for (sep = 6; sep < n; sep++)
		if (fl[sep] == 1 && f[sep][0] == '-')
			break;
	if (sep + 2 >= n || fl[2] >= sizeof(devbuf))
		return -EINVAL;
	memcpy(devbuf, f[2], fl[2]);
	devbuf[fl[2]] = '\0';
	if (sscanf(devbuf, "%u:%u", &major, &minor) != 2)
		return -EINVAL;
	out->dev = major << 20 | (minor & 0xfffff);
	out->root = unescape(f[3], fl[3]);
	out->mountpoint = unescape(f[4], fl[4]);
	out->fstype = unescape(f[sep + 1], fl[sep + 1]);
	out->source = unescape(f[sep + 2], fl[sep + 2]);
	if (!out->root || !out->mountpoint || !out->fstype || !out->source)
		return -ENOMEM;
	if (!strcmp(out->fstype, "overlay") && sep + 3 < n) {
		/* "upperdir=PATH" among the comma-separated super options; a comma
		 * inside PATH is escaped (\054) by the kernel's seq_show_option */
		const char *o = f[sep + 3], *end = o + fl[sep + 3];

		while (o < end) {
			const char *comma = memchr(o, ',', (size_t)(end - o));
			size_t len = comma ? (size_t)(comma - o) : (size_t)(end - o);

			if (len > 9 && !strncmp(o, "upperdir=", 9)) {
				out->upperdir = unescape(o + 9, len - 9);
				if (!out->upperdir)
					return -ENOMEM;
				break;
			}
			o += len + 1;
		}
	}
	return 0;
}

int wbw_mounts__parse(struct wbw_mounts *m, const char *text)
{
	struct wbw_mount *v = NULL;
	size_t n = 0, cap = 0;
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		struct wbw_mount e = { 0 };
		int err;

		if (n == cap) {
			struct wbw_mount *nv = realloc(v, (cap ? cap * 2 : 32) * sizeof(*v));

			if (!nv) {
				struct wbw_mounts tmp = { .v = v, .n = n };
				free_entries(&tmp);
				return -ENOMEM;
			}
			v = nv;
			cap = cap ? cap * 2 : 32;
		}
		err = parse_line(p, len, &e);
		if (err == 0) {
			v[n++] = e;
		} else {
			free(e.root);
			free(e.mountpoint);
			free(e.fstype);
			free(e.source);
			free(e.upperdir);
			if (err == -ENOMEM) {
				struct wbw_mounts tmp = { .v = v, .n = n };
				free_entries(&tmp);
				return err;
			}
			/* a line we cannot read only costs its paths */
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	free_entries(m);
	m->v = v;
	m->n = n;
	return 0;
}

int wbw_mounts__load(struct wbw_mounts *m)
{
	const char *path = m->path ? m->path : "/proc/self/mountinfo";
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int err;

	if (!f)
		return -errno;
	/*
	 * mounts_poll() (fs/proc_namespace.c) reports POLLERR|POLLPRI once per
	 * change of the namespace's mount table to each open mountinfo file.
	 * fd 0 doubles as "not open": only a closed stdin could make it real.
	 */
	if (m->watch_fd <= 0)
		m->watch_fd = open(path, O_RDONLY | O_CLOEXEC);
	for (;;) {
		size_t got;

		if (cap - len < 4096) {
			char *nb = realloc(buf, cap ? cap * 2 : 16384);
			if (!nb) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = nb;
			cap = cap ? cap * 2 : 16384;
		}
		got = fread(buf + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0)
			break;
	}
	err = ferror(f) ? -EIO : 0;
	fclose(f);
	if (!err) {
		buf[len] = '\0';
		err = wbw_mounts__parse(m, buf);
		m->loaded = !err;
	}
	free(buf);
	return err;
}

static int root_matches(const char *root, const char *fs_path)
{
	size_t rl = strlen(root);

	if (!strcmp(root, "/"))
		return 1;
	return !strncmp(root, fs_path, rl) && (fs_path[rl] == '/' || fs_path[rl] == '\0');
}

const struct wbw_mount *wbw_mounts__find(const struct wbw_mounts *m, uint32_t dev,
					 const char *fs_path)
{
	const struct wbw_mount *best = NULL;

	for (size_t i = 0; i < m->n; i++) {
		const struct wbw_mount *e = &m->v[i];

		if (e->dev != dev || !root_matches(e->root, fs_path))
			continue;
		/* the whole filesystem, mounted first, is the name people know */
		if (!strcmp(e->root, "/"))
			return e;
		if (!best || strlen(e->root) > strlen(best->root))
			best = e;
	}
	return best;
}

int wbw_mounts__join(const struct wbw_mounts *m, uint32_t dev, const char *fs_path, char *out,
		     size_t outlen)
{
	const struct wbw_mount *e = wbw_mounts__find(m, dev, fs_path);
	const char *rest;
	int n;

	if (outlen)
		out[0] = '\0';
	if (!e)
		return -ENOENT;
	rest = strcmp(e->root, "/") ? fs_path + strlen(e->root) : fs_path;
	if (!strcmp(e->mountpoint, "/"))
		n = snprintf(out, outlen, "%s", *rest ? rest : "/");
	else
		n = snprintf(out, outlen, "%s%s", e->mountpoint, strcmp(rest, "/") ? rest : "");
	if (n < 0 || (size_t)n >= outlen)
		return -ENAMETOOLONG;
	return 0;
}

/* Does `path` lie at or below the directory `dir`? */
static bool below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strcmp(dir, "/") || (!strncmp(path, dir, n) && (path[n] == '/' || !path[n]));
}

int wbw_mounts__fs_path(const struct wbw_mounts *m, uint32_t dev, const char *path, char *out,
			size_t outlen)
{
	const struct wbw_mount *best = NULL;
	const char *rest;
	int n;

	if (outlen)
		out[0] = '\0';
	for (size_t i = 0; i < m->n; i++) {
		const struct wbw_mount *e = &m->v[i];

		if (e->dev == dev && below(path, e->mountpoint) &&
		    (!best || strlen(e->mountpoint) > strlen(best->mountpoint)))
			best = e;
	}
	if (!best)
		return -ENOENT;
	rest = strcmp(best->mountpoint, "/") ? path + strlen(best->mountpoint) : path;
	n = snprintf(out, outlen, "%s%s", strcmp(best->root, "/") ? best->root : "",
		     *rest ? rest : (strcmp(best->root, "/") ? "" : "/"));
	if (n < 0 || (size_t)n >= outlen)
		return -ENAMETOOLONG;
	return 0;
}

int wbw_mounts__overlay_path(const struct wbw_mounts *m, const char *path, char *out,
			     size_t outlen)
{
	if (outlen)
		out[0] = '\0';
	for (size_t i = 0; i < m->n; i++) {
		const struct wbw_mount *e = &m->v[i];
		const char *rest;
		int n;

		/* the overlay's own root mounted: a bind of a subdirectory shows another tree */
		if (!e->upperdir || strcmp(e->root, "/") || strcmp(e->upperdir, "/") == 0 ||
		    !below(path, e->upperdir))
			continue;
		rest = path + strlen(e->upperdir);
		n = snprintf(out, outlen, "%s%s", strcmp(e->mountpoint, "/") || !*rest ? e->mountpoint : "",
			     rest);
		if (n < 0 || (size_t)n >= outlen)
			return -ENAMETOOLONG;
		return 0;
	}
	return -ENOENT;
}

static bool changed(const struct wbw_mounts *m)
{
	struct pollfd p = { .fd = m->watch_fd, .events = POLLPRI };

	return m->watch_fd > 0 && poll(&p, 1, 0) > 0 && (p.revents & (POLLPRI | POLLERR));
}

int wbw_mounts__resolve(struct wbw_mounts *m, uint32_t dev, const char *fs_path, char *out,
			size_t outlen, int64_t now_ns)
{
	int err;

	if (m->loaded && changed(m))
		wbw_mounts__load(m);
	err = wbw_mounts__join(m, dev, fs_path, out, outlen);

	if (err != -ENOENT || !m->loaded || now_ns - m->last_load_ns < 1000000000ll)
		return err;
	/* mounted since we last looked? */
	m->last_load_ns = now_ns;
	if (wbw_mounts__load(m))
		return err;
	return wbw_mounts__join(m, dev, fs_path, out, outlen);
}

static const struct wbw_mount *root_mount(const struct wbw_mounts *m)
{
	/* mountinfo lists mounts in order: the last one on "/" is the one seen */
	for (size_t i = m->n; i-- > 0;)
		if (!strcmp(m->v[i].mountpoint, "/"))
			return &m->v[i];
	return NULL;
}

bool wbw_mounts__same_root(const struct wbw_mounts *a, const struct wbw_mounts *b)
{
	const struct wbw_mount *x = root_mount(a), *y = root_mount(b);

	return x && y && x->dev == y->dev && !strcmp(x->root, y->root);
}

/* Is the watcher in PID 1's mount namespace?  (false when it cannot tell) */
static bool same_mount_ns(void)
{
	char self[64], init[64];
	ssize_t a = readlink("/proc/self/ns/mnt", self, sizeof(self) - 1);
	ssize_t b = readlink("/proc/1/ns/mnt", init, sizeof(init) - 1);

	if (a <= 0 || b <= 0)
		return false;
	self[a] = init[b] = '\0';
	return !strcmp(self, init);
}

const char *wbw_mounts__host_table(void)
{
	const char *env = getenv("WBERRWATCH_MOUNTINFO");
	struct wbw_mounts self = { .path = "/proc/self/mountinfo", .watch_fd = -1 };
	struct wbw_mounts host = { .path = "/proc/1/mountinfo", .watch_fd = -1 };
	const char *pick = NULL;

	if (env && *env)
		return env;
	/*
	 * In PID 1's mount namespace the watcher's own table is right, also
	 * under a chroot (the kernel matrix's guests run the suite chrooted
	 * in /newroot, and paths must be the chroot's): only a container, a
	 * mount namespace of its own with another root, needs the host's.
	 */
	if (same_mount_ns())
		return NULL;
	/*
	 * /proc/1/mountinfo is readable without ptrace access
	 * (mounts_open_common() asks none); with a PID namespace of its own
	 * the watcher's pid 1 is its own init, whose root is its own too.
	 */
	if (!wbw_mounts__load(&self) && !wbw_mounts__load(&host) &&
	    !wbw_mounts__same_root(&self, &host))
		pick = host.path;
	wbw_mounts__free(&self);
	wbw_mounts__free(&host);
	return pick;
}

void wbw_mounts__free(struct wbw_mounts *m)
{
	free_entries(m);
	if (m->watch_fd > 0)
		close(m->watch_fd);
	m->watch_fd = 0;
}
