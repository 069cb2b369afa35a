/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The crash-safe ring hand-off between an NF (libnfpath) and nfpath-dp, in one place. An NF
 * records which ring it is dequeuing from or enqueuing to, and where that ring's tail stood,
 * before it touches the ring; when the NF dies, nfpath-dp reads the ring's head and tail to tell
 * what the ring owns from what the dead NF held, and voids the dead producer's (or consumer's)
 * reservation. That reads and writes rte_ring's head/tail fields, which DPDK does not publish as
 * an API: this header is the only code that does, it is checked against DPDK 22.11's layout at
 * compile time, and both sides (guest-lib/nfpath.c, datapath/nf.c) and the unit tests
 * (tests/unit/datapath/test-nf.c) call these functions rather than their own copies.
 *
 * Valid for rings in the default sync modes only (single or multi producer/consumer: struct
 * rte_ring_headtail); RTS and HTS rings lay out their head and tail differently, and
 * dp_ring_handoff_capable() refuses them.
 */
#ifndef NFPATH_DP_RING_H
#define NFPATH_DP_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ring.h>
#include <rte_version.h>

#include "nfpath/dp-abi.h"

#if RTE_VERSION < RTE_VERSION_NUM(22, 11, 0, 0) || RTE_VERSION >= RTE_VERSION_NUM(22, 12, 0, 0)
#error "nfpath/dp-ring.h reads rte_ring's head and tail as DPDK 22.11 lays them out (lib/ring/rte_ring_core.h): check them against this DPDK's, then widen this version range"
#endif

/* What the hand-off relies on, as DPDK 22.11 has it: 32-bit head and tail, head before tail,
 * in one struct per side, a sync type beside them. */
_Static_assert(sizeof(((struct rte_ring_headtail *)0)->head) == sizeof(uint32_t),
	       "rte_ring_headtail.head is not 32 bits");
_Static_assert(sizeof(((struct rte_ring_headtail *)0)->tail) == sizeof(uint32_t),
	       "rte_ring_headtail.tail is not 32 bits");
_Static_assert(offsetof(struct rte_ring_headtail, head) < offsetof(struct rte_ring_headtail, tail),
	       "rte_ring_headtail: head is not before tail");
_Static_assert(offsetof(struct rte_ring, prod) % RTE_CACHE_LINE_MIN_SIZE == 0 &&
		       offsetof(struct rte_ring, cons) % RTE_CACHE_LINE_MIN_SIZE == 0,
	       "rte_ring: prod and cons are not on cache lines of their own");
_Static_assert(sizeof(((struct rte_ring *)0)->prod) == sizeof(struct rte_ring_headtail),
	       "rte_ring.prod is not a struct rte_ring_headtail");

/* True when the hand-off may be used on 'r' (both sides in the default sync modes). */
static inline bool
dp_ring_handoff_capable(const struct rte_ring *r)
{
	return (r->prod.sync_type == RTE_RING_SYNC_ST || r->prod.sync_type == RTE_RING_SYNC_MT) &&
	       (r->cons.sync_type == RTE_RING_SYNC_ST || r->cons.sync_type == RTE_RING_SYNC_MT);
}

/* The producer's tail: everything before it is published to the consumer. */
static inline uint32_t
dp_ring_prod_tail(const struct rte_ring *r)
{
	return __atomic_load_n(&r->prod.tail, __ATOMIC_ACQUIRE);
}

/* The consumer's tail: everything before it has been taken. */
static inline uint32_t
dp_ring_cons_tail(const struct rte_ring *r)
{
	return __atomic_load_n(&r->cons.tail, __ATOMIC_ACQUIRE);
}

/* The ring's only producer died: void its reservation of what it never published. */
static inline void
dp_ring_void_prod(struct rte_ring *r)
{
	r->prod.head = r->prod.tail;
}

/* The ring's only consumer died mid-dequeue: void its reservation; the packets stay queued. */
static inline void
dp_ring_void_cons(struct rte_ring *r)
{
	r->cons.head = r->cons.tail;
}

/* ---- the NF's side (libnfpath) ---------------------------------------------------------- */

/*
 * About to dequeue from 'r' straight into s->inflight[] (s->rx_ring is 0: the last burst is
 * done): rx_head moves first, then rx_ring names the ring, so a non-zero rx_ring always comes
 * with its own rx_head.
 */
static inline void
dp_handoff_rx_begin(struct dp_nf_slot *s, struct rte_ring *r)
{
	__atomic_store_n(&s->rx_head, dp_ring_cons_tail(r), __ATOMIC_RELEASE);
	__atomic_store_n(&s->rx_ring, (uint64_t)(uintptr_t)r, __ATOMIC_RELEASE);
}

/* About to enqueue inflight[start .. start + n) to 'r', of which we are the only producer. */
static inline void
dp_handoff_tx_begin(struct dp_nf_slot *s, struct rte_ring *r, uint32_t start, uint32_t n)
{
	s->handoff_head = dp_ring_prod_tail(r);
	s->handoff_start = start;
	s->handoff_n = n;
	__atomic_store_n(&s->handoff_ring, (uint64_t)(uintptr_t)r, __ATOMIC_RELEASE);
}

/* The enqueue is over: inflight[0 .. done) are handed off. */
static inline void
dp_handoff_tx_end(struct dp_nf_slot *s, uint32_t done)
{
	__atomic_store_n(&s->inflight_done, done, __ATOMIC_RELEASE);
	__atomic_store_n(&s->handoff_ring, 0, __ATOMIC_RELEASE);
}

/* ---- the datapath's side, once the NF is dead ------------------------------------------- */

/*
 * How many packets a dead NF's cut-short dequeue left in inflight[] (its inflight_n was never
 * stored), or 0 when it was not dequeuing. 'cut' is the ring s->rx_ring named.
 */
static inline uint32_t
dp_handoff_rx_caught(const struct dp_nf_slot *s, const struct rte_ring *cut)
{
	return cut ? dp_ring_cons_tail(cut) - __atomic_load_n(&s->rx_head, __ATOMIC_ACQUIRE) : 0;
}

/*
 * Of the run a dead NF was handing to 'ho' (the ring s->handoff_ring named), how many the ring
 * published: those belong to the ring now; the dead producer's reservation of the rest is void.
 */
static inline uint32_t
dp_handoff_tx_published(const struct dp_nf_slot *s, const struct rte_ring *ho)
{
	uint32_t published = dp_ring_prod_tail(ho) - s->handoff_head;

	return published > s->handoff_n ? s->handoff_n : published;
}

#endif /* NFPATH_DP_RING_H */
