// SPDX-License-Identifier: BSD-3-Clause
/*
 * Tests of datapath/fwd.c, classifier.c and ctl-ops.c together on a real EAL: frames sent into
 * net_ring0 (whose TX ring is its RX ring) go through one forwarding round and come out of
 * net_ring1, or are dropped and counted. Control requests go through dp_ctl_handle as if they
 * came from the socket.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "classifier.h"
#include "ctl.h"
#include "fwd.h"
#include "harness.h"

static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x0a};
static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0x0b};
static const uint8_t mac_c[6] = {0x02, 0, 0, 0, 0, 0x0c};

/* Sends 'n' frames to 'dst' (VLAN 'vlan' when nonzero, 'len' bytes) into port 'port' queue 'q'. */
static void
inject(uint16_t port, uint16_t q, const uint8_t dst[6], uint16_t vlan, uint16_t len, int n)
{
	struct dp *dp = &harness_dp;

	for (int i = 0; i < n; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(dp->pools[0]);
		uint8_t *p;

		assert_non_null(m);
		p = (uint8_t *)rte_pktmbuf_append(m, len);
		assert_non_null(p);
		if (!p) {
			return; /* not reached; tells gcc -O3 that p is valid below */
		}
		memset(p, 0, len);
		if (len >= 14) {
			memcpy(p, dst, 6);
			p[6] = 0x02;
			p[12] = vlan ? 0x81 : 0x08;
			p[13] = 0x00;
			if (vlan && len >= 18) {
				p[14] = (uint8_t)(vlan >> 8);
				p[15] = (uint8_t)vlan;
				p[16] = 0x08;
			}
		}
		if (q == 0) {
			assert_int_equal(rte_eth_tx_burst(dp->ports[port].port_id, 0, &m, 1), 1);
		} else {
			/* Only TX queue 0 exists: put the frame straight on RX ring q. */
			char name[RTE_RING_NAMESIZE + DP_PORT_NAME_MAX];
			struct rte_ring *r;

			snprintf(name, sizeof(name), "ETH_RXTX%u_%.40s", q, dp->ports[port].name);
			r = rte_ring_lookup(name);
			assert_non_null(r);
			assert_int_equal(rte_ring_enqueue(r, m), 0);
		}
	}
}

/* Reads what port 1 holds; counts frames to 'dst'. Frees them. */
static int
drain_port1(const uint8_t dst[6], int *others)
{
	struct rte_mbuf *pk[64];
	int match = 0;
	uint16_t n;

	*others = 0;
	while ((n = rte_eth_rx_burst(harness_dp.ports[1].port_id, 0, pk, 64)) > 0) {
		for (uint16_t i = 0; i < n; i++) {
			if (!memcmp(rte_pktmbuf_mtod(pk[i], uint8_t *), dst, 6)) {
				match++;
			} else {
				(*others)++;
			}
			rte_pktmbuf_free(pk[i]);
		}
	}
	return match;
}

/* Sends a request; returns the reply parsed; fails the test on a reply that is not JSON. */
static json_t *
ctl(const char *req)
{
	char *s = dp_ctl_handle(&harness_dp, req, strlen(req));
	json_error_t e;
	json_t *o;

	assert_non_null(s);
	o = json_loads(s, 0, &e);
	if (!o) {
		fail_msg("reply is not JSON: %s", s);
	}
	free(s);
	return o;
}

static void
ctl_ok(const char *req)
{
	json_t *o = ctl(req);

	if (!json_is_true(json_object_get(o, "ok"))) {
		char *s = json_dumps(o, 0);

		fail_msg("'%s' failed: %s", req, s);
	}
	json_decref(o);
}

static const char *
ctl_errtype(const char *req, char *buf, size_t len)
{
	json_t *o = ctl(req);

	assert_true(json_is_false(json_object_get(o, "ok")));
	snprintf(buf, len, "%s",
		 json_string_value(json_object_get(json_object_get(o, "error"), "type")));
	json_decref(o);
	return buf;
}

static void
round_once(void)
{
	rte_rcu_qsbr_thread_online(harness_dp.rcu, 0);
	dp_fwd_round(&harness_dp.fwd[0]);
	rte_rcu_qsbr_thread_offline(harness_dp.rcu, 0);
}

