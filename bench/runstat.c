// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * runstat: run a command N times; print the median wall time (exec to exit)
 * and the largest peak RSS the kernel accounted to it (wait4 rusage).
 *
 *   runstat N CMD ARGS...    ->  "median_ms=12.3 max_rss_kib=4567 runs=N failures=0"
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[1]) : 0, failures = 0;
	long max_rss = 0;
	double *ms;

	if (n <= 0) {
		fprintf(stderr, "usage: runstat N CMD ARGS...\n");
		return 2;
	}
	ms = calloc((size_t)n, sizeof(*ms));
	for (int i = 0; i < n; i++) {
		struct timespec t0, t1;
		struct rusage ru;
		int status;
		pid_t pid;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		pid = fork();
		if (pid == 0) {
			int null = open("/dev/null", O_WRONLY);

			dup2(null, 1);
			dup2(null, 2);
			execvp(argv[2], argv + 2);
			_exit(127);
		}
		if (pid < 0 || wait4(pid, &status, 0, &ru) < 0)
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failures++;
		ms[i] = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
		if (ru.ru_maxrss > max_rss)
			max_rss = ru.ru_maxrss;
	}
	qsort(ms, (size_t)n, sizeof(*ms), cmp);
	printf("median_ms=%.1f max_rss_kib=%ld runs=%d failures=%d\n", ms[n / 2], max_rss, n,
	       failures);
	return failures ? 1 : 0;
}
