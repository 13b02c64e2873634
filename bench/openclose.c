// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * openclose PATH ITERATIONS RUNS: median ns per open(2)+close(2) of PATH
 * over RUNS runs of ITERATIONS pairs each.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	long iters = argc > 2 ? atol(argv[2]) : 300000;
	int runs = argc > 3 ? atoi(argv[3]) : 7;
	double *ns;

	if (argc < 2 || iters <= 0 || runs <= 0) {
		fprintf(stderr, "usage: openclose PATH [ITERATIONS] [RUNS]\n");
		return 2;
	}
	ns = calloc((size_t)runs, sizeof(*ns));
	for (int r = 0; r < runs; r++) {
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (long i = 0; i < iters; i++) {
			int fd = open(argv[1], O_RDONLY);

			if (fd < 0) {
				perror("open");
				return 1;
			}
			close(fd);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ns[r] = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) /
			(double)iters;
	}
	qsort(ns, (size_t)runs, sizeof(*ns), cmp);
	printf("%.1f\n", ns[runs / 2]);
	return 0;
}
