/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The benchmarks' packet generators (nfpath-bench, peer-node --role gen) write a 64-byte header
 * into each packet they allocate and free each packet that comes back. Both touch lines a hop
 * on the other CPU used last, so each is a coherence transfer; these helpers ask for a whole
 * burst's lines at once (dp_prefetch_w() of nfpath/dp-hop.h, as libnfpath does) so that the
 * generator, one process on one CPU, is not the first limit of a one-hop path. Both generators
 * use them, so the comparisons stay like for like.
 */
#ifndef NFPATH_BENCH_PREFETCH_H
#define NFPATH_BENCH_PREFETCH_H

#include <stdbool.h>

#include <rte_mbuf.h>

#include "nfpath/dp-hop.h"

/* Prefetch, for writing, the first data line of pkts[0 .. n). */
static inline void
bench_prefetch_burst_w(bool prefetchw, struct rte_mbuf *const *pkts, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		dp_prefetch_w(prefetchw, rte_pktmbuf_mtod(pkts[i], const char *));
}

/*
 * Prefetch, for writing, the mbuf lines rte_pktmbuf_free_bulk() reads and may write: the first
 * (refcnt, pool) and the second (next), which the last hop's CPU wrote.
 */
static inline void
bench_prefetch_free(bool prefetchw, struct rte_mbuf *const *pkts, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		dp_prefetch_w(prefetchw, pkts[i]);
		dp_prefetch_w(prefetchw, (const char *)pkts[i] + RTE_CACHE_LINE_SIZE);
	}
}

#endif
