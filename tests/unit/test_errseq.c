// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The errseq model against lib/errseq.c's documented behaviour. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include "errseq.h"

static void test_first_error_sets_errno_without_counter(void **state)
{
	(void)state;
	/* observed on 6.18: a fresh mapping holds 0x1c after one ENOSPC */
	assert_int_equal(wbw_errseq_set(0, ENOSPC), 0x1c);
	assert_int_equal(wbw_errseq_set(0, EIO), 0x5);
}

static void test_unseen_error_is_replaced_in_place(void **state)
{
	(void)state;
	/* no one looked: the counter stays, the errno is replaced */
	assert_int_equal(wbw_errseq_set(0x1c, EIO), 0x5);
	assert_int_equal(wbw_errseq_set(0x201c, EIO), 0x2005);
	/* the same error again changes nothing */
	assert_int_equal(wbw_errseq_set(0x1c, ENOSPC), 0x1c);
}

static void test_seen_error_bumps_counter(void **state)
{
	(void)state;
	assert_int_equal(wbw_errseq_set(0x101c, ENOSPC), 0x201c);
	assert_int_equal(wbw_errseq_set(0x101c, EIO), 0x2005);
}

static void test_counter_wraps_like_u32(void **state)
{
	(void)state;
	/* highest counter value, seen: the increment wraps to counter 0 */
	assert_int_equal(wbw_errseq_set(0xffffe000u | 0x1000 | 0x1c, ENOSPC), 0x1c);
}

static void test_zero_and_out_of_range_errors_are_ignored(void **state)
{
	(void)state;
	assert_int_equal(wbw_errseq_set(0x201c, 0), 0x201c);
	assert_int_equal(wbw_errseq_set(0x201c, 4096), 0x201c);
	assert_int_equal(wbw_errseq_set(0x201c, -5), 0x201c);
}

static void test_sample_unseen_is_zero(void **state)
{
	(void)state;
	/* a file opened after an unseen error still gets to report it */
	assert_int_equal(wbw_errseq_sample(0x1c), 0);
	assert_int_equal(wbw_errseq_sample(0x101c), 0x101c);
	assert_int_equal(wbw_errseq_sample(0), 0);
}

static void test_check(void **state)
{
	(void)state;
	assert_int_equal(wbw_errseq_check(0x1c, 0), ENOSPC);
	assert_int_equal(wbw_errseq_check(0x101c, 0x101c), 0);
	assert_int_equal(wbw_errseq_check(0, 0), 0);
}

static void test_check_and_advance_reports_once_per_cursor(void **state)
{
	wbw_errseq_t mapping = wbw_errseq_set(0, ENOSPC);
	wbw_errseq_t a = 0, b = 0;

	(void)state;
	/* the fd that fsyncs first is told and its cursor becomes 0x101c */
	assert_int_equal(wbw_errseq_check_and_advance(&mapping, &a), ENOSPC);
	assert_int_equal(a, 0x101c);
	assert_int_equal(mapping, 0x101c);
	/* the same fd again: nothing new */
	assert_int_equal(wbw_errseq_check_and_advance(&mapping, &a), 0);
	/* another fd opened before the error is told too */
	assert_int_equal(wbw_errseq_check_and_advance(&mapping, &b), ENOSPC);
	/* a file opened now samples the seen value and is not told */
	wbw_errseq_t c = wbw_errseq_sample(mapping);
	assert_int_equal(wbw_errseq_check_and_advance(&mapping, &c), 0);
	/* a new error after it was seen is a new value everybody is told about */
	mapping = wbw_errseq_set(mapping, EIO);
	assert_int_equal(mapping, 0x2005);
	assert_int_equal(wbw_errseq_check_and_advance(&mapping, &c), EIO);
	assert_int_equal(c, 0x3005);
}

static void test_same_error_ignores_seen(void **state)
{
	(void)state;
	assert_true(wbw_errseq_same_error(0x1c, 0x101c));
	assert_false(wbw_errseq_same_error(0x1c, 0x201c));
	assert_false(wbw_errseq_same_error(0x1c, 0x5));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_error_sets_errno_without_counter),
		cmocka_unit_test(test_unseen_error_is_replaced_in_place),
		cmocka_unit_test(test_seen_error_bumps_counter),
		cmocka_unit_test(test_counter_wraps_like_u32),
		cmocka_unit_test(test_zero_and_out_of_range_errors_are_ignored),
		cmocka_unit_test(test_sample_unseen_is_zero),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_check_and_advance_reports_once_per_cursor),
		cmocka_unit_test(test_same_error_ignores_seen),
	};
	return cmocka_run_group_tests_name("errseq", tests, NULL, NULL);
}
