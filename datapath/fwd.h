/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarding loop: RX burst -> chain (from the queue when rte_flow steered it, else from
 * the software classifier) -> the chain's first hop -> buffered TX. One context per forwarding
 * lcore; no syscalls, locks, logging or allocation per packet.
 */
#ifndef NFPATH_DP_FWD_H
#define NFPATH_DP_FWD_H

#include <stdbool.h>
#include <stdint.h>

#include "dp.h"
#include "nf.h"
#include "port.h"

/*
 * The queues one forwarder polls, built by the control plane and published with a release
 * store, replaced under RCU. Only its forwarder writes it after publication: rxq[0 .. n_hot)
 * are polled every round, the rest (VM queues empty for DP_COLD_AFTER polls in a row) a few
 * per round in turn, so idle guests cost a bounded amount per round whatever their number.
 */
struct dp_fwd_plist {
	unsigned int n_rxq;
	unsigned int n_hot;
	unsigned int cold_next;
	struct dp_rxq rxq[];
};

#define DP_COLD_AFTER     256 /* empty polls before a VM queue goes cold */
#define DP_COLD_PER_ROUND 4   /* cold queues polled per round */

/* Packets a forwarder gathered for one port during a round. */
struct dp_txbuf {
	uint16_t n;
	bool listed; /* in the forwarder's tx_pending list */
	struct rte_mbuf *pkts[DP_BURST_MAX];
};

/* Packets gathered for one NF chain during a round. */
struct dp_fwd_nfq {
	uint16_t n;
	struct rte_mbuf *pkts[DP_BURST_MAX];
};

struct dp_fwd {
	struct dp *dp;
	struct dp_fwd_nfq nfq[DP_NF_MAX_CHAINS];           /* per NF chain */
	uint64_t nfq_pending;                              /* bit c: nfq[c] holds packets */
	struct dp_chain_stats nf_cstats[DP_NF_MAX_CHAINS]; /* this forwarder's NF chain counters */
	unsigned int idx;           /* forwarder index: stats slot, TX queue, RCU thread id */
	struct dp_fwd_plist *plist; /* published with release stores */
	struct dp_txbuf *txb;       /* [dp->max_ports] */
	uint16_t *tx_pending;       /* [dp->max_ports]: ports whose txb holds packets */
	unsigned int n_pending;
};

/* Builds one context per forwarder, spreading RX queues round robin. Returns 0 or -errno. */
int dp_fwd_init(struct dp *dp, struct dp_fwd **ret, unsigned int n_fwd);
/*
 * Spreads the RX queues of every used port over the forwarders again and publishes the new
 * lists; returns once no forwarder polls from an old list. Returns 0 or -ENOMEM.
 */
int dp_fwd_rebuild(struct dp *dp);
/* Publishes the flood list of VLAN 'vlan' (the running VM ports on it); waits a grace period
 * before freeing the old one. Returns 0 or -ENOMEM. */
int dp_flood_update(struct dp *dp, uint16_t vlan);
void dp_flood_free(struct dp *dp);
void dp_fwd_free(struct dp_fwd *f, unsigned int n_fwd);
/* One poll round over every RX queue of 'f', then TX flush and RCU quiescent state. */
unsigned int dp_fwd_round(struct dp_fwd *f);
/* Sends what the TX buffers still hold (drain at exit). */
void dp_fwd_flush(struct dp_fwd *f);
/* lcore entry point for a worker: loops until dp->quit. 'arg' is its struct dp_fwd. */
int dp_fwd_lcore_main(void *arg);

#endif
