// SPDX-License-Identifier: BSD-3-Clause
/*
 * nf-firewall: allows or denies frames by rules read from a JSON file (nf-fw.h: first match
 * wins over IPv4; "default" for the rest of IP, "non_ip" for ARP and other EtherTypes, allow
 * unless set; malformed IPv4 always denied). VLAN and priority tags are looked through. The
 * file is checked whole before the NF attaches; a mistake names the file, the rule and the
 * field.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "nf-common.h"
#include "nf-fw.h"

static void
filter(struct rte_mbuf **pkts, unsigned int n, void *arg)
{
	struct firewall *fw = arg;

	for (unsigned int i = 0; i < n; i++)
		if (fw_denied(fw, rte_pktmbuf_mtod(pkts[i], const uint8_t *),
			      rte_pktmbuf_data_len(pkts[i])))
			nfp_pkt_drop(pkts[i]);
}

static int
option(void *arg, const char *key, const char *value)
{
	if (strcmp(key, "rules") != 0) {
		fprintf(stderr, "nf-firewall: unknown option '--%s'\n", key);
		return -EINVAL;
	}
	return fw_load_file(arg, value);
}

static void
finish(void *arg)
{
	struct firewall *fw = arg;

	for (unsigned int i = 0; i < fw->nrules; i++)
		printf("nf-firewall: rule %u (%s): %" PRIu64 " hits\n", i,
		       fw->rules[i].deny ? "deny" : "allow", fw->rules[i].hits);
	printf("nf-firewall: default (%s): %" PRIu64 " hits; non_ip (%s): %" PRIu64
	       " hits; malformed (deny): %" PRIu64 "; denied %" PRIu64 "\n",
	       fw->default_deny ? "deny" : "allow", fw->default_hits,
	       fw->non_ip_deny ? "deny" : "allow", fw->non_ip_hits, fw->malformed, fw->denied);
}

int
main(int argc, char **argv)
{
	static struct firewall fw;
	static const struct nf_ops ops = {
		.kind = "nf-firewall",
		.usage = "  --rules FILE JSON rules (nf-fw.h, nfpath-nf(1))\n",
		.option = option,
		.finish = finish,
		.handler = filter,
	};

	return nf_main(argc, argv, &ops, &fw);
}
