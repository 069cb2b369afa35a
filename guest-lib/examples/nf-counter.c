// SPDX-License-Identifier: BSD-3-Clause
/*
 * nf-counter: counts packets and bytes per IPv4 flow (5-tuple) and passes every packet on.
 * On exit it prints the totals and, with --dump FILE, writes every flow as JSON lines
 * {"src":"10.0.0.1","dst":...,"proto":17,"sport":1000,"dport":53,"packets":N,"bytes":N}.
 * --flows N sizes the table (a power of two, default 65536); flows past 3/4 of it and
 * non-IPv4 packets are counted in 'other'.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nf-common.h"

struct counter {
	struct nf_flow_table flows;
	uint32_t size;
	const char *dump;
	uint64_t other_pkts, other_bytes;
};

static void
count(struct rte_mbuf **pkts, unsigned int n, void *arg)
{
	struct counter *c = arg;

	for (unsigned int i = 0; i < n; i++) {
		struct nf_tuple t;
		struct nf_flow *f = NULL;
		bool fresh;

		if (nf_parse_ipv4(pkts[i], &t, NULL) == 0)
			f = nf_flow_get(&c->flows, &t, &fresh);
		if (f) {
			f->v[0]++;
			f->v[1] += rte_pktmbuf_pkt_len(pkts[i]);
		} else {
			c->other_pkts++;
			c->other_bytes += rte_pktmbuf_pkt_len(pkts[i]);
		}
	}
}

static int
option(void *arg, const char *key, const char *value)
{
	struct counter *c = arg;

	if (!strcmp(key, "dump")) {
		c->dump = value;
		return 0;
	}
	if (!strcmp(key, "flows")) {
		char *end;
		unsigned long n = strtoul(value, &end, 10);

		if (*end || n < 4 || n > (1u << 24) || (n & (n - 1))) {
			fprintf(stderr,
				"nf-counter: --flows %s: use a power of two, 4 to 16777216\n",
				value);
			return -EINVAL;
		}
		c->size = (uint32_t)n;
		return 0;
	}
	fprintf(stderr, "nf-counter: unknown option '--%s'\n", key);
	return -EINVAL;
}

static int
start(void *arg, struct nfp_nf *nf)
{
	struct counter *c = arg;

	(void)nf;
	return nf_flow_table_init(&c->flows, c->size ? c->size : 65536);
}

static void
ip_str(uint32_t a, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

static void
finish(void *arg)
{
	struct counter *c = arg;
	uint64_t pkts = 0, bytes = 0;
	FILE *f = NULL;

	if (c->dump) {
		f = fopen(c->dump, "w");
		if (!f)
			fprintf(stderr, "nf-counter: cannot write '%s': %s\n", c->dump,
				strerror(errno));
	}
	for (uint32_t i = 0; c->flows.e && i <= c->flows.mask; i++) {
		const struct nf_flow *fl = &c->flows.e[i];
		char s[16], d[16];

		if (!fl->used)
			continue;
		pkts += fl->v[0];
		bytes += fl->v[1];
		if (!f)
			continue;
		ip_str(fl->key.src, s, sizeof(s));
		ip_str(fl->key.dst, d, sizeof(d));
		fprintf(f,
			"{\"src\":\"%s\",\"dst\":\"%s\",\"proto\":%u,\"sport\":%u,\"dport\":%u,"
			"\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 "}\n",
			s, d, fl->key.proto, fl->key.sport, fl->key.dport, fl->v[0], fl->v[1]);
	}
	if (f)
		fclose(f);
	printf("nf-counter: %u flows, %" PRIu64 " packets, %" PRIu64 " bytes; other %" PRIu64
	       " packets\n",
	       c->flows.count, pkts, bytes, c->other_pkts);
	nf_flow_table_free(&c->flows);
}

int
main(int argc, char **argv)
{
	static struct counter c;
	static const struct nf_ops ops = {
		.kind = "nf-counter",
		.usage = "  --dump FILE  write every flow's counters as JSON lines on exit\n"
			 "  --flows N    flow table size, a power of two (default 65536)\n",
		.option = option,
		.start = start,
		.finish = finish,
		.handler = count,
	};

	return nf_main(argc, argv, &ops, &c);
}
