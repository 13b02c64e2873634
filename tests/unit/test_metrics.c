// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "metrics.h"

#define DEV70 ((7u << 20) | 0)

static void test_counts_and_format(void **state)
{
	static struct wbw_metrics m;
	struct wbw_error e1 = { .id = 1, .dev = DEV70, .err = ENOSPC };
	struct wbw_error e2 = { .id = 2, .dev = DEV70, .err = ENOSPC };
	struct wbw_error b = { .id = 3, .dev = 3, .bdev = DEV70, .err = EIO };
	struct wbw_verdict v = { .kind = WBW_V_UNREPORTED, .error = &e1, .final = true };
	/* provisional (its application may yet be told), and a restatement: not counted */
	struct wbw_verdict pending = { .kind = WBW_V_UNREPORTED, .error = &e1 };
	struct wbw_verdict restated = { .kind = WBW_V_UNSEEN, .error = &e1, .restated = true };
	char buf[8192];

	(void)state;
	memset(&m, 0, sizeof(m));
	m.version = "0.1.0";
	m.tp_mode = "raw_tp";
	wbw_metrics__error(&m, &e1);
	wbw_metrics__error(&m, &e2);
	wbw_metrics__error(&m, &b);
	wbw_metrics__verdict(&m, &v, NULL);
	wbw_metrics__verdict(&m, &pending, NULL);
	wbw_metrics__verdict(&m, &restated, NULL);
	m.unreported_pending = 1;
	m.handovers = 4;
	m.lost[WBW_REC_SET_ERR] = 3;
	m.set_events = 40;
	m.observations = 2;
	m.tracked_files = 1;
	wbw_metrics__format(&m, buf, sizeof(buf));
	/* the block device's own errors count under the device they belong to */
	assert_non_null(strstr(buf, "# TYPE wberrwatch_writeback_errors_total counter\n"
				    "wberrwatch_writeback_errors_total{device=\"7:0\",errno=\"ENOSPC\"} 2\n"
				    "wberrwatch_writeback_errors_total{device=\"7:0\",errno=\"EIO\"} 1\n"));
	assert_non_null(strstr(buf, "wberrwatch_verdicts_total{verdict=\"unreported\",device=\"7:0\","
				    "errno=\"ENOSPC\"} 1\n"));
	assert_non_null(strstr(buf, "wberrwatch_records_lost_total{kind=\"set_err\"} 3\n"));
	assert_non_null(strstr(buf, "wberrwatch_set_events_total 40\n"));
	assert_non_null(strstr(buf, "wberrwatch_tracked_files 1\n"));
	/* every verdict of a device and errno that had an error is there from the start, at 0 */
	assert_non_null(strstr(buf, "wberrwatch_verdicts_total{verdict=\"unseen\",device=\"7:0\","
				    "errno=\"ENOSPC\"} 0\n"));
	assert_non_null(strstr(buf, "wberrwatch_verdicts_total{verdict=\"reported\",device=\"7:0\","
				    "errno=\"EIO\"} 0\n"));
	assert_non_null(strstr(buf, "wberrwatch_verdicts_total{verdict=\"retried\",device=\"7:0\","
				    "errno=\"ENOSPC\"} 0\n"));
	assert_non_null(strstr(buf, "# TYPE wberrwatch_unreported_pending gauge\n"
				    "wberrwatch_unreported_pending 1\n"));
	assert_non_null(strstr(buf, "wberrwatch_handovers_total 4\n"));
	assert_non_null(strstr(buf, "wberrwatch_build_info{version=\"0.1.0\",tp_mode=\"raw_tp\"} 1\n"));
	/* a short buffer reports the full length, for a retry */
	assert_true(wbw_metrics__format(&m, buf, 16) > 16);
}

