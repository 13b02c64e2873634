/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * --pid, --comm, --cgroup, --container: which processes' verdicts to keep (pure C).
 *
 * Writeback errors are recorded in softirq or kworker context, never in
 * the writer's, so a process filter cannot pick errors in the kernel.  It
 * picks verdicts by the process they name: the file's holder for REPORTED,
 * UNREPORTED and RETRIED; the writer for UNSEEN and SUPERSEDED.  The
 * correlator still sees every record: dropping another process's
 * observation in the kernel would turn a REPORTED error into a false
 * UNSEEN one, and hiding a holder would make a shared file look released.
 */
#ifndef WBW_PROCFILTER_H
#define WBW_PROCFILTER_H

#include <stdbool.h>
#include <stdint.h>
#include "correlate.h"
#include "wberrwatch.h"

/* Is cgroup `id` (a cgroup v2 id) inside the filter's subtree? */
typedef bool (*wbw_cgroup_in_fn)(void *ctx, uint64_t id);

struct wbw_procfilter {
	uint32_t pid;                       /* tgid; 0: any */
	char comm[WBW_TASK_COMM_LEN];       /* "": any */
	wbw_cgroup_in_fn cgroup_in;         /* NULL: any cgroup */
	void *cgroup_ctx;
	wbw_cgroup_in_fn container_in;      /* --container: is the cgroup the container's? NULL: any */
	void *container_ctx;
};

static inline bool wbw_procfilter__active(const struct wbw_procfilter *f)
{
	return f->pid || f->comm[0] || f->cgroup_in || f->container_in;
}

/* Does task t pass every filter given?  NULL (no process known) passes none. */
bool wbw_procfilter__match(const struct wbw_procfilter *f, const struct wbw_task *t);

/*
 * The process a verdict is about: the holder of the file (REPORTED,
 * UNREPORTED, RETRIED), else the error's writer; NULL when not known.
 */
const struct wbw_task *wbw_verdict__process(const struct wbw_verdict *v);

#endif
