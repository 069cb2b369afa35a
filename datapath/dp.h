/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared state of nfpath-dp: limits, the port table, chains and their hops, counters.
 * Every other file of the datapath includes this one. The forwarding lcores (fwd.c) read this
 * state without locks; the control plane (ctl-ops.c, telemetry.c) changes it under
 * dp->ctl_lock and publishes chain pointers with release stores, freeing old ones only after an
 * RCU grace period (rte_rcu_qsbr), so a burst never sees a half-written chain.
 */
#ifndef NFPATH_DP_H
#define NFPATH_DP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#define DP_MAX_PORTS      16
#define DP_MAX_QUEUES     16
#define DP_MAX_CHAINS     1024
#define DP_CHAIN_MAX_HOPS 8
#define DP_MAX_FLOWS      65536
#define DP_MAX_WORKERS    16
#define DP_BURST          32
#define DP_PORT_NAME_MAX  64

/*
 * What a hop of a chain does with a packet. A chain through NFs is [NF, PORT]: the NF hop
 * hands the packet to the NF chain 'nf' in shared memory (nf.c, nfpath/dp-abi.h), whose NFs
 * pass it on zero-copy; the PORT hop is where it leaves after the last NF.
 */
enum dp_hop_type {
	DP_HOP_PORT = 1, /* transmit on port 'port' */
	DP_HOP_NF = 2,   /* enqueue to the first live NF of shared-memory chain 'nf' */
};

struct dp_hop {
	uint8_t type;  /* enum dp_hop_type */
	uint16_t port; /* DP_HOP_PORT: index in dp->ports */
	uint16_t nf;   /* DP_HOP_NF: chain id in the NF table (dp_nf_chain) */
};

/* A chain is immutable once published: chain_set builds a new one and swaps the pointer. */
struct dp_chain {
	uint32_t id;
	uint32_t n_hops;
	struct dp_hop hops[DP_CHAIN_MAX_HOPS];
};

enum dp_drop_reason {
	DP_DROP_UNKNOWN_DST,     /* no classifier entry for (dst MAC, VLAN) */
	DP_DROP_NO_CHAIN,        /* the entry names a chain that is not set */
	DP_DROP_RUNT,            /* shorter than an Ethernet header */
	DP_DROP_TX_FULL,         /* the egress port's TX queue did not take it */
	DP_DROP_HOP_UNSUPPORTED, /* the chain's first hop is of a kind this build cannot run */
	DP_DROP_NF_DOWN,         /* an NF hop was down and its chain says drop (or no NF chain) */
	DP_DROP_NF_FULL,         /* the first NF's ring was full */
	DP_DROP_NF_BAD_PORT,     /* an NF sent a packet out of a port that does not exist */
	DP_DROP_MAX,
};

const char *dp_drop_reason_name(enum dp_drop_reason r);

/* Counters written by one forwarding lcore only; readers sum over workers. */
struct dp_worker_stats {
	uint64_t rx_pkts[DP_MAX_PORTS][DP_MAX_QUEUES];
	uint64_t rx_bytes[DP_MAX_PORTS][DP_MAX_QUEUES];
	uint64_t tx_pkts[DP_MAX_PORTS]; /* handed to the port's TX buffer */
	uint64_t tx_bytes[DP_MAX_PORTS];
	uint64_t tx_dropped[DP_MAX_PORTS]; /* of tx_pkts, refused by the TX queue */
	uint64_t chain_pkts[DP_MAX_CHAINS];
	uint64_t chain_bytes[DP_MAX_CHAINS];
	uint64_t drops[DP_DROP_MAX];
	uint64_t sw_classified; /* packets looked up in the software classifier */
	uint64_t hw_steered;    /* packets whose queue already named the chain */
	uint64_t hw_foreign;    /* packets on a chain's queue whose MAC+VLAN is not the chain's */
	uint64_t nf_delivered;  /* packets handed to the first NF of a chain */
	uint64_t nf_egress;     /* packets NFs sent out through the datapath */
	uint64_t nf_relayed;    /* packets NFs sent to an NF they have no edge into, relayed */
} __attribute__((aligned(64)));

struct dp_port {
	bool used;                   /* slot holds a live port (vhost ports come and go) */
	bool is_vhost;               /* created by vhost_add; removable */
	char vhost_path[108];        /* is_vhost: the vhost-user socket (server mode) */
	char name[DP_PORT_NAME_MAX]; /* DPDK device name */
	char devargs[256];
	uint16_t port_id; /* ethdev port id */
	uint16_t nb_rxq;
	uint16_t nb_txq;
	int socket; /* NUMA socket of the device (0 when the device does not say) */
	bool is_uplink;
	bool flow_isolated;
	struct rte_ether_addr mac;
	char rte_flow_cap[96]; /* what rte_flow_validate said at start (flow.c) */
	/* Chain that owns each RX queue (hardware steering); -1: classify in software. */
	int32_t queue_chain[DP_MAX_QUEUES];
	/* The (MAC, VLAN) key (struct dp_cls_key's 8 bytes) whose rule owns each queue: frames
	 * of other keys found there are classified in software (flow.c, fwd.c). */
	uint64_t queue_key[DP_MAX_QUEUES];
};

struct dp_opts;
struct dp_flow_table;
struct rte_hash;
struct rte_rcu_qsbr;
struct rte_mempool;
struct dp_nf_table;

struct dp {
	const struct dp_opts *opts;
	struct dp_port ports[DP_MAX_PORTS];
	unsigned int n_ports; /* slots in use or once used: ports[0..n_ports-1], check .used */
	struct rte_mempool *pools[8];           /* per NUMA socket; NULL where no port lives */
	struct dp_chain *chains[DP_MAX_CHAINS]; /* published with release stores */
	struct rte_hash *classifier;
	struct dp_nf_table *nf;             /* NF slots, services, chains in shared memory */
	int16_t nf_chain_of[DP_MAX_CHAINS]; /* NF-table chain of each chain through NFs, or -1 */
	struct dp_flow_table *flows;
	struct rte_rcu_qsbr *rcu;
	unsigned int n_workers;
	unsigned int worker_lcore[DP_MAX_WORKERS];
	bool main_forwards; /* no worker lcore: the main lcore forwards between control polls */
	unsigned int n_fwd; /* forwarders: n_workers, or 1 when the main lcore forwards */
	struct dp_fwd *fwd; /* [n_fwd] */
	struct dp_worker_stats *stats; /* [n_fwd] */
	pthread_mutex_t ctl_lock;      /* control plane vs telemetry; never taken per packet */
	volatile bool quit;
	uint64_t start_tsc;
};

struct dp_fwd;

/*
 * After rte_eal_init: finds the worker lcores, probes and starts the ports, creates mempools,
 * the classifier (for 'flow_entries' MACs), the flow table and the forwarding contexts.
 * Returns 0 or -errno (message printed). dp_teardown() undoes what was done, also after a
 * failed dp_setup(); it removes rte_flow rules first.
 */
int dp_setup(struct dp *dp, const struct dp_opts *o, unsigned int flow_entries);
void dp_teardown(struct dp *dp);

/* Sums every forwarder's counters into 'out' (control plane, telemetry). */
void dp_stats_sum(const struct dp *dp, struct dp_worker_stats *out);

#endif
