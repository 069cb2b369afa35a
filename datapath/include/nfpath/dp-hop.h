/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inline helpers shared by the datapath and libnfpath for the two things both sides do per
 * burst: registering the mbuf dynamic field, and handing packets to a slot's RX ring (waking
 * the NF if it sleeps in shared-core mode). Part of the published ABI with dp-abi.h.
 */
#ifndef NFPATH_DP_HOP_H
#define NFPATH_DP_HOP_H

#include <errno.h>
#include <linux/futex.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include <rte_mbuf.h>
#include <rte_errno.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "nfpath/dp-abi.h"

/* Does this CPU have PREFETCHW (CPUID 0x80000001 ECX bit 8)? Ask once, keep the answer. */
static inline bool
dp_cpu_has_prefetchw(void)
{
#if defined(__x86_64__)
	unsigned int a, b, c, d;

	return __get_cpuid(0x80000001, &a, &b, &c, &d) && (c & (1u << 8));
#else
	return false;
#endif
}

/*
 * Fetch a cache line we are about to write, in exclusive state when the CPU can ('prefetchw',
 * from dp_cpu_has_prefetchw()): one ownership transfer from the CPU that wrote it last instead
 * of a shared read and then an upgrade. Not DPDK's rte_prefetch0_write(): that is
 * __builtin_prefetch(p, 1, 3), which the compiler turns into a plain read prefetch under
 * DPDK's -march=corei7 (no PRFCHW).
 */
static inline void
dp_prefetch_w(bool prefetchw, const void *p)
{
#if defined(__x86_64__)
	if (prefetchw) {
		__asm__ volatile("prefetchw %0" : : "m"(*(const char *)p));
		return;
	}
#endif
	(void)prefetchw;
	rte_prefetch0(p);
}

/*
 * Register (or look up, in a secondary process) the dp_meta dynamic field.
 * Returns its offset, or -rte_errno.
 */
static inline int
dp_meta_register(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = DP_DYNFIELD_NAME,
		.size = sizeof(struct dp_meta),
		.align = __alignof__(struct dp_meta),
	};
	int off = rte_mbuf_dynfield_register(&desc);

	return off < 0 ? -rte_errno : off;
}

/*
 * The slot's 'sleeping' word: DP_SLOT_SLEEPER is set for the whole attachment of an NF in
 * shared-core mode (libnfpath stores it before the slot turns ATTACHED, so a producer that
 * found the slot up sees it), DP_SLOT_ASLEEP while that NF waits on 'wake'. An NF that busy-polls
 * leaves the word 0, and its producers skip the fence below: with the consumer on another CPU
 * the fence waits for the ring's tail store to reach a line the consumer holds, 120-135 ns per
 * enqueue of 32 (tests/bench/README.md, hotpath-bench).
 */
#define DP_SLOT_ASLEEP  1u
#define DP_SLOT_SLEEPER 2u

/*
 * Wake the slot's NF if it sleeps. One syscall per sleep: the first producer to see it asleep
 * takes it (clears DP_SLOT_ASLEEP) and wakes; later enqueues before the NF gets its CPU back (on
 * a shared core, until the current process gives it up) see it awake and skip the syscall.
 */
static inline void
dp_slot_wake(struct dp_nf_slot *s)
{
	if (!__atomic_load_n(&s->sleeping, __ATOMIC_RELAXED))
		return; /* an NF that never sleeps */
	/* Order our enqueue before reading 'sleeping'; pairs with the NF's fence before it sleeps.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if ((__atomic_load_n(&s->sleeping, __ATOMIC_RELAXED) & DP_SLOT_ASLEEP) &&
	    (__atomic_fetch_and(&s->sleeping, ~DP_SLOT_ASLEEP, __ATOMIC_ACQ_REL) &
	     DP_SLOT_ASLEEP)) {
		__atomic_fetch_add(&s->wake, 1, __ATOMIC_RELEASE);
		syscall(SYS_futex, &s->wake, FUTEX_WAKE, 1, NULL, NULL, 0);
	}
}

/*
 * Enqueue up to n packets to slot 's' through its RX ring, which only the datapath feeds
 * (multi-producer among its forwarding threads; it also relays nfp_pkt_to_nf() there). Returns how
 * many were enqueued; the caller owns and frees the rest.
 */
static inline unsigned int
dp_slot_enqueue(struct dp_nf_slot *s, struct rte_mbuf **pkts, unsigned int n)
{
	unsigned int k =
		rte_ring_mp_enqueue_burst((struct rte_ring *)s->rx, (void **)pkts, n, NULL);

	if (k)
		dp_slot_wake(s);
	return k;
}

/* The ring through which slot 'from' feeds slot 'to' (an edge of a chain), or NULL. */
static inline struct rte_ring *
dp_slot_edge(const struct dp_nf_slot *to, uint32_t from)
{
	uint32_t n = __atomic_load_n(&to->nedges, __ATOMIC_ACQUIRE);

	for (uint32_t i = 0; i < n && i < DP_MAX_EDGES; i++)
		if (to->edge_from[i] == from + 1)
			return (struct rte_ring *)to->edge[i];
	return NULL;
}

/* Is the slot's NF attached (so feeding it makes sense)? */
static inline int
dp_slot_up(const struct dp_nf_slot *s)
{
	return __atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == DP_NF_ATTACHED;
}

/*
 * The replica of service 'svc' for a flow: slots[flow_hash % nreplicas] if it is up, else the
 * next live replica (the flow moves only while its replica is down). NULL when none is up.
 */
static inline struct dp_nf_slot *
dp_service_pick(struct dp_shm *shm, uint16_t svc, uint16_t flow_hash)
{
	const struct dp_service *sv = &shm->services[svc % DP_MAX_SERVICES];
	uint32_t n = sv->nreplicas;

	if (n == 1) {
		struct dp_nf_slot *s = &shm->slots[sv->slots[0]];

		return dp_slot_up(s) ? s : NULL;
	}
	for (uint32_t i = 0; i < n && n <= DP_MAX_REPLICAS; i++) {
		struct dp_nf_slot *s = &shm->slots[sv->slots[(flow_hash + i) % n]];

		if (dp_slot_up(s))
			return s;
	}
	return NULL;
}

/*
 * First live hop of 'c' at or after index 'h' for a flow, honouring on_down. Returns the hop
 * index and sets *ret_slot to the replica to feed; returns c->nhops when the packet should go
 * to egress (every remaining hop bypassed), or -1 when it must be dropped (a down hop in a
 * chain whose on_down is DROP).
 */
static inline int
dp_chain_next_live(struct dp_shm *shm, const struct dp_nf_chain *c, unsigned int h,
		   uint16_t flow_hash, struct dp_nf_slot **ret_slot)
{
	for (; h < c->nhops; h++) {
		struct dp_nf_slot *s = dp_service_pick(shm, c->hops[h], flow_hash);

		if (s) {
			*ret_slot = s;
			return (int)h;
		}
		if (c->on_down != DP_ON_DOWN_BYPASS)
			return -1;
	}
	return (int)c->nhops;
}

#endif /* NFPATH_DP_HOP_H */
