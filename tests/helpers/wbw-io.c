// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * wbw-io: run a script of file operations and report each result as a JSON
 * line, so end-to-end tests can compare wberrwatch's output with what the
 * process itself saw (pid, errno, dev, inode).
 *
 *   wbw-io 'open a /mnt/f w' 'write a 16' 'fsync a' 'close a'
 *
 * Operations (NAME is a descriptor name of one letter or word):
 *   open NAME PATH r|w|rw     open (w and rw create the file)
 *   write NAME MIB            write MIB MiB of a byte pattern at the current offset
 *   writek NAME KIB           the same, KIB KiB
 *   fifo-wait PATH            block until another process opens the FIFO PATH to write
 *   fifo-post PATH            open the FIFO PATH to write (wakes its fifo-wait at once)
 *   seek NAME MIB             move the offset to MIB MiB
 *   fsync|fdatasync|syncfs NAME
 *   sync                      sync(2): writes everything back, tells no one
 *   close NAME
 *   dup NAME NEW              NEW refers to the same open file
 *   stat NAME                 report dev and inode
 *   sleep MS
 *   wait PATH                 block until PATH exists (lets a test step in)
 *   forkwait MS|PATH          fork; the child holds every descriptor for MS ms, or
 *                             until PATH exists, then exits; the parent goes on
 *   many N DIR KIB            open DIR/f0..f(N-1) for writing, KIB KiB each
 *   many-fsync N              fsync the first N of them (reports how many failed)
 *   many-close                close all of them
 *   recv NAME PATH            listen on the unix socket PATH, accept one connection and
 *                             take the descriptor it sends (SCM_RIGHTS) as NAME
 *   send NAME PATH            connect to the unix socket PATH (waiting until it exists)
 *                             and send NAME's descriptor over it
 *   exit                      exit at once, descriptors still open
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define MAX_FDS 32

static struct {
	char name[32];
	int fd;
} fds[MAX_FDS];

static int lookup(const char *name)
{
	for (int i = 0; i < MAX_FDS; i++)
		if (fds[i].name[0] && !strcmp(fds[i].name, name))
			return fds[i].fd;
	fprintf(stderr, "wbw-io: unknown descriptor name '%s'\n", name);
	exit(2);
}

static void bind_name(const char *name, int fd)
{
	for (int i = 0; i < MAX_FDS; i++) {
		if (!fds[i].name[0] || !strcmp(fds[i].name, name)) {
			snprintf(fds[i].name, sizeof(fds[i].name), "%s", name);
			fds[i].fd = fd;
			return;
		}
	}
	fprintf(stderr, "wbw-io: too many descriptors\n");
	exit(2);
}

static void unbind(const char *name)
{
	for (int i = 0; i < MAX_FDS; i++)
		if (!strcmp(fds[i].name, name))
			fds[i].name[0] = '\0';
}

static void report(const char *op, const char *name, int ret, int err)
{
	struct timespec now;

	/* CLOCK_MONOTONIC, the clock of the watcher's ts_ns: when the call returned */
	clock_gettime(CLOCK_MONOTONIC, &now);
	printf("{\"op\":\"%s\",\"fd\":\"%s\",\"pid\":%d,\"ret\":%d,\"errno\":%d,\"errno_name\":\"%s\","
	       "\"ts_ns\":%lld}\n",
	       op, name, (int)getpid(), ret, ret < 0 ? err : 0,
	       ret < 0 ? (strerrorname_np(err) ? strerrorname_np(err) : "?") : "",
	       (long long)now.tv_sec * 1000000000ll + now.tv_nsec);
	fflush(stdout);
}

static int many_fds[100000];
static long many_n;

static int write_mib(int fd, long mib)
{
	static char buf[1 << 20];

	memset(buf, 0x5a, sizeof(buf));
	for (long i = 0; i < mib; i++) {
		size_t done = 0;

		while (done < sizeof(buf)) {
			ssize_t n = write(fd, buf + done, sizeof(buf) - done);

			if (n < 0)
				return -1;
			done += (size_t)n;
		}
	}
	while (wait(NULL) > 0)
		;
	return 0;
}

/* A unix socket address for PATH; false if it does not fit. */
static bool unix_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		errno = ENAMETOOLONG;
		return false;
	}
	strcpy(sa->sun_path, path);
	return true;
}

