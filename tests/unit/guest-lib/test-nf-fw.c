// SPDX-License-Identifier: BSD-3-Clause
/*
 * Tests of guest-lib/examples/nf-packet.c and nf-fw.c: tags (priority, 802.1Q, 802.1ad)
 * looked through, malformed IPv4 denied whatever the rules say, non-IP frames following
 * "non_ip" (allow by default: ARP passes), the rule file's strictness.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "nf-fw.h"
#include "nf-packet.h"

static const char *const RULES = "{\"default\": \"allow\", \"rules\": [{\"action\": \"deny\", "
				 "\"dst\": \"10.0.0.0/8\", \"proto\": \"udp\"}]}";

static struct firewall fw;

/* A frame: dst, src, 'ntags' tags of types[i] with TCI tci[i], then 'type' and an IPv4/UDP
 * packet to 'dst' (or 46 bytes of zero for other types). Returns its length. */
static uint32_t
frame(uint8_t *b, unsigned int ntags, const uint16_t *types, const uint16_t *tci, uint16_t type,
      uint32_t dst)
{
	uint32_t off = 12;

	memset(b, 0, 128);
	memcpy(b, "\x02\0\0\0\0\x0b\x02\xaa\0\0\0\x01", 12);
	for (unsigned int i = 0; i < ntags; i++, off += 4) {
		b[off] = (uint8_t)(types[i] >> 8), b[off + 1] = (uint8_t)types[i];
		b[off + 2] = (uint8_t)(tci[i] >> 8), b[off + 3] = (uint8_t)tci[i];
	}
	b[off] = (uint8_t)(type >> 8), b[off + 1] = (uint8_t)type;
	off += 2;
	if (type == 0x0800) {
		uint8_t *ip = b + off;

		ip[0] = 0x45, ip[3] = 28, ip[8] = 64, ip[9] = 17; /* 20 + 8 bytes, UDP */
		ip[12] = 192, ip[13] = 168, ip[14] = 0, ip[15] = 1;
		ip[16] = (uint8_t)(dst >> 24), ip[17] = (uint8_t)(dst >> 16);
		ip[18] = (uint8_t)(dst >> 8), ip[19] = (uint8_t)dst;
		ip[20] = 0x30, ip[21] = 0x39, ip[22] = 0, ip[23] = 53;
		return off + 28 < 60 ? 60 : off + 28;
	}
	return off + 46;
}

static int
setup(void **state)
{
	(void)state;
	return fw_load(&fw, "rules.json", RULES);
}

static void
test_untagged(void **state)
{
	uint8_t b[128];
	uint32_t n;

	(void)state;
	n = frame(b, 0, NULL, NULL, 0x0800, 0x0a000001);
	assert_true(fw_denied(&fw, b, n));
	n = frame(b, 0, NULL, NULL, 0x0800, 0xc0a80002);
	assert_false(fw_denied(&fw, b, n));
	assert_int_equal(fw.rules[0].hits, 1);
}

static void
test_tags(void **state)
{
	static const uint16_t q[] = {0x8100}, qinq[] = {0x88a8, 0x8100},
			      three[] = {0x8100, 0x8100, 0x8100};
	static const uint16_t prio[] = {0x6000}, vid[] = {100}, two[] = {200, 100},
			      t3[] = {1, 2, 3};
	struct nf_pkt pkt;
	uint8_t b[128];
	uint32_t n;

	(void)state;
	/* VID 0 (a priority tag): nfpath-dp steers it as untagged; the firewall must see it. */
	n = frame(b, 1, q, prio, 0x0800, 0x0a000001);
	assert_int_equal(nf_pkt_parse(b, n, &pkt), NF_PKT_IPV4);
	assert_int_equal(pkt.vid, 0);
	assert_int_equal(pkt.ntags, 1);
	assert_true(fw_denied(&fw, b, n));
	n = frame(b, 1, q, vid, 0x0800, 0x0a000001);
	assert_true(fw_denied(&fw, b, n));
	n = frame(b, 2, qinq, two, 0x0800, 0x0a000001);
	assert_int_equal(nf_pkt_parse(b, n, &pkt), NF_PKT_IPV4);
	assert_int_equal(pkt.vid, 200);
	assert_int_equal(pkt.t.dport, 53);
	assert_true(fw_denied(&fw, b, n));
	/* Past two tags nothing is trusted. */
	n = frame(b, 3, three, t3, 0x0800, 0xc0a80002);
	assert_int_equal(nf_pkt_parse(b, n, &pkt), NF_PKT_MALFORMED);
	assert_true(fw_denied(&fw, b, n));
	/* A tag cut short. */
	n = frame(b, 1, q, vid, 0x0800, 0xc0a80002);
	assert_int_equal(nf_pkt_parse(b, 16, &pkt), NF_PKT_MALFORMED);
	assert_true(fw_denied(&fw, b, 16));
}

