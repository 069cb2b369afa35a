/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every example NF does around its handler: EAL init as a secondary process, options
 * after "--" (--name NAME [--sleep] [--cpu N] plus the NF's own), attach, run, print counters,
 * detach. Plus the IPv4 5-tuple parsing the L3/L4 examples share.
 */
#ifndef NFPATH_NF_COMMON_H
#define NFPATH_NF_COMMON_H

#include <stdint.h>

#include "nfpath/nfpath.h"

#include "nf-packet.h"

struct nf_ops {
	const char *kind;  /* "nf-firewall" */
	const char *usage; /* lines describing the NF's own options, or NULL */
	/* An NF option "--key value"; returns 0, or -EINVAL after printing why. NULL: none. */
	int (*option)(void *arg, const char *key, const char *value);
	/* After attach, before the first packet; returns 0 or a negative errno. May be NULL. */
	int (*start)(void *arg, struct nfp_nf *nf);
	/* After the last packet (print what the NF counted). May be NULL. */
	void (*finish)(void *arg);
	nfp_handler_t handler;
};

/* The exit status of an NF whose datapath died (nfpath-nf(1)): restart it, do not retry. */
#define NF_EXIT_DATAPATH_GONE 3

/* Runs the NF; returns the process exit code (0, 1 failure, 2 usage, 3 datapath gone). */
int nf_main(int argc, char **argv, const struct nf_ops *ops, void *arg);

/*
 * Parse an Ethernet/IPv4 packet's 5-tuple (nf_pkt_parse(): up to two VLAN tags, priority tags
 * included); on success also returns a pointer to the IPv4 header in *ret_ip (may be NULL).
 * Returns 0, or -(enum nf_pkt_kind) for anything else: -NF_PKT_NOT_IP, -NF_PKT_IPV6,
 * -NF_PKT_MALFORMED. A fragment's later pieces have no ports: sport = dport = 0.
 */
int nf_parse_ipv4(struct rte_mbuf *m, struct nf_tuple *ret, void **ret_ip);

#endif

/*
 * A fixed-size open-addressing flow table (allocated once at start, no allocation per packet)
 * for the stateful examples. Each entry holds a tuple and two counters/values for the NF.
 */
struct nf_flow {
	struct nf_tuple key;
	uint8_t used;
	uint64_t v[2];
};

struct nf_flow_table {
	struct nf_flow *e;
	uint32_t mask;  /* size - 1 (size a power of two) */
	uint32_t count; /* entries used */
	uint64_t full;  /* lookups that found no room */
};

/* Allocate 'size' (a power of two) entries. Returns 0, -EINVAL or -ENOMEM. */
int nf_flow_table_init(struct nf_flow_table *t, uint32_t size);
void nf_flow_table_free(struct nf_flow_table *t);
/* The entry for 'key', inserted zeroed (*ret_new = true) if absent; NULL when full. */
struct nf_flow *nf_flow_get(struct nf_flow_table *t, const struct nf_tuple *key, bool *ret_new);
