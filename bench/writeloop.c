// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * writeloop FILE MIB ROUNDS: buffered 4 KiB pwrite()s filling MIB MiB of
 * FILE, truncated back to 0 after each round, so that every page written
 * is newly dirtied (__mark_inode_dirty runs for each).  Prints the median
 * ns per 4 KiB write over ROUNDS rounds.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	long mib = argc > 2 ? atol(argv[2]) : 16;
	int rounds = argc > 3 ? atoi(argv[3]) : 9, fd;
	long pages = mib * 256;
	static char page[4096];
	double *ns;

	if (argc < 2 || mib <= 0 || rounds <= 0) {
		fprintf(stderr, "usage: writeloop FILE [MIB] [ROUNDS]\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	memset(page, 0x5a, sizeof(page));
	ns = calloc((size_t)rounds, sizeof(*ns));
	for (int r = 0; r < rounds; r++) {
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (long p = 0; p < pages; p++)
			if (pwrite(fd, page, sizeof(page), p * (off_t)sizeof(page)) != sizeof(page)) {
				perror("pwrite");
				return 1;
			}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (ftruncate(fd, 0)) {
			perror("ftruncate");
			return 1;
		}
		ns[r] = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) /
			(double)pages;
	}
	qsort(ns, (size_t)rounds, sizeof(*ns), cmp);
	printf("%.1f\n", ns[rounds / 2]);
	close(fd);
	unlink(argv[1]);
	return 0;
}
