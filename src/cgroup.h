/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* --cgroup PATH: is a cgroup (v2) id inside the subtree rooted at PATH? */
#ifndef WBW_CGROUP_H
#define WBW_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wbw_cgroup_tree;

/*
 * PATH must be a directory of a cgroup v2 (unified) hierarchy, such as
 * /sys/fs/cgroup/system.slice/postgresql.service.  NULL with a message in
 * err otherwise.
 */
struct wbw_cgroup_tree *wbw_cgroup_tree__new(const char *path, char *err, size_t errlen);
void wbw_cgroup_tree__free(struct wbw_cgroup_tree *t);
/* as wbw_cgroup_in_fn: matches procfilter.h's callback */
bool wbw_cgroup_tree__contains(void *tree, uint64_t id);

#endif
