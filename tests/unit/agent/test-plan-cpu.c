// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for agent/plan/plan-cpu.c, the planner's CPU allocator: whole cores for dedicated
 * workloads (reserved siblings ignored, busy or disallowed siblings skip the core), the message
 * when a node has no room, the node order for each numa_affinity, and the set arithmetic.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plan-internal.h"

/* Node 0: 0-7 (cores 0+4 .. 3+7), node 1 (socket 0): 8-11 (no SMT), node 2 (socket 1): 12-15. */
static const char INV[] =
	"{\"numa_nodes\": [{\"id\": 0, \"cpus\": \"0-7\"}, {\"id\": 1, \"socket\": 0, \"cpus\": "
	"\"8-11\"}, {\"id\": 2, \"socket\": 1, \"cpus\": \"12-15\"}],"
	" \"siblings\": [\"0,4\", \"1,5\", \"2,6\", \"3,7\"], \"reserved_cpus\": \"0\"}";

static struct agent_inventory *
inv_load(void)
{
	struct agent_inventory *inv = NULL;
	struct agent_diags d = {0};

	assert_int_equal(agent_inventory_load_buffer("inv.json", INV, strlen(INV), &inv, &d), 0);
	return inv;
}

static struct vfm_cpuset
set(const char *list)
{
	struct vfm_cpuset s = {0};

	if (*list)
		assert_int_equal(vfm_cpulist_parse(list, &s), 0);
	return s;
}

static const char *
str(const struct vfm_cpuset *s)
{
	static char buf[128];

	plan_cpus_str(s, buf, sizeof(buf));
	return buf;
}

static void
test_whole_cores(void **state)
{
	struct agent_inventory *inv = inv_load();
	struct vfm_cpuset all = set("0-15"), free = set("1-15"), got;
	struct strbuf why = {0};

	(void)state;
	/* Lowest CPU first, whole cores: 1 CPU asked, core 1+5 given (siblings stay together). */
	assert_true(plan_cpus_dedicated(inv, 0, 1, &free, &all, &got, &why));
	assert_string_equal(str(&got), "1,5");
	assert_true(plan_cpus_dedicated(inv, 0, 3, &free, &all, &got, &why));
	assert_string_equal(str(&got), "1-2,5-6");
	/* Core 0+4: CPU 0 is reserved, so 4 alone is the core's usable part. */
	assert_true(plan_cpus_dedicated(inv, 0, 7, &free, &all, &got, &why));
	assert_string_equal(str(&got), "1-7");
	assert_false(vfm_cpuset_isset(&got, 0));
	/* A busy sibling (6) makes core 2+6 unusable; a disallowed one (7) core 3+7. */
	free = set("1-5,8-15");
	{
		struct vfm_cpuset allowed = set("0-6");

		assert_false(plan_cpus_dedicated(inv, 0, 5, &free, &allowed, &got, &why));
		assert_string_equal(
			strbuf_str(&why),
			"node 0: 3 CPUs free in whole cores, 5 needed (free and allowed: "
			"1-5; 2 cores split by a busy or disallowed sibling)");
	}
	strbuf_free(&why);
	/* No SMT on node 1: single CPUs are cores. */
	free = set("1-15");
	assert_true(plan_cpus_dedicated(inv, 1, 3, &free, &all, &got, &why));
	assert_string_equal(str(&got), "8-10");
	assert_false(plan_cpus_dedicated(inv, 7, 1, &free, &all, &got, &why));
	assert_non_null(strstr(strbuf_str(&why), "node 7: not in the inventory"));
	strbuf_free(&why);
	agent_inventory_free(inv);
}

static void
test_node_order(void **state)
{
	struct agent_inventory *inv = inv_load();
	unsigned nodes[AGENT_INV_NUMA_MAX];

	(void)state;
	assert_int_equal(plan_node_order(inv, 1, AGENT_NUMA_REQUIRED, nodes), 1);
	assert_int_equal(nodes[0], 1);
	assert_int_equal(plan_node_order(inv, 1, AGENT_NUMA_PREFERRED, nodes), 3);
	assert_int_equal(nodes[0], 1);
	assert_int_equal(nodes[1], 0);
	assert_int_equal(nodes[2], 2);
	assert_int_equal(plan_node_order(inv, 1, AGENT_NUMA_SOCKET, nodes), 2);
	assert_int_equal(nodes[1], 0);
	assert_int_equal(plan_node_order(inv, 2, AGENT_NUMA_SOCKET, nodes), 1);
	assert_int_equal(plan_node_order(inv, 2, AGENT_NUMA_NONE, nodes), 3);
	assert_int_equal(nodes[0], 2);
	/* The NIC's node unknown: every node, in id order, whatever the affinity. */
	assert_int_equal(plan_node_order(inv, -1, AGENT_NUMA_REQUIRED, nodes), 3);
	assert_int_equal(nodes[0], 0);
	agent_inventory_free(inv);
}

static void
test_arithmetic(void **state)
{
	struct vfm_cpuset a = set("0-3,100"), b = set("2-5"), r;
	char buf[6];

	(void)state;
	plan_cpus_and(&r, &a, &b);
	assert_string_equal(str(&r), "2-3");
	plan_cpus_andnot(&r, &a, &b);
	assert_string_equal(str(&r), "0-1,100");
	plan_cpus_or(&r, &a, &b);
	assert_string_equal(str(&r), "0-5,100");
	assert_true(plan_cpus_subset(&b, &r));
	assert_false(plan_cpus_subset(&a, &b));
	memset(&r, 0, sizeof(r));
	assert_true(plan_cpus_empty(&r));
	assert_string_equal(str(&r), "none");
	plan_cpus_str(&a, buf, sizeof(buf));
	assert_string_equal(buf, "(too "); /* truncated, never overflowing */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_cores),
		cmocka_unit_test(test_node_order),
		cmocka_unit_test(test_arithmetic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