static void
test_malformed_ipv4(void **state)
{
	uint8_t b[128];
	struct nf_pkt pkt;
	uint64_t before = fw.malformed;
	uint32_t n;

	(void)state;
	/* An allowed destination each time: only the breakage may deny it. */
	n = frame(b, 0, NULL, NULL, 0x0800, 0xc0a80002);
	assert_false(fw_denied(&fw, b, n));
	b[14] = 0x4f; /* IHL 60 bytes in a 60-byte frame */
	assert_true(fw_denied(&fw, b, n));
	b[14] = 0x44; /* IHL 16 */
	assert_true(fw_denied(&fw, b, n));
	b[14] = 0x65; /* version 6 under EtherType IPv4 */
	assert_true(fw_denied(&fw, b, n));
	b[14] = 0x45;
	b[17] = 200; /* total length beyond the frame */
	assert_true(fw_denied(&fw, b, n));
	b[17] = 16; /* below the header */
	assert_true(fw_denied(&fw, b, n));
	b[17] = 22; /* a first UDP fragment too short for its ports */
	assert_true(fw_denied(&fw, b, n));
	assert_true(fw_denied(&fw, b, 14 + 19)); /* a header cut short */
	assert_int_equal(fw.malformed - before, 7);
	/* A later fragment has no ports and is not malformed. */
	b[17] = 28;
	b[20] = 0x00, b[21] = 0x10;
	assert_int_equal(nf_pkt_parse(b, n, &pkt), NF_PKT_IPV4);
	assert_int_equal(pkt.t.dport, 0);
	/* Ethernet padding after the packet is fine. */
	b[21] = 0;
	assert_int_equal(nf_pkt_parse(b, n, &pkt), NF_PKT_IPV4);
	assert_int_equal(nf_pkt_parse(b, 13, &pkt), NF_PKT_MALFORMED);
}

static void
test_non_ip(void **state)
{
	struct firewall deny;
	uint8_t b[128];
	uint32_t n;

	(void)state;
	/* "default": "deny" does not stop ARP: "non_ip" is allow unless set. */
	assert_int_equal(fw_load(&deny, "f", "{\"default\": \"deny\", \"rules\": []}"), 0);
	n = frame(b, 0, NULL, NULL, 0x0806, 0);
	assert_false(fw_denied(&deny, b, n));
	assert_int_equal(deny.non_ip_hits, 1);
	n = frame(b, 0, NULL, NULL, 0x86dd, 0); /* IPv6 follows "default" */
	assert_true(fw_denied(&deny, b, n));
	n = frame(b, 0, NULL, NULL, 0x0800, 0xc0a80002);
	assert_true(fw_denied(&deny, b, n));
	assert_int_equal(fw_load(&deny, "f", "{\"non_ip\": \"deny\", \"rules\": []}"), 0);
	n = frame(b, 0, NULL, NULL, 0x0806, 0);
	assert_true(fw_denied(&deny, b, n));
	n = frame(b, 0, NULL, NULL, 0x0800, 0xc0a80002);
	assert_false(fw_denied(&deny, b, n));
}

static void
test_rule_file(void **state)
{
	struct firewall f;

	(void)state;
	assert_int_equal(fw_load(&f, "f", "{\"defualt\": \"deny\", \"rules\": []}"), -EINVAL);
	assert_int_equal(fw_load(&f, "f", "{\"non_ip\": \"maybe\", \"rules\": []}"), -EINVAL);
	assert_int_equal(fw_load(&f, "f", "{\"rules\": [{\"action\": \"deny\", \"port\": 1}]}"),
			 -EINVAL);
	assert_int_equal(fw_load(&f, "f", "{\"rules\": [7]}"), -EINVAL);
	assert_int_equal(fw_load(&f, "f", "[]"), -EINVAL);
	assert_int_equal(fw_load(&f, "f", "{\"rules\": []"), -EINVAL);
	assert_int_equal(fw_load_file(&f, "/nonexistent/rules.json"), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_untagged),       cmocka_unit_test(test_tags),
		cmocka_unit_test(test_malformed_ipv4), cmocka_unit_test(test_non_ip),
		cmocka_unit_test(test_rule_file),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
