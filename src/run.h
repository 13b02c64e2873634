/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * `wberrwatch run`: start the command only once its pid can be put in the
 * kernel's process-tree map, without any of wberrwatch's privileges.
 */
#ifndef WBW_RUN_H
#define WBW_RUN_H

#include <stddef.h>
#include <sys/types.h>

struct wbw_child {
	pid_t pid;
	int go_fd; /* closing it lets the child exec */
};

/*
 * Fork the command; the child waits, then drops privileges (to `user`, or
 * the sudo caller, else stays root with every capability dropped) and
 * execs.  Returns 0 or -errno with a message in err.
 */
int wbw_run__spawn(char **argv, const char *user, struct wbw_child *c, char *err, size_t errlen);
/* Let the child exec. */
void wbw_run__release(struct wbw_child *c);
/*
 * Keep only these capabilities (numbers, e.g. 38 for CAP_PERFMON) in the
 * effective and permitted sets, none inheritable, and drop every other one
 * from the bounding set.  Returns 0 or -errno.
 */
int wbw_caps_keep_only(const int *caps, int n);

/* 1 when it has exited (status in shell convention: 128+signal), else 0. */
int wbw_run__reap(struct wbw_child *c, int *status);

/*
 * Write back everything dirty with sync(2), in a child process: sync waits
 * for writeback but reports no error to anyone (unlike fsync or syncfs,
 * which would take the errors from the programs due to be told).  Returns
 * the child's pid or -errno; wbw_run__writeback_done() polls it.
 */
pid_t wbw_run__start_writeback(void);
int wbw_run__writeback_done(pid_t syncer);

#endif
