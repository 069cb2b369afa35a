/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarding loop: RX burst -> chain (from the queue when rte_flow steered it, else from
 * the software classifier) -> the chain's first hop -> buffered TX. One context per forwarding
 * lcore; no syscalls, locks, logging or allocation per packet.
 */
#ifndef NFPATH_DP_FWD_H
#define NFPATH_DP_FWD_H

#include <stdint.h>

#include "dp.h"
#include "nf.h"

struct rte_eth_dev_tx_buffer;

struct dp_fwd_rxq {
	uint16_t port; /* index in dp->ports */
	uint16_t queue;
};

struct dp_fwd_txctx {
	struct dp_worker_stats *stats;
	uint16_t port;
};

/* The RX queues one forwarder polls; immutable once published, replaced under RCU. */
struct dp_fwd_plist {
	unsigned int n_rxq;
	struct dp_fwd_rxq rxq[DP_MAX_PORTS * DP_MAX_QUEUES];
};

/* Packets gathered for one NF chain during a round. */
struct dp_fwd_nfq {
	uint16_t n;
	struct rte_mbuf *pkts[DP_BURST];
};

struct dp_fwd {
	struct dp *dp;
	struct dp_fwd_nfq nfq[DP_NF_MAX_CHAINS];           /* per NF chain */
	uint64_t nfq_pending;                              /* bit c: nfq[c] holds packets */
	struct dp_chain_stats nf_cstats[DP_NF_MAX_CHAINS]; /* this forwarder's NF chain counters */
	unsigned int idx;           /* forwarder index: stats slot, TX queue, RCU thread id */
	struct dp_fwd_plist *plist; /* published with release stores */
	struct rte_eth_dev_tx_buffer *txb[DP_MAX_PORTS];
	struct dp_fwd_txctx txctx[DP_MAX_PORTS];
};

/* Builds one context per forwarder, spreading RX queues round robin. Returns 0 or -errno. */
int dp_fwd_init(struct dp *dp, struct dp_fwd **ret, unsigned int n_fwd);
/*
 * Spreads the RX queues of every used port over the forwarders again and publishes the new
 * lists; returns once no forwarder polls from an old list. Returns 0 or -ENOMEM.
 */
int dp_fwd_rebuild(struct dp *dp);
void dp_fwd_free(struct dp_fwd *f, unsigned int n_fwd);
/* One poll round over every RX queue of 'f', then TX flush and RCU quiescent state. */
unsigned int dp_fwd_round(struct dp_fwd *f);
/* Sends what the TX buffers still hold (drain at exit). */
void dp_fwd_flush(struct dp_fwd *f);
/* lcore entry point for a worker: loops until dp->quit. 'arg' is its struct dp_fwd. */
int dp_fwd_lcore_main(void *arg);

/* Relaxed single-writer counter update: readers on other threads see whole values. */
#define DP_CNT_ADD(x, n) __atomic_store_n(&(x), (x) + (n), __ATOMIC_RELAXED)
#define DP_CNT_READ(x)   __atomic_load_n(&(x), __ATOMIC_RELAXED)

#endif
