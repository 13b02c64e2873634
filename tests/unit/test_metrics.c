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
	wbw_metrics__verdict(&m, &v);
	wbw_metrics__verdict(&m, &pending);
	wbw_metrics__verdict(&m, &restated);
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
	assert_null(strstr(buf, "verdict=\"unseen\""));
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
	for (int i = 0; i < WBW_METRICS_MAX_SERIES + 5; i++) {
		struct wbw_error e = { .dev = (7u << 20) | (unsigned)i, .err = EIO };

		wbw_metrics__error(&m, &e);
	}
	assert_int_equal(m.nseries, WBW_METRICS_MAX_SERIES);
	assert_int_equal(m.series_dropped, 5);
	wbw_metrics__format(&m, buf, sizeof(buf));
	assert_non_null(strstr(buf, "wberrwatch_metric_series_dropped_total 5\n"));
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
		cmocka_unit_test(test_atomic_write),
	};
	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
