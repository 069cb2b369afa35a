/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers for the agent's policy tests: table-driven cases of policy texts (one or more files)
 * and the exact diagnostics they must produce, each registered as its own cmocka test.
 */
#ifndef TEST_AGENT_POLICY_TEST_H
#define TEST_AGENT_POLICY_TEST_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nfpath/agent-policy.h"

#define CASE_MAX_FILES 3
#define CASE_MAX_DIAGS 16

struct policy_case {
	const char *name;
	const char *files[CASE_MAX_FILES]; /* texts, named a.json, b.json, c.json */
	const char *want[CASE_MAX_DIAGS];  /* exact diagnostics, in order; none = must load */
};

static inline int
case_load(const struct policy_case *c, struct agent_policy **ret, struct agent_diags *diags)
{
	static const char *const names[CASE_MAX_FILES] = {"a.json", "b.json", "c.json"};
	struct agent_policy_source src[CASE_MAX_FILES];
	size_t n = 0;

	for (; n < CASE_MAX_FILES && c->files[n]; n++) {
		src[n].name = names[n];
		src[n].text = c->files[n];
		src[n].len = strlen(c->files[n]);
	}
	return agent_policy_load_sources(src, n, ret, diags);
}

static inline void
run_case(void **state)
{
	const struct policy_case *c = *state;
	struct agent_diags diags = {0};
	struct agent_policy *p = NULL;
	size_t want_n = 0;
	int r;

	while (want_n < CASE_MAX_DIAGS && c->want[want_n])
		want_n++;
	r = case_load(c, &p, &diags);
	for (size_t i = 0; i < diags.n; i++) {
		char buf[1024];

		agent_diag_format(&diags.v[i], buf, sizeof(buf));
		print_message("got:  %s\n", buf);
		if (i < want_n)
			assert_string_equal(buf, c->want[i]);
	}
	assert_int_equal(diags.n, want_n);
	if (want_n) {
		assert_int_equal(r, -EINVAL);
		assert_null(p);
	} else {
		assert_int_equal(r, 0);
		assert_non_null(p);
	}
	agent_policy_free(p);
	agent_diags_clear(&diags);
}

static inline int
run_cases(const char *group, const struct policy_case *cases, size_t n)
{
	struct CMUnitTest *tests = calloc(n, sizeof(*tests));
	int r;

	if (!tests)
		return 1;
	for (size_t i = 0; i < n; i++) {
		tests[i].name = cases[i].name;
		tests[i].test_func = run_case;
		tests[i].initial_state = (void *)&cases[i];
	}
	r = _cmocka_run_group_tests(group, tests, n, NULL, NULL);
	free(tests);
	return r;
}

#endif /* TEST_AGENT_POLICY_TEST_H */
