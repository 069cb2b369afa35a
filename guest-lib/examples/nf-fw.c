// SPDX-License-Identifier: BSD-3-Clause
/*
 * nf-firewall's rule file and verdict (nf-fw.h): Jansson and the frame parser (nf-packet.c),
 * no DPDK, so that tests/unit/guest-lib and tests/fuzz/guest-lib reach them directly.
 */
#include "nf-fw.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include <jansson.h>

#include "nf-packet.h"

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

/* "allow" or "deny" in field 'key' of the top level (absent: allow). */
static int
verdict_field(json_t *root, const char *file, const char *key, bool *ret_deny)
{
	json_t *v = json_object_get(root, key);
	const char *s = json_string_value(v);

	if (v && (!s || (strcmp(s, "allow") && strcmp(s, "deny")))) {
		fprintf(stderr, "nf-firewall: %s: %s: must be \"allow\" or \"deny\"\n", file, key);
		return -EINVAL;
	}
	*ret_deny = s && !strcmp(s, "deny");
	return 0;
}

/* Every key of 'obj' is one of 'known' (NULL-terminated)? Else a message naming it. */
static int
only_known(json_t *obj, const char *const *known, const char *file, const char *where)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v)
	{
		size_t k = 0;

		while (known[k] && strcmp(known[k], key))
			k++;
		if (!known[k]) {
			fprintf(stderr,
				"nf-firewall: %s: %s'%s': unknown field (see nf-firewall in "
				"nfpath-nf(1))\n",
				file, where, key);
			return -EINVAL;
		}
	}
	return 0;
}

int
fw_load(struct firewall *fw, const char *file, const char *text)
{
	static const char *const top[] = {"default", "non_ip", "rules", NULL};
	static const char *const fields[] = {"action",   "src",      "dst", "proto",
					     "src_port", "dst_port", NULL};
	json_error_t err;
	json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &err), *rules, *r;
	size_t i;
	int ret = -EINVAL;

	memset(fw, 0, sizeof(*fw));
	if (!root) {
		fprintf(stderr, "nf-firewall: %s:%d:%d: %s\n", file, err.line, err.column,
			err.text);
		return -EINVAL;
	}
	rules = json_object_get(root, "rules");
	if (!json_is_object(root)) {
		fprintf(stderr, "nf-firewall: %s: must be a JSON object\n", file);
		goto out;
	}
	if (only_known(root, top, file, "") < 0 ||
	    verdict_field(root, file, "default", &fw->default_deny) < 0 ||
	    verdict_field(root, file, "non_ip", &fw->non_ip_deny) < 0)
		goto out;
	if (!json_is_array(rules) || json_array_size(rules) > FW_MAX_RULES) {
		fprintf(stderr, "nf-firewall: %s: rules: an array of at most %d rules is needed\n",
			file, FW_MAX_RULES);
		goto out;
	}
	json_array_foreach(rules, i, r)
	{
		struct fw_rule *ru = &fw->rules[i];
		const char *action = json_string_value(json_object_get(r, "action"));
		json_t *v;
		char where[32];

		*ru = (struct fw_rule){.sport_hi = 65535, .dport_hi = 65535, .proto = -1};
		snprintf(where, sizeof(where), "rules[%zu].", i);
		if (!json_is_object(r)) {
			fprintf(stderr, "nf-firewall: %s: rules[%zu]: must be an object\n", file,
				i);
			goto out;
		}
		if (only_known(r, fields, file, where) < 0)
			goto out;
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

int
fw_load_file(struct firewall *fw, const char *file)
{
	FILE *f = fopen(file, "r");
	char *text;
	long n;
	int r;

	if (!f) {
		fprintf(stderr, "nf-firewall: %s: %s\n", file, strerror(errno));
		return -EINVAL;
	}
	if (fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || n > (1 << 20) ||
	    fseek(f, 0, SEEK_SET) < 0) {
		fprintf(stderr, "nf-firewall: %s: not a regular file of at most 1 MiB\n", file);
		fclose(f);
		return -EINVAL;
	}
	text = calloc(1, (size_t)n + 1);
	if (!text || fread(text, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "nf-firewall: %s: cannot read it\n", file);
		free(text);
		fclose(f);
		return -EINVAL;
	}
	fclose(f);
	r = fw_load(fw, file, text);
	free(text);
	return r;
}

static bool
verdict(struct firewall *fw, const uint8_t *p, uint32_t len)
{
	struct nf_pkt pkt;

	switch (nf_pkt_parse(p, len, &pkt)) {
	case NF_PKT_IPV4:
		for (unsigned int i = 0; i < fw->nrules; i++) {
			struct fw_rule *r = &fw->rules[i];
			const struct nf_tuple *t = &pkt.t;

			if ((t->src & r->src_mask) == r->src && (t->dst & r->dst_mask) == r->dst &&
			    (r->proto < 0 || r->proto == t->proto) && t->sport >= r->sport_lo &&
			    t->sport <= r->sport_hi && t->dport >= r->dport_lo &&
			    t->dport <= r->dport_hi) {
				r->hits++;
				return r->deny;
			}
		}
		break;
	case NF_PKT_NOT_IP:
		fw->non_ip_hits++;
		return fw->non_ip_deny;
	case NF_PKT_IPV6:
		break;
	default:
		fw->malformed++;
		return true;
	}
	fw->default_hits++;
	return fw->default_deny;
}

bool
fw_denied(struct firewall *fw, const uint8_t *p, uint32_t len)
{
	bool d = verdict(fw, p, len);

	fw->denied += d;
	return d;
}
