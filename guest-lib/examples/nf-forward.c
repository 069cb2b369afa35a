// SPDX-License-Identifier: BSD-3-Clause
/*
 * nf-forward: passes every packet to the next hop untouched (the cost of a hop, measured).
 * With --to NAME it sends every packet to the NF named NAME instead (nfp_pkt_to_nf()); that
 * NF goes on with the packet's chain after it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nf-common.h"

struct fwd {
	char to[DP_NAME_LEN]; /* --to NAME, or "" */
	uint16_t to_id;       /* its slot id, from start() */
};

static int
option(void *arg, const char *key, const char *value)
{
	struct fwd *f = arg;

	if (strcmp(key, "to") != 0) {
		fprintf(stderr, "nf-forward: unknown option '--%s'\n", key);
		return -EINVAL;
	}
	if (!*value || strlen(value) >= sizeof(f->to)) {
		fprintf(stderr, "nf-forward: --to: an NF name of 1-%zu characters\n",
			sizeof(f->to) - 1);
		return -EINVAL;
	}
	snprintf(f->to, sizeof(f->to), "%s", value);
	return 0;
}

static int
start(void *arg, struct nfp_nf *nf)
{
	struct fwd *f = arg;
	int id;

	if (!f->to[0])
		return 0;
	id = nfp_nf_id(nf, f->to);
	if (id < 0) {
		fprintf(stderr,
			"nf-forward: --to %s: nfpath-dp has no NF of that name (nf_add it)\n",
			f->to);
		return id;
	}
	f->to_id = (uint16_t)id;
	return 0;
}

static void
forward(struct rte_mbuf **pkts, unsigned int n, void *arg)
{
	const struct fwd *f = arg;

	if (!f->to[0])
		return;
	for (unsigned int i = 0; i < n; i++)
		nfp_pkt_to_nf(pkts[i], f->to_id);
}

int
main(int argc, char **argv)
{
	static const struct nf_ops ops = {
		.kind = "nf-forward",
		.usage = "  --to NAME  send every packet to the NF named NAME, not the next hop\n",
		.option = option,
		.start = start,
		.handler = forward,
	};
	struct fwd f = {.to = ""};

	return nf_main(argc, argv, &ops, &f);
}
