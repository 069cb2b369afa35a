/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nf-firewall's rules and verdict (nf-fw.c), apart from the NF so that unit tests and the fuzz
 * target use them without DPDK. The rule file:
 *
 *   { "default": "allow", "non_ip": "allow",
 *     "rules": [ { "action": "deny", "src": "10.0.0.0/30", "dst": "0.0.0.0/0",
 *                  "proto": "udp", "dst_port": [53, 53] } ] }
 *
 * Rules match IPv4 packets, first match wins; IPv4 that matches no rule, and IPv6, follow
 * "default" (allow when absent). Frames that are not IP (ARP, LLDP, ...) follow "non_ip"
 * (allow when absent: a VM must resolve its neighbours). A frame that claims to be IPv4 but
 * does not parse (nf-packet.h) is always denied. Unknown fields are errors.
 */
#ifndef NFPATH_NF_FW_H
#define NFPATH_NF_FW_H

#include <stdbool.h>
#include <stdint.h>

#define FW_MAX_RULES 256

struct fw_rule {
	uint32_t src, src_mask, dst, dst_mask;
	uint16_t sport_lo, sport_hi, dport_lo, dport_hi;
	int proto; /* -1: any */
	bool deny;
	uint64_t hits;
};

struct firewall {
	struct fw_rule rules[FW_MAX_RULES];
	unsigned int nrules;
	bool default_deny; /* IPv4 that no rule matches, and IPv6 */
	bool non_ip_deny;  /* frames that are not IP */
	uint64_t default_hits, non_ip_hits, malformed, denied;
};

/*
 * Load the rules from 'text' (JSON), naming 'file' in messages, which go to stderr. Returns 0,
 * or -EINVAL after a message that names the file, the rule and the field.
 */
int fw_load(struct firewall *fw, const char *file, const char *text);

/* Load the rules from the file 'file'. Returns 0 or -EINVAL (message on stderr). */
int fw_load_file(struct firewall *fw, const char *file);

/* Should the frame p[0 .. len) be dropped? Counts the decision in 'fw'. */
bool fw_denied(struct firewall *fw, const uint8_t *p, uint32_t len);

#endif
