// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "json.h"

static void test_object_with_all_kinds(void **state)
{
	struct wbw_json j = { 0 };

	(void)state;
	wbw_json_begin(&j, NULL);
	wbw_json_u64(&j, "u", UINT64_MAX);
	wbw_json_i64(&j, "i", -28);
	wbw_json_bool(&j, "t", true);
	wbw_json_bool(&j, "f", false);
	wbw_json_null(&j, "n");
	wbw_json_str(&j, "s", NULL);
	wbw_json_begin(&j, "o");
	wbw_json_str(&j, "k", "v");
	wbw_json_end(&j);
	wbw_json_u64(&j, "after", 1);
	wbw_json_end(&j);
	assert_string_equal(wbw_json_text(&j),
			    "{\"u\":18446744073709551615,\"i\":-28,\"t\":true,\"f\":false,"
			    "\"n\":null,\"s\":null,\"o\":{\"k\":\"v\"},\"after\":1}");
	wbw_json_free(&j);
}

static void test_escapes(void **state)
{
	struct wbw_json j = { 0 };

	(void)state;
	wbw_json_begin(&j, NULL);
	wbw_json_str(&j, "p", "a\"b\\c\nd\te\x01");
	wbw_json_end(&j);
	assert_string_equal(wbw_json_text(&j), "{\"p\":\"a\\\"b\\\\c\\nd\\te\\u0001\"}");
	wbw_json_free(&j);
}

static void test_utf8_kept_invalid_bytes_replaced(void **state)
{
	struct wbw_json j = { 0 };

	(void)state;
	wbw_json_begin(&j, NULL);
	/* valid: é (2 bytes), € (3), 😀 (4); invalid: lone 0xff, overlong 0xc0 0xaf, surrogate */
	wbw_json_str(&j, "p", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\xff|\xc0\xaf|\xed\xa0\x80|\xe2\x82");
	wbw_json_end(&j);
	assert_string_equal(wbw_json_text(&j),
			    "{\"p\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\\ufffd|\\ufffd\\ufffd|"
			    "\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\"}");
	wbw_json_free(&j);
}

static void test_reset_reuses_buffer(void **state)
{
	struct wbw_json j = { 0 };

	(void)state;
	wbw_json_begin(&j, NULL);
	wbw_json_str(&j, "a", "1");
	wbw_json_end(&j);
	wbw_json_reset(&j);
	wbw_json_begin(&j, NULL);
	wbw_json_end(&j);
	assert_string_equal(wbw_json_text(&j), "{}");
	wbw_json_free(&j);
}

static void test_long_strings_grow(void **state)
{
	struct wbw_json j = { 0 };
	char big[5000];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	wbw_json_begin(&j, NULL);
	wbw_json_str(&j, "p", big);
	wbw_json_end(&j);
	assert_int_equal(strlen(wbw_json_text(&j)), sizeof(big) - 1 + 8);
	wbw_json_free(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object_with_all_kinds),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_utf8_kept_invalid_bytes_replaced),
		cmocka_unit_test(test_reset_reuses_buffer),
		cmocka_unit_test(test_long_strings_grow),
	};
	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
