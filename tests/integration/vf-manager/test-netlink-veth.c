// SPDX-License-Identifier: BSD-3-Clause
/*
 * Integration test of vf-manager's real netlink path (netlink.c) against a veth pair in a
 * fresh network namespace: reading the VF list of a device without VFs works (libnl 3.7 would
 * crash in rtnl_link_vf_get() without the rtnl_link_has_vf_list() check), and every VF change
 * gets the clean "this device cannot configure VFs" error (the kernel's EOPNOTSUPP through
 * RTM_SETLINK, mapped from -NLE_OPNOTSUPP). Needs root and 'ip'; exits 77 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netlink.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (cond) {                                                                        \
			printf("ok - ");                                                           \
		} else {                                                                           \
			printf("not ok - ");                                                       \
			failures++;                                                                \
		}                                                                                  \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
	} while (0)

int
main(void)
{
	char ns[64], cmd[256], path[128];
	struct vfm_vf_config cfgs[4], cfg;
	struct vfm_ctx *ctx;
	int fd, r;

	if (geteuid() != 0) {
		printf("SKIP: needs root (network namespaces, CAP_NET_ADMIN)\n");
		return 77;
	}
	snprintf(ns, sizeof(ns), "vfm-test-%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "ip netns add %s 2>/dev/null", ns);
	if (system(cmd) != 0) {
		printf("SKIP: 'ip netns add' does not work here\n");
		return 77;
	}
	snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		printf("SKIP: cannot enter network namespace '%s': %s\n", ns, strerror(errno));
		snprintf(cmd, sizeof(cmd), "ip netns del %s", ns);
		if (system(cmd) != 0)
			printf("# cleanup of %s failed\n", ns);
		return 77;
	}
	close(fd);
	/* Children of this process (ip) now act in the new namespace too. */
	if (system("ip link add vfmveth0 type veth peer name vfmveth1 && ip link set vfmveth0 up") !=
	    0) {
		printf("SKIP: cannot create a veth pair\n");
		snprintf(cmd, sizeof(cmd), "ip netns del %s", ns);
		if (system(cmd) != 0)
			printf("# cleanup of %s failed\n", ns);
		return 77;
	}

	if (vfm_ctx_new(NULL, &ctx, NULL) < 0) {
		printf("not ok - vfm_ctx_new\n");
		return 1;
	}

	memset(cfgs, 0xab, sizeof(cfgs));
	r = vfm_nl_vf_get_all(ctx, "vfmveth0", cfgs, 4);
	CHECK(r == 0, "reading VF state of a veth (no VFs) works: %d", r);
	CHECK(cfgs[0].mask == 0 && cfgs[3].mask == 0, "no VF is reported");
	r = vfm_nl_vf_get_all(ctx, "lo", cfgs, 1);
	CHECK(r == 0, "reading VF state of lo works: %d", r);
	r = vfm_nl_vf_get_all(ctx, "vfmnosuch", cfgs, 1);
	CHECK(r == -ENODEV, "a missing device is ENODEV: %d (%s)", r, vfm_ctx_last_error(ctx));

	/* Every kind of VF change, one at a time: the kernel's EOPNOTSUPP, cleanly. */
	for (uint32_t bit = 1; bit <= VFM_VF_RATE; bit <<= 1) {
		memset(&cfg, 0, sizeof(cfg));
		cfg.mask = bit;
		cfg.mac[0] = 0x52;
		cfg.mac[5] = 1;
		cfg.vlan = 100;
		cfg.qos = 2;
		cfg.vlan_proto = bit == VFM_VF_VLAN ? VFM_VLAN_PROTO_8021AD : VFM_VLAN_PROTO_8021Q;
		cfg.trust = true;
		cfg.link_state = VFM_LINK_ENABLE;
		cfg.max_tx_rate = 1000;
		r = vfm_nl_vf_set(ctx, "vfmveth0", 0, &cfg);
		CHECK(r == -EOPNOTSUPP && strstr(vfm_ctx_last_error(ctx), "cannot configure VFs"),
		      "setting VF field 0x%x on a veth: %d (%s)", bit, r, vfm_ctx_last_error(ctx));
	}
	cfg.mask = VFM_VF_ALL;
	r = vfm_nl_vf_set(ctx, "vfmveth0", 3, &cfg);
	CHECK(r == -EOPNOTSUPP, "setting every field at once: %d", r);
	r = vfm_nl_vf_set(ctx, "vfmnosuch", 0, &cfg);
	CHECK(r == -ENODEV, "configuring a VF of a missing device: %d (%s)", r,
	      vfm_ctx_last_error(ctx));
	/* The device is unharmed. */
	r = vfm_nl_vf_get_all(ctx, "vfmveth0", cfgs, 4);
	CHECK(r == 0, "veth still answers: %d", r);

	vfm_ctx_free(ctx);
	snprintf(cmd, sizeof(cmd), "ip netns del %s", ns);
	if (system(cmd) != 0)
		printf("# cleanup of %s failed\n", ns);
	printf("%s\n", failures ? "FAILED" : "PASSED");
	return failures ? 1 : 0;
}