static void
test_classify_and_count(void **state)
{
	struct dp_worker_stats st;
	struct dp_port_stats ps;
	char buf[64];
	int others;
	json_t *o, *flow;

	(void)state;
	ctl_ok("{\"v\":1,\"id\":1,\"op\":\"chain_set\",\"chain\":1,\"hops\":[{\"port\":"
	       "\"net_ring1\"}]}");
	o = ctl("{\"v\":1,\"id\":2,\"op\":\"flow_add\",\"mac\":\"02:00:00:00:00:0a\",\"chain\":1}");
	flow = json_object_get(o, "result");
	assert_string_equal(json_string_value(json_object_get(flow, "path")), "software");
	/* net_ring cannot take rte_flow rules: the reason says so. */
	assert_non_null(strstr(json_string_value(json_object_get(flow, "reason")), "rte_flow"));
	json_decref(o);
	/* A flow to a chain that is not set is refused; one whose chain is deleted stays. */
	assert_string_equal(ctl_errtype("{\"v\":1,\"id\":3,\"op\":\"flow_add\",\"mac\":\"02:00:"
					"00:00:00:0b\",\"vlan\":10,\"chain\":2}",
					buf, sizeof(buf)),
			    "not_found");
	ctl_ok("{\"v\":1,\"id\":3,\"op\":\"chain_set\",\"chain\":2,\"hops\":[{\"port\":1}]}");
	ctl_ok("{\"v\":1,\"id\":3,\"op\":\"flow_add\",\"mac\":\"02:00:00:00:00:0b\",\"vlan\":10,"
	       "\"chain\":2}");
	ctl_ok("{\"v\":1,\"id\":3,\"op\":\"chain_del\",\"chain\":2}");

	inject(0, 0, mac_a, 0, 60, 5);
	inject(0, 0, mac_b, 10, 64, 3); /* chain 2 was deleted */
	inject(0, 0, mac_c, 0, 60, 2);  /* unknown */
	inject(0, 0, mac_a, 10, 64, 2); /* known MAC, other VLAN: unknown */
	inject(0, 0, mac_a, 0, 10, 1);  /* runt */
	round_once();
	assert_int_equal(drain_port1(mac_a, &others), 5);
	assert_int_equal(others, 0);

	dp_stats_sum(&harness_dp, &st);
	assert_int_equal(st.rxq_pkts[0][0], 13);
	assert_int_equal(st.chain_pkts[1], 5);
	assert_int_equal(st.chain_bytes[1], 5 * 60);
	assert_int_equal(st.drops[DP_DROP_UNKNOWN_DST], 4);
	assert_int_equal(st.drops[DP_DROP_NO_CHAIN], 3);
	assert_int_equal(st.drops[DP_DROP_RUNT], 1);
	dp_port_stats_sum(&harness_dp, 1, &ps);
	assert_int_equal(ps.tx_pkts, 5);
	assert_int_equal(ps.tx_bytes, 5 * 60);
	assert_int_equal(ps.tx_full + ps.tx_no_peer, 0);
	dp_port_stats_sum(&harness_dp, 0, &ps);
	assert_int_equal(ps.rx_pkts, 13);

	/* Setting chain 2 makes the VLAN 10 flow forward. */
	ctl_ok("{\"v\":1,\"id\":4,\"op\":\"chain_set\",\"chain\":2,\"hops\":[{\"port\":1}]}");
	inject(0, 0, mac_b, 10, 64, 3);
	round_once();
	assert_int_equal(drain_port1(mac_b, &others), 3);
	assert_int_equal(others, 0);

	/* Re-pointing a flow to another chain takes effect at once. */
	ctl_ok("{\"v\":1,\"id\":5,\"op\":\"flow_add\",\"mac\":\"02:00:00:00:00:0a\",\"chain\":2}");
	inject(0, 0, mac_a, 0, 60, 4);
	round_once();
	assert_int_equal(drain_port1(mac_a, &others), 4);
	dp_stats_sum(&harness_dp, &st);
	assert_int_equal(st.chain_pkts[2], 3 + 4);

	/* Removing the flow makes the MAC unknown; removing a chain makes its flows drop. */
	ctl_ok("{\"v\":1,\"id\":6,\"op\":\"flow_del\",\"mac\":\"02:00:00:00:00:0a\"}");
	ctl_ok("{\"v\":1,\"id\":7,\"op\":\"chain_del\",\"chain\":2}");
	inject(0, 0, mac_a, 0, 60, 2);
	inject(0, 0, mac_b, 10, 60, 2);
	round_once();
	assert_int_equal(drain_port1(mac_a, &others), 0);
	assert_int_equal(others, 0);
	dp_stats_sum(&harness_dp, &st);
	assert_int_equal(st.drops[DP_DROP_UNKNOWN_DST], 4 + 2);
	assert_int_equal(st.drops[DP_DROP_NO_CHAIN], 3 + 2);

	assert_string_equal(ctl_errtype("{\"v\":1,\"id\":8,\"op\":\"flow_del\",\"mac\":\"02:00:00:"
					"00:00:0a\"}",
					buf, sizeof(buf)),
			    "not_found");
	assert_string_equal(ctl_errtype("{\"v\":1,\"id\":9,\"op\":\"chain_del\",\"chain\":2}", buf,
					sizeof(buf)),
			    "not_found");
	assert_string_equal(ctl_errtype("{\"v\":1,\"id\":10,\"op\":\"chain_set\",\"chain\":3,"
					"\"hops\":[{\"port\":\"nope\"}]}",
					buf, sizeof(buf)),
			    "not_found");
	assert_string_equal(ctl_errtype("{\"v\":1,\"id\":11,\"op\":\"chain_set\",\"chain\":3,"
					"\"hops\":[{\"port\":7}]}",
					buf, sizeof(buf)),
			    "not_found");
	assert_string_equal(ctl_errtype("{\"v\":1,\"id\":12,\"op\":\"chain_set\",\"chain\":3,"
					"\"hops\":[{\"nf\":1},{\"port\":1}]}",
					buf, sizeof(buf)),
			    "invalid_argument");
	assert_string_equal(ctl_errtype("{\"v\":1,\"id\":12,\"op\":\"chain_set\",\"chain\":3,"
					"\"hops\":[{\"nf\":\"fw\"},{\"port\":1}]}",
					buf, sizeof(buf)),
			    "not_found");
	assert_string_equal(ctl_errtype("{\"v\":1,\"id\":13,\"op\":\"chain_set\",\"chain\":3,"
					"\"hops\":[{\"port\":1},{\"port\":0}]}",
					buf, sizeof(buf)),
			    "invalid_argument");
	assert_string_equal(ctl_errtype("{\"v\":1,\"id\":14,\"op\":\"flow_add\",\"mac\":\"02:00:"
					"00:00:00:01\",\"chain\":1,\"port\":9}",
					buf, sizeof(buf)),
			    "not_found");
}

