// SPDX-License-Identifier: BSD-3-Clause
/*
 * The frame shared by the example NFs (nf-common.h): argument handling, attach, run, a
 * one-line counter summary on exit.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_errno.h>

#include "nfpath/dp-rundir.h"

#include "nf-common.h"

static void
usage(const char *prog, const struct nf_ops *ops)
{
	fprintf(stderr,
		"usage: %s EAL-OPTIONS -- --name NAME [--cpu N] [--sleep]%s\n"
		"  An nfpath %s NF: a DPDK secondary process of nfpath-dp. EAL options must\n"
		"  include --proc-type=secondary and the datapath's --file-prefix.\n"
		"  --name NAME  the slot nfpath-dp created for this NF\n"
		"  --cpu N      pin to CPU N (default: the slot's CPU, if any)\n"
		"  --sleep      shared-core mode: sleep when idle instead of busy-polling\n"
		"%s",
		prog, ops->option ? " [NF OPTIONS]" : "", ops->kind, ops->usage ? ops->usage : "");
}

static const char *
attach_error(int r)
{
	switch (r) {
	case -ENOENT:
		return "no nfpath-dp with this --file-prefix, or no slot with that name";
	case -EPROTO:
		return "nfpath-dp uses another ABI version: rebuild this NF against its headers";
	case -EBUSY:
		return "another live process holds that slot";
	case -EINVAL:
		return "not a DPDK secondary process (pass --proc-type=secondary)";
	default:
		return strerror(-r);
	}
}

/*
 * Is there a primary for our --file-prefix? Asked before rte_eal_init(), which would otherwise
 * fail with rte_errno 0 ("Success") and leave the prefix's runtime directory behind.
 */
static int
check_primary(int argc, char **argv, const char *kind)
{
	const char *prefix = "rte"; /* the EAL's default */
	char dir[4096], config[4200];

	bool eal = true;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 0; /* usage needs no datapath */
		if (!strcmp(argv[i], "--"))
			eal = false;
		else if (eal && !strcmp(argv[i], "--file-prefix") && i + 1 < argc)
			prefix = argv[i + 1];
		else if (eal && !strncmp(argv[i], "--file-prefix=", 14))
			prefix = argv[i] + 14;
	}
	dp_runtime_dir(prefix, dir, sizeof(dir));
	snprintf(config, sizeof(config), "%s/config", dir);
	if (rte_eal_primary_proc_alive(config))
		return 0;
	fprintf(stderr,
		"%s: no nfpath-dp runs with --file-prefix '%s' (nothing holds '%s'): start "
		"nfpath-dp first, or pass its --file-prefix\n",
		kind, prefix, config);
	return -ENOENT;
}