static void test_series_limit_is_counted(void **state)
{
	static struct wbw_metrics m;
	char buf[65536 * 4];

	(void)state;
	memset(&m, 0, sizeof(m));
	/* each device and errno: its error series and one per verdict kind */
	const int per = 1 + WBW_V_KIND_MAX, n = WBW_METRICS_MAX_SERIES / per + 5;
	char want[64];

	for (int i = 0; i < n; i++) {
		struct wbw_error e = { .dev = (7u << 20) | (unsigned)i, .err = EIO };

		wbw_metrics__error(&m, &e);
	}
	assert_int_equal(m.nseries, WBW_METRICS_MAX_SERIES);
	assert_int_equal(m.series_dropped, n * per - WBW_METRICS_MAX_SERIES);
	wbw_metrics__format(&m, buf, sizeof(buf));
	snprintf(want, sizeof(want), "wberrwatch_metric_series_dropped_total %d\n",
		 n * per - WBW_METRICS_MAX_SERIES);
	assert_non_null(strstr(buf, want));
}

/* per-container verdicts: pod, namespace, container; escaped; bounded */
static void test_container_series(void **state)
{
	static struct wbw_metrics m;
	static char buf[1 << 20];
	struct wbw_error e = { .id = 1, .dev = DEV70, .err = EIO };
	struct wbw_verdict v = { .kind = WBW_V_UNREPORTED, .error = &e, .final = true };
	struct wbw_container db = { .id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
				    .pod = "web-0", .ns = "prod", .name = "db" };
	struct wbw_container odd = { .id = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210",
				     .name = "a\"b\\c\nd" };
	struct wbw_container anon = { .id = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff" };

	(void)state;
	memset(&m, 0, sizeof(m));
	wbw_metrics__verdict(&m, &v, &db);
	wbw_metrics__verdict(&m, &v, &db);
	wbw_metrics__verdict(&m, &v, NULL); /* a host process: not a container series */
	wbw_metrics__verdict(&m, &v, &odd);
	wbw_metrics__verdict(&m, &v, &anon);
	wbw_metrics__format(&m, buf, sizeof(buf));
	assert_non_null(strstr(buf, "wberrwatch_container_verdicts_total{verdict=\"unreported\","
				    "namespace=\"prod\",pod=\"web-0\",container=\"db\"} 2\n"));
	assert_non_null(strstr(buf, "{verdict=\"unreported\",namespace=\"\",pod=\"\","
				    "container=\"a\\\"b\\\\c\\nd\"} 1\n"));
	assert_non_null(strstr(buf, "container=\"001122334455\"} 1\n"));
	assert_non_null(strstr(buf, "wberrwatch_verdicts_total{verdict=\"unreported\",device=\"7:0\","
				    "errno=\"EIO\"} 5\n"));
	for (int i = 0; i < WBW_METRICS_MAX_CONTAINER_SERIES + 3; i++) {
		struct wbw_container c = db;

		snprintf(c.pod, sizeof(c.pod), "web-%d", i + 1);
		wbw_metrics__verdict(&m, &v, &c);
	}
	assert_int_equal(m.ncontainers, WBW_METRICS_MAX_CONTAINER_SERIES);
	assert_int_equal(m.series_dropped, 6);
}

static void test_atomic_write(void **state)
{
	static struct wbw_metrics m;
	char dir[] = "/tmp/wbw-metrics-XXXXXX", path[256], buf[4096];
	FILE *f;
	size_t n;

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/wberrwatch.prom", dir);
	assert_int_equal(wbw_metrics__write(&m, path), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_non_null(strstr(buf, "wberrwatch_set_events_total 0\n"));
	/* no temporary left behind */
	snprintf(buf, sizeof(buf), "%s/wberrwatch.prom.%d.tmp", dir, (int)getpid());
	assert_int_equal(access(buf, F_OK), -1);
	unlink(path);
	rmdir(dir);
	/* a directory that does not exist: an error, not a crash */
	assert_int_equal(wbw_metrics__write(&m, "/nonexistent/dir/w.prom"), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_and_format),
		cmocka_unit_test(test_series_limit_is_counted),
		cmocka_unit_test(test_container_series),
		cmocka_unit_test(test_atomic_write),
	};
	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
