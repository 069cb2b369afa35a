/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The benchmarks' packet generators (nfpath-bench, peer-node --role gen) write a 64-byte header
 * into each packet they allocate and free each packet that comes back. Both touch lines a hop
 * on the other CPU used last, so each is a coherence transfer; these helpers ask for a whole
 * burst's lines at once (PREFETCHW where CPUID has it: DPDK's -march=corei7 turns
 * __builtin_prefetch(p, 1) into a read prefetch) so that the generator, which is one process on
 * one CPU, is not the first limit of a one-hop path. Both generators use them, so the
 * comparisons stay like for like.
 */
#ifndef NFPATH_BENCH_PREFETCH_H
#define NFPATH_BENCH_PREFETCH_H

#include <stdbool.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include <rte_mbuf.h>
#include <rte_prefetch.h>

static inline bool
bench_has_prefetchw(void)
{
#if defined(__x86_64__)
	unsigned int a, b, c, d;

	return __get_cpuid(0x80000001, &a, &b, &c, &d) && (c & (1u << 8));
#else
	return false;
#endif
}

/* Prefetch, for writing, the first data line of pkts[0 .. n). */
static inline void
bench_prefetch_burst_w(bool prefetchw, struct rte_mbuf *const *pkts, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		const char *p = rte_pktmbuf_mtod(pkts[i], const char *);

#if defined(__x86_64__)
		if (prefetchw) {
			__asm__ volatile("prefetchw %0" : : "m"(*p));
			continue;
		}
#endif
		(void)prefetchw;
		rte_prefetch0(p);
	}
}

/* Prefetch, for writing, the mbuf lines rte_pktmbuf_free_bulk() reads and may write: the first
 * (refcnt, pool) and the second (next), which the last hop's CPU wrote. */
static inline void
bench_prefetch_free(bool prefetchw, struct rte_mbuf *const *pkts, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		const char *m = (const char *)pkts[i];

#if defined(__x86_64__)
		if (prefetchw) {
			__asm__ volatile("prefetchw %0" : : "m"(*m));
			__asm__ volatile("prefetchw %0" : : "m"(*(m + RTE_CACHE_LINE_SIZE)));
			continue;
		}
#endif
		(void)prefetchw;
		rte_prefetch0(m);
		rte_prefetch0(m + RTE_CACHE_LINE_SIZE);
	}
}

#endif
