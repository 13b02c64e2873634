// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * careful: the same write, then fsync(2) before trusting it.  fsync waits
 * for writeback and returns any writeback error recorded on the file since
 * it was opened (the kernel's errseq cursor, once per open file), so this
 * program learns that its data did not reach the disk and can act on it.
 *
 *   careful FILE
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MIB (1024 * 1024)

int main(int argc, char **argv)
{
	static char block[MIB];
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: careful FILE\n");
		return 2;
	}
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		fprintf(stderr, "careful: open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	memset(block, 'k', sizeof(block));
	for (int i = 0; i < 4; i++) {
		if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block)) {
			fprintf(stderr, "careful: write: %s\n", strerror(errno));
			return 1;
		}
	}
	if (fsync(fd)) {
		int err = errno;

		printf("careful[%d]: fsync of %s failed: %s: the data is NOT on disk, and it knows "
		       "(keep it, retry elsewhere, alert)\n", getpid(), argv[1], strerror(err));
		close(fd);
		return 1;
	}
	close(fd);
	printf("careful[%d]: fsync of %s succeeded: the data is on disk\n", getpid(), argv[1]);
	return 0;
}