/* Broadcast from the uplink with no VM port to flood it to: flood_empty; from another port
 * (not the uplink, not a VM port): an unknown destination, as before. */
static void
test_flood_without_vm_ports(void **state)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct dp_worker_stats before, after;
	int others;

	(void)state;
	dp_stats_sum(&harness_dp, &before);
	inject(0, 0, bcast, 0, 60, 3);
	round_once();
	assert_int_equal(drain_port1(bcast, &others), 0);
	dp_stats_sum(&harness_dp, &after);
	assert_int_equal(after.drops[DP_DROP_FLOOD_EMPTY] - before.drops[DP_DROP_FLOOD_EMPTY], 3);
	assert_int_equal(after.drops[DP_DROP_UNKNOWN_DST] - before.drops[DP_DROP_UNKNOWN_DST], 0);
	assert_int_equal(after.flooded - before.flooded, 0);
}

static void
test_queue_steering(void **state)
{
	struct dp_port *p0 = &harness_dp.ports[0];
	struct dp_worker_stats before, after;
	struct dp_cls_key ck = {.mac = {0x02, 0, 0, 0, 0, 0x0c}};
	uint64_t key;
	int others;

	(void)state;
	/* What a hardware rule does: queue 1 belongs to chain 1, no software lookup. */
	ctl_ok("{\"v\":1,\"id\":20,\"op\":\"chain_set\",\"chain\":1,\"hops\":[{\"port\":1}]}");
	dp_stats_sum(&harness_dp, &before);
	memcpy(&key, &ck, sizeof(key));
	__atomic_store_n(&p0->queue_key[1], key, __ATOMIC_RELAXED);
	__atomic_store_n(&p0->queue_chain[1], 1, __ATOMIC_RELEASE);
	inject(0, 1, mac_c, 0, 60, 6); /* not in the classifier: steering alone carries it */
	round_once();
	assert_int_equal(drain_port1(mac_c, &others), 6);
	dp_stats_sum(&harness_dp, &after);
	assert_int_equal(after.hw_steered - before.hw_steered, 6);
	assert_int_equal(after.sw_classified - before.sw_classified, 0);
	assert_int_equal(after.rxq_pkts[0][1] - before.rxq_pkts[0][1], 6);

	/* Frames of other keys on chain 1's queue are not chain 1's: a MAC of chain 3 reaches
	 * chain 3 through the classifier, the queue's MAC on another VLAN is unknown. */
	ctl_ok("{\"v\":1,\"id\":21,\"op\":\"chain_set\",\"chain\":3,\"hops\":[{\"port\":1}]}");
	ctl_ok("{\"v\":1,\"id\":22,\"op\":\"flow_add\",\"mac\":\"02:00:00:00:00:0a\",\"chain\":3}");
	before = after;
	inject(0, 1, mac_a, 0, 60, 4);
	inject(0, 1, mac_c, 5, 64, 2);
	round_once();
	assert_int_equal(drain_port1(mac_a, &others), 4);
	assert_int_equal(others, 0);
	dp_stats_sum(&harness_dp, &after);
	assert_int_equal(after.hw_steered - before.hw_steered, 0);
	assert_int_equal(after.hw_foreign - before.hw_foreign, 6);
	assert_int_equal(after.sw_classified - before.sw_classified, 6);
	assert_int_equal(after.chain_pkts[1] - before.chain_pkts[1], 0);
	assert_int_equal(after.chain_pkts[3] - before.chain_pkts[3], 4);
	assert_int_equal(after.drops[DP_DROP_UNKNOWN_DST] - before.drops[DP_DROP_UNKNOWN_DST], 2);
	ctl_ok("{\"v\":1,\"id\":23,\"op\":\"flow_del\",\"mac\":\"02:00:00:00:00:0a\"}");
	ctl_ok("{\"v\":1,\"id\":24,\"op\":\"chain_del\",\"chain\":3}");
	__atomic_store_n(&p0->queue_chain[1], -1, __ATOMIC_RELEASE);
}

