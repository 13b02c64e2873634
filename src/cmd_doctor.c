// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * `wberrwatch doctor`: try every hook kind this kernel might give, say
 * which work and why not, and exit with the status a watch would have
 * (the fix on stderr).  Then what a watcher in a container needs besides
 * (advisory: a watch runs without them, with less to say).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include "cmd.h"
#include "container.h"
#include "loader.h"
#include "mounts.h"
#include "output.h"

#define CAP_SYS_NICE_ 23

static bool has_sys_nice(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[0].effective & (1u << CAP_SYS_NICE_);
}

/* the container checks: what is missing, and which mount or capability gives it */
static void container_checks(struct wbw_doctor *r)
{
	static const char *const runtime_dirs[] = {
		"/run/containerd/io.containerd.runtime.v2.task", "/run/containers/storage",
		"/var/lib/containers/storage", "/run/runc", "/run/crun", "/run/containerd/runc",
	};
	char buf[768], cg[512];
	const char *table = wbw_mounts__host_table();
	size_t used = 0;

	if (!wbw_cgroup2_mount(cg, sizeof(cg))) {
		snprintf(buf, sizeof(buf), "%s", cg);
		wbw_doctor__add(r, "cgroup2", "container names, --cgroup, --container", true, buf);
	} else {
		wbw_doctor__add(r, "cgroup2", "container names, --cgroup, --container", false,
				"no cgroup v2 hierarchy mounted: processes are named without their "
				"container; in a container, mount the host's /sys/fs/cgroup read-only");
	}
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(runtime_dirs) / sizeof(runtime_dirs[0]); i++)
		if (access(runtime_dirs[i], R_OK | X_OK) == 0 && used < sizeof(buf))
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s",
						 used ? " " : "", runtime_dirs[i]);
	if (used)
		wbw_doctor__add(r, "runtime_files", "pod, namespace and container names", true, buf);
	else
		wbw_doctor__add(r, "runtime_files", "pod, namespace and container names", false,
				"none of /run/containerd, /run/containers/storage, "
				"/var/lib/containers/storage, /run/runc, /run/crun: containers are "
				"named by id only; in a container, mount the host's read-only "
				"(docs/containers.md)");
	snprintf(buf, sizeof(buf), "%s",
		 table ? (strcmp(table, "/proc/1/mountinfo")
				  ? table
				  : "/proc/1/mountinfo: the watcher's root is not PID 1's, paths are "
				    "the host's (with the host's PID namespace)")
		       : "/proc/self/mountinfo");
	wbw_doctor__add(r, "mountinfo", "full paths", true, buf);
	wbw_doctor__add(r, "CAP_SYS_NICE", "the watcher waits for errors at SCHED_FIFO 1 (else nice -20)",
			has_sys_nice(),
			has_sys_nice() ? NULL
				       : "not held: the first look may wait on the scheduler on a "
					 "busy host; add CAP_SYS_NICE");
}

int do_doctor(struct wbw_cli *cli)
{
	static struct wbw_doctor report;
	static struct wbw_output out;

	wbw_output__init(&out, stdout, cli->json, NULL, 0);
	wbw_loader__doctor(&report);
	container_checks(&report);
	wbw_output__doctor(&out, &report);
	if (report.exit_status)
		fprintf(stderr, "wberrwatch: %s\n", report.fix);
	return report.exit_status;
}
