// SPDX-License-Identifier: BSD-3-Clause
/*
 * Text form of VF settings and of a VF's saved original state: one "key value" per line, the
 * same words as nfpath-vf's command line. The agent journals it before touching a VF; the
 * simulator keeps its VF state in the same format (backend-sim.c). The parser is strict (an
 * unknown key, a duplicate or a bad value is -EINVAL with its line) and fuzzed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "saved.h"

#define SAVED_MAGIC "nfpath-vf-saved 1"

const char *
vfm_link_state_name(enum vfm_link_state s)
{
	switch (s) {
	case VFM_LINK_AUTO:
		return "auto";
	case VFM_LINK_ENABLE:
		return "enable";
	case VFM_LINK_DISABLE:
		return "disable";
	}
	return "unknown";
}

int
vfm_link_state_parse(const char *s, enum vfm_link_state *ret_state)
{
	if (!s || !ret_state)
		return -EINVAL;
	if (strcmp(s, "auto") == 0)
		*ret_state = VFM_LINK_AUTO;
	else if (strcmp(s, "enable") == 0)
		*ret_state = VFM_LINK_ENABLE;
	else if (strcmp(s, "disable") == 0)
		*ret_state = VFM_LINK_DISABLE;
	else
		return -EINVAL;
	return 0;
}

const char *
vfm_vlan_proto_name(uint16_t proto)
{
	if (proto == VFM_VLAN_PROTO_8021Q)
		return "802.1Q";
	if (proto == VFM_VLAN_PROTO_8021AD)
		return "802.1ad";
	return "unknown";
}

int
vfm_vlan_proto_parse(const char *s, uint16_t *ret_proto)
{
	if (!s || !ret_proto)
		return -EINVAL;
	if (strcasecmp(s, "802.1Q") == 0)
		*ret_proto = VFM_VLAN_PROTO_8021Q;
	else if (strcasecmp(s, "802.1ad") == 0)
		*ret_proto = VFM_VLAN_PROTO_8021AD;
	else
		return -EINVAL;
	return 0;
}

static int append(char *buf, size_t len, size_t *pos, const char *fmt, ...) VFM_FMT(4, 5);

static int
append(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*pos >= len)
		return -ENOSPC;
	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *pos)
		return -ENOSPC;
	*pos += (size_t)n;
	return 0;
}

static int
config_append(const struct vfm_vf_config *cfg, char *buf, size_t len, size_t *pos)
{
	char mac[VFM_MAC_STRLEN];
	int r = 0;

	if (cfg->mask & VFM_VF_MAC) {
		vfm_mac_format(cfg->mac, mac, sizeof(mac));
		r |= append(buf, len, pos, "mac %s\n", mac);
	}
	if (cfg->mask & VFM_VF_VLAN)
		r |= append(buf, len, pos, "vlan %u\nqos %u\nproto %s\n", cfg->vlan, cfg->qos,
			    vfm_vlan_proto_name(cfg->vlan_proto));
	if (cfg->mask & VFM_VF_SPOOFCHK)
		r |= append(buf, len, pos, "spoofchk %s\n", cfg->spoofchk ? "on" : "off");
	if (cfg->mask & VFM_VF_TRUST)
		r |= append(buf, len, pos, "trust %s\n", cfg->trust ? "on" : "off");
	if (cfg->mask & VFM_VF_LINK_STATE)
		r |= append(buf, len, pos, "state %s\n", vfm_link_state_name(cfg->link_state));
	if (cfg->mask & VFM_VF_RATE)
		r |= append(buf, len, pos, "min_rate %u\nmax_rate %u\n", cfg->min_tx_rate,
			    cfg->max_tx_rate);
	return r ? -ENOSPC : 0;
}

int
vfm_vf_config_format(const struct vfm_vf_config *cfg, char *buf, size_t len)
{
	size_t pos = 0;

	if (len == 0)
		return -ENOSPC;
	buf[0] = '\0';
	if (config_append(cfg, buf, len, &pos) < 0)
		return -ENOSPC;
	return (int)pos;
}

int
vfm_vf_saved_format(const struct vfm_vf_saved *saved, char *buf, size_t len)
{
	size_t pos = 0;
	int r = 0;

	if (!saved || !buf || len == 0)
		return -EINVAL;
	buf[0] = '\0';
	r |= append(buf, len, &pos, SAVED_MAGIC "\npf %s\nvf %u\n", saved->pf, saved->vf);
	if (r == 0)
		r = config_append(&saved->cfg, buf, len, &pos);
	if (r == 0)
		r = append(buf, len, &pos, "driver %s\nmtu %d\n",
			   saved->driver[0] ? saved->driver : "none", saved->mtu);
	return r ? -ENOSPC : (int)pos;
}

static int
parse_u32(const char *s, uint32_t max, uint32_t *ret)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

static int
parse_bool(const char *s, bool *ret)
{
	if (strcmp(s, "on") == 0)
		*ret = true;
	else if (strcmp(s, "off") == 0)
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

/* Keys, in the order they are written. The bit is set when the key was seen. */
enum {
	K_PF,
	K_VF,
	K_MAC,
	K_VLAN,
	K_QOS,
	K_PROTO,
	K_SPOOFCHK,
	K_TRUST,
	K_STATE,
	K_MIN_RATE,
	K_MAX_RATE,
	K_DRIVER,
	K_MTU,
	K_COUNT,
};

static const char *const keys[K_COUNT] = {
	"pf",    "vf",    "mac",      "vlan",     "qos",    "proto", "spoofchk",
	"trust", "state", "min_rate", "max_rate", "driver", "mtu",
};

