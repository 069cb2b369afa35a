// SPDX-License-Identifier: BSD-3-Clause
/* nf-forward: passes every packet to the next hop untouched (the cost of a hop, measured). */
#include "nf-common.h"

static void
forward(struct rte_mbuf **pkts, unsigned int n, void *arg)
{
	(void)pkts;
	(void)n;
	(void)arg;
}

int
main(int argc, char **argv)
{
	static const struct nf_ops ops = {.kind = "nf-forward", .handler = forward};

	return nf_main(argc, argv, &ops, NULL);
}
