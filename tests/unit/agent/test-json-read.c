// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for agent/policy/json-read.c: "did you mean" suggestions and the fallback position of
 * a value that is absent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "json-read.h"

static void
test_nearest(void **state)
{
	static const char *const words[] = {"vlan", "vlan_qos", "max_vfs", "spoofchk",
					    "mac",  "nic",      "trust"};
	const size_t n = sizeof(words) / sizeof(words[0]);

	(void)state;
	assert_string_equal(jr_nearest("vlna", words, n), "vlan");
	assert_string_equal(jr_nearest("vlan-qos", words, n), "vlan_qos");
	assert_string_equal(jr_nearest("vlanQos", words, n), "vlan_qos");
	assert_string_equal(jr_nearest("MaxVFs", words, n), "max_vfs");
	assert_string_equal(jr_nearest("spofchk", words, n), "spoofchk");
	assert_string_equal(jr_nearest("trsut", words, n), "trust");
	assert_string_equal(jr_nearest("nics", words, n), "nic");
	/* Short words allow one edit only; unrelated words get no suggestion. */
	assert_null(jr_nearest("mtu", words, n));
	assert_null(jr_nearest("ab", words, n));
	assert_null(jr_nearest("", words, n));
	assert_null(jr_nearest("completely_unrelated_field_name", words, n));
	assert_null(jr_nearest("vlan", words, 0));
}

static void
test_absent_value_position(void **state)
{
	const char *text = "{\n  \"w\": [ {\"a\": 1} ]\n}";
	struct json_posmap *map = NULL;
	struct jr r = {.file = "f"};
	struct json_pos pos;

	(void)state;
	assert_int_equal(json_posmap_build(text, strlen(text), &map), 0);
	r.pos = map;
	pos = jr_pos(&r, "w[0].b", false);
	assert_int_equal(pos.line, 2);
	assert_int_equal(pos.column, 10);
	pos = jr_pos(&r, "w[7].b", false);
	assert_int_equal(pos.column, 8);
	pos = jr_pos(&r, "zz", false);
	assert_int_equal(pos.line, 1);
	assert_int_equal(pos.column, 1);
	json_posmap_free(map);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nearest),
		cmocka_unit_test(test_absent_value_position),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
