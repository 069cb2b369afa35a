/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lab-nvme-vf: brings an NVMe SR-IOV VF's secondary controller online in the kernel lab, so the
 * kernel's nvme driver can bind the VF and give it MSI-X IRQs (README.md in this folder).
 *
 *   lab-nvme-vf CTRL_DEV list
 *   lab-nvme-vf CTRL_DEV online VFN NVQ NVI
 *
 * CTRL_DEV is the PF's controller character device (/dev/nvme0). VFN counts from 1 (virtfn0 is
 * VFN 1). A VF's controller stays offline until the PF assigns it flexible queue (NVQ, at least
 * 2: admin + one I/O queue) and interrupt (NVI, at least 1) resources and sets it online, with
 * the NVMe Virtualization Management admin command; QEMU's emulated NVMe (7.2) implements it and
 * takes the controller offline again whenever the PF's VFs are disabled.
 * Built statically by prepare.sh; placed in the guest at /lab/bin/lab-nvme-vf.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/nvme_ioctl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

enum {
	OPC_IDENTIFY = 0x06,
	OPC_VIRT_MGMT = 0x1c,
	CNS_SEC_CTRL_LIST = 0x15,
	ACT_SEC_ASSIGN = 0x8,
	ACT_SEC_ONLINE = 0x9,
	RT_VQ = 0,
	RT_VI = 1,
	SEC_LIST_BYTES = 4096,
	SEC_ENTRY_BYTES = 32,
};

struct sec_ctrl {
	unsigned scid; /* secondary controller id */
	unsigned online;
	unsigned vfn;      /* 1-based VF number */
	unsigned nvq, nvi; /* flexible queues and interrupts assigned */
};

static unsigned
le16(const uint8_t *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* Runs one admin command; returns 0, -errno, or the NVMe status (> 0). */
static int
admin(int fd, struct nvme_admin_cmd *cmd)
{
	int r = ioctl(fd, NVME_IOCTL_ADMIN_CMD, cmd);

	return r < 0 ? -errno : r;
}

/* Reads the PF's secondary controller list; returns the number of entries or < 0. */
static int
sec_list(int fd, struct sec_ctrl *ret_ctrls, int max)
{
	static uint8_t buf[SEC_LIST_BYTES];
	struct nvme_admin_cmd cmd = {
		.opcode = OPC_IDENTIFY,
		.addr = (uintptr_t)buf,
		.data_len = sizeof(buf),
		.cdw10 = CNS_SEC_CTRL_LIST,
	};
	int r = admin(fd, &cmd), n, i;

	if (r != 0)
		return r < 0 ? r : -EIO;
	n = buf[0];
	if (n > max)
		n = max;
	for (i = 0; i < n; i++) {
		const uint8_t *e = buf + SEC_ENTRY_BYTES * (i + 1);

		ret_ctrls[i] = (struct sec_ctrl){
			.scid = le16(e),
			.online = e[4] & 1,
			.vfn = le16(e + 8),
			.nvq = le16(e + 10),
			.nvi = le16(e + 12),
		};
	}
	return n;
}

static int
virt_mgmt(int fd, unsigned scid, unsigned act, unsigned rt, unsigned nr)
{
	struct nvme_admin_cmd cmd = {
		.opcode = OPC_VIRT_MGMT,
		.cdw10 = act | rt << 8 | scid << 16,
		.cdw11 = nr,
	};

	return admin(fd, &cmd);
}

static int
fail(const char *what, int r)
{
	if (r < 0)
		fprintf(stderr, "lab-nvme-vf: %s: %s\n", what, strerror(-r));
	else
		fprintf(stderr, "lab-nvme-vf: %s: NVMe status 0x%x\n", what, (unsigned)r);
	return 1;
}

int
main(int argc, char **argv)
{
	struct sec_ctrl ctrls[64];
	unsigned vfn, nvq, nvi;
	int fd, n, i, r;

	if (argc < 3 ||
	    (strcmp(argv[2], "list") != 0 && (strcmp(argv[2], "online") != 0 || argc != 6))) {
		fprintf(stderr, "usage: lab-nvme-vf /dev/nvmeN list\n"
				"       lab-nvme-vf /dev/nvmeN online VFN NVQ NVI\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "lab-nvme-vf: %s: %s (the PF's controller device)\n", argv[1],
			strerror(errno));
		return 1;
	}
	n = sec_list(fd, ctrls, 64);
	if (n < 0)
		return fail("identify secondary controller list", n);
	if (strcmp(argv[2], "list") == 0) {
		for (i = 0; i < n; i++)
			printf("scid %u vfn %u %s nvq %u nvi %u\n", ctrls[i].scid, ctrls[i].vfn,
			       ctrls[i].online ? "online" : "offline", ctrls[i].nvq, ctrls[i].nvi);
		close(fd);
		return 0;
	}
	vfn = (unsigned)strtoul(argv[3], NULL, 10);
	nvq = (unsigned)strtoul(argv[4], NULL, 10);
	nvi = (unsigned)strtoul(argv[5], NULL, 10);
	for (i = 0; i < n && ctrls[i].vfn != vfn; i++)
		;
	if (i == n) {
		fprintf(stderr, "lab-nvme-vf: no secondary controller for VF %u (%d listed)\n", vfn,
			n);
		return 1;
	}
	r = virt_mgmt(fd, ctrls[i].scid, ACT_SEC_ASSIGN, RT_VQ, nvq);
	if (r != 0)
		return fail("assign queues", r);
	r = virt_mgmt(fd, ctrls[i].scid, ACT_SEC_ASSIGN, RT_VI, nvi);
	if (r != 0)
		return fail("assign interrupts", r);
	r = virt_mgmt(fd, ctrls[i].scid, ACT_SEC_ONLINE, 0, 0);
	if (r != 0)
		return fail("set online", r);
	printf("VF %u: secondary controller %u online with %u queues, %u interrupts\n", vfn,
	       ctrls[i].scid, nvq, nvi);
	close(fd);
	return 0;
}
