/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shared-memory ABI between nfpath-dp (the DPDK primary process) and the NF processes that
 * link libnfpath (DPDK secondary processes). Everything here lives in one memzone
 * (DP_SHM_MEMZONE) in hugepages that both map at the same virtual address, so ring pointers
 * stored here are valid in every process.
 *
 * Packets never move: a hop is one rte_ring transfer of an mbuf pointer. The mbuf dynamic field
 * DP_DYNFIELD_NAME carries the packet's chain, hop and the action its current NF chose.
 *
 * Who writes what: the datapath creates slots and chains; an NF claims a WAITING slot by name
 * (compare-and-swap to ATTACHED), then writes only its own stats and in-flight record. The
 * datapath watches each attached NF with a pidfd and reclaims its packets when it dies.
 * Change anything here and bump NFPATH_ABI_VERSION: an NF built for another layout is refused.
 */
#ifndef NFPATH_DP_ABI_H
#define NFPATH_DP_ABI_H

#include <stdint.h>

#define NFPATH_ABI_VERSION 3

#define DP_SHM_MEMZONE   "nfpath_shm"
#define DP_DYNFIELD_NAME "nfpath_dynfield_meta"
#define DP_NAME_LEN      32
#define DP_MAX_NFS       64
#define DP_NF_MAX_CHAINS 64
#define DP_NF_MAX_HOPS   16
#define DP_MAX_SERVICES  64
#define DP_MAX_REPLICAS  8
#define DP_BURST_MAX     32
#define DP_MAX_EDGES     8 /* upstream NFs feeding one slot through rings of their own */
#define DP_CACHE_LINE    64

/* What an NF asks for a packet (dp_meta.action). */
enum dp_action {
	DP_ACT_NEXT = 0,  /* the next hop of the packet's chain, or the chain's egress */
	DP_ACT_TO_NF = 1, /* the NF in slot dp_meta.target */
	DP_ACT_OUT = 2,   /* out of port dp_meta.target, through the datapath */
	DP_ACT_DROP = 3,  /* free it, counted as an NF decision */
};

/* The per-packet mbuf dynamic field (8 bytes). */
struct dp_meta {
	uint16_t chain;     /* chain id (index into dp_shm.chains), set by the classifier */
	uint8_t hop;        /* index of the hop currently holding the packet */
	uint8_t action;     /* enum dp_action, set by the NF; NEXT when untouched */
	uint16_t target;    /* TO_NF: slot id; OUT: DPDK port id */
	uint16_t flow_hash; /* symmetric flow hash (both directions equal): picks a replica */
};
_Static_assert(sizeof(struct dp_meta) == 8, "dp_meta is one 8-byte dynamic field");

/* dp_nf_slot.state */
enum dp_nf_state {
	DP_NF_FREE = 0,     /* unused slot */
	DP_NF_WAITING = 1,  /* created by the datapath, no process attached */
	DP_NF_ATTACHED = 2, /* a live process owns it */
	DP_NF_DEAD = 3,     /* its process died; the datapath is reclaiming its packets */
};

/* What a chain does with packets for a hop whose NF is not attached. */
enum dp_on_down {
	DP_ON_DOWN_DROP = 0,   /* drop them, counted per chain */
	DP_ON_DOWN_BYPASS = 1, /* skip the hop */
};

/* Counters an NF writes (one writer: the NF; read by the datapath's stats). */
struct dp_nf_stats {
	uint64_t rx;          /* packets dequeued */
	uint64_t tx;          /* packets handed to another NF */
	uint64_t out;         /* packets handed to the datapath for egress */
	uint64_t drop_action; /* DP_ACT_DROP */
	uint64_t drop_full;   /* the next ring was full (backpressure) */
	uint64_t drop_down;   /* the next hop was down and the chain says drop */
	uint64_t drop_bad;    /* an action named a missing NF, port or chain */
	uint64_t wakeups;     /* times the NF woke from sleep (shared-core mode) */
	uint64_t busy_cycles; /* TSC cycles of non-empty polls: receive, handler, hand-off */
	uint64_t retries;     /* enqueue retries while the next ring was full */
	uint64_t reserved[6]; /* zero */
};
_Static_assert(sizeof(struct dp_nf_stats) == 2 * DP_CACHE_LINE, "dp_nf_stats is two lines");

