// SPDX-License-Identifier: BSD-3-Clause
/*
 * nf-firewall: allows or denies IPv4 packets by rules read from a JSON file, first match wins:
 *
 *   { "default": "allow",
 *     "rules": [ { "action": "deny", "src": "10.0.0.0/30", "dst": "0.0.0.0/0",
 *                  "proto": "udp", "dst_port": [53, 53] } ] }
 *
 * Fields of a rule other than "action" are optional (absent: any). "proto" is tcp, udp, icmp
 * or a number; ports are [low, high]. Non-IPv4 packets follow "default". The file is checked
 * whole before the NF attaches; a mistake names the file, the rule and the field.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <netinet/in.h>

#include <jansson.h>

#include "nf-common.h"

#define MAX_RULES 256

struct rule {
	uint32_t src, src_mask, dst, dst_mask;
	uint16_t sport_lo, sport_hi, dport_lo, dport_hi;
	int proto; /* -1: any */
	bool deny;
	uint64_t hits;
};

struct firewall {
	struct rule rules[MAX_RULES];
	unsigned int nrules;
	bool default_deny;
	uint64_t default_hits, denied;
};

static int
parse_prefix(const char *s, uint32_t *ret_addr, uint32_t *ret_mask)
{
	unsigned int a, b, c, d, len = 32;
	char tail;
	int n = sscanf(s, "%u.%u.%u.%u/%u%c", &a, &b, &c, &d, &len, &tail);

	if ((n != 4 && n != 5) || a > 255 || b > 255 || c > 255 || d > 255 || len > 32)
		return -EINVAL;
	*ret_mask = len ? ~0u << (32 - len) : 0;
	*ret_addr = (a << 24 | b << 16 | c << 8 | d) & *ret_mask;
	return 0;
}

static int
parse_ports(json_t *v, uint16_t *lo, uint16_t *hi)
{
	json_int_t l, h;

	if (json_is_integer(v)) {
		l = h = json_integer_value(v);
	} else if (json_is_array(v) && json_array_size(v) == 2 &&
		   json_is_integer(json_array_get(v, 0)) && json_is_integer(json_array_get(v, 1))) {
		l = json_integer_value(json_array_get(v, 0));
		h = json_integer_value(json_array_get(v, 1));
	} else {
		return -EINVAL;
	}
	if (l < 0 || h > 65535 || l > h)
		return -EINVAL;
	*lo = (uint16_t)l;
	*hi = (uint16_t)h;
	return 0;
}

static int
bad(const char *file, size_t i, const char *field, const char *why)
{
	fprintf(stderr, "nf-firewall: %s: rules[%zu].%s: %s\n", file, i, field, why);
	return -EINVAL;
}

