// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for agent/policy/diag.c: the text and JSON forms of diagnostics.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "nfpath/agent-diag.h"

static void
test_format(void **state)
{
	struct agent_diags d = {0};
	char buf[256];

	(void)state;
	assert_int_equal(agent_diags_add(&d, "p.json", 12, 9, "workloads[2].vlan",
					 "%d is out of range (use 1-%d)", 5000, 4094),
			 0);
	assert_int_equal(agent_diags_add(&d, "p.json", 0, 0, "", "cannot read"), 0);
	assert_int_equal(agent_diags_add(&d, "p.json", 3, 1, "", "syntax"), 0);
	assert_int_equal(d.n, 3);
	agent_diag_format(&d.v[0], buf, sizeof(buf));
	assert_string_equal(buf,
			    "p.json:12:9: workloads[2].vlan: 5000 is out of range (use 1-4094)");
	agent_diag_format(&d.v[1], buf, sizeof(buf));
	assert_string_equal(buf, "p.json: cannot read");
	agent_diag_format(&d.v[2], buf, sizeof(buf));
	assert_string_equal(buf, "p.json:3:1: syntax");
	agent_diags_clear(&d);
	assert_int_equal(d.n, 0);
	agent_diags_clear(NULL);
}

static void
test_print(void **state)
{
	struct agent_diags d = {0};
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	json_t *arr;
	json_error_t err;

	(void)state;
	agent_diags_add(&d, "a.json", 1, 2, "x", "bad \"quoted\"");
	agent_diags_add(&d, "b.json", 0, 0, "", "gone");
	f = open_memstream(&text, &len);
	assert_non_null(f);
	agent_diags_print(&d, f);
	fclose(f);
	assert_string_equal(text, "a.json:1:2: x: bad \"quoted\"\nb.json: gone\n");
	free(text);

	f = open_memstream(&text, &len);
	assert_int_equal(agent_diags_print_json(&d, f), 0);
	fclose(f);
	arr = json_loads(text, 0, &err);
	assert_non_null(arr);
	assert_int_equal(json_array_size(arr), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "message")),
			    "bad \"quoted\"");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(arr, 0), "column")), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 1), "file")),
			    "b.json");
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 1), "path")), "");
	json_decref(arr);
	free(text);
	agent_diags_clear(&d);

	/* A file name that is not UTF-8 still gives valid JSON. */
	agent_diags_add(&d, "caf\xe9.json", 1, 1, "", "x");
	f = open_memstream(&text, &len);
	assert_int_equal(agent_diags_print_json(&d, f), 0);
	fclose(f);
	arr = json_loads(text, 0, &err);
	assert_non_null(arr);
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "file")),
			    "caf?.json");
	json_decref(arr);
	free(text);
	agent_diags_clear(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
