// SPDX-License-Identifier: BSD-3-Clause
/*
 * Fuzz target for vf-manager/saved.c: the saved-state and VF-settings parsers (the agent's
 * journal and the simulator's state files). Whatever parses must format back to text that
 * parses to the same value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "saved.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
same_cfg(const struct vfm_vf_config *a, const struct vfm_vf_config *b)
{
	if (a->mask != b->mask || memcmp(a->mac, b->mac, VFM_MAC_LEN) != 0 || a->vlan != b->vlan ||
	    a->qos != b->qos || a->vlan_proto != b->vlan_proto || a->spoofchk != b->spoofchk ||
	    a->trust != b->trust || a->link_state != b->link_state ||
	    a->min_tx_rate != b->min_tx_rate || a->max_tx_rate != b->max_tx_rate)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vfm_vf_saved s, s2;
	struct vfm_vf_config c, c2;
	char *text = malloc(size + 1);
	char buf[2048];
	unsigned int line;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (vfm_vf_saved_parse(text, &s, &line) == 0) {
		if (vfm_vf_saved_format(&s, buf, sizeof(buf)) < 0 ||
		    vfm_vf_saved_parse(buf, &s2, &line) != 0)
			abort();
		same_cfg(&s.cfg, &s2.cfg);
		if (strcmp(s.pf, s2.pf) != 0 || s.vf != s2.vf || strcmp(s.driver, s2.driver) != 0 ||
		    s.mtu != s2.mtu)
			abort();
	}
	if (vfm_vf_config_parse(text, &c) == 0) {
		if (vfm_vf_config_format(&c, buf, sizeof(buf)) < 0 ||
		    vfm_vf_config_parse(buf, &c2) != 0)
			abort();
		same_cfg(&c, &c2);
	}
	free(text);
	return 0;
}