int
nf_main(int argc, char **argv, const struct nf_ops *ops, void *arg)
{
	struct nfp_conf conf = {.cpu = -1};
	const char *name = NULL, *kind = ops->kind;
	const struct dp_nf_stats *st;
	struct nfp_nf *nf;
	int r, ret = 0;

	if (check_primary(argc, argv, kind) < 0)
		return 1;
	r = rte_eal_init(argc, argv);
	if (r < 0) {
		fprintf(stderr, "%s: EAL init failed: %s\n", kind,
			rte_errno ? rte_strerror(rte_errno) : "see the EAL's messages above");
		return 1;
	}
	for (int i = r + 1; i < argc; i++) {
		const char *key = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(key, "--help") || !strcmp(key, "-h")) {
			usage(argv[0], ops);
			rte_eal_cleanup();
			return 0;
		} else if (!strcmp(key, "--sleep")) {
			conf.sleep_when_idle = true;
			continue;
		} else if (!val || strncmp(key, "--", 2) != 0) {
			fprintf(stderr, "%s: '%s' is not an option or lacks its value\n", kind,
				key);
		} else if (!strcmp(key, "--name")) {
			name = val;
			i++;
			continue;
		} else if (!strcmp(key, "--cpu")) {
			conf.cpu = atoi(val);
			i++;
			continue;
		} else if (ops->option && ops->option(arg, key + 2, val) == 0) {
			i++;
			continue;
		} else if (!ops->option) {
			fprintf(stderr, "%s: unknown option '%s'\n", kind, key);
		}
		usage(argv[0], ops);
		rte_eal_cleanup();
		return 2;
	}
	if (!name) {
		fprintf(stderr, "%s: --name is required\n", kind);
		usage(argv[0], ops);
		rte_eal_cleanup();
		return 2;
	}
	r = nfp_attach(name, &conf, &nf);
	if (r < 0) {
		fprintf(stderr, "%s: cannot attach to slot '%s': %s\n", kind, name,
			attach_error(r));
		rte_eal_cleanup();
		return 1;
	}
	r = ops->start ? ops->start(arg, nf) : 0;
	if (r == 0)
		r = nfp_run(nf, ops->handler, arg);
	if (r == -EOWNERDEAD) {
		fprintf(stderr,
			"%s: '%s': nfpath-dp (pid %d) is gone; exiting with status %d: start this "
			"NF again once nfpath-dp runs (a DPDK secondary cannot reattach)\n",
			kind, name, nfp_datapath_pid(nf), NF_EXIT_DATAPATH_GONE);
		ret = NF_EXIT_DATAPATH_GONE;
	} else if (r < 0) {
		fprintf(stderr, "%s: '%s' stopped: %s\n", kind, name, strerror(-r));
		ret = 1;
	}
	if (ops->finish)
		ops->finish(arg);
	st = nfp_stats(nf);
	printf("%s '%s': rx %" PRIu64 " tx %" PRIu64 " out %" PRIu64 " drop_action %" PRIu64
	       " drop_full %" PRIu64 " drop_down %" PRIu64 "\n",
	       kind, name, st->rx, st->tx, st->out, st->drop_action, st->drop_full, st->drop_down);
	fflush(stdout);
	nfp_detach(nf);
	if (ret == NF_EXIT_DATAPATH_GONE)
		nfp_exit_orphaned();
	else
		rte_eal_cleanup();
	return ret;
}

int
nf_parse_ipv4(struct rte_mbuf *m, struct nf_tuple *ret, void **ret_ip)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct nf_pkt pkt;
	int kind = nf_pkt_parse(p, rte_pktmbuf_data_len(m), &pkt);

	if (kind != NF_PKT_IPV4)
		return -kind;
	*ret = pkt.t;
	if (ret_ip)
		*ret_ip = p + pkt.l3;
	return 0;
}

int
nf_flow_table_init(struct nf_flow_table *t, uint32_t size)
{
	if (size == 0 || (size & (size - 1)))
		return -EINVAL;
	t->e = calloc(size, sizeof(*t->e));
	if (!t->e)
		return -ENOMEM;
	t->mask = size - 1;
	t->count = 0;
	t->full = 0;
	return 0;
}

void
nf_flow_table_free(struct nf_flow_table *t)
{
	free(t->e);
	t->e = NULL;
}

static inline bool
tuple_eq(const struct nf_tuple *a, const struct nf_tuple *b)
{
	return a->src == b->src && a->dst == b->dst && a->sport == b->sport &&
	       a->dport == b->dport && a->proto == b->proto;
}

struct nf_flow *
nf_flow_get(struct nf_flow_table *t, const struct nf_tuple *key, bool *ret_new)
{
	uint32_t h = (key->src * 0x9e3779b1u) ^ (key->dst * 0x85ebca6bu) ^
		     ((uint32_t)key->sport << 16 | key->dport) ^ key->proto;

	h ^= h >> 15;
	/* Keep the table at most 3/4 full so probes stay short. */
	for (uint32_t i = 0; i <= t->mask; i++) {
		struct nf_flow *f = &t->e[(h + i) & t->mask];

		if (f->used && tuple_eq(&f->key, key)) {
			*ret_new = false;
			return f;
		}
		if (!f->used) {
			if (t->count >= t->mask / 4 * 3)
				break;
			f->used = 1;
			f->key = *key;
			f->v[0] = f->v[1] = 0;
			t->count++;
			*ret_new = true;
			return f;
		}
	}
	t->full++;
	return NULL;
}
