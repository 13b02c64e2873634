/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Container attribution: a process's cgroup v2 id -> its cgroup's path ->
 * the container id the runtime put in that path -> the runtime's OCI
 * bundle (config.json), whose annotations name the pod, its namespace and
 * the container.  No runtime API is asked and nothing is added to any BPF
 * program: the cgroup id is already in every record that names a process,
 * and this runs only when a record or verdict is printed, cached per
 * cgroup id (ids are never reused).
 *
 * The parsers (path -> runtime and id, config.json -> names, state files ->
 * bundle) are pure and unit-tested; wbw_containers__get() does the I/O.
 * Where each runtime keeps its files is the table in docs/containers.md,
 * the same as bundle_table[] in container.c.
 */
#ifndef WBW_CONTAINER_H
#define WBW_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WBW_CONTAINER_ID_LEN 64 /* every runtime here names containers by 64 hex digits */

struct wbw_container {
	char id[WBW_CONTAINER_ID_LEN + 1];
	char runtime[16];   /* "containerd", "cri-o", "podman", "docker", "runc", "crun"; "" unknown */
	char pod_uid[40];   /* from a kubepods cgroup path; "" if none */
	char pod[254];      /* Kubernetes pod name (a DNS subdomain, at most 253) */
	char ns[64];        /* Kubernetes namespace (a DNS label, at most 63) */
	char name[254];     /* the container's name: Kubernetes' or the runtime's own */
	bool bundle_found;  /* its config.json was read */
};

/*
 * A cgroup v2 path (relative to the cgroup2 mount, as /proc/PID/cgroup
 * shows it) -> the container it belongs to: runtime (when the layout names
 * it), id and pod uid.  The deepest component that names a container wins
 * (a container's own sub-cgroups are its own).  False if none does.
 */
bool wbw_container_from_cgroup(const char *path, struct wbw_container *c);
/*
 * An OCI config.json: the pod, namespace and container name from the
 * annotations containerd's CRI, CRI-O and podman write, and the runtime
 * they reveal when the cgroup path did not.  False if the text is not a
 * JSON object (what was read so far is kept).
 */
bool wbw_container_parse_config(const char *text, size_t len, struct wbw_container *c);
/*
 * A runtime's state file (runc's state.json: config.labels "bundle=DIR";
 * crun's status: "bundle") -> the bundle directory.  False if none.
 */
bool wbw_container_parse_state(const char *text, size_t len, char *bundle, size_t bundlelen);
/*
 * containers/storage's containers.json (podman, CRI-O): the first name of
 * container `id`.  False if it is not listed.
 */
bool wbw_container_parse_storage(const char *text, size_t len, const char *id, char *name,
				 size_t namelen);
/*
 * For text output: "pod P in namespace N, container C" when Kubernetes
 * names it, else "container NAME (RUNTIME 0123456789ab)".
 */
const char *wbw_container_describe(const struct wbw_container *c, char *buf, size_t len);
/* --container ARG: the full id, an id prefix of at least 12 digits, or the container's name */
bool wbw_container_matches(const struct wbw_container *c, const char *arg);

/* The I/O side: a cache of cgroup id -> container. */

/* Where the cgroup v2 hierarchy is mounted (the first cgroup2 in /proc/self/mounts); 0 or -ENOENT. */
int wbw_cgroup2_mount(char *out, size_t outlen);
struct wbw_containers;

/*
 * cgroup2_root: where the cgroup v2 hierarchy is mounted (the host's: in a
 * container, bind-mount the host's cgroupfs); root: a prefix for the
 * runtimes' file locations ("" for the host's own; tests use a directory).
 */
struct wbw_containers *wbw_containers__new(const char *cgroup2_root, const char *root);
void wbw_containers__free(struct wbw_containers *cs);
/* The container of cgroup `id`, or NULL when it is in none (or 0: not known). */
const struct wbw_container *wbw_containers__get(void *cs, uint64_t id);
/* The cgroup v2 directory of `id` below the root into out ("/" for the root); 0 or -ENOENT. */
int wbw_containers__cgroup_path(struct wbw_containers *cs, uint64_t id, char *out, size_t outlen);

#endif
