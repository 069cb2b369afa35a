// SPDX-License-Identifier: BSD-3-Clause
/* base/util.c: strict unsigned parsing and the monotonic clock. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "nfpath/base-util.h"

static void
test_parse_uint(void **state)
{
	unsigned long long v = 7;

	(void)state;
	assert_int_equal(base_parse_uint("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	v = 7;
	assert_int_equal(base_parse_uint("101", 0, 100, &v), -ERANGE);
	assert_int_equal(base_parse_uint("0", 1, 100, &v), -ERANGE);
	assert_int_equal(base_parse_uint("99999999999999999999999", 0, ~0ULL, &v), -ERANGE);
	assert_int_equal(base_parse_uint("", 0, 100, &v), -EINVAL);
	assert_int_equal(base_parse_uint("-1", 0, 100, &v), -EINVAL);
	assert_int_equal(base_parse_uint(" 1", 0, 100, &v), -EINVAL);
	assert_int_equal(base_parse_uint("1x", 0, 100, &v), -EINVAL);
	assert_int_equal(base_parse_uint(NULL, 0, 100, &v), -EINVAL);
	assert_int_equal(v, 7); /* set only on success */
}

static void
test_clock(void **state)
{
	uint64_t a, b;

	(void)state;
	a = base_now_ms();
	base_sleep_ms(20);
	b = base_now_ms();
	assert_true(b >= a + 20);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_uint),
		cmocka_unit_test(test_clock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
