// SPDX-License-Identifier: BSD-3-Clause
/*
 * The frame shared by the example NFs (nf-common.h): argument handling, attach, run, a
 * one-line counter summary on exit.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "nf-common.h"

static void
usage(const char *prog, const char *kind)
{
	fprintf(stderr,
		"usage: %s EAL-OPTIONS -- --name NAME [--cpu N] [--sleep]\n"
		"  An nfpath %s NF: a DPDK secondary process of nfpath-dp. EAL options must\n"
		"  include --proc-type=secondary and the datapath's --file-prefix.\n"
		"  --name NAME  the slot nfpath-dp created for this NF\n"
		"  --cpu N      pin to CPU N (default: the slot's CPU, if any)\n"
		"  --sleep      shared-core mode: sleep when idle instead of busy-polling\n",
		prog, kind);
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

int
nf_main(int argc, char **argv, const char *kind, nfp_handler_t handler, void *arg)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{"cpu", required_argument, NULL, 'c'},
		{"sleep", no_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct nfp_conf conf = {.cpu = -1};
	const char *name = NULL;
	const struct dp_nf_stats *st;
	struct nfp_nf *nf;
	int r, c, ret = 0;

	r = rte_eal_init(argc, argv);
	if (r < 0) {
		fprintf(stderr, "%s: EAL init failed: %s\n", kind, rte_strerror(rte_errno));
		return 1;
	}
	argc -= r;
	argv += r;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		case 'c':
			conf.cpu = atoi(optarg);
			break;
		case 's':
			conf.sleep_when_idle = true;
			break;
		default:
			usage(argv[0], kind);
			rte_eal_cleanup();
			return c == 'h' ? 0 : 2;
		}
	}
	if (!name) {
		usage(argv[0], kind);
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
	r = nfp_run(nf, handler, arg);
	if (r < 0) {
		fprintf(stderr, "%s: '%s' stopped: %s\n", kind, name, strerror(-r));
		ret = 1;
	}
	st = nfp_stats(nf);
	printf("%s '%s': rx %" PRIu64 " tx %" PRIu64 " out %" PRIu64 " drop_action %" PRIu64
	       " drop_full %" PRIu64 " drop_down %" PRIu64 "\n",
	       kind, name, st->rx, st->tx, st->out, st->drop_action, st->drop_full, st->drop_down);
	nfp_detach(nf);
	rte_eal_cleanup();
	return ret;
}
