// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "container.h"
#include "jsonread.h"

static void copy(char *dst, size_t len, const char *src, size_t n)
{
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static bool is_id(const char *s, size_t n)
{
	if (n != WBW_CONTAINER_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool starts(const char *s, size_t n, const char *prefix)
{
	size_t p = strlen(prefix);

	return n >= p && !memcmp(s, prefix, p);
}

/*
 * The container a cgroup directory name stands for.  The systemd driver
 * makes "<prefix>-<id>.scope" (runc's cgroupsPath "slice:prefix:id"): CRI
 * containerd "cri-containerd-", CRI-O "crio-", podman "libpod-", docker
 * "docker-"; the cgroupfs driver a bare "<id>" (kubelet's
 * /kubepods/<qos>/pod<uid>/<id>, docker's /docker/<id>) or podman's
 * /libpod_parent/libpod-<id>.  "crio-conmon-" and "libpod-conmon-" hold
 * the runtime's monitor, not the container.
 */
static const struct {
	const char *prefix, *runtime;
} scope_prefixes[] = {
	{ "cri-containerd-", "containerd" },
	{ "crio-", "cri-o" },
	{ "libpod-", "podman" },
	{ "docker-", "docker" },
};

static bool component(const char *s, size_t n, const char *parent, size_t plen,
		      struct wbw_container *c)
{
	if (n > 6 && !memcmp(s + n - 6, ".scope", 6))
		n -= 6;
	for (size_t i = 0; i < sizeof(scope_prefixes) / sizeof(scope_prefixes[0]); i++) {
		size_t p = strlen(scope_prefixes[i].prefix);

		if (starts(s, n, scope_prefixes[i].prefix) && is_id(s + p, n - p)) {
			copy(c->id, sizeof(c->id), s + p, n - p);
			snprintf(c->runtime, sizeof(c->runtime), "%s", scope_prefixes[i].runtime);
			return true;
		}
	}
	if (is_id(s, n)) {
		copy(c->id, sizeof(c->id), s, n);
		/* docker's cgroupfs layout names its runtime; kubelet's does not */
		snprintf(c->runtime, sizeof(c->runtime), "%s",
			 plen == 6 && !memcmp(parent, "docker", 6) ? "docker" : "");
		return true;
	}
	return false;
}

/* "kubepods-besteffort-pod<uid>.slice" (systemd, '-' in the uid as '_') or "pod<uid>" */
static bool pod_uid(const char *s, size_t n, bool under_kubepods, char *out, size_t outlen)
{
	const char *pod;
	size_t k;

	if (starts(s, n, "kubepods") && n > 6 && !memcmp(s + n - 6, ".slice", 6)) {
		n -= 6;
		for (pod = NULL, k = 0; k + 4 <= n; k++)
			if (!memcmp(s + k, "-pod", 4))
				pod = s + k + 4;
		if (!pod || pod == s + n)
			return false;
		copy(out, outlen, pod, (size_t)(s + n - pod));
		for (char *q = out; *q; q++)
			if (*q == '_')
				*q = '-';
		return true;
	}
	if (under_kubepods && n > 3 && starts(s, n, "pod")) {
		copy(out, outlen, s + 3, n - 3);
		return true;
	}
	return false;
}

bool wbw_container_from_cgroup(const char *path, struct wbw_container *c)
{
	struct wbw_container found = { 0 };
	char uid[sizeof(c->pod_uid)] = "";
	const char *s = path, *parent = "";
	size_t plen = 0;
	bool any = false, kubepods = false;

	while (*s) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);

		if (n) {
			struct wbw_container c2 = { 0 };

			if (starts(s, n, "kubepods"))
				kubepods = true;
			if (component(s, n, parent, plen, &c2)) {
				/* the deepest wins; the pod is the one above it */
				found = c2;
				snprintf(found.pod_uid, sizeof(found.pod_uid), "%s", uid);
				any = true;
			} else {
				pod_uid(s, n, kubepods, uid, sizeof(uid));
			}
			parent = s;
			plen = n;
		}
		s += n;
		if (*s == '/')
			s++;
	}
	if (any)
		*c = found;
	return any;
}

/* the annotations' object: the reader at its value */
static void annotations(struct wbw_jr *r, struct wbw_container *c)
{
	char key[128], val[256];
	bool first = true, cri = false, crio = false, libpod = false;

	if (!wbw_jr_obj_begin(r))
		return;
	while (wbw_jr_obj_next(r, &first, key, sizeof(key))) {
		char *dst = NULL;
		size_t dlen = 0;

		if (!wbw_jr_string(r, val, sizeof(val), NULL)) {
			if (!wbw_jr_skip(r))
				return;
			continue;
		}
		/* containerd's CRI plugin (pkg/cri/annotations) */
		if (!strcmp(key, "io.kubernetes.cri.sandbox-name"))
			dst = c->pod, dlen = sizeof(c->pod);
		else if (!strcmp(key, "io.kubernetes.cri.sandbox-namespace"))
			dst = c->ns, dlen = sizeof(c->ns);
		else if (!strcmp(key, "io.kubernetes.cri.container-name"))
			dst = c->name, dlen = sizeof(c->name);
		/* CRI-O (and kubelet's labels it copies) */
		else if (!strcmp(key, "io.kubernetes.pod.name"))
			dst = c->pod, dlen = sizeof(c->pod);
		else if (!strcmp(key, "io.kubernetes.pod.namespace"))
			dst = c->ns, dlen = sizeof(c->ns);
		else if (!strcmp(key, "io.kubernetes.container.name"))
			dst = c->name, dlen = sizeof(c->name);
		if (dst)
			copy(dst, dlen, val, strlen(val));
		if (!strncmp(key, "io.kubernetes.cri.", 18))
			cri = true;
		/* podman writes a few io.kubernetes.cri-o.* keys too; ContainerID is CRI-O's own */
		if (!strcmp(key, "io.kubernetes.cri-o.ContainerID"))
			crio = true;
		if (!strcmp(key, "io.container.manager") && !strcmp(val, "libpod"))
			libpod = true;
	}
	if (!c->runtime[0])
		snprintf(c->runtime, sizeof(c->runtime), "%s",
			 libpod ? "podman" : crio ? "cri-o" : cri ? "containerd" : "");
}

bool wbw_container_parse_config(const char *text, size_t len, struct wbw_container *c)
{
	struct wbw_jr r;
	char key[32];
	bool first = true;

	wbw_jr_init(&r, text, len);
	if (!wbw_jr_obj_begin(&r))
		return false;
	while (wbw_jr_obj_next(&r, &first, key, sizeof(key))) {
		if (!strcmp(key, "annotations") && wbw_jr_peek(&r) == '{')
			annotations(&r, c);
		else if (!wbw_jr_skip(&r))
			break;
		if (r.bad)
			break;
	}
	return !r.bad;
}

/* runc's config.labels: ["key=value", ..., "bundle=DIR"] */
static bool labels(struct wbw_jr *r, char *bundle, size_t bundlelen)
{
	char key[16], val[4096];
	bool first = true, found = false;

	if (!wbw_jr_obj_begin(r))
		return false;
	while (wbw_jr_obj_next(r, &first, key, sizeof(key))) {
		bool afirst = true, cut;

		if (strcmp(key, "labels") || wbw_jr_peek(r) != '[') {
			if (!wbw_jr_skip(r))
				return false;
			continue;
		}
		if (!wbw_jr_arr_begin(r))
			return false;
		while (wbw_jr_arr_next(r, &afirst)) {
			if (!wbw_jr_string(r, val, sizeof(val), &cut)) {
				if (!wbw_jr_skip(r))
					return false;
				continue;
			}
			if (!cut && !strncmp(val, "bundle=", 7) && val[7]) {
				snprintf(bundle, bundlelen, "%s", val + 7);
				found = true;
			}
		}
	}
	return found && !r->bad;
}

bool wbw_container_parse_state(const char *text, size_t len, char *bundle, size_t bundlelen)
{
	struct wbw_jr r;
	char key[16], val[4096];
	bool first = true, found = false, cut;

	wbw_jr_init(&r, text, len);
	if (!wbw_jr_obj_begin(&r))
		return false;
	while (wbw_jr_obj_next(&r, &first, key, sizeof(key))) {
		if (!strcmp(key, "bundle") && wbw_jr_string(&r, val, sizeof(val), &cut)) {
			if (!cut && val[0]) {
				snprintf(bundle, bundlelen, "%s", val);
				found = true;
			}
		} else if (!strcmp(key, "config") && wbw_jr_peek(&r) == '{') {
			if (labels(&r, bundle, bundlelen))
				found = true;
		} else if (!wbw_jr_skip(&r)) {
			break;
		}
		if (r.bad)
			break;
	}
	return found && !r.bad;
}

bool wbw_container_parse_storage(const char *text, size_t len, const char *id, char *name,
				 size_t namelen)
{
	struct wbw_jr r;
	bool first = true;

	wbw_jr_init(&r, text, len);
	if (!wbw_jr_arr_begin(&r))
		return false;
	while (wbw_jr_arr_next(&r, &first)) {
		char key[16], cid[WBW_CONTAINER_ID_LEN + 2] = "", first_name[256] = "";
		bool ofirst = true;

		if (wbw_jr_peek(&r) != '{') {
			if (!wbw_jr_skip(&r))
				return false;
			continue;
		}
		wbw_jr_obj_begin(&r);
		while (wbw_jr_obj_next(&r, &ofirst, key, sizeof(key))) {
			bool afirst = true;

			if (!strcmp(key, "id") && wbw_jr_string(&r, cid, sizeof(cid), NULL))
				continue;
			if (!strcmp(key, "names") && wbw_jr_peek(&r) == '[') {
				wbw_jr_arr_begin(&r);
				while (wbw_jr_arr_next(&r, &afirst)) {
					if (!first_name[0] &&
					    wbw_jr_string(&r, first_name, sizeof(first_name), NULL))
						continue;
					if (!wbw_jr_skip(&r))
						return false;
				}
				continue;
			}
			if (!wbw_jr_skip(&r))
				return false;
		}
		if (r.bad)
			return false;
		if (!strcmp(cid, id) && first_name[0]) {
			snprintf(name, namelen, "%s", first_name);
			return true;
		}
	}
	return false;
}

const char *wbw_container_describe(const struct wbw_container *c, char *buf, size_t len)
{
	if (c->pod[0])
		snprintf(buf, len, "pod %s in namespace %s, container %s", c->pod,
			 c->ns[0] ? c->ns : "?", c->name[0] ? c->name : "?");
	else if (c->name[0])
		snprintf(buf, len, "container %s (%s%s%.12s)", c->name, c->runtime,
			 c->runtime[0] ? " " : "", c->id);
	else
		snprintf(buf, len, "container %.12s%s%s%s", c->id, c->runtime[0] ? " (" : "",
			 c->runtime, c->runtime[0] ? ")" : "");
	return buf;
}

bool wbw_container_matches(const struct wbw_container *c, const char *arg)
{
	size_t n = strlen(arg);

	if (!n)
		return false;
	if (n >= 12 && n <= WBW_CONTAINER_ID_LEN && !strncmp(c->id, arg, n))
		return true;
	return c->name[0] && !strcmp(c->name, arg);
}

/* ---- I/O: the runtimes' files, and the cache ---- */

/*
 * Where each runtime keeps a container's config.json, or a state file
 * that names its bundle; %s is the id.  docs/containers.md has this table.
 */
enum bundle_kind { CONFIG, STATE, };
static const struct {
	const char *runtime, *pattern;
	enum bundle_kind kind;
} bundle_table[] = {
	/* containerd's v2 shim: the bundle itself, one directory per namespace (k8s.io, moby, default) */
	{ "containerd", "/run/containerd/io.containerd.runtime.v2.task/*/%s/config.json", CONFIG },
	/* containers/storage: podman and CRI-O, root's runroot then graphroot */
	{ "podman", "/run/containers/storage/overlay-containers/%s/userdata/config.json", CONFIG },
	{ "podman", "/var/lib/containers/storage/overlay-containers/%s/userdata/config.json", CONFIG },
	/* docker before it used the system containerd */
	{ "docker", "/run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby/%s/config.json",
	  CONFIG },
	/* runc's own state (runc run, podman with runc), containerd's runc root, crun's */
	{ "runc", "/run/runc/%s/state.json", STATE },
	{ "runc", "/run/containerd/runc/*/%s/state.json", STATE },
	{ "crun", "/run/crun/%s/status", STATE },
};

/* containers/storage's list of containers and their names */
static const char *const storage_lists[] = {
	"/var/lib/containers/storage/overlay-containers/containers.json",
	"/run/containers/storage/overlay-containers/volatile-containers.json",
};

#define CONTAINER_FILE_MAX (4u << 20)
#define CACHE_SIZE 1024
#define CGROUP_WALK_DEPTH 32

struct entry {
	uint64_t cgid;
	bool in_container;
	struct wbw_container c;
};

struct wbw_containers {
	char *cgroot, *root;
	struct entry *cache;
	size_t n, next;
};

int wbw_cgroup2_mount(char *out, size_t outlen)
{
	FILE *f = setmntent("/proc/self/mounts", "re");
	struct mntent *m;
	int rc = -ENOENT;

	if (!f)
		return -ENOENT;
	while ((m = getmntent(f)))
		if (!strcmp(m->mnt_type, "cgroup2")) {
			snprintf(out, outlen, "%s", m->mnt_dir);
			rc = 0;
			break;
		}
	endmntent(f);
	return rc;
}

struct wbw_containers *wbw_containers__new(const char *cgroup2_root, const char *root)
{
	struct wbw_containers *cs = calloc(1, sizeof(*cs));

	if (!cs)
		return NULL;
	cs->cgroot = strdup(cgroup2_root);
	cs->root = strdup(root ? root : "");
	cs->cache = calloc(CACHE_SIZE, sizeof(*cs->cache));
	if (!cs->cgroot || !cs->root || !cs->cache) {
		wbw_containers__free(cs);
		return NULL;
	}
	return cs;
}

void wbw_containers__free(struct wbw_containers *cs)
{
	if (!cs)
		return;
	free(cs->cgroot);
	free(cs->root);
	free(cs->cache);
	free(cs);
}

static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	size_t cap = 16384, n = 0;
	char *buf = NULL;
	struct stat st;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		goto fail;
	buf = malloc(cap);
	while (buf) {
		ssize_t k;

		if (n == cap) {
			char *b;

			if (cap >= CONTAINER_FILE_MAX)
				goto fail;
			b = realloc(buf, cap *= 2);
			if (!b)
				goto fail;
			buf = b;
		}
		k = read(fd, buf + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			goto fail;
		if (k == 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	*len = n;
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

/* depth-first: the directory whose inode number is id (kernfs_ino() is the cgroup id) */
static bool find_cgroup(int dfd, uint64_t id, char *path, size_t used, size_t cap, int depth)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	bool found = false;

	if (!d) {
		close(dfd);
		return false;
	}
	while (!found && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		int fd;

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (used + 1 + n >= cap)
			continue;
		path[used] = '/';
		memcpy(path + used + 1, de->d_name, n + 1);
		if (de->d_ino == id) {
			found = true;
			break;
		}
		if (depth >= CGROUP_WALK_DEPTH)
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			found = find_cgroup(fd, id, path, used + 1 + n, cap, depth + 1);
	}
	if (!found)
		path[used] = '\0';
	closedir(d);
	return found;
}

int wbw_containers__cgroup_path(struct wbw_containers *cs, uint64_t id, char *out, size_t outlen)
{
	struct stat st;
	int fd;

	if (outlen < 2)
		return -ENOENT;
	fd = open(cs->cgroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	if (!fstat(fd, &st) && st.st_ino == id) {
		close(fd);
		snprintf(out, outlen, "/");
		return 0;
	}
	out[0] = '\0';
	return find_cgroup(fd, id, out, 0, outlen, 0) ? 0 : -ENOENT;
}

static bool read_config(const char *path, struct wbw_container *c)
{
	size_t len;
	char *text = slurp(path, &len);
	bool ok;

	if (!text)
		return false;
	ok = wbw_container_parse_config(text, len, c);
	free(text);
	return ok;
}

static bool from_state(struct wbw_containers *cs, const char *path, struct wbw_container *c,
		       char *bundle, size_t bundlelen)
{
	char cfg[4200];
	size_t len;
	char *text = slurp(path, &len);
	bool ok;

	if (!text)
		return false;
	ok = wbw_container_parse_state(text, len, bundle, bundlelen);
	free(text);
	if (!ok)
		return false;
	snprintf(cfg, sizeof(cfg), "%s%s/config.json", cs->root, bundle);
	return read_config(cfg, c);
}

/* podman's or CRI-O's list of names, from one name */
static void storage_name(struct wbw_containers *cs, const char *list, struct wbw_container *c)
{
	char path[4200];
	size_t len;
	char *text;

	snprintf(path, sizeof(path), "%s%s", cs->root, list);
	text = slurp(path, &len);
	if (text)
		wbw_container_parse_storage(text, len, c->id, c->name, sizeof(c->name));
	free(text);
}

static void find_bundle(struct wbw_containers *cs, struct wbw_container *c)
{
	char bundle[4096] = "";

	for (size_t i = 0; i < sizeof(bundle_table) / sizeof(bundle_table[0]) && !c->bundle_found;
	     i++) {
		char pat[512], full[600];
		glob_t g;

		snprintf(pat, sizeof(pat), bundle_table[i].pattern, c->id);
		snprintf(full, sizeof(full), "%s%s", cs->root, pat);
		if (glob(full, GLOB_NOSORT, NULL, &g))
			continue;
		for (size_t k = 0; k < g.gl_pathc && !c->bundle_found; k++) {
			struct wbw_container t = *c;

			if (bundle_table[i].kind == CONFIG ? read_config(g.gl_pathv[k], &t)
							   : from_state(cs, g.gl_pathv[k], &t, bundle,
									sizeof(bundle))) {
				*c = t;
				c->bundle_found = true;
				if (!c->runtime[0])
					snprintf(c->runtime, sizeof(c->runtime), "%s",
						 bundle_table[i].runtime);
			}
		}
		globfree(&g);
	}
	/* podman keeps its names in containers/storage, not in the bundle */
	for (size_t i = 0; i < sizeof(storage_lists) / sizeof(storage_lists[0]) && !c->name[0];
	     i++)
		storage_name(cs, storage_lists[i], c);
	/*
	 * a store elsewhere (podman --root): runc's state names the bundle,
	 * STORE/overlay-containers/<id>/userdata, and the list is beside it
	 */
	if (!c->name[0] && bundle[0]) {
		char suffix[WBW_CONTAINER_ID_LEN + 16], list[4200];
		size_t n = strlen(bundle), k;

		snprintf(suffix, sizeof(suffix), "/%s/userdata", c->id);
		k = strlen(suffix);
		if (n > k && !strcmp(bundle + n - k, suffix)) {
			snprintf(list, sizeof(list), "%.*s/containers.json", (int)(n - k), bundle);
			storage_name(cs, list, c);
		}
	}
}

const struct wbw_container *wbw_containers__get(void *ctx, uint64_t id)
{
	struct wbw_containers *cs = ctx;
	struct entry *e;
	char path[4096];

	if (!cs || !id)
		return NULL;
	for (size_t i = 0; i < cs->n; i++)
		if (cs->cache[i].cgid == id)
			return cs->cache[i].in_container ? &cs->cache[i].c : NULL;
	/* the oldest entry makes room: cgroups that still matter were used recently */
	e = &cs->cache[cs->next];
	cs->next = (cs->next + 1) % CACHE_SIZE;
	if (cs->n < CACHE_SIZE)
		cs->n++;
	memset(e, 0, sizeof(*e));
	e->cgid = id;
	/* a cgroup gone before it was asked about cannot be placed: no container */
	if (wbw_containers__cgroup_path(cs, id, path, sizeof(path)) ||
	    !wbw_container_from_cgroup(path, &e->c))
		return NULL;
	e->in_container = true;
	find_bundle(cs, &e->c);
	return &e->c;
}
