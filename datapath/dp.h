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

#include "nfpath/dp-abi.h" /* DP_BURST_MAX: one burst size for the datapath and its NFs */

#define DP_MAX_ETH_PORTS  16   /* --port devices (ethdevs), probed at start */
#define DP_MAX_VM_PORTS   1024 /* --max-vm-ports upper bound (RTE_MAX_VHOST_DEVICE) */
#define DP_DEF_VM_PORTS   256  /* --max-vm-ports default */
#define DP_MAX_QUEUES     16
#define DP_MAX_CHAINS     1024
#define DP_CHAIN_MAX_HOPS 8
#define DP_MAX_FLOWS      65536
#define DP_MAX_WORKERS    16
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
	DP_DROP_NO_PEER,     /* sent to a VM port whose guest is not connected (or its queue off) */
	DP_DROP_SPOOFED,     /* a VM port's frame with a source MAC not its workload's (spoofchk) */
	DP_DROP_FLOOD_EMPTY, /* broadcast/multicast with no other port of its VLAN to go to */
	DP_DROP_TX_OVERSIZE, /* longer than the egress port's MTU allows: the device would drop it
			      */
	DP_DROP_MAX,
};

const char *dp_drop_reason_name(enum dp_drop_reason r);

/* Relaxed single-writer counter update: readers on other threads see whole values. */
#define DP_CNT_ADD(x, n) __atomic_store_n(&(x), (x) + (n), __ATOMIC_RELAXED)
#define DP_CNT_READ(x)   __atomic_load_n(&(x), __ATOMIC_RELAXED)

/* Counters written by one forwarding lcore only; readers sum over workers. */
struct dp_worker_stats {
	/* RX per queue of the ethdev ports (VM ports count in dp_port_stats only) */
	uint64_t rxq_pkts[DP_MAX_ETH_PORTS][DP_MAX_QUEUES];
	uint64_t rxq_bytes[DP_MAX_ETH_PORTS][DP_MAX_QUEUES];
	uint64_t chain_pkts[DP_MAX_CHAINS];
	uint64_t chain_bytes[DP_MAX_CHAINS];
	uint64_t drops[DP_DROP_MAX];
	uint64_t sw_classified; /* packets looked up in the software classifier */
	uint64_t hw_steered;    /* packets whose queue already named the chain */
	uint64_t hw_foreign;    /* packets on a chain's queue whose MAC+VLAN is not the chain's */
	uint64_t nf_delivered;  /* packets handed to the first NF of a chain */
	uint64_t nf_egress;     /* packets NFs sent out through the datapath */
	uint64_t nf_relayed;    /* packets NFs sent to an NF they have no edge into, relayed */
	uint64_t vm_egress;     /* unicast from a VM port to no local MAC: out of the uplink */
	uint64_t flooded;       /* broadcast/multicast frames flooded in their VLAN */
	uint64_t flood_copies;  /* deliveries of those (references, not copies) */
} __attribute__((aligned(64)));

/*
 * Per port and forwarder, indexed by port; what every packet touches is on the first cache line:
 * the cost per packet does not grow with the number of ports. tx_* count what the device (or the
 * guest's ring) took.
 */
struct dp_port_stats {
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t tx_full;    /* refused by the TX queue / the guest's ring */
	uint64_t tx_no_peer; /* VM port without a connected guest */
	uint64_t spoofed;    /* received with a foreign source MAC, dropped */
	uint64_t flood_in;   /* broadcast/multicast received and flooded */
	/* On the second line: written only when a frame is dropped for it. */
	uint64_t tx_oversize; /* longer than the port's MTU allows, dropped before TX */
} __attribute__((aligned(64)));

enum dp_port_kind {
	DP_PORT_ETH = 0,   /* an ethdev from --port (uplink, net_null, net_ring, ...) */
	DP_PORT_VHOST = 1, /* a VM port: DPDK's vhost library, no ethdev */
};