/* Parse one "key value" line into saved. Returns 0 or -EINVAL. */
static int
parse_line(char *line, struct vfm_vf_saved *s, unsigned int *seen, bool with_header_keys)
{
	char *sp = strchr(line, ' ');
	const char *val;
	uint32_t u;
	int k;

	if (!sp || sp == line || sp[1] == '\0' || strchr(sp + 1, ' '))
		return -EINVAL;
	*sp = '\0';
	val = sp + 1;
	for (k = 0; k < K_COUNT; k++)
		if (strcmp(line, keys[k]) == 0)
			break;
	if (k == K_COUNT || (*seen & (1u << k)))
		return -EINVAL;
	if (!with_header_keys && (k == K_PF || k == K_VF || k == K_DRIVER || k == K_MTU))
		return -EINVAL;
	*seen |= 1u << k;
	switch (k) {
	case K_PF:
		if (strlen(val) >= sizeof(s->pf) || strchr(val, '/'))
			return -EINVAL;
		strcpy(s->pf, val);
		return 0;
	case K_VF:
		if (parse_u32(val, 65535, &u) < 0)
			return -EINVAL;
		s->vf = u;
		return 0;
	case K_MAC:
		s->cfg.mask |= VFM_VF_MAC;
		return vfm_mac_parse(val, s->cfg.mac);
	case K_VLAN:
		s->cfg.mask |= VFM_VF_VLAN;
		if (parse_u32(val, 4095, &u) < 0)
			return -EINVAL;
		s->cfg.vlan = (uint16_t)u;
		return 0;
	case K_QOS:
		if (parse_u32(val, 7, &u) < 0)
			return -EINVAL;
		s->cfg.qos = (uint8_t)u;
		return 0;
	case K_PROTO:
		return vfm_vlan_proto_parse(val, &s->cfg.vlan_proto);
	case K_SPOOFCHK:
		s->cfg.mask |= VFM_VF_SPOOFCHK;
		return parse_bool(val, &s->cfg.spoofchk);
	case K_TRUST:
		s->cfg.mask |= VFM_VF_TRUST;
		return parse_bool(val, &s->cfg.trust);
	case K_STATE:
		s->cfg.mask |= VFM_VF_LINK_STATE;
		return vfm_link_state_parse(val, &s->cfg.link_state);
	case K_MIN_RATE:
		s->cfg.mask |= VFM_VF_RATE;
		return parse_u32(val, UINT32_MAX, &s->cfg.min_tx_rate);
	case K_MAX_RATE:
		s->cfg.mask |= VFM_VF_RATE;
		return parse_u32(val, UINT32_MAX, &s->cfg.max_tx_rate);
	case K_DRIVER:
		if (strlen(val) >= sizeof(s->driver) || strchr(val, '/'))
			return -EINVAL;
		strcpy(s->driver, strcmp(val, "none") == 0 ? "" : val);
		return 0;
	case K_MTU:
		if (strcmp(val, "-1") == 0) {
			s->mtu = -1;
			return 0;
		}
		if (parse_u32(val, 65535, &u) < 0)
			return -EINVAL;
		s->mtu = (int)u;
		return 0;
	}
	return -EINVAL;
}

/* Parse lines of text; with_header: the SAVED_MAGIC line first and pf/vf required. */
static int
parse_text(const char *text, struct vfm_vf_saved *ret, unsigned int *ret_line, bool with_header)
{
	struct vfm_vf_saved s;
	unsigned int seen = 0, lineno = 0;
	const char *p = text;
	char line[256];
	int r = 0;

	memset(&s, 0, sizeof(s));
	s.mtu = -1;
	s.cfg.vlan_proto = VFM_VLAN_PROTO_8021Q;
	if (!text)
		return -EINVAL;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		lineno++;
		if (len >= sizeof(line)) {
			r = -EINVAL;
			break;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (nl ? 1 : 0);
		if (memchr(line, '\0', len) != NULL && strlen(line) != len) {
			r = -EINVAL;
			break;
		}
		if (with_header && lineno == 1) {
			if (strcmp(line, SAVED_MAGIC) != 0) {
				r = -EINVAL;
				break;
			}
			continue;
		}
		r = parse_line(line, &s, &seen, with_header);
		if (r < 0)
			break;
	}
	if (r == 0 && with_header &&
	    (lineno == 0 || !(seen & (1u << K_PF)) || !(seen & (1u << K_VF)))) {
		lineno++;
		r = -EINVAL;
	}
	/* VLAN and rate fields come in groups. */
	if (r == 0 && (s.cfg.mask & VFM_VF_VLAN) &&
	    (!(seen & (1u << K_QOS)) || !(seen & (1u << K_PROTO))))
		r = -EINVAL;
	if (r == 0 && !(s.cfg.mask & VFM_VF_VLAN) &&
	    ((seen & (1u << K_QOS)) || (seen & (1u << K_PROTO))))
		r = -EINVAL;
	if (r == 0 && (s.cfg.mask & VFM_VF_RATE) &&
	    (!(seen & (1u << K_MIN_RATE)) || !(seen & (1u << K_MAX_RATE))))
		r = -EINVAL;
	if (r < 0) {
		if (ret_line)
			*ret_line = lineno;
		return -EINVAL;
	}
	*ret = s;
	return 0;
}

int
vfm_vf_saved_parse(const char *text, struct vfm_vf_saved *ret_saved, unsigned int *ret_line)
{
	if (!text || !ret_saved)
		return -EINVAL;
	return parse_text(text, ret_saved, ret_line, true);
}

int
vfm_vf_config_parse(const char *text, struct vfm_vf_config *ret_cfg)
{
	struct vfm_vf_saved s;
	int r;

	r = parse_text(text, &s, NULL, false);
	if (r < 0)
		return r;
	*ret_cfg = s.cfg;
	return 0;
}
