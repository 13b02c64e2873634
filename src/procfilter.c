// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <string.h>
#include "procfilter.h"

bool wbw_procfilter__match(const struct wbw_procfilter *f, const struct wbw_task *t)
{
	if (!wbw_procfilter__active(f))
		return true;
	if (!t)
		return false;
	if (f->pid && t->pid != f->pid)
		return false;
	/* the kernel keeps TASK_COMM_LEN - 1 bytes: compare what it keeps */
	if (f->comm[0] && strncmp(t->comm, f->comm, WBW_TASK_COMM_LEN - 1))
		return false;
	/* 0: the record carried no cgroup (the task had none, or was gone) */
	if (f->cgroup_in && (!t->cgroup_id || !f->cgroup_in(f->cgroup_ctx, t->cgroup_id)))
		return false;
	if (f->container_in && (!t->cgroup_id || !f->container_in(f->container_ctx, t->cgroup_id)))
		return false;
	return true;
}

const struct wbw_task *wbw_verdict__process(const struct wbw_verdict *v)
{
	switch (v->kind) {
	case WBW_V_UNREPORTED:
		/* released before the first look: whose is not known */
		return v->released == WBW_RELEASE_BEFORE_LOOK ? NULL : &v->holder;
	case WBW_V_REPORTED:
	case WBW_V_RETRIED:
		return &v->holder;
	default:
		return v->error->writer_known ? &v->error->writer : NULL;
	}
}
