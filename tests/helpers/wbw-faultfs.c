// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * wbw-faultfs: a dm-error stand-in for the tests.  A FUSE filesystem with
 * one file, /disk.img, passed through to a backing image, whose writes and
 * fsyncs fail with a chosen errno while a switch is set:
 *
 *   SIGUSR1: fail with EIO    SIGUSR2: fail with ENOSPC    SIGALRM: heal
 *
 * (not SIGHUP: fuse_main() takes SIGHUP, SIGINT and SIGTERM to end the
 * session, which would unmount the image from under the loop device)
 *
 *   wbw-faultfs BACKING_IMAGE MOUNTPOINT      (stays in the foreground)
 *
 * A loop device on /disk.img turns a failed write into a failed bio: the
 * loop driver reports ENOSPC as BLK_STS_NOSPC and most other errnos as
 * BLK_STS_IOERR, so the filesystem on it records ENOSPC or EIO.  Unlike the
 * tmpfs fixture, overwrites of blocks already in the image fail too.
 */
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *backing;
static int backing_fd = -1;
static volatile sig_atomic_t fault; /* errno to fail writes with, 0: healthy */

static void on_signal(int sig)
{
	fault = sig == SIGUSR1 ? EIO : sig == SIGUSR2 ? ENOSPC : 0;
}

static int ffs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	if (!strcmp(path, "/")) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	if (strcmp(path, "/disk.img"))
		return -ENOENT;
	if (fstat(backing_fd, st))
		return -errno;
	return 0;
}

static int ffs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
		       struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)off;
	(void)fi;
	(void)flags;
	if (strcmp(path, "/"))
		return -ENOENT;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	fill(buf, "disk.img", NULL, 0, 0);
	return 0;
}

static int ffs_open(const char *path, struct fuse_file_info *fi)
{
	if (strcmp(path, "/disk.img"))
		return -ENOENT;
	/*
	 * No FUSE page cache in between: every loop write reaches us and gets
	 * the errno switched on now.  With it, FUSE records a failed write in
	 * its own mapping and the loop driver's next flush replays that errno.
	 */
	fi->direct_io = 1;
	return 0;
}

static int ffs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	ssize_t n;

	(void)path;
	(void)fi;
	n = pread(backing_fd, buf, size, off);
	return n < 0 ? -errno : (int)n;
}

static int ffs_write(const char *path, const char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	ssize_t n;

	(void)path;
	(void)fi;
	if (fault)
		return -fault;
	n = pwrite(backing_fd, buf, size, off);
	return n < 0 ? -errno : (int)n;
}

static int ffs_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path;
	(void)fi;
	if (fault)
		return -fault;
	return (datasync ? fdatasync(backing_fd) : fsync(backing_fd)) ? -errno : 0;
}

static const struct fuse_operations ops = {
	.getattr = ffs_getattr,
	.readdir = ffs_readdir,
	.open = ffs_open,
	.read = ffs_read,
	.write = ffs_write,
	.fsync = ffs_fsync,
};

int main(int argc, char **argv)
{
	/* foreground, single-threaded: the switch is one variable */
	char *fargs[] = { argv[0], "-f", "-s", NULL, NULL };
	struct sigaction sa = { .sa_handler = on_signal };

	if (argc != 3) {
		fprintf(stderr, "usage: wbw-faultfs BACKING_IMAGE MOUNTPOINT\n");
		return 2;
	}
	backing = argv[1];
	backing_fd = open(backing, O_RDWR | O_CLOEXEC);
	if (backing_fd < 0) {
		perror(backing);
		return 1;
	}
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	fargs[3] = argv[2];
	return fuse_main(4, fargs, &ops, NULL);
}
