// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "gate.h"

/* counts: reported, unreported, unseen, superseded, retried */
#define N(r, u, s, x, t) ((const uint64_t[WBW_V_KIND_MAX]){ r, u, s, x, t })

static void test_untold_loss_trips_by_class(void **state)
{
	(void)state;
	assert_int_equal(wbw_gate_judge(N(0, 0, 0, 0, 0), WBW_FAIL_ANY), WBW_GATE_CLEAN);
	/* cp: written, closed, lost at writeback after it exited */
	assert_int_equal(wbw_gate_judge(N(0, 0, 3, 0, 0), WBW_FAIL_ANY), WBW_GATE_LOSS);
	assert_int_equal(wbw_gate_judge(N(0, 0, 3, 0, 0), WBW_FAIL_UNREPORTED), WBW_GATE_CLEAN);
	assert_int_equal(wbw_gate_judge(N(0, 0, 3, 0, 0), WBW_FAIL_UNSEEN), WBW_GATE_LOSS);
	assert_int_equal(wbw_gate_judge(N(0, 0, 0, 1, 0), WBW_FAIL_UNSEEN), WBW_GATE_LOSS);
	/* write, sync(2), close: held and released untold */
	assert_int_equal(wbw_gate_judge(N(0, 1, 0, 0, 0), WBW_FAIL_ANY), WBW_GATE_LOSS);
	assert_int_equal(wbw_gate_judge(N(0, 1, 0, 0, 0), WBW_FAIL_UNREPORTED), WBW_GATE_LOSS);
	assert_int_equal(wbw_gate_judge(N(0, 1, 0, 0, 0), WBW_FAIL_UNSEEN), WBW_GATE_CLEAN);
	assert_true(wbw_gate_tripped(WBW_GATE_LOSS));
	assert_false(wbw_gate_tripped(WBW_GATE_CLEAN));
}

static void test_a_told_command_never_trips_but_a_retry_does(void **state)
{
	(void)state;
	/* git with core.fsync=all: told, died; what else it wrote is lost too */
	assert_int_equal(wbw_gate_judge(N(1, 0, 9, 0, 0), WBW_FAIL_ANY), WBW_GATE_TOLD);
	/* sqlite3 in WAL mode: told on -wal, the -shm never fsynced by design */
	assert_int_equal(wbw_gate_judge(N(1, 1, 1, 0, 0), WBW_FAIL_ANY), WBW_GATE_TOLD);
	assert_false(wbw_gate_tripped(WBW_GATE_TOLD));
	/* PostgreSQL data_sync_retry=on: told, then a later fsync "succeeded" */
	assert_int_equal(wbw_gate_judge(N(2, 0, 0, 0, 1), WBW_FAIL_ANY), WBW_GATE_RETRIED);
	assert_int_equal(wbw_gate_judge(N(2, 0, 0, 0, 1), WBW_FAIL_UNREPORTED), WBW_GATE_RETRIED);
	assert_int_equal(wbw_gate_judge(N(2, 0, 0, 0, 1), WBW_FAIL_UNSEEN), WBW_GATE_CLEAN);
	assert_true(wbw_gate_tripped(WBW_GATE_RETRIED));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_untold_loss_trips_by_class),
		cmocka_unit_test(test_a_told_command_never_trips_but_a_retry_does),
	};
	return cmocka_run_group_tests_name("gate", tests, NULL, NULL);
}
