/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parsers and formatters for the small text formats every nfpath component reads: MAC
 * addresses ("52:54:00:12:34:56"), CPU lists as the kernel writes them ("0-3,8,10-11") and PCI
 * addresses ("0000:3b:00.1"). They are strict: anything they do not fully understand is -EINVAL,
 * so a typo in a policy file or a garbled sysfs attribute is reported instead of half-read.
 * Part of vf-manager because sysfs is where most of these strings come from; the agent reuses
 * them for policy files.
 */
#ifndef NFPATH_VFM_PARSE_H
#define NFPATH_VFM_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VFM_MAC_LEN 6
/* "xx:xx:xx:xx:xx:xx" plus NUL. */
#define VFM_MAC_STRLEN 18

/*
 * Parse "xx:xx:xx:xx:xx:xx" (hex digits in either case, exactly two per octet, ':' only).
 * Leading and trailing whitespace (a sysfs newline) is allowed.
 * Returns 0, or -EINVAL (NULL, empty, wrong length, a non-hex digit, a wrong separator).
 */
int vfm_mac_parse(const char *s, uint8_t ret_mac[VFM_MAC_LEN]);

/* Format as lowercase "xx:xx:xx:xx:xx:xx". Returns 0, or -ENOSPC if len < VFM_MAC_STRLEN. */
int vfm_mac_format(const uint8_t mac[VFM_MAC_LEN], char *buf, size_t len);

/* True for 00:00:00:00:00:00. */
bool vfm_mac_is_zero(const uint8_t mac[VFM_MAC_LEN]);
/* True when the group bit (multicast, including broadcast) is set. */
bool vfm_mac_is_multicast(const uint8_t mac[VFM_MAC_LEN]);

/* Highest CPU number + 1 that a cpuset can hold. */
#define VFM_CPUSET_MAX 1024

/* A set of CPU numbers, 0 .. VFM_CPUSET_MAX - 1. Zero-initialise for the empty set. */
struct vfm_cpuset {
	uint64_t bits[VFM_CPUSET_MAX / 64]; /* bit (n % 64) of word (n / 64) is CPU n */
};

/*
 * Parse a kernel CPU list: comma-separated CPU numbers and ascending ranges "a-b", for example
 * "0-3,8,10-11". Leading and trailing whitespace is allowed; nothing else is.
 * Returns 0, or -EINVAL (NULL, empty, "0-", "3-1", junk, a string longer than 4096 bytes),
 * -ERANGE (a CPU number >= VFM_CPUSET_MAX).
 */
int vfm_cpulist_parse(const char *s, struct vfm_cpuset *ret_set);

/*
 * Format as a canonical CPU list ("0-3,8,10-11"; "" for the empty set).
 * Returns the length written (excluding NUL), or -ENOSPC when buf is too small.
 */
int vfm_cpuset_format(const struct vfm_cpuset *set, char *buf, size_t len);

void vfm_cpuset_set(struct vfm_cpuset *set, unsigned int cpu);
void vfm_cpuset_clear(struct vfm_cpuset *set, unsigned int cpu);
bool vfm_cpuset_isset(const struct vfm_cpuset *set, unsigned int cpu);
unsigned int vfm_cpuset_count(const struct vfm_cpuset *set);
bool vfm_cpuset_equal(const struct vfm_cpuset *a, const struct vfm_cpuset *b);

/* A PCI address: domain:bus:device.function. */
struct vfm_pci_addr {
	uint32_t domain; /* 0 .. 0xffff in practice; sysfs prints four hex digits */
	uint8_t bus;     /* 0 .. 0xff */
	uint8_t dev;     /* 0 .. 0x1f */
	uint8_t func;    /* 0 .. 7 */
};

/* "0000:3b:00.1" plus NUL. */
#define VFM_PCI_ADDR_STRLEN 13

/*
 * Parse "DDDD:BB:dd.f" or the short form "BB:dd.f" (domain 0), hex digits in either case.
 * Trailing whitespace is allowed. Returns 0, or -EINVAL (NULL, empty, junk, device > 0x1f,
 * function > 7, too many digits).
 */
int vfm_pci_addr_parse(const char *s, struct vfm_pci_addr *ret_addr);

/* Format as "dddd:bb:dd.f" in lowercase. Returns 0, or -ENOSPC. */
int vfm_pci_addr_format(const struct vfm_pci_addr *addr, char *buf, size_t len);

/* Same address? */
bool vfm_pci_addr_equal(const struct vfm_pci_addr *a, const struct vfm_pci_addr *b);

#endif /* NFPATH_VFM_PARSE_H */
