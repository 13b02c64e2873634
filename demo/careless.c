// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * careless: the everyday way to lose data.  It writes a file, carries on
 * with other work while holding it, and closes it without fsync(2).  If the
 * kernel's writeback of those pages fails meanwhile, close() still returns
 * 0 and nothing else ever tells this program: it believes its data is safe.
 *
 *   careless FILE [HOLD_MS]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MIB (1024 * 1024)

int main(int argc, char **argv)
{
	static char block[MIB];
	int hold_ms = argc > 2 ? atoi(argv[2]) : 2000, fd;

	if (argc < 2) {
		fprintf(stderr, "usage: careless FILE [HOLD_MS]\n");
		return 2;
	}
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		fprintf(stderr, "careless: open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	memset(block, 'c', sizeof(block));
	for (int i = 0; i < 4; i++) {
		if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block)) {
			fprintf(stderr, "careless: write: %s\n", strerror(errno));
			return 1;
		}
	}
	printf("careless[%d]: wrote 4 MiB to %s (into the page cache: write() cannot fail on the disk)\n",
	       getpid(), argv[1]);
	fflush(stdout);
	usleep((useconds_t)hold_ms * 1000); /* other work; the kernel writes back meanwhile */
	if (close(fd)) {
		fprintf(stderr, "careless: close: %s\n", strerror(errno));
		return 1;
	}
	printf("careless[%d]: closed it without fsync; exit 0, sure its data is safe\n", getpid());
	return 0;
}
