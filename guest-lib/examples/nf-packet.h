/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The example NFs' packet parser, on plain bytes (no DPDK), so that unit tests and libFuzzer
 * reach it without an EAL: Ethernet, up to two VLAN tags (802.1Q 0x8100, 802.1ad 0x88a8, the
 * old QinQ 0x9100; a VID 0 priority tag is a tag like any other), then IPv4 with its 5-tuple.
 * What claims to be IPv4 but does not hold together is NF_PKT_MALFORMED, which a firewall
 * must deny (fail closed), never treat as "not IP".
 */
#ifndef NFPATH_NF_PACKET_H
#define NFPATH_NF_PACKET_H

#include <stdint.h>

enum nf_pkt_kind {
	NF_PKT_IPV4 = 0,      /* a well-formed IPv4 packet: the tuple is set */
	NF_PKT_IPV6 = 1,      /* EtherType IPv6 (not parsed further) */
	NF_PKT_NOT_IP = 2,    /* another EtherType: ARP, LLDP, ... */
	NF_PKT_MALFORMED = 3, /* truncated tags or Ethernet header, or a broken IPv4 header */
};

/* An IPv4 flow, addresses and ports in host byte order. */
struct nf_tuple {
	uint32_t src, dst;
	uint16_t sport, dport; /* 0 for protocols without ports and for later fragments */
	uint8_t proto;
};

/* What nf_pkt_parse() found. */
struct nf_pkt {
	uint16_t ethertype; /* after the tags */
	uint8_t ntags;      /* VLAN tags skipped (0-2) */
	uint16_t vid;       /* the outer tag's VID (0: untagged or a priority tag) */
	uint32_t l3;        /* offset of the L3 header */
	struct nf_tuple t;  /* NF_PKT_IPV4 only */
};

/*
 * Parse the frame p[0 .. len). IPv4 is malformed when: the header is shorter than 20 bytes or
 * than its IHL, the version is not 4, the total length is below the IHL or beyond the frame
 * (Ethernet padding after it is fine), a first fragment of TCP/UDP/SCTP is too short for its
 * ports, or there are more than two VLAN tags. Returns enum nf_pkt_kind; *ret is set in full.
 */
int nf_pkt_parse(const uint8_t *p, uint32_t len, struct nf_pkt *ret);

#endif
