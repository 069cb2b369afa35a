// SPDX-License-Identifier: BSD-3-Clause
/*
 * Strict parsers for MAC addresses, kernel CPU lists and PCI addresses (see vfm-parse.h).
 * Hand-written rather than sscanf-based: sscanf accepts signs, skips inner whitespace and
 * silently stops at junk, which is exactly what these parsers must reject.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nfpath/vfm-parse.h"

#define CPULIST_MAX_LEN 4096

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Trim surrounding whitespace: sets *ret_start and returns the trimmed length. */
static size_t
trim(const char *s, size_t len, const char **ret_start)
{
	while (len > 0 && is_space(*s)) {
		s++;
		len--;
	}
	while (len > 0 && is_space(s[len - 1]))
		len--;
	*ret_start = s;
	return len;
}

int
vfm_mac_parse(const char *s, uint8_t ret_mac[VFM_MAC_LEN])
{
	uint8_t mac[VFM_MAC_LEN];
	const char *p;
	size_t len;

	if (!s || !ret_mac)
		return -EINVAL;
	len = trim(s, strnlen(s, 64), &p);
	if (len != VFM_MAC_STRLEN - 1)
		return -EINVAL;
	for (int i = 0; i < VFM_MAC_LEN; i++) {
		int hi = hexval(p[3 * i]);
		int lo = hexval(p[3 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		if (i < VFM_MAC_LEN - 1 && p[3 * i + 2] != ':')
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(ret_mac, mac, VFM_MAC_LEN);
	return 0;
}

int
vfm_mac_format(const uint8_t mac[VFM_MAC_LEN], char *buf, size_t len)
{
	if (!mac || !buf || len < VFM_MAC_STRLEN)
		return -ENOSPC;
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
	return 0;
}

bool
vfm_mac_is_zero(const uint8_t mac[VFM_MAC_LEN])
{
	static const uint8_t zero[VFM_MAC_LEN];

	return memcmp(mac, zero, VFM_MAC_LEN) == 0;
}

bool
vfm_mac_is_multicast(const uint8_t mac[VFM_MAC_LEN])
{
	return mac[0] & 0x01;
}

/* Parse a decimal CPU number at *p, advancing *p. Returns the number, -EINVAL or -ERANGE. */
static long
parse_cpu(const char **p, const char *end)
{
	long v = 0;
	const char *q = *p;

	if (q == end || *q < '0' || *q > '9')
		return -EINVAL;
	while (q < end && *q >= '0' && *q <= '9') {
		v = v * 10 + (*q - '0');
		if (v >= VFM_CPUSET_MAX) {
			/* Keep consuming digits so the error is about range, not syntax. */
			while (q < end && *q >= '0' && *q <= '9')
				q++;
			*p = q;
			return -ERANGE;
		}
		q++;
	}
	*p = q;
	return v;
}

int
vfm_cpulist_parse(const char *s, struct vfm_cpuset *ret_set)
{
	struct vfm_cpuset set = {0};
	const char *p, *end;
	size_t len;

	if (!s || !ret_set)
		return -EINVAL;
	len = strnlen(s, CPULIST_MAX_LEN + 1);
	if (len > CPULIST_MAX_LEN)
		return -EINVAL;
	len = trim(s, len, &p);
	if (len == 0)
		return -EINVAL;
	end = p + len;

	for (;;) {
		long lo, hi;

		lo = parse_cpu(&p, end);
		if (lo < 0)
			return (int)lo;
		hi = lo;
		if (p < end && *p == '-') {
			p++;
			hi = parse_cpu(&p, end);
			if (hi < 0)
				return (int)hi;
			if (hi < lo)
				return -EINVAL;
		}
		for (long c = lo; c <= hi; c++)
			vfm_cpuset_set(&set, (unsigned int)c);
		if (p == end)
			break;
		if (*p != ',')
			return -EINVAL;
		p++;
	}
	*ret_set = set;
	return 0;
}

int
vfm_cpuset_format(const struct vfm_cpuset *set, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int c = 0;

	if (!set || !buf || len == 0)
		return -ENOSPC;
	buf[0] = '\0';
	while (c < VFM_CPUSET_MAX) {
		unsigned int start;
		int n;

		if (!vfm_cpuset_isset(set, c)) {
			c++;
			continue;
		}
		start = c;
		while (c + 1 < VFM_CPUSET_MAX && vfm_cpuset_isset(set, c + 1))
			c++;
		if (start == c)
			n = snprintf(buf + off, len - off, "%s%u", off ? "," : "", start);
		else
			n = snprintf(buf + off, len - off, "%s%u-%u", off ? "," : "", start, c);
		if (n < 0 || (size_t)n >= len - off) {
			buf[0] = '\0';
			return -ENOSPC;
		}
		off += (size_t)n;
		c++;
	}
	return (int)off;
}

void
vfm_cpuset_set(struct vfm_cpuset *set, unsigned int cpu)
{
	if (cpu < VFM_CPUSET_MAX)
		set->bits[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}

void
vfm_cpuset_clear(struct vfm_cpuset *set, unsigned int cpu)
{
	if (cpu < VFM_CPUSET_MAX)
		set->bits[cpu / 64] &= ~(UINT64_C(1) << (cpu % 64));
}

bool
vfm_cpuset_isset(const struct vfm_cpuset *set, unsigned int cpu)
{
	return cpu < VFM_CPUSET_MAX && (set->bits[cpu / 64] >> (cpu % 64)) & 1;
}

unsigned int
vfm_cpuset_count(const struct vfm_cpuset *set)
{
	unsigned int n = 0;

	for (size_t i = 0; i < VFM_CPUSET_MAX / 64; i++)
		n += (unsigned int)__builtin_popcountll(set->bits[i]);
	return n;
}

bool
vfm_cpuset_equal(const struct vfm_cpuset *a, const struct vfm_cpuset *b)
{
	return memcmp(a->bits, b->bits, sizeof(a->bits)) == 0;
}

/* Parse exactly 'digits' (min..max) hex digits at *p into *ret. */
static int
parse_hex_field(const char **p, const char *end, int min, int max, unsigned long *ret)
{
	unsigned long v = 0;
	int n = 0;
	const char *q = *p;

	while (q < end && hexval(*q) >= 0) {
		if (++n > max)
			return -EINVAL;
		v = v << 4 | (unsigned long)hexval(*q);
		q++;
	}
	if (n < min)
		return -EINVAL;
	*p = q;
	*ret = v;
	return 0;
}

int
vfm_pci_addr_parse(const char *s, struct vfm_pci_addr *ret_addr)
{
	unsigned long f[4];
	const char *p, *end;
	size_t len;
	int nfields = 0, r;

	if (!s || !ret_addr)
		return -EINVAL;
	len = trim(s, strnlen(s, 64), &p);
	if (len == 0 || len > VFM_PCI_ADDR_STRLEN - 1)
		return -EINVAL;
	end = p + len;

	/* Up to three ':'-separated fields, then ".func". */
	for (;;) {
		r = parse_hex_field(&p, end, 1, 4, &f[nfields]);
		if (r < 0)
			return r;
		nfields++;
		if (p < end && *p == ':' && nfields < 3) {
			p++;
			continue;
		}
		break;
	}
	if (nfields < 2 || p == end || *p != '.')
		return -EINVAL;
	p++;
	r = parse_hex_field(&p, end, 1, 1, &f[nfields]);
	if (r < 0 || p != end)
		return -EINVAL;

	struct vfm_pci_addr a = {0};
	unsigned long dom = nfields == 3 ? f[0] : 0;
	unsigned long bus = f[nfields - 2], dev = f[nfields - 1], fn = f[nfields];

	if (bus > 0xff || dev > 0x1f || fn > 7)
		return -EINVAL;
	a.domain = (uint32_t)dom;
	a.bus = (uint8_t)bus;
	a.dev = (uint8_t)dev;
	a.func = (uint8_t)fn;
	*ret_addr = a;
	return 0;
}

int
vfm_pci_addr_format(const struct vfm_pci_addr *addr, char *buf, size_t len)
{
	int n;

	if (!addr || !buf)
		return -ENOSPC;
	n = snprintf(buf, len, "%04x:%02x:%02x.%x", addr->domain, addr->bus, addr->dev, addr->func);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return 0;
}

bool
vfm_pci_addr_equal(const struct vfm_pci_addr *a, const struct vfm_pci_addr *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->dev == b->dev && a->func == b->func;
}