struct dp_port {
	bool used;    /* slot holds a live port (VM ports come and go) */
	uint8_t kind; /* enum dp_port_kind */
	bool is_uplink;
	bool flow_isolated;
	char name[DP_PORT_NAME_MAX]; /* DPDK device name; net_vhost_NAME for VM ports */
	char devargs[256];
	uint16_t port_id; /* DP_PORT_ETH: ethdev port id */
	uint16_t nb_rxq;
	uint16_t nb_txq;
	int socket; /* NUMA socket of the device (0 when the device does not say) */
	struct rte_ether_addr mac;
	char rte_flow_cap[96]; /* what rte_flow_validate said at start (flow.c) */
	/* Longest untagged frame (Ethernet header included) the device sends: its interface's
	 * MTU + 14 (a VLAN tag may add 4); UINT32_MAX when the device has no MTU we can read. */
	uint32_t tx_max_len;
	/* Chain that owns each RX queue (hardware steering); -1: classify in software. */
	int32_t queue_chain[DP_MAX_QUEUES];
	/* The (MAC, VLAN) key (struct dp_cls_key's 8 bytes) whose rule owns each queue: frames
	 * of other keys found there are classified in software (flow.c, fwd.c). */
	uint64_t queue_key[DP_MAX_QUEUES];
	/* The workload behind a VM port: its MAC (spoofchk) and VLAN (flooding). */
	bool has_wl_mac;
	bool spoofchk;
	uint16_t vlan;   /* 0: untagged */
	uint16_t uplink; /* index of the port its unknown unicast and floods leave by */
	struct rte_ether_addr wl_mac;
	/* DP_PORT_VHOST (vhost.c): written under dp->vh_lock, read by forwarders. */
	bool vhost_client;    /* we connect (QEMU serves the socket) */
	bool running;         /* new_device seen, destroy_device not yet */
	int vid;              /* vhost device id, -1 without a guest; release stores */
	uint16_t tx_qp;       /* guest RX queues enabled (we enqueue to 0 .. tx_qp-1) */
	uint64_t vring_on;    /* bit per vring that the guest enabled */
	uint32_t connects;    /* guests that came (new_device) */
	uint32_t disconnects; /* and went */
	char vhost_path[108]; /* the vhost-user socket */
};

struct dp_opts;
struct dp_flow_table;
struct rte_hash;
struct rte_rcu_qsbr;
struct rte_mempool;
struct dp_nf_table;

struct dp {
	const struct dp_opts *opts;
	struct dp_port *ports;  /* [max_ports]: ethdevs first, then VM ports; never moves */
	unsigned int max_ports; /* ethdevs + --max-vm-ports */
	unsigned int n_eth;     /* ports[0 .. n_eth) are the --port ethdevs */
	unsigned int n_ports;   /* slots in use or once used: ports[0..n_ports-1], check .used */
	unsigned int n_vm;      /* VM ports in use */
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
	struct dp_port_stats *pstats;  /* [n_fwd * max_ports] */
	struct dp_flood *flood[4096];  /* per VLAN: the VM ports floods reach; RCU */
	pthread_mutex_t ctl_lock;      /* control plane vs telemetry; never taken per packet */
	/* VM port state, written by the control thread and vhost's callbacks, held briefly and
	 * never across a grace period or rte_vhost_driver_unregister. Order: ctl_lock, fwd_lock,
	 * vh_lock. */
	pthread_mutex_t vh_lock;
	pthread_mutex_t fwd_lock; /* serialises poll-list and flood-list publication */
	bool vh_dirty;            /* a guest changed its rings: the control thread republishes */
	long vhost_gid;           /* --vhost-group's gid, -1 when it does not exist */
	int16_t *vid_port;        /* [DP_MAX_VM_PORTS]: port index of a vhost device id, -1 */
	uint64_t *vid_vring_on;   /* [DP_MAX_VM_PORTS]: vrings enabled before new_device */
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

/* VM ports of one VLAN that broadcast and multicast reach; immutable, replaced under RCU. */
struct dp_flood {
	unsigned int n;
	uint16_t port[];
};

/* Sums every forwarder's counters into 'out' (control plane, telemetry). */
void dp_stats_sum(const struct dp *dp, struct dp_worker_stats *out);
/* Sums port 'idx''s counters over the forwarders. */
void dp_port_stats_sum(const struct dp *dp, unsigned int idx, struct dp_port_stats *out);
/* This forwarder's counters of port 'idx'. */
static inline struct dp_port_stats *
dp_pstats(const struct dp *dp, unsigned int fwd, unsigned int idx)
{
	return &dp->pstats[(size_t)fwd * dp->max_ports + idx];
}

#endif
