// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "run.h"

/* Who the command runs as: --user, else the sudo caller, else nobody in particular. */
static int target_user(const char *user, uid_t *uid, gid_t *gid, const char **name, char *err,
		       size_t errlen)
{
	const char *su = getenv("SUDO_UID"), *sg = getenv("SUDO_GID");
	struct passwd *pw;

	*name = NULL;
	if (user) {
		pw = getpwnam(user);
		if (!pw) {
			snprintf(err, errlen, "no such user '%s' for --user", user);
			return -ENOENT;
		}
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
		*name = user;
		return 1;
	}
	if (su && sg && atoi(su) > 0) {
		*uid = (uid_t)atoi(su);
		*gid = (gid_t)atoi(sg);
		*name = getenv("SUDO_USER");
		return 1;
	}
	return 0;
}

/* In the child: become the target user, or keep root but hold no capability. */
static void drop_privileges(int have_user, uid_t uid, gid_t gid, const char *name)
{
	if (have_user) {
		if ((name ? initgroups(name, gid) : setgroups(0, NULL)) || setgid(gid) || setuid(uid) ||
		    getuid() != uid || geteuid() != uid) {
			fprintf(stderr, "wberrwatch run: cannot become uid %u: %s\n", (unsigned)uid,
				strerror(errno));
			_exit(126);
		}
		return; /* a non-root uid holds no capabilities after setuid */
	}
	/* root without capabilities: keep none, bounding and ambient sets included */
	if (wbw_caps_keep_only(NULL, 0)) {
		fprintf(stderr, "wberrwatch run: cannot drop capabilities: %s\n", strerror(errno));
		_exit(126);
	}
}

int wbw_run__spawn(char **argv, const char *user, struct wbw_child *c, char *err, size_t errlen)
{
	const char *name;
	uid_t uid = 0;
	gid_t gid = 0;
	int have_user = target_user(user, &uid, &gid, &name, err, errlen), pipefd[2];
	char go;

	if (have_user < 0)
		return have_user;
	if (pipe2(pipefd, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -errno;
	}
	c->pid = fork();
	if (c->pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -errno;
	}
	if (c->pid == 0) {
		close(pipefd[1]);
		/* wait until the parent put our pid in the tree (it closes its end) */
		while (read(pipefd[0], &go, 1) < 0 && errno == EINTR)
			;
		close(pipefd[0]);
		/* the watcher ignores SIGPIPE; the command must not inherit that */
		signal(SIGPIPE, SIG_DFL);
		drop_privileges(have_user, uid, gid, name);
		execvp(argv[0], argv);
		fprintf(stderr, "wberrwatch run: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pipefd[0]);
	c->go_fd = pipefd[1];
	return 0;
}

void wbw_run__release(struct wbw_child *c)
{
	if (c->go_fd >= 0)
		close(c->go_fd);
	c->go_fd = -1;
}

int wbw_run__reap(struct wbw_child *c, int *status)
{
	int st;
	pid_t r = waitpid(c->pid, &st, WNOHANG);

	if (r != c->pid)
		return 0;
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 1;
}

pid_t wbw_run__start_writeback(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		/* tells no one: writeback errors stay for the programs to be told */
		sync();
		_exit(0);
	}
	return pid < 0 ? -errno : pid;
}

int wbw_run__writeback_done(pid_t syncer)
{
	int st;

	return waitpid(syncer, &st, WNOHANG) == syncer;
}

int wbw_caps_keep_only(const int *caps, int n)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { { 0 } }, have[2] = { { 0 } };

	/*
	 * Keep what we have among `caps`: a service started with a reduced
	 * bounding set (contrib/wberrwatch.service) lacks some of them, and
	 * asking capset() for a capability not permitted fails with EPERM.
	 */
	if (syscall(SYS_capget, &hdr, have))
		return -errno;
	for (int i = 0; i < n; i++) {
		__u32 bit = 1u << (caps[i] % 32);

		if (have[caps[i] / 32].permitted & bit) {
			data[caps[i] / 32].effective |= bit;
			data[caps[i] / 32].permitted |= bit;
		}
	}
	/* the bounding set first: dropping from it needs CAP_SETPCAP, kept until the end */
	for (int cap = 0; cap < 64; cap++) {
		bool keep = false;

		for (int i = 0; i < n; i++)
			keep |= caps[i] == cap;
		if (!keep)
			prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}
