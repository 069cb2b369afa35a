// SPDX-License-Identifier: BSD-3-Clause
/*
 * nf-lb: a stateful, consistent-hash L2 load balancer. Each new IPv4 flow is given a backend
 * by jump consistent hashing (Lamping and Veach) of its 5-tuple, remembered in a flow table,
 * and every packet of the flow has its destination MAC rewritten to that backend's MAC.
 * Remembering matters: when backends are added, existing flows stay where they are, and only
 * about 1/N of new flows move (consistent hashing). Both directions of a flow are one entry
 * (the tuple is normalised), so replies keep to the same backend.
 *
 *   nf-lb EAL -- --name lb --backends 02:00:00:00:01:01,02:00:00:00:01:02[,...]
 *
 * Non-IPv4 packets and flows that find the table full are passed on unchanged, counted.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_ether.h>

#include "nf-common.h"

#define MAX_BACKENDS 64

struct lb {
	struct rte_ether_addr backend[MAX_BACKENDS];
	uint64_t flows_to[MAX_BACKENDS];
	uint64_t pkts_to[MAX_BACKENDS];
	unsigned int nbackends;
	struct nf_flow_table flows;
	uint64_t passed;
};

/* Jump consistent hash: a bucket in [0, n) for 'key'. */
static uint32_t
jump_hash(uint64_t key, uint32_t n)
{
	int64_t b = -1, j = 0;

	while (j < (int64_t)n) {
		b = j;
		key = key * 2862933555777941757ULL + 1;
		j = (int64_t)((double)(b + 1) * ((double)(1LL << 31) / (double)((key >> 33) + 1)));
	}
	return (uint32_t)b;
}

/* Both directions of a flow as one key: the lower (address, port) end first. */
static void
normalise(struct nf_tuple *t)
{
	if (t->src > t->dst || (t->src == t->dst && t->sport > t->dport)) {
		uint32_t a = t->src;
		uint16_t p = t->sport;

		t->src = t->dst;
		t->dst = a;
		t->sport = t->dport;
		t->dport = p;
	}
}

static void
balance(struct rte_mbuf **pkts, unsigned int n, void *arg)
{
	struct lb *lb = arg;

	for (unsigned int i = 0; i < n; i++) {
		struct nf_tuple t;
		struct nf_flow *f = NULL;
		bool fresh;
		uint32_t b;

		if (nf_parse_ipv4(pkts[i], &t, NULL) == 0) {
			normalise(&t);
			f = nf_flow_get(&lb->flows, &t, &fresh);
		}
		if (!f) {
			lb->passed++;
			continue;
		}
		if (fresh) {
			uint64_t key = (uint64_t)t.src << 32 ^ t.dst ^ (uint64_t)t.sport << 16 ^
				       t.dport ^ (uint64_t)t.proto << 40;

			f->v[0] = jump_hash(key, lb->nbackends);
			lb->flows_to[f->v[0]]++;
		}
		b = (uint32_t)f->v[0];
		rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *)->dst_addr = lb->backend[b];
		lb->pkts_to[b]++;
	}
}

static int
option(void *arg, const char *key, const char *value)
{
	struct lb *lb = arg;
	char buf[MAX_BACKENDS * 18 + 1], *save = NULL, *tok;

	if (strcmp(key, "backends") != 0) {
		fprintf(stderr, "nf-lb: unknown option '--%s'\n", key);
		return -EINVAL;
	}
	if (strlen(value) >= sizeof(buf)) {
		fprintf(stderr, "nf-lb: --backends: at most %d MACs\n", MAX_BACKENDS);
		return -EINVAL;
	}
	strcpy(buf, value);
	lb->nbackends = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (lb->nbackends == MAX_BACKENDS ||
		    rte_ether_unformat_addr(tok, &lb->backend[lb->nbackends]) != 0) {
			fprintf(stderr,
				"nf-lb: --backends: '%s' is not a MAC address (or too many)\n",
				tok);
			return -EINVAL;
		}
		lb->nbackends++;
	}
	return 0;
}

static int
start(void *arg, struct nfp_nf *nf)
{
	struct lb *lb = arg;

	(void)nf;
	if (lb->nbackends == 0) {
		fprintf(stderr, "nf-lb: --backends is required\n");
		return -EINVAL;
	}
	return nf_flow_table_init(&lb->flows, 65536);
}

static void
finish(void *arg)
{
	struct lb *lb = arg;

	for (unsigned int i = 0; i < lb->nbackends; i++) {
		char mac[RTE_ETHER_ADDR_FMT_SIZE];

		rte_ether_format_addr(mac, sizeof(mac), &lb->backend[i]);
		printf("nf-lb: backend %u %s: %" PRIu64 " flows, %" PRIu64 " packets\n", i, mac,
		       lb->flows_to[i], lb->pkts_to[i]);
	}
	printf("nf-lb: %u flows tracked; %" PRIu64 " packets passed unbalanced\n", lb->flows.count,
	       lb->passed);
	nf_flow_table_free(&lb->flows);
}

int
main(int argc, char **argv)
{
	static struct lb lb;
	static const struct nf_ops ops = {
		.kind = "nf-lb",
		.usage = "  --backends MAC[,MAC...]  backend MACs (at most 64)\n",
		.option = option,
		.start = start,
		.finish = finish,
		.handler = balance,
	};

	return nf_main(argc, argv, &ops, &lb);
}
