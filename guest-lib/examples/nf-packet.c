// SPDX-License-Identifier: BSD-3-Clause
/*
 * The example NFs' frame parser (nf-packet.h): plain bytes in, a kind and an IPv4 5-tuple
 * out. Used through nf_parse_ipv4() (nf-common.c) by nf-firewall, nf-counter and nf-lb, and
 * by their fuzz target (tests/fuzz/guest-lib).
 */
#include "nf-packet.h"

#include <string.h>

#include <netinet/in.h>

#define ETH_HLEN    14
#define VLAN_HLEN   4
#define MAX_TAGS    2
#define IPV4_MIN_HL 20

static inline uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline int
is_tag(uint16_t type)
{
	return type == 0x8100 || type == 0x88a8 || type == 0x9100;
}

static int
parse_ipv4(const uint8_t *ip, uint32_t avail, struct nf_tuple *t)
{
	uint32_t ihl, total;

	if (avail < IPV4_MIN_HL || (ip[0] >> 4) != 4)
		return NF_PKT_MALFORMED;
	ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	total = be16(ip + 2);
	if (ihl < IPV4_MIN_HL || ihl > avail || total < ihl || total > avail)
		return NF_PKT_MALFORMED;
	t->proto = ip[9];
	t->src = be32(ip + 12);
	t->dst = be32(ip + 16);
	/* Ports only in the first fragment; one too short to hold them fails closed. */
	if ((t->proto == IPPROTO_TCP || t->proto == IPPROTO_UDP || t->proto == IPPROTO_SCTP) &&
	    !(be16(ip + 6) & 0x1fff)) {
		if (total < ihl + 4)
			return NF_PKT_MALFORMED;
		t->sport = be16(ip + ihl);
		t->dport = be16(ip + ihl + 2);
	}
	return NF_PKT_IPV4;
}

int
nf_pkt_parse(const uint8_t *p, uint32_t len, struct nf_pkt *ret)
{
	uint32_t off = 12;
	uint16_t type;

	memset(ret, 0, sizeof(*ret));
	if (len < ETH_HLEN)
		return NF_PKT_MALFORMED;
	type = be16(p + off);
	while (is_tag(type)) {
		if (ret->ntags == MAX_TAGS || len < off + VLAN_HLEN + 2)
			return NF_PKT_MALFORMED;
		if (ret->ntags == 0)
			ret->vid = be16(p + off + 2) & 0x0fff;
		ret->ntags++;
		off += VLAN_HLEN;
		type = be16(p + off);
	}
	ret->ethertype = type;
	ret->l3 = off + 2;
	if (type == 0x86dd)
		return NF_PKT_IPV6;
	if (type != 0x0800)
		return NF_PKT_NOT_IP;
	return parse_ipv4(p + ret->l3, len - ret->l3, &ret->t);
}
