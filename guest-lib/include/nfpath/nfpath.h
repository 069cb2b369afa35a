/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libnfpath: the library a network function links to. An NF is a DPDK secondary process of
 * nfpath-dp: after rte_eal_init(--proc-type=secondary, the datapath's --file-prefix) it attaches
 * to its slot by name, receives bursts of packets that still sit where the NIC wrote them,
 * processes them in place, sets an action on each, and hands them on. A hop costs one ring
 * transfer of a pointer; packet bytes are never copied.
 *
 *	struct nfp_nf *nf;
 *	rte_eal_init(argc, argv);                      // --proc-type=secondary ...
 *	nfp_attach("firewall", NULL, &nf);
 *	nfp_run(nf, handler, arg);                     // until nfp_stop() or SIGTERM/SIGINT
 *	nfp_detach(nf);
 *
 * A handler sees n packets, each with action NEXT; it may call nfp_pkt_drop(), nfp_pkt_out()
 * or nfp_pkt_to_nf() per packet. Every function here checks its arguments and returns -EINVAL
 * rather than asserting; none calls exit().
 */
#ifndef NFPATH_NFPATH_H
#define NFPATH_NFPATH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "nfpath/dp-abi.h"

#ifdef __cplusplus
extern "C" {
#endif

struct nfp_nf;

/* Options for nfp_attach(); NULL means the defaults. */
struct nfp_conf {
	/* Pin the calling thread to this CPU; -1: the slot's CPU if the datapath set one. */
	int cpu;
	/* Shared-core mode: sleep (futex) after idle_polls empty polls instead of spinning. */
	bool sleep_when_idle;
	/* Empty polls before sleeping in shared-core mode (default 64 when 0). */
	uint32_t idle_polls;
};

/*
 * Attach to the slot named 'name' that nfpath-dp created. The datapath must run with the same
 * --file-prefix. Returns 0 and sets *ret_nf, or
 *   -ENOENT  no datapath memzone, or no slot with that name
 *   -EPROTO  the datapath uses another ABI version (rebuild the NF against its headers)
 *   -EBUSY   another live process holds the slot
 *   -EINVAL  bad arguments, or not a DPDK secondary process
 *   -EOWNERDEAD the datapath that made the memzone is not running any more
 *   -ENOMEM
 */
int nfp_attach(const char *name, const struct nfp_conf *conf, struct nfp_nf **ret_nf);

/* Give the slot back (packets still held are freed). Returns 0 or -EINVAL. Accepts NULL. */
int nfp_detach(struct nfp_nf *nf);

/*
 * Receive up to n (<= DP_BURST_MAX) packets. The previous burst must have been handed on with
 * nfp_tx_burst() (-EBUSY otherwise). Returns the count (0 when idle), or -EINVAL / -EBUSY.
 */
int nfp_rx_burst(struct nfp_nf *nf, struct rte_mbuf **pkts, unsigned int n);

/*
 * Hand on the burst received last, in order, as each packet's action says: the next hop of its
 * chain (or the chain's egress after the last hop), a named NF, a port, or drop. Packets that
 * do not fit in the next ring are freed and counted (backpressure), never leaked.
 * Returns how many were handed on, or -EINVAL.
 */
int nfp_tx_burst(struct nfp_nf *nf, struct rte_mbuf **pkts, unsigned int n);

/* A burst handler: process pkts[0 .. n) in place and set their actions. */
typedef void (*nfp_handler_t)(struct rte_mbuf **pkts, unsigned int n, void *arg);

/*
 * Receive, call 'handler', hand on; until nfp_stop() or SIGINT/SIGTERM (which nfp_run
 * installs handlers for). Every 100 ms (also while asleep in shared-core mode) it checks that
 * the datapath still runs. Returns 0 when stopped, -EOWNERDEAD when the datapath is gone (see
 * nfp_exit_orphaned()), or another negative errno.
 */
int nfp_run(struct nfp_nf *nf, nfp_handler_t handler, void *arg);

/*
 * Is the datapath (the DPDK primary) still running? Two syscalls (a poll() of a pidfd, a
 * lock test on the EAL's runtime config); for NFs that run their own loop instead of
 * nfp_run(), a few times a second, never per packet. Returns 0, -EOWNERDEAD when it is gone
 * (and stays so), or -EINVAL.
 */
int nfp_datapath_check(struct nfp_nf *nf);

/* The datapath's pid as it published it (in its pid namespace), or -EINVAL. */
int nfp_datapath_pid(const struct nfp_nf *nf);

/*
 * After -EOWNERDEAD: a DPDK secondary cannot attach to a new primary (rte_eal_init() runs once
 * per process), so the NF must exit and be started again. Call this instead of
 * rte_eal_cleanup(), which would wait seconds for the dead primary; it removes this process's
 * files from the EAL's runtime directory. Then exit; nfp_detach() may still be called first.
 */
void nfp_exit_orphaned(void);

/* Make nfp_run() return after its current burst. Safe from a signal handler. */
void nfp_stop(struct nfp_nf *nf);

/* Slot id of the NF named 'name', for nfp_pkt_to_nf(); -ENOENT or -EINVAL. */
int nfp_nf_id(const struct nfp_nf *nf, const char *name);

/* This NF's counters (live, in shared memory), or NULL. */
const struct dp_nf_stats *nfp_stats(const struct nfp_nf *nf);

/* The packet mempool of the datapath (for NFs that create packets), or NULL. */
struct rte_mempool *nfp_mempool(const struct nfp_nf *nf);

/* Offset of the dp_meta mbuf field; set by nfp_attach(). Use the helpers below. */
extern int nfp_meta_offset;

/* The packet's nfpath metadata (chain, hop, action). */
static inline struct dp_meta *
nfp_pkt_meta(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, nfp_meta_offset, struct dp_meta *);
}

/* Drop this packet (counted as the NF's decision). */
static inline void
nfp_pkt_drop(struct rte_mbuf *m)
{
	nfp_pkt_meta(m)->action = DP_ACT_DROP;
}

/* Send this packet out of DPDK port 'port' through the datapath. */
static inline void
nfp_pkt_out(struct rte_mbuf *m, uint16_t port)
{
	nfp_pkt_meta(m)->action = DP_ACT_OUT;
	nfp_pkt_meta(m)->target = port;
}

/*
 * Send this packet to the NF with slot id 'id' (see nfp_nf_id()); it goes on with the packet's
 * chain after it. Through this NF's ring into it when a chain made one, else relayed by
 * nfpath-dp (one more ring transfer).
 */
static inline void
nfp_pkt_to_nf(struct rte_mbuf *m, uint16_t id)
{
	nfp_pkt_meta(m)->action = DP_ACT_TO_NF;
	nfp_pkt_meta(m)->target = id;
}

#ifdef __cplusplus
}
#endif

#endif /* NFPATH_NFPATH_H */
