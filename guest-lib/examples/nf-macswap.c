// SPDX-License-Identifier: BSD-3-Clause
/* nf-macswap: swaps source and destination MAC in place, then passes the packet on. */
#include <rte_ether.h>

#include "nf-common.h"

static void
macswap(struct rte_mbuf **pkts, unsigned int n, void *arg)
{
	(void)arg;
	for (unsigned int i = 0; i < n; i++) {
		struct rte_ether_hdr *eh = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);
		struct rte_ether_addr tmp;

		if (rte_pktmbuf_data_len(pkts[i]) < 2 * RTE_ETHER_ADDR_LEN)
			continue; /* a runt has no addresses to swap */
		tmp = eh->dst_addr;
		eh->dst_addr = eh->src_addr;
		eh->src_addr = tmp;
	}
}

int
main(int argc, char **argv)
{
	static const struct nf_ops ops = {.kind = "nf-macswap", .handler = macswap};

	return nf_main(argc, argv, &ops, NULL);
}