static int
load_rules(struct firewall *fw, const char *file)
{
	json_error_t err;
	json_t *root = json_load_file(file, JSON_REJECT_DUPLICATES, &err), *rules, *r;
	const char *def;
	size_t i;
	int ret = -EINVAL;

	if (!root) {
		fprintf(stderr, "nf-firewall: %s:%d:%d: %s\n", file, err.line, err.column,
			err.text);
		return -EINVAL;
	}
	def = json_string_value(json_object_get(root, "default"));
	rules = json_object_get(root, "rules");
	if (def && strcmp(def, "allow") && strcmp(def, "deny")) {
		fprintf(stderr, "nf-firewall: %s: default: '%s' is not allow or deny\n", file, def);
		goto out;
	}
	fw->default_deny = def && !strcmp(def, "deny");
	if (!json_is_array(rules) || json_array_size(rules) > MAX_RULES) {
		fprintf(stderr, "nf-firewall: %s: rules: an array of at most %d rules is needed\n",
			file, MAX_RULES);
		goto out;
	}
	json_array_foreach(rules, i, r)
	{
		struct rule *ru = &fw->rules[i];
		const char *action = json_string_value(json_object_get(r, "action"));
		json_t *v;

		*ru = (struct rule){.sport_hi = 65535, .dport_hi = 65535, .proto = -1};
		if (!action || (strcmp(action, "allow") && strcmp(action, "deny"))) {
			ret = bad(file, i, "action", "must be \"allow\" or \"deny\"");
			goto out;
		}
		ru->deny = !strcmp(action, "deny");
		if ((v = json_object_get(r, "src")) &&
		    (!json_is_string(v) ||
		     parse_prefix(json_string_value(v), &ru->src, &ru->src_mask) < 0)) {
			ret = bad(file, i, "src", "not an IPv4 prefix like 10.0.0.0/8");
			goto out;
		}
		if ((v = json_object_get(r, "dst")) &&
		    (!json_is_string(v) ||
		     parse_prefix(json_string_value(v), &ru->dst, &ru->dst_mask) < 0)) {
			ret = bad(file, i, "dst", "not an IPv4 prefix like 10.0.0.0/8");
			goto out;
		}
		if ((v = json_object_get(r, "proto"))) {
			const char *p = json_string_value(v);

			if (json_is_integer(v) && json_integer_value(v) >= 0 &&
			    json_integer_value(v) <= 255)
				ru->proto = (int)json_integer_value(v);
			else if (p && !strcmp(p, "tcp"))
				ru->proto = IPPROTO_TCP;
			else if (p && !strcmp(p, "udp"))
				ru->proto = IPPROTO_UDP;
			else if (p && !strcmp(p, "icmp"))
				ru->proto = IPPROTO_ICMP;
			else {
				ret = bad(file, i, "proto", "use tcp, udp, icmp or 0-255");
				goto out;
			}
		}
		if ((v = json_object_get(r, "src_port")) &&
		    parse_ports(v, &ru->sport_lo, &ru->sport_hi) < 0) {
			ret = bad(file, i, "src_port", "use a port or [low, high] within 0-65535");
			goto out;
		}
		if ((v = json_object_get(r, "dst_port")) &&
		    parse_ports(v, &ru->dport_lo, &ru->dport_hi) < 0) {
			ret = bad(file, i, "dst_port", "use a port or [low, high] within 0-65535");
			goto out;
		}
	}
	fw->nrules = (unsigned int)json_array_size(rules);
	ret = 0;
out:
	json_decref(root);
	return ret;
}

static bool
denied(struct firewall *fw, struct rte_mbuf *m)
{
	struct nf_tuple t;

	if (nf_parse_ipv4(m, &t, NULL) == 0) {
		for (unsigned int i = 0; i < fw->nrules; i++) {
			struct rule *r = &fw->rules[i];

			if ((t.src & r->src_mask) == r->src && (t.dst & r->dst_mask) == r->dst &&
			    (r->proto < 0 || r->proto == t.proto) && t.sport >= r->sport_lo &&
			    t.sport <= r->sport_hi && t.dport >= r->dport_lo &&
			    t.dport <= r->dport_hi) {
				r->hits++;
				return r->deny;
			}
		}
	}
	fw->default_hits++;
	return fw->default_deny;
}

static void
filter(struct rte_mbuf **pkts, unsigned int n, void *arg)
{
	struct firewall *fw = arg;

	for (unsigned int i = 0; i < n; i++) {
		if (denied(fw, pkts[i])) {
			nfp_pkt_drop(pkts[i]);
			fw->denied++;
		}
	}
}

static int
option(void *arg, const char *key, const char *value)
{
	if (strcmp(key, "rules") != 0) {
		fprintf(stderr, "nf-firewall: unknown option '--%s'\n", key);
		return -EINVAL;
	}
	return load_rules(arg, value);
}

static void
finish(void *arg)
{
	struct firewall *fw = arg;

	for (unsigned int i = 0; i < fw->nrules; i++)
		printf("nf-firewall: rule %u (%s): %" PRIu64 " hits\n", i,
		       fw->rules[i].deny ? "deny" : "allow", fw->rules[i].hits);
	printf("nf-firewall: default (%s): %" PRIu64 " hits; denied %" PRIu64 "\n",
	       fw->default_deny ? "deny" : "allow", fw->default_hits, fw->denied);
}

int
main(int argc, char **argv)
{
	static struct firewall fw;
	static const struct nf_ops ops = {
		.kind = "nf-firewall",
		.usage = "  --rules FILE JSON rules (see the source's header comment)\n",
		.option = option,
		.finish = finish,
		.handler = filter,
	};

	return nf_main(argc, argv, &ops, &fw);
}
