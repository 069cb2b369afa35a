// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for agent/policy/strbuf.c: appends, truncation and the JSON-path spelling of keys that
 * the position scanner and the loaders share.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "strbuf.h"

static void
test_append(void **state)
{
	struct strbuf sb = {0};
	size_t saved;

	(void)state;
	assert_string_equal(strbuf_str(&sb), "");
	strbuf_puts(&sb, "ab");
	strbuf_printf(&sb, "%d-%s", 42, "x");
	assert_string_equal(strbuf_str(&sb), "ab42-x");
	saved = sb.len;
	for (int i = 0; i < 1000; i++)
		strbuf_puts(&sb, "0123456789");
	assert_int_equal(sb.len, saved + 10000);
	strbuf_truncate(&sb, saved);
	assert_string_equal(strbuf_str(&sb), "ab42-x");
	strbuf_truncate(&sb, 1000); /* longer than the string: no change */
	assert_string_equal(strbuf_str(&sb), "ab42-x");
	assert_false(sb.oom);
	strbuf_free(&sb);
	assert_string_equal(strbuf_str(&sb), "");
}

static void
test_path_steps(void **state)
{
	struct strbuf sb = {0};

	(void)state;
	strbuf_path_key(&sb, "workloads", 9);
	strbuf_path_index(&sb, 2);
	strbuf_path_key(&sb, "vlan", 4);
	assert_string_equal(strbuf_str(&sb), "workloads[2].vlan");
	strbuf_truncate(&sb, 0);
	strbuf_path_key(&sb, "a.b", 3);
	strbuf_path_key(&sb, "q\"\\", 3);
	strbuf_path_key(&sb, "", 0);
	strbuf_path_key(&sb, "x\ny\x7f", 4);
	strbuf_path_key(&sb, "max-vfs_2", 9);
	assert_string_equal(strbuf_str(&sb),
			    "[\"a.b\"][\"q\\\"\\\\\"][\"\"][\"x\\u000ay\\u007f\"].max-vfs_2");
	strbuf_free(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_path_steps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
