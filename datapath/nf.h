/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The datapath's side of zero-copy NF chaining: the shared memzone (nfpath/dp-abi.h), NF
 * slots with their rings, chains of slots, delivery of classified packets to a chain's first
 * hop, collection of NF egress, and the pidfd watch that reclaims a dead NF's packets.
 * Called only from nfpath-dp's main thread (slots, chains, poll) and its forwarding lcore
 * (deliver, collect); the per-packet functions take no lock and make no syscall, except a
 * futex wake when the consumer sleeps (shared-core mode).
 */
#ifndef NFPATH_DP_NF_H
#define NFPATH_DP_NF_H

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>

#include "nfpath/dp-abi.h"

/* Per-chain counters kept by the datapath (not shared). */
struct dp_chain_stats {
	uint64_t delivered; /* packets enqueued to the chain's first live hop */
	uint64_t drop_full; /* first hop's ring full */
	uint64_t drop_down; /* hop down and the chain says drop (or no live hop) */
};

struct dp_nf_table {
	const struct rte_memzone *mz;   /* holds 'shm' */
	struct dp_shm *shm;             /* the shared state NFs attach to */
	struct rte_mempool *pool;       /* packet mempool; NF in-flight packets return here */
	int meta_offset;                /* mbuf dynamic field offset of struct dp_meta */
	int pidfd[DP_MAX_NFS];          /* -1 when the slot has no watched process */
	uint32_t pidfd_gen[DP_MAX_NFS]; /* slot generation the pidfd was opened for */
	struct dp_chain_stats chain_stats[DP_NF_MAX_CHAINS];
	uint64_t reclaimed; /* packets freed on behalf of dead NFs */
	uint64_t deaths;    /* NF processes seen dying */
};

/*
 * Reserve the memzone and register the mbuf dynamic field. 'pool' is the mempool NFs may use.
 * Returns 0, -EEXIST (another datapath with this file prefix), -ENOMEM, or -rte_errno.
 */
int dp_nf_table_init(struct dp_nf_table *t, struct rte_mempool *pool, int socket);

/* Reclaim every slot's packets, free rings and the memzone. Accepts a zeroed table. */
void dp_nf_table_fini(struct dp_nf_table *t);

/*
 * Create a slot named 'name', a replica of service 'service' (the NF name chains use; NULL:
 * the slot's own name), with rings of 'ring_size' entries (a power of two, >= 64) on
 * 'socket'; 'cpu' is the CPU the NF should pin to (-1: none). Returns 0 and sets *ret_id,
 * -EEXIST (name taken), -ENOSPC (no free slot, service or replica place), -EINVAL, or
 * -rte_errno.
 */
int dp_nf_slot_add(struct dp_nf_table *t, const char *name, const char *service, uint32_t ring_size,
		   int socket, int cpu, uint16_t *ret_id);

/*
 * Remove slot 'id': it must have no process attached (-EBUSY). Its queued packets are freed
 * and it leaves its service; chains through a service left empty see that hop as down.
 * Returns 0, -ENOENT or -EBUSY.
 */
int dp_nf_slot_del(struct dp_nf_table *t, uint16_t id);

/* Slot id by slot name, or -ENOENT. */
int dp_nf_slot_find(const struct dp_nf_table *t, const char *name);

/* Service id by name, or -ENOENT. */
int dp_nf_service_find(const struct dp_nf_table *t, const char *name);

/*
 * Symmetric flow hash of an Ethernet frame (IPv4/IPv6 addresses, TCP/UDP/SCTP ports, through
 * up to two VLAN tags): equal for both directions of a flow. 0 for frames it cannot parse.
 */
uint16_t dp_nf_flow_hash(const struct rte_mbuf *m);

/*
 * Set chain 'id' to the named hops (service names) then 'egress_port' (DP_PORT_DROP: drop).
 * Returns 0, -EINVAL (bad id, no hops, too many, a hop twice), -ENOENT (unknown hop).
 */
int dp_nf_chain_set(struct dp_nf_table *t, uint16_t id, const char *const *hops, uint32_t nhops,
		    uint16_t egress_port, enum dp_on_down on_down);

/* Remove chain 'id'. Returns 0 or -ENOENT. */
int dp_nf_chain_del(struct dp_nf_table *t, uint16_t id);

/*
 * Hand 'n' packets to chain 'id': tags each with the chain and its flow hash and enqueues it
 * to the first live hop's replica for its flow. When every hop is down and bypassed, the packets go
 * straight to egress instead: they are left in pkts[0 .. *ret_nout) tagged DP_ACT_OUT for the
 * caller to transmit. Everything else is owned by the chain: what could not be enqueued is freed
 * and counted. Returns the number enqueued.
 */
uint16_t dp_nf_deliver(struct dp_nf_table *t, uint16_t id, struct rte_mbuf **pkts, uint16_t n,
		       uint16_t *ret_nout, struct dp_chain_stats *cs);

/*
 * Dequeue up to 'max' packets that slot 'slot' sent to egress. Each carries its port in
 * dp_meta.target (DP_ACT_OUT). Returns the count.
 */
uint16_t dp_nf_collect(struct dp_nf_table *t, uint16_t slot, struct rte_mbuf **pkts, uint16_t max);

/*
 * Watch attaches and deaths: opens a pidfd for each newly attached NF, and for each NF that
 * died reclaims its packets (in-flight burst and RX ring) and makes its slot WAITING again so
 * a restarted NF can reattach. Call periodically from the control thread. Returns the number
 * of state changes seen, or a negative errno.
 */
int dp_nf_poll(struct dp_nf_table *t);

/* The dp_meta field of an mbuf. */
static inline struct dp_meta *
dp_nf_meta(const struct dp_nf_table *t, struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, t->meta_offset, struct dp_meta *);
}

#endif /* NFPATH_DP_NF_H */
