// SPDX-License-Identifier: BSD-3-Clause
/*
 * The NF used by nfpath-bench: reads the 64-byte header the generator wrote (as a real NF
 * would look at its headers) and passes the packet on. With --floor RING it is instead the
 * hop of the floor measurement: it dequeues from a plain SPSC rte_ring RING, prefetches each
 * packet's first data line as libnfpath's nfp_rx_burst() does, reads the same header and hands
 * the packet back on the SPSC ring RING_back (the generator frees it, as for a chain), with no
 * nfpath code at all.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_memzone.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "nfpath/nfpath.h"

static volatile uint64_t sink;
static volatile sig_atomic_t stop;

static inline uint64_t
read_header(struct rte_mbuf *m)
{
	const uint64_t *p = rte_pktmbuf_mtod(m, const uint64_t *);
	uint64_t s = 0;

	for (int i = 0; i < 8; i++)
		s += p[i];
	return s;
}

static void
handler(struct rte_mbuf **pkts, unsigned int n, void *arg)
{
	uint64_t s = 0;

	(void)arg;
	for (unsigned int i = 0; i < n; i++)
		s += read_header(pkts[i]);
	sink += s;
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int
run_floor(const char *ring_name)
{
	char back_name[RTE_RING_NAMESIZE];
	struct rte_ring *r = rte_ring_lookup(ring_name), *back;
	const struct rte_memzone *mz = rte_memzone_lookup("bench_floor_stats");
	struct rte_mbuf *pkts[32];
	uint64_t s = 0, *stats;

	snprintf(back_name, sizeof(back_name), "%s_back", ring_name);
	back = rte_ring_lookup(back_name);
	if (!r || !back || !mz) {
		fprintf(stderr, "nf-bench: no ring '%s', '%s' or stats memzone\n", ring_name,
			back_name);
		return 1;
	}
	/*
	 * [0] busy TSC cycles, [1] packets: the same accounting as nfp_run, the whole non-empty
	 * poll from before the dequeue to after the last packet is handed back.
	 */
	stats = mz->addr;
	signal(SIGTERM, on_signal);
	while (!stop) {
		uint64_t t0 = rte_rdtsc();
		unsigned int n = rte_ring_sc_dequeue_burst(r, (void **)pkts, 32, NULL), k = 0;

		if (!n)
			continue;
		for (unsigned int i = 0; i < n; i++)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
		for (unsigned int i = 0; i < n; i++)
			s += read_header(pkts[i]);
		while (k < n && !stop)
			k += rte_ring_sp_enqueue_burst(back, (void **)(pkts + k), n - k, NULL);
		if (k < n)
			rte_pktmbuf_free_bulk(pkts + k, n - k);
		__atomic_store_n(&stats[0], stats[0] + rte_rdtsc() - t0, __ATOMIC_RELAXED);
		__atomic_store_n(&stats[1], stats[1] + n, __ATOMIC_RELAXED);
	}
	sink = s;
	return 0;
}

int
main(int argc, char **argv)
{
	struct nfp_conf conf = {.cpu = -1};
	const char *name = NULL, *floor_ring = NULL;
	struct nfp_nf *nf;
	int r, c;

	r = rte_eal_init(argc, argv);
	if (r < 0) {
		fprintf(stderr, "nf-bench: EAL init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= r;
	argv += r;
	optind = 1;
	while ((c = getopt(argc, argv, "n:f:s")) != -1) {
		if (c == 'n')
			name = optarg;
		else if (c == 'f')
			floor_ring = optarg;
		else if (c == 's')
			conf.sleep_when_idle = true;
		else
			return 2;
	}
	if (floor_ring) {
		r = run_floor(floor_ring);
		rte_eal_cleanup();
		return r;
	}
	if (!name || nfp_attach(name, &conf, &nf) < 0) {
		fprintf(stderr, "nf-bench: cannot attach to '%s'\n", name ? name : "(none)");
		return 1;
	}
	r = nfp_run(nf, handler, NULL);
	nfp_detach(nf);
	rte_eal_cleanup();
	return r < 0;
}
