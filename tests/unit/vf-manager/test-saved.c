// SPDX-License-Identifier: BSD-3-Clause
/*
 * Unit tests for vf-manager/saved.c: the text form of a VF's saved state and of VF settings,
 * round trips and the inputs the strict parser must refuse (with their line).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "saved.h"

static void
assert_cfg_equal(const struct vfm_vf_config *a, const struct vfm_vf_config *b)
{
	assert_int_equal(a->mask, b->mask);
	assert_memory_equal(a->mac, b->mac, VFM_MAC_LEN);
	assert_int_equal(a->vlan, b->vlan);
	assert_int_equal(a->qos, b->qos);
	assert_int_equal(a->vlan_proto, b->vlan_proto);
	assert_int_equal(a->spoofchk, b->spoofchk);
	assert_int_equal(a->trust, b->trust);
	assert_int_equal(a->link_state, b->link_state);
	assert_int_equal(a->min_tx_rate, b->min_tx_rate);
	assert_int_equal(a->max_tx_rate, b->max_tx_rate);
}

static void
test_roundtrip(void **state)
{
	struct vfm_vf_saved s =
				    {
					    .pf = "0000:3b:00.0",
					    .vf = 3,
					    .cfg =
						    {
							    .mask = VFM_VF_ALL,
							    .mac = {0x52, 0x54, 0x00, 0xaa, 0xbb,
								    0xcc},
							    .vlan = 100,
							    .qos = 5,
							    .vlan_proto = VFM_VLAN_PROTO_8021AD,
							    .spoofchk = false,
							    .trust = true,
							    .link_state = VFM_LINK_DISABLE,
							    .min_tx_rate = 100,
							    .max_tx_rate = 10000,
						    },
					    .driver = "iavf",
					    .mtu = 9000,
				    },
			    back;
	char buf[1024];
	int n;

	(void)state;
	n = vfm_vf_saved_format(&s, buf, sizeof(buf));
	assert_true(n > 0);
	assert_non_null(strstr(buf, "mac 52:54:00:aa:bb:cc\n"));
	assert_non_null(strstr(buf, "proto 802.1ad\n"));
	assert_non_null(strstr(buf, "state disable\n"));
	assert_int_equal(vfm_vf_saved_parse(buf, &back, NULL), 0);
	assert_cfg_equal(&back.cfg, &s.cfg);
	assert_string_equal(back.pf, s.pf);
	assert_int_equal(back.vf, 3);
	assert_string_equal(back.driver, "iavf");
	assert_int_equal(back.mtu, 9000);
	assert_int_equal(vfm_vf_saved_format(&s, buf, 40), -ENOSPC);

	/* No driver, unknown MTU, only some fields. */
	memset(&s, 0, sizeof(s));
	strcpy(s.pf, "netdevsim1");
	s.mtu = -1;
	s.cfg.mask = VFM_VF_TRUST;
	s.cfg.trust = true;
	s.cfg.vlan_proto = VFM_VLAN_PROTO_8021Q;
	assert_true(vfm_vf_saved_format(&s, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "driver none\n"));
	assert_int_equal(vfm_vf_saved_parse(buf, &back, NULL), 0);
	assert_int_equal(back.cfg.mask, VFM_VF_TRUST);
	assert_string_equal(back.driver, "");
	assert_int_equal(back.mtu, -1);

	/* The config form, as the simulator stores it. */
	n = vfm_vf_config_format(&s.cfg, buf, sizeof(buf));
	assert_string_equal(buf, "trust on\n");
	assert_int_equal(n, 9);
	assert_int_equal(vfm_vf_config_parse(buf, &back.cfg), 0);
	assert_int_equal(back.cfg.mask, VFM_VF_TRUST);
	assert_true(back.cfg.trust);
}

static void
test_bad(void **state)
{
	static const struct {
		const char *text;
		unsigned int line;
	} bad[] = {
		{"", 1},
		{"nfpath-vf-saved 2\npf x\nvf 1\n", 1},
		{"nfpath-vf-saved 1\npf x\n", 3},
		{"nfpath-vf-saved 1\npf x\nvf 1\nvf 2\n", 4},
		{"nfpath-vf-saved 1\npf x\nvf 1\ncolour red\n", 4},
		{"nfpath-vf-saved 1\npf x\nvf 1\nmac 01:02\n", 4},
		{"nfpath-vf-saved 1\npf x\nvf 1\nvlan 4096\nqos 0\nproto 802.1Q\n", 4},
		{"nfpath-vf-saved 1\npf x\nvf 1\nvlan 5\nqos 8\nproto 802.1Q\n", 5},
		{"nfpath-vf-saved 1\npf x\nvf 1\nspoofchk yes\n", 4},
		{"nfpath-vf-saved 1\npf x\nvf 1\nstate up\n", 4},
		{"nfpath-vf-saved 1\npf x\nvf -1\n", 3},
		{"nfpath-vf-saved 1\npf a/b\nvf 1\n", 2},
		{"nfpath-vf-saved 1\npf x\nvf 1\nmtu 1500 \n", 4},
		{"nfpath-vf-saved 1\npf x\nvf 1\n mtu 1500\n", 4},
		{"nfpath-vf-saved 1\npf x\nvf 1\nmin_rate 5\n", 4},
		{"nfpath-vf-saved 1\npf x\nvf 1\nvlan 5\n", 4},
		{"nfpath-vf-saved 1\npf x\nvf 1\nmax_rate 99999999999\nmin_rate 0\n", 4},
	};
	struct vfm_vf_saved s;
	unsigned int line;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		line = 0;
		print_message("case %zu\n", i);
		assert_int_equal(vfm_vf_saved_parse(bad[i].text, &s, &line), -EINVAL);
		assert_int_equal(line, bad[i].line);
	}
	assert_int_equal(vfm_vf_saved_parse(NULL, &s, &line), -EINVAL);
	/* Header keys are not VF settings. */
	assert_int_equal(vfm_vf_config_parse("pf x\n", &s.cfg), -EINVAL);
}

static void
test_names(void **state)
{
	enum vfm_link_state ls;
	uint16_t proto;

	(void)state;
	assert_int_equal(vfm_link_state_parse("enable", &ls), 0);
	assert_int_equal(ls, VFM_LINK_ENABLE);
	assert_int_equal(vfm_link_state_parse("up", &ls), -EINVAL);
	assert_string_equal(vfm_link_state_name(VFM_LINK_AUTO), "auto");
	assert_int_equal(vfm_vlan_proto_parse("802.1AD", &proto), 0);
	assert_int_equal(proto, 0x88a8);
	assert_int_equal(vfm_vlan_proto_parse("qinq", &proto), -EINVAL);
	assert_string_equal(vfm_vlan_proto_name(0x8100), "802.1Q");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
