// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for agent/policy/json-pos.c: positions of values and keys (lines, character columns
 * with UTF-8), path spelling for odd keys and escapes, duplicate keys, and garbage that must not
 * crash.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json-pos.h"

static struct json_posmap *
build(const char *text)
{
	struct json_posmap *map = NULL;

	assert_int_equal(json_posmap_build(text, strlen(text), &map), 0);
	assert_non_null(map);
	return map;
}

static void
assert_value(const struct json_posmap *map, const char *path, unsigned line, unsigned col)
{
	struct json_pos pos;

	print_message("value %s\n", path);
	assert_true(json_posmap_value(map, path, &pos));
	assert_int_equal(pos.line, line);
	assert_int_equal(pos.column, col);
}

static void
assert_key(const struct json_posmap *map, const char *path, unsigned line, unsigned col)
{
	struct json_pos pos;

	print_message("key %s\n", path);
	assert_true(json_posmap_key(map, path, &pos));
	assert_int_equal(pos.line, line);
	assert_int_equal(pos.column, col);
}

static void
test_positions(void **state)
{
	/* Columns:       1234567890123456789 */
	const char *text = "{\n"
			   "  \"a\": 1,\n"
			   "  \"b\": [true, {\"c\": null},\n"
			   "\t\"x\"],\n"
			   "  \"d\": {\"e\": -1.5e3}\n"
			   "}\n";
	struct json_posmap *map = build(text);
	struct json_pos pos;

	(void)state;
	assert_value(map, "", 1, 1);
	assert_value(map, "a", 2, 8);
	assert_key(map, "a", 2, 3);
	assert_value(map, "b", 3, 8);
	assert_value(map, "b[0]", 3, 9);
	assert_key(map, "b[0]", 3, 9);
	assert_value(map, "b[1]", 3, 15);
	assert_value(map, "b[1].c", 3, 21);
	assert_key(map, "b[1].c", 3, 16);
	assert_value(map, "b[2]", 4, 2);
	assert_value(map, "d.e", 5, 14);
	assert_false(json_posmap_value(map, "b[3]", &pos));
	assert_false(json_posmap_value(map, "z", &pos));
	assert_int_equal(json_posmap_n_dups(map), 0);
	json_posmap_free(map);
}

static void
test_utf8_and_escapes(void **state)
{
	/* "é" is two bytes and one column; "\u00e9" in a key decodes to the same two bytes. */
	const char *text = "{\"\xc3\xa9t\xc3\xa9\": 1, \"k\\u00e9y\": 2, \"a.b\": {\"q\\\"\": 3},\n"
			   " \"\\ud83d\\ude00\": 4, \"x\\ny\": 5}";
	struct json_posmap *map = build(text);

	(void)state;
	assert_value(map, "[\"\xc3\xa9t\xc3\xa9\"]", 1, 9);
	assert_value(map, "[\"k\xc3\xa9y\"]", 1, 24);
	assert_key(map, "[\"a.b\"]", 1, 27);
	assert_value(map, "[\"a.b\"][\"q\\\"\"]", 1, 42);
	assert_value(map, "[\"\xf0\x9f\x98\x80\"]", 2, 18);
	assert_value(map, "[\"x\\u000ay\"]", 2, 29);
	json_posmap_free(map);
}

static void
test_duplicates(void **state)
{
	const char *text = "{\"a\": 1, \"b\": {\"c\": 1,\n \"c\": 2}, \"a\": [1]}";
	struct json_posmap *map = build(text);
	const struct json_pos_dup *d;

	(void)state;
	assert_int_equal(json_posmap_n_dups(map), 2);
	d = json_posmap_dup(map, 0);
	assert_string_equal(d->path, "b.c");
	assert_int_equal(d->key.line, 2);
	assert_int_equal(d->key.column, 2);
	assert_int_equal(d->first.line, 1);
	assert_int_equal(d->first.column, 16);
	d = json_posmap_dup(map, 1);
	assert_string_equal(d->path, "a");
	assert_int_equal(d->key.column, 11);
	assert_int_equal(d->first.column, 2);
	assert_null(json_posmap_dup(map, 2));
	/* The first occurrence keeps its position. */
	assert_value(map, "a", 1, 7);
	json_posmap_free(map);
}

static void
test_garbage(void **state)
{
	static const char *const bad[] = {
		"",
		"{",
		"{\"a\"",
		"{\"a\":",
		"[1,",
		"\"abc",
		"\"\\u12\"",
		"\"\\ud800\"",
		"{\"a\" 1}",
		"[1 2]",
		"{\"\\x\": 1}",
		"}",
		"\x01\x02",
		"{\"a\":1,}",
		"[\"\\ud83d\\u0041\"]",
	};
	struct json_pos pos;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct json_posmap *map = build(bad[i]);

		json_posmap_free(map);
	}
	/* Deeper than Jansson allows: stops, does not overflow the stack. */
	{
		size_t n = 100000;
		char *deep = malloc(n + 1);
		struct json_posmap *map;

		assert_non_null(deep);
		memset(deep, '[', n);
		deep[n] = '\0';
		map = build(deep);
		assert_true(json_posmap_value(map, "[0][0]", &pos));
		json_posmap_free(map);
		free(deep);
	}
	json_posmap_free(NULL);
	assert_false(json_posmap_value(NULL, "", &pos));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_utf8_and_escapes),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
