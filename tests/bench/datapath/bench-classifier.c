// SPDX-License-Identifier: BSD-3-Clause
/*
 * Cost of the software classifier per packet with 1, 1k and 64k MACs installed, on a real EAL
 * (net_ring ports, no hugepages): the bulk rte_hash lookup alone, and a whole forwarding round
 * (RX burst, lookup, chain, TX buffer, flush) with frames recycled between two net_ring ports.
 * Lookups cycle over every installed MAC so that large tables pay their cache misses; the
 * forwarding round recycles 512 frames (to at most 512 distinct MACs).
 * Prints one line per size and, last, one JSON line. NFPATH_BENCH_PKTS sets packets per size
 * (default 4M).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "classifier.h"
#include "flow.h"
#include "fwd.h"
#include "harness.h"

#define N_FRAMES 512 /* in flight; net_ring rings hold 1024 */

static void
mac_of(unsigned int i, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0;
	mac[2] = (uint8_t)(i >> 24);
	mac[3] = (uint8_t)(i >> 16);
	mac[4] = (uint8_t)(i >> 8);
	mac[5] = (uint8_t)i;
}

int
main(void)
{
	const char *argv[] = {"nfpath-dp", "-p",   "net_ring0", "-p",  "net_ring1",
			      "--rxd",     "4096", "--txd",     "4096"};
	static const unsigned int sizes[] = {1, 1024, 65536};
	unsigned long pkts = getenv("NFPATH_BENCH_PKTS")
				     ? strtoul(getenv("NFPATH_BENCH_PKTS"), NULL, 10)
				     : 4ul << 20;
	struct dp *dp = &harness_dp;
	struct rte_mbuf *frames[N_FRAMES];
	double lookup_ns[3], round_ns[3];
	struct dp_chain ch = {.id = 1, .n_hops = 1, .hops = {{.type = DP_HOP_PORT, .port = 1}}};
	uint64_t hz;

	if (harness_start_n(5, argv, 65536 + 1024) < 0) {
		fprintf(stderr, "bench-classifier: EAL or datapath setup failed\n");
		return 1;
	}
	hz = rte_get_tsc_hz();
	dp_chain_set(dp, &ch);
	for (unsigned int i = 0; i < N_FRAMES; i++) {
		frames[i] = rte_pktmbuf_alloc(dp->pools[0]);
		if (!frames[i] || !rte_pktmbuf_append(frames[i], 60)) {
			fprintf(stderr, "bench-classifier: out of mbufs\n");
			return 1;
		}
		memset(rte_pktmbuf_mtod(frames[i], void *), 0, 60);
	}
	for (unsigned int s = 0, installed = 0; s < 3; s++) {
		struct dp_cls_key keys[DP_BURST_MAX];
		const void *kp[DP_BURST_MAX];
		void *data[DP_BURST_MAX];
		uint64_t hits, t0, t1;
		unsigned long done = 0;

		for (; installed < sizes[s]; installed++) {
			struct dp_cls_key k = {.vlan = 0};

			mac_of(installed, k.mac);
			if (dp_classifier_set(dp, &k, 1) < 0) {
				fprintf(stderr, "bench-classifier: table full at %u\n", installed);
				return 1;
			}
		}
		/* Frame i goes to MAC i * 7919 mod size: spread, in no cache-friendly order. */
		for (unsigned int i = 0; i < N_FRAMES; i++) {
			mac_of((unsigned int)((i * 7919ul) % sizes[s]),
			       rte_pktmbuf_mtod(frames[i], uint8_t *));
		}

		t0 = rte_rdtsc_precise();
		for (unsigned long n = 0; n < pkts; n += DP_BURST_MAX) {
			unsigned int base = (unsigned int)(n % N_FRAMES);

			(void)base;
			for (unsigned int j = 0; j < DP_BURST_MAX; j++) {
				mac_of((unsigned int)(((n + j) * 7919ul) % sizes[s]), keys[j].mac);
				keys[j].vlan = 0;
				kp[j] = &keys[j];
			}
			rte_hash_lookup_bulk_data(dp->classifier, kp, DP_BURST_MAX, &hits, data);
			if (hits != UINT32_MAX) {
				fprintf(stderr, "bench-classifier: lookup missed\n");
				return 1;
			}
		}
		t1 = rte_rdtsc_precise();
		lookup_ns[s] = (double)(t1 - t0) * 1e9 / (double)hz / (double)pkts;

		rte_rcu_qsbr_thread_online(dp->rcu, 0);
		t0 = rte_rdtsc_precise();
		for (unsigned int i = 0; i < N_FRAMES; i += DP_BURST_MAX) {
			if (rte_eth_tx_burst(dp->ports[0].port_id, 0, &frames[i], DP_BURST_MAX) !=
			    DP_BURST_MAX) {
				fprintf(stderr, "bench-classifier: ring full\n");
				return 1;
			}
		}
		while (done < pkts) {
			struct rte_mbuf *out[DP_BURST_MAX];
			uint16_t n;

			dp_fwd_round(&dp->fwd[0]);
			/* Round trip: what left on port 1 goes back into port 0. */
			while ((n = rte_eth_rx_burst(dp->ports[1].port_id, 0, out, DP_BURST_MAX)) >
			       0) {
				done += n;
				rte_eth_tx_burst(dp->ports[0].port_id, 0, out, n);
			}
		}
		t1 = rte_rdtsc_precise();
		rte_rcu_qsbr_thread_offline(dp->rcu, 0);
		round_ns[s] = (double)(t1 - t0) * 1e9 / (double)hz / (double)done;
		/* Collect the frames again for the next size. */
		for (unsigned int got = 0; got < N_FRAMES;) {
			uint16_t n = rte_eth_rx_burst(
				dp->ports[0].port_id, 0, &frames[got],
				(uint16_t)RTE_MIN((unsigned int)DP_BURST_MAX, N_FRAMES - got));

			if (!n) {
				n = rte_eth_rx_burst(dp->ports[1].port_id, 0, &frames[got],
						     (uint16_t)RTE_MIN((unsigned int)DP_BURST_MAX,
								       N_FRAMES - got));
			}
			got += n;
		}
		printf("classifier, %5u MACs: lookup %.1f ns/packet, forwarding round %.1f "
		       "ns/packet (%lu packets)\n",
		       sizes[s], lookup_ns[s], round_ns[s], pkts);
	}
	printf("{\"bench\":\"dp-classifier\",\"lookup_ns\":{\"1\":%.1f,\"1024\":%.1f,\"65536\":%.1f},"
	       "\"round_ns\":{\"1\":%.1f,\"1024\":%.1f,\"65536\":%.1f}}\n",
	       lookup_ns[0], lookup_ns[1], lookup_ns[2], round_ns[0], round_ns[1], round_ns[2]);
	for (unsigned int i = 0; i < N_FRAMES; i++) {
		rte_pktmbuf_free(frames[i]);
	}
	harness_stop();
	return 0;
}
