// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fdhold: open PATH N times (N distinct open files, not dups) and hold them
 * until killed: the open files of a busy host, for bench/scale.sh.
 *
 *   fdhold PATH N r|w [KIB]
 *
 * With KIB, the first descriptor writes KIB KiB of data first (a file whose
 * writeback can fail while all N are held, none of them fsynced).  Prints
 * "ready PID" on stdout once everything is open, then sleeps in pause().
 * It never raises a limit: N must fit under the process's RLIMIT_NOFILE.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[4096];
	long n, kib = 0;
	int flags, fd0 = -1;

	if (argc < 4 || (n = strtol(argv[2], NULL, 10)) <= 0 ||
	    (strcmp(argv[3], "r") && strcmp(argv[3], "w"))) {
		fprintf(stderr, "usage: fdhold PATH N r|w [KIB]\n");
		return 2;
	}
	if (argc > 4)
		kib = strtol(argv[4], NULL, 10);
	flags = argv[3][0] == 'w' ? O_WRONLY | O_CREAT : O_RDONLY;
	for (long i = 0; i < n; i++) {
		int fd = open(argv[1], flags, 0644);

		if (fd < 0) {
			fprintf(stderr, "fdhold: open %s (#%ld): %s\n", argv[1], i, strerror(errno));
			return 1;
		}
		if (fd0 < 0)
			fd0 = fd;
	}
	memset(buf, 'x', sizeof(buf));
	for (long i = 0; i < kib / 4; i++)
		if (write(fd0, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			fprintf(stderr, "fdhold: write: %s\n", strerror(errno));
			return 1;
		}
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	for (;;)
		pause();
}
