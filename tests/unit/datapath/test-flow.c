// SPDX-License-Identifier: BSD-3-Clause
/*
 * Tests of datapath/flow.c: the rte_flow pattern and action arrays built for a MAC (+VLAN),
 * and the fallback to the software classifier on devices without rte_flow (net_null as the
 * uplink with 2 RX queues, net_ring with one), on a real EAL.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <rte_byteorder.h>

#include "flow.h"
#include "harness.h"

static void
test_rule_untagged(void **state)
{
	struct dp_cls_key k = {.mac = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55}};
	struct dp_flow_rule r;
	const struct rte_flow_item_eth *spec, *mask;

	(void)state;
	dp_flow_rule_build(&r, &k, 3);
	assert_int_equal(r.attr.ingress, 1);
	assert_int_equal(r.attr.egress, 0);
	assert_int_equal(r.attr.group, 0);
	assert_int_equal(r.pattern[0].type, RTE_FLOW_ITEM_TYPE_ETH);
	assert_int_equal(r.pattern[1].type, RTE_FLOW_ITEM_TYPE_END);
	spec = r.pattern[0].spec;
	mask = r.pattern[0].mask;
	assert_memory_equal(spec->hdr.dst_addr.addr_bytes, k.mac, 6);
	assert_memory_equal(mask->hdr.dst_addr.addr_bytes, "\xff\xff\xff\xff\xff\xff", 6);
	/* Only the destination is matched: source and type are wildcards. */
	assert_memory_equal(mask->hdr.src_addr.addr_bytes, "\0\0\0\0\0\0", 6);
	assert_int_equal(mask->hdr.ether_type, 0);
	assert_int_equal(mask->has_vlan, 0);
	assert_null(r.pattern[0].last);
	assert_int_equal(r.actions[0].type, RTE_FLOW_ACTION_TYPE_QUEUE);
	assert_int_equal(((const struct rte_flow_action_queue *)r.actions[0].conf)->index, 3);
	assert_int_equal(r.actions[1].type, RTE_FLOW_ACTION_TYPE_END);
}

static void
test_rule_vlan(void **state)
{
	struct dp_cls_key k = {.mac = {0x02, 0, 0, 0, 0, 1}, .vlan = 4094};
	struct dp_flow_rule r;
	const struct rte_flow_item_vlan *spec, *mask;
	const struct rte_flow_item_eth *espec;

	(void)state;
	dp_flow_rule_build(&r, &k, 1);
	assert_int_equal(r.pattern[0].type, RTE_FLOW_ITEM_TYPE_ETH);
	espec = r.pattern[0].spec;
	assert_int_equal(espec->has_vlan, 0);
	assert_int_equal(((const struct rte_flow_item_eth *)r.pattern[0].mask)->has_vlan, 0);
	assert_int_equal(r.pattern[1].type, RTE_FLOW_ITEM_TYPE_VLAN);
	assert_int_equal(r.pattern[2].type, RTE_FLOW_ITEM_TYPE_END);
	spec = r.pattern[1].spec;
	mask = r.pattern[1].mask;
	assert_int_equal(rte_be_to_cpu_16(spec->hdr.vlan_tci), 4094);
	/* VID only: priority and DEI bits are not matched. */
	assert_int_equal(rte_be_to_cpu_16(mask->hdr.vlan_tci), 0x0fff);
	assert_int_equal(mask->hdr.eth_proto, 0);
	assert_int_equal(((const struct rte_flow_action_queue *)r.actions[0].conf)->index, 1);
}

static void
test_fallback_unsupported(void **state)
{
	struct dp *dp = &harness_dp;
	struct dp_cls_key k = {.mac = {0x02, 0, 0, 0, 0, 1}, .vlan = 7};
	const struct dp_flow *f;

	(void)state;
	assert_string_equal(dp->ports[0].rte_flow_cap, "unsupported");
	assert_string_equal(dp->ports[1].rte_flow_cap, "unsupported");
	/* net_null has a free queue, so the rule is tried, and refused. */
	assert_int_equal(dp_flow_add(dp, &k, 4, 0, &f), 0);
	assert_int_equal(f->path, DP_FLOW_SOFTWARE);
	assert_non_null(strstr(f->reason, "rte_flow_validate on 'net_null0'"));
	assert_int_equal(dp->ports[0].queue_chain[1], -1);
	assert_true(dp_classifier_pos(dp, &k) >= 0);
	/* net_ring has only the default queue. */
	k.vlan = 0;
	assert_int_equal(dp_flow_add(dp, &k, 4, 1, &f), 0);
	assert_int_equal(f->path, DP_FLOW_SOFTWARE);
	assert_non_null(strstr(f->reason, "no free RX queue on port 'net_ring0'"));
	assert_int_equal(dp->flows->n_used, 2);
	assert_int_equal(dp_flow_del(dp, &k), 0);
	assert_int_equal(dp_flow_del(dp, &k), -ENOENT);
	assert_int_equal(dp_classifier_pos(dp, &k), -ENOENT);
	assert_int_equal(dp->flows->n_used, 1);
	assert_int_equal(dp_flow_add(dp, &k, 4, 9, &f), -EINVAL);
	assert_int_equal(dp_flow_add(dp, &k, DP_MAX_CHAINS, 0, &f), -EINVAL);
}

static void
test_table_full(void **state)
{
	struct dp *dp = &harness_dp;
	const struct dp_flow *f;
	unsigned int added = 0;
	int r = 0;

	(void)state;
	/* The table holds 1024 entries here; one is in use from the test before. */
	for (unsigned int i = 0; i < 2000 && r == 0; i++) {
		struct dp_cls_key k = {.mac = {0x06, 0, 0, 0, (uint8_t)(i >> 8), (uint8_t)i}};

		r = dp_flow_add(dp, &k, 1, 1, &f);
		added += r == 0;
	}
	assert_int_equal(r, -ENOSPC);
	assert_true(added >= 1000 && added <= 1023);
	for (unsigned int i = 0; i < added; i++) {
		struct dp_cls_key k = {.mac = {0x06, 0, 0, 0, (uint8_t)(i >> 8), (uint8_t)i}};

		assert_int_equal(dp_flow_del(dp, &k), 0);
	}
	assert_int_equal(dp->flows->n_used, 1);
}

static int
setup(void **state)
{
	const char *argv[] = {"nfpath-dp", "-p", "net_null0", "-p", "net_ring0", "-q", "2"};

	(void)state;
	return harness_start(7, argv) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	harness_stop();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_rule_untagged),
		cmocka_unit_test(test_rule_vlan),
	};
	const struct CMUnitTest eal[] = {
		cmocka_unit_test(test_fallback_unsupported),
		cmocka_unit_test(test_table_full),
	};
	int r = cmocka_run_group_tests(pure, NULL, NULL);

	return r | cmocka_run_group_tests(eal, setup, teardown);
}