/*
 * Listen on PATH, accept one connection, and return the descriptor it
 * sends (SCM_RIGHTS; close-on-exec like the others), or -1.  The receiver
 * is a process that never opened the file: it holds it only through the
 * descriptor passed to it.
 */
static int recv_fd(const char *path)
{
	char byte, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct sockaddr_un sa;
	struct cmsghdr *cm;
	int lfd, cfd, fd = -1;

	if (!unix_addr(&sa, path))
		return -1;
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -1;
	unlink(path);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 1) ||
	    (cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
		close(lfd);
		return -1;
	}
	if (recvmsg(cfd, &msg, MSG_CMSG_CLOEXEC) == 1 && (cm = CMSG_FIRSTHDR(&msg)) &&
	    cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
	    cm->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	else
		errno = EPROTO;
	close(cfd);
	close(lfd);
	unlink(path);
	return fd;
}

/* Send descriptor FD over the unix socket PATH, once its receiver listens: 0 or -1. */
static int send_fd(int fd, const char *path)
{
	char byte = 'f', cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct sockaddr_un sa;
	struct cmsghdr *cm;
	int s, ret;

	if (!unix_addr(&sa, path))
		return -1;
	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	/* the receiver may not listen yet: 60 s at most, as `wait` would */
	for (int tries = 0;; tries++) {
		s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return -1;
		if (!connect(s, (struct sockaddr *)&sa, sizeof(sa)))
			break;
		close(s);
		if ((errno != ENOENT && errno != ECONNREFUSED) || tries == 6000)
			return -1;
		nanosleep(&(struct timespec){ 0, 10 * 1000000 }, NULL);
	}
	ret = sendmsg(s, &msg, 0) == 1 ? 0 : -1;
	close(s);
	return ret;
}

