// SPDX-License-Identifier: BSD-3-Clause
/*
 * Fuzz target for vf-manager/parse.c: the same bytes go to the MAC, CPU-list and PCI-address
 * parsers; whatever parses must format back to a string that parses to the same value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nfpath/vfm-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	uint8_t mac[VFM_MAC_LEN], mac2[VFM_MAC_LEN];
	struct vfm_cpuset set, set2;
	struct vfm_pci_addr pci, pci2;
	char buf[8192];

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if (vfm_mac_parse(s, mac) == 0) {
		if (vfm_mac_format(mac, buf, sizeof(buf)) != 0 || vfm_mac_parse(buf, mac2) != 0 ||
		    memcmp(mac, mac2, sizeof(mac)) != 0)
			abort();
	}
	if (vfm_cpulist_parse(s, &set) == 0) {
		int n = vfm_cpuset_format(&set, buf, sizeof(buf));

		/* The empty set formats as "", which is not a valid list. */
		if (n < 0 || (n > 0 && (vfm_cpulist_parse(buf, &set2) != 0 ||
					!vfm_cpuset_equal(&set, &set2))))
			abort();
	}
	if (vfm_pci_addr_parse(s, &pci) == 0) {
		if (vfm_pci_addr_format(&pci, buf, sizeof(buf)) != 0 ||
		    vfm_pci_addr_parse(buf, &pci2) != 0 || !vfm_pci_addr_equal(&pci, &pci2))
			abort();
	}
	free(s);
	return 0;
}