struct dp_nf_slot {
	/* Cache line 0: set by the datapath at slot creation, read-only for NFs. */
	char name[DP_NAME_LEN];  /* unique slot name the process attaches by */
	void *rx;                /* struct rte_ring *: only the datapath feeds it */
	void *tx;                /* struct rte_ring *: to the datapath: OUT egress, NEXT relay */
	uint32_t id;             /* index in dp_shm.slots */
	int32_t socket;          /* NUMA socket of the rings */
	int32_t cpu;             /* CPU the NF should pin to, -1 for none */
	uint16_t ring_size_log2; /* rx and tx have 1 << this entries */
	uint16_t service;        /* the service (dp_shm.services) this slot is a replica of */
	/* Cache line 1: lifecycle, written by both sides with atomics. */
	uint32_t state;      /* enum dp_nf_state */
	int32_t pid;         /* process that attached, 0 when none */
	uint32_t generation; /* bumped by every attach */
	uint32_t sleeping;   /* 1 while the NF waits on 'wake' (futex word below) */
	uint32_t wake;       /* futex word producers bump to wake a sleeping NF */
	/*
	 * edge[0 .. nedges) below are published (release) by the datapath; an NF reads nedges
	 * (acquire) before the entries.
	 */
	uint32_t nedges;
	uint8_t pad1[64 - 24];
	/* Cache lines 2-3: written by the NF only. */
	struct dp_nf_stats stats;
	/*
	 * Cache lines 4-8: the burst the NF holds, so that the datapath can tell after a crash
	 * which packets nobody owns any more, and free exactly those:
	 *  - receive: rx_ring is the ring being dequeued from (RX or an edge; 0 while none) and
	 *    rx_head its consumer tail before the dequeue, which writes straight into inflight[];
	 *    while inflight_n is 0, inflight[0 .. cons.tail - rx_head) is what a crash caught
	 *    between the dequeue and the store of inflight_n. rx_ring is cleared before rx_head
	 *    moves and set after, so a non-zero rx_ring always comes with its own rx_head;
	 *  - hand-off to a single-producer ring: handoff_{head,start,n} then handoff_ring are
	 *    stored before the enqueue; the ring's producer tail then tells how many of the run
	 *    were published (owned by the ring) and which were not (freed);
	 *  - inflight_done: packets before it were handed off. On a multi-producer hand-off it
	 *    moves before the enqueue (a crash there can leak that run, never free twice).
	 */
	uint32_t inflight_n;    /* packets in inflight[] */
	uint32_t inflight_done; /* how many of them were handed off or freed */
	uint64_t handoff_ring;  /* struct rte_ring * being enqueued to single-producer, or 0 */
	uint32_t handoff_head;  /* that ring's producer tail before the enqueue */
	uint32_t handoff_start; /* index in inflight[] of the run */
	uint32_t handoff_n;     /* length of the run */
	uint32_t rx_head;       /* rx_ring's consumer tail before the current dequeue */
	uint64_t rx_ring;       /* struct rte_ring * being dequeued from, or 0 */
	uint8_t pad2[64 - 40];
	void *inflight[DP_BURST_MAX]; /* struct rte_mbuf * */
	/*
	 * Cache lines 9-10: edges, set by the datapath from the chains. Each NF that feeds this
	 * one as a chain's previous hop has a ring of its own, single-producer and
	 * single-consumer: edge[i] is fed by slot edge_from[i] - 1 only. No ring an NF hands to
	 * in a chain has a second producer, so an NF that dies in a hand-off can stall nobody,
	 * and its record above says exactly what it published. Edges stay while this slot
	 * exists (an edge whose producer slot was deleted is reused by the next slot with that
	 * id).
	 */
	void *edge[DP_MAX_EDGES];         /* struct rte_ring * */
	uint16_t edge_from[DP_MAX_EDGES]; /* producer slot id + 1 */
	uint8_t pad3[128 - 8 * DP_MAX_EDGES - 2 * DP_MAX_EDGES];
} __attribute__((aligned(DP_CACHE_LINE)));
_Static_assert(sizeof(void *) == 8, "64-bit only");
_Static_assert(sizeof(struct dp_nf_slot) == 11 * DP_CACHE_LINE, "slot layout");
_Static_assert(__builtin_offsetof(struct dp_nf_slot, state) == DP_CACHE_LINE, "slot layout");
_Static_assert(__builtin_offsetof(struct dp_nf_slot, stats) == 2 * DP_CACHE_LINE, "slot layout");

struct dp_nf_chain {
	uint32_t active;               /* 1 when in use */
	uint32_t nhops;                /* hops[0 .. nhops) */
	uint16_t hops[DP_NF_MAX_HOPS]; /* service ids in order (dp_shm.services) */
	uint16_t egress_port;          /* DPDK port after the last hop; DP_PORT_DROP to drop */
	uint8_t on_down;               /* enum dp_on_down */
	uint8_t pad[64 - 8 - 2 * DP_NF_MAX_HOPS - 3];
} __attribute__((aligned(DP_CACHE_LINE)));
_Static_assert(sizeof(struct dp_nf_chain) == DP_CACHE_LINE, "one chain per cache line");

#define DP_PORT_DROP 0xffff

/*
 * A service: the replicas (slots) of one NF. A chain hop names a service; a packet goes to
 * replica slots[flow_hash % nreplicas], so both directions of a flow meet the same replica.
 */
struct dp_service {
	char name[DP_NAME_LEN];          /* the NF name chains use */
	uint32_t nreplicas;              /* slots[0 .. nreplicas) */
	uint16_t slots[DP_MAX_REPLICAS]; /* slot ids */
	uint8_t pad[64 - DP_NAME_LEN - 4 - 2 * DP_MAX_REPLICAS];
} __attribute__((aligned(DP_CACHE_LINE)));
_Static_assert(sizeof(struct dp_service) == DP_CACHE_LINE, "one service per cache line");

struct dp_shm {
	uint32_t abi_version;      /* NFPATH_ABI_VERSION of the datapath */
	uint32_t shm_size;         /* sizeof(struct dp_shm) of the datapath */
	uint32_t slot_size;        /* sizeof(struct dp_nf_slot) */
	uint32_t max_nfs;          /* DP_MAX_NFS */
	uint32_t max_chains;       /* DP_NF_MAX_CHAINS */
	int32_t dp_pid;            /* the datapath's pid */
	char mempool[DP_NAME_LEN]; /* name of the packet mempool NFs may allocate from */
	uint8_t pad[64 - 24 - DP_NAME_LEN];
	struct dp_nf_chain chains[DP_NF_MAX_CHAINS];
	struct dp_service services[DP_MAX_SERVICES];
	struct dp_nf_slot slots[DP_MAX_NFS];
} __attribute__((aligned(DP_CACHE_LINE)));
_Static_assert(__builtin_offsetof(struct dp_shm, chains) == DP_CACHE_LINE, "shm layout");

#endif /* NFPATH_DP_ABI_H */