int main(int argc, char **argv)
{
	printf("{\"op\":\"start\",\"pid\":%d}\n", (int)getpid());
	fflush(stdout);
	for (int i = 1; i < argc; i++) {
		char op[32] = "", a[4096] = "", b[4096] = "";
		int ret, n = sscanf(argv[i], "%31s %4095s %4095s", op, a, b);

		errno = 0;
		if (n < 1) {
			fprintf(stderr, "wbw-io: empty operation\n");
			return 2;
		}
		if (!strcmp(op, "open")) {
			char mode[8] = "";
			int flags;

			sscanf(argv[i], "%*s %*s %*s %7s", mode);
			if (!strcmp(mode, "r"))
				flags = O_RDONLY;
			else if (!strcmp(mode, "w"))
				flags = O_WRONLY | O_CREAT;
			else if (!strcmp(mode, "rw"))
				flags = O_RDWR | O_CREAT;
			else {
				fprintf(stderr, "wbw-io: open needs NAME PATH r|w|rw\n");
				return 2;
			}
			ret = open(b, flags | O_CLOEXEC, 0644);
			report("open", a, ret < 0 ? -1 : 0, errno);
			if (ret < 0)
				return 1;
			bind_name(a, ret);
		} else if (!strcmp(op, "write")) {
			ret = write_mib(lookup(a), atol(b));
			report("write", a, ret, errno);
		} else if (!strcmp(op, "writek")) {
			static char kbuf[1024];

			memset(kbuf, 0x5a, sizeof(kbuf));
			ret = 0;
			for (long i = 0; i < atol(b) && ret == 0; i++)
				ret = write(lookup(a), kbuf, sizeof(kbuf)) == (ssize_t)sizeof(kbuf) ? 0 : -1;
			report("writek", a, ret, errno);
		} else if (!strcmp(op, "fifo-wait")) {
			/* blocks until another process opens the FIFO for writing: no polling delay */
			int f = open(a, O_RDONLY);

			report("fifo-wait", a, f < 0 ? -1 : 0, errno);
			if (f >= 0)
				close(f);
		} else if (!strcmp(op, "fifo-post")) {
			int f = open(a, O_WRONLY);

			report("fifo-post", a, f < 0 ? -1 : 0, errno);
			if (f >= 0)
				close(f);
		} else if (!strcmp(op, "seek")) {
			ret = lseek(lookup(a), (off_t)atol(b) << 20, SEEK_SET) < 0 ? -1 : 0;
			report("seek", a, ret, errno);
		} else if (!strcmp(op, "fsync")) {
			ret = fsync(lookup(a));
			report("fsync", a, ret, errno);
		} else if (!strcmp(op, "fdatasync")) {
			ret = fdatasync(lookup(a));
			report("fdatasync", a, ret, errno);
		} else if (!strcmp(op, "syncfs")) {
			ret = syncfs(lookup(a));
			report("syncfs", a, ret, errno);
		} else if (!strcmp(op, "sync")) {
			sync();
			report("sync", "-", 0, 0);
		} else if (!strcmp(op, "close")) {
			ret = close(lookup(a));
			report("close", a, ret, errno);
			unbind(a);
		} else if (!strcmp(op, "dup")) {
			ret = dup(lookup(a));
			report("dup", b, ret < 0 ? -1 : 0, errno);
			if (ret >= 0)
				bind_name(b, ret);
		} else if (!strcmp(op, "stat")) {
			struct stat st;

			if (fstat(lookup(a), &st))
				return 1;
			printf("{\"op\":\"stat\",\"fd\":\"%s\",\"fdnum\":%d,\"dev\":\"%u:%u\",\"ino\":%llu}\n",
			       a, lookup(a), major(st.st_dev), minor(st.st_dev),
			       (unsigned long long)st.st_ino);
			fflush(stdout);
		} else if (!strcmp(op, "sleep")) {
			struct timespec ts = { atol(a) / 1000, atol(a) % 1000 * 1000000 };
			nanosleep(&ts, NULL);
		} else if (!strcmp(op, "wait")) {
			while (access(a, F_OK)) {
				struct timespec ts = { 0, 10 * 1000000 };
				nanosleep(&ts, NULL);
			}
		} else if (!strcmp(op, "forkwait")) {
			pid_t child = fork();

			if (child == 0) {
				struct timespec ts = { atol(a) / 1000, atol(a) % 1000 * 1000000 };

				if (a[0] == '/') {
					/* a path: until the test says so (emulators are slow) */
					ts = (struct timespec){ 0, 10 * 1000000 };
					while (access(a, F_OK))
						nanosleep(&ts, NULL);
				} else {
					nanosleep(&ts, NULL);
				}
				_exit(0);
			}
			printf("{\"op\":\"forkwait\",\"pid\":%d,\"child\":%d}\n", (int)getpid(),
			       (int)child);
			fflush(stdout);
		} else if (!strcmp(op, "many")) {
			char dir[4096] = "", path[4200];
			long kib = 0, n = atol(a);
			static char buf[1024];

			sscanf(argv[i], "%*s %*s %4095s %ld", dir, &kib);
			memset(buf, 0x5a, sizeof(buf));
			if (n < 0 || n > (long)(sizeof(many_fds) / sizeof(many_fds[0])))
				return 2;
			for (many_n = 0; many_n < n; many_n++) {
				snprintf(path, sizeof(path), "%s/f%ld", dir, many_n);
				many_fds[many_n] = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
				if (many_fds[many_n] < 0) {
					report("many", path, -1, errno);
					return 1;
				}
				for (long k = 0; k < kib; k++)
					if (write(many_fds[many_n], buf, sizeof(buf)) != (ssize_t)sizeof(buf))
						return 1;
			}
			report("many", a, 0, 0);
		} else if (!strcmp(op, "many-fsync")) {
			long n = atol(a), failed = 0;

			for (long k = 0; k < n && k < many_n; k++)
				failed += fsync(many_fds[k]) != 0;
			printf("{\"op\":\"many-fsync\",\"pid\":%d,\"fsynced\":%ld,\"failed\":%ld}\n",
			       (int)getpid(), n, failed);
			fflush(stdout);
		} else if (!strcmp(op, "many-close")) {
			for (long k = 0; k < many_n; k++)
				close(many_fds[k]);
			report("many-close", "", 0, 0);
		} else if (!strcmp(op, "recv")) {
			ret = recv_fd(b);
			report("recv", a, ret < 0 ? -1 : 0, errno);
			if (ret < 0)
				return 1;
			bind_name(a, ret);
		} else if (!strcmp(op, "send")) {
			ret = send_fd(lookup(a), b);
			report("send", a, ret, errno);
			if (ret < 0)
				return 1;
		} else if (!strcmp(op, "exit")) {
			_exit(0);
		} else {
			fprintf(stderr, "wbw-io: unknown operation '%s'\n", argv[i]);
			return 2;
		}
	}
	while (wait(NULL) > 0)
		;
	return 0;
}
