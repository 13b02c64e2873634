// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "procfilter.h"

/* a fake cgroup tree: ids 100..199 are inside */
static bool in_100s(void *ctx, uint64_t id)
{
	(*(int *)ctx)++;
	return id >= 100 && id < 200;
}

static const struct wbw_task postgres = { .pid = 3247, .tid = 3250, .cgroup_id = 150,
					  .comm = "postgres" };
static const struct wbw_task backup = { .pid = 4000, .tid = 4000, .cgroup_id = 900,
					.comm = "pg_basebackup" };

static void test_no_filter_passes_everything(void **state)
{
	struct wbw_procfilter f = { 0 };

	(void)state;
	assert_false(wbw_procfilter__active(&f));
	assert_true(wbw_procfilter__match(&f, &postgres));
	assert_true(wbw_procfilter__match(&f, NULL));
}

static void test_each_filter_and_their_conjunction(void **state)
{
	struct wbw_procfilter f = { .pid = 3247 };
	int calls = 0;

	(void)state;
	assert_true(wbw_procfilter__match(&f, &postgres));
	assert_false(wbw_procfilter__match(&f, &backup));
	/* an unknown process passes no filter */
	assert_false(wbw_procfilter__match(&f, NULL));

	f = (struct wbw_procfilter){ 0 };
	strcpy(f.comm, "pg_basebackup");
	assert_false(wbw_procfilter__match(&f, &postgres));
	assert_true(wbw_procfilter__match(&f, &backup));

	f = (struct wbw_procfilter){ .cgroup_in = in_100s, .cgroup_ctx = &calls };
	assert_true(wbw_procfilter__match(&f, &postgres));
	assert_false(wbw_procfilter__match(&f, &backup));
	assert_int_equal(calls, 2);
	/* cgroup 0: the record carried none; never asks the tree */
	struct wbw_task nocg = postgres;
	nocg.cgroup_id = 0;
	assert_false(wbw_procfilter__match(&f, &nocg));
	assert_int_equal(calls, 2);

	/* all given filters must hold */
	f.pid = 4000;
	assert_false(wbw_procfilter__match(&f, &postgres));
	assert_false(wbw_procfilter__match(&f, &backup));
	f.pid = 3247;
	strcpy(f.comm, "postgres");
	assert_true(wbw_procfilter__match(&f, &postgres));
}

static void test_comm_is_compared_as_the_kernel_keeps_it(void **state)
{
	struct wbw_procfilter f = { 0 };
	struct wbw_task t = postgres;

	(void)state;
	/* the task's name was truncated to 15 bytes by the kernel */
	strcpy(t.comm, "postgres: walwr");
	strcpy(f.comm, "postgres: walwr");
	assert_true(wbw_procfilter__match(&f, &t));
	strcpy(f.comm, "postgres");
	assert_false(wbw_procfilter__match(&f, &t));
}

static void test_verdict_names_holder_or_writer(void **state)
{
	struct wbw_error e = { .err = 5 };
	struct wbw_verdict v = { .error = &e, .holder = postgres };

	(void)state;
	for (int k = 0; k < WBW_V_KIND_MAX; k++) {
		v.kind = k;
		if (k == WBW_V_REPORTED || k == WBW_V_UNREPORTED || k == WBW_V_RETRIED) {
			assert_ptr_equal(wbw_verdict__process(&v), &v.holder);
		} else {
			/* error verdicts: the writer, when it is known */
			e.writer_known = false;
			assert_null(wbw_verdict__process(&v));
			e.writer_known = true;
			e.writer = backup;
			assert_ptr_equal(wbw_verdict__process(&v), &e.writer);
		}
	}
}

/* --container: the cgroup is asked about, a record without one never matches */
static void test_container_filter(void **state)
{
	int calls = 0;
	struct wbw_procfilter f = { .container_in = in_100s, .container_ctx = &calls };
	struct wbw_task nocg = postgres;

	(void)state;
	assert_true(wbw_procfilter__active(&f));
	assert_true(wbw_procfilter__match(&f, &postgres));
	assert_false(wbw_procfilter__match(&f, &backup));
	assert_int_equal(calls, 2);
	nocg.cgroup_id = 0;
	assert_false(wbw_procfilter__match(&f, &nocg));
	assert_int_equal(calls, 2);
	assert_false(wbw_procfilter__match(&f, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_filter_passes_everything),
		cmocka_unit_test(test_each_filter_and_their_conjunction),
		cmocka_unit_test(test_comm_is_compared_as_the_kernel_keeps_it),
		cmocka_unit_test(test_verdict_names_holder_or_writer),
		cmocka_unit_test(test_container_filter),
	};
	return cmocka_run_group_tests_name("procfilter", tests, NULL, NULL);
}