static void
test_info_ops(void **state)
{
	json_t *o, *r;

	(void)state;
	o = ctl("{\"v\":1,\"id\":30,\"op\":\"hello\"}");
	r = json_object_get(o, "result");
	assert_int_equal(json_integer_value(json_object_get(r, "version")), 1);
	assert_int_equal(
		json_array_size(json_object_get(json_object_get(r, "capabilities"), "ports")), 2);
	json_decref(o);
	o = ctl("{\"v\":1,\"id\":31,\"op\":\"port_list\"}");
	r = json_array_get(json_object_get(json_object_get(o, "result"), "ports"), 0);
	assert_string_equal(json_string_value(json_object_get(r, "name")), "net_ring0");
	assert_int_equal(json_integer_value(json_object_get(r, "rx_queues")), 2);
	assert_true(json_is_true(json_object_get(r, "uplink")));
	json_decref(o);
	o = ctl("{\"v\":1,\"id\":32,\"op\":\"stats\"}");
	r = json_object_get(json_object_get(o, "result"), "drops");
	assert_int_equal(json_integer_value(json_object_get(r, "runt")), 1);
	json_decref(o);
	ctl_ok("{\"v\":1,\"id\":33,\"op\":\"flow_list\"}");
	ctl_ok("{\"v\":1,\"id\":34,\"op\":\"chain_list\"}");
}

static int
setup(void **state)
{
	const char *argv[] = {"nfpath-dp", "-p", "net_ring0", "-p", "net_ring1", "-q", "2"};

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
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_and_count),
		cmocka_unit_test(test_flood_without_vm_ports),
		cmocka_unit_test(test_queue_steering),
		cmocka_unit_test(test_info_ops),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
